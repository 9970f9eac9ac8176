//! Unit tests of the emitters: names per generation, ground-truth rates and quantiles.

use serde_json::{Value, json};

use super::exposition::LogNormal;
use super::parse::{Exposition, parse};
use super::*;
use crate::config::{MetricsSpec, SimConfig, TrafficProfile};
use crate::traffic::{pod_metrics_input, pod_metrics_inputs};

pub(crate) fn vllm_pod(ns: &str, name: &str, svc: &str, role: &str, ready: bool) -> Value {
    let component = if role == "prefill" {
        "llminferenceservice-workload-prefill"
    } else {
        "llminferenceservice-workload"
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {
            "app.kubernetes.io/name": svc,
            "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": component,
            "kserve.io/component": "workload",
            "llm-d.ai/role": role}},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 8000, "name": "https", "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.1",
                   "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
    })
}

pub(crate) fn epp_pod(ns: &str, name: &str, svc: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {
            "app.kubernetes.io/name": svc,
            "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
        "spec": {"containers": [{"name": "main", "ports": [
            {"containerPort": 9002, "name": "grpc"}, {"containerPort": 9090, "name": "metrics"}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.9", "conditions": [{"type": "Ready", "status": "True"}]}
    })
}

pub(crate) fn llmisvc(ns: &str, name: &str, model: &str) -> Value {
    json!({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LLMInferenceService",
           "metadata": {"name": name, "namespace": ns}, "spec": {"model": {"name": model, "uri": "hf://x"}}})
}

fn profile() -> TrafficProfile {
    TrafficProfile {
        llm_inference_service: "llm/qwen".into(),
        requests_per_second: 4.0,
        error_ratio: 0.05,
        preemptions_per_second: 0.5,
        ..TrafficProfile::default()
    }
}

fn cluster() -> (Vec<Value>, SimConfig) {
    let objects = vec![
        llmisvc("llm", "qwen", "Qwen/Qwen3-0.6B"),
        vllm_pod("llm", "qwen-a", "qwen", "both", true),
        vllm_pod("llm", "qwen-b", "qwen", "both", true),
        vllm_pod("llm", "qwen-c", "qwen", "both", false),
        epp_pod("llm", "qwen-epp", "qwen"),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "llm"}}),
    ];
    let config = SimConfig {
        traffic: vec![profile()],
        ..SimConfig::default()
    };
    (objects, config)
}

