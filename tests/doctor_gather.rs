//! The gather against a minimal fake API server (plain HTTP, in-process): the request count does
//! not grow with namespaces, nothing is read per namespace or per object, the only POSTs are
//! SelfSubjectAccessReviews, and 404/403 become facts. Also runs the real binary once.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use oc_llmd::cli::GlobalArgs;
use oc_llmd::cluster::Model;
use oc_llmd::cluster::gather::gather;
use oc_llmd::cluster::model::{ListState, keys};
use oc_llmd::doctor::engine::{Selection, run};
use oc_llmd::doctor::report::Status;
use oc_llmd::kube::{Scope, connect};

/// (group, version, plural) → objects; anything not in `served` answers 404.
struct Fake {
    served: Vec<(&'static str, &'static str, &'static str)>,
    forbidden: Vec<&'static str>,
    objects: Vec<(&'static str, &'static str, Value)>,
    log: Mutex<Vec<String>>,
    /// Injected per-request latency.
    latency_ms: u64,
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
}

fn selector_matches(obj: &Value, labels: Option<&str>, fields: Option<&str>) -> bool {
    let get_label = |k: &str| {
        obj.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
    };
    let labels_ok = labels.is_none_or(|sel| {
        sel.split(',')
            .filter(|t| !t.is_empty())
            .all(|term| match term.split_once('=') {
                Some((k, v)) => get_label(k) == Some(v),
                None => match term.strip_prefix('!') {
                    Some(k) => get_label(k).is_none(),
                    None => get_label(term).is_some(),
                },
            })
    });
    let fields_ok = fields.is_none_or(|sel| {
        sel.split(',').all(|term| match term.split_once('=') {
            Some(("metadata.name", v)) => {
                obj.pointer("/metadata/name").and_then(Value::as_str) == Some(v)
            }
            Some(("type", v)) => obj.get("type").and_then(Value::as_str) == Some(v),
            _ => true,
        })
    });
    labels_ok && fields_ok
}

async fn handle(State(fake): State<Arc<Fake>>, method: Method, uri: Uri, _body: Bytes) -> Response {
    let path = uri.path().to_string();
    fake.log.lock().unwrap().push(format!("{method} {}", uri));
    if fake.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(fake.latency_ms)).await;
    }
    if path == "/version" {
        return axum::Json(json!({"major": "1", "minor": "32", "gitVersion": "v1.32.5"}))
            .into_response();
    }
    if method == Method::POST && path.ends_with("/selfsubjectaccessreviews") {
        let body: Value = serde_json::from_slice(&_body).unwrap_or(Value::Null);
        let resource = body
            .pointer("/spec/resourceAttributes/resource")
            .and_then(Value::as_str)
            .unwrap_or("");
        let allowed = !fake.forbidden.contains(&resource);
        let mut answer = body.clone();
        answer["status"] = json!({"allowed": allowed});
        return (StatusCode::CREATED, axum::Json(answer)).into_response();
    }
    if method != Method::GET {
        return status(405, "MethodNotAllowed", "read-only fake");
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest.to_vec()),
        ["apis", g, v, rest @ ..] => (*g, *v, rest.to_vec()),
        _ => return status(404, "NotFound", "no such path"),
    };
    let (ns, plural) = match rest.as_slice() {
        ["namespaces", ns, plural] => (Some(*ns), *plural),
        [plural] => (None, *plural),
        _ => return status(404, "NotFound", "not a collection"),
    };
    if !fake
        .served
        .iter()
        .any(|(g, v, p)| *g == group && *v == version && *p == plural)
    {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    }
    if fake.forbidden.contains(&plural) {
        return status(403, "Forbidden", &format!("{plural} is forbidden"));
    }
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), percent_decode(v)))
                .collect()
        })
        .unwrap_or_default();
    let q = |k: &str| query.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
    let items: Vec<Value> = fake
        .objects
        .iter()
        .filter(|(g, p, o)| {
            *g == group
                && *p == plural
                && ns.is_none_or(|n| {
                    o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(n)
                })
                && selector_matches(o, q("labelSelector"), q("fieldSelector"))
        })
        .map(|(_, _, o)| o.clone())
        .collect();
    axum::Json(json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}))
        .into_response()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const SERVED: &[(&str, &str, &str)] = &[
    ("", "v1", "pods"),
    ("", "v1", "services"),
    ("", "v1", "configmaps"),
    ("", "v1", "secrets"),
    ("apps", "v1", "deployments"),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
    ("serving.kserve.io", "v1alpha1", "llminferenceservices"),
    (
        "inference.networking.x-k8s.io",
        "v1alpha2",
        "inferencepools",
    ),
    ("gateway.networking.k8s.io", "v1", "httproutes"),
    ("gateway.networking.k8s.io", "v1", "gateways"),
    ("gateway.networking.k8s.io", "v1", "gatewayclasses"),
    ("networking.istio.io", "v1", "destinationrules"),
    ("networking.istio.io", "v1alpha3", "envoyfilters"),
    ("monitoring.coreos.com", "v1", "podmonitors"),
    ("monitoring.coreos.com", "v1", "servicemonitors"),
    ("route.openshift.io", "v1", "routes"),
    ("sailoperator.io", "v1", "istios"),
    ("config.openshift.io", "v1", "clusterversions"),
    ("operators.coreos.com", "v1alpha1", "clusterserviceversions"),
];

