//! The concept → series table, naming detection, and the `--naming` syntax.
//!
//! Which series exist depends on three independent facts (reference: metrics REPORT.md §1.4, §2, §6):
//!
//! - **prefix**: OpenShift AI's KServe monitors rename every scraped series to `kserve_<name>`.
//!   RHOAI 3.0–3.3 create only those prefixed monitors; RHOAI ≥ 3.4 add `-default` monitors without
//!   the rename, so both families exist side by side and every target is scraped twice.
//! - **vLLM generation** (REPORT.md §1.3–§1.4): V0 (`gpu_cache_usage_perc`, `gpu_prefix_cache_hit_rate`
//!   gauge, `time_per_output_token_seconds`); V1 0.9–0.10 ([`VllmGeneration::V1Tpot`]: the new cache
//!   names `kv_cache_usage_perc`, `prefix_cache_{queries,hits}_total`, but per-token latency still
//!   `time_per_output_token_seconds` and no per-request TPOT; 0.9 also still shows the deprecated
//!   `gpu_*` names); or V1 ≥ 0.11 (`inter_token_latency_seconds`, per-request TPOT). V1 adds the
//!   `engine` label.
//! - **EPP generation**: `inference_model_*` (GIE ≤ v1.0), `inference_objective_*` (GIE v1.1–v1.5) or
//!   `llm_d_epp_*` (llm-d-router ≥ v0.9, which still dual-emits the deprecated names), or no EPP.
//!
//! # Choosing when both families coexist
//!
//! When `kserve_`-prefixed vLLM/EPP series exist, [`Naming::detect`] picks [`Prefix::Kserve`], even if
//! the unprefixed family exists too. Reasons: the prefixed monitors exist on *every* RHOAI release
//! ("kept for backward compatibility, do not remove"), so dashboards keep working across a 3.3 → 3.4
//! upgrade; they only ever scrape LLMInferenceService pods, whereas unprefixed `vllm:*` series may
//! also come from unrelated vLLM deployments with their own monitors; and they carry the
//! `llm_isvc_name` label our `llmisvc` variable groups by. Likewise `llm_d_epp_*` wins over its
//! dual-emitted deprecated twins. A [`Naming`] holds exactly one prefix and one generation per
//! component, and [`Naming::series`] returns exactly one series per concept, so no query built from
//! it can add a family to its twin (no double counting).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The series-name prefix added by OpenShift AI's metric relabelling.
pub const KSERVE_PREFIX: &str = "kserve_";
/// vLLM's own metric namespace: every vLLM series name in the table starts with it.
pub const VLLM_NAME_PREFIX: &str = "vllm:";
/// Label KServe's monitors add with the LLMInferenceService name (OpenShift AI relabelling).
pub const LLM_ISVC_NAME_LABEL: &str = "llm_isvc_name";
/// vLLM's served-model-name label (also on EPP request metrics).
pub const MODEL_NAME_LABEL: &str = "model_name";
/// Prometheus-Operator target label with the scraped pod.
pub const POD_LABEL: &str = "pod";
/// Target label with the namespace of the scraped pod.
pub const NAMESPACE_LABEL: &str = "namespace";
/// EPP pool gauges carry the InferencePool name in this label.
pub const POOL_LABEL: &str = "name";

/// Whether OpenShift AI's `kserve_` relabelling applies to the series we query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prefix {
    None,
    Kserve,
}

/// vLLM metric generation (REPORT.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VllmGeneration {
    /// V0 engine names (also the closest fit for early V1 ≤ 0.8, which still exposed the `gpu_*`
    /// gauge names).
    V0,
    /// V1 engine, vLLM 0.9–0.10: `kv_cache_usage_perc` and `prefix_cache_{queries,hits}_total`, but
    /// per-token latency is still `time_per_output_token_seconds` (renamed in 0.11) and there is no
    /// per-request TPOT histogram yet.
    V1Tpot,
    /// V1 engine, vLLM ≥ 0.11: `inter_token_latency_seconds` and
    /// `request_time_per_output_token_seconds`.
    V1,
}

impl VllmGeneration {
    /// The engine is V1 (series carry the `engine` label).
    pub fn is_v1_engine(self) -> bool {
        self != VllmGeneration::V0
    }
}

/// Endpoint picker (EPP) metric generation (REPORT.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EppGeneration {
    /// GIE v0.2–v1.0: `inference_model_*`.
    InferenceModel,
    /// GIE v1.1–v1.5 (and llm-d inference scheduler ≤ v0.8): `inference_objective_*`.
    InferenceObjective,
    /// llm-d-router ≥ v0.9: `llm_d_epp_*`.
    LlmD,
    /// No EPP metrics (no scheduler, or it is not scraped).
    Absent,
}

/// Prometheus metric type of a concept's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// Exposed with `_total`; query inside `rate()`.
    Counter,
    Gauge,
    /// The series name is the base name; `_bucket`, `_sum` and `_count` are appended by queries.
    Histogram,
}

/// Which component emits a concept's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Vllm,
    Epp,
}

