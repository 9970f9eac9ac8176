//! `llmd-bench`: measures the released `kubectl-llmd` against the simulated cluster and judges
//! the speed targets (issue 10), printing one PASS/FAIL line per target. Run it with
//! `scripts/bench [--short] [--json]` (which builds both binaries with `--release` first).
//!
//! Why this shape: the product is a short-lived CLI, so what users feel is a whole process —
//! start-up, kubeconfig, TLS, every round trip, exit. The bench therefore runs the REAL release
//! binary as a child process (as kubectl would) instead of calling library functions under
//! criterion, and observes it from the servers' side: the simulated API server's request log
//! gives the request count and the sequential round-trip depth, the Thanos front's query log the
//! Prometheus queries, the kernel's accounting (`wait4`) the peak RSS. The simulated cluster runs
//! in this process (`llmd_sim::world::World`, monitoring on: real Prometheus scraping the
//! simulated pods), so the bench needs no cluster; it lives in the sim crate because the sim is
//! the only thing it links — the product is measured, not linked.
//!
//! What it measures, for scenarios `seed-day0`, `healthy` and `large` at 0, 20 and 50 ms
//! injected latency (`--short`: `healthy` and `large` at 20 ms, still every target):
//! - `doctor -A` and `stats -A` (median wall of `--runs`, default 5), on one world per scenario
//!   that Prometheus has scraped at least twice (polled, not slept; scrape interval 1 s, 30 s on
//!   `large`, see [`cluster::scrape_interval`]); `--short` skips stats on `large`;
//! - the kubectl baseline ([`baseline::QUESTIONS`]): the seed blog's `kubectl get …` sequence,
//!   one process per question, on the same world with a warm discovery cache (median of 3 runs
//!   of the twenty processes);
//! - `install-monitoring --enable-uwm`, fresh (a new world per scenario and latency, right after
//!   it starts serving) and re-run on that world, one run each;
//! - `kubectl-llmd version` start-up (median of 31 runs after 3 warm-ups).
//!
//! Exit status: 0 every target passed, 1 a target failed, 2 the bench could not run.

mod baseline;
mod child;
mod cluster;
mod depth;
mod report;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use child::{Spawner, Spec};
use cluster::{Bench, Programs, Sample};
use report::{Command as Cmd, JsonReport, Row, Startup};

const USAGE: &str =
    "usage: llmd-bench [--short] [--json] [--runs N] [--plugin PATH] [--kubectl PATH]

Measures kubectl-llmd (doctor, stats, install-monitoring, version start-up) and the seed's
kubectl sequence against the simulated cluster; prints a table and PASS/FAIL per target.
  --short         healthy and large at 20 ms only (every target still judged), for CI
  --json          one JSON document on stdout instead of the table
  --runs N        runs per doctor/stats measurement (median wall; default 5)
  --plugin PATH   the kubectl-llmd to measure (default: next to this binary)
  --kubectl PATH  the kubectl for the baseline (default: kubectl on PATH)
  --list-baseline print the baseline's kubectl questions and where each comes from
Exit status: 0 all targets pass, 1 a target failed, 2 the bench could not run.";

/// Command-line options.
#[derive(Debug, Default, PartialEq)]
struct Args {
    short: bool,
    json: bool,
    runs: Option<usize>,
    plugin: Option<PathBuf>,
    kubectl: Option<PathBuf>,
    help: bool,
    list_baseline: bool,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--short" => parsed.short = true,
            "--json" => parsed.json = true,
            "-h" | "--help" => parsed.help = true,
            "--list-baseline" => parsed.list_baseline = true,
            "--runs" => {
                let v = value("--runs")?;
                let n: usize = v
                    .parse()
                    .map_err(|_| format!("--runs {v:?} is not a number"))?;
                if n == 0 {
                    return Err("--runs must be at least 1".into());
                }
                parsed.runs = Some(n);
            }
            "--plugin" => parsed.plugin = Some(PathBuf::from(value("--plugin")?)),
            "--kubectl" => parsed.kubectl = Some(PathBuf::from(value("--kubectl")?)),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

/// What to measure.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    scenarios: &'static [&'static str],
    latencies_ms: &'static [u64],
    /// Runs of doctor and stats (median wall).
    runs: usize,
    /// Runs of the kubectl baseline (median wall; one run is twenty processes).
    baseline_runs: usize,
    /// Scenarios measured without `stats`.
    no_stats: &'static [&'static str],
    install_scenarios: &'static [&'static str],
    install_latencies_ms: &'static [u64],
    startup_runs: usize,
}

