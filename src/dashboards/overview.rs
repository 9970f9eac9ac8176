//! Dashboard "LLMInferenceService overview": the few numbers to look at first, per service and pod,
//! with the gateway/EPP health beside them.

use super::model::{Dashboard, Panel, PanelKind::*, Row};
use super::promql::Queries;
use super::variables;
use super::vllm::{PREFIX_DOC, prefix_hit_rate};
use crate::metrics::{Concept as C, Naming, naming::POOL_LABEL};

pub const UID: &str = "oc-llmd-overview";
pub const TITLE: &str = "LLMInferenceService overview";

pub fn build(naming: &Naming) -> Dashboard {
    let q = Queries::new(naming);
    let svc = q.service();
    let svc_legend = format!("{{{{{svc}}}}}");
    let abort_or_error = r#"finished_reason=~"abort|error""#;

    let now_row = Row::new(
        "Now",
        vec![
            Panel::new(
                Stat,
                "Requests per second",
                "reqps",
                "Finished requests per second (vLLM).",
            )
            .query(q.sum_rate(C::VllmRequestSuccess, &[], ""), "req/s")
            .size(4, 5),
            Panel::new(
                Stat,
                "Error ratio",
                "percentunit",
                "Aborted or failed over all finished requests (vLLM).",
            )
            .query(
                q.error_ratio(C::VllmRequestSuccess, abort_or_error, C::VllmRequestSuccess),
                "errors",
            )
            .size(4, 5),
            Panel::new(
                Stat,
                "TTFT p95",
                "s",
                "95th percentile time to first token.",
            )
            .query(q.quantile(0.95, C::VllmTtft, &[]), "p95")
            .size(4, 5),
            Panel::new(
                Stat,
                "Inter-token latency p95",
                "s",
                "95th percentile time between output tokens.",
            )
            .query(q.quantile(0.95, C::VllmItl, &[]), "p95")
            .size(4, 5),
            Panel::new(
                Stat,
                "E2E latency p95",
                "s",
                "95th percentile end-to-end latency (vLLM).",
            )
            .query(q.quantile(0.95, C::VllmE2e, &[]), "p95")
            .size(4, 5),
            Panel::new(
                Stat,
                "Model-server pods reporting",
                "none",
                "vLLM pods with metrics in Prometheus.",
            )
            .query(
                q.selector(C::VllmRunning, "", "")
                    .map(|s| format!("count({s})")),
                "pods",
            )
            .size(4, 5),
        ],
    );

    let capacity_row = Row::new(
        "Capacity",
        vec![
            Panel::new(
                Gauge,
                "KV cache usage",
                "percentunit",
                "Mean KV cache usage across pods.",
            )
            .query(q.gauge("avg", C::VllmKvCacheUsage, &[], ""), "kv cache"),
            prefix_hit_rate(
                &q,
                Panel::new(Gauge, "Prefix cache hit rate", "percentunit", PREFIX_DOC),
                &[],
                "hit rate",
            ),
            Panel::new(
                Stat,
                "Running requests",
                "short",
                "Requests in model-server batches.",
            )
            .query(q.gauge("sum", C::VllmRunning, &[], ""), "running"),
            Panel::new(
                Stat,
                "Waiting requests",
                "short",
                "Requests queued in model servers.",
            )
            .query(q.gauge("sum", C::VllmWaiting, &[], ""), "waiting"),
        ],
    );

    let service_row = Row::new(
        "Per LLMInferenceService and pod",
        vec![
            Panel::new(
                Timeseries,
                "Requests per second by service",
                "reqps",
                "Finished requests per second.",
            )
            .query(q.sum_rate(C::VllmRequestSuccess, &[svc], ""), &svc_legend),
            Panel::new(
                Timeseries,
                "TTFT p95 by service",
                "s",
                "95th percentile time to first token.",
            )
            .query(q.quantile(0.95, C::VllmTtft, &[svc]), &svc_legend),
            Panel::new(
                Timeseries,
                "Generated tokens per second by service",
                "short",
                "Output tokens per second.",
            )
            .query(q.sum_rate(C::VllmGenerationTokens, &[svc], ""), &svc_legend),
            Panel::new(
                Timeseries,
                "Queue time (mean) by service",
                "s",
                "Mean time requests wait before running.",
            )
            .query(q.mean(C::VllmQueueTime, &[svc]), &svc_legend),
            Panel::new(
                Bargauge,
                "KV cache usage by pod",
                "percentunit",
                "Current KV cache usage per pod.",
            )
            .query(q.gauge("max", C::VllmKvCacheUsage, &["pod"], ""), "{{pod}}"),
            Panel::new(
                Bargauge,
                "Traffic share by pod",
                "percentunit",
                "Each pod's share of finished requests.",
            )
            .query(q.share(C::VllmRequestSuccess, "pod", ""), "{{pod}}"),
        ],
    );

    let gateway_row = Row::new(
        "Gateway and EPP",
        vec![
            Panel::new(
                Stat,
                "EPP ready pods",
                "none",
                "Ready endpoints in the InferencePool(s).",
            )
            .query(
                q.gauge("sum", C::EppPoolReadyPods, &[POOL_LABEL], ""),
                "{{name}}",
            ),
            Panel::new(
                Stat,
                "EPP error ratio",
                "percentunit",
                "Failed over all requests through the EPP.",
            )
            .query(
                q.error_ratio(C::EppRequestErrors, "", C::EppRequests),
                "errors",
            ),
            Panel::new(
                Stat,
                "Gateway latency p95",
                "s",
                "95th percentile request duration seen by the EPP.",
            )
            .query(q.quantile(0.95, C::EppRequestDuration, &[]), "p95"),
            Panel::new(
                Stat,
                "Pool queue size",
                "short",
                "Mean waiting requests per endpoint, per pool.",
            )
            .query(
                q.gauge("sum", C::EppPoolAvgQueue, &[POOL_LABEL], ""),
                "{{name}}",
            ),
        ],
    );

    Dashboard {
        uid: UID.to_string(),
        title: TITLE.to_string(),
        description: format!("Overview for naming {naming}; generated by oc-llmd."),
        tags: vec!["oc-llmd".into(), "llm-d".into(), "overview".into()],
        variables: variables::standard(&q),
        rows: vec![now_row, capacity_row, service_row, gateway_row],
    }
    .prune()
}
