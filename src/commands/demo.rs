//! `demo`: try the plugin without a cluster.
//!
//! - `demo serve (--scenario NAME | --fixture FILE…) --kubeconfig-out PATH [--latency-ms N]
//!   [--port N] [--monitoring auto|on|off] [--plain-http]` — a stable contract other tools and
//!   our tests drive: starts the simulated cluster (crate `llmd-sim`), writes the admin
//!   kubeconfig to PATH (one context per scenario user) and `PATH.<user>` for every other user,
//!   prints the single line `ready` on stdout once it serves, runs until SIGINT/SIGTERM, exits 0.
//!   Each Gateway is played by a local HTTP listener: the mapping goes to `PATH.gateways`
//!   (`NAMESPACE/NAME=URL` per line) and stderr names the `doctor --probe --probe-address …` line.
//! - `demo` — the guided tour on `seed-day0`: doctor → a probe through the gateway →
//!   install-monitoring --enable-uwm → doctor → stats, each step the real command run against the in-process simulated cluster.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use llmd_sim::world::{World, WorldOptions};
use llmd_sim::{SimOptions, scenarios};

use crate::cli::{DemoAction, DemoArgs, DemoServeArgs, GlobalArgs, MonitoringChoice};
use crate::error::{Error, ExitCode, Result};
use crate::invocation::Invocation;
use crate::output;

pub async fn run(args: &DemoArgs, global: &GlobalArgs, invoked: Invocation) -> Result<ExitCode> {
    match &args.action {
        Some(DemoAction::Serve(serve_args)) => serve(serve_args).await,
        None => tour(global, invoked).await,
    }
}

/// The scenario list as `demo serve --list` prints it.
fn scenario_list() -> String {
    let width = scenarios::all()
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in scenarios::all() {
        out.push_str(&format!("{:width$}  {}\n", s.name, s.description));
    }
    out
}

/// Resolve `--scenario` / `--fixture` into YAML texts and their names for error messages.
fn fixtures(args: &DemoServeArgs) -> Result<(Vec<String>, Vec<String>)> {
    if let Some(name) = &args.scenario {
        let texts = scenarios::fixtures(name).ok_or_else(|| {
            Error::usage(format!("unknown scenario {name:?}"))
                .with_hint("list them with `demo serve --list`")
        })?;
        let names = (0..texts.len())
            .map(|i| format!("scenario {name} (part {})", i + 1))
            .collect();
        return Ok((texts, names));
    }
    if args.fixture.is_empty() {
        return Err(
            Error::usage("demo serve needs --scenario NAME or --fixture FILE")
                .with_hint("see the shipped scenarios with `demo serve --list`"),
        );
    }
    let mut texts = Vec::new();
    let mut names = Vec::new();
    for path in &args.fixture {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::usage(format!("cannot read fixture {}: {e}", path.display())))?;
        texts.push(text);
        names.push(path.display().to_string());
    }
    Ok((texts, names))
}

fn prometheus_installed() -> bool {
    llmd_sim::prometheus::locate_prometheus().is_ok()
}

/// Start the simulated world for a scenario.
async fn start_world(
    fixtures: Vec<String>,
    fixture_names: Vec<String>,
    latency_ms: u64,
    port: u16,
    plain_http: bool,
    monitoring: MonitoringChoice,
) -> Result<World> {
    let monitoring = match monitoring {
        MonitoringChoice::Off => false,
        MonitoringChoice::On => {
            if !prometheus_installed() {
                return Err(
                    Error::usage("--monitoring on needs the `prometheus` program").with_hint(
                        "install it (Debian: apt-get install prometheus) or use --monitoring off",
                    ),
                );
            }
            true
        }
        MonitoringChoice::Auto => {
            let ok = prometheus_installed();
            if !ok {
                eprintln!(
                    "note: `prometheus` is not installed, so the simulated Thanos Querier is off \
                     (apt-get install prometheus to get live metrics; stats --source pods works without it)"
                );
            }
            ok
        }
    };
    let mut sim = SimOptions::new(fixtures);
    sim.fixture_names = fixture_names;
    sim.latency = Duration::from_millis(latency_ms);
    sim.port = port;
    sim.tls = !plain_http;
    World::start(WorldOptions {
        sim,
        monitoring,
        ..Default::default()
    })
    .await
    .map_err(|e| Error::usage(format!("cannot start the simulated cluster: {e}")))
}

