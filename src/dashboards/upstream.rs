//! Which of our panels replaces each panel of the two upstream dashboards (llm-d-deployer's
//! "llm-d dashboard" and GIE's "Inference Gateway" up to v1.5.0, its last version). The table is
//! data so a test can check that every mapped panel exists in what we render.

use super::{epp, vllm};

/// What replaces an upstream panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Our dashboard uid and panel title.
    Panel {
        dashboard: &'static str,
        title: &'static str,
    },
    /// Deliberately not carried over, with the reason.
    Omitted(&'static str),
}

/// One upstream panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamPanel {
    pub source: &'static str,
    pub panel: &'static str,
    pub ours: Coverage,
}

pub const LLM_D_DEPLOYER: &str = "llm-d-deployer llm-d dashboard";
pub const GIE: &str = "GIE Inference Gateway v0.3.0–v1.5.0";

const fn ours(dashboard: &'static str, title: &'static str) -> Coverage {
    Coverage::Panel { dashboard, title }
}

const fn deployer(panel: &'static str, ours: Coverage) -> UpstreamPanel {
    UpstreamPanel {
        source: LLM_D_DEPLOYER,
        panel,
        ours,
    }
}

const fn gie(panel: &'static str, ours: Coverage) -> UpstreamPanel {
    UpstreamPanel {
        source: GIE,
        panel,
        ours,
    }
}

const V: &str = vllm::UID;
const E: &str = epp::UID;
const BBR: Coverage = Coverage::Omitted(
    "Body Based Router metrics: BBR is a separate component that LLMInferenceService neither deploys nor scrapes",
);

/// Every panel of both upstream dashboards (GIE rows "Inference Model"/"Inference Objective" are the
/// same panels under the two metric generations).
pub const UPSTREAM_PANELS: &[UpstreamPanel] = &[
    deployer("E2E Request Latency", ours(V, "End-to-end request latency")),
    deployer("Token Throughput", ours(V, "Token throughput")),
    deployer(
        "Time Per Output Token Latency",
        ours(V, "Inter-token latency"),
    ),
    deployer("Scheduler State", ours(V, "Running and waiting requests")),
    deployer(
        "Time To First Token Latency",
        ours(V, "Time to first token"),
    ),
    deployer("Cache Utilization", ours(V, "KV cache usage per pod")),
    deployer(
        "Request Prompt Length",
        ours(V, "Prompt and generation length"),
    ),
    deployer(
        "Request Generation Length",
        ours(V, "Prompt and generation length"),
    ),
    deployer("Finish Reason", ours(V, "Requests by finish reason")),
    deployer(
        "Queue Time",
        ours(V, "Queue, prefill, decode and inference time (mean)"),
    ),
    deployer(
        "Requests Prefill and Decode Time",
        ours(V, "Queue, prefill, decode and inference time (mean)"),
    ),
    deployer(
        "Max Generation Token in Sequence Group",
        ours(V, "Max generation tokens per request (mean)"),
    ),
    gie(
        "(text)",
        Coverage::Omitted("a markdown note about the upstream dashboard itself"),
    ),
    gie(
        "Average KV Cache Utilization",
        ours(E, "Pool average KV cache utilization"),
    ),
    gie("Average Queue Size", ours(E, "Pool average queue size")),
    gie("Queue Size Per Pod", ours(E, "Queue size per pod")),
    gie("E2E Request Latency", ours(E, "Request latency (gateway)")),
    gie("Request / s", ours(E, "Requests per second")),
    gie("Request Error / s", ours(E, "Request errors per second")),
    gie("Request Size", ours(E, "Request size")),
    gie("Response Size", ours(E, "Response size")),
    gie("Input Token Count", ours(E, "Input tokens per request")),
    gie("Output Token Count", ours(E, "Output tokens per request")),
    gie("vLLM: Token Throughput", ours(V, "Token throughput")),
    gie(
        "vLLM: E2E Request Latency",
        ours(V, "End-to-end request latency"),
    ),
    gie(
        "vLLM: Time Per Output Token Latency",
        ours(V, "Inter-token latency"),
    ),
    gie(
        "vLLM: Time To First Token Latency",
        ours(V, "Time to first token"),
    ),
    gie("BBR Request Outcomes / s", BBR),
    gie("BBR Plugin Processing Latency", BBR),
    gie("BBR Plugin Processing Latency by Plugin", BBR),
    gie("Pool Saturation", ours(E, "Pool saturation")),
    gie("Net Queue Flow", ours(E, "Net queue flow")),
    gie("Request Arrival Rate", ours(E, "Arrival rate by flow")),
    gie("Queue Depth", ours(E, "Flow-control queue depth")),
    gie("Queue Memory Mass", ours(E, "Queued bytes")),
    gie("Dispatch Outcomes", ours(E, "Dispatch outcomes by flow")),
    gie("Wait Time (P99)", ours(E, "Flow-control wait time (p99)")),
    gie(
        "Internal Processing Latency (P99)",
        ours(E, "Flow-control internal latency (p99)"),
    ),
    gie(
        "Fairness Sharing Rate",
        ours(E, "Dispatch outcomes by flow"),
    ),
];
