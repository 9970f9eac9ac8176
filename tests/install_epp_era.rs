//! The EPP dashboard is right on the first install, before any EPP series exist, whatever EPP
//! metric generation the cluster runs: on `seed-day0` (UWM off, so Thanos has nothing yet;
//! `inference_model_*`), `healthy` (`inference_model_*`) and `istio-1-27` (`inference_objective_*`),
//! the installed dashboard's EPP query returns series from the sim's real Prometheus through the
//! Thanos Route with the token Grafana uses — while the same panel rendered for one fixed
//! generation would be empty on at least one of them.

mod support;

use std::time::{Duration, Instant};

use base64::Engine as _;
use oc_llmd::dashboards::expand_grafana_vars;
use oc_llmd::prom::{PromClient, PromConfig, QueryData};
use serde_json::Value;

const PANEL: &str = "Requests per second";

fn panel_expr(dashboard: &Value) -> String {
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == PANEL)
        .and_then(|p| p["targets"][0]["expr"].as_str())
        .unwrap_or_else(|| panic!("no {PANEL} panel"))
        .to_string()
}

async fn series(client: &PromClient, expr: &str) -> usize {
    match client
        .query(&expand_grafana_vars(expr, "1m"), None)
        .await
        .map(|a| a.data)
    {
        Ok(QueryData::Vector(v)) => v.len(),
        _ => 0,
    }
}

/// `fresh`: Thanos cannot have series when install runs (UWM off before `--enable-uwm`).
async fn check(scenario: &str, args: &[&str], era_series: &str, fresh: bool) {
    let sim = support::start(scenario, true).await;
    let mut full = vec!["install-monitoring", "--timeout", "60s"];
    full.extend_from_slice(args);
    let out = sim.run(&full).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    let store = sim.world.cluster.store();
    let d = store
        .get(
            "grafana.integreatly.org",
            "GrafanaDashboard",
            "llm-d-monitoring",
            "llm-d-oc-llmd-epp",
        )
        .expect("EPP dashboard installed");
    let dashboard: Value = serde_json::from_str(d["spec"]["json"].as_str().unwrap()).unwrap();
    let expr = panel_expr(&dashboard);

    // Query as Grafana does: the Thanos Route, verified TLS, the ServiceAccount token.
    let token = store
        .get("", "Secret", "llm-d-monitoring", "grafana-thanos-token")
        .and_then(|s| s["data"]["token"].as_str().map(String::from))
        .unwrap();
    let token = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap(),
    )
    .unwrap();
    let mut config = PromConfig::new(format!(
        "https://{}",
        sim.world.thanos_host.clone().unwrap()
    ));
    config.ca_pem = Some(sim.world.cluster.ca_pem().into_bytes());
    config.token = Some(token);
    let client = PromClient::new(config).unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if series(&client, &expr).await > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{scenario}: the installed EPP panel stayed empty: {expr}\n{stderr}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The data came from this cluster's own generation...
    assert!(
        series(&client, &format!("{era_series}_total")).await > 0,
        "{scenario}: {era_series} not scraped"
    );
    if !expr.contains(") or (") {
        // Thanos already had EPP series when install asked (healthy scenarios may be scraped
        // that fast): the exact generation was rendered.
        assert!(
            !fresh,
            "{scenario}: no series existed, yet one era was chosen: {expr}"
        );
        assert!(
            expr.contains(era_series),
            "{scenario}: wrong era rendered: {expr}"
        );
        sim.world.shutdown().await;
        return;
    }
    // ...which a dashboard pinned to another generation would have missed.
    for other in [
        "inference_model_request",
        "inference_objective_request",
        "llm_d_epp_request",
    ] {
        if !era_series.ends_with(other) {
            let pinned: Vec<&str> = expr
                .split(") or (")
                .filter(|part| part.contains(other))
                .collect();
            assert_eq!(pinned.len(), 1, "{other} queried once in {expr}");
            let alone = pinned[0].trim_start_matches('(').trim_end_matches(')');
            assert_eq!(
                series(&client, alone).await,
                0,
                "{scenario}: {other} has data too"
            );
        }
    }
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_day0_first_install_shows_epp_requests() {
    check(
        "seed-day0",
        &["--enable-uwm"],
        "kserve_inference_model_request",
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_install_shows_epp_requests() {
    check("healthy", &[], "kserve_inference_model_request", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn istio_1_27_install_shows_epp_requests_of_the_objective_era() {
    check(
        "istio-1-27",
        &[],
        "kserve_inference_objective_request",
        false,
    )
    .await;
}
