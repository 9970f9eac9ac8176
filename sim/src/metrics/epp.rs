//! EPP (endpoint picker) `/metrics` for three eras (client_golang formatting).
//!
//! * `epp-inference-model` (GIE ≤ v1.0): `inference_model_*`, `inference_pool_*`,
//!   `inference_extension_{scheduler_e2e_duration_seconds,plugin_duration_seconds,
//!   prefix_indexer_hit_ratio,info}`.
//! * `epp-inference-objective` (GIE v1.1–v1.5): `inference_objective_*` (+`priority` label),
//!   `inference_pool_*` incl. `average_running_requests`, `inference_extension_*` incl. the per-pod
//!   routing split `inference_extension_scheduler_attempts_total{pod_name,…}` and flow control
//!   (`inference_extension_flow_control_*`).
//! * `epp-llm-d` (llm-d-router ≥ v0.9): canonical `llm_d_epp_*` plus the deprecated twins it still
//!   dual-emits (REPORT.md §2.4).
//!
//! The EPP counts every incoming request (errors included) at `rate × share`; errors are
//! `error_code="ModelServerError"` and, as upstream, the error series is absent while the error
//! ratio is 0. With `epp_in_loop: false` the request and attempt counters stay at their warm-up
//! value (the EPP is bypassed) while pool gauges keep reporting.

use super::exposition::{
    Family, Kind, Labels, LogNormal, Style, labels, render as render_families,
};
use super::{PodMetricsInput, WARMUP_SECS};
use crate::config::MetricsGeneration;

const GENERAL_LATENCY: &[f64] = &[
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 480.0, 600.0, 900.0,
    1200.0, 1800.0, 2700.0, 3600.0,
];
const TTFT_LLMD: &[f64] = &[
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0,
    10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0,
];
const STREAMING_TPOT: &[f64] = &[
    0.0005, 0.00205, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.3, 0.4, 0.5,
    0.6, 0.8, 1.0, 2.0,
];
const NTPOT: &[f64] = &[
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];
const INPUT_TOKENS: &[f64] = &[
    1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0,
    32778.0, 65536.0, 131072.0, 262144.0, 524288.0, 1048576.0,
];
const OUTPUT_TOKENS: &[f64] = &[
    1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0,
];
const SCHEDULER: &[f64] = &[
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
];
/// Request body sizes: 64 B … 1 GiB, powers of two.
const REQUEST_SIZES: &[f64] = &[
    64.0,
    128.0,
    256.0,
    512.0,
    1024.0,
    2048.0,
    4096.0,
    8192.0,
    16384.0,
    32768.0,
    65536.0,
    131072.0,
    262144.0,
    524288.0,
    1048576.0,
    2097152.0,
    4194304.0,
    8388608.0,
    16777216.0,
    33554432.0,
    67108864.0,
    134217728.0,
    268435456.0,
    536870912.0,
    1073741824.0,
];
/// Response sizes (upstream's list, including its 32778).
const RESPONSE_SIZES: &[f64] = &[
    1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0,
    32778.0, 65536.0,
];
const HIT_RATIO: &[f64] = &[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const FLOW_QUEUE: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];
/// Bytes per token of a JSON request/response body, and the envelope around them.
const BYTES_PER_TOKEN: f64 = 4.0;
const BODY_OVERHEAD_BYTES: f64 = 200.0;
/// Scheduling plugins every request passes: (extension point, plugin type).
const PLUGINS: &[(&str, &str)] = &[
    ("ProfilePicker", "single-profile-handler"),
    ("Scorer", "prefix-cache-scorer"),
    ("Scorer", "queue-scorer"),
    ("Picker", "max-score-picker"),
];
/// Flow-control dispatch cycles per second (the dispatcher loop runs regardless of load).
const DISPATCH_CYCLES_PER_SECOND: f64 = 100.0;

struct Ctx<'a> {
    input: &'a PodMetricsInput,
    /// Seconds the request counters have been counting.
    tc: f64,
    rps: f64,
    model: &'a str,
    pool: &'a str,
}

