//! install-monitoring / uninstall-monitoring end to end: the real binary against a small API fake
//! (tests/install_support). Re-run idempotence, request log, secrets never printed, foreign
//! objects kept, pre-flight blocking before any write.

mod install_support;

use std::path::PathBuf;

use install_support::{Fake, TOKEN, b64};
use serde_json::json;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Env {
    fake: Fake,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Env {
    async fn new() -> Self {
        let fake = Fake::default();
        let text = fake.start().await;
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, text).unwrap();
        fake.seed(
            "",
            "services",
            json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "thanos-querier", "namespace": "openshift-monitoring"}}),
        );
        Self {
            fake,
            dir,
            kubeconfig,
        }
    }

    fn seed_cmo(&self, config: &str) {
        self.fake.seed(
            "",
            "configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring",
                "labels": {"owner": "cluster-admins"}},
            "data": {"config.yaml": config}}),
        );
    }

    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-llmd"));
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG");
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn cmo_config(&self) -> String {
        self.fake
            .get(
                "",
                "configmaps",
                Some("openshift-monitoring"),
                "cluster-monitoring-config",
            )
            .and_then(|c| c["data"]["config.yaml"].as_str().map(String::from))
            .unwrap_or_default()
    }

    fn admin_password(&self) -> String {
        let secret = self
            .fake
            .get(
                "",
                "secrets",
                Some("llm-d-monitoring"),
                "llm-d-grafana-admin",
            )
            .expect("admin secret");
        let encoded = secret["data"]["GF_SECURITY_ADMIN_PASSWORD"]
            .as_str()
            .unwrap();
        let bytes = oc_llmd::kube::config::base64_decode(encoded).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn writes(&self, from: usize) -> Vec<(String, String)> {
        self.fake.requests()[from..]
            .iter()
            .filter(|(m, p)| m != "GET" && !(m == "POST" && p.contains("selfsubjectaccessreviews")))
            .cloned()
            .collect()
    }
}

