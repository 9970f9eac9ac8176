//! `doctor --probe` against the simulated gateways (sim/src/gateway.rs), reached the way a user
//! behind a port-forward reaches a real one: `--probe-address NAMESPACE/NAME=URL`.
//!
//! * seed-day0 (Istio 1.26.2, no EnvoyFilter): the completion gets vLLM's 400 "Field required"
//!   → `gateway-probe` and `extproc-wiring` fail for openshift-ingress/openshift-ai-inference,
//!   `epp-in-loop` fails; after `fix envoyfilter` both pass and, once Prometheus has scraped the
//!   new rates, `epp-in-loop` passes too (needs `prometheus` on PATH, like the other live tests);
//! * healthy: 200; a wrong model name (`--probe-model`): 404 naming the served model; a closed
//!   port: connection refused; https to a plain port: TLS failure; an HTTPS endpoint signed by
//!   the cluster CA verifies and sees no credentials (401); no traffic at all without `--probe`;
//! * the seed's HTTP_ROUTE-only filter: 200, but the EPP never counts a request.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

const GATEWAY: &str = "openshift-ingress/openshift-ai-inference";
const SERVICE: &str = "my-first-model/qwen3-0-6b";

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (subject, status, message, fix) of every result of check `id`.
fn results(out: &Output, id: &str) -> Vec<(String, String, String, String)> {
    report(out)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("subject"), s("status"), s("message"), s("fix"))
        })
        .collect()
}

fn one(out: &Output, id: &str) -> (String, String, String, String) {
    let r = results(out, id);
    assert_eq!(r.len(), 1, "{id}: {r:?}");
    r[0].clone()
}

async fn probe(sim: &support::Sim, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "doctor".into(),
        "-o".into(),
        "json".into(),
        "--probe".into(),
    ];
    args.extend(sim.world.probe_address_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    sim.run(&refs).await
}

/// `doctor --probe --check gateway-probe` with the default gateway at `url`.
async fn probe_at(sim: &support::Sim, url: &str) -> Output {
    let address = format!("openshift-ai-inference={}", url.trim_end_matches('/'));
    sim.run(&[
        "doctor",
        "-o",
        "json",
        "--check",
        "gateway-probe",
        "--probe",
        "--probe-address",
        &address,
    ])
    .await
}