fn help(text: &str, replaced_by: Option<&str>) -> String {
    match replaced_by {
        Some(new) => format!("[ALPHA] [Deprecated: Use {new}] {text}"),
        None => format!("[ALPHA] {text}"),
    }
}

fn with(base: &Labels, extra: &[(&str, &str)]) -> Labels {
    let mut l = base.clone();
    l.extend(labels(extra));
    l
}

pub(super) fn render(input: &PodMetricsInput, generation: MetricsGeneration, t: f64) -> String {
    let p = &input.profile;
    let ctx = Ctx {
        input,
        tc: input
            .epp_counted_secs
            .unwrap_or(if p.epp_in_loop { t } else { WARMUP_SECS }),
        rps: p.requests_per_second.max(0.0) * input.share.max(0.0),
        model: &input.model_name,
        pool: input.pool.as_ref().map(|p| p.name.as_str()).unwrap_or(""),
    };
    let mut f = Vec::new();
    match generation {
        MetricsGeneration::EppLlmD => {
            request_families(&mut f, &ctx, "llm_d_epp", true, None);
            request_families(
                &mut f,
                &ctx,
                "inference_objective",
                false,
                Some("llm_d_epp"),
            );
            pool_families(&mut f, &ctx, "llm_d_epp", None);
            pool_families(&mut f, &ctx, "inference_pool", Some("llm_d_epp"));
            extension_families(&mut f, &ctx, "llm_d_epp", None, true);
            extension_families(&mut f, &ctx, "inference_extension", Some("llm_d_epp"), true);
            flow_control_families(&mut f, &ctx, "llm_d_epp", None);
            flow_control_families(&mut f, &ctx, "inference_extension", Some("llm_d_epp"));
        }
        MetricsGeneration::EppInferenceObjective => {
            request_families(&mut f, &ctx, "inference_objective", false, None);
            pool_families(&mut f, &ctx, "inference_pool", None);
            extension_families(&mut f, &ctx, "inference_extension", None, true);
            flow_control_families(&mut f, &ctx, "inference_extension", None);
        }
        _ => {
            request_families(&mut f, &ctx, "inference_model", false, None);
            pool_families(&mut f, &ctx, "inference_pool", None);
            extension_families(&mut f, &ctx, "inference_extension", None, false);
        }
    }
    render_families(&f, Style::Go)
}

