//! `oc llmd doctor`: the check catalogue, the checks (pure functions over the cluster model),
//! the report and its rendering.
//!
//! - [`catalogue`]: every check id, category, severity and dependency (a public contract).
//! - [`checks`]: the checks, one module per category.
//! - [`engine`]: runs the catalogue: dependency and live skips, `--category/--check/--ignore`.
//! - [`report`]: results, summary and the versioned JSON document.
//! - [`render`]: table / wide / short / json / yaml.

pub mod catalogue;
pub mod checks;
pub mod engine;
pub mod render;
pub mod report;
