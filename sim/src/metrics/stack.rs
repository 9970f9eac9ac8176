//! The whole simulated monitoring path in one handle: the pod-metrics listener, the user-workload
//! Prometheus scraping it (config generated from the cluster's monitors) and the Thanos-like
//! front's `web` and `tenancy` listeners, all on 127.0.0.1 with free ports.
//!
//! [`MonitoringStack::refresh`] regenerates the scrape configuration from the current objects
//! and reloads Prometheus when it changed — call it after monitors, pods, services or the
//! cluster-monitoring ConfigMap change. Everything stops when the stack is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::{MetricsState, metrics_router};
use crate::prometheus::{PrometheusError, PrometheusProcess, scrape_config_yaml_every};
use crate::thanos::{ThanosAuthorizer, ThanosFront};

/// How often Prometheus scrapes unless told otherwise ([`crate::prometheus::SCRAPE_INTERVAL`]).
pub const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(1);

/// Running listeners + Prometheus; see the module docs.
pub struct MonitoringStack {
    /// Where Prometheus scrapes `/pods/{ns}/{pod}/metrics`.
    pub metrics_addr: SocketAddr,
    /// Thanos-like `web` port (9091 on OpenShift).
    pub web_addr: SocketAddr,
    /// Thanos-like `tenancy` port (9092 on OpenShift).
    pub tenancy_addr: SocketAddr,
    pub prometheus: PrometheusProcess,
    pub front: ThanosFront,
    state: MetricsState,
    interval: Duration,
    config: Mutex<String>,
    tasks: Vec<JoinHandle<()>>,
}

async fn serve(
    router: axum::Router,
    what: &str,
) -> Result<(SocketAddr, JoinHandle<()>), PrometheusError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|source| PrometheusError::Io {
            context: format!("binding the {what} listener"),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| PrometheusError::Io {
            context: format!("reading the {what} listener address"),
            source,
        })?;
    let task = tokio::spawn(async move {
        // The listener only ends when the stack aborts this task.
        let _ = axum::serve(listener, router).await;
    });
    Ok((addr, task))
}

impl MonitoringStack {
    /// Starts the listeners and Prometheus (fails with an install hint when `prometheus` is
    /// missing), scraping every [`DEFAULT_SCRAPE_INTERVAL`].
    pub async fn start(
        state: MetricsState,
        authorizer: Arc<dyn ThanosAuthorizer>,
    ) -> Result<Self, PrometheusError> {
        Self::start_scraping_every(state, authorizer, DEFAULT_SCRAPE_INTERVAL).await
    }

    /// [`MonitoringStack::start`] with Prometheus scraping every `interval`: longer intervals
    /// keep a cluster of over a thousand pods (`large`) from saturating a small machine.
    pub async fn start_scraping_every(
        state: MetricsState,
        authorizer: Arc<dyn ThanosAuthorizer>,
        interval: Duration,
    ) -> Result<Self, PrometheusError> {
        let (metrics_addr, metrics_task) = serve(metrics_router(state.clone()), "metrics").await?;
        let config =
            scrape_config_yaml_every(&(state.objects)(), &metrics_addr.to_string(), interval);
        let prometheus = PrometheusProcess::start(&config).await?;
        let front = ThanosFront::new(prometheus.url(), authorizer);
        let (web_addr, web_task) = serve(front.web_router(), "thanos web").await?;
        let (tenancy_addr, tenancy_task) = serve(front.tenancy_router(), "thanos tenancy").await?;
        Ok(Self {
            metrics_addr,
            web_addr,
            tenancy_addr,
            prometheus,
            front,
            state,
            interval,
            config: Mutex::new(config),
            tasks: vec![metrics_task, web_task, tenancy_task],
        })
    }

    /// Regenerates the scrape configuration; reloads Prometheus and returns `true` if it changed.
    pub async fn refresh(&self) -> Result<bool, PrometheusError> {
        let config = scrape_config_yaml_every(
            &(self.state.objects)(),
            &self.metrics_addr.to_string(),
            self.interval,
        );
        let changed = {
            let current = self.config.lock().unwrap_or_else(|p| p.into_inner());
            *current != config
        };
        if !changed {
            return Ok(false);
        }
        self.prometheus.reload(&config).await?;
        *self.config.lock().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(true)
    }

    /// The scrape configuration Prometheus currently runs.
    pub fn current_config(&self) -> String {
        self.config
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for MonitoringStack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
