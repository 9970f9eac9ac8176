//! The HTTP side of the simulated `/metrics`: the listener Prometheus scrapes
//! (`GET /pods/{ns}/{pod}/metrics`) and the text the API server's pod proxy
//! (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics`) returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::{CounterLedger, EPP_METRICS_PORT, PodKind, VLLM_METRICS_PORT, pod_kind, pod_metrics};
use crate::config::SimConfig;
use crate::traffic::pod_metrics_input;

/// Content type of the text exposition format both client libraries serve.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Returns every current cluster object (at least Pods, LLMInferenceServices, InferencePools).
/// Shared, not copied: every scrape of every pod calls it, so a source backed by a large store
/// should hand out the same snapshot until the store changes (see [`crate::world`]).
pub type ObjectSource = Arc<dyn Fn() -> Arc<Vec<Value>> + Send + Sync>;

/// What the metrics listener needs: the objects, the scenario config and the simulation start.
#[derive(Clone)]
pub struct MetricsState {
    pub objects: ObjectSource,
    pub config: Arc<SimConfig>,
    pub started: Instant,
    /// Share integrals that keep counters monotonic when shares change (shared by every reader).
    pub ledger: Arc<CounterLedger>,
    /// The last snapshot's objects grouped by namespace (see [`MetricsState::namespace_objects`]).
    by_namespace: Arc<Mutex<Option<NamespaceIndex>>>,
}

/// Objects outside a pod's namespace that its metrics still depend on: what [`crate::wiring`]
/// reads to decide whether the gateway reaches the EPP — the Istio CR, istiod, Gateways,
/// EnvoyFilters and the Services those filters name as Envoy clusters (`filter_targets`: on a
/// shared gateway one filter's cluster is usually another namespace's EPP Service).
fn shared_for_wiring(o: &Value, filter_targets: &[(String, String)]) -> bool {
    let kind = o.get("kind").and_then(Value::as_str);
    let named = |field: &str| {
        o.pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    matches!(kind, Some("EnvoyFilter" | "Gateway" | "Istio"))
        || o.pointer("/metadata/labels/app").and_then(Value::as_str) == Some("istiod")
        || (kind == Some("Service")
            && filter_targets
                .iter()
                .any(|(ns, name)| ns == named("namespace") && name == named("name")))
}

/// One object snapshot split by namespace; `snapshot` identifies it (same `Arc` = same objects).
struct NamespaceIndex {
    snapshot: Arc<Vec<Value>>,
    namespaces: HashMap<String, Arc<Vec<Value>>>,
}

impl MetricsState {
    pub fn new(objects: ObjectSource, config: SimConfig, started: Instant) -> Self {
        Self {
            objects,
            config: Arc::new(config),
            started,
            ledger: Arc::new(CounterLedger::default()),
            by_namespace: Arc::new(Mutex::new(None)),
        }
    }

    /// The current objects of one namespace. A pod's metrics depend only on objects of its own
    /// namespace (its service, sibling pods, pool), so a scrape reads these instead of scanning
    /// the whole cluster; the grouping is rebuilt only when the source hands out a new snapshot.
    pub fn namespace_objects(&self, namespace: &str) -> Arc<Vec<Value>> {
        let snapshot = (self.objects)();
        let mut guard = self.by_namespace.lock().unwrap_or_else(|p| p.into_inner());
        let current = guard
            .as_ref()
            .is_some_and(|index| Arc::ptr_eq(&index.snapshot, &snapshot));
        if !current {
            // The gateway wiring a pod's EPP depends on (crate::wiring) lives elsewhere: the
            // cluster-scoped Istio CR, istiod, Gateways and EnvoyFilters in the gateway's
            // namespace. Every namespace's view carries those shared objects too.
            let filter_targets: Vec<(String, String)> = snapshot
                .iter()
                .filter(|o| o.get("kind").and_then(Value::as_str) == Some("EnvoyFilter"))
                .flat_map(crate::wiring::cluster_services)
                .collect();
            let shared: Vec<&Value> = snapshot
                .iter()
                .filter(|o| shared_for_wiring(o, &filter_targets))
                .collect();
            let mut namespaces: HashMap<String, Vec<Value>> = HashMap::new();
            for o in snapshot.iter() {
                if let Some(ns) = o.pointer("/metadata/namespace").and_then(Value::as_str) {
                    namespaces
                        .entry(ns.to_string())
                        .or_default()
                        .push(o.clone());
                }
            }
            for (ns, objects) in namespaces.iter_mut() {
                objects.extend(
                    shared
                        .iter()
                        .filter(|o| {
                            o.pointer("/metadata/namespace").and_then(Value::as_str)
                                != Some(ns.as_str())
                        })
                        .map(|o| (*o).clone()),
                );
            }
            *guard = Some(NamespaceIndex {
                snapshot,
                namespaces: namespaces
                    .into_iter()
                    .map(|(ns, objects)| (ns, Arc::new(objects)))
                    .collect(),
            });
        }
        guard
            .as_ref()
            .and_then(|index| index.namespaces.get(namespace).cloned())
            .unwrap_or_default()
    }
}

/// Why a pod has no metrics to serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsUnavailable {
    #[error("pods \"{0}\" not found")]
    NoSuchPod(String),
    #[error("pod {0} serves no metrics (neither vLLM nor EPP)")]
    NotAMetricsPod(String),
    #[error("pod {0} is not running")]
    NotRunning(String),
    #[error("pod {pod} serves metrics on port {expected}, not {requested}")]
    WrongPort {
        pod: String,
        expected: u16,
        requested: String,
    },
}

