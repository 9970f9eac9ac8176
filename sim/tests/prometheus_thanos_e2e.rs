//! End-to-end: simulated pod metrics → real Prometheus (scrape config generated from KServe's
//! PodMonitor / ServiceMonitor with the `kserve_$1` relabeling) → Thanos-like front with token checks.
//! Runs through [`MonitoringStack`], starting with UWM off and turning it on live.
//! Needs `prometheus` on PATH (`apt-get install prometheus`); fails loudly without it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmd_sim::config::{SimConfig, TrafficProfile};
use llmd_sim::metrics::{MetricsState, MonitoringStack};
use llmd_sim::thanos::{AuthDecision, Faults, Port, ThanosAuthorizer};
use serde_json::{Value, json};

fn vllm_pod(ns: &str, name: &str, svc: &str, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {
            "app.kubernetes.io/name": svc, "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": "llminferenceservice-workload", "kserve.io/component": "workload",
            "llm-d.ai/role": "both"}},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 8000, "name": "https", "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn epp_pod(ns: &str, name: &str, svc: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {
            "app.kubernetes.io/name": svc, "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 9002, "name": "grpc"}, {"containerPort": 9090, "name": "metrics"}]}]},
        "status": {"phase": "Running", "podIP": "10.1.0.9", "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn prefix() -> Value {
    json!([{"sourceLabels": ["__name__"], "action": "replace", "replacement": "kserve_$1", "targetLabel": "__name__"}])
}

fn monitors(ns: &str) -> Vec<Value> {
    let relabel = json!([
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "action": "replace", "targetLabel": "llm_isvc_name"},
        {"sourceLabels": ["__meta_kubernetes_pod_label_llm_d_ai_role"], "action": "replace", "targetLabel": "llm_isvc_role"},
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], "action": "replace",
         "regex": "llminferenceservice-(.*)", "replacement": "$1", "targetLabel": "llm_isvc_component"}]);
    vec![
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
            "metadata": {"name": "kserve-llm-isvc-vllm-engine", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "llminferenceservice"},
                "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In",
                    "values": ["llminferenceservice-workload", "llminferenceservice-workload-prefill"]}]},
                "podMetricsEndpoints": [{"targetPort": 8000, "scheme": "https", "metricRelabelings": prefix(), "relabelings": relabel}]}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": "kserve-llm-isvc-scheduler", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                                                   "app.kubernetes.io/part-of": "llminferenceservice"}},
                "endpoints": [{"port": "metrics", "metricRelabelings": prefix()}]}}),
    ]
}

fn objects() -> Vec<Value> {
    let mut o = vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring"},
            "data": {"config.yaml": "enableUserWorkload: true\n"}}),
        json!({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LLMInferenceService",
            "metadata": {"name": "qwen", "namespace": "llm"}, "spec": {"model": {"name": "Qwen/Qwen3-0.6B"}}}),
        vllm_pod("llm", "qwen-kserve-a", "qwen", "10.1.0.1"),
        vllm_pod("llm", "qwen-kserve-b", "qwen", "10.1.0.2"),
        epp_pod("llm", "qwen-kserve-router-scheduler-x", "qwen"),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "qwen-epp-service", "namespace": "llm", "labels": {
                "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                "app.kubernetes.io/part-of": "llminferenceservice", "app.kubernetes.io/name": "qwen"}},
            "spec": {"selector": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                                  "app.kubernetes.io/name": "qwen"},
                     "ports": [{"name": "grpc", "port": 9002, "targetPort": 9002}, {"name": "metrics", "port": 9090, "targetPort": 9090}]}}),
        json!({"apiVersion": "inference.networking.x-k8s.io/v1alpha2", "kind": "InferencePool",
            "metadata": {"name": "qwen-inference-pool", "namespace": "llm"},
            "spec": {"selector": {"app.kubernetes.io/name": "qwen"}, "targetPortNumber": 8000}}),
        vllm_pod("team-b", "other-kserve-a", "other", "10.2.0.1"),
    ];
    o.extend(monitors("llm"));
    o.extend(monitors("team-b"));
    o
}

