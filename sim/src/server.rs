//! The HTTP front of the simulated API server: authentication, authorization, fault injection, the
//! request log, path parsing and every verb on every resource.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::apply::{dotted, record_update, server_side_apply, strategic_merge};
use crate::controllers;
use crate::discovery;
use crate::faults::{Decision, FaultState, Faults, RequestRecord};
use crate::rbac::{Attributes, authorize};
use crate::resources::{ResKey, ResourceInfo};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiError;
use crate::store::{
    EventType, Store, UserInfo, WatchEvent, fill_new_metadata, identity, set_str, set_value,
};
use crate::util::{now_secs, parse_query, random_suffix, rfc3339};

/// Answers HTTP requests to a pod (through `pods/{name}:{port}/proxy/{path}`): given the Pod object,
/// the port and the path (with `?query` when present), returns (status, content type, body), or
/// `None` when nothing listens there.
pub type PodHttpHook =
    Arc<dyn Fn(&Value, u16, &str) -> Option<(u16, String, String)> + Send + Sync>;

/// Everything a request handler can reach.
pub struct AppState {
    pub store: RwLock<Store>,
    pub faults: Mutex<FaultState>,
    pub log: Mutex<Vec<RequestRecord>>,
    pub started: Instant,
    /// `127.0.0.1:port`.
    pub addr: String,
    pub hook: Option<PodHttpHook>,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }
    pub fn faults(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn log(&self) -> std::sync::MutexGuard<'_, Vec<RequestRecord>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Resp = Response<Body>;

fn json_resp(code: u16, v: &Value) -> Resp {
    let body = serde_json::to_vec(v).unwrap_or_default();
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn error_resp(e: &ApiError) -> Resp {
    let mut r = json_resp(e.code, &e.body());
    if let Some(s) = e.retry_after
        && let Ok(v) = s.to_string().parse()
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn text_resp(code: u16, content_type: &str, body: String) -> Resp {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

/// A parsed resource request path.
#[derive(Debug, Clone, Default)]
struct Target {
    group: String,
    version: String,
    namespace: Option<String>,
    plural: String,
    name: Option<String>,
    sub: Option<String>,
    /// For proxy: the rest of the path after `proxy` (without leading slash).
    rest: String,
}

enum Parsed {
    NonResource,
    Resource(Target),
}

fn parse_path(path: &str) -> Parsed {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] if !v.is_empty() => (String::new(), v.to_string(), rest),
        ["apis", g, v, rest @ ..] if !v.is_empty() => (g.to_string(), v.to_string(), rest),
        _ => return Parsed::NonResource,
    };
    let rest: Vec<&str> = rest.to_vec();
    if rest.is_empty() || rest == [""] {
        return Parsed::NonResource;
    }
    let (namespace, rest) = if rest[0] == "namespaces"
        && rest.len() >= 3
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"))
    {
        (Some(rest[1].to_string()), rest[2..].to_vec())
    } else {
        (None, rest)
    };
    let mut t = Target {
        group,
        version,
        namespace,
        plural: rest[0].to_string(),
        ..Default::default()
    };
    if let Some(n) = rest.get(1).filter(|n| !n.is_empty()) {
        t.name = Some(n.to_string());
    }
    if let Some(s) = rest.get(2).filter(|s| !s.is_empty()) {
        t.sub = Some(s.to_string());
    }
    if rest.len() > 3 {
        t.rest = rest[3..].join("/");
    }
    Parsed::Resource(t)
}

fn verb_for(method: &Method, t: &Target, watch: bool) -> &'static str {
    if t.sub.as_deref() == Some("proxy") {
        return match *method {
            Method::GET | Method::HEAD => "get",
            Method::POST => "create",
            Method::PUT => "update",
            Method::PATCH => "patch",
            Method::DELETE => "delete",
            _ => "get",
        };
    }
    match (method.clone(), t.name.is_some()) {
        (Method::GET, false) if watch => "watch",
        (Method::GET, false) => "list",
        (Method::GET, true) if watch => "watch",
        (Method::GET, true) => "get",
        (Method::POST, _) => "create",
        (Method::PUT, _) => "update",
        (Method::PATCH, _) => "patch",
        (Method::DELETE, true) => "delete",
        (Method::DELETE, false) => "deletecollection",
        _ => "unknown",
    }
}

fn truthy(v: Option<&String>) -> bool {
    v.is_some_and(|v| v == "true" || v == "1")
}

/// Authenticates the bearer token (and impersonation headers).
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<UserInfo, ApiError> {
    let unauthorized = || ApiError::new(401, "Unauthorized", "Unauthorized");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorized)?;
    let user = state
        .read()
        .tokens
        .get(token)
        .cloned()
        .ok_or_else(unauthorized)?;
    let Some(imp) = headers
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(user);
    };
    if !user.is_master() {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!(
                "users \"{imp}\" is forbidden: User \"{}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                user.name
            ),
        ));
    }
    let mut groups: Vec<String> = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    if let Some(rest) = imp.strip_prefix("system:serviceaccount:")
        && let Some((ns, _)) = rest.split_once(':')
    {
        groups.push("system:serviceaccounts".into());
        groups.push(format!("system:serviceaccounts:{ns}"));
    }
    groups.push("system:authenticated".into());
    Ok(UserInfo {
        name: imp.to_string(),
        uid: String::new(),
        groups,
    })
}

/// Entry point for one HTTP request. `drop_conn` closes the connection without a response.
pub async fn handle(
    state: Arc<AppState>,
    req: Request<hyper::body::Incoming>,
    drop_conn: Arc<Notify>,
) -> Result<Resp, Infallible> {
    let start = Instant::now();
    let start_ms = start.duration_since(state.started).as_secs_f64() * 1000.0;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    if path.starts_with("/_sim/") {
        return Ok(control(&state, req).await);
    }
    if controllers::has_due(&state.read()) {
        controllers::run_due(&mut state.write());
    }
    let user = authenticate(&state, req.headers());
    let user_name = user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    let latency = state.faults().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let outcome = match user {
        Err(e) => Outcome::Resp(error_resp(&e)),
        Ok(user) => dispatch(&state, req, &user).await,
    };
    let (resp, status) = match outcome {
        Outcome::Resp(r) => {
            let s = r.status().as_u16();
            (Some(r), s)
        }
        Outcome::Drop => (None, 0),
    };
    state.log().push(RequestRecord {
        start_ms,
        method: method.to_string(),
        path: path_q,
        status,
        duration_ms: start.elapsed().as_secs_f64() * 1000.0,
        user: user_name,
    });
    match resp {
        Some(r) => Ok(r),
        None => {
            drop_conn.notify_one();
            // The connection task drops the connection; this future is never polled to completion.
            std::future::pending::<()>().await;
            Ok(Response::default())
        }
    }
}

