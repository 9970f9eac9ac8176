//! Helpers shared by the stats integration tests.

pub mod api_server;
pub mod stats_cluster;