/// Request-level metrics. `llm_d` selects llm-d-router names and labels; `replaced_by` marks
/// deprecated twins.
fn request_families(
    f: &mut Vec<Family>,
    c: &Ctx,
    prefix: &str,
    llm_d: bool,
    replaced_by: Option<&str>,
) {
    let p = &c.input.profile;
    let n = |old: &str, new: &str| format!("{prefix}_{}", if llm_d { new } else { old });
    let canonical = |new: &str| replaced_by.map(|r| format!("{r}_{new}"));
    let base = labels(&[("model_name", c.model), ("target_model_name", c.model)]);
    let req_labels = match (llm_d, prefix) {
        (true, _) => with(&base, &[("fairness_id", "default"), ("priority", "0")]),
        (false, "inference_objective") => with(&base, &[("priority", "0")]),
        _ => base.clone(),
    };
    let hist_labels = if llm_d {
        req_labels.clone()
    } else {
        base.clone()
    };
    let count = c.rps * c.tc;
    let errors = c.rps * p.error_ratio.clamp(0.0, 1.0) * c.tc;
    let e2e = LogNormal::from_p50_p95(p.e2e_p50_seconds, p.e2e_p95_seconds);
    let gen_tokens = p.generation_tokens_per_request.max(1.0);
    let ntpot = LogNormal::from_p50_p95(
        p.e2e_p50_seconds / gen_tokens,
        p.e2e_p95_seconds / gen_tokens,
    );
    let input_len = LogNormal::from_mean(p.prompt_tokens_per_request, 2.0);
    let output_len = LogNormal::from_mean(p.generation_tokens_per_request, 2.0);
    let h = |old: &str, new: &str, text: &str| {
        let canon = canonical(new);
        Family::new(&n(old, new), &help(text, canon.as_deref()), Kind::Histogram)
    };
    let simple = |old: &str, new: &str, text: &str, kind: Kind| {
        let canon = canonical(new);
        Family::new(&n(old, new), &help(text, canon.as_deref()), kind)
    };
    let subject = if prefix == "inference_model" {
        "Inference model"
    } else {
        "Inference objective"
    };
    // (old name, llm-d name, GIE help, llm-d help)
    let lower = subject.to_lowercase();
    let helps = |gie: String, llmd: &str| if llm_d { llmd.to_string() } else { gie };
    f.push(
        simple(
            "request_total",
            "request_total",
            &helps(
                format!("Counter of {lower} requests broken out for each model and target model."),
                "Total number of processed requests.",
            ),
            Kind::Counter,
        )
        .with(req_labels.clone(), count),
    );
    if errors > 0.0 {
        // GIE's error counter has no `priority` label; llm-d-router's carries the request labels.
        let error_labels = if llm_d {
            req_labels.clone()
        } else {
            base.clone()
        };
        f.push(
            simple(
                "request_error_total",
                "request_error_total",
                &helps(
                    format!("Counter of {lower} requests errors broken out for each model and target model."),
                    "Total number of request errors.",
                ),
                Kind::Counter,
            )
            .with(with(&error_labels, &[("error_code", "ModelServerError")]), errors),
        );
    }
    f.push(
        h(
            "request_duration_seconds",
            "request_duration_seconds",
            &helps(
                format!("{subject} response latency distribution in seconds for each model and target model."),
                "End-to-end request latency distribution in seconds.",
            ),
        )
        .with_histogram(hist_labels.clone(), GENERAL_LATENCY, count, &e2e),
    );
    let request_bytes = LogNormal::from_mean(
        p.prompt_tokens_per_request.max(0.0) * BYTES_PER_TOKEN + BODY_OVERHEAD_BYTES,
        2.0,
    );
    let response_bytes = LogNormal::from_mean(
        p.generation_tokens_per_request.max(0.0) * BYTES_PER_TOKEN + BODY_OVERHEAD_BYTES,
        2.0,
    );
    f.push(
        h(
            "request_sizes",
            "request_size_bytes",
            &helps(
                format!(
                    "{subject} requests size distribution in bytes for each model and target model."
                ),
                "Request body size distribution in bytes.",
            ),
        )
        .with_histogram(hist_labels.clone(), REQUEST_SIZES, count, &request_bytes),
    );
    f.push(
        h(
            "response_sizes",
            "response_size_bytes",
            &helps(
                format!("{subject} responses size distribution in bytes for each model and target model."),
                "Response body size distribution in bytes.",
            ),
        )
        .with_histogram(hist_labels.clone(), RESPONSE_SIZES, count, &response_bytes),
    );
    f.push(
        h(
            "input_tokens",
            "request_input_tokens",
            &helps(
                format!("{subject} input token count distribution for requests in each model."),
                "Input token count distribution per request.",
            ),
        )
        .with_histogram(hist_labels.clone(), INPUT_TOKENS, count, &input_len),
    );
    f.push(
        h(
            "output_tokens",
            "request_output_tokens",
            &helps(
                format!("{subject} output token count distribution for requests in each model."),
                "Output token count distribution per request.",
            ),
        )
        .with_histogram(hist_labels.clone(), OUTPUT_TOKENS, count, &output_len),
    );
    f.push(
        h(
            "normalized_time_per_output_token_seconds",
            "request_ntpot_seconds",
            &helps(
                format!(
                    "{subject} latency divided by number of output tokens in seconds for each model and target model."
                ),
                "Normalized time per output token (end-to-end latency / output tokens) in seconds.",
            ),
        )
        .with_histogram(hist_labels.clone(), NTPOT, count, &ntpot),
    );
    let running_labels = if llm_d {
        req_labels.clone()
    } else {
        labels(&[("model_name", c.model)])
    };
    let endpoints = c
        .input
        .pool
        .as_ref()
        .map(|p| p.endpoints.len())
        .unwrap_or(0) as f64;
    f.push(
        simple(
            "running_requests",
            "request_running",
            &helps(
                format!("{subject} number of running requests in each model."),
                "Current number of active running requests.",
            ),
            Kind::Gauge,
        )
        .with(
            running_labels,
            p.running_per_pod * endpoints * c.input.share.max(0.0),
        ),
    );
    if llm_d {
        let ttft = LogNormal::from_p50_p95(p.ttft_p50_seconds, p.ttft_p95_seconds);
        let tpot = LogNormal::from_p50_p95(p.itl_p50_seconds, p.itl_p50_seconds * 1.5);
        f.push(
            Family::new(
                "llm_d_epp_request_ttft_seconds",
                &help("Time to first token in seconds, measured from request received to first response byte.", None),
                Kind::Histogram,
            )
            .with_histogram(with(&req_labels, &[("streaming", "true")]), TTFT_LLMD, count, &ttft),
        );
        f.push(
            Family::new(
                "llm_d_epp_request_streaming_tpot_seconds",
                &help(
                    "Average time per output token in seconds for streaming requests.",
                    None,
                ),
                Kind::Histogram,
            )
            .with_histogram(req_labels, STREAMING_TPOT, count, &tpot),
        );
    }
}