/// One metric concept; see [`Naming::series`] for the series that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Concept {
    // vLLM (model server)
    VllmRunning,
    VllmWaiting,
    VllmSwapped,
    VllmKvCacheUsage,
    VllmCpuCacheUsage,
    VllmPrefixCacheQueries,
    VllmPrefixCacheHits,
    VllmPrefixCacheHitRate,
    VllmPromptTokens,
    VllmGenerationTokens,
    VllmRequestSuccess,
    VllmPreemptions,
    VllmTtft,
    VllmItl,
    VllmRequestTpot,
    VllmE2e,
    VllmQueueTime,
    VllmPrefillTime,
    VllmDecodeTime,
    VllmInferenceTime,
    VllmPromptLength,
    VllmGenerationLength,
    VllmMaxGenerationTokens,
    // EPP (endpoint picker)
    EppRequests,
    EppRequestErrors,
    EppRequestDuration,
    EppRequestSize,
    EppResponseSize,
    EppInputTokens,
    EppOutputTokens,
    EppRunning,
    EppPoolAvgKvCache,
    EppPoolAvgQueue,
    EppPoolAvgRunning,
    EppPoolReadyPods,
    EppPerPodQueue,
    EppSchedulerAttempts,
    EppSchedulerE2e,
    EppPluginDuration,
    EppPrefixIndexerHitRatio,
    EppInfo,
    EppFlowPoolSaturation,
    EppFlowQueueSize,
    EppFlowQueueBytes,
    EppFlowQueueDuration,
    EppFlowEnqueueDuration,
    EppFlowDispatchCycle,
}

/// Candidate series names (without prefix) per generation.
#[derive(Debug, Clone, Copy)]
enum Names {
    Vllm {
        v0: Option<&'static str>,
        /// vLLM 0.9–0.10 ([`VllmGeneration::V1Tpot`]).
        tpot: Option<&'static str>,
        v1: Option<&'static str>,
    },
    Epp {
        model: Option<&'static str>,
        objective: Option<&'static str>,
        llmd: Option<&'static str>,
    },
}

/// A row of the table.
#[derive(Debug, Clone, Copy)]
struct Def {
    concept: Concept,
    kind: MetricType,
    names: Names,
    /// Labels worth grouping by besides namespace/pod (same in every era).
    labels: &'static [&'static str],
}

/// A vLLM row: names in V0, V1 0.9–0.10 and V1 ≥ 0.11.
const fn vllm(
    concept: Concept,
    kind: MetricType,
    [v0, tpot, v1]: [Option<&'static str>; 3],
    labels: &'static [&'static str],
) -> Def {
    Def {
        concept,
        kind,
        names: Names::Vllm { v0, tpot, v1 },
        labels,
    }
}

/// A vLLM concept with the same name in every generation.
const fn vllm_same(
    concept: Concept,
    kind: MetricType,
    name: &'static str,
    labels: &'static [&'static str],
) -> Def {
    vllm(concept, kind, [Some(name), Some(name), Some(name)], labels)
}

const fn epp(
    concept: Concept,
    kind: MetricType,
    model: Option<&'static str>,
    objective: Option<&'static str>,
    llmd: Option<&'static str>,
    labels: &'static [&'static str],
) -> Def {
    Def {
        concept,
        kind,
        names: Names::Epp {
            model,
            objective,
            llmd,
        },
        labels,
    }
}

use Concept as C;
use MetricType::{Counter, Gauge, Histogram};

const MODEL_LABELS: &[&str] = &["model_name", "target_model_name"];
const FLOW_LABELS: &[&str] = &["priority", "fairness_id"];

