//! The fault matrix, Thanos part (see `fault_matrix.rs` for the whole table): Thanos Querier
//! down, slow (beyond the timeout), refusing the token (401), answering garbage, answering
//! partially — for `stats` (a one-line error with the documented exit code, or a note) and for
//! doctor's live checks (skipped with the reason; doctor itself still exits 0 on a healthy
//! cluster). One simulated cluster with a real Prometheus behind the Thanos-like front serves
//! every case. Needs `prometheus` on PATH.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use llmd_sim::thanos::Faults;
use serde_json::Value;
use support::text;

const LIVE: [&str; 3] = ["metric-names", "metrics-flowing", "epp-in-loop"];

/// Exit `code`; the last stderr lines are `error: …` (containing `needle`) and at most a hint;
/// nothing unprintable, no panic, no token.
#[track_caller]
fn assert_error(case: &str, o: &Output, code: i32, needle: &str) {
    support::assert_one_line_error(&format!("{case}: "), o, code, needle);
    assert_clean(case, o);
}

#[track_caller]
fn assert_clean(case: &str, o: &Output) {
    let all = text(o);
    assert!(!all.contains("panicked"), "{case}: {all}");
    assert!(!all.contains("admin-token"), "{case}: token in the output");
    assert!(
        !all.chars().any(|c| c.is_control() && c != '\n'),
        "{case}: control characters in the output: {all:?}"
    );
}

/// doctor's live checks: (status, message) of each.
fn live_checks(o: &Output) -> Vec<(String, String, String)> {
    let report: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| LIVE.contains(&c["id"].as_str().unwrap()))
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thanos_faults_for_stats_and_doctor() {
    let sim = support::start("healthy", true).await;
    let stack = sim.world.monitoring.clone().expect("monitoring on");
    let host = sim.world.thanos_host.clone().unwrap();
    // Both families scraped at least twice (doctor's live rates need two samples).
    for family in [
        "kserve_vllm:request_success_total",
        "(kserve_)?inference_model_request_total",
    ] {
        stack
            .prometheus
            .wait_for_series(
                &format!("count_over_time({{__name__=~\"{family}\"}}[1m]) >= 2"),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
    }
    let doctor = [
        "doctor",
        "-o",
        "json",
        "--category",
        "monitoring",
        "--category",
        "serving",
    ];
    let stats = ["stats", "-A", "--window", "30s"];

    // Baseline: the live checks ran (not skipped), stats answers.
    let out = sim.run(&doctor).await;
    assert!(
        live_checks(&out)
            .iter()
            .any(|(id, status, _)| id == "metric-names" && status == "ok"),
        "{:?}",
        live_checks(&out)
    );
    let out = sim.run(&stats).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Each case: what to break, then stats' (exit, text) — None: it answers with a note.
    type Case = (
        &'static str,
        Faults,
        Option<(i32, &'static str)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "down",
            Faults::default(),
            Some((3, "cannot reach")),
            "cannot reach",
        ),
        (
            "slow",
            Faults {
                latency: Duration::from_secs(8),
                ..Default::default()
            },
            Some((3, "no answer")),
            "no answer",
        ),
        (
            "401",
            Faults {
                status: Some(401),
                ..Default::default()
            },
            Some((3, "401")),
            "401",
        ),
        (
            "garbage JSON",
            Faults {
                garbage_body: true,
                ..Default::default()
            },
            Some((1, "not a Prometheus API response")),
            "not a Prometheus API response",
        ),
        (
            "partial response",
            Faults {
                partial_response: true,
                ..Default::default()
            },
            None,
            "answered partially",
        ),
    ];
    for (case, faults, stats_expected, doctor_reason) in cases {
        if case == "down" {
            sim.world.cluster.set_route_host(
                "openshift-monitoring",
                "thanos-querier",
                "127.0.0.1:1",
            );
        }
        stack.front.faults().set(faults);

        let started = Instant::now();
        let out = sim
            .run(&[&stats[..], &["--request-timeout", "3s"]].concat())
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{case}: stats hung"
        );
        match stats_expected {
            Some((code, needle)) => assert_error(case, &out, code, needle),
            None => {
                assert_eq!(out.status.code(), Some(0), "{case}: {}", text(&out));
                assert!(text(&out).contains("partial"), "{case}: {}", text(&out));
                assert_clean(case, &out);
            }
        }

        let started = Instant::now();
        let out = sim.run(&doctor).await;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{case}: doctor waited {:?}",
            started.elapsed()
        );
        assert_eq!(out.status.code(), Some(0), "{case}: {}", text(&out));
        assert_clean(case, &out);
        let live = live_checks(&out);
        assert_eq!(live.len(), 3, "{case}: {live:?}");
        for (id, status, message) in &live {
            assert_eq!(status, "skipped", "{case}: {id}: {message}");
            assert!(
                message.contains(doctor_reason) && message.len() < 600,
                "{case}: {id}: {message}"
            );
        }

        stack.front.faults().clear();
        sim.world
            .cluster
            .set_route_host("openshift-monitoring", "thanos-querier", &host);
    }

    // A stale token of the user's own (not a forced status): 401 → exit 3, token never shown.
    let out = sim
        .run(&[&stats[..], &["--token", "sha256~stale-thanos-token"]].concat())
        .await;
    assert_error("stale token", &out, 3, "401");
    assert!(!text(&out).contains("stale-thanos-token"));
    sim.world.shutdown().await;
}
