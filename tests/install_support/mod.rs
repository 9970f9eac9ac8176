//! A small in-process Kubernetes API fake for the install tests: GET / LIST (label selectors) /
//! server-side apply PATCH (create or merge; resourceVersion bumps only on a real change) /
//! DELETE / SelfSubjectAccessReview, plus instant "controllers" playing the token controller, the
//! service CA operator and the Grafana Operator. Every request is recorded. It stands in until
//! the simulated cluster (llmd-sim) is merged; it is deliberately minimal.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "fake-sa-token-6f1d2c9e";

#[derive(Default)]
pub struct Inner {
    pub objects: BTreeMap<String, Value>,
    pub requests: Vec<(String, String)>,
    /// (verb, resource plural) pairs SelfSubjectAccessReviews and writes are denied.
    pub denied: BTreeSet<(String, String)>,
    /// Plurals not served (404 on collections), e.g. Grafana CRDs missing.
    pub unserved: BTreeSet<String>,
    /// Plurals whose next PATCH fails with a 500 (fault injection), once each.
    pub fail_once: BTreeSet<String>,
    /// Object names edited by "someone else" right after we first GET them: `(name, new config.yaml)`.
    pub edit_after_get: Vec<(String, String)>,
    /// Plurals that may not be listed across all namespaces (403), only per namespace.
    pub no_list_all: BTreeSet<String>,
    rv: u64,
}

#[derive(Clone, Default)]
pub struct Fake(pub Arc<Mutex<Inner>>);

struct Target {
    group: String,
    plural: String,
    namespace: Option<String>,
    name: Option<String>,
}

fn parse(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match *segs.first()? {
        "api" => (String::new(), segs.get(2..)?),
        "apis" => (segs.get(1)?.to_string(), segs.get(3..)?),
        _ => return None,
    };
    if rest.first() == Some(&"namespaces") && rest.len() >= 3 {
        Some(Target {
            group,
            plural: rest[2].to_string(),
            namespace: Some(rest[1].to_string()),
            name: rest.get(3).map(|s| s.to_string()),
        })
    } else {
        Some(Target {
            group,
            plural: rest.first()?.to_string(),
            namespace: None,
            name: rest.get(1).map(|s| s.to_string()),
        })
    }
}

fn key(group: &str, plural: &str, ns: Option<&str>, name: &str) -> String {
    format!("{group}|{plural}|{}|{name}", ns.unwrap_or(""))
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "reason": reason, "message": message, "code": code});
    (StatusCode::from_u16(code).unwrap(), axum::Json(body)).into_response()
}

fn merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn matches_selector(obj: &Value, selector: &str) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|term| {
        let (k, v) = term.split_once('=').unwrap_or((term, ""));
        obj.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            == Some(v)
    })
}

impl Fake {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap()
    }

    /// Put an object in the store as if someone else had created it.
    pub fn seed(&self, group: &str, plural: &str, obj: Value) {
        let mut inner = self.lock();
        inner.rv += 1;
        let mut obj = obj;
        obj["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(String::from);
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        inner
            .objects
            .insert(key(group, plural, ns.as_deref(), &name), obj);
    }

    pub fn get(&self, group: &str, plural: &str, ns: Option<&str>, name: &str) -> Option<Value> {
        self.lock()
            .objects
            .get(&key(group, plural, ns, name))
            .cloned()
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.lock().requests.clone()
    }

    /// Serve on 127.0.0.1 and return the kubeconfig text pointing at it.
    pub async fn start(&self) -> String {
        let app = Router::new().fallback(handle).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{addr}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\n\
             current-context: fake\nusers:\n- name: fake\n  user:\n    token: kubeconfig-user-token\n"
        )
    }
}

/// The instant controllers: what the cluster does after our objects appear.
fn react(inner: &mut Inner, group: &str, plural: &str, obj: &mut Value) {
    match (group, plural) {
        ("", "secrets") if obj["type"] == "kubernetes.io/service-account-token" => {
            obj["data"]["token"] = json!(b64(TOKEN));
        }
        ("", "configmaps")
            if obj.pointer("/metadata/annotations/service.beta.openshift.io~1inject-cabundle")
                == Some(&json!("true")) =>
        {
            obj["data"]["service-ca.crt"] = json!("-----BEGIN CERTIFICATE-----\nfake\n");
        }
        ("grafana.integreatly.org", "grafanas") => {
            obj["status"] = json!({"stage": "complete", "stageStatus": "success"});
            let ns = obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
            inner.rv += 1;
            let route = json!({"apiVersion": "route.openshift.io/v1", "kind": "Route",
                "metadata": {"name": format!("{name}-route"), "namespace": ns,
                    "resourceVersion": inner.rv.to_string(),
                    "ownerReferences": [{"apiVersion": "grafana.integreatly.org/v1beta1",
                        "kind": "Grafana", "name": name, "uid": "u"}]},
                "spec": {"host": format!("{name}-{ns}.apps.example.com")}});
            inner.objects.insert(
                key(
                    "route.openshift.io",
                    "routes",
                    Some(&ns),
                    &format!("{name}-route"),
                ),
                route,
            );
        }
        ("operators.coreos.com", "subscriptions") => {
            // OLM: resolve, install the CSV, serve the CRDs.
            let csv = "grafana-operator.v5.24.0";
            obj["status"] =
                json!({"state": "AtLatestKnown", "installedCSV": csv, "currentCSV": csv});
            let ns = obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string();
            inner.rv += 1;
            let csv_obj = json!({"apiVersion": "operators.coreos.com/v1alpha1",
                "kind": "ClusterServiceVersion", "metadata": {"name": csv, "namespace": ns,
                    "resourceVersion": inner.rv.to_string()},
                "status": {"phase": "Succeeded"}});
            inner.objects.insert(
                key(
                    "operators.coreos.com",
                    "clusterserviceversions",
                    Some(&ns),
                    csv,
                ),
                csv_obj,
            );
            for plural in ["grafanas", "grafanadatasources", "grafanadashboards"] {
                inner.unserved.remove(plural);
            }
        }
        ("grafana.integreatly.org", "grafanadatasources") => {
            obj["status"] = json!({"conditions": [{"type": "DatasourceSynchronized",
                "status": "True", "reason": "ApplySuccessful"}]});
        }
        ("grafana.integreatly.org", "grafanadashboards") => {
            obj["status"] = json!({"conditions": [{"type": "DashboardSynchronized",
                "status": "True", "reason": "ApplySuccessful"}]});
        }
        _ => {}
    }
}