/// Pool gauges (`name` = InferencePool). `prefix` is `inference_pool` or `llm_d_epp`.
fn pool_families(f: &mut Vec<Family>, c: &Ctx, prefix: &str, replaced_by: Option<&str>) {
    let p = &c.input.profile;
    let llm_d = prefix == "llm_d_epp";
    let endpoints = c
        .input
        .pool
        .as_ref()
        .map(|p| p.endpoints.as_slice())
        .unwrap_or(&[]);
    let ready = endpoints.len() as f64;
    // Every ready pod reports the same profile values, so the pool mean equals them.
    let mean = |v: f64| if ready > 0.0 { v } else { 0.0 };
    let pool = labels(&[("name", c.pool)]);
    let g = |old: &str, new: &str, text: &str| {
        let name = format!("{prefix}_{}", if llm_d { new } else { old });
        Family::new(
            &name,
            &help(text, replaced_by.map(|r| format!("{r}_{new}")).as_deref()),
            Kind::Gauge,
        )
    };
    f.push(
        g(
            "average_kv_cache_utilization",
            "average_kv_cache_utilization",
            "The average kv cache utilization for an inference server pool.",
        )
        .with(pool.clone(), mean(p.kv_usage)),
    );
    f.push(
        g(
            "average_queue_size",
            "average_queue_size",
            "The average number of requests pending in the model server queue.",
        )
        .with(pool.clone(), mean(p.waiting_per_pod)),
    );
    let era_has_running = llm_d
        || replaced_by.is_some()
        || c.input.generation == MetricsGeneration::EppInferenceObjective;
    if era_has_running {
        f.push(
            g(
                "average_running_requests",
                "average_running_requests",
                "The average number of requests currently running in the model servers.",
            )
            .with(pool.clone(), mean(p.running_per_pod)),
        );
    }
    f.push(
        g(
            "ready_pods",
            "ready_endpoints",
            if llm_d {
                "The number of ready endpoints in the inference server pool."
            } else {
                "The number of ready pods in the inference server pool."
            },
        )
        .with(pool.clone(), ready),
    );
    if llm_d {
        for (name, text) in [
            (
                "llm_d_epp_std_dev_kv_cache_utilization",
                "The standard deviation kv cache utilization for an inference server pool.",
            ),
            (
                "llm_d_epp_std_dev_queue_size",
                "The standard deviation of the number of requests pending in the model server queue.",
            ),
        ] {
            f.push(Family::new(name, &help(text, None), Kind::Gauge).with(pool.clone(), 0.0));
        }
    }
    let (queue_name, pod_label) = if llm_d {
        ("llm_d_epp_per_endpoint_queue_size", "model_server_endpoint")
    } else {
        ("inference_pool_per_pod_queue_size", "model_server_pod")
    };
    let mut per_pod = Family::new(
        queue_name,
        &help(
            "The total number of requests pending in the model server queue for each underlying pod.",
            replaced_by
                .map(|r| format!("{r}_per_endpoint_queue_size"))
                .as_deref(),
        ),
        Kind::Gauge,
    );
    for e in endpoints {
        per_pod = per_pod.with(
            with(&pool, &[(pod_label, e.pod_name.as_str())]),
            p.waiting_per_pod,
        );
    }
    if !endpoints.is_empty() {
        f.push(per_pod);
    }
}

