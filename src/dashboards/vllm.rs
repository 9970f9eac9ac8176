//! Dashboard "vLLM — latency, throughput and cache": the model-server view, per LLMInferenceService
//! and pod.

use super::model::{Dashboard, Panel, PanelKind::*, Row};
use super::promql::Queries;
use super::variables;
use crate::metrics::{Concept as C, Naming};

pub const UID: &str = "oc-llmd-vllm";
pub const TITLE: &str = "vLLM — latency, throughput and cache";

/// Quantile lines (p50/p90/p95/p99) plus the mean of a latency histogram.
pub(super) fn latency(q: &Queries, title: &str, concept: C, description: &str) -> Panel {
    let mut p = Panel::new(Timeseries, title, "s", description);
    for (quantile, legend) in [(0.99, "p99"), (0.95, "p95"), (0.9, "p90"), (0.5, "p50")] {
        p = p.query(q.quantile(quantile, concept, &[]), legend);
    }
    p.query(q.mean(concept, &[]), "mean")
}

/// Three quantile lines of a size-like histogram.
pub(super) fn distribution(q: &Queries, p: Panel, concept: C, what: &str) -> Panel {
    let mut p = p;
    for (quantile, legend) in [(0.95, "p95"), (0.9, "p90"), (0.5, "p50")] {
        p = p.query(
            q.quantile(quantile, concept, &[]),
            &format!("{what}{legend}"),
        );
    }
    p
}

