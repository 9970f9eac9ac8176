//! The simulated gateways: one plain-HTTP listener on 127.0.0.1 per Gateway object present when
//! the [`crate::world::World`] starts, playing that Gateway's Envoy and the vLLM behind it.
//!
//! Addressing: each Gateway gets its own port (no Host-header routing), published as
//! [`GatewayEndpoint::url`]; the Gateway objects keep the addresses the scenario gives them (an
//! ELB host name, as on a real cluster), so clients reach a simulated gateway the way a user
//! behind a port-forward does: `oc llmd doctor --probe --probe-address NAME=URL`. `demo serve`
//! writes the mapping next to the kubeconfig.
//!
//! Each request is decided from the live objects (re-listed only when the store's
//! resourceVersion moved, so a request costs a few map lookups):
//! * the route: HTTPRoutes whose parentRefs name this Gateway, longest `PathPrefix`/`Exact` match,
//!   `URLRewrite` `ReplacePrefixMatch` applied; no match → 404 (empty body, as Envoy);
//! * the upstream: the LLMInferenceService behind the rule's backend (the InferencePool's or
//!   Service's `app.kubernetes.io/name` label, else the route's label or owner reference); no ready vLLM pod → 503 `no healthy upstream`;
//! * POSTs to a rule whose backend is an InferencePool while [`crate::wiring::gateway_wiring`]
//!   says the body does not reach vLLM (`gateway.emulateExtprocGap` on an affected Istio) → 400
//!   with FastAPI's missing-body detail (`"msg": "Field required"`), the guide's "body required";
//! * vLLM's OpenAI API on the rewritten path: `GET /v1/models` lists the served model
//!   (`spec.model.name`, else the service name); `POST /v1/chat/completions` and
//!   `/v1/completions` answer 200 with a one-token completion, 404 naming the model when the
//!   request's `model` is not the served one, 400 on a body that is not a JSON object.
//!
//! Not simulated: TLS listeners (every listener is served as plain HTTP), authentication
//! policies, streaming responses, and the probe's own requests moving the metrics (the EPP and
//! vLLM counters follow the scenario's traffic profile; whether the EPP sees it follows the same
//! wiring decision, see [`crate::traffic`]).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::cluster::StoreHandle;
use crate::error::SimError;
use crate::metrics::{PodKind, pod_kind};
use crate::traffic::pod_ready;
use crate::wiring::{backend_service, gateway_wiring};

/// Kinds a gateway request reads.
const GATEWAY_KINDS: &[(&str, &str)] = &[
    ("gateway.networking.k8s.io", "HTTPRoute"),
    ("serving.kserve.io", "LLMInferenceService"),
    ("", "Pod"),
    ("", "Service"),
    ("inference.networking.x-k8s.io", "InferencePool"),
    ("inference.networking.k8s.io", "InferencePool"),
    ("networking.istio.io", "EnvoyFilter"),
    ("sailoperator.io", "Istio"),
    ("apps", "Deployment"),
];

/// vLLM's (FastAPI's) answer to a POST without a body.
pub const MISSING_BODY: &str =
    r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#;

/// Where one simulated Gateway listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayEndpoint {
    pub namespace: String,
    pub name: String,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

struct GatewayState {
    store: StoreHandle,
    namespace: String,
    name: String,
    emulate_gap: bool,
    /// (resourceVersion, objects) of the last listing.
    cache: Mutex<Option<(u64, Arc<Vec<Value>>)>>,
}

impl GatewayState {
    fn objects(&self) -> Arc<Vec<Value>> {
        let rv = self.store.resource_version();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_rv, objects)) = cache.as_ref()
            && *cached_rv == rv
        {
            return objects.clone();
        }
        let objects: Arc<Vec<Value>> = Arc::new(
            GATEWAY_KINDS
                .iter()
                .flat_map(|(g, k)| self.store.list_kind(g, k))
                .collect(),
        );
        *cache = Some((rv, objects.clone()));
        objects
    }
}

