//! The `StatsReport`: what `oc llmd stats` found, as plain data. It is also the `-o json` /
//! `-o yaml` contract, versioned by [`REPORT_VERSION`].
//!
//! # JSON contract (`{"kind":"StatsReport","version":1,…}`)
//!
//! Field names are camelCase. Every number that could not be measured is `null` (never `NaN`).
//! Latencies are seconds, percentages are 0–100, rates are per second over `windowSeconds`.
//!
//! | field | meaning |
//! |---|---|
//! | `kind`, `version` | `"StatsReport"`, `1`; a new version only for incompatible changes |
//! | `source` | `"prometheus"` (Prometheus/Thanos queries) or `"pods"` (two scrapes of each pod) |
//! | `endpoint` | the Prometheus/Thanos base URL (no credentials), or the API server for `pods` |
//! | `naming` | the metric naming used, e.g. `kserve-v1-epp-objective` (see `oc llmd dashboards --naming`) |
//! | `window`, `windowSeconds` | the rate/quantile window as given and in seconds |
//! | `queries` | requests sent to produce this report (naming detection included) |
//! | `services[]` | one per LLMInferenceService (or per `model_name` without OpenShift AI labels) |
//! | `services[].namespace`, `.name`, `.model` | where it is, its name, its served model name |
//! | `services[].state` | `ok`, `noTraffic` (series exist, no request completed in the window), `noMetrics` (the cluster has the service, Prometheus has nothing), `wrongPrefix` (its series exist only under the other `kserve_` prefix) |
//! | `services[].message` | the explanation for a state other than `ok` |
//! | `services[].requestsPerSecond`, `.errorPercent` | completed requests/s (vLLM side) and the share finished as `error`/`abort` |
//! | `services[].ttft`, `.e2e` | `{p50, p95, p99}` time to first token and end-to-end latency |
//! | `services[].itl` | `{p50, p95}` inter-token latency (V0: time per output token) |
//! | `services[].promptTokensPerSecond`, `.generationTokensPerSecond` | token throughput |
//! | `services[].running`, `.waiting` | requests running / queued, summed over pods |
//! | `services[].kvCachePercent` | mean KV cache usage over pods |
//! | `services[].prefixHitPercent` | prefix-cache hits / queries (V0: the mean hit-rate gauge) |
//! | `services[].preemptionsPerSecond` | preemptions/s |
//! | `pods[]` | one per vLLM pod: `namespace`, `service`, `name`, `sharePercent` (of its service's traffic), `shareSource` (`epp`: the EPP's routing decisions, `vllm`: completed requests), `requestsPerSecond`, `running`, `waiting`, `kvCachePercent`, `prefixHitPercent` |
//! | `pools[]` | one per InferencePool an EPP reports: `namespace`, `name`, `service` (when its pods are known), `readyPods`, `avgKvCachePercent`, `avgQueue`, `requestsPerSecond` (as the EPP counts them), `schedulingLatency` `{p50, p99}`, `schedulingFailuresPerSecond`, `errorsByCode` (code → errors/s) |
//! | `notes[]` | partial-answer warnings and other remarks worth reading |

use std::collections::BTreeMap;

use serde::Serialize;

/// Version of the JSON contract above.
pub const REPORT_VERSION: u32 = 1;

/// The whole report (see the module docs for the contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    pub kind: &'static str,
    pub version: u32,
    pub source: Source,
    pub endpoint: String,
    pub naming: String,
    pub window: String,
    pub window_seconds: f64,
    pub queries: u64,
    pub services: Vec<ServiceStats>,
    pub pods: Vec<PodStats>,
    pub pools: Vec<PoolStats>,
    pub notes: Vec<String>,
}

/// Where the numbers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    Prometheus,
    Pods,
}

/// Whether a service's numbers mean anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ServiceState {
    #[default]
    Ok,
    NoTraffic,
    NoMetrics,
    WrongPrefix,
}

/// Three quantiles of a latency, seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Quantiles3 {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

/// Two quantiles of a latency, seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Quantiles2 {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

/// The scheduler's latency quantiles, seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SchedulingLatency {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

/// One LLMInferenceService.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStats {
    pub namespace: String,
    pub name: String,
    pub model: Option<String>,
    pub state: ServiceState,
    pub message: Option<String>,
    pub requests_per_second: Option<f64>,
    pub error_percent: Option<f64>,
    pub ttft: Quantiles3,
    pub itl: Quantiles2,
    pub e2e: Quantiles3,
    pub prompt_tokens_per_second: Option<f64>,
    pub generation_tokens_per_second: Option<f64>,
    pub running: Option<f64>,
    pub waiting: Option<f64>,
    pub kv_cache_percent: Option<f64>,
    pub prefix_hit_percent: Option<f64>,
    pub preemptions_per_second: Option<f64>,
}

/// Which side a pod's traffic share was measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ShareSource {
    /// The EPP's successful scheduling decisions per endpoint.
    Epp,
    /// Requests the vLLM pod completed.
    Vllm,
}

/// One vLLM pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStats {
    pub namespace: String,
    pub service: String,
    pub name: String,
    pub share_percent: Option<f64>,
    pub share_source: Option<ShareSource>,
    pub requests_per_second: Option<f64>,
    pub running: Option<f64>,
    pub waiting: Option<f64>,
    pub kv_cache_percent: Option<f64>,
    pub prefix_hit_percent: Option<f64>,
}

/// One InferencePool as its EPP reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStats {
    pub namespace: String,
    pub name: String,
    pub service: Option<String>,
    pub ready_pods: Option<f64>,
    pub avg_kv_cache_percent: Option<f64>,
    pub avg_queue: Option<f64>,
    pub requests_per_second: Option<f64>,
    pub scheduling_latency: SchedulingLatency,
    pub scheduling_failures_per_second: Option<f64>,
    pub errors_by_code: BTreeMap<String, f64>,
}