enum Outcome {
    Resp(Resp),
    Drop,
}

async fn read_body(req: Request<hyper::body::Incoming>) -> Result<Bytes, ApiError> {
    req.into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| ApiError::bad_request(format!("cannot read request body: {e}")))
}

fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("request body is not UTF-8"))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    } else if trimmed.is_empty() {
        Ok(Value::Null)
    } else {
        serde_saphyr::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("invalid YAML body: {e}")))
    }
}

async fn dispatch(
    state: &Arc<AppState>,
    req: Request<hyper::body::Incoming>,
    user: &UserInfo,
) -> Outcome {
    let path = req.uri().path().to_string();
    let query: HashMap<String, String> = parse_query(req.uri().query().unwrap_or_default())
        .into_iter()
        .collect();
    let target = match parse_path(&path) {
        Parsed::NonResource => {
            let attrs = Attributes {
                verb: "get".into(),
                path: Some(path.clone()),
                ..Default::default()
            };
            if req.method() != Method::GET {
                return Outcome::Resp(error_resp(&ApiError::new(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                )));
            }
            if !authorize(&state.read(), user, &attrs) {
                return Outcome::Resp(error_resp(&ApiError::new(
                    403,
                    "Forbidden",
                    attrs.forbidden_message(&user.name),
                )));
            }
            return Outcome::Resp(non_resource(state, &path));
        }
        Parsed::Resource(t) => t,
    };
    let watch = truthy(query.get("watch"));
    let verb = verb_for(req.method(), &target, watch);
    let attrs = Attributes {
        verb: verb.to_string(),
        group: target.group.clone(),
        resource: target.plural.clone(),
        subresource: target.sub.clone().unwrap_or_default(),
        name: target
            .name
            .clone()
            .map(|n| {
                n.split(':')
                    .find(|p| !p.is_empty() && *p != "https" && *p != "http")
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default(),
        namespace: target.namespace.clone().unwrap_or_else(|| {
            if target.group.is_empty() && target.plural == "namespaces" && target.sub.is_some() {
                target.name.clone().unwrap_or_default()
            } else {
                String::new()
            }
        }),
        path: None,
    };
    let info = {
        let store = state.read();
        match store.info(&ResKey::new(&target.group, &target.plural)) {
            Some(i) if i.versions.contains(&target.version) => i.clone(),
            _ => {
                return Outcome::Resp(error_resp(&ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )));
            }
        }
    };
    if !authorize(&state.read(), user, &attrs) {
        let mut e = ApiError::new(403, "Forbidden", attrs.forbidden_message(&user.name));
        e = e.with_details(&attrs.name, &attrs.group, &attrs.resource);
        return Outcome::Resp(error_resp(&e));
    }
    let decision = state.faults().decide_named(
        &target.group,
        &target.plural,
        verb,
        &attrs.namespace,
        &attrs.name,
    );
    let mut edit_after = None;
    let mut drop_after = false;
    match decision {
        Decision::Pass => {}
        Decision::Status { code, retry_after } => {
            return Outcome::Resp(error_resp(&ApiError::for_code(code, retry_after)));
        }
        Decision::Drop => return Outcome::Drop,
        Decision::Delay(d) => tokio::time::sleep(d).await,
        Decision::EditAfter { name, patch } => edit_after = Some((name, patch)),
        Decision::DropAfter => drop_after = true,
    }
    if verb == "watch" {
        return Outcome::Resp(watch_resp(state, &info, &target, &query));
    }
    if target.sub.as_deref() == Some("proxy") {
        return Outcome::Resp(proxy(state, &info, &target, req.uri().query()));
    }
    let method = req.method().clone();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let wants_table = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.split(',')
                .next()
                .is_some_and(|first| first.contains("as=Table"))
        });
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = match method {
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE => match read_body(req).await {
            Ok(b) => b,
            Err(e) => return Outcome::Resp(error_resp(&e)),
        },
        _ => Bytes::new(),
    };
    let ctx = Ctx {
        state,
        info: &info,
        t: &target,
        query: &query,
        user,
        content_type,
        user_agent,
        wants_table,
    };
    let result = match verb {
        "get" => ctx.get(),
        "list" => ctx.list(),
        "create" => ctx.create(&body),
        "update" => ctx.update(&body),
        "patch" => ctx.patch(&body),
        "delete" => ctx.delete(&body),
        "deletecollection" => ctx.delete_collection(&body),
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )),
    };
    if let Some((name, patch)) = edit_after {
        edit_object(
            state,
            &ResKey::new(&target.group, &target.plural),
            &attrs.namespace,
            &name,
            &patch,
        );
    }
    if drop_after {
        return Outcome::Drop;
    }
    Outcome::Resp(match result {
        Ok(r) => r,
        Err(e) => error_resp(&e),
    })
}

/// The `Edit` fault: someone else merge-patches the object (field manager `sim-fault`).
fn edit_object(state: &AppState, key: &ResKey, ns: &str, name: &str, patch: &Value) {
    let mut store = state.write();
    let Some(old) = store.get(key, ns, name).cloned() else {
        return;
    };
    let mut new = old.clone();
    json_patch::merge(&mut new, patch);
    if new == old {
        return;
    }
    record_update(Some(&old), &mut new, "sim-fault", "");
    store.put(key, new);
    controllers::after_write(&mut store, key, ns, name);
}

fn non_resource(state: &AppState, path: &str) -> Resp {
    let store = state.read();
    let reg = &store.registry;
    let p = path.trim_end_matches('/');
    let found = match p {
        "/version" => Some(discovery::version()),
        "/api" => Some(discovery::api_versions(&state.addr)),
        "/apis" => Some(discovery::api_group_list(reg)),
        "/openapi/v3" => Some(discovery::openapi_root(reg)),
        "/healthz" | "/livez" | "/readyz" => return text_resp(200, "text/plain", "ok".into()),
        _ => {
            let segs: Vec<&str> = p.trim_start_matches('/').split('/').collect();
            match segs.as_slice() {
                ["api", v] => discovery::resource_list(reg, "", v),
                ["apis", g] => discovery::api_group(reg, g),
                ["apis", g, v] => discovery::resource_list(reg, g, v),
                ["openapi", "v3", "api", v] => discovery::openapi_group_version(reg, "", v),
                ["openapi", "v3", "apis", g, v] => discovery::openapi_group_version(reg, g, v),
                _ => None,
            }
        }
    };
    match found {
        Some(v) => json_resp(200, &v),
        None => text_resp(
            404,
            "text/plain; charset=utf-8",
            "404 page not found\n".into(),
        ),
    }
}

