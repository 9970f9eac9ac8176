//! doctor's live checks (metric-names, metrics-flowing, epp-in-loop) on every shipped scenario with
//! the simulated monitoring stack on: a real Prometheus scrapes the simulated pods per the
//! scenario's monitors and doctor reaches it through the `thanos-querier` Route with the
//! kubeconfig token, exactly as on OpenShift.
//!
//! Two tables must agree with what the real binary reports:
//! - [`live_results`]: every live-check result (id, subject, status) per scenario, `ok` and
//!   `skipped` included;
//! - the scenario registry's `expected` findings, live ones included: with monitoring on, the
//!   errors and warnings of the whole report are exactly those.
//!
//! The README's `seed-day0` output must be what the binary prints (ports aside).
//!
//! The worlds run a few at a time (each has its own Prometheus); each waits until every scrape
//! target has been scraped [`SCRAPES`] times, polled with a deadline. `large` is left out: its
//! 1,300 pods scraped every second would swamp a small machine (doctor_scale.rs covers it).

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::StreamExt;
use llmd_sim::scenarios::{self, ExpectedStatus};
use serde_json::Value;

const LIVE: &[&str] = &["metric-names", "metrics-flowing", "epp-in-loop"];
/// Worlds (API server + Prometheus + doctor run) in flight at once.
const PARALLEL: usize = 6;
/// Scrapes (1 s apart) every target must have had before doctor runs: enough samples for
/// `rate()` over doctor's window to reflect the configured traffic split.
const SCRAPES: usize = 5;
const MODEL: &str = "my-first-model/qwen3-0-6b";
/// The scenario whose `doctor` table the README shows.
const README_SCENARIO: &str = "seed-day0";

type Row = (String, String, String);

fn row(id: &str, subject: &str, status: &str) -> Row {
    (id.to_string(), subject.to_string(), status.to_string())
}

/// What doctor's live checks must report on `scenario` (every result, any status).
fn live_results(scenario: &str) -> BTreeSet<Row> {
    let healthy = || {
        BTreeSet::from([
            row("metric-names", "", "ok"),
            row("metrics-flowing", MODEL, "ok"),
            row("epp-in-loop", MODEL, "ok"),
        ])
    };
    let with = |id: &str, subject: &str, status: &str| {
        let mut rows = healthy();
        rows.retain(|(i, ..)| i != id);
        rows.insert(row(id, subject, status));
        rows
    };
    match scenario {
        // Not OpenShift: no thanos-querier Route, so Thanos is not queried at all.
        "plain-kubernetes" => LIVE.iter().map(|id| row(id, "", "skipped")).collect(),
        // UWM off: nothing is scraped; uwm-enabled reports the cause, the live checks say why
        // they have nothing to compare instead of repeating it as errors.
        "seed-day0" | "fail-uwm-off" => BTreeSet::from([
            row("metric-names", "", "skipped"),
            row("metrics-flowing", MODEL, "skipped"),
            row("epp-in-loop", MODEL, "skipped"),
        ]),
        // vLLM is not scraped (vllm-scrape fails): no vLLM series to judge by.
        "fail-no-podmonitor" => BTreeSet::from([
            row("metric-names", "", "skipped"),
            row("metrics-flowing", MODEL, "skipped"),
            row("epp-in-loop", MODEL, "skipped"),
        ]),
        // The EPP is not scraped (epp-scrape fails): vLLM names are still checked, but the EPP's
        // missing request counter is no proof of a bypass.
        "fail-no-servicemonitor" => BTreeSet::from([
            row("metric-names", "", "ok"),
            row("metrics-flowing", MODEL, "skipped"),
            row("epp-in-loop", MODEL, "skipped"),
        ]),
        // vLLM serves requests the EPP never counted.
        "fail-envoyfilter-dummy-cluster"
        | "fail-envoyfilter-full-duplex"
        | "fail-envoyfilter-route-only"
        | "fail-epp-tls-args"
        | "fail-epp-not-ready"
        | "fail-epp-bypassed" => with("epp-in-loop", MODEL, "error"),
        _ => healthy(),
    }
}