/// THE table. Counter names include `_total`; histogram names are base names.
const TABLE: &[Def] = &[
    vllm_same(C::VllmRunning, Gauge, "vllm:num_requests_running", &[]),
    vllm_same(C::VllmWaiting, Gauge, "vllm:num_requests_waiting", &[]),
    vllm(
        C::VllmSwapped,
        Gauge,
        [Some("vllm:num_requests_swapped"), None, None],
        &[],
    ),
    vllm(
        C::VllmKvCacheUsage,
        Gauge,
        [
            Some("vllm:gpu_cache_usage_perc"),
            Some("vllm:kv_cache_usage_perc"),
            Some("vllm:kv_cache_usage_perc"),
        ],
        &[],
    ),
    vllm(
        C::VllmCpuCacheUsage,
        Gauge,
        [Some("vllm:cpu_cache_usage_perc"), None, None],
        &[],
    ),
    vllm(
        C::VllmPrefixCacheQueries,
        Counter,
        [
            None,
            Some("vllm:prefix_cache_queries_total"),
            Some("vllm:prefix_cache_queries_total"),
        ],
        &[],
    ),
    vllm(
        C::VllmPrefixCacheHits,
        Counter,
        [
            None,
            Some("vllm:prefix_cache_hits_total"),
            Some("vllm:prefix_cache_hits_total"),
        ],
        &[],
    ),
    vllm(
        C::VllmPrefixCacheHitRate,
        Gauge,
        [Some("vllm:gpu_prefix_cache_hit_rate"), None, None],
        &[],
    ),
    vllm_same(
        C::VllmPromptTokens,
        Counter,
        "vllm:prompt_tokens_total",
        &[],
    ),
    vllm_same(
        C::VllmGenerationTokens,
        Counter,
        "vllm:generation_tokens_total",
        &[],
    ),
    vllm_same(
        C::VllmRequestSuccess,
        Counter,
        "vllm:request_success_total",
        &["finished_reason"],
    ),
    vllm_same(
        C::VllmPreemptions,
        Counter,
        "vllm:num_preemptions_total",
        &[],
    ),
    vllm_same(
        C::VllmTtft,
        Histogram,
        "vllm:time_to_first_token_seconds",
        &[],
    ),
    vllm(
        C::VllmItl,
        Histogram,
        [
            Some("vllm:time_per_output_token_seconds"),
            Some("vllm:time_per_output_token_seconds"),
            Some("vllm:inter_token_latency_seconds"),
        ],
        &[],
    ),
    vllm(
        C::VllmRequestTpot,
        Histogram,
        [
            None,
            None,
            Some("vllm:request_time_per_output_token_seconds"),
        ],
        &[],
    ),
    vllm_same(
        C::VllmE2e,
        Histogram,
        "vllm:e2e_request_latency_seconds",
        &[],
    ),
    vllm_same(
        C::VllmQueueTime,
        Histogram,
        "vllm:request_queue_time_seconds",
        &[],
    ),
    vllm_same(
        C::VllmPrefillTime,
        Histogram,
        "vllm:request_prefill_time_seconds",
        &[],
    ),
    vllm_same(
        C::VllmDecodeTime,
        Histogram,
        "vllm:request_decode_time_seconds",
        &[],
    ),
    vllm_same(
        C::VllmInferenceTime,
        Histogram,
        "vllm:request_inference_time_seconds",
        &[],
    ),
    vllm_same(
        C::VllmPromptLength,
        Histogram,
        "vllm:request_prompt_tokens",
        &[],
    ),
    vllm_same(
        C::VllmGenerationLength,
        Histogram,
        "vllm:request_generation_tokens",
        &[],
    ),
    vllm_same(
        C::VllmMaxGenerationTokens,
        Histogram,
        "vllm:request_max_num_generation_tokens",
        &[],
    ),
    epp(
        C::EppRequests,
        Counter,
        Some("inference_model_request_total"),
        Some("inference_objective_request_total"),
        Some("llm_d_epp_request_total"),
        MODEL_LABELS,
    ),
    epp(
        C::EppRequestErrors,
        Counter,
        Some("inference_model_request_error_total"),
        Some("inference_objective_request_error_total"),
        Some("llm_d_epp_request_error_total"),
        &["model_name", "target_model_name", "error_code"],
    ),
    epp(
        C::EppRequestDuration,
        Histogram,
        Some("inference_model_request_duration_seconds"),
        Some("inference_objective_request_duration_seconds"),
        Some("llm_d_epp_request_duration_seconds"),
        MODEL_LABELS,
    ),
    epp(
        C::EppRequestSize,
        Histogram,
        Some("inference_model_request_sizes"),
        Some("inference_objective_request_sizes"),
        Some("llm_d_epp_request_size_bytes"),
        MODEL_LABELS,
    ),
    epp(
        C::EppResponseSize,
        Histogram,
        Some("inference_model_response_sizes"),
        Some("inference_objective_response_sizes"),
        Some("llm_d_epp_response_size_bytes"),
        MODEL_LABELS,
    ),
    epp(
        C::EppInputTokens,
        Histogram,
        Some("inference_model_input_tokens"),
        Some("inference_objective_input_tokens"),
        Some("llm_d_epp_request_input_tokens"),
        MODEL_LABELS,
    ),
    epp(
        C::EppOutputTokens,
        Histogram,
        Some("inference_model_output_tokens"),
        Some("inference_objective_output_tokens"),
        Some("llm_d_epp_request_output_tokens"),
        MODEL_LABELS,
    ),
    epp(
        C::EppRunning,
        Gauge,
        Some("inference_model_running_requests"),
        Some("inference_objective_running_requests"),
        Some("llm_d_epp_request_running"),
        &["model_name"],
    ),
    epp(
        C::EppPoolAvgKvCache,
        Gauge,
        Some("inference_pool_average_kv_cache_utilization"),
        Some("inference_pool_average_kv_cache_utilization"),
        Some("llm_d_epp_average_kv_cache_utilization"),
        &[POOL_LABEL],
    ),
    epp(
        C::EppPoolAvgQueue,
        Gauge,
        Some("inference_pool_average_queue_size"),
        Some("inference_pool_average_queue_size"),
        Some("llm_d_epp_average_queue_size"),
        &[POOL_LABEL],
    ),
    epp(
        C::EppPoolAvgRunning,
        Gauge,
        None,
        Some("inference_pool_average_running_requests"),
        Some("llm_d_epp_average_running_requests"),
        &[POOL_LABEL],
    ),
    epp(
        C::EppPoolReadyPods,
        Gauge,
        Some("inference_pool_ready_pods"),
        Some("inference_pool_ready_pods"),
        Some("llm_d_epp_ready_endpoints"),
        &[POOL_LABEL],
    ),
    epp(
        C::EppPerPodQueue,
        Gauge,
        Some("inference_pool_per_pod_queue_size"),
        Some("inference_pool_per_pod_queue_size"),
        Some("llm_d_epp_per_endpoint_queue_size"),
        &[POOL_LABEL],
    ),
    epp(
        C::EppSchedulerAttempts,
        Counter,
        None,
        Some("inference_extension_scheduler_attempts_total"),
        Some("llm_d_epp_scheduler_attempts_total"),
        &["status", "target_model_name"],
    ),
    epp(
        C::EppSchedulerE2e,
        Histogram,
        Some("inference_extension_scheduler_e2e_duration_seconds"),
        Some("inference_extension_scheduler_e2e_duration_seconds"),
        Some("llm_d_epp_scheduler_e2e_duration_seconds"),
        &[],
    ),
    epp(
        C::EppPluginDuration,
        Histogram,
        Some("inference_extension_plugin_duration_seconds"),
        Some("inference_extension_plugin_duration_seconds"),
        Some("llm_d_epp_plugin_duration_seconds"),
        &["extension_point", "plugin_type", "plugin_name"],
    ),
    epp(
        C::EppPrefixIndexerHitRatio,
        Histogram,
        Some("inference_extension_prefix_indexer_hit_ratio"),
        Some("inference_extension_prefix_indexer_hit_ratio"),
        Some("llm_d_epp_prefix_indexer_hit_ratio"),
        &[],
    ),
    epp(
        C::EppInfo,
        Gauge,
        Some("inference_extension_info"),
        Some("inference_extension_info"),
        Some("llm_d_epp_info"),
        &["commit", "build_ref"],
    ),
    // Flow control arrived with GIE v1.1; the llm_d_epp_ names of saturation, queue size/bytes and
    // queue duration follow the subsystem rename pattern (docs/metrics.md lists them as a family).
    epp(
        C::EppFlowPoolSaturation,
        Gauge,
        None,
        Some("inference_extension_flow_control_pool_saturation"),
        Some("llm_d_epp_flow_control_pool_saturation"),
        &["inference_pool"],
    ),
    epp(
        C::EppFlowQueueSize,
        Gauge,
        None,
        Some("inference_extension_flow_control_queue_size"),
        Some("llm_d_epp_flow_control_queue_size"),
        FLOW_LABELS,
    ),
    epp(
        C::EppFlowQueueBytes,
        Gauge,
        None,
        Some("inference_extension_flow_control_queue_bytes"),
        Some("llm_d_epp_flow_control_queue_bytes"),
        FLOW_LABELS,
    ),
    epp(
        C::EppFlowQueueDuration,
        Histogram,
        None,
        Some("inference_extension_flow_control_request_queue_duration_seconds"),
        Some("llm_d_epp_flow_control_request_queue_duration_seconds"),
        &["priority", "fairness_id", "outcome"],
    ),
    epp(
        C::EppFlowEnqueueDuration,
        Histogram,
        None,
        Some("inference_extension_flow_control_request_enqueue_duration_seconds"),
        Some("llm_d_epp_flow_control_request_enqueue_duration_seconds"),
        &["priority", "fairness_id", "outcome"],
    ),
    epp(
        C::EppFlowDispatchCycle,
        Histogram,
        None,
        Some("inference_extension_flow_control_dispatch_cycle_duration_seconds"),
        Some("llm_d_epp_flow_control_dispatch_cycle_duration_seconds"),
        &[],
    ),
];

