//! The whole simulated OpenShift AI cluster in one handle: the API server, the vLLM/EPP metric
//! emitters behind the pod proxy, and — when `prometheus` is installed and asked for — a real
//! Prometheus scraping them, fronted by a Thanos-Querier-like endpoint reachable over HTTPS as the
//! `thanos-querier` Route host of `openshift-monitoring`, with OpenShift's token checks.
//!
//! Wiring:
//! - pod proxy (`…/pods/NAME:PORT/proxy/metrics`) → [`crate::metrics::render_pod_metrics`];
//! - Thanos authorizer → the API server's own tokens and RBAC: the web port needs `get`/`create`
//!   on `prometheuses/api` `k8s` in `openshift-monitoring` (group `monitoring.coreos.com`, what
//!   `cluster-monitoring-view` grants); the tenancy port needs `get pods.metrics.k8s.io` in the
//!   namespace (what `view` grants);
//! - a TLS terminator signed by the cluster CA in front of the Thanos web port, whose address
//!   becomes the Route's host;
//! - a refresher re-generating Prometheus' scrape configuration once a second, so enabling User
//!   Workload Monitoring (or adding a PodMonitor) takes effect as on a real cluster.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::cluster::{SimCluster, SimOptions, StoreHandle};
use crate::error::SimError;
use crate::metrics::{
    MetricsState, MonitoringStack, ObjectSource, cached_object_source, render_pod_metrics,
};
use crate::rbac::Attributes;
use crate::thanos::{AuthDecision, ThanosAuthorizer};

/// Kinds the metric emitters and the scrape-config generator read.
const METRIC_KINDS: &[(&str, &str)] = &[
    ("", "Pod"),
    ("", "Service"),
    ("", "Namespace"),
    ("", "ConfigMap"),
    ("serving.kserve.io", "LLMInferenceService"),
    ("inference.networking.x-k8s.io", "InferencePool"),
    ("inference.networking.k8s.io", "InferencePool"),
    ("monitoring.coreos.com", "PodMonitor"),
    ("monitoring.coreos.com", "ServiceMonitor"),
];

/// Start options for [`World::start`].
#[derive(Clone, Default)]
pub struct WorldOptions {
    pub sim: SimOptions,
    /// Start Prometheus + the Thanos front (requires `prometheus` on PATH).
    pub monitoring: bool,
}

