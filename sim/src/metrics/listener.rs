//! The HTTP side of the simulated `/metrics`: the listener Prometheus scrapes
//! (`GET /pods/{ns}/{pod}/metrics`) and the text the API server's pod proxy
//! (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics`) returns.
//!
//! Prometheus scrapes every pod once a second; on `large` that is over 1,300 scrapes a second.
//! Each scrape needs the pod object and its [`PodMetricsInput`] (traffic share, pool, generation),
//! which depend on the whole object set. [`MetricsState`] therefore keeps a per-snapshot index:
//! while the [`ObjectSource`] keeps returning the same `Arc` (the simulated cluster's source hands
//! out one snapshot per resourceVersion, see [`cached_object_source`]), a pod is found by a hash
//! lookup and its input computed once; a new snapshot drops the index.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::PodMetricsInput;
use super::{EPP_METRICS_PORT, PodKind, VLLM_METRICS_PORT, pod_kind, pod_metrics};
use crate::config::SimConfig;
use crate::traffic::pod_metrics_input;

/// Content type of the text exposition format both client libraries serve.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Returns a snapshot of every current cluster object (at least Pods, LLMInferenceServices,
/// InferencePools). Returning the same `Arc` while nothing changed lets [`MetricsState`] reuse
/// its per-snapshot index; a fresh `Arc` on every call is correct, only slower.
pub type ObjectSource = Arc<dyn Fn() -> Arc<Vec<Value>> + Send + Sync>;

/// An [`ObjectSource`] that calls `load` only when `version()` changed since the last call and
/// otherwise hands out the same snapshot. `version` must change whenever what `load` returns
/// could (the simulated cluster's resourceVersion does); it is read before loading, so a write
/// racing the load only makes the next call load again.
pub fn cached_object_source(
    version: impl Fn() -> u64 + Send + Sync + 'static,
    load: impl Fn() -> Vec<Value> + Send + Sync + 'static,
) -> ObjectSource {
    let cache: Mutex<Option<(u64, Arc<Vec<Value>>)>> = Mutex::new(None);
    Arc::new(move || {
        let current = version();
        let mut slot = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((v, objects)) = slot.as_ref()
            && *v == current
        {
            return objects.clone();
        }
        let objects = Arc::new(load());
        *slot = Some((current, objects.clone()));
        objects
    })
}

/// Pods by `(namespace, name)` and the inputs computed so far, for one object snapshot.
struct SnapshotIndex {
    objects: Arc<Vec<Value>>,
    pods: HashMap<(String, String), usize>,
    inputs: HashMap<(String, String), Option<PodMetricsInput>>,
}

impl SnapshotIndex {
    fn new(objects: Arc<Vec<Value>>) -> Self {
        let pods = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.get("kind").and_then(Value::as_str) == Some("Pod"))
            .filter_map(|(i, o)| {
                let ns = o.pointer("/metadata/namespace").and_then(Value::as_str)?;
                let name = o.pointer("/metadata/name").and_then(Value::as_str)?;
                Some(((ns.to_string(), name.to_string()), i))
            })
            .collect();
        Self {
            objects,
            pods,
            inputs: HashMap::new(),
        }
    }
}

/// What the metrics listener needs: the objects, the scenario config and the simulation start.
#[derive(Clone)]
pub struct MetricsState {
    pub objects: ObjectSource,
    pub config: Arc<SimConfig>,
    pub started: Instant,
    index: Arc<Mutex<Option<SnapshotIndex>>>,
}

impl MetricsState {
    pub fn new(objects: ObjectSource, config: SimConfig, started: Instant) -> Self {
        Self {
            objects,
            config: Arc::new(config),
            started,
            index: Arc::new(Mutex::new(None)),
        }
    }

    /// The pod object and its metrics input (`None` when it is neither vLLM nor EPP), from the
    /// index of the current snapshot (rebuilt when the source returned a different snapshot).
    fn pod_and_input(
        &self,
        namespace: &str,
        pod: &str,
    ) -> Option<(Value, Option<PodMetricsInput>)> {
        let objects = (self.objects)();
        let mut slot = self.index.lock().unwrap_or_else(|p| p.into_inner());
        let index = match slot.as_mut() {
            Some(index) if Arc::ptr_eq(&index.objects, &objects) => index,
            _ => slot.insert(SnapshotIndex::new(objects)),
        };
        let key = (namespace.to_string(), pod.to_string());
        let pod_obj = index.objects.get(*index.pods.get(&key)?)?.clone();
        let objects = index.objects.clone();
        let input = index
            .inputs
            .entry(key)
            .or_insert_with(|| pod_metrics_input(&objects, &self.config, namespace, pod))
            .clone();
        Some((pod_obj, input))
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
    let qualified = format!("{namespace}/{pod}");
    let (pod_obj, input) = state
        .pod_and_input(namespace, pod)
        .ok_or_else(|| MetricsUnavailable::NoSuchPod(pod.to_string()))?;
    let pod_obj = &pod_obj;
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
    let input = input.ok_or_else(|| MetricsUnavailable::NotAMetricsPod(qualified.clone()))?;
    pod_metrics(&input, state.started.elapsed().as_secs_f64())
        .ok_or(MetricsUnavailable::NotAMetricsPod(qualified))
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
