//! vLLM `/metrics` for the V0 engine, the V1 engine of vLLM 0.9–0.10 (`vllm-v1-tpot`: current cache
//! names plus 0.9's deprecated `gpu_*` twins, per-token latency still
//! `time_per_output_token_seconds`, no per-request TPOT) and the V1 engine ≥ 0.11
//! (prometheus_client formatting).
//!
//! Decode/both pods carry the request side (requests, generation tokens, latencies); when the
//! service has prefill pods, prompt-side counters (prompt tokens, prefix cache, prompt-length and
//! prefill-time histograms) move to the prefill pods, whose request counters stay flat — so
//! `sum()` over all pods of a service equals the profile. Failed requests are counted as
//! `finished_reason="error"` (V1) / `"abort"` (V0); successful ones 80 % `stop`, 20 % `length`.
//! V1 output carries prometheus_client's `<name>_created` gauge twins; V0 does not.

use super::exposition::{Family, Kind, LogNormal, Style, labels, render as render_families};
use super::{PodKind, PodMetricsInput};
use crate::config::MetricsGeneration;

const TTFT_V1: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
const TTFT_V0: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
const ITL_V1: &[f64] = &[
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0,
];
const TPOT_V0: &[f64] = &[
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
];
const LATENCY_V1: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
];
const LATENCY_V0: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
];
/// `build_1_2_5_buckets(max_model_len=40960)`.
const TOKENS_125: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0,
];

/// Per-second rates and distributions for one vLLM pod.
struct Load {
    requests: f64,
    errors: f64,
    prompt_requests: f64,
    prompt_tokens: f64,
    generation_tokens: f64,
    preemptions: f64,
}

fn load(input: &PodMetricsInput, kind: PodKind) -> Load {
    let p = &input.profile;
    let share = input.share.max(0.0);
    let rps = p.requests_per_second.max(0.0) * share;
    let (requests, prompt_requests) = match kind {
        PodKind::Prefill => (0.0, rps),
        _ if input.service_has_prefill => (rps, 0.0),
        _ => (rps, rps),
    };
    Load {
        requests,
        errors: requests * p.error_ratio.clamp(0.0, 1.0),
        prompt_requests,
        prompt_tokens: prompt_requests * p.prompt_tokens_per_request.max(0.0),
        generation_tokens: requests * p.generation_tokens_per_request.max(0.0),
        preemptions: if kind == PodKind::Prefill {
            0.0
        } else {
            p.preemptions_per_second.max(0.0) * share
        },
    }
}

