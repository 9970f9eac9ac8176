//! A Thanos-Querier-like front for the simulated Prometheus, with OpenShift's token checks.
//!
//! Two routers, like the `thanos-querier` Service in `openshift-monitoring`:
//! * [`ThanosFront::web_router`] (port 9091 `web`): `/api/v1/{query,query_range,series,labels,
//!   label/<name>/values,metadata}`; the [`ThanosAuthorizer`] decides (OpenShift: SAR `get`/`create`
//!   on `prometheuses/api` `k8s` in `openshift-monitoring`, group `monitoring.coreos.com`).
//! * [`ThanosFront::tenancy_router`] (port 9092 `tenancy`): the same minus metadata; requires a
//!   `namespace` query/form parameter (400 without), authorizes against that namespace (OpenShift:
//!   SAR `get pods.metrics.k8s.io`), then enforces it like prom-label-proxy: `namespace="<ns>"` is
//!   set on every vector/matrix selector of the PromQL (an existing `namespace` matcher is
//!   replaced) and on every series/label `match[]` (added when absent).
//!
//! Like kube-rbac-proxy: no token → 401 `Unauthorized`, denied → 403 `Forbidden (user=…, verb=…,
//! resource=…, subresource=…)`; the HTTP method maps to the verb (GET→get, POST→create).
//! Tests steer failures through a [`FaultHandle`] (latency, forced status, garbage body, partial
//! response) and read every request back from the [`QueryLog`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use promql_parser::label::{MatchOp, Matcher, Matchers};
use promql_parser::parser::{self, Expr};
use serde_json::{Value, json};

/// The answer of an authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthDecision {
    Allowed,
    /// The token is missing, unknown or expired (→ 401).
    Unauthenticated,
    /// Authenticated as this user name, but not allowed (→ 403).
    Forbidden(String),
}

/// Decides whether a bearer token may use the front. `method` is the HTTP method (`GET`/`POST`);
/// `tenancy_namespace` is `Some(ns)` on the tenancy port, `None` on the web port.
pub trait ThanosAuthorizer: Send + Sync {
    fn authorize(
        &self,
        token: Option<&str>,
        method: &str,
        tenancy_namespace: Option<&str>,
    ) -> AuthDecision;
}

/// Failure injection, settable while the front runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added before answering.
    pub latency: Duration,
    /// Answer with this status (and a Thanos-style error body) instead of forwarding.
    pub status: Option<u16>,
    /// Answer 200 with a body that is not JSON.
    pub garbage_body: bool,
    /// Drop half of the result series and add a partial-response `warnings` entry.
    pub partial_response: bool,
}

/// Shared handle on the active [`Faults`].
#[derive(Debug, Clone, Default)]
pub struct FaultHandle(Arc<Mutex<Faults>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FaultHandle {
    pub fn set(&self, faults: Faults) {
        *lock(&self.0) = faults;
    }
    pub fn get(&self) -> Faults {
        lock(&self.0).clone()
    }
    pub fn clear(&self) {
        self.set(Faults::default());
    }
}

/// Which listener a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Web,
    Tenancy,
}

/// One request as the front saw it.
#[derive(Debug, Clone)]
pub struct QueryLogEntry {
    pub port: Port,
    pub path: String,
    /// The `query` parameter, else the `match[]` parameters joined by `, `.
    pub query: String,
    pub namespace: Option<String>,
    /// When the request arrived.
    pub start: Instant,
    pub duration: Duration,
    pub status: u16,
}

/// Every request the front answered, in arrival order of completion.
#[derive(Debug, Clone, Default)]
pub struct QueryLog(Arc<Mutex<Vec<QueryLogEntry>>>);

impl QueryLog {
    pub fn entries(&self) -> Vec<QueryLogEntry> {
        lock(&self.0).clone()
    }
    pub fn clear(&self) {
        lock(&self.0).clear();
    }
    /// Wall time from the first request's arrival to the last answer, and the slowest single
    /// request — what "stats takes at most 1.5× its slowest query" is checked against.
    pub fn span_and_slowest(&self) -> Option<(Duration, Duration)> {
        let entries = lock(&self.0);
        let first = entries.iter().map(|e| e.start).min()?;
        let last = entries.iter().map(|e| e.start + e.duration).max()?;
        let slowest = entries.iter().map(|e| e.duration).max()?;
        Some((last.duration_since(first), slowest))
    }