/// Start one listener per Gateway in the store.
pub async fn start_all(
    store: StoreHandle,
    emulate_gap: bool,
) -> Result<(Vec<GatewayEndpoint>, Vec<JoinHandle<()>>), SimError> {
    let mut endpoints = Vec::new();
    let mut tasks = Vec::new();
    for gw in store.list_kind("gateway.networking.k8s.io", "Gateway") {
        let text = |p: &str| {
            gw.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (namespace, name) = (text("/metadata/namespace"), text("/metadata/name"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| SimError::Bind { port: 0, source })?;
        let addr = listener.local_addr().map_err(|source| SimError::Io {
            context: format!("reading the address of gateway {namespace}/{name}"),
            source,
        })?;
        let state = Arc::new(GatewayState {
            store: store.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            emulate_gap,
            cache: Mutex::new(None),
        });
        let app = Router::new().fallback(handle).with_state(state);
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        endpoints.push(GatewayEndpoint {
            namespace,
            name,
            url: format!("http://{addr}"),
        });
    }
    Ok((endpoints, tasks))
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The matched rule: its backend kind, the owning service and the upstream path.
struct Matched {
    pool_backend: bool,
    route_namespace: String,
    service: Option<String>,
    upstream_path: String,
}

/// Whether a route's parentRefs name this gateway.
fn attached(route: &Value, gw_ns: &str, gw_name: &str) -> bool {
    let route_ns = str_at(route, "/metadata/namespace").unwrap_or("");
    route
        .pointer("/spec/parentRefs")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|p| {
                str_at(p, "/kind").unwrap_or("Gateway") == "Gateway"
                    && str_at(p, "/name") == Some(gw_name)
                    && str_at(p, "/namespace").unwrap_or(route_ns) == gw_ns
            })
        })
}

/// Length of the match of `path` against one HTTPRoute path match, if it matches.
fn path_match(m: &Value, path: &str) -> Option<usize> {
    let kind = str_at(m, "/path/type").unwrap_or("PathPrefix");
    let value = str_at(m, "/path/value").unwrap_or("/");
    match kind {
        "Exact" => (path == value).then_some(value.len()),
        _ => {
            let prefix = value.trim_end_matches('/');
            let ok = prefix.is_empty()
                || path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'));
            ok.then_some(prefix.len())
        }
    }
}

/// The LLMInferenceService behind a rule: its first backend's `app.kubernetes.io/name`, else the
/// route's own label or owner reference.
fn rule_service(objects: &[Value], route: &Value, rule: &Value) -> Option<String> {
    let route_ns = str_at(route, "/metadata/namespace").unwrap_or("");
    rule.get("backendRefs")
        .and_then(Value::as_array)
        .and_then(|b| b.iter().find_map(|b| backend_service(objects, route_ns, b)))
        .or_else(|| {
            route
                .pointer("/metadata/labels/app.kubernetes.io~1name")
                .and_then(Value::as_str)
        })
        .or_else(|| {
            route
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)?
                .iter()
                .find(|r| str_at(r, "/kind") == Some("LLMInferenceService"))
                .and_then(|r| str_at(r, "/name"))
        })
        .map(str::to_string)
}

fn find_rule(objects: &[Value], gw_ns: &str, gw_name: &str, path: &str) -> Option<Matched> {
    let mut best: Option<(usize, Matched)> = None;
    for route in objects
        .iter()
        .filter(|o| str_at(o, "/kind") == Some("HTTPRoute") && attached(o, gw_ns, gw_name))
    {
        let rules = route
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for rule in rules {
            let matches = rule
                .get("matches")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_else(|| vec![json!({})]);
            for m in &matches {
                let Some(len) = path_match(m, path) else {
                    continue;
                };
                if best.as_ref().is_some_and(|(l, _)| *l >= len) {
                    continue;
                }
                let prefix = str_at(m, "/path/value")
                    .unwrap_or("/")
                    .trim_end_matches('/');
                let rewrite = rule
                    .get("filters")
                    .and_then(Value::as_array)
                    .and_then(|fs| {
                        fs.iter().find_map(|f| {
                            (str_at(f, "/type") == Some("URLRewrite"))
                                .then(|| str_at(f, "/urlRewrite/path/replacePrefixMatch"))
                                .flatten()
                        })
                    });
                let upstream_path = match rewrite {
                    Some(replacement) => {
                        let rest = path.get(prefix.len()..).unwrap_or("");
                        let joined = format!("{}{rest}", replacement.trim_end_matches('/'));
                        if joined.is_empty() {
                            "/".to_string()
                        } else {
                            joined
                        }
                    }
                    None => path.to_string(),
                };
                let pool_backend = rule
                    .get("backendRefs")
                    .and_then(Value::as_array)
                    .is_some_and(|b| {
                        b.iter()
                            .any(|b| str_at(b, "/kind") == Some("InferencePool"))
                    });
                best = Some((
                    len,
                    Matched {
                        pool_backend,
                        route_namespace: str_at(route, "/metadata/namespace")
                            .unwrap_or("")
                            .to_string(),
                        service: rule_service(objects, route, rule),
                        upstream_path,
                    },
                ));
            }
        }
    }
    best.map(|(_, m)| m)
}

fn served_model(objects: &[Value], ns: &str, service: &str) -> Option<String> {
    let isvc = objects.iter().find(|o| {
        str_at(o, "/kind") == Some("LLMInferenceService")
            && str_at(o, "/metadata/namespace") == Some(ns)
            && str_at(o, "/metadata/name") == Some(service)
    })?;
    Some(
        str_at(isvc, "/spec/model/name")
            .unwrap_or(service)
            .to_string(),
    )
}