async fn serve(args: &DemoServeArgs) -> Result<ExitCode> {
    if args.list {
        output::emit(&scenario_list());
        return Ok(ExitCode::Ok);
    }
    let (texts, names) = fixtures(args)?;
    let world = start_world(
        texts,
        names,
        args.latency_ms,
        args.port,
        args.plain_http,
        args.monitoring,
    )
    .await?;
    if let Some(path) = &args.kubeconfig_out {
        llmd_sim::serve::write_kubeconfigs(&world.cluster, path)
            .map_err(|e| Error::usage(format!("cannot write the kubeconfig: {e}")))?;
        if !world.gateways.is_empty() {
            let mut file = path.as_os_str().to_os_string();
            file.push(".gateways");
            let text: String = world
                .gateways
                .iter()
                .map(|g| format!("{}/{}={}\n", g.namespace, g.name, g.url))
                .collect();
            std::fs::write(&file, text).map_err(|e| {
                Error::usage(format!(
                    "cannot write {}: {e}",
                    PathBuf::from(&file).display()
                ))
            })?;
            eprintln!(
                "Gateways are served locally; probe them with:\n  kubectl llmd --kubeconfig {} doctor --probe {}",
                path.display(),
                probe_addresses(&world)
            );
        }
    }
    output::emit("ready\n");
    wait_for_signal().await;
    world.shutdown().await;
    Ok(ExitCode::Ok)
}

async fn wait_for_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `--probe-address NS/NAME=URL` for every simulated gateway, space-separated.
fn probe_addresses(world: &World) -> String {
    world
        .gateways
        .iter()
        .map(|g| format!("--probe-address {}/{}={}", g.namespace, g.name, g.url))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The guided tour: real commands against `seed-day0`, each step's real output shown.
async fn tour(global: &GlobalArgs, invoked: Invocation) -> Result<ExitCode> {
    let texts = scenarios::fixtures("seed-day0")
        .ok_or_else(|| Error::failed("the seed-day0 scenario is missing from this build"))?;
    let names = vec!["scenario seed-day0".to_string(); texts.len()];
    let world = start_world(texts, names, 0, 0, false, MonitoringChoice::Auto).await?;
    let dir = std::env::temp_dir().join(format!("oc-llmd-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::failed(format!("cannot create {}: {e}", dir.display())))?;
    let kubeconfig = dir.join("kubeconfig");
    llmd_sim::serve::write_kubeconfigs(&world.cluster, &kubeconfig)
        .map_err(|e| Error::failed(format!("cannot write the demo kubeconfig: {e}")))?;
    let has_metrics = world.monitoring.is_some();
    let me = std::env::current_exe()
        .map_err(|e| Error::failed(format!("cannot find this program: {e}")))?;
    let color = if crate::output::Style::resolve(global.output, global.color).color {
        "always"
    } else {
        "never"
    };

    say(&format!(
        "This is a simulated OpenShift AI cluster (scenario seed-day0: the blog's cluster before the blog —\n\
         RHOAI 3.2, Istio 1.26.2, model qwen3-0-6b in my-first-model, UWM off, no Grafana).\n\
         Every step below is the real `{}` command against it.\n",
        invoked.display()
    ));
    let mut steps: Vec<(String, Vec<String>)> = vec![
        (
            "Find what is missing or broken".into(),
            vec!["doctor".into()],
        ),
        (
            "Send one test completion through the gateway (opt-in traffic: --probe)".into(),
            ["doctor", "--category", "gateway", "--probe"]
                .into_iter()
                .map(String::from)
                .chain(world.probe_address_args())
                .collect(),
        ),
        (
            "Install the Grafana stack, enabling User Workload Monitoring".into(),
            vec![
                "install-monitoring".into(),
                "--enable-uwm".into(),
                "--timeout".into(),
                "60s".into(),
            ],
        ),
        ("Check again".into(), vec!["doctor".into()]),
    ];
    if has_metrics {
        steps.push((
            "Live metrics per model, pod and pool (via Thanos Querier)".into(),
            vec!["stats".into()],
        ));
    } else {
        steps.push((
            "Live metrics straight from the pods (no Prometheus installed)".into(),
            vec![
                "stats".into(),
                "--source".into(),
                "pods".into(),
                "--interval".into(),
                "3s".into(),
            ],
        ));
    }
    for (i, (title, args)) in steps.iter().enumerate() {
        if args[0] == "stats" && has_metrics {
            say("(waiting for Prometheus to scrape the first samples…)\n");
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
        say(&format!(
            "\n── {}. {title}\n$ {} {}\n",
            i + 1,
            invoked.display(),
            args.join(" ")
        ));
        run_step(&me, &kubeconfig, color, args);
    }
    say(&format!(
        "\nThe simulated cluster stops now. Keep one running with:\n  {} demo serve --scenario seed-day0 --kubeconfig-out ./kubeconfig\n",
        invoked.display()
    ));
    world.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::Ok)
}

fn say(text: &str) {
    output::emit(text);
}

fn run_step(me: &Path, kubeconfig: &PathBuf, color: &str, args: &[String]) {
    let _ = std::io::stdout().flush();
    let status = std::process::Command::new(me)
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--color")
        .arg(color)
        .env_remove("KUBECONFIG")
        .status();
    match status {
        Ok(s) => say(&format!("(exit code {})\n", s.code().unwrap_or(-1))),
        Err(e) => say(&format!("(could not run the step: {e})\n")),
    }
}