pub fn build(naming: &Naming) -> Dashboard {
    let q = Queries::new(naming);
    let svc = q.service();
    let svc_legend = format!("{{{{{svc}}}}}");
    let abort_or_error = r#"finished_reason=~"abort|error""#;

    let latency_row = Row::new(
        "Latency",
        vec![
            latency(
                &q,
                "Time to first token",
                C::VllmTtft,
                "Time from arrival to the first output token (vLLM).",
            ),
            latency(
                &q,
                "Inter-token latency",
                C::VllmItl,
                "Time between consecutive output tokens (V0 and vLLM 0.9–0.10: time_per_output_token_seconds).",
            ),
            latency(
                &q,
                "End-to-end request latency",
                C::VllmE2e,
                "Arrival to last token, measured by vLLM.",
            ),
            latency(
                &q,
                "Per-request time per output token",
                C::VllmRequestTpot,
                "Each finished request's mean time per output token (vLLM V1 ≥ 0.11).",
            ),
            Panel::new(
                Timeseries,
                "Queue, prefill, decode and inference time (mean)",
                "s",
                "Mean seconds per request in each phase.",
            )
            .query(q.mean(C::VllmQueueTime, &[]), "queue")
            .query(q.mean(C::VllmPrefillTime, &[]), "prefill")
            .query(q.mean(C::VllmDecodeTime, &[]), "decode")
            .query(
                q.mean(C::VllmInferenceTime, &[]),
                "inference (prefill + decode)",
            ),
            Panel::new(
                Timeseries,
                "Queue time",
                "s",
                "Time requests wait before running.",
            )
            .query(q.quantile(0.99, C::VllmQueueTime, &[]), "p99")
            .query(q.quantile(0.5, C::VllmQueueTime, &[]), "p50"),
        ],
    );

    let throughput_row = Row::new(
        "Throughput and errors",
        vec![
            Panel::new(
                Timeseries,
                "Token throughput",
                "short",
                "Prompt and generated tokens per second.",
            )
            .query(
                q.sum_rate(C::VllmPromptTokens, &[svc], ""),
                &format!("prompt {svc_legend}"),
            )
            .query(
                q.sum_rate(C::VllmGenerationTokens, &[svc], ""),
                &format!("generation {svc_legend}"),
            ),
            Panel::new(
                Timeseries,
                "Requests by finish reason",
                "reqps",
                "Finished requests per second by reason.",
            )
            .query(
                q.sum_rate(C::VllmRequestSuccess, &["finished_reason"], ""),
                "{{finished_reason}}",
            ),
            Panel::new(
                Timeseries,
                "Error ratio by reason",
                "percentunit",
                "Share of finished requests that were aborted or failed (abort, error).",
            )
            .query(
                q.share_of(
                    C::VllmRequestSuccess,
                    "finished_reason",
                    abort_or_error,
                    C::VllmRequestSuccess,
                ),
                "{{finished_reason}}",
            ),
            Panel::new(
                Timeseries,
                "Preemptions",
                "short",
                "Preemptions per second by pod (KV cache pressure).",
            )
            .query(q.sum_rate(C::VllmPreemptions, &["pod"], ""), "{{pod}}"),
            distribution(
                &q,
                distribution(
                    &q,
                    Panel::new(
                        Timeseries,
                        "Prompt and generation length",
                        "short",
                        "Tokens per request.",
                    ),
                    C::VllmPromptLength,
                    "prompt ",
                ),
                C::VllmGenerationLength,
                "generation ",
            ),
            Panel::new(
                Timeseries,
                "Max generation tokens per request (mean)",
                "short",
                "Mean requested max generation tokens.",
            )
            .query(q.mean(C::VllmMaxGenerationTokens, &[]), "mean"),
        ],
    );

    let cache_row = Row::new(
        "Scheduler and cache",
        vec![
            Panel::new(
                Timeseries,
                "Running and waiting requests",
                "short",
                "Requests in the batch and in the queue.",
            )
            .query(q.gauge("sum", C::VllmRunning, &[], ""), "running")
            .query(q.gauge("sum", C::VllmWaiting, &[], ""), "waiting")
            .query(q.gauge("sum", C::VllmSwapped, &[], ""), "swapped"),
            Panel::new(
                Timeseries,
                "KV cache usage per pod",
                "percentunit",
                "Fraction of the KV cache in use (V0: GPU and CPU).",
            )
            .query(q.gauge("max", C::VllmKvCacheUsage, &["pod"], ""), "{{pod}}")
            .query(
                q.gauge("max", C::VllmCpuCacheUsage, &["pod"], ""),
                "cpu {{pod}}",
            ),
            prefix_hit_rate(
                &q,
                Panel::new(
                    Timeseries,
                    "Prefix cache hit rate",
                    "percentunit",
                    PREFIX_DOC,
                ),
                &["pod"],
                "{{pod}}",
            ),
            Panel::new(
                Timeseries,
                "Traffic share per pod",
                "percentunit",
                "Each pod's share of finished requests (vLLM side).",
            )
            .query(q.share(C::VllmRequestSuccess, "pod", ""), "{{pod}}"),
        ],
    );

    Dashboard {
        uid: UID.to_string(),
        title: TITLE.to_string(),
        description: format!("Model-server metrics for naming {naming}; generated by oc-llmd."),
        tags: vec!["oc-llmd".into(), "llm-d".into(), "vllm".into()],
        variables: variables::standard(&q),
        rows: vec![latency_row, throughput_row, cache_row],
    }
    .prune()
}

pub(super) const PREFIX_DOC: &str = "Prefix-cache hits over queries in the window (rate ratio, not lifetime); V0: the hit-rate gauge.";

/// V1: rate ratio of hits over queries; V0: the engine's own hit-rate gauge (ignoring -1 = unused).
pub(super) fn prefix_hit_rate(q: &Queries, panel: Panel, by: &[&str], legend: &str) -> Panel {
    let gauge = q.selector(C::VllmPrefixCacheHitRate, "", "").map(|sel| {
        if by.is_empty() {
            format!("avg({sel} >= 0)")
        } else {
            format!("avg by ({}) ({sel} >= 0)", by.join(", "))
        }
    });
    panel
        .query(
            q.rate_ratio(C::VllmPrefixCacheHits, "", C::VllmPrefixCacheQueries, by),
            legend,
        )
        .query(gauge, legend)
}
