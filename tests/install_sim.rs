//! install-monitoring on the simulated cluster, as the blog's user would run it: `seed-day0`
//! (UWM off, operator installed, no Grafana) → `install-monitoring --enable-uwm` → doctor shows
//! every grafana-* check and uwm-enabled ok; a second run changes nothing and makes no write but
//! server-side applies; the admin password and the token appear in no output and no CR spec;
//! uninstall removes our objects only.

mod support;

use base64::Engine as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_day0_install_then_doctor_then_rerun_then_uninstall() {
    let sim = support::start("seed-day0", false).await;

    let first = sim
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "30s"])
        .await;
    let first_out = format!(
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(first.status.code(), Some(0), "{first_out}");

    let doctor = sim
        .run(&[
            "doctor",
            "-o",
            "json",
            "--category",
            "grafana",
            "--check",
            "uwm-enabled",
        ])
        .await;
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    for check in report["checks"].as_array().unwrap() {
        let id = check["id"].as_str().unwrap();
        if id.starts_with("grafana-") || id == "uwm-enabled" {
            assert_eq!(check["status"], "ok", "{check}");
        }
    }

    // Second run: everything unchanged, and the only writes are server-side applies (PATCH
    // apply-patch) — access reviews aside, which are read-only POSTs.
    sim.world.cluster.reset_request_log();
    let second = sim
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "30s"])
        .await;
    let second_out = String::from_utf8_lossy(&second.stdout).to_string();
    assert_eq!(second.status.code(), Some(0), "{second_out}");
    assert!(
        !second_out.contains(" created ") && !second_out.contains(" configured "),
        "{second_out}"
    );
    assert!(second_out.contains("unchanged"), "{second_out}");
    let non_apply: Vec<String> = sim
        .world
        .cluster
        .request_log()
        .iter()
        .filter(|r| {
            r.method != "GET" && r.method != "PATCH" && !r.path.contains("selfsubjectaccessreviews")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(non_apply.is_empty(), "second run wrote: {non_apply:?}");

    // Secrets: neither the admin password nor the SA token in any output or stored CR spec.
    let store = sim.world.cluster.store();
    let secret_value = |name: &str, key: &str| -> String {
        let s = store.get("", "Secret", "llm-d-monitoring", name).unwrap();
        let b64 = s
            .pointer(&format!("/data/{key}"))
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    };
    let password = secret_value("llm-d-grafana-admin", "GF_SECURITY_ADMIN_PASSWORD");
    let token = secret_value("grafana-thanos-token", "token");
    assert!(password.len() >= 24 && password != "admin123");
    let outputs = format!(
        "{first_out}{second_out}{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    for secret in [&password, &token] {
        assert!(
            !outputs.contains(secret.as_str()),
            "a secret leaked into the output"
        );
        for (group, kind) in [
            ("grafana.integreatly.org", "Grafana"),
            ("grafana.integreatly.org", "GrafanaDatasource"),
            ("grafana.integreatly.org", "GrafanaDashboard"),
        ] {
            for obj in store.list_kind(group, kind) {
                assert!(
                    !obj.to_string().contains(secret.as_str()),
                    "{kind} holds a secret in plain text"
                );
            }
        }
    }

    // A foreign object in our namespace survives uninstall; ours are gone.
    let foreign = sim.dir.path().join("foreign.yaml");
    std::fs::write(&foreign, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-ours\n  namespace: llm-d-monitoring\ndata:\n  a: b\n").unwrap();
    sim.kubectl(
        &["apply", "--server-side", "-f", foreign.to_str().unwrap()],
        None,
    );
    let uninstall = sim.run(&["uninstall-monitoring"]).await;
    assert_eq!(
        uninstall.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&uninstall.stderr)
    );
    assert!(
        store
            .get("", "ConfigMap", "llm-d-monitoring", "not-ours")
            .is_some()
    );
    assert!(
        store
            .get(
                "grafana.integreatly.org",
                "Grafana",
                "llm-d-monitoring",
                "llm-d-grafana"
            )
            .is_none()
    );
    assert!(
        store
            .get(
                "rbac.authorization.k8s.io",
                "ClusterRoleBinding",
                "",
                "grafana-thanos-cluster-monitoring-view"
            )
            .is_none()
    );
    // UWM config is never touched by uninstall.
    let cmo = store
        .get(
            "",
            "ConfigMap",
            "openshift-monitoring",
            "cluster-monitoring-config",
        )
        .unwrap();
    assert!(cmo.to_string().contains("enableUserWorkload"));
    sim.world.shutdown().await;
}