/// The table row of a concept.
fn def(concept: Concept) -> Def {
    match TABLE.iter().find(|d| d.concept == concept) {
        Some(d) => *d,
        // A concept without a row has no series in any generation (never a panic).
        None => vllm(concept, Gauge, [None, None, None], &[]),
    }
}

impl Concept {
    /// Every concept, in table order.
    pub fn all() -> impl Iterator<Item = Concept> {
        TABLE.iter().map(|d| d.concept)
    }
    pub fn metric_type(self) -> MetricType {
        def(self).kind
    }
    pub fn component(self) -> Component {
        match def(self).names {
            Names::Vllm { .. } => Component::Vllm,
            Names::Epp { .. } => Component::Epp,
        }
    }
    /// Labels worth grouping by that are the same in every era (besides namespace, pod, service).
    pub fn labels(self) -> &'static [&'static str] {
        def(self).labels
    }
}

/// Which series families to query: one prefix, one vLLM generation, one EPP generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Naming {
    pub prefix: Prefix,
    pub vllm: VllmGeneration,
    pub epp: EppGeneration,
}

impl Default for Naming {
    /// Current upstream names without OpenShift AI's prefix.
    fn default() -> Self {
        Self {
            prefix: Prefix::None,
            vllm: VllmGeneration::V1,
            epp: EppGeneration::InferenceObjective,
        }
    }
}

const PREFIXES: [Prefix; 2] = [Prefix::None, Prefix::Kserve];
/// Newest first: the preference order when detection finds a tie.
const VLLM_GENERATIONS: [VllmGeneration; 3] = [
    VllmGeneration::V1,
    VllmGeneration::V1Tpot,
    VllmGeneration::V0,
];
const EPP_GENERATIONS: [EppGeneration; 4] = [
    EppGeneration::LlmD,
    EppGeneration::InferenceObjective,
    EppGeneration::InferenceModel,
    EppGeneration::Absent,
];

impl Naming {
    /// Every combination (2 prefixes × 3 vLLM × 4 EPP generations).
    pub fn variants() -> Vec<Naming> {
        let mut out = Vec::with_capacity(24);
        for prefix in PREFIXES {
            for vllm in VLLM_GENERATIONS {
                for epp in EPP_GENERATIONS {
                    out.push(Naming { prefix, vllm, epp });
                }
            }
        }
        out
    }

    /// The exact series to query for a concept (counters with `_total`, histogram base names), or
    /// `None` when this naming has no such series.
    pub fn series(&self, concept: Concept) -> Option<String> {
        let name = unprefixed(def(concept).names, self.vllm, self.epp)?;
        Some(match self.prefix {
            Prefix::None => name.to_string(),
            Prefix::Kserve => format!("{KSERVE_PREFIX}{name}"),
        })
    }