fn labels(name: &str, component: &str) -> Value {
    json!({"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "llminferenceservice",
           "app.kubernetes.io/component": component, "kserve.io/component": "workload"})
}

/// One healthy model per namespace, plus the cluster-wide pieces; Grafana is not installed.
fn cluster(namespaces: usize) -> Vec<(&'static str, &'static str, Value)> {
    let mut o: Vec<(&'static str, &'static str, Value)> = vec![
        (
            "config.openshift.io",
            "clusterversions",
            json!({"metadata": {"name": "version"}, "status": {"desired": {"version": "4.19.9"}}}),
        ),
        (
            "",
            "configmaps",
            json!({"metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring"}, "data": {"config.yaml": "enableUserWorkload: true\n"}}),
        ),
        (
            "",
            "configmaps",
            json!({"metadata": {"name": "other", "namespace": "openshift-monitoring"}, "data": {}}),
        ),
        (
            "",
            "pods",
            json!({"metadata": {"name": "prometheus-user-workload-0", "namespace": "openshift-user-workload-monitoring", "labels": {"app.kubernetes.io/name": "prometheus"}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
        ),
        (
            "",
            "services",
            json!({"metadata": {"name": "thanos-querier", "namespace": "openshift-monitoring"}, "spec": {"ports": [{"name": "web", "port": 9091}]}}),
        ),
        (
            "route.openshift.io",
            "routes",
            json!({"metadata": {"name": "thanos-querier", "namespace": "openshift-monitoring"}, "spec": {"host": "thanos.apps.example"}}),
        ),
        (
            "gateway.networking.k8s.io",
            "gatewayclasses",
            json!({"metadata": {"name": "openshift-default"}, "spec": {"controllerName": "openshift.io/gateway-controller/v1"}}),
        ),
        (
            "gateway.networking.k8s.io",
            "gateways",
            json!({"metadata": {"name": "openshift-ai-inference", "namespace": "openshift-ingress"},
            "spec": {"gatewayClassName": "openshift-default"}, "status": {"addresses": [{"value": "10.0.0.1"}]}}),
        ),
        (
            "sailoperator.io",
            "istios",
            json!({"metadata": {"name": "openshift-gateway"}, "spec": {"version": "v1.26.2", "namespace": "openshift-ingress"}}),
        ),
        (
            "apps",
            "deployments",
            json!({"metadata": {"name": "istiod-openshift-gateway", "namespace": "openshift-ingress", "labels": {"app": "istiod"}},
            "spec": {"template": {"spec": {"containers": [{"name": "discovery", "env": [{"name": "ENABLE_GATEWAY_API_INFERENCE_EXTENSION", "value": "true"}]}]}}}}),
        ),
        (
            "networking.istio.io",
            "envoyfilters",
            json!({"metadata": {"name": "fix", "namespace": "openshift-ingress"},
            "spec": {"workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": "openshift-ai-inference"}},
              "configPatches": [{"applyTo": "HTTP_FILTER", "match": {"listener": {"filterChain": {"filter": {"subFilter": {"name": "envoy.filters.http.ext_proc"}}}}},
                "patch": {"operation": "MERGE", "value": {"typed_config": {"grpc_service": {"envoy_grpc": {"cluster_name": "outbound|9002||m-epp-service.ns-0.svc.cluster.local"}},
                  "processing_mode": {"request_body_mode": "STREAMED"}}}}}]}}),
        ),
    ];
    for i in 0..namespaces {
        let ns: &'static str = Box::leak(format!("ns-{i}").into_boxed_str());
        let ready =
            json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]});
        o.push((
            "serving.kserve.io",
            "llminferenceservices",
            json!({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LLMInferenceService",
            "metadata": {"name": "m", "namespace": ns}, "spec": {"model": {"name": "m"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
        ));
        for p in 0..2 {
            o.push(("", "pods", json!({"metadata": {"name": format!("m-kserve-{p}"), "namespace": ns, "labels": labels("m", "llminferenceservice-workload")},
                "spec": {"containers": [{"name": "main", "args": ["--port", "8000", "--ssl-certfile", "/c"]}]}, "status": ready})));
        }
        o.push(("", "pods", json!({"metadata": {"name": "m-kserve-router-scheduler-x", "namespace": ns,
            "labels": {"app.kubernetes.io/name": "m", "app.kubernetes.io/part-of": "llminferenceservice", "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
            "spec": {"containers": [{"name": "main", "args": ["--secure-serving", "--cert-path", "/var/run/kserve/tls"]}]}, "status": ready})));
        o.push(("", "pods", json!({"metadata": {"name": "unrelated", "namespace": ns, "labels": {"app": "x"}}, "status": ready})));
        o.push(("", "services", json!({"metadata": {"name": "m-epp-service", "namespace": ns,
            "labels": {"app.kubernetes.io/name": "m", "app.kubernetes.io/part-of": "llminferenceservice", "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
            "spec": {"ports": [{"name": "grpc", "port": 9002}, {"name": "metrics", "port": 9090}]}})));
        o.push(("inference.networking.x-k8s.io", "inferencepools", json!({"metadata": {"name": "m-inference-pool", "namespace": ns},
            "spec": {"selector": {"app.kubernetes.io/name": "m", "kserve.io/component": "workload"}, "targetPortNumber": 8000, "extensionRef": {"name": "m-epp-service"}},
            "status": {"parent": [{"parentRef": {"name": "openshift-ai-inference", "namespace": "openshift-ingress"},
              "conditions": [{"type": "Accepted", "status": "True"}, {"type": "ResolvedRefs", "status": "True"}]}]}})));
        o.push(("gateway.networking.k8s.io", "httproutes", json!({"metadata": {"name": "m-kserve-route", "namespace": ns},
            "spec": {"parentRefs": [{"name": "openshift-ai-inference", "namespace": "openshift-ingress"}],
              "rules": [{"backendRefs": [{"group": "inference.networking.x-k8s.io", "kind": "InferencePool", "name": "m-inference-pool", "port": 8000}]}]},
            "status": {"parents": [{"parentRef": {"name": "openshift-ai-inference", "namespace": "openshift-ingress"},
              "conditions": [{"type": "Accepted", "status": "True"}, {"type": "ResolvedRefs", "status": "True"}]}]}})));
        o.push(("monitoring.coreos.com", "podmonitors", json!({"metadata": {"name": "kserve-llm-isvc-vllm-engine", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "llminferenceservice"},
                "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": ["llminferenceservice-workload"]}]},
              "podMetricsEndpoints": [{"targetPort": 8000, "scheme": "https",
                "metricRelabelings": [{"sourceLabels": ["__name__"], "targetLabel": "__name__", "replacement": "kserve_$1", "action": "replace"}]}]}})));
        o.push(("monitoring.coreos.com", "servicemonitors", json!({"metadata": {"name": "kserve-llm-isvc-scheduler", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/component": "llminferenceservice-router-scheduler", "app.kubernetes.io/part-of": "llminferenceservice"}},
              "endpoints": [{"port": "metrics", "authorization": {"credentials": {"name": "kserve-metrics-reader-sa-secret", "key": "token"}}}]}})));
        o.push((
            "",
            "secrets",
            json!({"metadata": {"name": "kserve-metrics-reader-sa-secret", "namespace": ns,
            "annotations": {"kubernetes.io/service-account.name": "kserve-metrics-reader-sa"}},
            "type": "kubernetes.io/service-account-token", "data": {"token": "dG9rZW4="}}),
        ));
    }
    o
}

async fn serve(fake: Arc<Fake>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(handle).with_state(fake);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn kubeconfig(dir: &tempfile::TempDir, server: &str) -> std::path::PathBuf {
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"{server}\"}}\n\
             users:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u, namespace: default}}\n\
             current-context: x\n"
        ),
    )
    .unwrap();
    path
}

struct Run {
    requests: Vec<String>,
    elapsed: std::time::Duration,
    snap: oc_llmd::cluster::model::Snapshot,
}

async fn gather_on(namespaces: usize, forbidden: Vec<&'static str>, latency_ms: u64) -> Run {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = Arc::new(Fake {
        served: SERVED.to_vec(),
        forbidden,
        objects: cluster(namespaces),
        log: Mutex::new(Vec::new()),
        latency_ms,
    });
    let server = serve(fake.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let global = GlobalArgs {
        kubeconfig: Some(kubeconfig(&dir, &server)),
        ..Default::default()
    };
    let cluster = connect(&global).await.unwrap();
    let started = std::time::Instant::now();
    let snap = gather(&cluster, &Scope::All, Some("v1.32.5".into())).await;
    let elapsed = started.elapsed();
    let requests = fake.log.lock().unwrap().clone();
    Run {
        requests,
        elapsed,
        snap,
    }
}