/// Serves a stored object under the requested version.
/// A list answer, written item by item: the stored objects are serialized in place (a clone
/// only when the stored apiVersion/kind differ from the served ones), so listing 1,300 pods
/// costs one pass over them rather than a deep copy of each and then a pass.
fn list_resp(info: &ResourceInfo, version: &str, meta: Value, items: &[&Value]) -> Resp {
    let api_version = info.group_version(version);
    let mut body: Vec<u8> = Vec::with_capacity(4096 + items.len() * 2048);
    let head =
        json!({"kind": format!("{}List", info.kind), "apiVersion": api_version, "metadata": meta});
    if serde_json::to_writer(&mut body, &head).is_err() {
        return json_resp(
            500,
            &json!({"kind": "Status", "status": "Failure", "code": 500}),
        );
    }
    // `{...}` → `{...,"items":[`
    body.pop();
    body.extend_from_slice(b",\"items\":[");
    for (i, obj) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let as_served = obj.get("apiVersion").and_then(Value::as_str) == Some(api_version.as_str())
            && obj.get("kind").and_then(Value::as_str) == Some(info.kind.as_str());
        let written = if as_served {
            serde_json::to_writer(&mut body, obj)
        } else {
            serde_json::to_writer(&mut body, &served(obj, info, version))
        };
        if written.is_err() {
            return json_resp(
                500,
                &json!({"kind": "Status", "status": "Failure", "code": 500}),
            );
        }
    }
    body.extend_from_slice(b"]}");
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn served(obj: &Value, info: &ResourceInfo, version: &str) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.insert("apiVersion".into(), json!(info.group_version(version)));
        m.insert("kind".into(), json!(info.kind));
    }
    o
}

struct Ctx<'a> {
    state: &'a Arc<AppState>,
    info: &'a ResourceInfo,
    t: &'a Target,
    query: &'a HashMap<String, String>,
    user: &'a UserInfo,
    content_type: String,
    user_agent: String,
    /// The client asked for a server-side Table (kubectl get).
    wants_table: bool,
}

fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("metadata");
            m.remove("status");
        }
        v
    };
    strip(old) != strip(new)
}

