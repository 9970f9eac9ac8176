//! `kubectl-llmd demo serve`: run a simulated cluster as a process until SIGINT/SIGTERM.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cluster::{SimCluster, SimOptions};
use crate::error::SimError;

/// What `demo serve` needs.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Scenario YAML texts, concatenated in order.
    pub fixtures: Vec<String>,
    /// Labels for the fixtures in error messages (usually their paths).
    pub fixture_names: Vec<String>,
    pub latency_ms: u64,
    /// 0 picks a free port.
    pub port: u16,
    /// Where to write the admin kubeconfig; each other user's goes to `<path>.<user>`.
    pub kubeconfig_out: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
}

/// Starts the cluster, writes kubeconfigs, prints `ready`, serves until SIGINT/SIGTERM.
pub async fn run(opts: ServeOptions) -> Result<(), SimError> {
    let cluster = SimCluster::start(SimOptions {
        fixtures: opts.fixtures,
        fixture_names: opts.fixture_names,
        latency: Duration::from_millis(opts.latency_ms),
        port: opts.port,
        tls: !opts.plain_http,
        ..Default::default()
    })
    .await?;
    if let Some(path) = &opts.kubeconfig_out {
        write_kubeconfigs(&cluster, path)?;
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready");
        let _ = out.flush();
    }
    wait_for_signal().await?;
    cluster.shutdown().await;
    Ok(())
}

/// Writes the admin kubeconfig to `path` and each other user's to `<path>.<user>`; returns the paths.
pub fn write_kubeconfigs(cluster: &SimCluster, path: &Path) -> Result<Vec<PathBuf>, SimError> {
    let mut written = vec![path.to_path_buf()];
    write_file(path, &cluster.kubeconfig("admin"))?;
    for u in cluster.config().users {
        if u.name != "admin" {
            let mut p = path.as_os_str().to_os_string();
            p.push(format!(".{}", u.name));
            let p = PathBuf::from(p);
            write_file(&p, &cluster.kubeconfig(&u.name))?;
            written.push(p);
        }
    }
    Ok(written)
}

fn write_file(path: &Path, text: &str) -> Result<(), SimError> {
    std::fs::write(path, text).map_err(|source| SimError::Io {
        context: format!("writing kubeconfig {}", path.display()),
        source,
    })
}

async fn wait_for_signal() -> Result<(), SimError> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|source| SimError::Io {
            context: "installing the SIGTERM handler".into(),
            source,
        })?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
