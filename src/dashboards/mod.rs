//! Our Grafana dashboards, defined in Rust and rendered for one metric [`Naming`] (pure functions).
//!
//! Three dashboards:
//!
//! | uid | title |
//! |---|---|
//! | `oc-llmd-vllm` | vLLM — latency, throughput and cache |
//! | `oc-llmd-epp` | EPP — routing and pool health (not rendered when the naming has no EPP) |
//! | `oc-llmd-overview` | LLMInferenceService overview |
//!
//! Every query is built from the naming table ([`crate::metrics`]); panels whose series do not exist
//! for the naming are left out (e.g. per-request TPOT before vLLM 0.11, flow control before GIE
//! v1.1). tests/dashboards_prometheus.rs runs every remaining query against a real Prometheus
//! scraping the simulated pods of every naming: none returns "No data". Template variables `namespace`, `llmisvc` (`llm_isvc_name` with OpenShift AI relabelling, else
//! `model_name`) and `pod` feed regex matchers whose "All" value is `.*`.
//!
//! # Upstream panel → our panel
//!
//! Kept as data in [`upstream::UPSTREAM_PANELS`] (a test checks each mapped panel is rendered).
//!
//! | upstream dashboard | upstream panel | ours (dashboard: panel) |
//! |---|---|---|
//! | llm-d-deployer | E2E Request Latency | vllm: End-to-end request latency |
//! | llm-d-deployer | Token Throughput | vllm: Token throughput |
//! | llm-d-deployer | Time Per Output Token Latency | vllm: Inter-token latency |
//! | llm-d-deployer | Scheduler State | vllm: Running and waiting requests |
//! | llm-d-deployer | Time To First Token Latency | vllm: Time to first token |
//! | llm-d-deployer | Cache Utilization | vllm: KV cache usage per pod |
//! | llm-d-deployer | Request Prompt / Generation Length | vllm: Prompt and generation length |
//! | llm-d-deployer | Finish Reason | vllm: Requests by finish reason |
//! | llm-d-deployer | Queue Time; Requests Prefill and Decode Time | vllm: Queue, prefill, decode and inference time (mean) |
//! | llm-d-deployer | Max Generation Token in Sequence Group | vllm: Max generation tokens per request (mean) |
//! | GIE | Average KV Cache Utilization | epp: Pool average KV cache utilization |
//! | GIE | Average Queue Size | epp: Pool average queue size |
//! | GIE | Queue Size Per Pod | epp: Queue size per pod |
//! | GIE | E2E Request Latency | epp: Request latency (gateway) |
//! | GIE | Request / s; Request Error / s | epp: Requests per second; Request errors per second |
//! | GIE | Request Size; Response Size | epp: Request size; Response size |
//! | GIE | Input / Output Token Count | epp: Input tokens per request; Output tokens per request |
//! | GIE | vLLM row (throughput, E2E, TPOT, TTFT) | vllm: the same four panels as above |
//! | GIE | Pool Saturation; Net Queue Flow; Queue Depth; Queue Memory Mass | epp: Pool saturation; Net queue flow; Flow-control queue depth; Queued bytes |
//! | GIE | Request Arrival Rate; Dispatch Outcomes; Fairness Sharing Rate | epp: Arrival rate by flow; Dispatch outcomes by flow |
//! | GIE | Wait Time (P99); Internal Processing Latency (P99) | epp: Flow-control wait time (p99); Flow-control internal latency (p99) |
//! | GIE | (text); BBR ×3 | omitted: a note about the upstream dashboard; BBR is not deployed by LLMInferenceService |
//!
//! Beyond upstream: per-pod traffic share (vLLM side and EPP scheduler side), prefix-cache hit rate
//! as a `rate()` ratio, per-request TPOT, queue/prefill/decode/inference means, preemptions, error
//! ratio by finish reason and by EPP error code, scheduler and plugin latency, EPP build info.
//!
//! Fixed upstream bugs (REPORT.md §3.4): no V0-only names on V1, counters always with `_total`
//! inside `rate()`, `sum by (le)` before every `histogram_quantile`, per-backend distribution from
//! the right labels, rate ratios instead of lifetime ratios, means instead of `rate(_sum)` alone.

pub mod epp;
pub mod model;
pub mod overview;
pub mod promql;
pub mod upstream;
pub mod variables;
pub mod vllm;

use serde::Serialize;
use serde_json::Value;

use crate::metrics::{EppGeneration, Naming};

pub use promql::expand_grafana_vars;

/// The uid our GrafanaDatasource gets: install-monitoring creates it with this uid, so the
/// dashboards it installs and the ones `oc llmd dashboards` prints refer to the same datasource.
pub const DEFAULT_DATASOURCE_UID: &str = crate::install::plan::DATASOURCE_UID;

/// Which of our dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardName {
    Vllm,
    Epp,
    Overview,
}

impl DashboardName {
    pub const ALL: [DashboardName; 3] = [
        DashboardName::Vllm,
        DashboardName::Epp,
        DashboardName::Overview,
    ];

    pub fn uid(self) -> &'static str {
        match self {
            DashboardName::Vllm => vllm::UID,
            DashboardName::Epp => epp::UID,
            DashboardName::Overview => overview::UID,
        }
    }
}

/// One dashboard rendered to Grafana JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedDashboard {
    pub uid: String,
    pub title: String,
    pub json: Value,
}

impl RenderedDashboard {
    /// Panels other than rows.
    pub fn panel_count(&self) -> usize {
        self.json["panels"]
            .as_array()
            .map_or(0, |p| p.iter().filter(|p| p["type"] != "row").count())
    }

    /// Every panel query's PromQL (variable queries excluded), with Grafana variables unexpanded.
    pub fn queries(&self) -> Vec<String> {
        self.panel_queries()
            .into_iter()
            .map(|(_, expr)| expr)
            .collect()
    }

    /// `(panel title, PromQL)` for every panel query, in panel order. Run them against Prometheus
    /// after [`expand_grafana_vars`].
    pub fn panel_queries(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for panel in self.json["panels"].as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or_default();
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    out.push((title.to_string(), expr.to_string()));
                }
            }
        }
        out
    }
}

/// Build one dashboard's model for a naming; `None` for the EPP dashboard when there is no EPP.
pub fn build(naming: &Naming, name: DashboardName) -> Option<model::Dashboard> {
    match name {
        DashboardName::Vllm => Some(vllm::build(naming)),
        DashboardName::Epp if naming.epp == EppGeneration::Absent => None,
        DashboardName::Epp => Some(epp::build(naming)),
        DashboardName::Overview => Some(overview::build(naming)),
    }
}

/// Render one dashboard (see [`build`]).
pub fn render(
    naming: &Naming,
    name: DashboardName,
    datasource_uid: &str,
) -> Option<RenderedDashboard> {
    let d = build(naming, name)?;
    Some(RenderedDashboard {
        uid: d.uid.clone(),
        title: d.title.clone(),
        json: d.to_json(datasource_uid),
    })
}

/// Render every dashboard that applies to the naming (vLLM, EPP when present, overview).
pub fn render_all(naming: &Naming, datasource_uid: &str) -> Vec<RenderedDashboard> {
    DashboardName::ALL
        .iter()
        .filter_map(|n| render(naming, *n, datasource_uid))
        .collect()
}