impl Ctx<'_> {
    fn ns(&self) -> &str {
        if self.info.namespaced {
            self.t.namespace.as_deref().unwrap_or_default()
        } else {
            ""
        }
    }
    fn name(&self) -> &str {
        self.t.name.as_deref().unwrap_or_default()
    }
    fn key(&self) -> ResKey {
        self.info.key()
    }
    fn dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| v == "All")
    }
    fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(&self.info.group, &self.info.plural, name)
    }
    fn manager(&self) -> String {
        self.query.get("fieldManager").cloned().unwrap_or_else(|| {
            let ua = self.user_agent.split('/').next().unwrap_or_default();
            if ua.is_empty() {
                "unknown".into()
            } else {
                ua.to_string()
            }
        })
    }
    fn out(&self, code: u16, obj: &Value) -> Result<Resp, ApiError> {
        Ok(json_resp(code, &served(obj, self.info, &self.t.version)))
    }
    fn check_ns_scope(&self) -> Result<(), ApiError> {
        if self.info.namespaced && self.t.namespace.is_none() && self.t.name.is_some() {
            return Err(ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ));
        }
        Ok(())
    }

    fn get(&self) -> Result<Resp, ApiError> {
        self.check_ns_scope()?;
        let store = self.state.read();
        let obj = store
            .get(&self.key(), self.ns(), self.name())
            .ok_or_else(|| self.not_found(self.name()))?;
        match self.t.sub.as_deref() {
            None if self.wants_table => Ok(json_resp(
                200,
                &self.table(&store, std::slice::from_ref(obj), json!({})),
            )),
            None | Some("status") => self.out(200, obj),
            Some("log") if self.info.plural == "pods" => Ok(text_resp(
                200,
                "text/plain",
                obj.pointer("/metadata/annotations/sim.oc-llmd.io~1log")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )),
            Some("scale") if self.info.scale => {
                let replicas = obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1));
                Ok(json_resp(
                    200,
                    &json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {"name": self.name(), "namespace": self.ns()},
                    "spec": {"replicas": replicas}, "status": {"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0))}}),
                ))
            }
            Some(_) => Err(ApiError::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )),
        }
    }

    fn selectors(&self) -> Result<(LabelSelector, FieldSelector), ApiError> {
        let ls = LabelSelector::parse(
            self.query
                .get("labelSelector")
                .map(String::as_str)
                .unwrap_or_default(),
        )
        .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
        let fs = FieldSelector::parse(
            self.query
                .get("fieldSelector")
                .map(String::as_str)
                .unwrap_or_default(),
        )
        .map_err(ApiError::bad_request)?;
        Ok((ls, fs))
    }

    fn list(&self) -> Result<Resp, ApiError> {
        let (ls, fs) = self.selectors()?;
        let limit: usize = self
            .query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let after: Option<(String, String)> =
            match self.query.get("continue").filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => {
                    let raw = URL_SAFE_NO_PAD
                        .decode(c)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| ApiError::bad_request("continue key is not valid"))?;
                    let (ns, name) = raw
                        .split_once('\u{0}')
                        .ok_or_else(|| ApiError::bad_request("continue key is not valid"))?;
                    Some((ns.to_string(), name.to_string()))
                }
            };
        let store = self.state.read();
        let ns_filter = if self.info.namespaced {
            self.t.namespace.as_deref()
        } else {
            None
        };
        let mut items = Vec::new();
        let mut remaining = 0usize;
        let mut last_key = None;
        for obj in store.list(&self.key(), ns_filter) {
            if let Some(a) = &after
                && identity(obj) <= *a
            {
                continue;
            }
            if !ls.matches(obj) || !fs.matches(obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                remaining += 1;
                continue;
            }
            last_key = Some(identity(obj));
            items.push(obj);
        }
        let mut meta = json!({"resourceVersion": store.current_rv().to_string()});
        if remaining > 0
            && let Some((ns, name)) = last_key
        {
            meta["continue"] = json!(URL_SAFE_NO_PAD.encode(format!("{ns}\u{0}{name}")));
            meta["remainingItemCount"] = json!(remaining);
        }
        if self.wants_table {
            let items: Vec<Value> = items
                .into_iter()
                .map(|o| served(o, self.info, &self.t.version))
                .collect();
            return Ok(json_resp(200, &self.table(&store, &items, meta)));
        }
        Ok(list_resp(self.info, &self.t.version, meta, &items))
    }

    fn table(&self, store: &Store, items: &[Value], meta: Value) -> Value {
        let crd = if self.info.from_crd {
            store.get(
                &ResKey::new("apiextensions.k8s.io", "customresourcedefinitions"),
                "",
                &format!("{}.{}", self.info.plural, self.info.group),
            )
        } else {
            None
        };
        crate::table::table(self.info, crd, items, meta)
    }

    fn check_identity(
        &self,
        obj: &mut Value,
        name_from_path: Option<&str>,
    ) -> Result<(), ApiError> {
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the request body must be a Kubernetes object",
            ));
        }
        if let Some(k) = obj.get("kind").and_then(Value::as_str)
            && k != self.info.kind
        {
            return Err(ApiError::bad_request(format!(
                "the kind {k} in the body does not match the resource {} ({})",
                self.info.plural, self.info.kind
            )));
        }
        let path_ns = self.ns().to_string();
        if self.info.namespaced {
            match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
                Some(n) if !n.is_empty() && n != path_ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => set_str(obj, &["metadata", "namespace"], &path_ns),
            }
        } else if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        if let Some(n) = name_from_path {
            match obj.pointer("/metadata/name").and_then(Value::as_str) {
                Some(b) if !b.is_empty() && b != n => {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({b}) does not match the name on the URL ({n})"
                    )));
                }
                _ => set_str(obj, &["metadata", "name"], n),
            }
        }
        let gv = self.info.group_version(&self.t.version);
        set_str(obj, &["apiVersion"], &gv);
        set_str(obj, &["kind"], &self.info.kind);
        Ok(())
    }

    fn create(&self, body: &[u8]) -> Result<Resp, ApiError> {
        if self.info.create_only {
            return self.review(body);
        }
        if self.info.plural == "serviceaccounts" && self.t.sub.as_deref() == Some("token") {
            return self.token_request(body);
        }
        if self.t.name.is_some() {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ));
        }
        let mut obj = parse_body(body)?;
        self.check_identity(&mut obj, None)?;
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = if name.is_empty() {
            match obj
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
            {
                Some(g) if !g.is_empty() => {
                    let n = format!("{g}{}", random_suffix(5));
                    set_str(&mut obj, &["metadata", "name"], &n);
                    n
                }
                _ => {
                    return Err(ApiError::invalid(
                        &self.info.group,
                        &self.info.kind,
                        "",
                        "metadata.name: Required value: name or generateName is required",
                    ));
                }
            }
        } else {
            name
        };
        let mut store = self.state.write();
        if self.info.namespaced && !store.namespace_exists(self.ns()) {
            return Err(ApiError::not_found("", "namespaces", self.ns()));
        }
        if store.get(&self.key(), self.ns(), &name).is_some() {
            return Err(ApiError::already_exists(
                &self.info.group,
                &self.info.plural,
                &name,
            ));
        }
        self.prepare_new(&mut obj);
        record_update(None, &mut obj, &self.manager(), "");
        if self.dry_run() {
            return self.out(201, &obj);
        }
        let stored = self.commit_new(&mut store, obj)?;
        self.out(201, &stored)
    }

    fn prepare_new(&self, obj: &mut Value) {
        if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "generation",
                "managedFields",
                "deletionTimestamp",
            ] {
                m.remove(k);
            }
        }
        if self.info.status
            && self.info.from_crd
            && !self.info.builtin
            && let Some(m) = obj.as_object_mut()
        {
            m.remove("status");
        }
        fill_new_metadata(obj);
    }

    fn commit_new(&self, store: &mut Store, mut obj: Value) -> Result<Value, ApiError> {
        normalize(&self.key(), &mut obj);
        if self.info.group == "apiextensions.k8s.io"
            && self.info.plural == "customresourcedefinitions"
        {
            store
                .registry
                .register_crd(&obj)
                .map_err(|m| ApiError::invalid(&self.info.group, &self.info.kind, "", m))?;
        }
        let (ns, name) = identity(&obj);
        store.put(&self.key(), obj.clone());
        controllers::after_write(store, &self.key(), &ns, &name);
        Ok(store.get(&self.key(), &ns, &name).cloned().unwrap_or(obj))
    }

    fn commit_update(&self, store: &mut Store, obj: Value) -> Result<Value, ApiError> {
        self.commit_new(store, obj)
    }

    /// Makes an updated object from the old one and the client's version, per subresource rules.
    fn finish_update(&self, old: &Value, mut new: Value, manager: &str) -> Result<Value, ApiError> {
        let sub = self.t.sub.as_deref().unwrap_or_default();
        if let Some(rv) = new
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && !rv.is_empty()
            && Some(rv)
                != old
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
        {
            return Err(ApiError::conflict(
                &self.info.group,
                &self.info.plural,
                self.name(),
            ));
        }
        let mut result = if sub == "status" {
            let mut r = old.clone();
            set_value(
                &mut r,
                &["status"],
                new.get("status").cloned().unwrap_or(Value::Null),
            );
            if let Some(m) = r.as_object_mut()
                && m.get("status").is_some_and(Value::is_null)
            {
                m.remove("status");
            }
            r
        } else {
            if self.info.status
                && let Some(m) = new.as_object_mut()
            {
                match old.get("status") {
                    Some(s) => {
                        m.insert("status".into(), s.clone());
                    }
                    None => {
                        m.remove("status");
                    }
                }
            }
            // Server-set metadata cannot be changed by clients.
            for k in ["uid", "creationTimestamp", "generation"] {
                if let Some(v) = old.pointer(&format!("/metadata/{k}")) {
                    set_value(&mut new, &["metadata", k], v.clone());
                }
            }
            if spec_changed(old, &new) {
                let g = old
                    .pointer("/metadata/generation")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                set_value(&mut new, &["metadata", "generation"], json!(g + 1));
            }
            new
        };
        if let Some(mf) = old.pointer("/metadata/managedFields").cloned()
            && result.pointer("/metadata/managedFields").is_none()
        {
            set_value(&mut result, &["metadata", "managedFields"], mf);
        }
        record_update(Some(old), &mut result, manager, sub);
        Ok(result)
    }

    fn existing(&self, store: &Store) -> Result<Value, ApiError> {
        store
            .get(&self.key(), self.ns(), self.name())
            .cloned()
            .ok_or_else(|| self.not_found(self.name()))
    }

    fn update(&self, body: &[u8]) -> Result<Resp, ApiError> {
        self.check_ns_scope()?;
        if !matches!(self.t.sub.as_deref(), None | Some("status")) {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ));
        }
        let mut obj = parse_body(body)?;
        self.check_identity(&mut obj, Some(self.name()))?;
        let mut store = self.state.write();
        let old = self.existing(&store)?;
        let new = self.finish_update(&old, obj, &self.manager())?;
        if self.dry_run() {
            return self.out(200, &new);
        }
        let stored = self.commit_update(&mut store, new)?;
        self.out(200, &stored)
    }

    fn patch(&self, body: &[u8]) -> Result<Resp, ApiError> {
        self.check_ns_scope()?;
        if !matches!(self.t.sub.as_deref(), None | Some("status")) {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ));
        }
        if self.content_type == "application/apply-patch+yaml" {
            return self.apply(body);
        }
        let mut store = self.state.write();
        let old = self.existing(&store)?;
        let mut doc = old.clone();
        match self.content_type.as_str() {
            "application/merge-patch+json" => json_patch::merge(&mut doc, &parse_body(body)?),
            "application/strategic-merge-patch+json" => {
                strategic_merge(&mut doc, &parse_body(body)?)
            }
            "application/json-patch+json" => {
                let p: json_patch::Patch = serde_json::from_slice(body)
                    .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
                // A real API server answers any op that does not apply — a failed `test` op
                // included — with 422 Invalid and this fixed message (the op's own error is not
                // returned: k8s.io/apiserver `applyJSPatch` → `NewGenericServerResponse(422, …)`).
                json_patch::patch(&mut doc, &p).map_err(|_| {
                    ApiError::new(
                        422,
                        "Invalid",
                        "the server rejected our request due to an error in our request",
                    )
                })?;
            }
            other => {
                return Err(ApiError::new(
                    415,
                    "UnsupportedMediaType",
                    format!(
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {other:?})"
                    ),
                ));
            }
        }
        self.check_identity(&mut doc, Some(self.name()))?;
        let new = self.finish_update(&old, doc, &self.manager())?;
        if self.dry_run() {
            return self.out(200, &new);
        }
        let stored = self.commit_update(&mut store, new)?;
        self.out(200, &stored)
    }

    fn apply(&self, body: &[u8]) -> Result<Resp, ApiError> {
        let manager = self
            .query
            .get("fieldManager")
            .filter(|m| !m.is_empty())
            .cloned()
            .ok_or_else(|| ApiError::bad_request("PATCH /apply requires fieldManager to be set"))?;
        let force = truthy(self.query.get("force"));
        let mut applied = parse_body(body)?;
        if applied.get("apiVersion").is_none() || applied.get("kind").is_none() {
            return Err(ApiError::bad_request(
                "apply patches must set apiVersion and kind",
            ));
        }
        self.check_identity(&mut applied, Some(self.name()))?;
        let sub = self.t.sub.as_deref().unwrap_or_default();
        if let Some(m) = applied.as_object_mut() {
            if sub == "status" {
                m.retain(|k, _| {
                    matches!(k.as_str(), "apiVersion" | "kind" | "metadata" | "status")
                });
                if let Some(md) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                    md.retain(|k, _| k == "name" || k == "namespace");
                }
            } else if self.info.status {
                m.remove("status");
            }
        }
        let mut store = self.state.write();
        let live = store.get(&self.key(), self.ns(), self.name()).cloned();
        // As a real API server: a resourceVersion in the applied object is a precondition.
        if let Some(rv) = applied
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .filter(|rv| !rv.is_empty())
            && live
                .as_ref()
                .and_then(|l| l.pointer("/metadata/resourceVersion"))
                .and_then(Value::as_str)
                != Some(rv)
        {
            return Err(ApiError::conflict(
                &self.info.group,
                &self.info.plural,
                self.name(),
            ));
        }
        if live.is_none() && self.info.namespaced && !store.namespace_exists(self.ns()) {
            return Err(ApiError::not_found("", "namespaces", self.ns()));
        }
        if live.is_none() && sub == "status" {
            return Err(self.not_found(self.name()));
        }
        let result = server_side_apply(live.as_ref(), &applied, &manager, force, sub).map_err(|conflicts| {
            let n = conflicts.len();
            let message = if n == 1 {
                format!("Apply failed with 1 conflict: conflict with \"{}\": {}", conflicts[0].manager, conflicts[0].field)
            } else {
                let lines: Vec<String> =
                    conflicts.iter().map(|c| format!("conflict with \"{}\": {}", c.manager, c.field)).collect();
                format!("Apply failed with {n} conflicts: {}", lines.join("\n"))
            };
            let causes: Vec<Value> = conflicts
                .iter()
                .map(|c| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{}\"", c.manager), "field": c.field}))
                .collect();
            let mut e = ApiError::new(409, "Conflict", message).with_details(self.name(), &self.info.group, &self.info.plural);
            if let Some(d) = e.details.as_mut() {
                d["causes"] = json!(causes);
            }
            e
        });
        let mut obj = result?;
        let _ = dotted;
        match live {
            None => {
                set_str(&mut obj, &["metadata", "name"], self.name());
                if self.info.namespaced {
                    set_str(&mut obj, &["metadata", "namespace"], self.ns());
                }
                fill_new_metadata(&mut obj);
                if self.dry_run() {
                    return self.out(201, &obj);
                }
                let stored = self.commit_new(&mut store, obj)?;
                self.out(201, &stored)
            }
            Some(old) => {
                if old == obj {
                    return self.out(200, &old);
                }
                if sub != "status" {
                    if self.info.status
                        && let Some(m) = obj.as_object_mut()
                    {
                        match old.get("status") {
                            Some(s) => m.insert("status".into(), s.clone()),
                            None => m.remove("status"),
                        };
                    }
                    if spec_changed(&old, &obj) {
                        let g = old
                            .pointer("/metadata/generation")
                            .and_then(Value::as_i64)
                            .unwrap_or(1);
                        set_value(&mut obj, &["metadata", "generation"], json!(g + 1));
                    }
                } else {
                    let status = obj.get("status").cloned();
                    let managed = obj.pointer("/metadata/managedFields").cloned();
                    obj = old.clone();
                    if let Some(s) = status {
                        set_value(&mut obj, &["status"], s);
                    }
                    if let Some(mf) = managed {
                        set_value(&mut obj, &["metadata", "managedFields"], mf);
                    }
                }
                if old == obj {
                    return self.out(200, &old);
                }
                if self.dry_run() {
                    return self.out(200, &obj);
                }
                let stored = self.commit_update(&mut store, obj)?;
                self.out(200, &stored)
            }
        }
    }

    fn propagation(&self, body: &[u8]) -> String {
        let opts = parse_body(body).unwrap_or(Value::Null);
        self.query
            .get("propagationPolicy")
            .cloned()
            .or_else(|| {
                opts.get("propagationPolicy")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .or_else(
                || match opts.get("orphanDependents").and_then(Value::as_bool) {
                    Some(true) => Some("Orphan".into()),
                    _ => None,
                },
            )
            .unwrap_or_else(|| "Background".into())
    }

    fn body_dry_run(&self, body: &[u8]) -> bool {
        self.dry_run()
            || parse_body(body)
                .ok()
                .and_then(|o| {
                    o.get("dryRun")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().any(|v| v == "All"))
                })
                .unwrap_or(false)
    }

    fn delete(&self, body: &[u8]) -> Result<Resp, ApiError> {
        self.check_ns_scope()?;
        if self.t.sub.is_some() {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ));
        }
        let policy = self.propagation(body);
        let mut store = self.state.write();
        let old = self.existing(&store)?;
        if let Some(pre) = parse_body(body)
            .ok()
            .and_then(|o| o.get("preconditions").cloned())
        {
            let uid_ok = pre
                .get("uid")
                .and_then(Value::as_str)
                .is_none_or(|u| Some(u) == old.pointer("/metadata/uid").and_then(Value::as_str));
            let rv_ok = pre
                .get("resourceVersion")
                .and_then(Value::as_str)
                .is_none_or(|r| {
                    Some(r)
                        == old
                            .pointer("/metadata/resourceVersion")
                            .and_then(Value::as_str)
                });
            if !uid_ok || !rv_ok {
                return Err(ApiError::conflict(
                    &self.info.group,
                    &self.info.plural,
                    self.name(),
                ));
            }
        }
        if self.body_dry_run(body) {
            return self.out(200, &old);
        }
        let deleted =
            delete_object(&mut store, &self.key(), self.ns(), self.name(), &policy).unwrap_or(old);
        self.out(200, &deleted)
    }

    fn delete_collection(&self, body: &[u8]) -> Result<Resp, ApiError> {
        let (ls, fs) = self.selectors()?;
        let policy = self.propagation(body);
        let dry = self.body_dry_run(body);
        let mut store = self.state.write();
        let ns_filter = if self.info.namespaced {
            self.t.namespace.as_deref()
        } else {
            None
        };
        let targets: Vec<(String, String)> = store
            .list(&self.key(), ns_filter)
            .filter(|o| ls.matches(o) && fs.matches(o))
            .map(identity)
            .collect();
        let mut items = Vec::new();
        for (ns, name) in targets {
            let obj = if dry {
                store.get(&self.key(), &ns, &name).cloned()
            } else {
                delete_object(&mut store, &self.key(), &ns, &name, &policy)
            };
            if let Some(o) = obj {
                items.push(served(&o, self.info, &self.t.version));
            }
        }
        Ok(json_resp(
            200,
            &json!({"kind": format!("{}List", self.info.kind), "apiVersion": self.info.group_version(&self.t.version),
            "metadata": {"resourceVersion": store.current_rv().to_string()}, "items": items}),
        ))
    }

    fn token_request(&self, body: &[u8]) -> Result<Resp, ApiError> {
        let req = parse_body(body)?;
        let mut store = self.state.write();
        if store
            .get(&ResKey::new("", "serviceaccounts"), self.ns(), self.name())
            .is_none()
        {
            return Err(ApiError::not_found("", "serviceaccounts", self.name()));
        }
        let expiration = req
            .pointer("/spec/expirationSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(3600);
        let token = if self.dry_run() {
            String::new()
        } else {
            controllers::issue_sa_token(&mut store, self.ns(), self.name())
        };
        let mut out = if req.is_object() { req } else { json!({}) };
        out["apiVersion"] = json!("authentication.k8s.io/v1");
        out["kind"] = json!("TokenRequest");
        set_str(&mut out, &["metadata", "name"], self.name());
        set_str(&mut out, &["metadata", "namespace"], self.ns());
        set_str(
            &mut out,
            &["metadata", "creationTimestamp"],
            &rfc3339(now_secs()),
        );
        set_value(&mut out, &["spec", "expirationSeconds"], json!(expiration));
        set_value(
            &mut out,
            &["status"],
            json!({"token": token, "expirationTimestamp": rfc3339(now_secs() + expiration)}),
        );
        Ok(json_resp(201, &out))
    }

    fn review(&self, body: &[u8]) -> Result<Resp, ApiError> {
        let mut obj = parse_body(body)?;
        if !obj.is_object() {
            obj = json!({});
        }
        obj["apiVersion"] = json!(self.info.group_version(&self.t.version));
        obj["kind"] = json!(self.info.kind);
        let store = self.state.read();
        let attrs_from = |spec: &Value, ns_override: Option<&str>| -> Attributes {
            let s = |v: Option<&Value>, k: &str| {
                v.and_then(|v| v.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            if let Some(nr) = spec.get("nonResourceAttributes") {
                return Attributes {
                    verb: s(Some(nr), "verb"),
                    path: Some(s(Some(nr), "path")),
                    ..Default::default()
                };
            }
            let ra = spec.get("resourceAttributes");
            Attributes {
                verb: s(ra, "verb"),
                group: s(ra, "group"),
                resource: s(ra, "resource"),
                subresource: s(ra, "subresource"),
                name: s(ra, "name"),
                namespace: ns_override
                    .map(String::from)
                    .unwrap_or_else(|| s(ra, "namespace")),
                path: None,
            }
        };
        let spec = obj.get("spec").cloned().unwrap_or(json!({}));
        let decide = |user: &UserInfo, a: &Attributes| -> Value {
            if authorize(&store, user, a) {
                json!({"allowed": true, "reason": "allowed by RBAC"})
            } else {
                json!({"allowed": false})
            }
        };
        match self.info.plural.as_str() {
            "selfsubjectaccessreviews" => {
                obj["status"] = decide(self.user, &attrs_from(&spec, None))
            }
            "subjectaccessreviews" | "localsubjectaccessreviews" => {
                let user = UserInfo {
                    name: spec
                        .get("user")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    uid: spec
                        .get("uid")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    groups: spec
                        .get("groups")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|g| g.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                let ns = if self.info.plural == "localsubjectaccessreviews" {
                    Some(self.ns())
                } else {
                    None
                };
                obj["status"] = decide(&user, &attrs_from(&spec, ns));
            }
            "tokenreviews" => {
                let token = spec
                    .get("token")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                obj["status"] = match store.tokens.get(token) {
                    Some(u) => {
                        json!({"authenticated": true, "user": {"username": u.name, "uid": u.uid, "groups": u.groups},
                        "audiences": spec.get("audiences").cloned().unwrap_or(json!([]))})
                    }
                    None => json!({"authenticated": false, "error": "invalid bearer token"}),
                };
            }
            "selfsubjectreviews" => {
                obj["status"] = json!({"userInfo": {"username": self.user.name, "uid": self.user.uid, "groups": self.user.groups}})
            }
            _ => {
                obj["status"] =
                    json!({"resourceRules": [], "nonResourceRules": [], "incomplete": true})
            }
        }
        Ok(json_resp(201, &obj))
    }
}

/// What the real API server's strategies do to every written object of some kinds: Secrets fold
/// `stringData` into `data`; Services get a cluster IP.
fn normalize(key: &ResKey, obj: &mut Value) {
    match (key.group.as_str(), key.plural.as_str()) {
        ("", "secrets") => {
            let Some(string_data) = obj.as_object_mut().and_then(|m| m.remove("stringData")) else {
                return;
            };
            for (k, v) in string_data.as_object().into_iter().flatten() {
                let text = v.as_str().unwrap_or_default();
                set_str(
                    obj,
                    &["data", k],
                    &base64::engine::general_purpose::STANDARD.encode(text),
                );
            }
        }
        ("", "services") => {
            let ty = obj
                .pointer("/spec/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP")
                .to_string();
            if ty != "ExternalName"
                && obj
                    .pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            {
                let n = crate::util::random_u64();
                let ip = format!("172.30.{}.{}", (n >> 8) % 256, n % 254 + 1);
                set_str(obj, &["spec", "clusterIP"], &ip);
                set_value(obj, &["spec", "clusterIPs"], json!([ip]));
                if obj.pointer("/spec/type").is_none() {
                    set_str(obj, &["spec", "type"], "ClusterIP");
                }
            }
        }
        _ => {}
    }
}

/// Deletes an object and, unless `Orphan`, everything it owns (ownerReferences), recursively.
/// Namespaces take their contents with them; CRDs take their resource and its objects.
pub fn delete_object(
    store: &mut Store,
    key: &ResKey,
    ns: &str,
    name: &str,
    policy: &str,
) -> Option<Value> {
    let deleted = store.remove(key, ns, name)?;
    let uid = deleted
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if key.group == "apiextensions.k8s.io" && key.plural == "customresourcedefinitions" {
        if let Some(k) = store.registry.unregister_crd(&deleted) {
            store.drop_resource(&k);
        }
    } else if key.group.is_empty() && key.plural == "namespaces" {
        let inside: Vec<(ResKey, String)> = store
            .all_objects()
            .filter(|(_, o)| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(name))
            .map(|(k, o)| (k.clone(), identity(o).1))
            .collect();
        for (k, n) in inside {
            store.remove(&k, name, &n);
        }
    }
    let dependents: Vec<(ResKey, String, String)> = store
        .all_objects()
        .filter(|(_, o)| {
            o.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                })
        })
        .map(|(k, o)| {
            let (n, m) = identity(o);
            (k.clone(), n, m)
        })
        .collect();
    for (k, dns, dname) in dependents {
        if policy == "Orphan" {
            if let Some(mut o) = store.get(&k, &dns, &dname).cloned() {
                if let Some(refs) = o
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid.as_str()));
                }
                store.put(&k, o);
            }
        } else {
            delete_object(store, &k, &dns, &dname, policy);
        }
    }
    controllers::after_write(store, key, ns, name);
    Some(deleted)
}

