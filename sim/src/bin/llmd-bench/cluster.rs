//! The simulated cluster a measurement runs against, and one measured run of a command on it.
//!
//! A [`Bench`] world is `llmd_sim::world::World` started from a shipped scenario with its
//! monitoring stack (real Prometheus scraping the simulated pods behind the Thanos-like front and
//! its `thanos-querier` Route), the admin kubeconfig written to a private directory that is also
//! the children's `HOME` (kubectl's discovery cache lives there). The injected latency applies to
//! every request of the cluster: the API server's and the Thanos Route's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmd_sim::SimOptions;
use llmd_sim::world::{World, WorldOptions};
use serde_json::Value;

use crate::child::{ChildRun, Spawner, Spec};
use crate::depth::{Interval, sequential_depth};

/// What one run of one command cost, as the servers saw it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub wall: Duration,
    pub peak_rss_kib: u64,
    /// Requests in the API server's log.
    pub api_requests: usize,
    /// [`sequential_depth`] of those requests.
    pub depth: usize,
    /// Requests in the Thanos front's query log.
    pub prom_queries: usize,
    /// First Thanos request's arrival to the last answer, and the slowest single request.
    pub prom_span: Option<Duration>,
    pub prom_slowest: Option<Duration>,
    /// Exit code of each process (one for our commands, one per question for the baseline).
    pub exits: Vec<Option<i32>>,
    /// First line of the first failing process' output, if any failed unexpectedly.
    pub failure: Option<String>,
}

/// A running simulated cluster plus what the children need to reach it.
pub struct Bench {
    pub world: World,
    pub scenario: &'static str,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

/// The programs a measurement runs, and the spawner that runs them.
#[derive(Clone)]
pub struct Programs {
    pub plugin: PathBuf,
    pub kubectl: PathBuf,
    pub spawner: Arc<Mutex<Spawner>>,
}

impl Programs {
    /// Runs `specs` one after the other through the spawner (off the async runtime's threads).
    pub async fn run_all(&self, specs: Vec<Spec>) -> Result<Vec<ChildRun>, String> {
        let spawner = self.spawner.clone();
        tokio::task::spawn_blocking(move || {
            let mut spawner = spawner.lock().unwrap_or_else(|p| p.into_inner());
            specs.iter().map(|spec| spawner.run(spec)).collect()
        })
        .await
        .map_err(|e| format!("measurement thread: {e}"))?
    }
}

/// The scrape interval of the bench's Prometheus for a scenario. OpenShift's user-workload
/// monitors default to 30 s. The simulator's 1 s is fine for the small scenarios, but on `large`
/// (1,300 pods, ~250 series each) it makes Prometheus ingest ~300,000 samples a second and scan
/// 300 samples per series for every 5-minute rate — enough to saturate the 2-core machines this
/// runs on and turn each query into seconds. `large` uses OpenShift's 30 s: the background load
/// of scraping 1,300 pods is then what a real cluster's Prometheus carries relative to its
/// size, and Prometheus has scraped every target twice ~65 s after start.
pub fn scrape_interval(scenario: &str) -> Duration {
    if scenario == "large" {
        Duration::from_secs(30)
    } else {
        llmd_sim::prometheus::SCRAPE_EVERY
    }
}

impl Bench {
    /// Starts `scenario` with monitoring on.
    pub async fn start(scenario: &'static str) -> Result<Bench, String> {
        let fixtures = llmd_sim::scenarios::fixtures(scenario)
            .ok_or_else(|| format!("no scenario named {scenario}"))?;
        let world = World::start(WorldOptions {
            sim: SimOptions::new(fixtures),
            monitoring: true,
            scrape_interval: Some(scrape_interval(scenario)),
        })
        .await
        .map_err(|e| format!("starting scenario {scenario}: {e}"))?;
        let dir = tempfile::Builder::new()
            .prefix("llmd-bench-")
            .tempdir()
            .map_err(|e| format!("creating a temporary directory: {e}"))?;
        let kubeconfig = dir.path().join("kubeconfig");
        llmd_sim::serve::write_kubeconfigs(&world.cluster, &kubeconfig)
            .map_err(|e| format!("writing the kubeconfig: {e}"))?;
        Ok(Bench {
            world,
            scenario,
            dir,
            kubeconfig,
        })
    }

    pub async fn shutdown(self) {
        self.world.shutdown().await;
    }

