//! Golden-file tests of doctor's rendering over a fixed snapshot (the seed's "day 0" breakage on
//! top of the healthy sample). `UPDATE_SNAPSHOTS=1 cargo test --test doctor_render` rewrites them.

mod support;

use oc_llmd::cli::OutputFormat;
use oc_llmd::cluster::model::{PoolApi, Snapshot};
use oc_llmd::cluster::parse::fingerprint;
use oc_llmd::cluster::{Model, sample};
use oc_llmd::doctor::engine::{Selection, run};
use oc_llmd::doctor::render::{render, render_catalogue};
use oc_llmd::doctor::report::Report;
use oc_llmd::output::Style;

/// The seed's day-0 cluster: UWM off, a stale pasted token, a `vllm:` dashboard where only
/// `kserve_vllm:` exists, no EPP TLS args, and a maas-gateway without the EnvoyFilter.
fn day0() -> Snapshot {
    let mut s = sample::healthy();
    s.monitoring.uwm_enabled = Some(false);
    s.monitoring.uwm_prometheus_pods.clear();
    let d = &mut s.grafana.datasources[0];
    d.token_placeholder = false;
    d.secret_values.clear();
    d.literal_token = Some(fingerprint("token-from-last-week"));
    s.grafana.dashboards = vec![sample::dashboard(
        "vllm-latency-throughput-and-cache",
        "vllm:e2e_request_latency_seconds_bucket",
    )];
    let args = &mut s.pods[2].containers[0].args;
    args.retain(|a| a != "--secure-serving");
    if let Some(p) = args.iter().position(|a| a == "--cert-path") {
        args.drain(p..p + 2);
    }
    s.gateways.push(sample::gateway("maas-gateway"));
    let mut maas = sample::route(
        sample::NS,
        sample::NAME,
        "maas-gateway",
        PoolApi::XK8sV1alpha2,
    );
    maas.name = "qwen-maas-route".into();
    s.routes.push(maas);
    s
}

fn style(format: OutputFormat) -> Style {
    Style {
        format,
        color: false,
        stdout_is_terminal: false,
    }
}

fn report(snap: &Snapshot) -> Report {
    Report::new(run(&Model::new(snap), &Selection::default()), false)
}

#[test]
fn day0_table() {
    support::golden(
        "doctor_day0_table.txt",
        &render(&report(&day0()), &style(OutputFormat::Table)).unwrap(),
    );
}

#[test]
fn day0_json() {
    let text = render(&report(&day0()), &style(OutputFormat::Json)).unwrap();
    support::golden("doctor_day0.json", &text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["kind"], "DoctorReport");
    assert_eq!(v["version"], 1);
    assert_eq!(v["success"], false);
    let failing: Vec<(String, String)> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "error")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "uwm-enabled",
            "openshift-monitoring/cluster-monitoring-config",
        ),
        ("grafana-datasource", "llm-d-monitoring/thanos-querier"),
        (
            "grafana-dashboards",
            "llm-d-monitoring/vllm-latency-throughput-and-cache",
        ),
        ("epp-tls", "demo/qwen"),
        ("extproc-wiring", "openshift-ingress/maas-gateway"),
    ];
    assert_eq!(
        failing,
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn day0_short_and_wide() {
    support::golden(
        "doctor_day0_short.txt",
        &render(&report(&day0()), &style(OutputFormat::Short)).unwrap(),
    );
    support::golden(
        "doctor_day0_wide.txt",
        &render(&report(&day0()), &style(OutputFormat::Wide)).unwrap(),
    );
}

#[test]
fn day0_yaml_matches_json() {
    let r = report(&day0());
    let yaml = render(&r, &style(OutputFormat::Yaml)).unwrap();
    let back: Report = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(back, r);
}

#[test]
fn healthy_table() {
    support::golden(
        "doctor_healthy_table.txt",
        &render(&report(&sample::healthy()), &style(OutputFormat::Table)).unwrap(),
    );
}

#[test]
fn catalogue_table() {
    support::golden(
        "doctor_list.txt",
        &render_catalogue(&style(OutputFormat::Table)).unwrap(),
    );
}