fn event_line(kind: &str, obj: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": obj})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

fn gone_line(rv: &str) -> Bytes {
    event_line(
        "ERROR",
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("too old resource version: {rv}"), "reason": "Expired", "code": 410}),
    )
}

fn watch_resp(
    state: &Arc<AppState>,
    info: &ResourceInfo,
    t: &Target,
    query: &HashMap<String, String>,
) -> Resp {
    let ls = match LabelSelector::parse(
        query
            .get("labelSelector")
            .map(String::as_str)
            .unwrap_or_default(),
    ) {
        Ok(s) => s,
        Err(e) => return error_resp(&ApiError::bad_request(e)),
    };
    let mut fs_text = query.get("fieldSelector").cloned().unwrap_or_default();
    if let Some(n) = &t.name {
        fs_text = if fs_text.is_empty() {
            format!("metadata.name={n}")
        } else {
            format!("{fs_text},metadata.name={n}")
        };
    }
    let fs = match FieldSelector::parse(&fs_text) {
        Ok(s) => s,
        Err(e) => return error_resp(&ApiError::bad_request(e)),
    };
    let ns = if info.namespaced {
        t.namespace.clone()
    } else {
        None
    };
    let key = info.key();
    let version = t.version.clone();
    let rv_param = query.get("resourceVersion").cloned().unwrap_or_default();
    let send_initial = truthy(query.get("sendInitialEvents"));
    let bookmarks = truthy(query.get("allowWatchBookmarks"));
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1800)
        .min(3600);
    let matches = {
        let ls = ls.clone();
        let fs = fs.clone();
        move |o: &Value| ls.matches(o) && fs.matches(o)
    };
    let mut first: Vec<Bytes> = Vec::new();
    let subscription = {
        let store = state.read();
        let since = if rv_param.is_empty() || rv_param == "0" || send_initial {
            for o in store.list(&key, ns.as_deref()).filter(|o| matches(o)) {
                first.push(event_line("ADDED", &served(o, info, &version)));
            }
            if send_initial {
                let mut bm = json!({"kind": info.kind, "apiVersion": info.group_version(&version),
                    "metadata": {"resourceVersion": store.current_rv().to_string(),
                        "annotations": {"k8s.io/initial-events-end": "true"}}});
                if bookmarks {
                    bm["metadata"]["resourceVersion"] = json!(store.current_rv().to_string());
                }
                first.push(event_line("BOOKMARK", &bm));
            }
            store.current_rv()
        } else {
            rv_param.parse::<u64>().unwrap_or(0)
        };
        store.subscribe(since)
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(256);
    let info = info.clone();
    let mut shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let filter = |ev: &WatchEvent| -> Option<Bytes> {
            if ev.key != key {
                return None;
            }
            if let Some(n) = &ns
                && ev
                    .object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    != Some(n.as_str())
            {
                return None;
            }
            let now = matches(&ev.object);
            let before = ev.old.as_ref().map(&matches);
            let kind = match (ev.kind, before, now) {
                (EventType::Deleted, _, true) => "DELETED",
                (EventType::Added, _, true) => "ADDED",
                (EventType::Modified, Some(true), true) => "MODIFIED",
                (EventType::Modified, Some(false) | None, true) => "ADDED",
                (EventType::Modified, Some(true), false) => "DELETED",
                _ => return None,
            };
            Some(event_line(kind, &served(&ev.object, &info, &version)))
        };
        for b in first {
            if tx.send(Ok(b)).await.is_err() {
                return;
            }
        }
        let (past, mut live) = match subscription {
            Ok(s) => s,
            Err(()) => {
                let _ = tx.send(Ok(gone_line(&rv_param))).await;
                return;
            }
        };
        let mut last = 0u64;
        for ev in past {
            last = ev.rv;
            if let Some(b) = filter(&ev)
                && tx.send(Ok(b)).await.is_err()
            {
                return;
            }
        }
        let deadline = tokio::time::sleep(Duration::from_secs(timeout));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = tx.closed() => return,
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= last {
                            continue;
                        }
                        if let Some(b) = filter(&ev)
                            && tx.send(Ok(b)).await.is_err()
                        {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(Ok(gone_line(&last.to_string()))).await;
                        return;
                    }
                    Err(_) => return,
                },
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