    /// The label to group by for "which LLMInferenceService": `llm_isvc_name` with OpenShift AI's
    /// relabelling, else vLLM's `model_name`.
    pub fn service_label(&self) -> &'static str {
        match self.prefix {
            Prefix::Kserve => LLM_ISVC_NAME_LABEL,
            Prefix::None => MODEL_NAME_LABEL,
        }
    }

    /// The label naming the *model-server* pod on a concept's series, if it has one. On vLLM series
    /// it is the scrape target's `pod`; on EPP series `pod` is the EPP's own pod, and the per-pod
    /// gauges/counters carry the backend in an era-specific label.
    pub fn pod_label(&self, concept: Concept) -> Option<&'static str> {
        if concept.component() == Component::Vllm {
            return Some(POD_LABEL);
        }
        match (concept, self.epp) {
            (_, EppGeneration::Absent) => None,
            (Concept::EppPerPodQueue, EppGeneration::LlmD) => Some("model_server_endpoint"),
            (Concept::EppPerPodQueue, _) => Some("model_server_pod"),
            (Concept::EppSchedulerAttempts, EppGeneration::LlmD) => Some("endpoint_name"),
            (Concept::EppSchedulerAttempts, EppGeneration::InferenceObjective) => Some("pod_name"),
            _ => None,
        }
    }

    /// Labels of a concept's series that differ per era: `engine` on vLLM V1, the backend pod label
    /// on EPP per-pod series, and the concept's own labels.
    pub fn labels(&self, concept: Concept) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = concept.labels().to_vec();
        if concept.component() == Component::Vllm && self.vllm.is_v1_engine() {
            out.push("engine");
        }
        if let Some(pod) = self.pod_label(concept).filter(|p| *p != POD_LABEL) {
            out.push(pod);
        }
        out
    }

    /// Detect the naming from the `__name__` values Prometheus holds (pure). See the module docs for
    /// how coexisting families are resolved. Unknown inputs fall back to V1 and `Absent`.
    pub fn detect(series_names: &[String]) -> Naming {
        let all: HashSet<&str> = series_names.iter().map(String::as_str).collect();
        let kserve_known = all
            .iter()
            .any(|n| n.strip_prefix(KSERVE_PREFIX).is_some_and(is_known_name));
        let prefix = if kserve_known {
            Prefix::Kserve
        } else {
            Prefix::None
        };
        let present: HashSet<&str> = all
            .iter()
            .filter_map(|n| match prefix {
                Prefix::Kserve => n.strip_prefix(KSERVE_PREFIX),
                Prefix::None => (!n.starts_with(KSERVE_PREFIX)).then_some(*n),
            })
            .collect();
        let vllm = best_match(
            &VLLM_GENERATIONS,
            |g| names_of(|n| vllm_name(n, *g)),
            &present,
        )
        .unwrap_or(VllmGeneration::V1);
        let epp_eras = [
            EppGeneration::LlmD,
            EppGeneration::InferenceObjective,
            EppGeneration::InferenceModel,
        ];
        let epp = pick(&epp_eras, |g| names_of(|n| epp_name(n, *g)), &present)
            .unwrap_or(EppGeneration::Absent);
        Naming { prefix, vllm, epp }
    }
}

/// A `match[]` selector covering every vLLM/EPP series name of every generation, with or without
/// the `kserve_` prefix (optionally in one namespace): the input of [`Naming::detect`] is the
/// `__name__` values of the series it matches.
pub fn discovery_selector(namespace: Option<&str>) -> String {
    selector(namespace, |_| true)
}

/// Gauges every vLLM (running/waiting requests) and every EPP (its pool gauges and build info)
/// exposes for as long as it is up, one or a few series each: their presence per pod tells which
/// pods are scraped at all.
pub const PRESENCE: [Concept; 5] = [
    Concept::VllmRunning,
    Concept::VllmWaiting,
    Concept::EppPoolReadyPods,
    Concept::EppPoolAvgQueue,
    Concept::EppInfo,
];

/// Like [`discovery_selector`] but only the [`PRESENCE`] gauges of every generation: enough to
/// tell which pods have vLLM/EPP series, at a fraction of the cost. Counting every series per pod
/// drags each histogram bucket through the query: ~10 s against ~0.05 s on a 360k-series
/// Prometheus (the `large` scenario).
pub fn presence_selector(namespace: Option<&str>) -> String {
    selector(namespace, |concept| PRESENCE.contains(&concept))
}

fn selector(namespace: Option<&str>, concepts: impl Fn(Concept) -> bool) -> String {
    let mut all: Vec<String> = Vec::new();
    for g in VLLM_GENERATIONS {
        all.extend(names_of_concepts(|n| vllm_name(n, g), &concepts));
    }
    for g in EPP_GENERATIONS {
        all.extend(names_of_concepts(|n| epp_name(n, g), &concepts));
    }
    all.sort();
    all.dedup();
    let mut selector = format!("{{__name__=~\"({KSERVE_PREFIX})?({})\"", all.join("|"));
    if let Some(ns) = namespace {
        let escaped = ns.replace('\\', "\\\\").replace('"', "\\\"");
        selector.push_str(&format!(",{NAMESPACE_LABEL}=\"{escaped}\""));
    }
    selector.push('}');
    selector
}

fn unprefixed(names: Names, vllm: VllmGeneration, epp: EppGeneration) -> Option<&'static str> {
    match names {
        Names::Vllm { .. } => vllm_name(names, vllm),
        Names::Epp { .. } => epp_name(names, epp),
    }
}

fn vllm_name(names: Names, generation: VllmGeneration) -> Option<&'static str> {
    match (names, generation) {
        (Names::Vllm { v0, .. }, VllmGeneration::V0) => v0,
        (Names::Vllm { tpot, .. }, VllmGeneration::V1Tpot) => tpot,
        (Names::Vllm { v1, .. }, VllmGeneration::V1) => v1,
        (Names::Epp { .. }, _) => None,
    }
}

fn epp_name(names: Names, generation: EppGeneration) -> Option<&'static str> {
    match (names, generation) {
        (Names::Epp { model, .. }, EppGeneration::InferenceModel) => model,
        (Names::Epp { objective, .. }, EppGeneration::InferenceObjective) => objective,
        (Names::Epp { llmd, .. }, EppGeneration::LlmD) => llmd,
        _ => None,
    }
}

/// The exposed series names of one generation (histograms expand to `_bucket/_sum/_count`).
fn names_of(select: impl Fn(Names) -> Option<&'static str>) -> HashSet<String> {
    names_of_concepts(select, |_| true)
}

