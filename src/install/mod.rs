//! `install-monitoring` / `uninstall-monitoring`: the Grafana stack on Thanos Querier.
//!
//! Flow (wired in `commands::install`): the lists shared with doctor
//! ([`crate::cluster::gather::INSTALL_SHARED`]) → [`naming::detect`] (the dashboards' metric
//! names) → [`preflight::gather`] (reads) → [`plan::plan`] (pure) →
//! [`preflight::required_access`] + [`preflight::check_access`] (SelfSubjectAccessReviews) →
//! [`preflight::problems`] (pure; every problem reported before the first write) → apply in order
//! through [`crate::apply::Engine`] → waits judged by [`readiness`] → [`render`]ed results.
//!
//! - [`plan`](mod@plan): pure — options + pre-flight facts → the ordered manifests.
//! - [`cmo`]: pure — the `cluster-monitoring-config` merge for `--enable-uwm`.
//! - [`naming`]: which metric names the dashboards query (every EPP generation while unknown).
//! - [`password`]: the generated admin password (OS RNG).
//! - [`preflight`]: the reads, the permission checks and their judgement.
//! - [`readiness`]: pure predicates for the waits.
//! - [`uninstall`]: pure — which objects uninstall deletes, and whether the namespace may go.
//! - [`render`], [`progress`]: text and the terminal progress display.

pub mod cmo;
pub mod naming;
pub mod password;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod readiness;
pub mod render;
pub mod uninstall;

pub use plan::{DashboardManifest, InstallOptions, InstallPlan, PreflightFacts, plan};