fn pod_port(pod: &Value, port: &str) -> Option<u16> {
    if let Ok(p) = port.parse() {
        return Some(p);
    }
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array)?;
    let ports = containers.iter().flat_map(|c| {
        c.get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    });
    let mut ports = ports.collect::<Vec<_>>().into_iter();
    if port.is_empty() {
        return ports
            .next()
            .and_then(|p| p.get("containerPort"))
            .and_then(Value::as_u64)
            .map(|p| p as u16)
            .or(Some(80));
    }
    ports
        .find(|p| p.get("name").and_then(Value::as_str) == Some(port))
        .and_then(|p| p.get("containerPort"))
        .and_then(Value::as_u64)
        .map(|p| p as u16)
}

fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter().any(|c| {
                c.get("type") == Some(&json!("Ready")) && c.get("status") == Some(&json!("True"))
            })
        })
}

fn proxy(state: &Arc<AppState>, info: &ResourceInfo, t: &Target, query: Option<&str>) -> Resp {
    let raw = t.name.clone().unwrap_or_default();
    let parts: Vec<&str> = raw.split(':').collect();
    let (name, port) = match parts.as_slice() {
        [n] => (n.to_string(), String::new()),
        [n, p] if *n != "http" && *n != "https" => (n.to_string(), p.to_string()),
        [_, n] => (n.to_string(), String::new()),
        [_, n, p, ..] => (n.to_string(), p.to_string()),
        [] => (String::new(), String::new()),
    };
    let ns = t.namespace.clone().unwrap_or_default();
    let mut path = format!("/{}", t.rest);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        path = format!("{path}?{q}");
    }
    let unavailable = |msg: String| error_resp(&ApiError::new(503, "ServiceUnavailable", msg));
    let (pod, port) = {
        let store = state.read();
        match info.plural.as_str() {
            "pods" => {
                let Some(pod) = store.get(&info.key(), &ns, &name).cloned() else {
                    return error_resp(&ApiError::not_found("", "pods", &name));
                };
                let Some(p) = pod_port(&pod, &port) else {
                    return unavailable(format!(
                        "error trying to reach service: no port named {port:?} on pod {name}"
                    ));
                };
                (pod, p)
            }
            "services" => {
                let Some(svc) = store.get(&info.key(), &ns, &name).cloned() else {
                    return error_resp(&ApiError::not_found("", "services", &name));
                };
                let ports: Vec<Value> = svc
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let sp = ports.iter().find(|p| {
                    port.is_empty()
                        || p.get("name").and_then(Value::as_str) == Some(port.as_str())
                        || p.get("port").and_then(Value::as_u64).map(|n| n.to_string())
                            == Some(port.clone())
                });
                let target = sp
                    .and_then(|p| p.get("targetPort").or(p.get("port")))
                    .cloned()
                    .unwrap_or(json!(80));
                let selector = svc
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let pod = if selector.is_empty() {
                    None
                } else {
                    store
                        .list(&ResKey::new("", "pods"), Some(&ns))
                        .find(|p| {
                            pod_ready(p)
                                && selector.iter().all(|(k, v)| {
                                    p.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
                                        == Some(v)
                                })
                        })
                        .cloned()
                };
                let Some(pod) = pod else {
                    return unavailable(format!("no endpoints available for service \"{name}\""));
                };
                let tp = match &target {
                    Value::Number(n) => n.as_u64().map(|n| n as u16),
                    Value::String(s) => pod_port(&pod, s),
                    _ => None,
                };
                let Some(tp) = tp else {
                    return unavailable(format!("no endpoints available for service \"{name}\""));
                };
                (pod, tp)
            }
            _ => {
                return error_resp(&ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ));
            }
        }
    };
    let answer = state.hook.as_ref().and_then(|h| h(&pod, port, &path));
    match answer {
        Some((code, ct, body)) => text_resp(code, &ct, body),
        None => {
            let ip = pod
                .pointer("/status/podIP")
                .and_then(Value::as_str)
                .unwrap_or("10.128.0.1");
            unavailable(format!(
                "error trying to reach service: dial tcp {ip}:{port}: connect: connection refused"
            ))
        }
    }
}