impl MetricsUnavailable {
    /// The HTTP status a real endpoint / proxy would answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotRunning(_) => 503,
            _ => 404,
        }
    }
}

fn container_port_by_name(pod: &Value, name: &str) -> Option<u16> {
    pod.pointer("/spec/containers")?
        .as_array()?
        .iter()
        .find_map(|c| {
            c.get("ports")?.as_array()?.iter().find_map(|p| {
                (p.get("name").and_then(Value::as_str) == Some(name))
                    .then(|| {
                        p.get("containerPort")
                            .and_then(Value::as_u64)
                            .and_then(|n| u16::try_from(n).ok())
                    })
                    .flatten()
            })
        })
}

/// The metrics text of pod `namespace/pod` now. `port` (number or container-port name, as in the
/// pod proxy's `NAME:PORT`) must be the pod's metrics port when given: 8000 for vLLM, 9090 for the EPP.
pub fn render_pod_metrics(
    state: &MetricsState,
    namespace: &str,
    pod: &str,
    port: Option<&str>,
) -> Result<String, MetricsUnavailable> {
    let objects = state.namespace_objects(namespace);
    let qualified = format!("{namespace}/{pod}");
    let pod_obj = objects
        .iter()
        .find(|o| {
            o.get("kind").and_then(Value::as_str) == Some("Pod")
                && o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(namespace)
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(pod)
        })
        .ok_or_else(|| MetricsUnavailable::NoSuchPod(pod.to_string()))?;
    let kind =
        pod_kind(pod_obj).ok_or_else(|| MetricsUnavailable::NotAMetricsPod(qualified.clone()))?;
    if pod_obj.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
        return Err(MetricsUnavailable::NotRunning(qualified));
    }
    let expected = if kind == PodKind::Epp {
        EPP_METRICS_PORT
    } else {
        VLLM_METRICS_PORT
    };
    if let Some(requested) = port {
        let number = requested
            .parse::<u16>()
            .ok()
            .or_else(|| container_port_by_name(pod_obj, requested));
        if number != Some(expected) {
            return Err(MetricsUnavailable::WrongPort {
                pod: qualified,
                expected,
                requested: requested.to_string(),
            });
        }
    }
    let mut input = pod_metrics_input(&objects, &state.config, namespace, pod)
        .ok_or_else(|| MetricsUnavailable::NotAMetricsPod(qualified.clone()))?;
    let elapsed = state.started.elapsed().as_secs_f64();
    state.ledger.apply(&mut input, kind, elapsed);
    pod_metrics(&input, elapsed).ok_or(MetricsUnavailable::NotAMetricsPod(qualified))
}

async fn serve_pod(
    State(state): State<MetricsState>,
    Path((namespace, pod)): Path<(String, String)>,
) -> Response {
    match render_pod_metrics(&state, &namespace, &pod, None) {
        Ok(text) => ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::NOT_FOUND);
            (status, format!("{e}\n")).into_response()
        }
    }
}

/// Router for the listener Prometheus scrapes: `GET /pods/{ns}/{pod}/metrics`.
pub fn metrics_router(state: MetricsState) -> Router {
    Router::new()
        .route("/pods/{namespace}/{pod}/metrics", get(serve_pod))
        .with_state(state)
}
