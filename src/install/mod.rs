//! `install-monitoring` / `uninstall-monitoring`: the Grafana stack on Thanos Querier.
//!
//! - [`plan`]: pure — options + pre-flight facts → the ordered manifests.
//! - [`cmo`]: pure — the `cluster-monitoring-config` merge for `--enable-uwm`.
//! - [`password`]: the generated admin password.

pub mod cmo;
pub mod password;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod readiness;
pub mod render;
pub mod uninstall;

pub use plan::{DashboardManifest, InstallOptions, InstallPlan, PreflightFacts, plan};
