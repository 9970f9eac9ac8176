//! llmd-sim: a simulated OpenShift AI cluster that speaks the real Kubernetes REST protocol.
//!
//! It is oc-llmd's integration-test harness, its benchmark target and `oc llmd demo`.
//! Product code depends on it only through `demo`.

pub mod config;
pub mod metrics;
pub mod prometheus;
pub mod thanos;
pub mod traffic;
pub mod scenarios;
