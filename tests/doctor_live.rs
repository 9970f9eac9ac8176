//! doctor's live checks with the simulated monitoring stack on: a real Prometheus scrapes the
//! simulated pods per the scenario's monitors, reached through the `thanos-querier` Route with the
//! kubeconfig token. `healthy` → metric-names, metrics-flowing and epp-in-loop pass;
//! `fail-epp-bypassed` (the EPP counts nothing while vLLM serves) → epp-in-loop error.

mod support;

use std::time::Duration;

async fn live_statuses(scenario: &str) -> Vec<(String, String, String)> {
    let sim = support::start(scenario, true).await;
    let stack = sim.world.monitoring.clone().expect("monitoring on");
    stack
        .prometheus
        .wait_for_series("kserve_vllm:request_success_total", Duration::from_secs(30))
        .await
        .unwrap();
    // Two scrapes at least inside the rate window.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let out = sim
        .run(&[
            "doctor",
            "-o",
            "json",
            "--category",
            "monitoring",
            "--category",
            "serving",
        ])
        .await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    sim.world.shutdown().await;
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["metric-names", "metrics-flowing", "epp-in-loop"].contains(&c["id"].as_str().unwrap())
        })
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
async fn live_checks_read_thanos() {
    let healthy = live_statuses("healthy").await;
    assert_eq!(healthy.len(), 3, "{healthy:?}");
    for (id, status, message) in &healthy {
        assert_eq!(status, "ok", "healthy {id}: {message}");
    }
    let bypassed = live_statuses("fail-epp-bypassed").await;
    let epp = bypassed
        .iter()
        .find(|(id, ..)| id == "epp-in-loop")
        .unwrap();
    assert_eq!(epp.1, "error", "{bypassed:?}");
}
