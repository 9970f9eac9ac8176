//! doctor against every shipped scenario of the simulated cluster: the real binary must report
//! exactly the findings the scenario declares (check id, subject, status) and the matching exit
//! code; `healthy` (and the other clean scenarios) must give zero errors and zero warnings.
//! Live checks (metric-names, metrics-flowing, epp-in-loop) need Thanos and are covered with
//! monitoring on in `doctor_live.rs`; here they must be `skipped`, never an error.

mod support;

use std::collections::BTreeSet;

use llmd_sim::scenarios::{self, ExpectedStatus};

const LIVE: &[&str] = &["metric-names", "metrics-flowing", "epp-in-loop"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_reports_exactly_its_findings() {
    let mut mismatches = Vec::new();
    for scenario in scenarios::all().iter().filter(|s| s.name != "large") {
        let sim = support::start(scenario.name, false).await;
        let out = sim.run(&["doctor", "-o", "json"]).await;
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: bad JSON ({e}): {}",
                scenario.name,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let found: BTreeSet<(String, String, String)> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "error" || c["status"] == "warn")
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_string(),
                    c["subject"].as_str().unwrap_or("").to_string(),
                    c["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: BTreeSet<(String, String, String)> = scenario
            .expected
            .iter()
            .filter(|f| !LIVE.contains(&f.check))
            .map(|f| {
                let status = match f.status {
                    ExpectedStatus::Error => "error",
                    ExpectedStatus::Warning => "warn",
                };
                (
                    f.check.to_string(),
                    f.subject.to_string(),
                    status.to_string(),
                )
            })
            .collect();
        let has_error = expected.iter().any(|(_, _, s)| s == "error");
        let code = out.status.code();
        if found != expected || code != Some(if has_error { 1 } else { 0 }) {
            mismatches.push(format!(
                "{}: exit {code:?}\n  expected {expected:?}\n  found    {found:?}",
                scenario.name
            ));
        }
        for live in LIVE {
            let statuses: Vec<&str> = report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["id"] == *live)
                .filter_map(|c| c["status"].as_str())
                .collect();
            assert!(
                statuses.iter().all(|s| *s == "skipped"),
                "{}: {live} {statuses:?}",
                scenario.name
            );
        }
        sim.world.shutdown().await;
    }
    assert!(
        mismatches.is_empty(),
        "{} scenario(s) differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
