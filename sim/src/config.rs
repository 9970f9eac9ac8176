//! The scenario's own settings: the one object in a scenario file that is not a Kubernetes object.
//!
//! A scenario is multi-document Kubernetes YAML exactly as `kubectl get -o yaml` prints it. Everything
//! in it is served as cluster state, except documents of `kind: SimConfig`
//! (`apiVersion: sim.oc-llmd.io/v1`), which the loader consumes: users and their tokens, the traffic
//! profile that drives the emitted metrics, and which metric generation each component speaks.
//! A scenario without a `SimConfig` (for example one captured from a real cluster with
//! `oc get -o yaml`) still loads: it gets the default admin user and the default traffic profile.

use serde::{Deserialize, Serialize};

pub const SIM_API_VERSION: &str = "sim.oc-llmd.io/v1";
pub const SIM_KIND: &str = "SimConfig";
/// Annotation on a Pod overriding the metric generation it emits (see [`MetricsGeneration`]).
pub const METRICS_GENERATION_ANNOTATION: &str = "sim.oc-llmd.io/metrics-generation";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SimConfig {
    /// One paragraph saying what this scenario models; shown by `demo serve --list`.
    pub description: String,
    /// Users who can authenticate with a bearer token. The user `admin` (token `admin-token`, group
    /// `system:masters`) always exists unless redefined here. What a user may do comes from the
    /// scenario's real RBAC objects (ClusterRoleBindings / RoleBindings naming `kind: User`).
    pub users: Vec<UserSpec>,
    /// Traffic per LLMInferenceService; the ground truth for metric tests.
    pub traffic: Vec<TrafficProfile>,
    /// Default metric generations; a Pod annotation `sim.oc-llmd.io/metrics-generation` overrides.
    pub metrics: MetricsSpec,
    /// Gateway behaviour (the Istio ext_proc gap), see [`crate::gateway`] and [`crate::wiring`].
    pub gateway: GatewaySpec,
    /// Objects to drop from what earlier documents defined, as `apiVersion/kind/namespace/name`
    /// (`apiVersion/kind/name` for cluster-scoped). With "a later document with the same identity
    /// replaces an earlier one", this lets a failure scenario be a base scenario plus an overlay.
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct UserSpec {
    pub name: String,
    pub token: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficProfile {
    /// `namespace/name` of the LLMInferenceService this traffic goes to.
    pub llm_inference_service: String,
    /// Completed requests per second, summed over all vLLM pods of the service.
    pub requests_per_second: f64,
    /// Fraction of requests that fail (finished_reason="error" / abort, EPP request_error).
    pub error_ratio: f64,
    /// Time to first token, seconds: observations are drawn log-normally around p50 with this p95.
    pub ttft_p50_seconds: f64,
    pub ttft_p95_seconds: f64,
    /// End-to-end latency, seconds.
    pub e2e_p50_seconds: f64,
    pub e2e_p95_seconds: f64,
    /// Inter-token latency, seconds.
    pub itl_p50_seconds: f64,
    pub prompt_tokens_per_request: f64,
    pub generation_tokens_per_request: f64,
    /// Prefix-cache hit ratio (hits / queries), 0..1.
    pub prefix_hit_ratio: f64,
    /// KV cache usage fraction, 0..1, per pod (same for all pods unless `kv_usage_by_pod`).
    pub kv_usage: f64,
    pub running_per_pod: f64,
    pub waiting_per_pod: f64,
    pub preemptions_per_second: f64,
    /// Share of traffic per vLLM pod name (sums to 1). Empty: equal split.
    pub split: std::collections::BTreeMap<String, f64>,
    /// Whether the EPP sees (and counts) the requests. False models "EPP bypassed" (round-robin)
    /// whatever the gateway. With `gateway.emulateExtprocGap` the live gateway wiring must let the
    /// EPP in as well ([`crate::wiring::epp_reached`]).
    pub epp_in_loop: bool,
}

impl Default for TrafficProfile {
    fn default() -> Self {
        Self {
            llm_inference_service: String::new(),
            requests_per_second: 2.0,
            error_ratio: 0.01,
            ttft_p50_seconds: 0.08,
            ttft_p95_seconds: 0.3,
            e2e_p50_seconds: 1.2,
            e2e_p95_seconds: 4.0,
            itl_p50_seconds: 0.02,
            prompt_tokens_per_request: 200.0,
            generation_tokens_per_request: 120.0,
            prefix_hit_ratio: 0.5,
            kv_usage: 0.3,
            running_per_pod: 2.0,
            waiting_per_pod: 0.0,
            preemptions_per_second: 0.0,
            split: Default::default(),
            epp_in_loop: true,
        }
    }
}

/// Which generation of metric names a component emits (see shared/reference/metrics/REPORT.md).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum MetricsGeneration {
    /// vLLM V0 engine names (`vllm:gpu_cache_usage_perc`, `vllm:time_per_output_token_seconds`, …).
    #[serde(rename = "vllm-v0")]
    VllmV0,
    /// vLLM V1 0.9–0.10 names: `vllm:kv_cache_usage_perc` and `vllm:prefix_cache_*_total` (with
    /// 0.9's deprecated `gpu_*` twins), per-token latency still `vllm:time_per_output_token_seconds`.
    #[serde(rename = "vllm-v1-tpot")]
    VllmV1Tpot,
    /// vLLM V1 (≥ 0.11) names (`vllm:kv_cache_usage_perc`, `vllm:inter_token_latency_seconds`, …).
    #[serde(rename = "vllm-v1")]
    VllmV1,
    /// GIE ≤ v1.0 EPP: `inference_model_*` + `inference_pool_*`.
    #[serde(rename = "epp-inference-model")]
    EppInferenceModel,
    /// GIE v1.1–v1.5 EPP: `inference_objective_*` + `inference_pool_*` + `inference_extension_*`.
    #[serde(rename = "epp-inference-objective")]
    EppInferenceObjective,
    /// llm-d-router ≥ v0.9: `llm_d_epp_*` (with deprecated twins dual-emitted).
    #[serde(rename = "epp-llm-d")]
    EppLlmD,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricsSpec {
    pub vllm: MetricsGeneration,
    pub epp: MetricsGeneration,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self {
            vllm: MetricsGeneration::VllmV1,
            epp: MetricsGeneration::EppInferenceModel,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct GatewaySpec {
    /// Serve gateway addresses with the behaviour of the Istio 1.26 ext_proc gap, decided from the
    /// live Istio version and EnvoyFilters ([`crate::wiring`], [`crate::gateway`]); the EPP's
    /// counters follow the same decision ([`crate::traffic`]).
    pub emulate_extproc_gap: bool,
}