fn scrape(input: &PodMetricsInput, t: f64) -> Exposition {
    let text = pod_metrics(input, t).expect("a metrics pod");
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// rate() between two scrapes of a series sum.
fn rate(input: &PodMetricsInput, name: &str, m: &[(&str, &str)]) -> f64 {
    let (t0, t1) = (37.0, 97.0);
    (scrape(input, t1).sum(name, m) - scrape(input, t0).sum(name, m)) / (t1 - t0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn non_metrics_pods_get_none() {
    let (objects, config) = cluster();
    assert!(pod_metrics_input(&objects, &config, "llm", "other").is_none());
    assert_eq!(pod_metrics_inputs(&objects, &config).len(), 4);
}

#[test]
fn vllm_v1_rates_sum_to_the_profile() {
    let (objects, config) = cluster();
    let a = pod_metrics_input(&objects, &config, "llm", "qwen-a").unwrap();
    let b = pod_metrics_input(&objects, &config, "llm", "qwen-b").unwrap();
    let c = pod_metrics_input(&objects, &config, "llm", "qwen-c").unwrap();
    assert_eq!((a.share, b.share, c.share), (0.5, 0.5, 0.0));
    let p = profile();
    let total =
        |name: &str, m: &[(&str, &str)]| rate(&a, name, m) + rate(&b, name, m) + rate(&c, name, m);
    assert!(close(
        total("vllm:request_success_total", &[]),
        p.requests_per_second
    ));
    assert!(close(
        total(
            "vllm:request_success_total",
            &[("finished_reason", "error")]
        ),
        p.requests_per_second * p.error_ratio
    ));
    assert!(close(
        total("vllm:prompt_tokens_total", &[]),
        4.0 * p.prompt_tokens_per_request
    ));
    assert!(close(
        total("vllm:generation_tokens_total", &[]),
        4.0 * p.generation_tokens_per_request
    ));
    assert!(close(
        total("vllm:prefix_cache_queries_total", &[]),
        4.0 * p.prompt_tokens_per_request
    ));
    assert!(close(
        total("vllm:prefix_cache_hits_total", &[]),
        4.0 * p.prompt_tokens_per_request * p.prefix_hit_ratio
    ));
    assert!(close(total("vllm:num_preemptions_total", &[]), 0.5));
    // Mean tokens per request from the histogram = the profile.
    let mean = total("vllm:request_prompt_tokens_sum", &[])
        / total("vllm:request_prompt_tokens_count", &[]);
    assert!(close(mean, p.prompt_tokens_per_request), "{mean}");
    let e = scrape(&a, 5.0);
    let m = [("model_name", "Qwen/Qwen3-0.6B"), ("engine", "0")];
    assert_eq!(e.sum("vllm:num_requests_running", &m), p.running_per_pod);
    assert_eq!(e.sum("vllm:kv_cache_usage_perc", &m), p.kv_usage);
    assert_eq!(e.types["vllm:request_success_total"], "counter");
    assert_eq!(e.types["vllm:time_to_first_token_seconds"], "histogram");
}

/// histogram_quantile as Prometheus computes it (linear interpolation inside the bucket).
fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    let total = buckets.last().map(|b| b.1).unwrap_or(0.0);
    let rank = q * total;
    let mut prev = (0.0, 0.0);
    for &(le, c) in buckets {
        if c >= rank {
            if le.is_infinite() {
                return prev.0;
            }
            return prev.0 + (le - prev.0) * (rank - prev.1) / (c - prev.1);
        }
        prev = (le, c);
    }
    f64::NAN
}

fn bucket_rates(input: &PodMetricsInput, name: &str) -> Vec<(f64, f64)> {
    let (e0, e1) = (scrape(input, 10.0), scrape(input, 70.0));
    let mut out: Vec<(f64, f64)> = e1
        .find(&format!("{name}_bucket"), &[])
        .map(|s| {
            let le = &s.labels["le"];
            let before = e0
                .find(&format!("{name}_bucket"), &[("le", le.as_str())])
                .map(|s| s.value)
                .sum::<f64>();
            (
                if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                },
                (s.value - before) / 60.0,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn within_one_bucket(estimate: f64, truth: f64, buckets: &[(f64, f64)]) -> bool {
    let bounds: Vec<f64> = std::iter::once(0.0)
        .chain(buckets.iter().map(|b| b.0))
        .collect();
    let idx = |x: f64| bounds.iter().position(|&b| x <= b).unwrap_or(bounds.len());
    idx(estimate).abs_diff(idx(truth)) <= 1
}

#[test]
fn histogram_quantiles_land_within_one_bucket() {
    let (objects, config) = cluster();
    let a = pod_metrics_input(&objects, &config, "llm", "qwen-a").unwrap();
    let p = profile();
    for (name, p50, p95) in [
        (
            "vllm:time_to_first_token_seconds",
            p.ttft_p50_seconds,
            p.ttft_p95_seconds,
        ),
        (
            "vllm:e2e_request_latency_seconds",
            p.e2e_p50_seconds,
            p.e2e_p95_seconds,
        ),
    ] {
        let buckets = bucket_rates(&a, name);
        for (q, truth) in [
            (0.5, p50),
            (0.95, p95),
            (0.99, LogNormal::from_p50_p95(p50, p95).quantile(0.99)),
        ] {
            let est = histogram_quantile(q, &buckets);
            assert!(
                within_one_bucket(est, truth, &buckets),
                "{name} q{q}: {est} vs {truth}"
            );
        }
        // Mean from _sum/_count equals the distribution's mean.
        let e = scrape(&a, 10.0);
        let mean = e.sum(&format!("{name}_sum"), &[]) / e.sum(&format!("{name}_count"), &[]);
        assert!(close(mean, LogNormal::from_p50_p95(p50, p95).mean()));
        // Cumulative and consistent with +Inf == _count.
        let raw: Vec<f64> = e
            .find(&format!("{name}_bucket"), &[])
            .map(|s| s.value)
            .collect();
        assert!(raw.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            raw.last().copied(),
            Some(e.sum(&format!("{name}_count"), &[]))
        );
    }
}

#[test]
fn generation_names_follow_the_report() {
    let (objects, mut config) = cluster();
    let a = pod_metrics_input(&objects, &config, "llm", "qwen-a").unwrap();
    let v1 = pod_metrics(&a, 1.0).unwrap();
    for name in [
        "# TYPE vllm:kv_cache_usage_perc gauge",
        "# TYPE vllm:inter_token_latency_seconds histogram",
        "# TYPE vllm:request_time_per_output_token_seconds histogram",
        "# TYPE vllm:prefix_cache_hits_total counter",
        "vllm:num_requests_running{engine=\"0\",model_name=\"Qwen/Qwen3-0.6B\"} 2.0",
        "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"2560.0\",model_name=\"Qwen/Qwen3-0.6B\"}",
        "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"7680.0\",",
    ] {
        assert!(v1.contains(name), "V1 lacks {name}");
    }
    assert!(
        !v1.contains("gpu_cache_usage_perc")
            && !v1.contains("vllm:time_per_output_token_seconds_bucket{")
    );
    assert!(
        !v1.contains("kserve_"),
        "the emitter must not add the OpenShift AI prefix"
    );

    config.metrics = MetricsSpec {
        vllm: MetricsGeneration::VllmV0,
        epp: MetricsGeneration::EppInferenceModel,
    };
    let a0 = pod_metrics_input(&objects, &config, "llm", "qwen-a").unwrap();
    let v0 = pod_metrics(&a0, 1.0).unwrap();
    for name in [
        "# TYPE vllm:gpu_cache_usage_perc gauge",
        "# TYPE vllm:num_requests_swapped gauge",
        "# TYPE vllm:time_per_output_token_seconds histogram",
        "vllm:num_requests_running{model_name=\"Qwen/Qwen3-0.6B\"} 2.0",
        "vllm:time_to_first_token_seconds_bucket{le=\"10.0\",model_name=\"Qwen/Qwen3-0.6B\"}",
    ] {
        assert!(v0.contains(name), "V0 lacks {name}");
    }
    assert!(
        !v0.contains("engine=")
            && !v0.contains("kv_cache_usage_perc")
            && !v0.contains("le=\"2560.0\"")
            && !v0.contains("_created")
    );

    // Per-pod annotation overrides the default.
    let mut objects2 = objects.clone();
    objects2[1]["metadata"]["annotations"] =
        json!({"sim.oc-llmd.io/metrics-generation": "vllm-v1"});
    let a1 = pod_metrics_input(&objects2, &config, "llm", "qwen-a").unwrap();
    assert_eq!(a1.generation, MetricsGeneration::VllmV1);
}

#[test]
fn vllm_0_9_to_0_10_keeps_the_old_per_token_name() {
    let (objects, mut config) = cluster();
    config.metrics.vllm = MetricsGeneration::VllmV1Tpot;
    let a = pod_metrics_input(&objects, &config, "llm", "qwen-a").unwrap();
    let text = pod_metrics(&a, 1.0).unwrap();
    for name in [
        "# TYPE vllm:kv_cache_usage_perc gauge",
        "# TYPE vllm:prefix_cache_queries_total counter",
        "# TYPE vllm:time_per_output_token_seconds histogram",
        // 0.9's deprecated twins.
        "# TYPE vllm:gpu_cache_usage_perc gauge",
        "# TYPE vllm:gpu_prefix_cache_hits_total counter",
        "vllm:time_per_output_token_seconds_bucket{engine=\"0\",le=\"80.0\",",
        "# TYPE vllm:request_max_num_generation_tokens histogram",
    ] {
        assert!(text.contains(name), "0.9-0.10 lacks {name}");
    }
    for absent in [
        "vllm:inter_token_latency_seconds",
        "vllm:request_time_per_output_token_seconds",
        "vllm:num_requests_swapped",
        "vllm:gpu_prefix_cache_hit_rate",
    ] {
        assert!(!text.contains(absent), "0.9-0.10 has {absent}");
    }
    // The deprecated counters count the same as their replacements.
    let e = parse(&text).unwrap();
    assert_eq!(
        e.sum("vllm:gpu_prefix_cache_hits_total", &[]),
        e.sum("vllm:prefix_cache_hits_total", &[])
    );
    let annotated = serde_json::from_value::<MetricsGeneration>(json!("vllm-v1-tpot")).unwrap();
    assert_eq!(annotated, MetricsGeneration::VllmV1Tpot);
}

#[test]
fn epp_emits_every_family_the_dashboards_query() {
    let must = |text: &str, era: &str, names: &[&str]| {
        for n in names {
            assert!(text.contains(&format!("# TYPE {n} ")), "{era} lacks {n}");
        }
    };
    let (model, _) = epp_text(MetricsGeneration::EppInferenceModel, true, 1.0);
    must(
        &model,
        "model",
        &[
            "inference_model_request_sizes",
            "inference_model_response_sizes",
            "inference_extension_plugin_duration_seconds",
            "inference_extension_prefix_indexer_hit_ratio",
        ],
    );
    assert!(
        !model.contains("flow_control"),
        "flow control arrived in GIE v1.1"
    );
    let (objective, _) = epp_text(MetricsGeneration::EppInferenceObjective, true, 1.0);
    must(
        &objective,
        "objective",
        &[
            "inference_objective_request_sizes",
            "inference_objective_response_sizes",
            "inference_extension_flow_control_pool_saturation",
            "inference_extension_flow_control_queue_size",
            "inference_extension_flow_control_queue_bytes",
            "inference_extension_flow_control_request_queue_duration_seconds",
            "inference_extension_flow_control_request_enqueue_duration_seconds",
            "inference_extension_flow_control_dispatch_cycle_duration_seconds",
        ],
    );
    let (llmd, input) = epp_text(MetricsGeneration::EppLlmD, true, 1.0);
    must(
        &llmd,
        "llm-d",
        &[
            "llm_d_epp_request_size_bytes",
            "llm_d_epp_response_size_bytes",
            "llm_d_epp_plugin_duration_seconds",
            "llm_d_epp_prefix_indexer_hit_ratio",
            "llm_d_epp_flow_control_queue_size",
            "llm_d_epp_flow_control_request_queue_duration_seconds",
            "inference_extension_flow_control_queue_size",
        ],
    );
    assert!(llmd.contains(
        "# HELP inference_extension_flow_control_queue_size [ALPHA] [Deprecated: Use llm_d_epp_flow_control_queue_size]"
    ));
    // Every request is admitted once by flow control and passes every scheduling plugin once.
    let at = |t: f64| parse(&pod_metrics(&input, t).unwrap()).unwrap();
    let (e1, e2) = (at(1.0), at(61.0));
    let rate = |name: &str, m: &[(&str, &str)]| (e2.sum(name, m) - e1.sum(name, m)) / 60.0;
    let requests = rate("llm_d_epp_request_total", &[]);
    assert!(requests > 0.0);
    assert!(close(
        rate(
            "llm_d_epp_flow_control_request_queue_duration_seconds_count",
            &[("outcome", "Dispatched")]
        ),
        requests
    ));
    assert!(close(
        rate(
            "llm_d_epp_plugin_duration_seconds_count",
            &[("plugin_type", "queue-scorer")]
        ),
        requests
    ));
}

fn epp_text(generation: MetricsGeneration, in_loop: bool, t: f64) -> (String, PodMetricsInput) {
    let (mut objects, mut config) = cluster();
    objects.push(
        json!({"apiVersion": "inference.networking.x-k8s.io/v1alpha2", "kind": "InferencePool",
        "metadata": {"name": "qwen-inference-pool", "namespace": "llm"},
        "spec": {"selector": {"app.kubernetes.io/name": "qwen"}, "targetPortNumber": 8000}}),
    );
    config.metrics.epp = generation;
    config.traffic[0].epp_in_loop = in_loop;
    config.traffic[0].split = [("qwen-a".to_string(), 3.0), ("qwen-b".to_string(), 1.0)]
        .into_iter()
        .collect();
    let input = pod_metrics_input(&objects, &config, "llm", "qwen-epp").unwrap();
    (pod_metrics(&input, t).unwrap(), input)
}

#[test]
fn epp_eras_have_their_names_and_the_routing_split() {
    let (model, _) = epp_text(MetricsGeneration::EppInferenceModel, true, 1.0);
    for s in [
        "# TYPE inference_model_request_total counter",
        "# TYPE inference_model_request_duration_seconds histogram",
        "inference_pool_average_kv_cache_utilization{name=\"qwen-inference-pool\"} 0.3",
        "inference_pool_ready_pods{name=\"qwen-inference-pool\"} 2",
        "inference_pool_per_pod_queue_size{model_server_pod=\"qwen-a\",name=\"qwen-inference-pool\"} 0",
        "# TYPE inference_extension_scheduler_e2e_duration_seconds histogram",
        "inference_model_request_duration_seconds_bucket{model_name=\"Qwen/Qwen3-0.6B\",target_model_name=\"Qwen/Qwen3-0.6B\",le=\"0.005\"}",
    ] {
        assert!(model.contains(s), "model era lacks {s}\n{model}");
    }
    assert!(!model.contains("inference_objective_") && !model.contains("scheduler_attempts"));

    let (objective, input) = epp_text(MetricsGeneration::EppInferenceObjective, true, 1.0);
    assert!(objective.contains("# TYPE inference_objective_request_total counter"));
    assert!(objective.contains("# TYPE inference_pool_average_running_requests gauge"));
    assert!(objective.contains(
        "inference_objective_request_total{model_name=\"Qwen/Qwen3-0.6B\",priority=\"0\","
    ));
    assert!(!objective.contains("inference_model_"));
    // Routing split 3:1 from the profile's split, visible in scheduler_attempts rates.
    let rate_of = |pod: &str| {
        let m = [("pod_name", pod), ("status", "success")];
        let at = |t: f64| {
            parse(&pod_metrics(&input, t).unwrap())
                .unwrap()
                .sum("inference_extension_scheduler_attempts_total", &m)
        };
        (at(61.0) - at(1.0)) / 60.0
    };
    assert!(
        close(rate_of("qwen-a"), 3.0) && close(rate_of("qwen-b"), 1.0),
        "{} {}",
        rate_of("qwen-a"),
        rate_of("qwen-b")
    );
    let e = parse(&objective).unwrap();
    let errors = |t| {
        parse(&pod_metrics(&input, t).unwrap())
            .unwrap()
            .sum("inference_objective_request_error_total", &[])
    };
    assert!(close((errors(61.0) - errors(1.0)) / 60.0, 4.0 * 0.05));
    assert!(
        e.find(
            "inference_objective_request_error_total",
            &[("error_code", "ModelServerError")]
        )
        .count()
            == 1
    );

    let (llmd, _) = epp_text(MetricsGeneration::EppLlmD, true, 1.0);
    for s in [
        "# TYPE llm_d_epp_request_total counter",
        "# TYPE llm_d_epp_ready_endpoints gauge",
        "# TYPE llm_d_epp_scheduler_attempts_total counter",
        "llm_d_epp_per_endpoint_queue_size{model_server_endpoint=\"qwen-a\",name=\"qwen-inference-pool\"}",
        "endpoint_name=\"qwen-b\"",
        "# HELP inference_objective_request_total [ALPHA] [Deprecated: Use llm_d_epp_request_total]",
        "# HELP inference_pool_ready_pods [ALPHA] [Deprecated: Use llm_d_epp_ready_endpoints]",
        "# TYPE inference_extension_scheduler_attempts_total counter",
        "# TYPE llm_d_epp_request_ttft_seconds histogram",
    ] {
        assert!(llmd.contains(s), "llm-d era lacks {s}");
    }
    // Go style: families sorted by name.
    let types: Vec<&str> = llmd
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(types, sorted);
}

#[test]
fn epp_bypassed_keeps_counters_flat_and_split_equal() {
    let (t1, input) = epp_text(MetricsGeneration::EppInferenceObjective, false, 1.0);
    let t2 = pod_metrics(&input, 100.0).unwrap();
    let (a, b) = (parse(&t1).unwrap(), parse(&t2).unwrap());
    assert_eq!(
        a.sum("inference_objective_request_total", &[]),
        b.sum("inference_objective_request_total", &[])
    );
    assert!(a.sum("inference_objective_request_total", &[]) > 0.0);
    let shares: Vec<f64> = input
        .pool
        .unwrap()
        .endpoints
        .iter()
        .map(|e| e.share)
        .collect();
    assert_eq!(shares, vec![0.5, 0.5]);
}

#[test]
fn prefill_pods_take_the_prompt_side_only() {
    let (mut objects, config) = cluster();
    objects.push(vllm_pod("llm", "qwen-p", "qwen", "prefill", true));
    let inputs = pod_metrics_inputs(&objects, &config);
    let p = profile();
    let sum_rate = |name: &str| {
        inputs
            .iter()
            .filter(|i| pod_kind(&i.pod) != Some(PodKind::Epp))
            .map(|i| rate(i, name, &[]))
            .sum::<f64>()
    };
    assert!(close(
        sum_rate("vllm:request_success_total"),
        p.requests_per_second
    ));
    assert!(close(
        sum_rate("vllm:prompt_tokens_total"),
        p.requests_per_second * p.prompt_tokens_per_request
    ));
    let prefill = inputs
        .iter()
        .find(|i| i.pod["metadata"]["name"] == "qwen-p")
        .unwrap();
    assert!(close(
        rate(prefill, "vllm:prompt_tokens_total", &[]),
        p.requests_per_second * p.prompt_tokens_per_request
    ));
    assert_eq!(rate(prefill, "vllm:request_success_total", &[]), 0.0);
}

#[test]
fn listener_and_pod_proxy_answer_like_the_real_endpoints() {
    let (mut objects, config) = cluster();
    objects.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pending", "namespace": "llm",
        "labels": {"app.kubernetes.io/name": "qwen", "app.kubernetes.io/part-of": "llminferenceservice",
                   "kserve.io/component": "workload"}}, "status": {"phase": "Pending"}}));
    let objects = std::sync::Arc::new(objects);
    let state = MetricsState::new(
        std::sync::Arc::new(move || objects.clone()),
        config,
        std::time::Instant::now(),
    );
    let text = render_pod_metrics(&state, "llm", "qwen-a", Some("8000")).unwrap();
    assert!(text.contains("vllm:num_requests_running"));
    assert!(
        render_pod_metrics(&state, "llm", "qwen-a", Some("https")).is_ok(),
        "named container port"
    );
    assert!(
        render_pod_metrics(&state, "llm", "qwen-epp", Some("metrics"))
            .unwrap()
            .contains("inference_pool_ready_pods")
    );
    let wrong = render_pod_metrics(&state, "llm", "qwen-epp", Some("8000")).unwrap_err();
    assert!(matches!(
        wrong,
        MetricsUnavailable::WrongPort { expected: 9090, .. }
    ));
    assert_eq!(
        render_pod_metrics(&state, "llm", "pending", None)
            .unwrap_err()
            .status(),
        503
    );
    assert_eq!(
        render_pod_metrics(&state, "llm", "other", None)
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        render_pod_metrics(&state, "llm", "ghost", None).unwrap_err(),
        MetricsUnavailable::NoSuchPod("ghost".into())
    );
}

/// The serving path of [`cluster`]'s `llm/qwen` on Istio 1.26 (pool, EPP Service, route to
/// gateway `ing/gw`), without the EnvoyFilter that would let the gateway reach the EPP.
fn gap_objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "inference.networking.x-k8s.io/v1alpha2", "kind": "InferencePool",
               "metadata": {"name": "qwen-inference-pool", "namespace": "llm",
                            "labels": {"app.kubernetes.io/name": "qwen"}},
               "spec": {"selector": {"app.kubernetes.io/name": "qwen"}, "targetPortNumber": 8000}}),
        json!({"apiVersion": "sailoperator.io/v1", "kind": "Istio",
               "metadata": {"name": "openshift-gateway"}, "spec": {"version": "v1.26.2"}}),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "qwen-epp-service", "namespace": "llm"},
               "spec": {"ports": [{"port": 9002}]}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
               "metadata": {"name": "qwen-kserve-route", "namespace": "llm"},
               "spec": {"parentRefs": [{"name": "gw", "namespace": "ing"}],
                        "rules": [{"backendRefs": [{"group": "inference.networking.x-k8s.io",
                                   "kind": "InferencePool", "name": "qwen-inference-pool"}]}]}}),
    ]
}

