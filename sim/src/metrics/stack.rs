//! The whole simulated monitoring path in one handle: the pod-metrics listener, the user-workload
//! Prometheus scraping it (config generated from the cluster's monitors) and the Thanos-like
//! front's `web` and `tenancy` listeners, all on 127.0.0.1 with free ports.
//!
//! [`MonitoringStack::refresh`] regenerates the scrape configuration from the current objects
//! and reloads Prometheus when it changed — call it after monitors, pods, services or the
//! cluster-monitoring ConfigMap change. Everything stops when the stack is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;

use super::{MetricsState, metrics_router};
use crate::prometheus::{PrometheusError, PrometheusProcess, scrape_config_yaml};
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
    /// Starts the listeners and Prometheus (fails with an install hint when `prometheus` is missing).
    pub async fn start(
        state: MetricsState,
        authorizer: Arc<dyn ThanosAuthorizer>,
    ) -> Result<Self, PrometheusError> {
        let (metrics_addr, metrics_task) = serve(metrics_router(state.clone()), "metrics").await?;
        let config = scrape_config_yaml(&(state.objects)(), &metrics_addr.to_string());
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
            config: Mutex::new(config),
            tasks: vec![metrics_task, web_task, tenancy_task],
        })
    }

    /// Regenerates the scrape configuration; reloads Prometheus and returns `true` if it changed.
    pub async fn refresh(&self) -> Result<bool, PrometheusError> {
        let config = scrape_config_yaml(&(self.state.objects)(), &self.metrics_addr.to_string());
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