/// Wait until Prometheus has scraped every target of its configuration at least [`SCRAPES`] times
/// (a configuration without jobs — UWM off — needs no wait).
async fn wait_for_scrapes(sim: &support::Sim) {
    let stack = sim.world.monitoring.clone().expect("monitoring on");
    let config: Value = serde_json::from_str(&stack.current_config()).unwrap();
    let jobs = config["scrape_configs"].as_array().map_or(0, Vec::len);
    if jobs == 0 {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count = |q: &str| {
            let stack = stack.clone();
            let q = q.to_string();
            async move {
                let answer = stack.prometheus.query(&q).await.unwrap();
                answer["data"]["result"][0]["value"][1]
                    .as_str()
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            }
        };
        let targets = count("count(up)").await;
        let scraped = count(&format!("count(count_over_time(up[1m]) >= {SCRAPES})")).await;
        if targets > 0.0 && scraped == targets {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{targets} targets, {scraped} scraped {SCRAPES} times after 60 s:\n{}",
            stack.prometheus.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

struct Outcome {
    scenario: &'static str,
    /// The default table (`seed-day0` only: the README shows it).
    table: Option<String>,
    live: BTreeSet<Row>,
    findings: BTreeSet<Row>,
    code: Option<i32>,
    messages: Vec<String>,
}

async fn doctor_with_monitoring(scenario: &'static str) -> Outcome {
    let sim = support::start(scenario, true).await;
    wait_for_scrapes(&sim).await;
    let out = sim.run(&["doctor", "-o", "json"]).await;
    let table = if scenario == README_SCENARIO {
        let out = sim.run(&["doctor", "--color", "never"]).await;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        None
    };
    sim.world.shutdown().await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{scenario}: bad JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let checks = report["checks"].as_array().unwrap();
    let as_row = |c: &Value| {
        row(
            c["id"].as_str().unwrap(),
            c["subject"].as_str().unwrap_or(""),
            c["status"].as_str().unwrap(),
        )
    };
    let is_live = |c: &&Value| LIVE.contains(&c["id"].as_str().unwrap());
    Outcome {
        scenario,
        table,
        live: checks.iter().filter(is_live).map(as_row).collect(),
        findings: checks
            .iter()
            .filter(|c| c["status"] == "error" || c["status"] == "warn")
            .map(as_row)
            .collect(),
        code: out.status.code(),
        messages: checks
            .iter()
            .filter(is_live)
            .map(|c| {
                format!(
                    "{} {} {}: {}",
                    c["id"], c["subject"], c["status"], c["message"]
                )
            })
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_checks_on_every_scenario() {
    let started = Instant::now();
    let names: Vec<&'static str> = scenarios::all()
        .iter()
        .filter(|s| s.name != "large")
        .map(|s| s.name)
        .collect();
    let outcomes: Vec<Outcome> = futures::stream::iter(names)
        .map(doctor_with_monitoring)
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut mismatches = Vec::new();
    for o in &outcomes {
        let scenario = scenarios::get(o.scenario).unwrap();
        let expected_findings: BTreeSet<Row> = scenario
            .expected
            .iter()
            .map(|f| {
                let status = match f.status {
                    ExpectedStatus::Error => "error",
                    ExpectedStatus::Warning => "warn",
                };
                row(f.check, f.subject, status)
            })
            .collect();
        let expected_live = live_results(o.scenario);
        let code = if expected_findings.iter().any(|(_, _, s)| s == "error") {
            1
        } else {
            0
        };
        if o.live != expected_live || o.findings != expected_findings || o.code != Some(code) {
            mismatches.push(format!(
                "{}: exit {:?} (want {code})\n  live want  {expected_live:?}\n  live found {:?}\n  \
                 findings want  {expected_findings:?}\n  findings found {:?}\n  {}",
                o.scenario,
                o.code,
                o.live,
                o.findings,
                o.messages.join("\n  ")
            ));
        }
    }
    let table = outcomes
        .iter()
        .find_map(|o| o.table.clone())
        .expect("seed-day0 ran");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let shown = readme
        .split_once("$ oc llmd doctor\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("README shows `$ oc llmd doctor` output");
    assert_eq!(
        without_ports(shown),
        without_ports(&table),
        "the README's seed-day0 doctor output is stale; paste the real one"
    );
    eprintln!(
        "{} scenarios with monitoring in {:?}",
        outcomes.len(),
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} scenario(s) differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// `127.0.0.1:PORT` → `127.0.0.1:PORT` with the (random) port blanked.
fn without_ports(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1:") {
        let (head, tail) = rest.split_at(i + "127.0.0.1:".len());
        out.push_str(head);
        out.push_str("PORT");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}
