//! Unit tests of scrape-config generation (no Prometheus process needed).

use serde_json::{Value, json};

use super::*;
use crate::metrics::tests::{epp_pod, vllm_pod};

fn uwm(enabled: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring"},
        "data": {"config.yaml": format!("enableUserWorkload: {enabled}\n")}})
}

fn prefix_rule() -> Value {
    json!([{"sourceLabels": ["__name__"], "action": "replace", "replacement": "kserve_$1", "targetLabel": "__name__"}])
}

pub(crate) fn pod_monitor(ns: &str) -> Value {
    json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
        "metadata": {"name": "kserve-llm-isvc-vllm-engine", "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "llminferenceservice"},
                 "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In",
                     "values": ["llminferenceservice-workload", "llminferenceservice-workload-prefill"]}]},
            "podMetricsEndpoints": [{"targetPort": 8000, "scheme": "https", "tlsConfig": {"insecureSkipVerify": true},
                "metricRelabelings": prefix_rule(),
                "relabelings": [
                    {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "action": "replace", "targetLabel": "llm_isvc_name"},
                    {"sourceLabels": ["__meta_kubernetes_pod_label_llm_d_ai_role"], "action": "replace", "targetLabel": "llm_isvc_role"},
                    {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], "action": "replace",
                     "regex": "llminferenceservice-(.*)", "replacement": "$1", "targetLabel": "llm_isvc_component"}]}]}})
}

pub(crate) fn service_monitor(ns: &str) -> Value {
    json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": "kserve-llm-isvc-scheduler", "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                                               "app.kubernetes.io/part-of": "llminferenceservice"}},
            "endpoints": [{"port": "metrics", "metricRelabelings": prefix_rule(),
                "authorization": {"credentials": {"name": "kserve-metrics-reader-sa-secret", "key": "token"}}}]}})
}

pub(crate) fn epp_service(ns: &str, svc: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": format!("{svc}-epp-service"), "namespace": ns, "labels": {
            "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
            "app.kubernetes.io/part-of": "llminferenceservice", "app.kubernetes.io/name": svc}},
        "spec": {"selector": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                              "app.kubernetes.io/name": svc, "app.kubernetes.io/part-of": "llminferenceservice"},
                 "ports": [{"name": "grpc", "port": 9002, "targetPort": 9002},
                           {"name": "metrics", "port": 9090, "targetPort": 9090}]}})
}

fn objects(uwm_on: bool) -> Vec<Value> {
    vec![
        uwm(uwm_on),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "llm"}}),
        vllm_pod("llm", "qwen-a", "qwen", "both", true),
        vllm_pod("llm", "qwen-b", "qwen", "both", false),
        epp_pod("llm", "qwen-epp", "qwen"),
        epp_service("llm", "qwen"),
        pod_monitor("llm"),
        service_monitor("llm"),
        // Same-named pods elsewhere are not selected by the llm monitors.
        vllm_pod("other", "elsewhere", "x", "both", true),
    ]
}