/// `/_sim/…` control endpoints (admin token required; not logged).
async fn control(state: &Arc<AppState>, req: Request<hyper::body::Incoming>) -> Resp {
    match authenticate(state, req.headers()) {
        Ok(u) if u.is_master() => {}
        Ok(u) => {
            return error_resp(&ApiError::new(
                403,
                "Forbidden",
                format!(
                    "User \"{}\" cannot use the simulator's control endpoints",
                    u.name
                ),
            ));
        }
        Err(e) => return error_resp(&e),
    }
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_string();
    let body = match read_body(req).await {
        Ok(b) => b,
        Err(e) => return error_resp(&e),
    };
    let ok = || json_resp(200, &json!({"ok": true}));
    match (method, path.as_str()) {
        (Method::GET, "/_sim/requests") => json_resp(200, &json!(state.log().clone())),
        (Method::DELETE, "/_sim/requests") => {
            state.log().clear();
            ok()
        }
        (Method::GET, "/_sim/faults") => {
            let f = state.faults();
            let mut faults = f.faults.clone();
            faults.latency_ms = Some(f.latency.as_millis() as u64);
            json_resp(200, &json!(faults))
        }
        (Method::PUT, "/_sim/faults") => match serde_json::from_slice::<Faults>(&body) {
            Ok(f) => {
                state.faults().set(f);
                ok()
            }
            Err(e) => error_resp(&ApiError::bad_request(format!("invalid faults body: {e}"))),
        },
        (Method::DELETE, "/_sim/faults") => {
            state.faults().clear();
            ok()
        }
        (Method::PUT, "/_sim/latency") => match serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("ms").and_then(Value::as_u64))
        {
            Some(ms) => {
                state.faults().latency = Duration::from_millis(ms);
                ok()
            }
            None => error_resp(&ApiError::bad_request("expected {\"ms\": <milliseconds>}")),
        },
        (Method::PUT, p) if p.starts_with("/_sim/routes/") => {
            let rest: Vec<&str> = p.trim_start_matches("/_sim/routes/").split('/').collect();
            let host = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("host").and_then(Value::as_str).map(String::from));
            match (rest.as_slice(), host) {
                ([ns, name], Some(host)) => {
                    set_route_host(state, ns, name, &host);
                    ok()
                }
                _ => error_resp(&ApiError::bad_request(
                    "expected PUT /_sim/routes/{namespace}/{name} with {\"host\": \"…\"}",
                )),
            }
        }
        _ => error_resp(&ApiError::new(
            404,
            "NotFound",
            format!("no simulator control endpoint {path}"),
        )),
    }
}

/// Forces a Route's host (now and whenever it is written again).
pub fn set_route_host(state: &AppState, ns: &str, name: &str, host: &str) {
    let mut store = state.write();
    store
        .route_hosts
        .insert((ns.to_string(), name.to_string()), host.to_string());
    controllers::after_write(
        &mut store,
        &ResKey::new("route.openshift.io", "routes"),
        ns,
        name,
    );
}