/// A running simulated cluster, with or without its monitoring stack.
pub struct World {
    pub cluster: SimCluster,
    pub monitoring: Option<Arc<MonitoringStack>>,
    /// `host:port` of the HTTPS Thanos front (the `thanos-querier` Route host).
    pub thanos_host: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl World {
    /// Starts the cluster (and, when asked, its monitoring stack scraping every second).
    pub async fn start(opts: WorldOptions) -> Result<World, SimError> {
        Self::start_scraping_every(opts, crate::metrics::DEFAULT_SCRAPE_INTERVAL).await
    }

    /// [`World::start`] with Prometheus scraping every `scrape_interval` (the benchmark uses a
    /// longer interval so that `large`'s 1,300 pods do not load the machine it measures on).
    pub async fn start_scraping_every(
        opts: WorldOptions,
        scrape_interval: Duration,
    ) -> Result<World, SimError> {
        crate::tls::ensure_crypto_provider();
        let store_slot: Arc<OnceLock<StoreHandle>> = Arc::new(OnceLock::new());
        let started = Instant::now();
        // One snapshot per resourceVersion: the metric emitters read the objects on every scrape
        // (over 1,300 a second on `large`), the store changes only on writes.
        let objects: ObjectSource = {
            let version_slot = store_slot.clone();
            let load_slot = store_slot.clone();
            cached_object_source(
                move || version_slot.get().map_or(0, StoreHandle::resource_version),
                move || match load_slot.get() {
                    Some(store) => METRIC_KINDS
                        .iter()
                        .flat_map(|(group, kind)| store.list_kind(group, kind))
                        .collect(),
                    None => Vec::new(),
                },
            )
        };
        let mut sim = opts.sim;
        // The SimConfig is only known after loading; the emitters read it through this cell.
        let config_slot: Arc<OnceLock<MetricsState>> = Arc::new(OnceLock::new());
        {
            let states = config_slot.clone();
            sim.pod_http_hook = Some(Arc::new(move |pod: &Value, port: u16, path: &str| {
                let path = path
                    .split('?')
                    .next()
                    .unwrap_or(path)
                    .trim_start_matches('/');
                if path != "metrics" {
                    return None;
                }
                let state = states.get()?;
                let ns = pod.pointer("/metadata/namespace").and_then(Value::as_str)?;
                let name = pod.pointer("/metadata/name").and_then(Value::as_str)?;
                let port = port.to_string();
                Some(match render_pod_metrics(state, ns, name, Some(&port)) {
                    Ok(text) => (200, crate::metrics::METRICS_CONTENT_TYPE.to_string(), text),
                    Err(e) => (e.status(), "text/plain".to_string(), e.to_string()),
                })
            }));
        }
        let cluster = SimCluster::start(sim).await?;
        let _ = store_slot.set(cluster.store());
        let state = MetricsState::new(objects, cluster.config(), started);
        let _ = config_slot.set(state.clone());

        let mut world = World {
            cluster,
            monitoring: None,
            thanos_host: None,
            tasks: Vec::new(),
        };
        if !opts.monitoring {
            return Ok(world);
        }
        let authorizer = Arc::new(RbacAuthorizer {
            store: world.cluster.store(),
        });
        let stack = MonitoringStack::start_scraping_every(state, authorizer, scrape_interval)
            .await
            .map_err(|e| SimError::Monitoring(e.to_string()))?;
        let stack = Arc::new(stack);
        let cert = world
            .cluster
            .issue_server_cert(&["127.0.0.1", "localhost"])?;
        let (host, tls_task) = tls_terminator(cert.server_config()?, stack.web_addr).await?;
        world
            .cluster
            .set_route_host("openshift-monitoring", "thanos-querier", &host);
        world.thanos_host = Some(host);
        let refresher = {
            let stack = stack.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let _ = stack.refresh().await;
                }
            })
        };
        world.tasks.extend([tls_task, refresher]);
        world.monitoring = Some(stack);
        Ok(world)
    }

    pub async fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
        drop(self.monitoring);
        self.cluster.shutdown().await;
    }
}

/// Accept TLS on a free port and pipe each connection to `upstream` (plain HTTP).
async fn tls_terminator(
    config: Arc<rustls::ServerConfig>,
    upstream: std::net::SocketAddr,
) -> Result<(String, JoinHandle<()>), SimError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|source| SimError::Bind { port: 0, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Io {
        context: "reading the Thanos TLS address".into(),
        source,
    })?;
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    Ok((addr.to_string(), task))
}

/// kube-rbac-proxy's decisions, answered from the simulated API server's tokens and RBAC.
struct RbacAuthorizer {
    store: StoreHandle,
}

impl ThanosAuthorizer for RbacAuthorizer {
    fn authorize(
        &self,
        token: Option<&str>,
        method: &str,
        tenancy_namespace: Option<&str>,
    ) -> AuthDecision {
        let Some(user) = token.and_then(|t| self.store.user_for_token(t)) else {
            return AuthDecision::Unauthenticated;
        };
        let verb = match method {
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "get",
        };
        let attrs = match tenancy_namespace {
            None => Attributes {
                verb: verb.into(),
                group: "monitoring.coreos.com".into(),
                resource: "prometheuses".into(),
                subresource: "api".into(),
                name: "k8s".into(),
                namespace: "openshift-monitoring".into(),
                path: None,
            },
            Some(ns) => Attributes {
                verb: "get".into(),
                group: "metrics.k8s.io".into(),
                resource: "pods".into(),
                subresource: String::new(),
                name: String::new(),
                namespace: ns.into(),
                path: None,
            },
        };
        if self.store.allowed(&user, &attrs) {
            AuthDecision::Allowed
        } else {
            AuthDecision::Forbidden(user.name)
        }
    }
}