/// Scheduler / build metrics. `attempts`: the era has the per-pod scheduler_attempts counter.
fn extension_families(
    f: &mut Vec<Family>,
    c: &Ctx,
    prefix: &str,
    replaced_by: Option<&str>,
    attempts: bool,
) {
    let canon = |new: &str| replaced_by.map(|r| format!("{r}_{new}"));
    let sched = LogNormal::from_p50_p95(0.0005, 0.002);
    f.push(
        Family::new(
            &format!("{prefix}_scheduler_e2e_duration_seconds"),
            &help(
                "End-to-end scheduling latency distribution in seconds.",
                canon("scheduler_e2e_duration_seconds").as_deref(),
            ),
            Kind::Histogram,
        )
        .with_histogram(Vec::new(), SCHEDULER, c.rps * c.tc, &sched),
    );
    if attempts {
        let pod_key = if prefix == "llm_d_epp" {
            "endpoint_name"
        } else {
            "pod_name"
        };
        let mut fam = Family::new(
            &format!("{prefix}_scheduler_attempts_total"),
            &help(
                "Total number of scheduling attempts.",
                canon("scheduler_attempts_total").as_deref(),
            ),
            Kind::Counter,
        );
        for e in c
            .input
            .pool
            .as_ref()
            .map(|p| p.endpoints.as_slice())
            .unwrap_or(&[])
        {
            let port = e.port.to_string();
            fam = fam.with(
                labels(&[
                    ("namespace", e.namespace.as_str()),
                    (pod_key, e.pod_name.as_str()),
                    ("port", port.as_str()),
                    ("status", "success"),
                    ("target_model_name", c.model),
                ]),
                c.rps * e.share * c.tc,
            );
        }
        if !fam.samples.is_empty() {
            f.push(fam);
        }
    }
    let plugin_time = LogNormal::from_p50_p95(0.0001, 0.0004);
    let mut plugins = Family::new(
        &format!("{prefix}_plugin_duration_seconds"),
        &help(
            "Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name.",
            canon("plugin_duration_seconds").as_deref(),
        ),
        Kind::Histogram,
    );
    for (point, kind) in PLUGINS {
        plugins = plugins.with_histogram(
            labels(&[
                ("extension_point", point),
                ("plugin_name", kind),
                ("plugin_type", kind),
            ]),
            SCHEDULER,
            c.rps * c.tc,
            &plugin_time,
        );
    }
    f.push(plugins);
    // The prefix index finds about the share of each prompt the model servers' caches hit.
    let ratio = LogNormal::from_mean(c.input.profile.prefix_hit_ratio.clamp(0.01, 1.0), 1.2);
    f.push(
        Family::new(
            &format!("{prefix}_prefix_indexer_hit_ratio"),
            &help(
                "Ratio of prefix length matched to total prefix length in the cache lookup.",
                canon("prefix_indexer_hit_ratio").as_deref(),
            ),
            Kind::Histogram,
        )
        .with_histogram(Vec::new(), HIT_RATIO, c.rps * c.tc, &ratio),
    );
    let build = match c.input.generation {
        MetricsGeneration::EppLlmD => "v0.9.0",
        MetricsGeneration::EppInferenceObjective => "v1.5.0",
        _ => "v1.0.0",
    };
    f.push(
        Family::new(
            &format!("{prefix}_info"),
            &help(
                "General information of the current build of Inference Extension.",
                canon("info").as_deref(),
            ),
            Kind::Gauge,
        )
        .with(labels(&[("build_ref", build), ("commit", "0000000")]), 1.0),
    );
}