#[tokio::test]
async fn request_count_does_not_grow_with_namespaces() {
    let small = gather_on(3, vec![], 0).await;
    let large = gather_on(60, vec![], 0).await;
    assert_eq!(small.snap.llmisvcs.len(), 3);
    assert_eq!(large.snap.llmisvcs.len(), 60);
    assert_eq!(
        small.requests.len(),
        large.requests.len(),
        "{:#?}",
        large.requests
    );
    // Nothing is read per model namespace or per object.
    assert!(
        large
            .requests
            .iter()
            .all(|r| !r.contains("/namespaces/ns-")),
        "{:#?}",
        large.requests
    );
    // Read-only: the only POSTs are SelfSubjectAccessReviews.
    assert!(
        large
            .requests
            .iter()
            .filter(|r| !r.starts_with("GET "))
            .all(|r| r.starts_with("POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"))
    );
    // Pods are selected by label; unrelated pods never reach the snapshot.
    assert_eq!(large.snap.pods.len(), 180);
}

#[tokio::test]
async fn missing_and_forbidden_apis_are_facts() {
    let run_ = gather_on(2, vec!["clusterrolebindings"], 0).await;
    let snap = &run_.snap;
    assert_eq!(snap.list_state(keys::GRAFANAS), ListState::NotInstalled);
    assert_eq!(snap.list_state(keys::POOL_V1), ListState::NotInstalled);
    assert!(matches!(
        snap.list_state(keys::CLUSTERROLEBINDINGS),
        ListState::Forbidden(_)
    ));
    assert_eq!(snap.monitoring.uwm_enabled, Some(true));
    assert_eq!(snap.cluster.openshift_version.as_deref(), Some("4.19.9"));
    let results = run(&Model::new(snap), &Selection::default());
    let status = |id: &str| {
        results
            .iter()
            .filter(|r| r.id == id)
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(status("grafana-operator"), [Status::Error]);
    assert_eq!(status("grafana-rbac"), [Status::Skipped]);
    assert_eq!(status("permissions"), [Status::Warn]);
    assert_eq!(status("serving-crds"), [Status::Ok]);
    assert_eq!(status("inferencepool"), [Status::Ok, Status::Ok]);
    // Only ns-0's EPP is pinned by the EnvoyFilter; with two models on one gateway that is enough.
    assert_eq!(status("extproc-wiring"), [Status::Ok]);
    let errors: Vec<&str> = results
        .iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(errors, ["grafana-operator"], "{results:#?}");
}

#[tokio::test]
async fn binary_prints_the_table_and_exits_1_on_findings() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = Arc::new(Fake {
        served: SERVED.to_vec(),
        forbidden: vec![],
        objects: cluster(2),
        log: Mutex::new(Vec::new()),
        latency_ms: 0,
    });
    let server = serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&dir, &server);
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("kubectl-llmd")
            .unwrap()
            .args(["doctor", "--kubeconfig"])
            .arg(&kc)
            .args(["--color", "never"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("× grafana-operator"), "{stdout}");
    assert!(stdout.contains("    fix:  oc llmd install-monitoring --install-operator"));
    assert!(stdout.contains("✔ extproc-wiring"));
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.contains(" ok, ")),
        "{stdout}"
    );
}

