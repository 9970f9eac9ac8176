//! Helpers shared by the stats integration tests.

pub mod stats_cluster;
