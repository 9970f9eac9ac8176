//! Metric naming: the one table mapping metric concepts (TTFT, KV cache usage, EPP pool gauges…) to
//! the exact Prometheus series to query for a detected [`naming::Naming`].
//!
//! Every other module (dashboards, stats, doctor's live checks) asks this table for series names;
//! no vLLM or EPP metric name is spelled anywhere else in the code.

pub mod naming;

pub use naming::{Component, Concept, EppGeneration, MetricType, Naming, Prefix, VllmGeneration};