#[tokio::test]
async fn requests_run_concurrently_under_latency() {
    // 20 ms per request: one round of ~50 sequential requests would take about a second.
    let base = gather_on(60, vec![], 0).await;
    eprintln!("gather: {} ms without latency", base.elapsed.as_millis());
    let r = gather_on(60, vec![], 20).await;
    let n = r.requests.len();
    eprintln!(
        "gather: {n} requests, {} ms at 20 ms latency",
        r.elapsed.as_millis()
    );
    assert!(n > 40);
    // Sequential requests would add n * 20 ms (> 800 ms) to the no-latency time; concurrent
    // ones add about one round trip per batch. Generous bound for a loaded 2-core machine.
    let added = r.elapsed.saturating_sub(base.elapsed);
    assert!(
        added < std::time::Duration::from_millis(20 * n as u64 / 2),
        "{n} requests took {:?} ({:?} without latency)",
        r.elapsed,
        base.elapsed
    );
}

/// Run the binary against a fresh fake (2 healthy models, no Grafana) with extra args.
async fn binary(args: &[&str]) -> std::process::Output {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = Arc::new(Fake {
        served: SERVED.to_vec(),
        forbidden: vec![],
        objects: cluster(2),
        log: Mutex::new(Vec::new()),
        latency_ms: 0,
    });
    let server = serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(&dir, &server);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("kubectl-llmd")
            .unwrap()
            .arg("doctor")
            .arg("--kubeconfig")
            .arg(&kc)
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn binary_json_ignore_and_usage_errors() {
    let out = binary(&["-o", "json", "--ignore", "grafana-operator"]).await;
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "DoctorReport");
    assert_eq!(v["success"], true);
    assert_eq!(v["summary"]["error"], 0);
    // Dependents of an ignored failing check are still skipped, with the reason.
    let instance = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "grafana-instance")
        .unwrap();
    assert_eq!(instance["status"], "skipped");
    assert_eq!(instance["message"], "skipped: grafana-operator failed");

    let out = binary(&["-o", "short", "--category", "serving,gateway"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "19 ok, 0 warnings, 0 errors, 1 skipped\n"
    );

    let out = binary(&["--check", "no-such-check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown check id"));
}
