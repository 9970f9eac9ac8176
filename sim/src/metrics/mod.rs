//! Simulated `/metrics` of vLLM model-server pods and EPP (endpoint picker) pods.
//!
//! [`pod_metrics`] is a pure function of a pod, its service's [`TrafficProfile`], the pod's share
//! of the traffic, the metric generation it speaks and the seconds since the simulation started.
//! Ground truth: every counter is `rate × share × (elapsed + WARMUP_SECS)`, so PromQL `rate()`
//! over any window returns the profile's rate exactly; every histogram's cumulative buckets are
//! `count × CDF(le)` of a log-normal fitted to the profile's (p50, p95) and `_sum = count × mean`,
//! so `histogram_quantile` lands within one bucket of the true quantile. Gauges are constant.
//!
//! Names, labels and buckets per generation follow shared/reference/metrics/REPORT.md §1–§2.
//! The emitters never add the OpenShift AI `kserve_` prefix: the monitors' metricRelabelings do.

mod epp;
pub mod exposition;
mod listener;
pub mod parse;
mod stack;
mod vllm;

pub use listener::{
    METRICS_CONTENT_TYPE, MetricsState, MetricsUnavailable, ObjectSource, cached_object_source,
    metrics_router, render_pod_metrics,
};
pub use stack::{DEFAULT_SCRAPE_INTERVAL, MonitoringStack};

use serde_json::Value;

use crate::config::{
    METRICS_GENERATION_ANNOTATION, MetricsGeneration, MetricsSpec, TrafficProfile,
};

/// Counters start as if the server had already run this long, so they are never near zero.
pub const WARMUP_SECS: f64 = 600.0;
/// Port the vLLM container serves `/metrics` on (same as its API port).
pub const VLLM_METRICS_PORT: u16 = 8000;
/// Port the EPP serves `/metrics` on (`--metrics-port` default).
pub const EPP_METRICS_PORT: u16 = 9090;

/// What a pod is, from its labels (KServe LLMInferenceService conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodKind {
    /// vLLM serving whole requests (`llm-d.ai/role` = `both` or absent) or the decode side.
    Decode,
    /// vLLM prefill-only pod (`llm-d.ai/role=prefill` or component `…-workload-prefill`).
    Prefill,
    /// The endpoint picker (`app.kubernetes.io/component=llminferenceservice-router-scheduler`).
    Epp,
}

/// One model-server endpoint as the EPP sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointShare {
    pub pod_name: String,
    pub namespace: String,
    pub port: u16,
    /// Fraction of the service's requests routed to this endpoint (sums to 1 over endpoints).
    pub share: f64,
}

/// The InferencePool an EPP serves.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolView {
    /// InferencePool name: the `name` label of `inference_pool_*` / `llm_d_epp_*` pool gauges.
    pub name: String,
    /// Ready decode-side model-server pods.
    pub endpoints: Vec<EndpointShare>,
}

/// Everything [`pod_metrics`] needs; [`crate::traffic::pod_metrics_inputs`] computes it.
#[derive(Debug, Clone)]
pub struct PodMetricsInput {
    /// The Pod object as served by the API (labels decide what it is).
    pub pod: Value,
    /// Traffic of the owning LLMInferenceService.
    pub profile: TrafficProfile,
    /// Decode/both vLLM pod: its share of the service's requests. Prefill pod: its share of the
    /// prompt-side work. EPP pod: the share of requests this replica sees (1 / ready EPP pods).
    pub share: f64,
    /// Generation this pod speaks (annotation, else the scenario default).
    pub generation: MetricsGeneration,
    /// `model_name` label: the LLMInferenceService's `spec.model.name`, else its name.
    pub model_name: String,
    /// The service has prefill pods: decode pods then leave prompt-side counters (prompt tokens,
    /// prefix cache) to them, so sums over all pods stay equal to the profile.
    pub service_has_prefill: bool,
    /// EPP pods only: the pool and its endpoints.
    pub pool: Option<PoolView>,
}

/// Classifies a pod by its labels; `None` for pods that are neither vLLM nor EPP.
pub fn pod_kind(pod: &Value) -> Option<PodKind> {
    let labels = pod.pointer("/metadata/labels")?;
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let component = label("app.kubernetes.io/component").unwrap_or("");
    if component == "llminferenceservice-router-scheduler" {
        return Some(PodKind::Epp);
    }
    if label("app.kubernetes.io/part-of") != Some("llminferenceservice")
        || label("kserve.io/component") != Some("workload")
    {
        return None;
    }
    if label("llm-d.ai/role") == Some("prefill") || component.ends_with("-prefill") {
        Some(PodKind::Prefill)
    } else {
        Some(PodKind::Decode)
    }
}

/// The generation a pod speaks: its `sim.oc-llmd.io/metrics-generation` annotation if it names a
/// generation of the right family, else the scenario default for its kind.
pub fn pod_generation(pod: &Value, kind: PodKind, defaults: &MetricsSpec) -> MetricsGeneration {
    let annotated = pod
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(METRICS_GENERATION_ANNOTATION))
        .and_then(|v| serde_json::from_value::<MetricsGeneration>(v.clone()).ok());
    let fits = |g: MetricsGeneration| is_vllm_generation(g) == (kind != PodKind::Epp);
    match annotated {
        Some(g) if fits(g) => g,
        _ if kind == PodKind::Epp => defaults.epp,
        _ => defaults.vllm,
    }
}

fn is_vllm_generation(g: MetricsGeneration) -> bool {
    matches!(g, MetricsGeneration::VllmV0 | MetricsGeneration::VllmV1)
}

/// The pod's `/metrics` text at `elapsed_secs` since simulation start; `None` for pods that are
/// neither vLLM nor EPP.
pub fn pod_metrics(input: &PodMetricsInput, elapsed_secs: f64) -> Option<String> {
    let kind = pod_kind(&input.pod)?;
    let t = elapsed_secs.max(0.0) + WARMUP_SECS;
    Some(match kind {
        PodKind::Epp => {
            let generation = if is_vllm_generation(input.generation) {
                MetricsGeneration::EppInferenceModel
            } else {
                input.generation
            };
            epp::render(input, generation, t)
        }
        PodKind::Decode | PodKind::Prefill => {
            let generation = if is_vllm_generation(input.generation) {
                input.generation
            } else {
                MetricsGeneration::VllmV1
            };
            vllm::render(input, kind, generation, t)
        }
    })
}

#[cfg(test)]
pub(crate) mod tests;