pub fn b64(text: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn handle(State(fake): State<Fake>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                v.replace("%3D", "=")
                    .replace("%2C", ",")
                    .replace("%2F", "/"),
            )
        })
        .collect();
    let mut inner = fake.lock();
    inner.requests.push((method.to_string(), uri.to_string()));
    let Some(t) = parse(&path) else {
        return status(404, "NotFound", "no such path");
    };
    if t.plural == "selfsubjectaccessreviews" && method == Method::POST {
        let mut review: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
        let attrs = &review["spec"]["resourceAttributes"];
        let pair = (
            attrs["verb"].as_str().unwrap_or("").to_string(),
            attrs["resource"].as_str().unwrap_or("").to_string(),
        );
        let allowed = !inner.denied.contains(&pair);
        review["status"] = json!({"allowed": allowed});
        return (StatusCode::CREATED, axum::Json(review)).into_response();
    }
    if inner.unserved.contains(&t.plural) {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    }
    let ns = t.namespace.as_deref();
    match (method.clone(), t.name.as_deref()) {
        (Method::GET, None) if ns.is_none() && inner.no_list_all.contains(&t.plural) => status(
            403,
            "Forbidden",
            &format!("cannot list {} at the cluster scope", t.plural),
        ),
        (Method::GET, None) => {
            let prefix = format!("{}|{}|", t.group, t.plural);
            let selector = query.get("labelSelector").cloned().unwrap_or_default();
            let items: Vec<Value> = inner
                .objects
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .filter(|(_, o)| {
                    ns.is_none() || o.pointer("/metadata/namespace").and_then(Value::as_str) == ns
                })
                .filter(|(_, o)| matches_selector(o, &selector))
                .map(|(_, o)| o.clone())
                .collect();
            axum::Json(json!({"apiVersion": "v1", "kind": "List",
                "metadata": {"resourceVersion": inner.rv.to_string()}, "items": items}))
            .into_response()
        }
        (Method::GET, Some(name)) => {
            let k = key(&t.group, &t.plural, ns, name);
            let Some(found) = inner.objects.get(&k).cloned() else {
                return status(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", t.plural),
                );
            };
            if let Some(pos) = inner.edit_after_get.iter().position(|(n, _)| n == name) {
                let (_, text) = inner.edit_after_get.remove(pos);
                inner.rv += 1;
                let rv = inner.rv.to_string();
                if let Some(o) = inner.objects.get_mut(&k) {
                    o["data"]["config.yaml"] = json!(text);
                    o["metadata"]["resourceVersion"] = json!(rv);
                }
            }
            axum::Json(found).into_response()
        }
        (Method::PATCH, Some(name)) => {
            if inner
                .denied
                .contains(&("patch".to_string(), t.plural.clone()))
            {
                return status(403, "Forbidden", &format!("cannot patch {}", t.plural));
            }
            if inner.fail_once.remove(&t.plural) {
                return status(500, "InternalError", "injected fault");
            }
            let patch: Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => return status(400, "BadRequest", &e.to_string()),
            };
            let k = key(&t.group, &t.plural, ns, name);
            let existing = inner.objects.get(&k).cloned();
            if let (Some(want), Some(cur)) = (
                patch.pointer("/metadata/resourceVersion"),
                existing
                    .as_ref()
                    .and_then(|e| e.pointer("/metadata/resourceVersion")),
            ) && want != cur
            {
                return status(409, "Conflict", "the object has been modified");
            }
            let mut obj = existing.clone().unwrap_or(json!({}));
            merge(&mut obj, &patch);
            if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
                if let Some(cur) = existing
                    .as_ref()
                    .and_then(|e| e.pointer("/metadata/resourceVersion"))
                {
                    meta.insert("resourceVersion".into(), cur.clone());
                }
            }
            if existing.as_ref() == Some(&obj) {
                return axum::Json(obj).into_response();
            }
            react(&mut inner, &t.group, &t.plural, &mut obj);
            inner.rv += 1;
            obj["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
            inner.objects.insert(k, obj.clone());
            let code = if existing.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (code, axum::Json(obj)).into_response()
        }
        (Method::DELETE, Some(name)) => {
            if inner
                .denied
                .contains(&("delete".to_string(), t.plural.clone()))
            {
                return status(403, "Forbidden", &format!("cannot delete {}", t.plural));
            }
            match inner.objects.remove(&key(&t.group, &t.plural, ns, name)) {
                Some(o) => axum::Json(o).into_response(),
                None => status(404, "NotFound", "not found"),
            }
        }
        _ => status(405, "MethodNotAllowed", "not supported by the fake"),
    }
}