fn jobs(config: &Value) -> Vec<&Value> {
    config["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn uwm_off_means_no_user_workload_scraping() {
    assert!(jobs(&scrape_config(&objects(false), "127.0.0.1:1")).is_empty());
    let mut without_cm = objects(true);
    without_cm.remove(0);
    assert!(jobs(&scrape_config(&without_cm, "127.0.0.1:1")).is_empty());
    assert!(user_workload_monitoring_enabled(&objects(true)));
}

#[test]
fn pod_monitor_becomes_an_operator_style_job() {
    let config = scrape_config(&objects(true), "127.0.0.1:4242");
    let all = jobs(&config);
    assert_eq!(all.len(), 2);
    let pm = all
        .iter()
        .find(|j| j["job_name"] == "podMonitor/llm/kserve-llm-isvc-vllm-engine/0")
        .unwrap();
    let targets: Vec<&Value> = pm["static_configs"].as_array().unwrap().iter().collect();
    assert_eq!(
        targets.len(),
        2,
        "both workload pods, ready or not; nothing from other namespaces"
    );
    let a = &targets[0]["labels"];
    assert_eq!(a["__metrics_path__"], "/pods/llm/qwen-a/metrics");
    assert_eq!(
        a["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
        "qwen"
    );
    assert_eq!(
        a["__meta_kubernetes_pod_labelpresent_llm_d_ai_role"],
        "true"
    );
    assert_eq!(a["__meta_kubernetes_pod_container_port_number"], "8000");
    assert_eq!(targets[0]["targets"][0], "10.0.0.1:8000");
    let relabel = pm["relabel_configs"].as_array().unwrap();
    assert!(relabel.contains(
        &json!({"target_label": "job", "replacement": "llm/kserve-llm-isvc-vllm-engine"})
    ));
    assert!(relabel.contains(&json!({"action": "keep",
        "source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component", "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_component"],
        "regex": "(llminferenceservice-workload|llminferenceservice-workload-prefill);true"})));
    assert!(relabel.contains(&json!({"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
        "action": "replace", "regex": "llminferenceservice-(.*)", "replacement": "$1", "target_label": "llm_isvc_component"})));
    assert_eq!(
        relabel.last().unwrap(),
        &json!({"target_label": "__address__", "replacement": "127.0.0.1:4242"})
    );
    let metric = pm["metric_relabel_configs"].as_array().unwrap();
    assert_eq!(
        metric[0],
        json!({"source_labels": ["__name__"], "action": "replace", "replacement": "kserve_$1", "target_label": "__name__"})
    );
}

#[test]
fn service_monitor_job_label_is_the_service_name() {
    let config = scrape_config(&objects(true), "127.0.0.1:4242");
    let sm = jobs(&config)
        .into_iter()
        .find(|j| j["job_name"] == "serviceMonitor/llm/kserve-llm-isvc-scheduler/0")
        .unwrap();
    let targets = sm["static_configs"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["targets"][0], "10.0.0.9:9090");
    assert_eq!(
        targets[0]["labels"]["__meta_kubernetes_service_name"],
        "qwen-epp-service"
    );
    assert_eq!(
        targets[0]["labels"]["__meta_kubernetes_endpoint_port_name"],
        "metrics"
    );
    let relabel = sm["relabel_configs"].as_array().unwrap();
    assert!(relabel.contains(&json!({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job", "replacement": "${1}"})));
    assert!(relabel.contains(&json!({"target_label": "endpoint", "replacement": "metrics"})));
}

#[test]
fn excluded_namespaces_and_missing_ports_yield_no_targets() {
    let mut objs = objects(true);
    objs[1] = json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "llm", "labels": {"openshift.io/cluster-monitoring": "true"}}});
    assert!(jobs(&scrape_config(&objs, "x:1")).is_empty());

    let mut objs = objects(true);
    let mut pm = pod_monitor("llm");
    pm["spec"]["podMetricsEndpoints"][0] = json!({"port": "no-such-port"});
    objs[6] = pm;
    let config = scrape_config(&objs, "x:1");
    let pm = jobs(&config)
        .into_iter()
        .find(|j| j["job_name"].as_str().unwrap().starts_with("podMonitor"))
        .unwrap();
    assert!(pm["static_configs"].as_array().unwrap().is_empty());
}

#[test]
fn label_names_are_sanitised_like_prometheus() {
    assert_eq!(
        sanitize_label_name("app.kubernetes.io/name"),
        "app_kubernetes_io_name"
    );
    assert_eq!(sanitize_label_name("llm-d.ai/role"), "llm_d_ai_role");
}

#[test]
fn missing_binary_is_an_install_hint_not_a_skip() {
    let empty = std::env::temp_dir().join("llmd-sim-no-prometheus-here");
    let err = locate_in(empty.as_os_str()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "prometheus is not installed — apt-get install prometheus"
    );
}

#[test]
fn a_chosen_scrape_interval_reaches_every_job() {
    assert_eq!(prometheus_duration(Duration::from_secs(5)), "5s");
    assert_eq!(prometheus_duration(Duration::from_millis(1500)), "1500ms");
    assert_eq!(prometheus_duration(Duration::ZERO), "1ms");
    let config = scrape_config_every(&objects(true), "127.0.0.1:9", Duration::from_secs(30));
    assert_eq!(config["global"]["scrape_interval"], "30s");
    assert_eq!(config["global"]["evaluation_interval"], "30s");
    assert_eq!(config["global"]["scrape_timeout"], "10s");
    let jobs = jobs(&config);
    assert!(!jobs.is_empty());
    for job in jobs {
        assert_eq!(job["scrape_interval"], "30s", "{job}");
        assert_eq!(job["scrape_timeout"], "10s", "{job}");
    }
    // Everything else is the default configuration.
    let mut default = scrape_config(&objects(true), "127.0.0.1:9");
    let mut every = scrape_config_every(&objects(true), "127.0.0.1:9", Duration::from_secs(1));
    for c in [&mut default, &mut every] {
        c["global"]["scrape_interval"] = json!(null);
        c["global"]["scrape_timeout"] = json!(null);
        c["global"]["evaluation_interval"] = json!(null);
        for job in c["scrape_configs"].as_array_mut().unwrap() {
            job["scrape_interval"] = json!(null);
            job["scrape_timeout"] = json!(null);
        }
    }
    assert_eq!(default, every);
}