/// Poll `doctor --check epp-in-loop` until it reports `want` for the service (live checks need
/// Prometheus to have scraped the rates first).
async fn wait_for_epp_in_loop(sim: &support::Sim, want: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut last = String::new();
    while Instant::now() < deadline {
        let out = sim
            .run(&["doctor", "-o", "json", "--check", "epp-in-loop"])
            .await;
        let r = results(&out, "epp-in-loop");
        if let Some((_, status, message, _)) = r.iter().find(|(s, _, _, _)| s == SERVICE) {
            if status == want {
                return message.clone();
            }
            last = format!("{status}: {message}");
        } else {
            last = format!("{r:?}");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    panic!("epp-in-loop never became {want} within {within:?}; last: {last}");
}

fn enable_uwm(sim: &support::Sim) {
    let patch = r#"{"data":{"config.yaml":"enableUserWorkload: true\n"}}"#;
    sim.kubectl(
        &[
            "patch",
            "configmap",
            "cluster-monitoring-config",
            "-n",
            "openshift-monitoring",
            "--type",
            "merge",
            "-p",
            patch,
        ],
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_day0_probe_400_then_fix_envoyfilter_then_200_and_the_epp_counts() {
    let sim = support::start("seed-day0", true).await;
    enable_uwm(&sim);

    let before = probe(&sim, &[]).await;
    assert_eq!(before.status.code(), Some(1));
    let (subject, status, message, fix) = one(&before, "gateway-probe");
    assert_eq!((subject.as_str(), status.as_str()), (GATEWAY, "error"));
    assert!(
        message.contains("/my-first-model/qwen3-0-6b/v1/chat/completions → 400"),
        "{message}"
    );
    assert!(message.contains("Field required"), "{message}");
    assert!(message.contains("model \"Qwen/Qwen3-0.6B\"") || message.contains("ext_proc body gap"));
    assert_eq!(
        fix,
        "oc llmd fix envoyfilter --gateway openshift-ai-inference"
    );
    let (subject, status, _, _) = one(&before, "extproc-wiring");
    assert_eq!((subject.as_str(), status.as_str()), (GATEWAY, "error"));
    // The EPP is bypassed: Prometheus sees vLLM traffic and no EPP requests.
    wait_for_epp_in_loop(&sim, "error", Duration::from_secs(90)).await;

    let fixed = sim.run(&["fix", "envoyfilter"]).await;
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );

    let after = probe(
        &sim,
        &["--check", "gateway-probe", "--check", "extproc-wiring"],
    )
    .await;
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    let (subject, status, message, _) = one(&after, "gateway-probe");
    assert_eq!(
        (subject.as_str(), status.as_str()),
        (GATEWAY, "ok"),
        "{message}"
    );
    assert!(
        message.contains("/v1/models lists Qwen/Qwen3-0.6B"),
        "{message}"
    );
    assert!(message.contains("→ 200"), "{message}");
    assert_eq!(one(&after, "extproc-wiring").1, "ok");

    // The EPP now sees the requests; the rate window fills within a scrape or two, and the split
    // leaves round-robin as the EPP's choices take over.
    let message = wait_for_epp_in_loop(&sim, "ok", Duration::from_secs(150)).await;
    assert!(message.starts_with("EPP "), "{message}");
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_probe_passes_and_a_wrong_model_name_gets_the_served_one() {
    let sim = support::start("healthy", false).await;
    // No traffic without --probe: no gateway-probe result at all.
    let plain = sim.run(&["doctor", "-o", "json"]).await;
    assert!(results(&plain, "gateway-probe").is_empty());

    let out = probe(&sim, &["--check", "gateway-probe"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (subject, status, message, _) = one(&out, "gateway-probe");
    assert_eq!(
        (subject.as_str(), status.as_str()),
        (GATEWAY, "ok"),
        "{message}"
    );
    assert!(
        message.contains("(model \"Qwen/Qwen3-0.6B\", max_tokens 1) → 200"),
        "{message}"
    );

    let wrong = probe(
        &sim,
        &["--check", "gateway-probe", "--probe-model", "qwen3-0-6b"],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(1));
    let (subject, status, message, fix) = one(&wrong, "gateway-probe");
    assert_eq!((subject.as_str(), status.as_str()), (GATEWAY, "error"));
    assert!(
        message.contains("→ 404: model \"qwen3-0-6b\" does not exist here; the served model is \"Qwen/Qwen3-0.6B\""),
        "{message}"
    );
    assert!(fix.contains("\"model\": \"Qwen/Qwen3-0.6B\""), "{fix}");

    // A closed port: connection refused, with the way to point the probe elsewhere.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let refused = sim
        .run(&[
            "doctor",
            "-o",
            "json",
            "--check",
            "gateway-probe",
            "--probe",
            "--probe-address",
            &format!("openshift-ai-inference=http://127.0.0.1:{closed}"),
        ])
        .await;
    assert_eq!(refused.status.code(), Some(1));
    let (_, status, message, fix) = one(&refused, "gateway-probe");
    assert_eq!(status, "error");
    assert!(message.contains("connection refused"), "{message}");
    assert!(fix.contains("--probe-address"), "{fix}");

    // TLS: speaking https to the plain listener fails the handshake…
    let gw = sim
        .world
        .gateway_url("openshift-ingress", "openshift-ai-inference")
        .unwrap()
        .replace("http://", "https://");
    let tls = probe_at(&sim, &gw).await;
    let (_, status, message, fix) = one(&tls, "gateway-probe");
    assert_eq!(status, "error");
    assert!(message.contains("TLS failed"), "{message}");
    assert!(fix.contains("--certificate-authority"), "{fix}");
    // …while the API server's certificate verifies against the kubeconfig's CA, and its 401 shows
    // the kubeconfig's token was not sent (admin's token would have been accepted).
    let api = probe_at(&sim, &sim.world.cluster.base_url()).await;
    let (_, status, message, _) = one(&api, "gateway-probe");
    assert_eq!(status, "warn", "{message}");
    assert!(message.contains("requires authentication"), "{message}");
    assert!(message.contains("→ 401"), "{message}");

    // A malformed --probe-address is a usage error before anything is sent.
    let bad = sim
        .run(&[
            "doctor",
            "--probe",
            "--probe-address",
            "openshift-ai-inference",
        ])
        .await;
    assert_eq!(bad.status.code(), Some(2));
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_only_envoyfilter_answers_200_but_the_epp_never_counts() {
    let sim = support::start("fail-envoyfilter-route-only", true).await;
    let out = probe(
        &sim,
        &["--check", "gateway-probe", "--check", "extproc-wiring"],
    )
    .await;
    let (subject, status, message, _) = one(&out, "gateway-probe");
    assert_eq!(
        (subject.as_str(), status.as_str()),
        (GATEWAY, "ok"),
        "{message}"
    );
    assert!(message.contains("→ 200"), "{message}");
    let (_, status, message, _) = one(&out, "extproc-wiring");
    assert_eq!(status, "error");
    assert!(message.contains("patches only HTTP_ROUTE"), "{message}");
    let message = wait_for_epp_in_loop(&sim, "error", Duration::from_secs(90)).await;
    assert!(message.contains("the EPP saw none"), "{message}");
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maas_gateway_without_its_filter_gets_the_400_until_fixed() {
    let sim = support::start("fail-envoyfilter-missing-maas", false).await;
    assert_eq!(sim.world.gateways.len(), 2);
    let out = probe(&sim, &["--check", "gateway-probe"]).await;
    assert_eq!(out.status.code(), Some(1));
    let mut r: Vec<(String, String)> = results(&out, "gateway-probe")
        .into_iter()
        .map(|(subject, status, _, _)| (subject, status))
        .collect();
    r.sort();
    assert_eq!(
        r,
        [
            (
                "openshift-ingress/maas-gateway".to_string(),
                "error".to_string()
            ),
            (GATEWAY.to_string(), "ok".to_string()),
        ]
    );
    let fixed = sim.run(&["fix", "envoyfilter"]).await;
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let after = probe(&sim, &["--check", "gateway-probe"]).await;
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    assert_eq!(results(&after, "gateway-probe").len(), 2);
    sim.world.shutdown().await;
}