    fn push(&self, entry: QueryLogEntry) {
        lock(&self.0).push(entry);
    }
}

struct Inner {
    prometheus_url: String,
    authorizer: Arc<dyn ThanosAuthorizer>,
    faults: FaultHandle,
    log: QueryLog,
    client: reqwest::Client,
}

/// The front; build routers from it and serve them on two listeners.
#[derive(Clone)]
pub struct ThanosFront {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Ctx {
    inner: Arc<Inner>,
    port: Port,
}

impl ThanosFront {
    /// A front forwarding to Prometheus at `prometheus_url` (e.g. `http://127.0.0.1:9090`).
    pub fn new(prometheus_url: impl Into<String>, authorizer: Arc<dyn ThanosAuthorizer>) -> Self {
        crate::tls::ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                prometheus_url: prometheus_url.into().trim_end_matches('/').to_string(),
                authorizer,
                faults: FaultHandle::default(),
                log: QueryLog::default(),
                client,
            }),
        }
    }

    pub fn faults(&self) -> FaultHandle {
        self.inner.faults.clone()
    }

    pub fn log(&self) -> QueryLog {
        self.inner.log.clone()
    }

    /// The 9091-like router: all data, authorized on `prometheuses/api`.
    pub fn web_router(&self) -> Router {
        let ctx = Ctx {
            inner: self.inner.clone(),
            port: Port::Web,
        };
        common_routes()
            .route("/api/v1/metadata", get(handle).post(handle))
            .with_state(ctx)
    }

    /// The 9092-like router: one namespace per request, enforced.
    pub fn tenancy_router(&self) -> Router {
        common_routes().with_state(Ctx {
            inner: self.inner.clone(),
            port: Port::Tenancy,
        })
    }
}

fn common_routes() -> Router<Ctx> {
    Router::new()
        .route("/api/v1/query", get(handle).post(handle))
        .route("/api/v1/query_range", get(handle).post(handle))
        .route("/api/v1/series", get(handle).post(handle))
        .route("/api/v1/labels", get(handle).post(handle))
        .route("/api/v1/label/{name}/values", get(handle).post(handle))
}

/// Sets `namespace="<ns>"` on every vector and matrix selector of `query` (prom-label-proxy).
pub fn enforce_namespace(query: &str, namespace: &str) -> Result<String, String> {
    let mut expr = parser::parse(query)?;
    inject(&mut expr, namespace);
    Ok(expr.to_string())
}

/// Enforces the namespace on one series selector (`match[]`), which must be a vector selector.
pub fn enforce_namespace_selector(selector: &str, namespace: &str) -> Result<String, String> {
    let mut expr = parser::parse(selector)?;
    if !matches!(expr, Expr::VectorSelector(_)) {
        return Err(format!("match[] must be a series selector: {selector}"));
    }
    inject(&mut expr, namespace);
    Ok(expr.to_string())
}

fn set_namespace(matchers: &mut Matchers, namespace: &str) {
    let matcher = Matcher::new(MatchOp::Equal, "namespace", namespace);
    if matchers.or_matchers.is_empty() {
        matchers.matchers.retain(|m| m.name != "namespace");
        matchers.matchers.push(matcher);
    } else {
        for group in &mut matchers.or_matchers {
            group.retain(|m| m.name != "namespace");
            group.push(matcher.clone());
        }
    }
}

fn inject(expr: &mut Expr, ns: &str) {
    match expr {
        Expr::Aggregate(a) => {
            inject(&mut a.expr, ns);
            if let Some(p) = a.param.as_mut() {
                inject(p, ns);
            }
        }
        Expr::Unary(u) => inject(&mut u.expr, ns),
        Expr::Binary(b) => {
            inject(&mut b.lhs, ns);
            inject(&mut b.rhs, ns);
        }
        Expr::Paren(p) => inject(&mut p.expr, ns),
        Expr::Subquery(s) => inject(&mut s.expr, ns),
        Expr::VectorSelector(vs) => set_namespace(&mut vs.matchers, ns),
        Expr::MatrixSelector(ms) => set_namespace(&mut ms.vs.matchers, ns),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| inject(a, ns)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

fn text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{body}\n"),
    )
        .into_response()
}