/// admin: everything. viewer: tenancy in `llm` only. Any other token: unknown.
struct Tokens;
impl ThanosAuthorizer for Tokens {
    fn authorize(&self, token: Option<&str>, _method: &str, ns: Option<&str>) -> AuthDecision {
        match (token, ns) {
            (Some("admin-token"), _) => AuthDecision::Allowed,
            (Some("viewer-token"), Some("llm")) => AuthDecision::Allowed,
            (Some("viewer-token"), _) => AuthDecision::Forbidden("viewer".into()),
            _ => AuthDecision::Unauthenticated,
        }
    }
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn enc(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn result(body: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| v["data"].as_array().cloned().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_simulated_pods_and_thanos_front_enforces_tokens() {
    let started = Instant::now();
    let rps = 4.0;
    let config = SimConfig {
        traffic: vec![TrafficProfile {
            llm_inference_service: "llm/qwen".into(),
            requests_per_second: rps,
            ..Default::default()
        }],
        ..Default::default()
    };
    // Start with User Workload Monitoring off: the generated config has no jobs.
    let store = Arc::new(Mutex::new(objects()));
    store.lock().unwrap()[0]["data"]["config.yaml"] = json!("enableUserWorkload: false\n");
    let source = store.clone();
    let state = MetricsState::new(
        Arc::new(move || Arc::new(source.lock().unwrap().clone())),
        config,
        started,
    );
    let stack = MonitoringStack::start(state, Arc::new(Tokens))
        .await
        .unwrap();
    assert!(!stack.current_config().contains("job_name"));
    let listener = stack.metrics_addr.to_string();
    let client = reqwest::Client::new();

    // The listener itself.
    let (status, text) = get(
        &client,
        &format!("http://{listener}/pods/llm/qwen-kserve-a/metrics"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.contains("vllm:num_requests_running{engine=\"0\",model_name=\"Qwen/Qwen3-0.6B\"}")
    );
    assert_eq!(
        get(
            &client,
            &format!("http://{listener}/pods/llm/nope/metrics"),
            None
        )
        .await
        .0,
        404
    );

    // Turning UWM on (as applying cluster-monitoring-config would) makes the monitors count.
    store.lock().unwrap()[0]["data"]["config.yaml"] = json!("enableUserWorkload: true\n");
    assert!(stack.refresh().await.unwrap());
    assert!(
        !stack.refresh().await.unwrap(),
        "unchanged objects need no reload"
    );
    let prom = &stack.prometheus;
    let ready_at = started.elapsed();
    let first = prom
        .wait_for_series("kserve_vllm:num_requests_running", Duration::from_secs(15))
        .await
        .unwrap();
    eprintln!(
        "prometheus ready in {:?}; first sample after {first:?} more",
        prom.startup_time()
    );
    // Targets are scraped at different offsets within the interval: wait for all three.
    let all = prom
        .wait_for_series(
            "count(kserve_vllm:num_requests_running) == 3",
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    eprintln!("all vLLM targets after {all:?} more");

    let front = &stack.front;
    let web = stack.web_addr.to_string();
    let tenancy = stack.tenancy_addr.to_string();
    let q = |base: &str, query: &str| format!("http://{base}/api/v1/query?query={}", enc(query));

    // Web port, allowed: vLLM series renamed with kserve_, KServe relabelings applied.
    let (status, body) = get(
        &client,
        &q(&web, "kserve_vllm:num_requests_running"),
        Some("admin-token"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let series = result(&body);
    assert_eq!(series.len(), 3, "{body}");
    let a = series
        .iter()
        .find(|s| s["metric"]["pod"] == "qwen-kserve-a")
        .unwrap();
    assert_eq!(a["metric"]["job"], "llm/kserve-llm-isvc-vllm-engine");
    assert_eq!(a["metric"]["namespace"], "llm");
    assert_eq!(a["metric"]["llm_isvc_name"], "qwen");
    assert_eq!(a["metric"]["llm_isvc_role"], "both");
    assert_eq!(a["metric"]["llm_isvc_component"], "workload");
    assert_eq!(a["metric"]["instance"], "10.1.0.1:8000");
    assert_eq!(a["value"][1], "2");
    // Unprefixed names do not exist: the monitors rename everything.
    assert!(
        result(
            &get(
                &client,
                &q(&web, "vllm:num_requests_running"),
                Some("admin-token")
            )
            .await
            .1
        )
        .is_empty()
    );

    // EPP series via the ServiceMonitor: job = Service name.
    prom.wait_for_series("kserve_inference_pool_ready_pods", Duration::from_secs(10))
        .await
        .unwrap();
    let (_, body) = get(
        &client,
        &q(&web, "kserve_inference_pool_ready_pods"),
        Some("admin-token"),
    )
    .await;
    let epp = result(&body);
    assert_eq!(epp.len(), 1, "{body}");
    assert_eq!(epp[0]["metric"]["job"], "qwen-epp-service");
    assert_eq!(epp[0]["metric"]["name"], "qwen-inference-pool");
    assert_eq!(epp[0]["value"][1], "2");

    // Tokens.
    let (status, body) = get(&client, &q(&web, "up"), None).await;
    assert_eq!((status, body.trim()), (401, "Unauthorized"));
    assert_eq!(get(&client, &q(&web, "up"), Some("bogus")).await.0, 401);
    let (status, body) = get(&client, &q(&web, "up"), Some("viewer-token")).await;
    assert_eq!(status, 403);
    assert_eq!(
        body.trim(),
        "Forbidden (user=viewer, verb=get, resource=prometheuses, subresource=api)"
    );

    // Tenancy port: namespace required, enforced, authorized per namespace.
    assert_eq!(
        get(
            &client,
            &q(&tenancy, "kserve_vllm:num_requests_running"),
            Some("viewer-token")
        )
        .await
        .0,
        400
    );
    let url = format!(
        "{}&namespace=llm",
        q(
            &tenancy,
            "sum by (namespace, pod) (kserve_vllm:num_requests_running)"
        )
    );
    let (status, body) = get(&client, &url, Some("viewer-token")).await;
    assert_eq!(status, 200, "{body}");
    let series = result(&body);
    assert_eq!(series.len(), 2, "{body}");
    assert!(series.iter().all(|s| s["metric"]["namespace"] == "llm"));
    let url = format!(
        "{}&namespace=team-b",
        q(&tenancy, "kserve_vllm:num_requests_running")
    );
    assert_eq!(get(&client, &url, Some("viewer-token")).await.0, 403);
    let url = format!(
        "http://{tenancy}/api/v1/series?match[]={}&namespace=llm",
        enc("{__name__=\"kserve_vllm:num_requests_running\"}")
    );
    let (status, body) = get(&client, &url, Some("viewer-token")).await;
    assert_eq!(status, 200, "{body}");
    let series = result(&body);
    assert_eq!(series.len(), 2, "{body}");
    assert!(series.iter().all(|s| s["namespace"] == "llm"));

    // Label values on the tenancy port only see the namespace's own series.
    let url = format!("http://{tenancy}/api/v1/label/namespace/values?namespace=llm");
    let (status, body) = get(&client, &url, Some("viewer-token")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["data"],
        json!(["llm"])
    );

    // Metadata exists on the web port only.
    let (status, body) = get(
        &client,
        &format!("http://{web}/api/v1/metadata"),
        Some("admin-token"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"success\""), "{body}");
    let url = format!("http://{tenancy}/api/v1/metadata?namespace=llm");
    assert_eq!(get(&client, &url, Some("viewer-token")).await.0, 404);

    // POST form body on the web port (Grafana's default).
    let r = client
        .post(format!("http://{web}/api/v1/query"))
        .bearer_auth("admin-token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "query={}",
            enc("count(kserve_vllm:kv_cache_usage_perc)")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(result(&r.text().await.unwrap())[0]["value"][1], "3");

    // Faults.
    front.faults().set(Faults {
        status: Some(503),
        ..Default::default()
    });
    assert_eq!(
        get(&client, &q(&web, "up"), Some("admin-token")).await.0,
        503
    );
    front.faults().set(Faults {
        partial_response: true,
        ..Default::default()
    });
    let (status, body) = get(
        &client,
        &q(&web, "kserve_vllm:num_requests_running"),
        Some("admin-token"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(result(&body).len(), 1);
    assert!(body.contains("warnings"));
    front.faults().clear();

    // Ground truth: rate() of the request counter equals the profile (needs ~7 s of samples).
    let rate_query = "sum(rate(kserve_vllm:request_success_total{namespace=\"llm\"}[8s]))";
    let deadline = Instant::now() + Duration::from_secs(20);
    let measured = loop {
        let (_, body) = get(&client, &q(&web, rate_query), Some("admin-token")).await;
        let r = result(&body);
        let value = r
            .first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok());
        // Wait until the window is covered by samples (8 s after the first one).
        if let Some(v) =
            value.filter(|_| started.elapsed() > ready_at + first + Duration::from_secs(9))
        {
            break v;
        }
        assert!(Instant::now() < deadline, "no rate yet: {body}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        (measured - rps).abs() <= 0.1 * rps,
        "rate {measured} vs profile {rps}"
    );
    // The EPP counts the same requests; the e2e p95 lands within one bucket of the profile's 4 s
    // (buckets …, 2.0, 2.5, 5.0, 10.0, …).
    let scalar = |body: String| {
        result(&body)
            .first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let epp_rate = "sum(rate(kserve_inference_model_request_total{namespace=\"llm\"}[8s]))";
    let epp = scalar(
        get(&client, &q(&web, epp_rate), Some("admin-token"))
            .await
            .1,
    )
    .unwrap();
    assert!(
        (epp - rps).abs() <= 0.1 * rps,
        "EPP rate {epp} vs profile {rps}"
    );
    let p95 = "histogram_quantile(0.95, sum by (le) \
               (rate(kserve_vllm:e2e_request_latency_seconds_bucket{namespace=\"llm\"}[8s])))";
    let p95 = scalar(get(&client, &q(&web, p95), Some("admin-token")).await.1).unwrap();
    assert!((2.0..=10.0).contains(&p95), "e2e p95 {p95}");
    eprintln!(
        "vLLM req/s {measured:.3}, EPP req/s {epp:.3} (profile {rps}); e2e p95 {p95:.3} s (profile 4.0)"
    );

    // Query log.
    let log = front.log().entries();
    assert!(log.iter().any(|e| e.status == 401 && e.port == Port::Web));
    assert!(log.iter().any(|e| e.status == 503));
    assert!(log.iter().any(|e| e.port == Port::Tenancy
        && e.namespace.as_deref() == Some("llm")
        && e.status == 200));
    assert!(log.iter().any(|e| e.query == rate_query && e.status == 200));
    eprintln!("total test time {:?}", started.elapsed());
}