const OTHER_KEYS: &str = "prometheusK8s:\n  retention: 15d\n  nodeSelector:\n    \
    node-role.kubernetes.io/infra: \"\"\nalertmanagerMain:\n  enableUserAlertmanagerConfig: true\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_rerun_and_uninstall() {
    let env = Env::new().await;
    env.seed_cmo(OTHER_KEYS);

    let first = env
        .run(&[
            "install-monitoring",
            "--enable-uwm",
            "--timeout",
            "20s",
            "-v",
        ])
        .await;
    assert_eq!(
        first.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        first.stdout, first.stderr
    );
    assert!(
        first.stdout.contains("created     Grafana/llm-d-grafana"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("Grafana: https://llm-d-grafana-llm-d-monitoring.apps.example.com")
    );
    assert!(
        first
            .stdout
            .contains("oc extract secret/llm-d-grafana-admin -n llm-d-monitoring")
    );

    // cluster-monitoring-config: UWM on, every other key kept, not labelled by us.
    let config = oc_llmd::install::cmo::parse(&env.cmo_config()).unwrap();
    let expected =
        oc_llmd::install::cmo::parse(&format!("{OTHER_KEYS}enableUserWorkload: true\n")).unwrap();
    assert_eq!(config, expected);
    let cmo = env
        .fake
        .get(
            "",
            "configmaps",
            Some("openshift-monitoring"),
            "cluster-monitoring-config",
        )
        .unwrap();
    assert_eq!(
        cmo["metadata"]["labels"],
        json!({"owner": "cluster-admins"})
    );

    // Secrets: the password is random and only in its Secret; the token only in its Secret.
    let password = env.admin_password();
    assert_eq!(password.len(), 32);
    assert_ne!(password, "admin123");
    for secret in [password.as_str(), TOKEN] {
        for text in [&first.stdout, &first.stderr] {
            assert!(
                !text.contains(secret) && !text.contains(&b64(secret)),
                "secret printed"
            );
        }
    }
    let objects = env.fake.lock().objects.clone();
    for (key, obj) in &objects {
        let text = obj.to_string();
        if !key.ends_with("|llm-d-grafana-admin") {
            assert!(
                !text.contains(&b64(&password)) && !text.contains(&password),
                "password in {key}"
            );
        }
        if !key.ends_with("|grafana-thanos-token") {
            assert!(
                !text.contains(TOKEN) && !text.contains(&b64(TOKEN)),
                "token in {key}"
            );
        }
    }
    let ds = env
        .fake
        .get(
            "grafana.integreatly.org",
            "grafanadatasources",
            Some("llm-d-monitoring"),
            "thanos-querier",
        )
        .unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["secureJsonData"]["httpHeaderValue1"],
        "Bearer ${token}"
    );
    assert_eq!(
        ds["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "oc-llmd"
    );

    // Second run: every object unchanged, no write other than server-side apply PATCHes.
    let before = env.fake.requests().len();
    let second = env
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "20s"])
        .await;
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(
        !second.stdout.contains("created ") && !second.stdout.contains("configured "),
        "{}",
        second.stdout
    );
    assert!(
        second
            .stdout
            .contains("0 created, 0 configured, 10 unchanged"),
        "{}",
        second.stdout
    );
    let writes = env.writes(before);
    assert!(
        writes
            .iter()
            .all(|(m, p)| m == "PATCH" && p.contains("fieldManager=oc-llmd")),
        "{writes:?}"
    );
    assert_eq!(
        env.admin_password(),
        password,
        "re-run must keep the password"
    );

    // --show-password prints it, only then.
    let shown = env
        .run(&["install-monitoring", "--show-password", "--timeout", "5s"])
        .await;
    assert!(
        shown
            .stdout
            .contains(&format!("Admin password: {password}"))
    );

    // Foreign objects in our namespace survive uninstall; UWM config is untouched.
    env.fake.seed(
        "grafana.integreatly.org",
        "grafanadashboards",
        json!({
        "apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDashboard",
        "metadata": {"name": "team-dashboard", "namespace": "llm-d-monitoring"}}),
    );
    env.fake.seed(
        "",
        "configmaps",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "team-config", "namespace": "llm-d-monitoring",
            "labels": {"app.kubernetes.io/managed-by": "oc-llmd"}}}),
    );
    let refused = env
        .run(&["uninstall-monitoring", "--delete-namespace"])
        .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("team-config") && refused.stderr.contains("nothing was deleted")
    );
    assert!(
        env.fake
            .get(
                "grafana.integreatly.org",
                "grafanas",
                Some("llm-d-monitoring"),
                "llm-d-grafana"
            )
            .is_some()
    );

    let dry = env.run(&["uninstall-monitoring", "--dry-run"]).await;
    assert_eq!(dry.code, 0);
    assert!(
        dry.stdout.contains("delete      Grafana/llm-d-grafana"),
        "{}",
        dry.stdout
    );
    assert!(
        env.fake
            .get(
                "grafana.integreatly.org",
                "grafanas",
                Some("llm-d-monitoring"),
                "llm-d-grafana"
            )
            .is_some()
    );

    let gone = env.run(&["uninstall-monitoring"]).await;
    assert_eq!(gone.code, 0, "{}\n{}", gone.stdout, gone.stderr);
    assert!(
        gone.stdout
            .contains("deleted     ClusterRoleBinding/grafana-thanos-cluster-monitoring-view")
    );
    let left: Vec<String> = env.fake.lock().objects.keys().cloned().collect();
    assert!(left.contains(
        &"grafana.integreatly.org|grafanadashboards|llm-d-monitoring|team-dashboard".to_string()
    ));
    assert!(left.contains(&"|configmaps|llm-d-monitoring|team-config".to_string()));
    assert!(
        left.contains(&"|namespaces||llm-d-monitoring".to_string()),
        "namespace kept"
    );
    for ours in [
        "grafana.integreatly.org|grafanas|llm-d-monitoring|llm-d-grafana",
        "grafana.integreatly.org|grafanadatasources|llm-d-monitoring|thanos-querier",
        "|secrets|llm-d-monitoring|grafana-thanos-token",
        "|secrets|llm-d-monitoring|llm-d-grafana-admin",
        "|serviceaccounts|llm-d-monitoring|grafana-thanos",
        "|configmaps|llm-d-monitoring|grafana-thanos-service-ca",
        "rbac.authorization.k8s.io|clusterrolebindings||grafana-thanos-cluster-monitoring-view",
    ] {
        assert!(!left.iter().any(|k| k == ours), "{ours} left: {left:?}");
    }
    assert!(oc_llmd::install::cmo::uwm_enabled(Some(&env.cmo_config())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_binding_stops_before_any_write() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    env.fake
        .lock()
        .denied
        .insert(("create".into(), "clusterrolebindings".into()));
    let run = env.run(&["install-monitoring"]).await;
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cannot create clusterrolebindings.rbac.authorization.k8s.io"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--tenant"));
    assert!(env.writes(0).is_empty(), "{:?}", env.writes(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_operator_and_uwm_are_reported_together() {
    let env = Env::new().await;
    env.seed_cmo("prometheusK8s: {retention: 1d}\n");
    env.fake.lock().unserved.extend([
        "grafanas".to_string(),
        "grafanadatasources".into(),
        "grafanadashboards".into(),
    ]);
    let run = env.run(&["install-monitoring"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("[operator-missing]") && run.stderr.contains("--install-operator"));
    assert!(run.stderr.contains("[uwm-disabled]") && run.stderr.contains("--enable-uwm"));
    assert!(env.writes(0).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_gitops_output_write_nothing() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let dry = env
        .run(&["install-monitoring", "--dry-run", "--tenant", "team-a"])
        .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("create      RoleBinding/grafana-thanos-view (namespace team-a)"),
        "{}",
        dry.stdout
    );
    let yaml = env.run(&["install-monitoring", "-o", "yaml"]).await;
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    assert!(
        yaml.stdout.contains("kind: GrafanaDatasource") && yaml.stdout.contains("is not printed")
    );
    assert!(!yaml.stdout.contains("GF_SECURITY_ADMIN_PASSWORD:"));
    assert!(env.writes(0).is_empty(), "{:?}", env.writes(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_monitoring_config_is_never_replaced() {
    let env = Env::new().await;
    let broken = "prometheusK8s: [unclosed\n";
    env.seed_cmo(broken);
    env.fake.lock().unserved.insert("grafanas".into());
    let run = env.run(&["install-monitoring", "--enable-uwm"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing to change it"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[uwm-config]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("[operator-missing]"),
        "all problems together: {}",
        run.stderr
    );
    assert_eq!(env.cmo_config(), broken);
    assert!(env.writes(0).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_operator_waits_for_its_csv() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    env.fake.lock().unserved.extend([
        "grafanas".to_string(),
        "grafanadatasources".into(),
        "grafanadashboards".into(),
    ]);
    let run = env
        .run(&[
            "install-monitoring",
            "--install-operator",
            "--timeout",
            "20s",
        ])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("created     Subscription/grafana-operator (namespace openshift-operators)")
    );
    assert!(
        run.stdout.contains("grafana-operator.v5.24.0 succeeded"),
        "{}",
        run.stdout
    );
    let sub = env
        .fake
        .get(
            "operators.coreos.com",
            "subscriptions",
            Some("openshift-operators"),
            "grafana-operator",
        )
        .unwrap();
    assert_eq!(sub["spec"]["channel"], "v5");
    assert_eq!(sub["spec"]["sourceNamespace"], "openshift-marketplace");
    assert!(
        env.fake
            .get(
                "grafana.integreatly.org",
                "grafanas",
                Some("llm-d-monitoring"),
                "llm-d-grafana"
            )
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_then_rerun_converges() {
    let reference = Env::new().await;
    reference.seed_cmo("a: 1\n");
    let clean = reference
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "10s"])
        .await;
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let end_state = |env: &Env| -> Vec<String> {
        env.fake
            .lock()
            .objects
            .iter()
            .filter(|(_, o)| {
                o.pointer("/metadata/labels/app.kubernetes.io~1managed-by")
                    .is_some()
            })
            .map(|(k, o)| {
                let mut o = o.clone();
                o["metadata"]
                    .as_object_mut()
                    .unwrap()
                    .remove("resourceVersion");
                if k.ends_with("|llm-d-grafana-admin") {
                    o["data"] = json!("password");
                }
                format!("{k} {o}")
            })
            .collect()
    };
    let expected = end_state(&reference);
    for plural in [
        "configmaps",
        "namespaces",
        "secrets",
        "serviceaccounts",
        "clusterrolebindings",
        "grafanas",
        "grafanadatasources",
    ] {
        let env = Env::new().await;
        env.seed_cmo("a: 1\n");
        env.fake.lock().fail_once.insert(plural.to_string());
        let failed = env
            .run(&["install-monitoring", "--enable-uwm", "--timeout", "10s"])
            .await;
        assert_eq!(
            failed.code,
            1,
            "{plural}: {:?}",
            env.fake
                .requests()
                .iter()
                .filter(|r| r.0 == "PATCH")
                .collect::<Vec<_>>()
        );
        let rerun = env
            .run(&["install-monitoring", "--enable-uwm", "--timeout", "10s"])
            .await;
        assert_eq!(rerun.code, 0, "{plural}: {}", rerun.stderr);
        assert_eq!(end_state(&env), expected, "after a fault on {plural}");
        assert!(oc_llmd::install::cmo::uwm_enabled(Some(&env.cmo_config())));
        assert_eq!(
            oc_llmd::install::cmo::parse(&env.cmo_config()).unwrap()["a"],
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_mode_and_its_uninstall() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let run = env
        .run(&[
            "install-monitoring",
            "--tenant",
            "team-a",
            "-n",
            "team-a-monitoring",
            "--timeout",
            "10s",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rb = env
        .fake
        .get(
            "rbac.authorization.k8s.io",
            "rolebindings",
            Some("team-a"),
            "grafana-thanos-view",
        )
        .unwrap();
    assert_eq!(rb["subjects"][0]["namespace"], "team-a-monitoring");
    assert!(
        env.fake
            .get(
                "rbac.authorization.k8s.io",
                "clusterrolebindings",
                None,
                "grafana-thanos-cluster-monitoring-view"
            )
            .is_none()
    );
    let ds = env
        .fake
        .get(
            "grafana.integreatly.org",
            "grafanadatasources",
            Some("team-a-monitoring"),
            "thanos-querier",
        )
        .unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["url"],
        "https://thanos-querier.openshift-monitoring.svc:9092"
    );
    let gone = env
        .run(&[
            "uninstall-monitoring",
            "-n",
            "team-a-monitoring",
            "--delete-namespace",
        ])
        .await;
    assert_eq!(gone.code, 0, "{}\n{}", gone.stdout, gone.stderr);
    assert!(
        env.fake
            .get(
                "rbac.authorization.k8s.io",
                "rolebindings",
                Some("team-a"),
                "grafana-thanos-view"
            )
            .is_none()
    );
    assert!(
        env.fake
            .get("", "namespaces", None, "team-a-monitoring")
            .is_none(),
        "{}",
        gone.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_and_extra_objects_are_applied_and_matched() {
    use oc_llmd::cli::{GlobalArgs, InstallArgs};
    use oc_llmd::commands::install::{InstallInputs, run};
    use oc_llmd::install::DashboardManifest;

    let _ = rustls::crypto::ring::default_provider().install_default();
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let global = GlobalArgs {
        kubeconfig: Some(env.kubeconfig.clone()),
        ..GlobalArgs::default()
    };
    let args = InstallArgs {
        timeout: "10s".into(),
        envoyfilter_fix: true,
        ..InstallArgs::default()
    };
    let dashboard = DashboardManifest {
        uid: "llmd-vllm".into(),
        title: "vLLM".into(),
        json: json!({"uid": "llmd-vllm", "title": "vLLM", "panels": []}),
    };
    let envoyfilter = json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
        "metadata": {"name": "llm-d-ext-proc", "namespace": "openshift-ingress"},
        "spec": {"configPatches": []}});
    let inputs = InstallInputs {
        dashboards: vec![dashboard.clone()],
        extra_manifests: vec![envoyfilter],
    };
    let code = run(&global, &args, inputs).await.unwrap();
    assert_eq!(code.code(), 0);
    let d = env
        .fake
        .get(
            "grafana.integreatly.org",
            "grafanadashboards",
            Some("llm-d-monitoring"),
            "llm-d-llmd-vllm",
        )
        .unwrap();
    assert_eq!(
        d["spec"]["instanceSelector"]["matchLabels"]["dashboards"],
        "llm-d-grafana"
    );
    let inner: serde_json::Value =
        serde_json::from_str(d["spec"]["json"].as_str().unwrap()).unwrap();
    assert_eq!(inner, dashboard.json);
    // The dashboard was waited for (GET after its PATCH).
    let requests = env.fake.requests();
    let patched = requests
        .iter()
        .position(|(m, p)| m == "PATCH" && p.contains("grafanadashboards/llm-d-llmd-vllm"));
    let waited = requests
        .iter()
        .rposition(|(m, p)| m == "GET" && p.contains("grafanadashboards/llm-d-llmd-vllm"));
    assert!(patched.is_some() && waited > patched, "{requests:?}");
    let ef = env
        .fake
        .get(
            "networking.istio.io",
            "envoyfilters",
            Some("openshift-ingress"),
            "llm-d-ext-proc",
        )
        .unwrap();
    assert_eq!(
        ef["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "llm-d-monitoring"
    );

    let gone = env.run(&["uninstall-monitoring"]).await;
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert!(
        env.fake
            .get(
                "networking.istio.io",
                "envoyfilters",
                Some("openshift-ingress"),
                "llm-d-ext-proc"
            )
            .is_none()
    );
    assert!(
        env.fake
            .get(
                "grafana.integreatly.org",
                "grafanadashboards",
                Some("llm-d-monitoring"),
                "llm-d-llmd-vllm"
            )
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_plain_when_piped_and_marked_on_a_terminal() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let piped = env.run(&["install-monitoring", "--timeout", "10s"]).await;
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(
        !piped.stdout.contains('\x1b') && !piped.stdout.contains('✓'),
        "{}",
        piped.stdout
    );
    assert!(
        piped
            .stdout
            .contains("waiting for the Grafana instance: ready")
    );

    // Under a pseudo-terminal (util-linux `script`), steps end with ✓ and the spinner clears lines.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed to check terminal rendering");
    }
    let line = format!(
        "{} install-monitoring --timeout 10s --kubeconfig {}",
        env!("CARGO_BIN_EXE_kubectl-llmd"),
        env.kubeconfig.display()
    );
    let home = env.dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env("HOME", home)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("✓ Grafana instance: done"), "{text}");
    assert!(text.contains("\x1b[2K"), "{text}");
    assert!(text.contains("unchanged   Grafana/llm-d-grafana"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_uninstall_without_cluster_wide_list_rights() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let run = env
        .run(&[
            "install-monitoring",
            "--tenant",
            "team-a",
            "-n",
            "team-a-mon",
            "--timeout",
            "10s",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    env.fake.lock().no_list_all.extend([
        "rolebindings".to_string(),
        "clusterrolebindings".into(),
        "envoyfilters".into(),
    ]);
    let gone = env
        .run(&[
            "uninstall-monitoring",
            "-n",
            "team-a-mon",
            "--tenant",
            "team-a",
        ])
        .await;
    assert_eq!(gone.code, 0, "{}\n{}", gone.stdout, gone.stderr);
    assert!(
        gone.stderr.contains("looking in team-a-mon, team-a only"),
        "{}",
        gone.stderr
    );
    assert!(gone.stderr.contains("a cluster admin must delete it"));
    assert!(
        env.fake
            .get(
                "rbac.authorization.k8s.io",
                "rolebindings",
                Some("team-a"),
                "grafana-thanos-view"
            )
            .is_none()
    );
    assert!(
        env.fake
            .get(
                "grafana.integreatly.org",
                "grafanas",
                Some("team-a-mon"),
                "llm-d-grafana"
            )
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_from_the_blog_script_are_named_not_clobbered() {
    let env = Env::new().await;
    env.seed_cmo("enableUserWorkload: true\n");
    let pasted = "Bearer sha256~pasted-token-from-setup-sh";
    env.fake.seed(
        "grafana.integreatly.org",
        "grafanadatasources",
        json!({
        "apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDatasource",
        "metadata": {"name": "thanos-querier", "namespace": "llm-d-monitoring"},
        "spec": {"instanceSelector": {"matchLabels": {"dashboards": "llm-d-grafana"}},
            "datasource": {"uid": "prometheus", "jsonData": {"tlsSkipVerify": true},
                "secureJsonData": {"httpHeaderValue1": pasted}}}}),
    );
    env.fake.seed(
        "grafana.integreatly.org",
        "grafanas",
        json!({
        "apiVersion": "grafana.integreatly.org/v1beta1", "kind": "Grafana",
        "metadata": {"name": "llm-d-grafana", "namespace": "llm-d-monitoring",
            "labels": {"dashboards": "llm-d-grafana"}},
        "spec": {"config": {"security": {"admin_user": "admin", "admin_password": "admin123"}}}}),
    );
    let blocked = env.run(&["install-monitoring", "--timeout", "10s"]).await;
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    assert!(
        blocked.stderr.contains("[datasource-foreign]"),
        "{}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains("[grafana-adopted]") && blocked.stderr.contains("admin_password")
    );
    assert!(env.writes(0).is_empty());
    let ds = env
        .fake
        .get(
            "grafana.integreatly.org",
            "grafanadatasources",
            Some("llm-d-monitoring"),
            "thanos-querier",
        )
        .unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["secureJsonData"]["httpHeaderValue1"],
        pasted
    );

    // After the user deletes the old datasource, the install goes through and adopts the Grafana.
    env.fake
        .lock()
        .objects
        .retain(|k, _| !k.ends_with("grafanadatasources|llm-d-monitoring|thanos-querier"));
    let run = env.run(&["install-monitoring", "--timeout", "10s"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("configured  Grafana/llm-d-grafana"),
        "{}",
        run.stdout
    );
    let ds = env
        .fake
        .get(
            "grafana.integreatly.org",
            "grafanadatasources",
            Some("llm-d-monitoring"),
            "thanos-querier",
        )
        .unwrap();
    assert_eq!(ds["spec"]["datasource"]["jsonData"]["tlsSkipVerify"], false);
    assert!(!ds.to_string().contains("pasted-token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_edit_of_the_monitoring_config_is_not_overwritten() {
    let env = Env::new().await;
    env.seed_cmo("prometheusK8s: {retention: 1d}\n");
    let edited = "prometheusK8s: {retention: 1d}\ntelemeterClient: {enabled: false}\n";
    env.fake
        .lock()
        .edit_after_get
        .push(("cluster-monitoring-config".into(), edited.into()));
    let run = env
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "10s"])
        .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("re-run"), "{}", run.stderr);
    assert_eq!(env.cmo_config(), edited, "the other edit must survive");
    let rerun = env
        .run(&["install-monitoring", "--enable-uwm", "--timeout", "10s"])
        .await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let config = oc_llmd::install::cmo::parse(&env.cmo_config()).unwrap();
    assert_eq!(config["telemeterClient"]["enabled"], false);
    assert_eq!(config["enableUserWorkload"], true);
}