/// The series names `select` picks from the table rows of the concepts `concepts` keeps
/// (histograms as their `_bucket/_sum/_count` series).
fn names_of_concepts(
    select: impl Fn(Names) -> Option<&'static str>,
    concepts: impl Fn(Concept) -> bool,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for d in TABLE.iter().filter(|d| concepts(d.concept)) {
        if let Some(name) = select(d.names) {
            match d.kind {
                Histogram => {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        out.insert(format!("{name}{suffix}"));
                    }
                }
                Counter | Gauge => {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// First generation (in preference order) with a name no other generation uses; else the first
/// with any name present at all.
fn pick<G: Copy>(
    order: &[G],
    names: impl Fn(&G) -> HashSet<String>,
    present: &HashSet<&str>,
) -> Option<G> {
    let sets: Vec<HashSet<String>> = order.iter().map(&names).collect();
    let distinctive = |i: usize| {
        sets[i].iter().any(|n| {
            present.contains(n.as_str())
                && sets
                    .iter()
                    .enumerate()
                    .all(|(j, s)| j == i || !s.contains(n))
        })
    };
    let any = |i: usize| sets[i].iter().any(|n| present.contains(n.as_str()));
    (0..order.len())
        .find(|&i| distinctive(i))
        .or_else(|| (0..order.len()).find(|&i| any(i)))
        .map(|i| order[i])
}

/// The generation whose names cover the most of the present names (ties: earlier in `order`).
///
/// vLLM needs this rather than [`pick`]: 0.9–0.10 has no name of its own (it shares the cache
/// names with ≥ 0.11 and `time_per_output_token_seconds` with V0), and 0.9 still shows the
/// deprecated V0 gauge `gpu_cache_usage_perc`, so "first generation with a distinctive name" would
/// call it V0. Counting covered names decides each generation correctly: ≥ 0.11 adds two
/// histograms (six series) the others lack, V0 has its gauges, 0.9–0.10 matches both halves.
fn best_match<G: Copy>(
    order: &[G],
    names: impl Fn(&G) -> HashSet<String>,
    present: &HashSet<&str>,
) -> Option<G> {
    let mut best: Option<(usize, G)> = None;
    for g in order {
        let covered = names(g)
            .iter()
            .filter(|n| present.contains(n.as_str()))
            .count();
        if covered > 0 && best.is_none_or(|(b, _)| covered > b) {
            best = Some((covered, *g));
        }
    }
    best.map(|(_, g)| g)
}

/// Is this (unprefixed) name one of the vLLM/EPP series of any generation?
fn is_known_name(name: &str) -> bool {
    thread_local! {
        static KNOWN: HashSet<String> = {
            let mut all = HashSet::new();
            for g in VLLM_GENERATIONS {
                all.extend(names_of(|n| vllm_name(n, g)));
            }
            for g in EPP_GENERATIONS {
                all.extend(names_of(|n| epp_name(n, g)));
            }
            all
        };
    }
    KNOWN.with(|k| k.contains(name))
}

impl fmt::Display for Naming {
    /// `<kserve|plain>-<v0|v1tpot|v1>-epp-<model|objective|llmd|none>`, e.g.
    /// `kserve-v1-epp-objective` (`v1tpot` = vLLM 0.9–0.10).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.prefix {
            Prefix::None => "plain",
            Prefix::Kserve => "kserve",
        };
        let vllm = match self.vllm {
            VllmGeneration::V0 => "v0",
            VllmGeneration::V1Tpot => "v1tpot",
            VllmGeneration::V1 => "v1",
        };
        let epp = match self.epp {
            EppGeneration::InferenceModel => "model",
            EppGeneration::InferenceObjective => "objective",
            EppGeneration::LlmD => "llmd",
            EppGeneration::Absent => "none",
        };
        write!(f, "{prefix}-{vllm}-epp-{epp}")
    }
}

impl FromStr for Naming {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Naming::variants()
            .into_iter()
            .find(|n| n.to_string() == wanted)
            .ok_or_else(|| {
                Error::usage(format!("unknown metric naming `{s}`")).with_hint(format!(
                    "use `auto` or one of: {}",
                    Naming::variants()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn table_is_complete_and_unique() {
        let all: Vec<Concept> = Concept::all().collect();
        let unique: HashSet<Concept> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len(), "a concept has two rows");
        // Every concept resolves to a series for at least one generation.
        for c in &all {
            let some = Naming::variants().iter().any(|n| n.series(*c).is_some());
            assert!(some, "{c:?} has no series in any naming");
        }
    }

    #[test]
    fn vllm_series_and_only_they_live_in_the_vllm_namespace() {
        for n in Naming::variants()
            .into_iter()
            .filter(|n| n.prefix == Prefix::None)
        {
            for c in Concept::all() {
                let Some(series) = n.series(c) else { continue };
                assert_eq!(
                    series.starts_with(VLLM_NAME_PREFIX),
                    c.component() == Component::Vllm,
                    "{series}"
                );
            }
        }
    }

    #[test]
    fn counters_end_in_total_and_histograms_do_not_carry_suffixes() {
        for n in Naming::variants() {
            for c in Concept::all() {
                let Some(s) = n.series(c) else { continue };
                match c.metric_type() {
                    MetricType::Counter => assert!(s.ends_with("_total"), "{s}"),
                    MetricType::Histogram => {
                        assert!(
                            !s.ends_with("_bucket")
                                && !s.ends_with("_count")
                                && !s.ends_with("_sum"),
                            "{s}"
                        )
                    }
                    MetricType::Gauge => assert!(!s.ends_with("_total"), "{s}"),
                }
                match n.prefix {
                    Prefix::Kserve => assert!(s.starts_with(KSERVE_PREFIX)),
                    Prefix::None => assert!(!s.starts_with(KSERVE_PREFIX)),
                }
            }
        }
    }

    #[test]
    fn display_and_parse_round_trip() {
        let all = Naming::variants();
        assert_eq!(all.len(), 24);
        for n in &all {
            assert_eq!(n.to_string().parse::<Naming>().unwrap(), *n);
        }
        assert_eq!(
            "kserve-v1-epp-objective".parse::<Naming>().unwrap(),
            Naming {
                prefix: Prefix::Kserve,
                vllm: VllmGeneration::V1,
                epp: EppGeneration::InferenceObjective
            }
        );
        let err = "kserve-v2".parse::<Naming>().unwrap_err();
        assert_eq!(err.exit_code().code(), 2);
        assert!(err.hint.unwrap().contains("plain-v0-epp-none"));
    }

    #[test]
    fn series_per_generation() {
        let v1: Naming = "plain-v1-epp-llmd".parse().unwrap();
        let v0: Naming = "kserve-v0-epp-model".parse().unwrap();
        assert_eq!(
            v1.series(Concept::VllmItl).as_deref(),
            Some("vllm:inter_token_latency_seconds")
        );
        assert_eq!(
            v0.series(Concept::VllmItl).as_deref(),
            Some("kserve_vllm:time_per_output_token_seconds")
        );
        assert_eq!(v0.series(Concept::VllmRequestTpot), None);
        assert_eq!(v1.series(Concept::VllmPrefixCacheHitRate), None);
        assert_eq!(
            v1.series(Concept::EppPoolReadyPods).as_deref(),
            Some("llm_d_epp_ready_endpoints")
        );
        assert_eq!(v0.series(Concept::EppSchedulerAttempts), None);
        assert_eq!(
            v1.pod_label(Concept::EppSchedulerAttempts),
            Some("endpoint_name")
        );
        assert_eq!(
            v0.pod_label(Concept::EppPerPodQueue),
            Some("model_server_pod")
        );
        assert_eq!(v0.service_label(), "llm_isvc_name");
        assert_eq!(v1.service_label(), "model_name");
        assert!(v1.labels(Concept::VllmTtft).contains(&"engine"));
        assert!(!v0.labels(Concept::VllmTtft).contains(&"engine"));
        let absent: Naming = "plain-v1-epp-none".parse().unwrap();
        assert!(
            Concept::all()
                .filter(|c| c.component() == Component::Epp)
                .all(|c| absent.series(c).is_none())
        );
    }

    #[test]
    fn detect_prefers_kserve_family_when_both_exist() {
        let list = names(&[
            "vllm:kv_cache_usage_perc",
            "kserve_vllm:kv_cache_usage_perc",
            "vllm:inter_token_latency_seconds_bucket",
            "kserve_vllm:inter_token_latency_seconds_bucket",
            "inference_objective_request_total",
            "kserve_inference_objective_request_total",
            "up",
        ]);
        let n = Naming::detect(&list);
        assert_eq!(n.to_string(), "kserve-v1-epp-objective");
        // Queries never mix the families: every series carries the chosen prefix.
        assert!(
            Concept::all()
                .filter_map(|c| n.series(c))
                .all(|s| s.starts_with(KSERVE_PREFIX))
        );
    }

    #[test]
    fn detect_generation_is_decided_within_the_chosen_family() {
        // Unprefixed V0 next to prefixed V1: the prefixed family decides.
        let list = names(&[
            "vllm:gpu_cache_usage_perc",
            "kserve_vllm:kv_cache_usage_perc",
        ]);
        assert_eq!(Naming::detect(&list).to_string(), "kserve-v1-epp-none");
        let list = names(&[
            "vllm:gpu_cache_usage_perc",
            "vllm:num_requests_running",
            "inference_model_request_total",
        ]);
        assert_eq!(Naming::detect(&list).to_string(), "plain-v0-epp-model");
    }

    #[test]
    fn detect_dual_emission_prefers_llm_d_epp() {
        let list = names(&[
            "vllm:num_requests_running",
            "llm_d_epp_request_total",
            "inference_objective_request_total",
            "inference_pool_ready_pods",
        ]);
        assert_eq!(Naming::detect(&list).to_string(), "plain-v1-epp-llmd");
    }

    #[test]
    fn detect_pool_gauges_only_means_newest_shared_era() {
        let list = names(&["vllm:num_requests_running", "inference_pool_ready_pods"]);
        assert_eq!(Naming::detect(&list).epp, EppGeneration::InferenceObjective);
        assert_eq!(Naming::detect(&[]).to_string(), "plain-v1-epp-none");
    }

    #[test]
    fn presence_selector_names_a_gauge_of_every_generation() {
        let sel = presence_selector(None);
        assert!(!sel.contains("_bucket") && !sel.contains("_total"), "{sel}");
        for c in PRESENCE {
            assert_eq!(c.metric_type(), MetricType::Gauge, "{c:?}");
        }
        for n in Naming::variants() {
            let present = |component| {
                PRESENCE
                    .iter()
                    .filter(|c| c.component() == component)
                    .filter_map(|c| n.series(*c))
                    .map(|s| s.strip_prefix(KSERVE_PREFIX).unwrap_or(&s).to_string())
                    .collect::<Vec<_>>()
            };
            let vllm = present(Component::Vllm);
            assert!(!vllm.is_empty(), "{n:?}");
            let epp = present(Component::Epp);
            assert_eq!(epp.is_empty(), n.epp == EppGeneration::Absent, "{n:?}");
            for name in vllm.iter().chain(&epp) {
                assert!(sel.contains(name.as_str()), "{name} missing from {sel}");
            }
        }
        assert!(presence_selector(Some("a\"b")).ends_with(",namespace=\"a\\\"b\"}"));
    }

    #[test]
    fn discovery_selector_matches_every_generation() {
        let sel = discovery_selector(Some("llm"));
        assert!(sel.starts_with("{__name__=~\"(kserve_)?("), "{sel}");
        assert!(sel.ends_with(",namespace=\"llm\"}"), "{sel}");
        for n in Naming::variants() {
            for c in Concept::all() {
                if let Some(s) = n.series(c) {
                    let bare = s.strip_prefix(KSERVE_PREFIX).unwrap_or(&s);
                    let base = match c.metric_type() {
                        MetricType::Histogram => format!("{bare}_count"),
                        _ => bare.to_string(),
                    };
                    assert!(
                        sel.contains(&format!("|{base}|"))
                            || sel.contains(&format!("({base}|"))
                            || sel.contains(&format!("|{base})")),
                        "{base}"
                    );
                }
            }
        }
    }

    /// What each vLLM release exposes for the names that tell generations apart (REPORT.md §1.3):
    /// histogram families expanded to `_bucket/_sum/_count`, plus names every release shares.
    fn vllm_release(release: &str) -> Vec<String> {
        let hist = |base: &str| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .map(|s| format!("{base}{s}"))
                .collect::<Vec<_>>()
        };
        let mut out = names(&[
            "vllm:num_requests_running",
            "vllm:num_requests_waiting",
            "vllm:request_success_total",
            "vllm:prompt_tokens_total",
        ]);
        out.extend(hist("vllm:time_to_first_token_seconds"));
        out.extend(hist("vllm:e2e_request_latency_seconds"));
        match release {
            "0.6" => {
                out.extend(names(&[
                    "vllm:gpu_cache_usage_perc",
                    "vllm:cpu_cache_usage_perc",
                    "vllm:num_requests_swapped",
                    "vllm:gpu_prefix_cache_hit_rate",
                ]));
                out.extend(hist("vllm:time_per_output_token_seconds"));
            }
            // 0.9: new cache names, deprecated gpu_* twins still shown, per-token latency not renamed.
            "0.9" => {
                out.extend(names(&[
                    "vllm:kv_cache_usage_perc",
                    "vllm:gpu_cache_usage_perc",
                    "vllm:prefix_cache_queries_total",
                    "vllm:prefix_cache_hits_total",
                    "vllm:gpu_prefix_cache_queries_total",
                    "vllm:gpu_prefix_cache_hits_total",
                ]));
                out.extend(hist("vllm:time_per_output_token_seconds"));
            }
            // 0.10: the gpu_* twins hidden.
            "0.10" => {
                out.extend(names(&[
                    "vllm:kv_cache_usage_perc",
                    "vllm:prefix_cache_queries_total",
                    "vllm:prefix_cache_hits_total",
                ]));
                out.extend(hist("vllm:time_per_output_token_seconds"));
            }
            // 0.12 with --show-hidden-metrics-for-version=0.11: the old per-token name is back.
            "0.12-hidden" => {
                out.extend(names(&[
                    "vllm:kv_cache_usage_perc",
                    "vllm:prefix_cache_queries_total",
                    "vllm:prefix_cache_hits_total",
                ]));
                out.extend(hist("vllm:time_per_output_token_seconds"));
                out.extend(hist("vllm:inter_token_latency_seconds"));
                out.extend(hist("vllm:request_time_per_output_token_seconds"));
            }
            _ => {
                out.extend(names(&[
                    "vllm:kv_cache_usage_perc",
                    "vllm:prefix_cache_queries_total",
                    "vllm:prefix_cache_hits_total",
                ]));
                out.extend(hist("vllm:inter_token_latency_seconds"));
                out.extend(hist("vllm:request_time_per_output_token_seconds"));
            }
        }
        out
    }

    #[test]
    fn detect_vllm_release_generations() {
        for (release, expected) in [
            ("0.6", VllmGeneration::V0),
            ("0.9", VllmGeneration::V1Tpot),
            ("0.10", VllmGeneration::V1Tpot),
            ("0.11", VllmGeneration::V1),
            ("0.12-hidden", VllmGeneration::V1),
        ] {
            let list = vllm_release(release);
            assert_eq!(Naming::detect(&list).vllm, expected, "vLLM {release}");
            // With the OpenShift AI prefix the same decision is taken within the prefixed family.
            let prefixed: Vec<String> = list.iter().map(|n| format!("kserve_{n}")).collect();
            let n = Naming::detect(&prefixed);
            assert_eq!((n.prefix, n.vllm), (Prefix::Kserve, expected), "{release}");
        }
    }

    #[test]
    fn v1tpot_names_every_series_its_releases_expose() {
        let n: Naming = "plain-v1tpot-epp-none".parse().unwrap();
        assert_eq!(n.vllm, VllmGeneration::V1Tpot);
        assert_eq!(
            n.series(Concept::VllmItl).as_deref(),
            Some("vllm:time_per_output_token_seconds")
        );
        assert_eq!(n.series(Concept::VllmRequestTpot), None);
        assert_eq!(
            n.series(Concept::VllmKvCacheUsage).as_deref(),
            Some("vllm:kv_cache_usage_perc")
        );
        assert_eq!(
            n.series(Concept::VllmPrefixCacheHits).as_deref(),
            Some("vllm:prefix_cache_hits_total")
        );
        assert_eq!(n.series(Concept::VllmPrefixCacheHitRate), None);
        assert_eq!(n.series(Concept::VllmSwapped), None);
        assert!(n.labels(Concept::VllmTtft).contains(&"engine"));
        // Every series the naming queries is exposed by a 0.10 server (no "No data" panel).
        let exposed: HashSet<String> = vllm_release("0.10").into_iter().collect();
        for c in [
            Concept::VllmKvCacheUsage,
            Concept::VllmPrefixCacheQueries,
            Concept::VllmPrefixCacheHits,
            Concept::VllmItl,
        ] {
            let s = n.series(c).unwrap();
            let probe = match c.metric_type() {
                MetricType::Histogram => format!("{s}_count"),
                _ => s,
            };
            assert!(exposed.contains(&probe), "{probe}");
        }
    }

    #[test]
    fn unrelated_kserve_names_do_not_switch_the_prefix() {
        let list = names(&["kserve_something_else", "vllm:kv_cache_usage_perc"]);
        assert_eq!(Naming::detect(&list).prefix, Prefix::None);
    }
}