fn api_error(status: StatusCode, error_type: &str, error: &str) -> Response {
    (
        status,
        axum::Json(json!({"status": "error", "errorType": error_type, "error": error})),
    )
        .into_response()
}

fn encode(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn handle(
    State(ctx): State<Ctx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let start = Instant::now();
    let path = uri.path().to_string();
    let mut params: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if method == Method::POST && is_form {
        params.extend(form_urlencoded::parse(&body).into_owned());
    }
    let logged_query = params
        .iter()
        .find(|(k, _)| k == "query")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| {
            params
                .iter()
                .filter(|(k, _)| k == "match[]")
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        });
    let namespace = params
        .iter()
        .find(|(k, _)| k == "namespace")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let response = answer(
        &ctx,
        &method,
        &path,
        params,
        namespace.as_deref(),
        bearer(&headers).as_deref(),
    )
    .await;
    ctx.inner.log.push(QueryLogEntry {
        port: ctx.port,
        path,
        query: logged_query,
        namespace,
        start,
        duration: start.elapsed(),
        status: response.status().as_u16(),
    });
    response
}

async fn answer(
    ctx: &Ctx,
    method: &Method,
    path: &str,
    mut params: Vec<(String, String)>,
    namespace: Option<&str>,
    token: Option<&str>,
) -> Response {
    let Some(token) = token else {
        return text(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let tenancy = ctx.port == Port::Tenancy;
    if tenancy && namespace.is_none() {
        return text(
            StatusCode::BAD_REQUEST,
            "Bad Request. The request or configuration is malformed.",
        );
    }
    let verb = match *method {
        Method::GET => "get",
        Method::POST => "create",
        _ => "get",
    };
    match ctx.inner.authorizer.authorize(
        Some(token),
        method.as_str(),
        if tenancy { namespace } else { None },
    ) {
        AuthDecision::Allowed => {}
        AuthDecision::Unauthenticated => return text(StatusCode::UNAUTHORIZED, "Unauthorized"),
        AuthDecision::Forbidden(user) => {
            let (resource, subresource) = if tenancy {
                ("pods", "")
            } else {
                ("prometheuses", "api")
            };
            return text(
                StatusCode::FORBIDDEN,
                &format!(
                    "Forbidden (user={user}, verb={verb}, resource={resource}, subresource={subresource})"
                ),
            );
        }
    }
    if let (true, Some(ns)) = (tenancy, namespace) {
        params.retain(|(k, _)| k != "namespace");
        let result: Result<(), String> = (|| {
            if path.ends_with("/query") || path.ends_with("/query_range") {
                for (k, v) in params.iter_mut() {
                    if k == "query" {
                        *v = enforce_namespace(v, ns)?;
                    }
                }
            } else {
                let mut any = false;
                for (k, v) in params.iter_mut() {
                    if k == "match[]" {
                        *v = enforce_namespace_selector(v, ns)?;
                        any = true;
                    }
                }
                if !any {
                    params.push(("match[]".to_string(), format!("{{namespace=\"{ns}\"}}")));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            return api_error(StatusCode::BAD_REQUEST, "bad_data", &e);
        }
    }

    let faults = ctx.inner.faults.get();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if let Some(code) = faults.status {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return api_error(
            status,
            "unavailable",
            "simulated failure injected by the test harness",
        );
    }
    if faults.garbage_body {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html>\u{0}not json",
        )
            .into_response();
    }

    let url = format!("{}{path}", ctx.inner.prometheus_url);
    let request = if *method == Method::POST {
        ctx.inner
            .client
            .post(&url)
            .header(
                header::CONTENT_TYPE.as_str(),
                "application/x-www-form-urlencoded",
            )
            .body(encode(&params))
    } else {
        ctx.inner.client.get(format!("{url}?{}", encode(&params)))
    };
    let upstream = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            return api_error(
                StatusCode::BAD_GATEWAY,
                "unavailable",
                &format!("querying prometheus: {e}"),
            );
        }
    };
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = upstream
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let bytes = match upstream.bytes().await {
        Ok(b) => b,
        Err(e) => {
            return api_error(
                StatusCode::BAD_GATEWAY,
                "unavailable",
                &format!("reading prometheus: {e}"),
            );
        }
    };
    if faults.partial_response
        && status == StatusCode::OK
        && let Ok(mut body) = serde_json::from_slice::<Value>(&bytes)
    {
        make_partial(&mut body);
        return (status, axum::Json(body)).into_response();
    }
    (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

/// Keeps the first half of the result and adds a Thanos partial-response warning.
fn make_partial(body: &mut Value) {
    let list = match body.get_mut("data") {
        Some(Value::Array(a)) => Some(a),
        Some(Value::Object(o)) => o.get_mut("result").and_then(Value::as_array_mut),
        _ => None,
    };
    if let Some(list) = list {
        let keep = list.len() / 2;
        list.truncate(keep);
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "warnings".to_string(),
            json!(["fetch series: rpc error: code = Unavailable desc = store prometheus-user-workload-1 unavailable (simulated partial response)"]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_injected_into_every_selector() {
        let q = "histogram_quantile(0.95, sum by (le) (rate(kserve_vllm:e2e_request_latency_seconds_bucket{model_name=\"m\"}[5m])))";
        let out = enforce_namespace(q, "llm").unwrap();
        assert!(out.contains("namespace=\"llm\""), "{out}");
        assert!(out.contains("model_name=\"m\""), "{out}");
        let reparsed = parser::parse(&out).unwrap();
        assert_eq!(reparsed.to_string(), out);

        let out = enforce_namespace(
            "sum(rate(a[1m])) / sum(b{namespace=\"other\"}) + on() group_left c offset 5m",
            "ns1",
        )
        .unwrap();
        assert_eq!(out.matches("namespace=\"ns1\"").count(), 3, "{out}");
        assert!(!out.contains("other"), "{out}");

        let out = enforce_namespace("max_over_time(up[10m:1m])", "x").unwrap();
        assert!(out.contains("up{namespace=\"x\"}"), "{out}");
        assert_eq!(enforce_namespace("1 + 2", "x").unwrap(), "1 + 2");
        assert!(enforce_namespace("sum(", "x").is_err());
    }

    #[test]
    fn series_selectors_are_enforced_and_validated() {
        let out = enforce_namespace_selector("{__name__=~\"kserve_vllm:.*\"}", "llm").unwrap();
        assert!(
            out.contains("namespace=\"llm\"") && out.contains("__name__=~"),
            "{out}"
        );
        assert!(enforce_namespace_selector("rate(x[1m])", "llm").is_err());
    }

    #[test]
    fn query_log_measures_span_and_slowest() {
        let log = QueryLog::default();
        assert!(log.span_and_slowest().is_none());
        let t0 = Instant::now();
        let entry = |offset_ms: u64, ms: u64| QueryLogEntry {
            port: Port::Web,
            path: "/api/v1/query".into(),
            query: "up".into(),
            namespace: None,
            start: t0 + Duration::from_millis(offset_ms),
            duration: Duration::from_millis(ms),
            status: 200,
        };
        log.push(entry(0, 100));
        log.push(entry(50, 300));
        log.push(entry(10, 20));
        let (span, slowest) = log.span_and_slowest().unwrap();
        assert_eq!(
            (span, slowest),
            (Duration::from_millis(350), Duration::from_millis(300))
        );
        log.clear();
        assert!(log.entries().is_empty());
    }

    #[test]
    fn partial_response_halves_the_result() {
        let mut body =
            json!({"status": "success", "data": {"resultType": "vector", "result": [1, 2, 3, 4]}});
        make_partial(&mut body);
        assert_eq!(body["data"]["result"].as_array().unwrap().len(), 2);
        assert!(body["warnings"][0].as_str().unwrap().contains("partial"));
    }
}
