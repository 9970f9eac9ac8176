//! llmd-sim: a simulated OpenShift AI cluster that speaks the real Kubernetes REST protocol.
//!
//! It is oc-llmd's integration-test harness, its benchmark target and `oc llmd demo`.
//! Product code depends on it only through `demo`.

pub mod apply;
pub mod config;
pub mod controllers;
pub mod error;
pub mod rbac;
pub mod resources;
pub mod scenario;
pub mod selectors;
pub mod store;
pub mod util;

pub use error::SimError;
