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
use crate::prometheus::{PrometheusError, PrometheusProcess, SCRAPE_EVERY, scrape_config_every};
use crate::thanos::{ThanosAuthorizer, ThanosFront};

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
    scrape_interval: Duration,
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
    /// Starts the listeners and Prometheus (fails with an install hint when `prometheus` is missing),
    /// scraping every [`SCRAPE_EVERY`].
    pub async fn start(
        state: MetricsState,
        authorizer: Arc<dyn ThanosAuthorizer>,
    ) -> Result<Self, PrometheusError> {
        Self::start_scraping_every(state, authorizer, SCRAPE_EVERY).await
    }

    /// [`MonitoringStack::start`] with another scrape interval (large clusters: every target is
    /// rendered on every scrape, so a second per round is more than a small machine has).
    pub async fn start_scraping_every(
        state: MetricsState,
        authorizer: Arc<dyn ThanosAuthorizer>,
        scrape_interval: Duration,
    ) -> Result<Self, PrometheusError> {
        let (metrics_addr, metrics_task) = serve(metrics_router(state.clone()), "metrics").await?;
        let config = config_text(&state, &metrics_addr.to_string(), scrape_interval);
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
            scrape_interval,
            config: Mutex::new(config),
            tasks: vec![metrics_task, web_task, tenancy_task],
        })
    }

    /// Regenerates the scrape configuration; reloads Prometheus and returns `true` if it changed.
    pub async fn refresh(&self) -> Result<bool, PrometheusError> {
        let config = config_text(
            &self.state,
            &self.metrics_addr.to_string(),
            self.scrape_interval,
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

fn config_text(state: &MetricsState, listener: &str, interval: Duration) -> String {
    let config = scrape_config_every(&(state.objects)(), listener, interval);
    serde_json::to_string_pretty(&config).unwrap_or_default()
}

impl Drop for MonitoringStack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