/// Flow control (GIE ≥ v1.1, llm-d-router): one default flow (`fairness_id="default"`, priority 0)
/// that admits every request; queue gauges follow the profile's waiting requests.
fn flow_control_families(f: &mut Vec<Family>, c: &Ctx, prefix: &str, replaced_by: Option<&str>) {
    let p = &c.input.profile;
    let name = |n: &str| format!("{prefix}_flow_control_{n}");
    let text = |t: &str, n: &str| {
        help(
            t,
            replaced_by
                .map(|r| format!("{r}_flow_control_{n}"))
                .as_deref(),
        )
    };
    let flow = labels(&[
        ("fairness_id", "default"),
        ("inference_pool", c.pool),
        ("model_name", c.model),
        ("priority", "0"),
        ("target_model_name", c.model),
    ]);
    let endpoints = c
        .input
        .pool
        .as_ref()
        .map(|p| p.endpoints.len())
        .unwrap_or(0) as f64;
    let queued = p.waiting_per_pod.max(0.0) * endpoints * c.input.share.max(0.0);
    let mean_request_bytes =
        p.prompt_tokens_per_request.max(0.0) * BYTES_PER_TOKEN + BODY_OVERHEAD_BYTES;
    let count = c.rps * c.tc;
    let wait = LogNormal::from_p50_p95(0.0005, 0.005);
    let enqueue = LogNormal::from_p50_p95(0.00005, 0.0002);
    f.push(
        Family::new(
            &name("pool_saturation"),
            &text("Current saturation of the inference pool as seen by flow control (0 = idle, 1 = saturated).", "pool_saturation"),
            Kind::Gauge,
        )
        .with(labels(&[("inference_pool", c.pool)]), p.kv_usage.clamp(0.0, 1.0)),
    );
    f.push(
        Family::new(
            &name("queue_size"),
            &text(
                "Current number of requests held in flow-control queues.",
                "queue_size",
            ),
            Kind::Gauge,
        )
        .with(flow.clone(), queued),
    );
    f.push(
        Family::new(
            &name("queue_bytes"),
            &text(
                "Current total byte size of requests held in flow-control queues.",
                "queue_bytes",
            ),
            Kind::Gauge,
        )
        .with(flow.clone(), queued * mean_request_bytes),
    );
    f.push(
        Family::new(
            &name("request_queue_duration_seconds"),
            &text(
                "Distribution of the time requests spend in flow-control queues, by outcome.",
                "request_queue_duration_seconds",
            ),
            Kind::Histogram,
        )
        .with_histogram(
            with(&flow, &[("outcome", "Dispatched")]),
            FLOW_QUEUE,
            count,
            &wait,
        ),
    );
    f.push(
        Family::new(
            &name("request_enqueue_duration_seconds"),
            &text(
                "Distribution of the time taken to enqueue a request, by outcome.",
                "request_enqueue_duration_seconds",
            ),
            Kind::Histogram,
        )
        .with_histogram(
            labels(&[
                ("fairness_id", "default"),
                ("outcome", "Enqueued"),
                ("priority", "0"),
            ]),
            SCHEDULER,
            count,
            &enqueue,
        ),
    );
    let cycle = LogNormal::from_p50_p95(0.0002, 0.001);
    f.push(
        Family::new(
            &name("dispatch_cycle_duration_seconds"),
            &text(
                "Distribution of the duration of one flow-control dispatch cycle.",
                "dispatch_cycle_duration_seconds",
            ),
            Kind::Histogram,
        )
        .with_histogram(
            Vec::new(),
            SCHEDULER,
            DISPATCH_CYCLES_PER_SECOND * c.tc,
            &cycle,
        ),
    );
}
