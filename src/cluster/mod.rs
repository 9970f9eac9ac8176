//! The cluster model shared by doctor, install pre-flight, fix and stats.
//!
//! - [`gather`]: the only IO — one concurrent batch of cluster-wide (or `-n`-scoped) lists.
//! - [`model`]: the snapshot, plain serde data with no kube types.
//! - [`parse`]: raw API objects → model types, defensively.
//! - [`probe`]: `doctor --probe`'s test requests through the gateways (opt-in traffic).
//! - [`relations`]: per-LLMInferenceService relations computed once ([`relations::Model`]).
//! - [`sample`]: a healthy snapshot for tests and examples.

pub mod gather;
pub mod live;
pub mod model;
pub mod parse;
pub mod probe;
pub mod relations;
pub mod sample;

pub use model::Snapshot;
pub use relations::Model;