/// With `gateway.emulateExtprocGap` on Istio 1.26, the EPP counts nothing until an EnvoyFilter
/// wires the gateway; then it counts at once, the split leaves round-robin, and no counter of the
/// EPP or of vLLM ever goes down across the change.
#[test]
fn the_emulated_gap_keeps_the_epp_out_until_a_filter_lands() {
    let (mut objects, mut config) = cluster();
    objects.extend(gap_objects());
    config.gateway.emulate_extproc_gap = true;
    config.traffic[0].split = [("qwen-a".to_string(), 3.0), ("qwen-b".to_string(), 1.0)]
        .into_iter()
        .collect();
    let live = std::sync::Arc::new(std::sync::Mutex::new(objects));
    let source = live.clone();
    let state = MetricsState::new(
        std::sync::Arc::new(move || std::sync::Arc::new(source.lock().unwrap().clone())),
        config,
        std::time::Instant::now(),
    );
    let value = |pod: &str, name: &str| {
        let text = render_pod_metrics(&state, "llm", pod, None).unwrap();
        parse(&text).unwrap().sum(name, &[])
    };
    let epp0 = value("qwen-epp", "inference_model_request_total");
    let b0 = value("qwen-b", "vllm:request_success_total");
    std::thread::sleep(std::time::Duration::from_millis(200));
    // Bypassed: the EPP counter stays at its warm-up value while vLLM counts.
    assert_eq!(value("qwen-epp", "inference_model_request_total"), epp0);
    assert!(value("qwen-b", "vllm:request_success_total") > b0);

    live.lock().unwrap().push(json!({
        "apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
        "metadata": {"name": "fix", "namespace": "ing"},
        "spec": {"workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": "gw"}},
                 "configPatches": [{"applyTo": "HTTP_FILTER",
                   "match": {"listener": {"filterChain": {"filter": {"subFilter": {"name": "envoy.filters.http.ext_proc"}}}}},
                   "patch": {"operation": "MERGE", "value": {"typed_config": {
                     "grpc_service": {"envoy_grpc": {"cluster_name": "outbound|9002||qwen-epp-service.llm.svc.cluster.local"}},
                     "processing_mode": {"request_body_mode": "STREAMED"}}}}}]}}));
    let epp1 = value("qwen-epp", "inference_model_request_total");
    let b1 = value("qwen-b", "vllm:request_success_total");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let epp2 = value("qwen-epp", "inference_model_request_total");
    let b2 = value("qwen-b", "vllm:request_success_total");
    assert!(epp1 >= epp0 && epp2 > epp1, "{epp0} {epp1} {epp2}");
    // qwen-b's share drops from 1/2 to 1/4: its counter keeps rising, never resets.
    assert!(b1 >= b0 && b2 > b1, "{b0} {b1} {b2}");
}

