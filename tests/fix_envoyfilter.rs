//! `fix envoyfilter` on the simulated cluster: seed-day0 (Istio 1.26, no filter) → the fix →
//! doctor's extproc-wiring passes; the YAML is accepted by the real `kubectl apply --server-side
//! --dry-run=server`; a second gateway (maas-gateway) gets its own filter; Istio 1.27 gets none
//! (refused with the reason); `--remove` deletes only ours.

mod support;

fn extproc(out: &std::process::Output) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "extproc-wiring")
        .map(|c| {
            (
                c["subject"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_day0_fix_then_doctor_passes_and_remove_cleans_up() {
    let sim = support::start("seed-day0", false).await;
    let before = sim
        .run(&["doctor", "-o", "json", "--check", "extproc-wiring"])
        .await;
    assert!(extproc(&before).iter().any(|(_, s)| s == "error"));

    // Printed YAML is valid for the real API machinery (server-side dry run through kubectl).
    let yaml = sim.run(&["fix", "envoyfilter", "-o", "yaml"]).await;
    assert_eq!(
        yaml.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&yaml.stderr)
    );
    assert!(String::from_utf8_lossy(&yaml.stderr).contains("workaround"));
    let file = sim.dir.path().join("ef.yaml");
    std::fs::write(&file, &yaml.stdout).unwrap();
    let file = file.to_str().unwrap();
    sim.kubectl(
        &["apply", "--server-side", "--dry-run=server", "-f", file],
        None,
    );

    let applied = sim.run(&["fix", "envoyfilter"]).await;
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stdout).contains("created"));
    let after = sim
        .run(&["doctor", "-o", "json", "--check", "extproc-wiring"])
        .await;
    assert!(
        extproc(&after).iter().all(|(_, s)| s == "ok"),
        "{:?}",
        extproc(&after)
    );

    let removed = sim.run(&["fix", "envoyfilter", "--remove"]).await;
    assert!(
        String::from_utf8_lossy(&removed.stdout)
            .contains("deleted EnvoyFilter/oc-llmd-extproc-openshift-ai-inference")
    );
    let again = sim
        .run(&["doctor", "-o", "json", "--check", "extproc-wiring"])
        .await;
    assert!(extproc(&again).iter().any(|(_, s)| s == "error"));
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_gateway_gets_its_own_filter_and_istio_127_gets_none() {
    let sim = support::start("fail-envoyfilter-missing-maas", false).await;
    let out = sim
        .run(&["fix", "envoyfilter", "--gateway", "maas-gateway"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = sim
        .run(&["doctor", "-o", "json", "--check", "extproc-wiring"])
        .await;
    let results = extproc(&after);
    assert!(
        results.len() >= 2 && results.iter().all(|(_, s)| s == "ok"),
        "{results:?}"
    );
    sim.world.shutdown().await;

    let sim = support::start("istio-1-27", false).await;
    let out = sim.run(&["fix", "envoyfilter"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not affected"));
    sim.world.shutdown().await;
}