fn has_ready_vllm(objects: &[Value], ns: &str, service: &str) -> bool {
    objects.iter().any(|o| {
        str_at(o, "/kind") == Some("Pod")
            && str_at(o, "/metadata/namespace") == Some(ns)
            && o.pointer("/metadata/labels/app.kubernetes.io~1name")
                .and_then(Value::as_str)
                == Some(service)
            && pod_kind(o) == Some(PodKind::Decode)
            && pod_ready(o)
    })
}

fn no_upstream() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "no healthy upstream").into_response()
}

async fn handle(
    State(gw): State<Arc<GatewayState>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let objects = gw.objects();
    let Some(m) = find_rule(&objects, &gw.namespace, &gw.name, uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(service) = m.service.as_deref() else {
        return no_upstream();
    };
    let Some(model) = served_model(&objects, &m.route_namespace, service) else {
        return no_upstream();
    };
    if !has_ready_vllm(&objects, &m.route_namespace, service) {
        return no_upstream();
    }
    let body_lost = method == Method::POST
        && m.pool_backend
        && gw.emulate_gap
        && !gateway_wiring(&objects, &gw.namespace, &gw.name).body_reaches_vllm;
    vllm(
        &method,
        &m.upstream_path,
        &model,
        if body_lost { &[] } else { &body },
    )
}

/// vLLM's OpenAI-compatible server for one served model.
fn vllm(method: &Method, path: &str, model: &str, body: &[u8]) -> Response {
    match (method.as_str(), path) {
        ("GET", "/v1/models") => json_response(
            StatusCode::OK,
            json!({"object": "list", "data": [{
                "id": model, "object": "model", "created": 0, "owned_by": "vllm",
                "root": model, "parent": null, "max_model_len": 40960
            }]}),
        ),
        ("POST", "/v1/chat/completions" | "/v1/completions") => {
            if body.is_empty() {
                // FastAPI's own key order (serde_json would sort the keys).
                let mut r = (StatusCode::BAD_REQUEST, MISSING_BODY).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                return r;
            }
            let request: Value = match serde_json::from_slice(body) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"error": {"message": "request body is not a JSON object",
                                         "type": "BadRequestError", "param": null, "code": 400}}),
                    );
                }
            };
            let asked = request.get("model").and_then(Value::as_str).unwrap_or("");
            if asked != model {
                return json_response(
                    StatusCode::NOT_FOUND,
                    json!({"error": {"message": format!("The model `{asked}` does not exist."),
                                     "type": "NotFoundError", "param": "model", "code": 404}}),
                );
            }
            let usage = json!({"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9});
            if path == "/v1/chat/completions" {
                json_response(
                    StatusCode::OK,
                    json!({"id": "chatcmpl-sim", "object": "chat.completion", "created": 0,
                           "model": model, "choices": [{"index": 0, "finish_reason": "length",
                           "message": {"role": "assistant", "content": "Hello"}}], "usage": usage}),
                )
            } else {
                json_response(
                    StatusCode::OK,
                    json!({"id": "cmpl-sim", "object": "text_completion", "created": 0,
                           "model": model, "choices": [{"index": 0, "finish_reason": "length",
                           "text": "Hello"}], "usage": usage}),
                )
            }
        }
        _ => json_response(StatusCode::NOT_FOUND, json!({"detail": "Not Found"})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_on_segment_boundaries() {
        let m = json!({"path": {"type": "PathPrefix", "value": "/ns/q"}});
        assert_eq!(path_match(&m, "/ns/q/v1/models"), Some(5));
        assert_eq!(path_match(&m, "/ns/q"), Some(5));
        assert_eq!(path_match(&m, "/ns/qq"), None);
        let exact = json!({"path": {"type": "Exact", "value": "/a"}});
        assert_eq!(path_match(&exact, "/a/b"), None);
    }

    #[test]
    fn vllm_answers() {
        let ok = vllm(
            &Method::POST,
            "/v1/chat/completions",
            "Qwen/Qwen3-0.6B",
            br#"{"model":"Qwen/Qwen3-0.6B","max_tokens":1}"#,
        );
        assert_eq!(ok.status(), StatusCode::OK);
        let wrong = vllm(
            &Method::POST,
            "/v1/completions",
            "Qwen/Qwen3-0.6B",
            br#"{"model":"qwen3-0-6b"}"#,
        );
        assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
        let missing = vllm(&Method::POST, "/v1/completions", "m", b"");
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            vllm(&Method::GET, "/v1/models", "m", b"").status(),
            StatusCode::OK
        );
    }
}