#[test]
fn scrapes_read_one_namespace_of_the_current_snapshot() {
    use std::sync::{Arc, Mutex};
    let (objects, config) = cluster();
    let mut other = objects.clone();
    for o in &mut other {
        if o.pointer("/metadata/namespace").is_some() {
            o["metadata"]["namespace"] = json!("team-b");
        }
    }
    let snapshot = Arc::new(Mutex::new(Arc::new(objects.clone())));
    let source = snapshot.clone();
    let state = MetricsState::new(
        Arc::new(move || source.lock().unwrap().clone()),
        config,
        std::time::Instant::now(),
    );
    let llm = state.namespace_objects("llm");
    let expected = objects
        .iter()
        .filter(|o| o.pointer("/metadata/namespace") == Some(&json!("llm")))
        .count();
    assert_eq!(llm.len(), expected);
    assert!(Arc::ptr_eq(&llm, &state.namespace_objects("llm")), "reused");
    assert!(state.namespace_objects("team-b").is_empty());
    assert!(render_pod_metrics(&state, "team-b", "qwen-a", None).is_err());
    // A new snapshot (the store changed) is regrouped.
    let mut both = objects;
    both.extend(other);
    *snapshot.lock().unwrap() = Arc::new(both);
    assert_eq!(state.namespace_objects("team-b").len(), expected);
    assert!(render_pod_metrics(&state, "team-b", "qwen-a", None).is_ok());
}

