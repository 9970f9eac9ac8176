//! `oc llmd stats`, the pure part: which queries to send ([`queries`]), how their answers become a
//! [`report::StatsReport`] ([`summary`]), and how a report prints ([`render`]).
//! IO (Prometheus, pod scrapes) lives in `commands::stats` and [`crate::scrape`].

pub mod queries;
pub mod render;
pub mod report;
pub mod summary;

pub use queries::{Stat, StatQuery};
pub use report::{REPORT_VERSION, StatsReport};
pub use summary::{Answers, Context, KnownService, summarize};