pub(super) fn render(
    input: &PodMetricsInput,
    kind: PodKind,
    generation: MetricsGeneration,
    t: f64,
) -> String {
    let p = &input.profile;
    let l = load(input, kind);
    // `v1`: the V1 engine (engine label, current cache names); `itl_renamed`: ≥ 0.11 names.
    let v1 = generation != MetricsGeneration::VllmV0;
    let itl_renamed = generation == MetricsGeneration::VllmV1;
    let model = input.model_name.as_str();
    let base = || {
        if v1 {
            labels(&[("engine", "0"), ("model_name", model)])
        } else {
            labels(&[("model_name", model)])
        }
    };
    let with = |extra: (&str, &str)| {
        let mut l = base();
        l.push((extra.0.to_string(), extra.1.to_string()));
        l
    };

    let ttft = LogNormal::from_p50_p95(p.ttft_p50_seconds, p.ttft_p95_seconds);
    let e2e = LogNormal::from_p50_p95(p.e2e_p50_seconds, p.e2e_p95_seconds);
    let itl = LogNormal::from_p50_p95(p.itl_p50_seconds, p.itl_p50_seconds * 2.5);
    let tpot = LogNormal::from_p50_p95(p.itl_p50_seconds, p.itl_p50_seconds * 1.5);
    let queue = LogNormal::from_p50_p95(p.ttft_p50_seconds * 0.1, p.ttft_p95_seconds * 0.1);
    let prefill = LogNormal::from_p50_p95(p.ttft_p50_seconds * 0.9, p.ttft_p95_seconds * 0.9);
    let decode = LogNormal::from_p50_p95(
        (p.e2e_p50_seconds - p.ttft_p50_seconds).max(1e-3),
        (p.e2e_p95_seconds - p.ttft_p95_seconds).max(1e-3),
    );
    let inference = LogNormal::from_p50_p95(p.e2e_p50_seconds * 0.95, p.e2e_p95_seconds * 0.95);
    let prompt_len = LogNormal::from_mean(p.prompt_tokens_per_request, 2.0);
    let gen_len = LogNormal::from_mean(p.generation_tokens_per_request, 2.0);
    // Clients ask for more tokens than they get (max_tokens is an upper bound).
    let max_gen = LogNormal::from_mean(p.generation_tokens_per_request * 2.0, 1.5);
    let itl_count = l.requests * (p.generation_tokens_per_request - 1.0).max(0.0);
    let ok = (l.requests - l.errors).max(0.0);

    let mut f: Vec<Family> = Vec::new();
    let gauge = |name: &str, help: &str| Family::new(name, help, Kind::Gauge);
    let counter = |name: &str, help: &str| Family::new(name, help, Kind::Counter);
    let hist = |name: &str, help: &str| Family::new(name, help, Kind::Histogram);

    if v1 {
        f.push(
            gauge(
                "vllm:num_requests_running",
                "Number of requests in model execution batches.",
            )
            .with(base(), p.running_per_pod),
        );
        f.push(
            gauge(
                "vllm:num_requests_waiting",
                "Number of requests waiting to be processed.",
            )
            .with(base(), p.waiting_per_pod),
        );
        f.push(
            gauge(
                "vllm:num_requests_waiting_by_reason",
                "Number of waiting requests by reason. Sum of all reasons equals vllm:num_requests_waiting.",
            )
            .with(with(("reason", "capacity")), p.waiting_per_pod)
            .with(with(("reason", "deferred")), 0.0),
        );
        f.push(
            gauge(
                "vllm:kv_cache_usage_perc",
                "KV-cache usage. 1 means 100 percent usage.",
            )
            .with(base(), p.kv_usage),
        );
        f.push(
            counter(
                "vllm:prefix_cache_queries_total",
                "Prefix cache queries, in terms of number of queried tokens.",
            )
            .with(base(), l.prompt_tokens * t),
        );
        f.push(
            counter(
                "vllm:prefix_cache_hits_total",
                "Prefix cache hits, in terms of number of cached tokens.",
            )
            .with(
                base(),
                l.prompt_tokens * p.prefix_hit_ratio.clamp(0.0, 1.0) * t,
            ),
        );
        if !itl_renamed {
            // vLLM 0.9 still shows the names it deprecated (hidden from 0.10 on).
            f.push(
                gauge(
                    "vllm:gpu_cache_usage_perc",
                    "GPU KV-cache usage. 1 means 100 percent usage. DEPRECATED: Use vllm:kv_cache_usage_perc instead.",
                )
                .with(base(), p.kv_usage),
            );
            f.push(
                counter(
                    "vllm:gpu_prefix_cache_queries_total",
                    "GPU prefix cache queries, in terms of number of queried tokens. DEPRECATED: Use vllm:prefix_cache_queries instead.",
                )
                .with(base(), l.prompt_tokens * t),
            );
            f.push(
                counter(
                    "vllm:gpu_prefix_cache_hits_total",
                    "GPU prefix cache hits, in terms of number of cached tokens. DEPRECATED: Use vllm:prefix_cache_hits instead.",
                )
                .with(
                    base(),
                    l.prompt_tokens * p.prefix_hit_ratio.clamp(0.0, 1.0) * t,
                ),
            );
        }
    } else {
        f.push(
            gauge(
                "vllm:num_requests_running",
                "Number of requests currently running on GPU.",
            )
            .with(base(), p.running_per_pod),
        );
        f.push(
            gauge(
                "vllm:num_requests_waiting",
                "Number of requests waiting to be processed.",
            )
            .with(base(), p.waiting_per_pod),
        );
        f.push(
            gauge(
                "vllm:num_requests_swapped",
                "Number of requests swapped to CPU.",
            )
            .with(base(), 0.0),
        );
        f.push(
            gauge(
                "vllm:gpu_cache_usage_perc",
                "GPU KV-cache usage. 1 means 100 percent usage.",
            )
            .with(base(), p.kv_usage),
        );
        f.push(
            gauge(
                "vllm:cpu_cache_usage_perc",
                "CPU KV-cache usage. 1 means 100 percent usage.",
            )
            .with(base(), 0.0),
        );
        f.push(
            gauge(
                "vllm:cpu_prefix_cache_hit_rate",
                "CPU prefix cache block hit rate.",
            )
            .with(base(), -1.0),
        );
        f.push(
            gauge(
                "vllm:gpu_prefix_cache_hit_rate",
                "GPU prefix cache block hit rate.",
            )
            .with(base(), p.prefix_hit_ratio.clamp(0.0, 1.0)),
        );
    }
    f.push(
        counter(
            "vllm:num_preemptions_total",
            "Cumulative number of preemption from the engine.",
        )
        .with(base(), l.preemptions * t),
    );
    f.push(
        counter(
            "vllm:prompt_tokens_total",
            "Number of prefill tokens processed.",
        )
        .with(base(), l.prompt_tokens * t),
    );
    f.push(
        counter(
            "vllm:generation_tokens_total",
            "Number of generation tokens processed.",
        )
        .with(base(), l.generation_tokens * t),
    );
    if !v1 {
        f.push(
            counter(
                "vllm:tokens_total",
                "Number of prefill plus generation tokens processed.",
            )
            .with(base(), (l.prompt_tokens + l.generation_tokens) * t),
        );
    }
    let (ttft_b, itl_b, lat_b) = if v1 {
        (TTFT_V1, ITL_V1, LATENCY_V1)
    } else {
        (TTFT_V0, TPOT_V0, LATENCY_V0)
    };
    f.push(
        hist(
            "vllm:time_to_first_token_seconds",
            "Histogram of time to first token in seconds.",
        )
        .with_histogram(base(), ttft_b, l.requests * t, &ttft),
    );
    if itl_renamed {
        f.push(
            hist(
                "vllm:inter_token_latency_seconds",
                "Histogram of inter-token latency in seconds.",
            )
            .with_histogram(base(), itl_b, itl_count * t, &itl),
        );
        f.push(
            hist(
                "vllm:request_time_per_output_token_seconds",
                "Histogram of time_per_output_token_seconds per request.",
            )
            .with_histogram(base(), itl_b, l.requests * t, &tpot),
        );
    } else {
        f.push(
            hist(
                "vllm:time_per_output_token_seconds",
                "Histogram of time per output token in seconds.",
            )
            .with_histogram(base(), itl_b, itl_count * t, &itl),
        );
    }
    let e2e_help = if v1 {
        "Histogram of e2e request latency in seconds."
    } else {
        "Histogram of end to end request latency in seconds."
    };
    f.push(
        hist("vllm:e2e_request_latency_seconds", e2e_help).with_histogram(
            base(),
            lat_b,
            l.requests * t,
            &e2e,
        ),
    );
    f.push(
        hist(
            "vllm:request_queue_time_seconds",
            "Histogram of time spent in WAITING phase for request.",
        )
        .with_histogram(base(), lat_b, l.requests * t, &queue),
    );
    f.push(
        hist(
            "vllm:request_inference_time_seconds",
            "Histogram of time spent in RUNNING phase for request.",
        )
        .with_histogram(base(), lat_b, l.requests * t, &inference),
    );
    f.push(
        hist(
            "vllm:request_prefill_time_seconds",
            "Histogram of time spent in PREFILL phase for request.",
        )
        .with_histogram(base(), lat_b, l.prompt_requests * t, &prefill),
    );
    f.push(
        hist(
            "vllm:request_decode_time_seconds",
            "Histogram of time spent in DECODE phase for request.",
        )
        .with_histogram(base(), lat_b, l.requests * t, &decode),
    );
    f.push(
        hist(
            "vllm:request_prompt_tokens",
            "Number of prefill tokens processed.",
        )
        .with_histogram(base(), TOKENS_125, l.prompt_requests * t, &prompt_len),
    );
    f.push(
        hist(
            "vllm:request_generation_tokens",
            "Number of generation tokens processed.",
        )
        .with_histogram(base(), TOKENS_125, l.requests * t, &gen_len),
    );
    f.push(
        hist(
            "vllm:request_max_num_generation_tokens",
            "Histogram of maximum number of requested generation tokens.",
        )
        .with_histogram(base(), TOKENS_125, l.requests * t, &max_gen),
    );
    let success = counter(
        "vllm:request_success_total",
        "Count of successfully processed requests.",
    )
    .with(with(("finished_reason", "stop")), ok * 0.8 * t)
    .with(with(("finished_reason", "length")), ok * 0.2 * t);
    // V1 lists `abort` (never used here) next to `error`; V0 counts failures as `abort`.
    let success = if v1 {
        success
            .with(with(("finished_reason", "abort")), 0.0)
            .with(with(("finished_reason", "error")), l.errors * t)
    } else {
        success.with(with(("finished_reason", "abort")), l.errors * t)
    };
    f.push(success);
    let mut info = labels(&[
        ("block_size", "16"),
        ("cache_dtype", "auto"),
        ("enable_prefix_caching", "True"),
        ("gpu_memory_utilization", "0.9"),
        ("num_gpu_blocks", "94512"),
    ]);
    if v1 {
        info.push(("engine".to_string(), "0".to_string()));
    }
    f.push(
        gauge(
            "vllm:cache_config_info",
            "Information of the LLMEngine CacheConfig",
        )
        .with(info, 1.0),
    );
    if v1 {
        f = with_created_twins(f);
    }
    render_families(&f, Style::Python)
}

/// Start time stamped on every `_created` series (fixed, so the output stays a pure function).
const CREATED_EPOCH: f64 = 1_764_547_200.0;

/// prometheus_client (V1 does not disable them) follows every counter and histogram family with
/// a `<name>_created` gauge family per series. V0 called `disable_created_metrics()`.
fn with_created_twins(families: Vec<Family>) -> Vec<Family> {
    let mut out = Vec::with_capacity(families.len() * 2);
    for family in families {
        let twin = match family.kind {
            Kind::Counter => Some(family.name.trim_end_matches("_total").to_string()),
            Kind::Histogram => Some(family.name.clone()),
            Kind::Gauge => None,
        };
        let series: Vec<_> = family
            .samples
            .iter()
            .filter(|s| {
                (s.suffix.is_empty() && family.kind == Kind::Counter) || s.suffix == "_count"
            })
            .map(|s| s.labels.clone())
            .collect();
        let help = family.help.clone();
        out.push(family);
        if let Some(base) = twin {
            let mut created = Family::new(&format!("{base}_created"), &help, Kind::Gauge);
            for labels in series {
                created = created.with(labels, CREATED_EPOCH);
            }
            out.push(created);
        }
    }
    out
}
