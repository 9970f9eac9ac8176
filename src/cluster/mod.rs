//! The cluster model shared by doctor, install pre-flight, fix and stats.
//!
//! - [`gather`]: the only IO — one concurrent batch of cluster-wide (or `-n`-scoped) lists.
//! - [`model`]: the snapshot, plain serde data with no kube types.
//! - [`parse`]: raw API objects → model types, defensively.
//! - [`relations`]: per-LLMInferenceService relations computed once ([`relations::Model`]).
//! - [`sample`]: a healthy snapshot for tests and examples.

pub mod gather;
pub mod live;
pub mod model;
pub mod parse;
pub mod relations;
pub mod sample;

pub use model::Snapshot;
pub use relations::Model;
