//! A simulated cluster for the stats tests: one namespace per metric naming variant (vLLM V0/V1 ×
//! EPP era × with/without the `kserve_` prefix), plus an idle service, each with its own traffic
//! profile (the ground truth), all scraped by ONE real Prometheus behind the Thanos-like front.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmd_sim::config::{SimConfig, TrafficProfile};
use llmd_sim::metrics::{MetricsState, MonitoringStack};
use llmd_sim::thanos::{AuthDecision, ThanosAuthorizer};
use serde_json::{Value, json};

pub const ADMIN: &str = "sha256~admin-SECRET-token";
pub const VIEWER: &str = "sha256~viewer-SECRET-token";
/// The namespace the viewer may read through the tenancy port.
pub const VIEWER_NS: &str = "v1-objective-kserve";
pub const IDLE_NS: &str = "idle-kserve";
/// An LLMInferenceService without pods in [`IDLE_NS`].
pub const GHOST: &str = "ghost";

/// One variant namespace.
#[derive(Debug, Clone)]
pub struct Variant {
    pub namespace: String,
    pub vllm: &'static str,
    pub epp: &'static str,
    pub kserve: bool,
    pub profile: TrafficProfile,
}

impl Variant {
    pub fn service(&self) -> String {
        if self.kserve {
            "svc".to_string()
        } else {
            self.model()
        }
    }
    pub fn model(&self) -> String {
        format!("model-{}", self.namespace)
    }
}

pub fn variants() -> Vec<Variant> {
    let mut out = Vec::new();
    let mut i = 0.0;
    for vllm in ["v0", "v1"] {
        for (epp, era) in [
            ("model", "epp-inference-model"),
            ("objective", "epp-inference-objective"),
            ("llmd", "epp-llm-d"),
        ] {
            for kserve in [true, false] {
                let namespace = format!("{vllm}-{epp}-{}", if kserve { "kserve" } else { "plain" });
                let split: BTreeMap<String, f64> = [
                    ("svc-kserve-a".to_string(), 0.7 - 0.02 * i),
                    ("svc-kserve-b".to_string(), 0.3 + 0.02 * i),
                ]
                .into_iter()
                .collect();
                out.push(Variant {
                    profile: TrafficProfile {
                        llm_inference_service: format!("{namespace}/svc"),
                        requests_per_second: 3.0 + 0.5 * i,
                        prefix_hit_ratio: 0.4 + 0.03 * i,
                        ttft_p50_seconds: 0.08,
                        ttft_p95_seconds: 0.3,
                        e2e_p50_seconds: 1.2,
                        e2e_p95_seconds: 4.0,
                        split,
                        ..Default::default()
                    },
                    namespace,
                    vllm: if vllm == "v0" { "vllm-v0" } else { "vllm-v1" },
                    epp: era,
                    kserve,
                });
                i += 1.0;
            }
        }
    }
    out.push(Variant {
        namespace: IDLE_NS.into(),
        vllm: "vllm-v1",
        epp: "epp-inference-objective",
        kserve: true,
        profile: TrafficProfile {
            llm_inference_service: format!("{IDLE_NS}/svc"),
            requests_per_second: 0.0,
            ..Default::default()
        },
    });
    out
}

fn vllm_pod(v: &Variant, name: &str, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": v.namespace,
            "annotations": {"sim.oc-llmd.io/metrics-generation": v.vllm},
            "labels": {
            "app.kubernetes.io/name": "svc", "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": "llminferenceservice-workload", "kserve.io/component": "workload",
            "llm-d.ai/role": "both"}},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 8000, "name": "https", "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn epp_pod(v: &Variant, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "svc-kserve-router-scheduler-x", "namespace": v.namespace,
            "annotations": {"sim.oc-llmd.io/metrics-generation": v.epp},
            "labels": {
            "app.kubernetes.io/name": "svc", "app.kubernetes.io/part-of": "llminferenceservice",
            "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
        "spec": {"containers": [{"name": "main", "ports": [{"containerPort": 9002, "name": "grpc"}, {"containerPort": 9090, "name": "metrics"}]}]},
        "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn monitors(v: &Variant) -> Vec<Value> {
    let ns = &v.namespace;
    let prefix = json!([{"sourceLabels": ["__name__"], "action": "replace", "replacement": "kserve_$1", "targetLabel": "__name__"}]);
    let relabel = json!([
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "action": "replace", "targetLabel": "llm_isvc_name"}]);
    let (metric_relabel, relabel, suffix) = if v.kserve {
        (prefix, relabel, "")
    } else {
        (json!([]), json!([]), "-default")
    };
    vec![
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
            "metadata": {"name": format!("kserve-llm-isvc-vllm-engine{suffix}"), "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "llminferenceservice"},
                "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In",
                    "values": ["llminferenceservice-workload"]}]},
                "podMetricsEndpoints": [{"targetPort": 8000, "scheme": "https", "metricRelabelings": metric_relabel, "relabelings": relabel}]}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": format!("kserve-llm-isvc-scheduler{suffix}"), "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                                                   "app.kubernetes.io/part-of": "llminferenceservice"}},
                "endpoints": [{"port": "metrics", "metricRelabelings": metric_relabel}]}}),
    ]
}

