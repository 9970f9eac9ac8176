//! Dashboard "EPP — routing and pool health": the endpoint picker's view of the InferencePool,
//! routing per backend pod, gateway-observed requests and flow control.

use super::model::{Dashboard, Panel, PanelKind::*, Row};
use super::promql::{Queries, RATE_WINDOW};
use super::variables;
use super::vllm::{distribution, latency};
use crate::metrics::{Concept as C, Naming, naming::POOL_LABEL};

pub const UID: &str = "oc-llmd-epp";
pub const TITLE: &str = "EPP — routing and pool health";

pub fn build(naming: &Naming) -> Dashboard {
    let q = Queries::new(naming);
    let pool = POOL_LABEL;
    let pool_legend = "{{name}}";
    let queue_pod = q.pod_label(C::EppPerPodQueue).unwrap_or("pod");
    let attempt_pod = q.pod_label(C::EppSchedulerAttempts).unwrap_or("pod");
    let success = r#"status="success""#;
    let flow = ["priority", "fairness_id"];

    let pool_row = Row::new(
        "Inference pool",
        vec![
            Panel::new(
                Stat,
                "Ready model-server pods",
                "none",
                "Endpoints the EPP considers ready, per InferencePool.",
            )
            .query(
                q.gauge("sum", C::EppPoolReadyPods, &[pool], ""),
                pool_legend,
            ),
            Panel::new(
                Stat,
                "Pool running requests now",
                "short",
                "Mean running requests per endpoint (GIE ≥ v1.5).",
            )
            .query(
                q.gauge("sum", C::EppPoolAvgRunning, &[pool], ""),
                pool_legend,
            ),
            Panel::new(
                Stat,
                "Pool queue size now",
                "short",
                "Mean waiting requests per endpoint.",
            )
            .query(q.gauge("sum", C::EppPoolAvgQueue, &[pool], ""), pool_legend),
            Panel::new(
                Stat,
                "Pool KV cache utilization now",
                "percentunit",
                "Mean KV cache utilization across the pool.",
            )
            .query(
                q.gauge("max", C::EppPoolAvgKvCache, &[pool], ""),
                pool_legend,
            ),
            Panel::new(
                Timeseries,
                "Pool average KV cache utilization",
                "percentunit",
                "Mean KV cache utilization across the pool as the EPP sees it.",
            )
            .query(
                q.gauge("max", C::EppPoolAvgKvCache, &[pool], ""),
                pool_legend,
            ),
            Panel::new(
                Timeseries,
                "Pool average queue size",
                "short",
                "Mean waiting requests per endpoint over time.",
            )
            .query(q.gauge("sum", C::EppPoolAvgQueue, &[pool], ""), pool_legend),
            Panel::new(
                Timeseries,
                "Queue size per pod",
                "short",
                "Waiting requests per model-server pod, as scraped by the EPP.",
            )
            .query(
                q.gauge("sum", C::EppPerPodQueue, &[pool, queue_pod], ""),
                &format!("{{{{{queue_pod}}}}}"),
            ),
        ],
    );

    let routing_row = Row::new(
        "Routing",
        vec![
            Panel::new(
                Timeseries,
                "Traffic share per pod (scheduler)",
                "percentunit",
                "Share of successful scheduling decisions per backend pod.",
            )
            .query(
                q.share(C::EppSchedulerAttempts, attempt_pod, success),
                &format!("{{{{{attempt_pod}}}}}"),
            ),
            Panel::new(
                Timeseries,
                "Scheduling attempts",
                "reqps",
                "Scheduling attempts per second by outcome.",
            )
            .query(
                q.sum_rate(C::EppSchedulerAttempts, &["status"], ""),
                "{{status}}",
            ),
            latency(
                &q,
                "Scheduler latency",
                C::EppSchedulerE2e,
                "End-to-end scheduling time per request.",
            ),
            Panel::new(
                Timeseries,
                "Plugin latency (p99)",
                "s",
                "p99 time per plugin and extension point.",
            )
            .query(
                q.quantile(
                    0.99,
                    C::EppPluginDuration,
                    &["extension_point", "plugin_type"],
                ),
                "{{extension_point}} {{plugin_type}}",
            ),
            Panel::new(
                Timeseries,
                "Prefix indexer hit ratio (mean)",
                "percentunit",
                "Mean share of a prompt found in the EPP's prefix index.",
            )
            .query(q.mean(C::EppPrefixIndexerHitRatio, &[]), "mean"),
        ],
    );

    let requests_row = Row::new(
        "Requests through the gateway",
        vec![
            Panel::new(
                Timeseries,
                "Requests per second",
                "reqps",
                "Requests entering the EPP, by requested and target model.",
            )
            .query(
                q.sum_rate(C::EppRequests, &["model_name", "target_model_name"], ""),
                "{{model_name}} → {{target_model_name}}",
            ),
            Panel::new(
                Timeseries,
                "Request errors per second",
                "reqps",
                "Failed requests by error code (series appear after the first error).",
            )
            .query(
                q.sum_rate(
                    C::EppRequestErrors,
                    &["error_code", "model_name", "target_model_name"],
                    "",
                ),
                "{{error_code}} {{model_name}}",
            ),
            Panel::new(
                Timeseries,
                "Error ratio by code",
                "percentunit",
                "Failed requests over all requests, by error code.",
            )
            .query(
                q.share_of(C::EppRequestErrors, "error_code", "", C::EppRequests),
                "{{error_code}}",
            ),
            latency(
                &q,
                "Request latency (gateway)",
                C::EppRequestDuration,
                "Request duration observed by the EPP.",
            ),
            distribution(
                &q,
                Panel::new(Timeseries, "Request size", "bytes", "Request body size."),
                C::EppRequestSize,
                "",
            ),
            distribution(
                &q,
                Panel::new(Timeseries, "Response size", "bytes", "Response body size."),
                C::EppResponseSize,
                "",
            ),
            distribution(
                &q,
                Panel::new(
                    Timeseries,
                    "Input tokens per request",
                    "short",
                    "Prompt tokens (when usage is reported).",
                ),
                C::EppInputTokens,
                "",
            ),
            distribution(
                &q,
                Panel::new(
                    Timeseries,
                    "Output tokens per request",
                    "short",
                    "Completion tokens (when usage is reported).",
                ),
                C::EppOutputTokens,
                "",
            ),
            Panel::new(
                Timeseries,
                "Running requests (EPP)",
                "short",
                "Requests in flight through the EPP, by model.",
            )
            .query(
                q.gauge("sum", C::EppRunning, &["model_name"], ""),
                "{{model_name}}",
            ),
        ],
    );

    let flow_legend = "P{{priority}} {{fairness_id}}";
    let flow_row = Row::new(
        "Flow control",
        vec![
            Panel::new(
                Timeseries,
                "Pool saturation",
                "percentunit",
                "Flow-control saturation per InferencePool.",
            )
            .query(
                q.gauge("max", C::EppFlowPoolSaturation, &["inference_pool"], ""),
                "{{inference_pool}}",
            ),
            Panel::new(
                Timeseries,
                "Flow-control queue depth",
                "short",
                "Queued requests per priority and flow.",
            )
            .query(q.gauge("sum", C::EppFlowQueueSize, &flow, ""), flow_legend),
            Panel::new(
                Timeseries,
                "Net queue flow",
                "short",
                "Change of the total queue depth per second.",
            )
            .query(
                q.selector(C::EppFlowQueueSize, "", "")
                    .map(|s| format!("sum(deriv({s}[{RATE_WINDOW}]))")),
                "net flow",
            ),
            Panel::new(
                Timeseries,
                "Queued bytes",
                "bytes",
                "Bytes held in flow-control queues.",
            )
            .query(q.gauge("sum", C::EppFlowQueueBytes, &flow, ""), flow_legend),
            Panel::new(
                Timeseries,
                "Arrival rate by flow",
                "reqps",
                "Requests entering flow control per second.",
            )
            .query(
                q.sum_rate(C::EppFlowEnqueueDuration, &flow, ""),
                flow_legend,
            ),
            Panel::new(
                Timeseries,
                "Dispatch outcomes by flow",
                "reqps",
                "Requests leaving the queues per second, by outcome (Dispatched = fairness share).",
            )
            .query(
                q.sum_rate(
                    C::EppFlowQueueDuration,
                    &["priority", "fairness_id", "outcome"],
                    "",
                ),
                "P{{priority}} {{fairness_id}} {{outcome}}",
            ),
            Panel::new(
                Timeseries,
                "Flow-control wait time (p99)",
                "s",
                "p99 time in queue per priority and flow.",
            )
            .query(
                q.quantile(0.99, C::EppFlowQueueDuration, &flow),
                flow_legend,
            ),
            Panel::new(
                Timeseries,
                "Flow-control internal latency (p99)",
                "s",
                "p99 dispatch-cycle and enqueue processing time.",
            )
            .query(
                q.quantile(0.99, C::EppFlowDispatchCycle, &[]),
                "dispatch cycle",
            )
            .query(q.quantile(0.99, C::EppFlowEnqueueDuration, &[]), "enqueue"),
        ],
    );

    let build_row = Row::new(
        "Build",
        vec![
            Panel::new(
                Table,
                "EPP build",
                "none",
                "Commit and build ref of the running EPP.",
            )
            .query(q.gauge("max", C::EppInfo, &["commit", "build_ref"], ""), "")
            .size(24, 5),
        ],
    );

    Dashboard {
        uid: UID.to_string(),
        title: TITLE.to_string(),
        description: format!("Endpoint picker metrics for naming {naming}; generated by oc-llmd."),
        tags: vec!["oc-llmd".into(), "llm-d".into(), "epp".into()],
        variables: variables::standard(&q),
        rows: vec![pool_row, routing_row, requests_row, flow_row, build_row],
    }
    .prune()
}