impl Plan {
    fn new(short: bool, runs: Option<usize>) -> Plan {
        // Five runs: the median then shrugs off two runs that met a burst of Prometheus work
        // (1,300 pods are scraped on a 2-core machine that also runs the plugin and the API).
        let runs = runs.unwrap_or(5);
        if short {
            Plan {
                scenarios: &["healthy", "large"],
                latencies_ms: &[report::TARGET_LATENCY_MS],
                runs,
                baseline_runs: 3,
                // stats on large costs a minute of Prometheus time; its target is judged on healthy.
                no_stats: &["large"],
                install_scenarios: &["healthy"],
                install_latencies_ms: &[report::TARGET_LATENCY_MS],
                startup_runs: 31,
            }
        } else {
            Plan {
                scenarios: &["seed-day0", "healthy", "large"],
                latencies_ms: &[0, 20, 50],
                runs,
                baseline_runs: 3,
                no_stats: &[],
                install_scenarios: &["seed-day0", "healthy", "large"],
                install_latencies_ms: &[0, 20, 50],
                startup_runs: 31,
            }
        }
    }
}

/// How long Prometheus may take to scrape every target twice (target discovery alone is ~5 s).
const SCRAPE_WAIT: Duration = Duration::from_secs(150);
/// install-monitoring's own readiness timeout.
const INSTALL_TIMEOUT: &str = "120s";

/// Progress goes to stderr, so that with `--json` stdout holds only the document.
fn progress(message: &str) {
    eprintln!("llmd-bench: {message}");
}

/// doctor: 0 = no error, 1 = findings; anything else is a failure of the run.
fn doctor_ok(code: Option<i32>) -> bool {
    matches!(code, Some(0 | 1))
}

/// stats: 0 = numbers, 1 = nothing to show (no series yet, e.g. UWM off on seed-day0).
fn stats_ok(code: Option<i32>) -> bool {
    matches!(code, Some(0 | 1))
}

fn install_ok(code: Option<i32>) -> bool {
    code == Some(0)
}

/// A kubectl question that answers "not found" (exit 1) is still answered; only a crash is not.
fn kubectl_ok(code: Option<i32>) -> bool {
    code.is_some()
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn programs(args: &Args, spawner: Spawner) -> Result<Programs, String> {
    let plugin = match &args.plugin {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| format!("locating this binary: {e}"))?
            .with_file_name("kubectl-llmd"),
    };
    if !plugin.is_file() {
        return Err(format!(
            "{} not found: build it with `cargo build --release --bin kubectl-llmd` or pass --plugin",
            plugin.display()
        ));
    }
    let kubectl = match &args.kubectl {
        Some(k) => k.clone(),
        None => find_on_path("kubectl")
            .ok_or("kubectl is not on PATH (scripts/test installs it) — the baseline needs it")?,
    };
    llmd_sim::prometheus::locate_prometheus()
        .map_err(|e| format!("{e} (stats needs a real Prometheus)"))?;
    Ok(Programs {
        plugin,
        kubectl,
        spawner: Arc::new(Mutex::new(spawner)),
    })
}

/// `kubectl-llmd version`: warm-ups, then the median wall of `runs` runs.
async fn measure_startup(programs: &Programs, runs: usize) -> Result<Startup, String> {
    let spec = Spec::new(&programs.plugin)
        .arg("version")
        .env("NO_COLOR", "1");
    let all = programs.run_all(vec![spec; runs + 3]).await?;
    if let Some(failed) = all.iter().find(|r| r.code != Some(0)) {
        return Err(format!(
            "kubectl-llmd version failed: {}",
            failed.first_line()
        ));
    }
    let walls: Vec<f64> = all[3..]
        .iter()
        .map(|r| r.wall.as_secs_f64() * 1000.0)
        .collect();
    Ok(Startup {
        median_ms: depth::median(&walls).unwrap_or(f64::NAN),
        runs,
    })
}