#[test]
fn a_namespace_view_keeps_the_epp_service_a_shared_gateway_filter_names() {
    // One gateway, one EnvoyFilter whose ext_proc cluster is llm's EPP Service, and a second
    // service in team-b behind the same gateway: team-b's view must still see that Service, or
    // the wiring decides the EPP is never contacted (the `large` scenario's 120 services did).
    use std::sync::Arc;
    let (mut objects, mut config) = cluster();
    objects.extend(gap_objects());
    config.gateway.emulate_extproc_gap = true;
    objects.push(json!({
        "apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
        "metadata": {"name": "fix", "namespace": "ing"},
        "spec": {"workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": "gw"}},
                 "configPatches": [{"applyTo": "HTTP_FILTER",
                   "match": {"listener": {"filterChain": {"filter": {"subFilter": {"name": "envoy.filters.http.ext_proc"}}}}},
                   "patch": {"operation": "MERGE", "value": {"typed_config": {
                     "grpc_service": {"envoy_grpc": {"cluster_name": "outbound|9002||qwen-epp-service.llm.svc.cluster.local"}},
                     "processing_mode": {"request_body_mode": "STREAMED"}}}}}]}}));
    let team_b: Vec<Value> = objects
        .iter()
        .filter(|o| o.pointer("/metadata/namespace") == Some(&json!("llm")))
        .filter(|o| !matches!(o["kind"].as_str(), Some("EnvoyFilter")))
        .map(|o| {
            let mut o = o.clone();
            o["metadata"]["namespace"] = json!("team-b");
            o
        })
        .collect();
    objects.extend(team_b);
    let snapshot = Arc::new(objects);
    let state = MetricsState::new(
        Arc::new(move || snapshot.clone()),
        config,
        std::time::Instant::now(),
    );
    let view = state.namespace_objects("team-b");
    assert!(view.iter().any(|o| o["kind"] == "Service"
        && o["metadata"]["namespace"] == "llm"
        && o["metadata"]["name"] == "qwen-epp-service"));
    assert!(crate::wiring::epp_reached(&view, "team-b", "qwen"));
}
