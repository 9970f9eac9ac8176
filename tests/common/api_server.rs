//! A minimal Kubernetes API for the `--source pods` tests: lists of Pods and
//! LLMInferenceServices, the pod proxy to the simulated `/metrics`, and the Thanos Route lookup
//! (404: not OpenShift). Every request needs the bearer token.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use llmd_sim::metrics::{MetricsState, render_pod_metrics};
use serde_json::{Value, json};

#[derive(Clone)]
struct Api {
    state: MetricsState,
    token: String,
    route_host: Option<String>,
    pub proxied: Arc<AtomicUsize>,
}

fn status(code: u16, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": message, "code": code});
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn authorized(api: &Api, headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {}", api.token))
}

fn list(api: &Api, kind: &str, ns: Option<&str>) -> Response {
    let items: Vec<Value> = (api.state.objects)()
        .iter()
        .filter(|o| o["kind"] == kind)
        .filter(|o| ns.is_none_or(|n| o["metadata"]["namespace"] == n))
        .cloned()
        .collect();
    let body = json!({"apiVersion": "v1", "kind": format!("{kind}List"),
        "metadata": {"resourceVersion": "1"}, "items": items});
    ([("content-type", "application/json")], body.to_string()).into_response()
}

async fn pods_all(State(api): State<Api>, headers: HeaderMap) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    list(&api, "Pod", None)
}

async fn pods_ns(State(api): State<Api>, headers: HeaderMap, Path(ns): Path<String>) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    list(&api, "Pod", Some(&ns))
}

async fn isvc_all(State(api): State<Api>, headers: HeaderMap) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    list(&api, "LLMInferenceService", None)
}

async fn isvc_ns(State(api): State<Api>, headers: HeaderMap, Path(ns): Path<String>) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    list(&api, "LLMInferenceService", Some(&ns))
}

async fn proxy(
    State(api): State<Api>,
    headers: HeaderMap,
    Path((ns, target)): Path<(String, String)>,
) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    api.proxied.fetch_add(1, Ordering::Relaxed);
    // [scheme:]name:port
    let parts: Vec<&str> = target.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [name, port] | [_, name, port] => (*name, *port),
        _ => return status(400, "bad proxy target"),
    };
    match render_pod_metrics(&api.state, &ns, name, Some(port)) {
        Ok(text) => text.into_response(),
        Err(e) => status(e.status(), &e.to_string()),
    }
}

async fn route(State(api): State<Api>, headers: HeaderMap) -> Response {
    if !authorized(&api, &headers) {
        return status(401, "Unauthorized");
    }
    match &api.route_host {
        Some(host) => {
            let body = json!({"apiVersion": "route.openshift.io/v1", "kind": "Route",
                "metadata": {"name": "thanos-querier", "namespace": "openshift-monitoring"},
                "spec": {"host": host, "port": {"targetPort": "web"}, "tls": {"termination": "reencrypt"}}});
            ([("content-type", "application/json")], body.to_string()).into_response()
        }
        None => status(
            404,
            "routes.route.openshift.io \"thanos-querier\" not found",
        ),
    }
}

/// Serve on a free port without a Thanos route (not OpenShift); returns the base URL and the
/// proxied-request counter.
pub async fn serve(state: MetricsState, token: &str) -> (String, Arc<AtomicUsize>) {
    serve_with_route(state, token, None).await
}

/// Serve on a free port; `route_host` is the `thanos-querier` Route's `spec.host`, if any.
pub async fn serve_with_route(
    state: MetricsState,
    token: &str,
    route_host: Option<&str>,
) -> (String, Arc<AtomicUsize>) {
    let proxied = Arc::new(AtomicUsize::new(0));
    let api = Api {
        state,
        token: token.to_string(),
        route_host: route_host.map(str::to_string),
        proxied: proxied.clone(),
    };
    let router = Router::new()
        .route("/api/v1/pods", get(pods_all))
        .route("/api/v1/namespaces/{ns}/pods", get(pods_ns))
        .route(
            "/apis/serving.kserve.io/v1alpha1/llminferenceservices",
            get(isvc_all),
        )
        .route(
            "/apis/serving.kserve.io/v1alpha1/namespaces/{ns}/llminferenceservices",
            get(isvc_ns),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods/{target}/proxy/metrics",
            get(proxy),
        )
        .route(
            "/apis/route.openshift.io/v1/namespaces/openshift-monitoring/routes/thanos-querier",
            get(route),
        )
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, proxied)
}

/// A kubeconfig for `server` with a bearer token.
pub fn kubeconfig(server: &str, token: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: {server}\n\
         contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n    namespace: default\nusers:\n- name: u\n  user:\n    token: {token}\n"
    )
    .unwrap();
    file
}