/// The smallest peak RSS a child can report through the spawner (a `true` process), MiB.
async fn rss_floor(programs: &Programs) -> Result<f64, String> {
    let true_path = find_on_path("true").ok_or("`true` is not on PATH")?;
    let runs = programs.run_all(vec![Spec::new(true_path)]).await?;
    Ok(runs.first().map_or(0, |r| r.peak_rss_kib) as f64 / 1024.0)
}

async fn repeat(
    bench: &Bench,
    programs: &Programs,
    runs: usize,
    commands: impl Fn() -> Vec<Spec>,
    ok: fn(Option<i32>) -> bool,
) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(bench.measure(programs, commands(), ok).await?);
    }
    Ok(samples)
}

/// doctor, stats and the baseline at every latency on one world per scenario.
async fn measure_scenario(
    scenario: &'static str,
    plan: &Plan,
    programs: &Programs,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let begun = Instant::now();
    let bench = Bench::start(scenario).await?;
    let with_stats = !plan.no_stats.contains(&scenario);
    // doctor's live checks query Thanos too: every scenario is measured on scraped data.
    let waited = bench.wait_for_scrapes(SCRAPE_WAIT).await?;
    progress(&format!(
        "{scenario}: started, Prometheus ready after {:.1} s",
        waited.as_secs_f64()
    ));
    bench.warm_kubectl(programs).await?;
    for &latency in plan.latencies_ms {
        bench.set_latency(Duration::from_millis(latency));
        let doctor = repeat(
            &bench,
            programs,
            plan.runs,
            || vec![bench.plugin(programs, &["doctor", "-A"])],
            doctor_ok,
        )
        .await?;
        rows.push(Row::from_samples(Cmd::Doctor, scenario, latency, &doctor));
        if with_stats {
            let stats = repeat(
                &bench,
                programs,
                plan.runs,
                || vec![bench.plugin(programs, &["stats", "-A"])],
                stats_ok,
            )
            .await?;
            rows.push(Row::from_samples(Cmd::Stats, scenario, latency, &stats));
        }
        let kubectl = repeat(
            &bench,
            programs,
            plan.baseline_runs,
            || {
                baseline::QUESTIONS
                    .iter()
                    .map(|q| bench.kubectl(programs, q.args))
                    .collect()
            },
            kubectl_ok,
        )
        .await?;
        rows.push(Row::from_samples(
            Cmd::KubectlBaseline,
            scenario,
            latency,
            &kubectl,
        ));
        progress(&format!("{scenario} at {latency} ms: measured"));
    }
    bench.shutdown().await;
    progress(&format!(
        "{scenario}: done in {:.1} s",
        begun.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// install-monitoring fresh on a new world, then re-run on it.
async fn measure_install(
    scenario: &'static str,
    latency: u64,
    programs: &Programs,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    // A fresh cluster: install-monitoring runs as soon as it serves (Prometheus has not scraped
    // yet, so the metric naming comes from the monitors; the re-run is the idempotency check).
    let bench = Bench::start(scenario).await?;
    bench.set_latency(Duration::from_millis(latency));
    let args = [
        "install-monitoring",
        "--enable-uwm",
        "--timeout",
        INSTALL_TIMEOUT,
    ];
    let fresh = bench
        .measure(programs, vec![bench.plugin(programs, &args)], install_ok)
        .await?;
    rows.push(Row::from_samples(
        Cmd::InstallFresh,
        scenario,
        latency,
        &[fresh],
    ));
    let rerun = bench
        .measure(programs, vec![bench.plugin(programs, &args)], install_ok)
        .await?;
    rows.push(Row::from_samples(
        Cmd::InstallRerun,
        scenario,
        latency,
        &[rerun],
    ));
    bench.shutdown().await;
    progress(&format!(
        "install-monitoring on {scenario} at {latency} ms: measured"
    ));
    Ok(())
}

async fn run(args: &Args, spawner: Spawner) -> Result<bool, String> {
    let begun = Instant::now();
    let plan = Plan::new(args.short, args.runs);
    let programs = programs(args, spawner)?;
    let floor = rss_floor(&programs).await?;
    progress(&format!(
        "peak RSS floor through the spawner (a `true` process): {floor:.1} MiB"
    ));
    let startup = measure_startup(&programs, plan.startup_runs).await?;
    let mut rows = Vec::new();
    for &scenario in plan.scenarios {
        measure_scenario(scenario, &plan, &programs, &mut rows).await?;
    }
    for &scenario in plan.install_scenarios {
        for &latency in plan.install_latencies_ms {
            measure_install(scenario, latency, &programs, &mut rows).await?;
        }
    }
    let order = |s: &str| plan.scenarios.iter().position(|x| *x == s);
    rows.sort_by_key(|r| (r.command, order(&r.scenario), r.latency_ms));
    report::add_ratios(&mut rows);
    let targets = report::evaluate(&rows, Some(startup));
    let pass = targets.iter().all(|t| t.pass);
    if args.json {
        let doc = JsonReport {
            kind: "BenchReport",
            short: args.short,
            rows: &rows,
            startup: Some(startup),
            targets: &targets,
            pass,
        };
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| format!("serialising the report: {e}"))?;
        println!("{text}");
    } else {
        print!("{}", report::render_text(&rows, Some(startup), &targets));
    }
    progress(&format!(
        "finished in {:.0} s",
        begun.elapsed().as_secs_f64()
    ));
    Ok(pass)
}

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--spawner") {
        let stdin = std::io::stdin().lock();
        return match child::serve_spawner(stdin, std::io::stdout().lock()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("llmd-bench spawner: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    // First, while this process is still small: see `child` for why children are spawned there.
    let spawner = match std::env::current_exe().and_then(|exe| Spawner::start(&exe)) {
        Ok(spawner) => spawner,
        Err(e) => {
            eprintln!("error: starting the spawner: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    if args.help {
        println!("{USAGE}");
        return std::process::ExitCode::SUCCESS;
    }
    if args.list_baseline {
        print!("{}", baseline::listing());
        return std::process::ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&args, spawner)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(&[]).unwrap(), Args::default());
        let args = parse(&["--short", "--json", "--runs", "5", "--plugin", "/x"]).unwrap();
        assert!(args.short && args.json);
        assert_eq!(args.runs, Some(5));
        assert_eq!(args.plugin, Some(PathBuf::from("/x")));
        assert!(parse(&["--runs"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--runs", "x"]).is_err());
        assert!(parse(&["--fast"]).unwrap_err().contains("--fast"));
    }

    #[test]
    fn the_short_plan_still_measures_every_target() {
        let short = Plan::new(true, None);
        let lat = report::TARGET_LATENCY_MS;
        // Scale targets: doctor on large and healthy at 20 ms; baseline and stats come with them.
        assert!(short.scenarios.contains(&"large") && short.scenarios.contains(&"healthy"));
        assert!(short.latencies_ms.contains(&lat));
        assert!(short.runs >= 3 && short.startup_runs >= 11);
        // stats runs on healthy at 20 ms.
        assert!(!short.no_stats.contains(&"healthy"));
        let full = Plan::new(false, None);
        assert_eq!(full.scenarios, ["seed-day0", "healthy", "large"]);
        assert_eq!(full.latencies_ms, [0, 20, 50]);
        assert_eq!(Plan::new(false, Some(1)).runs, 1);
    }

    #[test]
    fn accepted_exit_codes() {
        assert!(doctor_ok(Some(1)) && !doctor_ok(Some(2)) && !doctor_ok(None));
        assert!(stats_ok(Some(0)) && !stats_ok(Some(3)));
        assert!(install_ok(Some(0)) && !install_ok(Some(1)));
        assert!(kubectl_ok(Some(1)) && !kubectl_ok(None));
    }
}
