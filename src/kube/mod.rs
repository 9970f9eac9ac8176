//! Cluster access: kubeconfig resolution (kubectl's precedence rules), the API client with its
//! request log, and the mapping of API failures to our errors and exit codes.
//!
//! - [`config`]: `--kubeconfig` > `KUBECONFIG` (merged list) > `~/.kube/config` > in-cluster;
//!   `--context/--cluster/--user`, `-n` over the context namespace, `--as`, `--request-timeout`.
//! - [`request_log`]: a tower layer counting every API request and, with `-v`, printing
//!   method, path, status and duration on stderr (never headers, so never tokens).
//! - [`errors`]: kube errors -> [`crate::error::Error`] with the verb and resource named.
//! - [`retry`]: bounded retries of 429/503/504 (kube's default policy can wait for minutes).
//! - [`credentials`]: the bearer token the kubeconfig user presents (for Thanos), exec plugins included.

pub mod config;
pub mod credentials;
pub mod errors;
pub mod list;
pub mod request_log;
pub mod retry;

pub use config::{Cluster, Scope, connect, require_reachable};
pub use errors::map_kube_error;
