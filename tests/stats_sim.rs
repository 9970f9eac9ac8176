//! `stats` the way a user runs it on OpenShift: no --prometheus-url; the plugin finds the
//! `thanos-querier` Route, presents the kubeconfig user's token over verified TLS (the cluster
//! CA), and reports numbers matching the scenario's traffic profile (the ground truth). A user
//! without cluster-monitoring-view is refused with exit 4; a bad token gives exit 3; the token
//! never appears in any output.

mod support;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_through_the_thanos_route_matches_the_traffic_profile() {
    let sim = support::start("healthy", true).await;
    let profile = sim.world.cluster.config().traffic[0].clone();
    let stack = sim.world.monitoring.clone().expect("monitoring on");
    stack
        .prometheus
        .wait_for_series("kserve_vllm:request_success_total", Duration::from_secs(30))
        .await
        .unwrap();
    // Let 10 s of samples exist after the first one so the 10 s window is fully covered.
    tokio::time::sleep(Duration::from_secs(13)).await;

    // The Route itself: HTTPS verified with the cluster CA; the vLLM and EPP series are there
    // with a valid token; no token → 401 (exit-code class 3).
    let host = sim.world.thanos_host.clone().unwrap();
    let route = |token: Option<&str>| {
        let mut config = oc_llmd::prom::PromConfig::new(format!("https://{host}"));
        config.ca_pem = Some(sim.world.cluster.ca_pem().into_bytes());
        config.token = token.map(str::to_string);
        oc_llmd::prom::PromClient::new(config).unwrap()
    };
    for series in [
        "kserve_vllm:num_requests_running",
        "kserve_inference_pool_ready_pods",
    ] {
        let answer = route(Some("admin-token"))
            .query(series, None)
            .await
            .unwrap();
        match answer.data {
            oc_llmd::prom::QueryData::Vector(v) => assert!(!v.is_empty(), "{series}: no series"),
            other => panic!("{series}: {other:?}"),
        }
    }
    let unauthenticated = route(None).query("up", None).await.unwrap_err();
    assert_eq!(
        unauthenticated.exit_code().code(),
        3,
        "{}",
        unauthenticated.message
    );

    let out = sim
        .run(&[
            "stats",
            "-n",
            "my-first-model",
            "--window",
            "10s",
            "-o",
            "json",
            "-v",
        ])
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let svc = &report["services"][0];
    let rps = svc["requestsPerSecond"]
        .as_f64()
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        (rps - profile.requests_per_second).abs() / profile.requests_per_second < 0.10,
        "requests/s {rps} vs profile {}",
        profile.requests_per_second
    );
    assert!(
        !stderr.contains("admin-token")
            && !String::from_utf8_lossy(&out.stdout).contains("admin-token")
    );

    // A user without cluster-monitoring-view: refused by Thanos' RBAC check → exit 4.
    let dev = sim.dir.path().join("kubeconfig.developer");
    let mut cmd = sim.cmd();
    cmd.args(["stats", "-A", "--kubeconfig"]).arg(&dev);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("developer-token"));

    // A token Thanos does not accept (the API server still accepts the kubeconfig's): one
    // error line naming the 401, exit 3, the token nowhere.
    let out = sim
        .run(&["stats", "-A", "-v", "--token", "sha256~rejected-SECRET"])
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("401"), "{stderr}");
    assert!(!stderr.contains("SECRET") && !stderr.contains("admin-token"));
    assert!(out.stdout.is_empty());

    // Thanos unavailable (503 from the front) → a one-line error, not a panic.
    stack.front.faults().set(llmd_sim::thanos::Faults {
        status: Some(503),
        ..Default::default()
    });
    let out = sim.run(&["stats", "-A"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    stack.front.faults().clear();

    // The route points nowhere (Thanos unreachable): one error line, exit 3, no token.
    sim.world
        .cluster
        .set_route_host("openshift-monitoring", "thanos-querier", "127.0.0.1:9");
    let out = sim.run(&["stats", "-A", "-v"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("cannot reach https://127.0.0.1:9"),
        "{stderr}"
    );
    assert!(!stderr.contains("admin-token"), "{stderr}");
    sim.world.shutdown().await;
}
