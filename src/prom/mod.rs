//! A small Prometheus HTTP API client (Thanos Querier, Prometheus, the simulated cluster):
//! instant and range queries, label values, series; typed answers; errors mapped to
//! [`crate::error::Error`] with exit codes (unreachable/401 → 3, 403 → 4, query errors → 1).

pub mod client;
pub mod discover;
pub mod endpoint;
pub mod naming_cache;
pub mod resolver;
pub mod response;

pub use client::{PromClient, PromConfig, QueryLogEntry};
pub use discover::{Detected, detect_naming, detected_from, no_series_error};
pub use naming_cache::{NamingCache, NamingKey};
pub use response::{Labels, QueryData, RangeSeries, Response, Sample};