/// Every object of the simulated cluster.
pub fn objects(variants: &[Variant]) -> Vec<Value> {
    let mut o = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring"},
        "data": {"config.yaml": "enableUserWorkload: true\n"}})];
    // A service the cluster has but nothing scrapes (no pods): "no metrics" in reports.
    o.push(json!({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LLMInferenceService",
        "metadata": {"name": GHOST, "namespace": IDLE_NS}, "spec": {"model": {"name": "ghost-model"}}}));
    for (i, v) in variants.iter().enumerate() {
        let ns = &v.namespace;
        o.push(
            json!({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LLMInferenceService",
            "metadata": {"name": "svc", "namespace": ns}, "spec": {"model": {"name": v.model()}}}),
        );
        o.push(vllm_pod(v, "svc-kserve-a", &format!("10.{i}.0.1")));
        o.push(vllm_pod(v, "svc-kserve-b", &format!("10.{i}.0.2")));
        o.push(epp_pod(v, &format!("10.{i}.0.9")));
        o.push(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc-epp-service", "namespace": ns, "labels": {
                "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                "app.kubernetes.io/part-of": "llminferenceservice", "app.kubernetes.io/name": "svc"}},
            "spec": {"selector": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                                  "app.kubernetes.io/name": "svc"},
                     "ports": [{"name": "grpc", "port": 9002, "targetPort": 9002}, {"name": "metrics", "port": 9090, "targetPort": 9090}]}}));
        o.push(
            json!({"apiVersion": "inference.networking.x-k8s.io/v1alpha2", "kind": "InferencePool",
            "metadata": {"name": "svc-inference-pool", "namespace": ns},
            "spec": {"selector": {"app.kubernetes.io/name": "svc"}, "targetPortNumber": 8000}}),
        );
        o.extend(monitors(v));
    }
    o
}

/// Records every token presented; admin may do anything, the viewer only its namespace on the
/// tenancy port.
#[derive(Default)]
pub struct Tokens {
    pub seen: Mutex<Vec<Option<String>>>,
}

impl ThanosAuthorizer for Tokens {
    fn authorize(&self, token: Option<&str>, _method: &str, ns: Option<&str>) -> AuthDecision {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(token.map(str::to_string));
        }
        match (token, ns) {
            (Some(ADMIN), _) => AuthDecision::Allowed,
            (Some(VIEWER), Some(VIEWER_NS)) => AuthDecision::Allowed,
            (Some(VIEWER), _) => AuthDecision::Forbidden("viewer".into()),
            _ => AuthDecision::Unauthenticated,
        }
    }
}

pub struct Fixture {
    pub stack: MonitoringStack,
    pub tokens: Arc<Tokens>,
    pub variants: Vec<Variant>,
    pub state: MetricsState,
}

/// The simulated pods' metrics state (no Prometheus) and the variants it serves.
pub fn state() -> (MetricsState, Vec<Variant>) {
    let variants = variants();
    let config = SimConfig {
        traffic: variants.iter().map(|v| v.profile.clone()).collect(),
        ..Default::default()
    };
    let source = Arc::new(objects(&variants));
    let state = MetricsState::new(Arc::new(move || source.clone()), config, Instant::now());
    (state, variants)
}

/// Start the stack and wait until every target has been scraped for `history`.
pub async fn start(history: Duration) -> Fixture {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let (state, variants) = state();
    let tokens = Arc::new(Tokens::default());
    let stack = MonitoringStack::start(state.clone(), tokens.clone())
        .await
        .expect("prometheus must be installed (apt-get install prometheus)");
    let naming = oc_llmd::metrics::Naming::default();
    let running = naming
        .series(oc_llmd::metrics::Concept::VllmRunning)
        .unwrap();
    let ready = naming
        .series(oc_llmd::metrics::Concept::EppPoolReadyPods)
        .unwrap();
    let all = format!(
        "count({{__name__=~\"(kserve_)?({running}|{ready})\"}}) >= {}",
        variants.len() * 3
    );
    stack
        .prometheus
        .wait_for_series(&all, Duration::from_secs(20))
        .await
        .expect("every target scraped");
    tokio::time::sleep(history).await;
    eprintln!("stack ready after {:?}", started.elapsed());
    Fixture {
        stack,
        tokens,
        variants,
        state,
    }
}
