//! oc-llmd: diagnose, monitor and measure llm-d on OpenShift AI.
//!
//! Data flows one way, and the module tree shows it:
//!
//! ```text
//! kube / prom clients (IO) -> cluster snapshot (plain data) -> checks, plans, summaries (pure) -> render
//! ```
//!
//! - [`cli`]: the command line (clap); [`invocation`]: `oc llmd` vs `kubectl llmd`.
//! - [`kube`]: kubeconfig handling and the API client (request log for `-v`).
//! - [`dashboards`]: our Grafana dashboards, rendered for a metric naming (pure).
//! - [`error`]: the one error type, its hint and exit code.
//! - [`metrics`]: the metric-naming table (concept -> series per generation) and its detection.
//! - [`prom`]: the Prometheus/Thanos HTTP API client (query log for `-v`).
//! - [`output`]: output format and colour decisions, shared by every renderer.
//! - [`completion`]: kubectl's plugin completion protocol (`__complete`), live names included.
//! - [`apply`]: the apply engine (server-side apply, our labels, created/configured/unchanged,
//!   bounded waits, labelled deletes) every writing command uses.
//! - [`install`]: install/uninstall-monitoring logic: plan, pre-flight, UWM merge, readiness.
//! - [`cluster`]: the cluster snapshot (one concurrent gather, plain data) and derived relations.
//! - [`doctor`]: the check catalogue, pure checks over the snapshot, report and render.
//! - [`commands`]: one module per subcommand, each wiring IO -> pure logic -> render.

pub mod apply;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod dashboards;
pub mod doctor;
pub mod error;
pub mod fix;
pub mod install;
pub mod invocation;
pub mod kube;
pub mod metrics;
pub mod output;
pub mod prom;
pub mod scrape;
pub mod stats;

use clap::{CommandFactory, FromArgMatches};

/// Parse the process arguments, run the command, print any error once, and return the exit code.
pub fn run() -> i32 {
    // One TLS provider for the whole process: ring (kube-rs uses it; reqwest has none of its own here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `__complete` words are a half-typed command line, never our own flags: pass them raw.
    if args.get(1).is_some_and(|a| a == "__complete") {
        args.insert(2, "--".into());
    }
    let invoked = invocation::Invocation::from_argv0(args.first().map(|a| a.as_os_str()));
    let command = invoked.decorate(cli::Cli::command());
    let matches = match command.try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(commands::dispatch(cli, invoked)) {
        Ok(code) => code.code(),
        Err(err) => {
            output::print_error(&err);
            err.exit_code().code()
        }
    }
}