    /// Injects `latency` into every API and Thanos request.
    pub fn set_latency(&self, latency: Duration) {
        self.world.cluster.set_latency(latency);
        if let Some(stack) = &self.world.monitoring {
            stack.front.faults().set(llmd_sim::thanos::Faults {
                latency,
                ..Default::default()
            });
        }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `kubectl-llmd --kubeconfig K ARGS…`, isolated from the caller's environment.
    pub fn plugin(&self, programs: &Programs, args: &[&str]) -> Spec {
        self.isolate(Spec::new(&programs.plugin), args)
    }

    /// `kubectl --kubeconfig K ARGS…`, isolated the same way (its discovery cache under our HOME).
    pub fn kubectl(&self, programs: &Programs, args: &[&str]) -> Spec {
        self.isolate(Spec::new(&programs.kubectl), args)
    }

    fn isolate(&self, spec: Spec, args: &[&str]) -> Spec {
        spec.arg("--kubeconfig")
            .arg(self.kubeconfig.to_string_lossy())
            .args(args.iter().copied())
            .env_remove("KUBECONFIG")
            .env_remove("OC_LLMD_PROMETHEUS_TOKEN")
            .env("HOME", self.home().to_string_lossy())
            .env("NO_COLOR", "1")
    }

    fn clear_logs(&self) {
        self.world.cluster.reset_request_log();
        if let Some(stack) = &self.world.monitoring {
            stack.front.log().clear();
        }
    }

    /// Runs the commands one after the other (as a user would type them) and measures them
    /// together: wall is the sum of the processes' walls, RSS the largest peak, the logs cover
    /// all of them. `ok` decides which exit codes are expected.
    pub async fn measure(
        &self,
        programs: &Programs,
        commands: Vec<Spec>,
        ok: fn(Option<i32>) -> bool,
    ) -> Result<Sample, String> {
        self.clear_logs();
        let runs = programs.run_all(commands).await?;
        let log = self.world.cluster.request_log();
        let intervals: Vec<Interval> = log
            .iter()
            .map(|r| Interval {
                start_ms: r.start_ms,
                duration_ms: r.duration_ms,
            })
            .collect();
        let (prom_queries, span_slowest) = match &self.world.monitoring {
            Some(stack) => {
                let queries = stack.front.log();
                if std::env::var_os("LLMD_BENCH_TRACE").is_some() {
                    for e in queries.entries() {
                        let text: String = e.query.chars().take(100).collect();
                        eprintln!(
                            "llmd-bench: trace {:>7.1} ms {} {text}",
                            e.duration.as_secs_f64() * 1000.0,
                            e.path
                        );
                    }
                }
                (queries.entries().len(), queries.span_and_slowest())
            }
            None => (0, None),
        };
        Ok(Sample {
            wall: runs.iter().map(|r| r.wall).sum(),
            peak_rss_kib: runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0),
            api_requests: log.len(),
            depth: sequential_depth(&intervals),
            prom_queries,
            prom_span: span_slowest.map(|(span, _)| span),
            prom_slowest: span_slowest.map(|(_, slowest)| slowest),
            exits: runs.iter().map(|r| r.code).collect(),
            failure: runs
                .iter()
                .find(|r| !ok(r.code))
                .map(|r| format!("exit {:?}: {}", r.code, r.first_line())),
        })
    }

    /// Untimed: fills kubectl's discovery cache under our HOME, so the baseline is measured the
    /// way a user who has used kubectl on this cluster before runs it (the fastest kubectl gets).
    pub async fn warm_kubectl(&self, programs: &Programs) -> Result<(), String> {
        let runs = programs
            .run_all(vec![self.kubectl(programs, &["api-resources"])])
            .await?;
        let Some(run) = runs.first() else {
            return Err("kubectl api-resources did not run".into());
        };
        if run.code != Some(0) {
            return Err(format!(
                "kubectl api-resources failed on {}: {}",
                self.scenario,
                run.first_line()
            ));
        }
        Ok(())
    }

    /// Waits until Prometheus has scraped every active target at least twice (what `stats`
    /// needs for a rate), polling its API; returns at once when the scenario has nothing to
    /// scrape (User Workload Monitoring off). Errors after `limit`.
    pub async fn wait_for_scrapes(&self, limit: Duration) -> Result<Duration, String> {
        let Some(stack) = &self.world.monitoring else {
            return Ok(Duration::ZERO);
        };
        let begun = Instant::now();
        let client = reqwest::Client::new();
        loop {
            let has_jobs = serde_json::from_str::<Value>(&stack.current_config())
                .ok()
                .and_then(|c| c.get("scrape_configs")?.as_array().map(|j| !j.is_empty()))
                .unwrap_or(false);
            if !has_jobs {
                return Ok(begun.elapsed());
            }
            let active = active_targets(&client, &stack.prometheus.url()).await;
            let up = scalar(&stack.prometheus, "count(up)").await;
            let scraped_twice =
                scalar(&stack.prometheus, "count(count_over_time(up[10m]) >= 2)").await;
            if let (Some(active), Some(up), Some(twice)) = (active, up, scraped_twice)
                && active > 0
                && up as usize == active
                && twice as usize == active
            {
                return Ok(begun.elapsed());
            }
            if begun.elapsed() > limit {
                return Err(format!(
                    "Prometheus did not scrape every target of {} twice within {limit:?} \
                     (active targets {active:?}, with samples {up:?}, scraped twice {scraped_twice:?})",
                    self.scenario
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// The value of a one-sample instant query; `None` when empty or not answered.
async fn scalar(prometheus: &llmd_sim::prometheus::PrometheusProcess, promql: &str) -> Option<f64> {
    let answer = prometheus.query(promql).await.ok()?;
    answer
        .pointer("/data/result/0/value/1")?
        .as_str()?
        .parse()
        .ok()
}

/// How many targets Prometheus scrapes after relabelling (`/api/v1/targets?state=active`).
async fn active_targets(client: &reqwest::Client, url: &str) -> Option<usize> {
    let answer: Value = client
        .get(format!("{url}/api/v1/targets?state=active"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some(answer.pointer("/data/activeTargets")?.as_array()?.len())
}
