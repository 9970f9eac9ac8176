//! install-monitoring / uninstall-monitoring end to end: the real binary against the simulated
//! cluster (llmd-sim, `tests/support`), with scenario overlays (`tests/fixtures/install/`) for the
//! cluster states and the simulator's fault injection for failures. Every case asserts on the
//! sim's request log and stored objects, never on a fake.

mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use llmd_sim::{FaultAction, FaultRule, Faults, NthWrite};
use serde_json::{Value, json};
use support::Sim;

const CMO_OTHER_KEYS: &str = include_str!("fixtures/install/cmo-other-keys.yaml");
const UWM_ON: &str = include_str!("fixtures/install/uwm-on.yaml");
const CMO_BROKEN: &str = include_str!("fixtures/install/cmo-broken.yaml");
const NO_OPERATOR: &str = include_str!("fixtures/install/no-grafana-operator.yaml");
const RBAC_USERS: &str = include_str!("fixtures/install/rbac-users.yaml");
const BLOG_LEFTOVERS: &str = include_str!("fixtures/install/blog-leftovers.yaml");

const NS: &str = "llm-d-monitoring";
const GRAFANA: &str = "grafana.integreatly.org";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn from(o: std::process::Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

async fn run(sim: &Sim, args: &[&str]) -> Out {
    Out::from(sim.run(args).await)
}

async fn run_as(sim: &Sim, user: &str, args: &[&str]) -> Out {
    Out::from(sim.run_as(user, args).await)
}

/// Requests in the log that could change state: not GET, not an access review (a POST that
/// stores nothing), not a server-side dry run.
fn writes(sim: &Sim) -> Vec<String> {
    sim.world
        .cluster
        .request_log()
        .iter()
        .filter(|r| {
            r.method != "GET"
                && !r.path.contains("selfsubjectaccessreviews")
                && !r.path.contains("dryRun=All")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn get(sim: &Sim, group: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
    sim.world.cluster.store().get(group, kind, ns, name)
}

fn cmo_config(sim: &Sim) -> String {
    get(
        sim,
        "",
        "ConfigMap",
        "openshift-monitoring",
        "cluster-monitoring-config",
    )
    .and_then(|c| c["data"]["config.yaml"].as_str().map(String::from))
    .unwrap_or_default()
}

fn parse_cmo(text: &str) -> serde_json::Map<String, Value> {
    oc_llmd::install::cmo::parse(text).unwrap()
}

fn secret_value(sim: &Sim, ns: &str, name: &str, key: &str) -> String {
    let s = get(sim, "", "Secret", ns, name).unwrap_or_else(|| panic!("no Secret {ns}/{name}"));
    let b64 = s["data"][key].as_str().unwrap().to_string();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The admin password and the SA token appear in no output and in no stored object other than
/// the Secret that holds each.
fn assert_no_secrets(sim: &Sim, ns: &str, outputs: &str) {
    let password = secret_value(sim, ns, "llm-d-grafana-admin", "GF_SECURITY_ADMIN_PASSWORD");
    let token = secret_value(sim, ns, "grafana-thanos-token", "token");
    assert!(password.len() >= 24 && password != "admin123");
    for (what, secret, holder) in [
        ("password", &password, "llm-d-grafana-admin"),
        ("token", &token, "grafana-thanos-token"),
    ] {
        assert!(
            !outputs.contains(secret.as_str()) && !outputs.contains(&b64(secret)),
            "the {what} leaked into the output"
        );
        let leaks: Vec<String> = sim.world.cluster.store().with(|store| {
            store
                .all_objects()
                .filter(|(_, o)| {
                    o.pointer("/metadata/name").and_then(Value::as_str) != Some(holder)
                        || o.pointer("/kind").and_then(Value::as_str) != Some("Secret")
                })
                .filter(|(_, o)| {
                    let text = o.to_string();
                    text.contains(secret.as_str()) || text.contains(&b64(secret))
                })
                .map(|(k, o)| format!("{k:?} {}", o["metadata"]["name"]))
                .collect()
        });
        assert!(leaks.is_empty(), "the {what} is stored in {leaks:?}");
    }
}

fn rv(sim: &Sim) -> u64 {
    sim.world.cluster.store().resource_version()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_rerun_show_password_and_uninstall_keep_what_is_not_ours() {
    let sim = support::start_with("seed-day0", false, &[CMO_OTHER_KEYS]).await;
    let original = cmo_config(&sim);

    let first = run(
        &sim,
        &[
            "install-monitoring",
            "--enable-uwm",
            "--timeout",
            "30s",
            "-v",
        ],
    )
    .await;
    assert_eq!(first.code, 0, "{first}");
    assert!(
        first.stdout.contains("created     Grafana/llm-d-grafana"),
        "{first}"
    );
    assert!(
        first.stdout.contains(&format!(
            "Grafana: https://llm-d-grafana-route-{NS}.apps.sim.oc-llmd.local"
        )),
        "{first}"
    );
    assert!(
        first
            .stdout
            .contains(&format!("oc extract secret/llm-d-grafana-admin -n {NS}"))
    );

    // cluster-monitoring-config: UWM on, every other key kept, its label kept, not labelled by us.
    let mut expected = parse_cmo(&original);
    expected.insert("enableUserWorkload".into(), Value::Bool(true));
    assert_eq!(parse_cmo(&cmo_config(&sim)), expected);
    let cmo = get(
        &sim,
        "",
        "ConfigMap",
        "openshift-monitoring",
        "cluster-monitoring-config",
    )
    .unwrap();
    assert_eq!(
        cmo["metadata"]["labels"],
        json!({"owner": "cluster-admins"})
    );

    let ds = get(&sim, GRAFANA, "GrafanaDatasource", NS, "thanos-querier").unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["secureJsonData"]["httpHeaderValue1"],
        "Bearer ${token}"
    );
    assert_eq!(
        ds["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "oc-llmd"
    );
    let password = secret_value(
        &sim,
        NS,
        "llm-d-grafana-admin",
        "GF_SECURITY_ADMIN_PASSWORD",
    );

    // Second run: every object unchanged, no write but server-side applies (PATCH, our manager).
    sim.world.cluster.reset_request_log();
    let before = rv(&sim);
    let second = run(
        &sim,
        &["install-monitoring", "--enable-uwm", "--timeout", "30s"],
    )
    .await;
    assert_eq!(second.code, 0, "{second}");
    assert!(
        !second.stdout.contains("created ") && !second.stdout.contains("configured "),
        "{second}"
    );
    assert!(
        second.stdout.contains("Applied: 0 created, 0 configured, "),
        "{second}"
    );
    let w = writes(&sim);
    assert!(
        w.iter()
            .all(|r| r.starts_with("PATCH ") && r.contains("fieldManager=oc-llmd")),
        "{w:?}"
    );
    assert_eq!(rv(&sim), before, "the re-run changed a stored object");
    assert_eq!(
        secret_value(
            &sim,
            NS,
            "llm-d-grafana-admin",
            "GF_SECURITY_ADMIN_PASSWORD"
        ),
        password,
        "re-run must keep the password"
    );
    assert_no_secrets(&sim, NS, &format!("{}{}", first.all(), second.all()));

    // --show-password prints it, only then.
    let shown = run(
        &sim,
        &["install-monitoring", "--show-password", "--timeout", "5s"],
    )
    .await;
    assert!(
        shown
            .stdout
            .contains(&format!("Admin password: {password}")),
        "{shown}"
    );

    // Foreign objects in our namespace: one with no labels, one with only our managed-by label.
    sim.kubectl(
        &["apply", "--server-side", "-f", "-"],
        Some(&format!(
            "apiVersion: {GRAFANA}/v1beta1\nkind: GrafanaDashboard\nmetadata:\n  name: team-dashboard\n  \
             namespace: {NS}\nspec:\n  instanceSelector:\n    matchLabels:\n      dashboards: llm-d-grafana\n  \
             json: '{{}}'\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-config\n  namespace: {NS}\n  \
             labels:\n    app.kubernetes.io/managed-by: oc-llmd\ndata:\n  a: b\n"
        )),
    );
    sim.world.cluster.reset_request_log();
    let refused = run(&sim, &["uninstall-monitoring", "--delete-namespace"]).await;
    assert_eq!(refused.code, 1, "{refused}");
    assert!(
        refused.stderr.contains("team-config") && refused.stderr.contains("nothing was deleted"),
        "{refused}"
    );
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    let dry = run(&sim, &["uninstall-monitoring", "--dry-run"]).await;
    assert_eq!(dry.code, 0, "{dry}");
    assert!(
        dry.stdout.contains("delete      Grafana/llm-d-grafana"),
        "{dry}"
    );
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert!(get(&sim, GRAFANA, "Grafana", NS, "llm-d-grafana").is_some());

    let gone = run(&sim, &["uninstall-monitoring"]).await;
    assert_eq!(gone.code, 0, "{gone}");
    assert!(
        gone.stdout
            .contains("deleted     ClusterRoleBinding/grafana-thanos-cluster-monitoring-view"),
        "{gone}"
    );
    assert!(get(&sim, GRAFANA, "GrafanaDashboard", NS, "team-dashboard").is_some());
    assert!(get(&sim, "", "ConfigMap", NS, "team-config").is_some());
    assert!(
        get(&sim, "", "Namespace", "", NS).is_some(),
        "namespace kept"
    );
    for (group, kind, ns, name) in [
        (GRAFANA, "Grafana", NS, "llm-d-grafana"),
        (GRAFANA, "GrafanaDatasource", NS, "thanos-querier"),
        ("", "Secret", NS, "grafana-thanos-token"),
        ("", "Secret", NS, "llm-d-grafana-admin"),
        ("", "ServiceAccount", NS, "grafana-thanos"),
        ("", "ConfigMap", NS, "grafana-thanos-service-ca"),
        (
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            "",
            "grafana-thanos-cluster-monitoring-view",
        ),
    ] {
        assert!(
            get(&sim, group, kind, ns, name).is_none(),
            "{kind} {name} left"
        );
    }
    // Uninstall never touches the monitoring config.
    assert_eq!(parse_cmo(&cmo_config(&sim)), expected);
    let dashboards_left: Vec<Value> = sim
        .world
        .cluster
        .store()
        .list_kind(GRAFANA, "GrafanaDashboard");
    assert_eq!(dashboards_left.len(), 1, "only team-dashboard is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_binding_stops_before_any_write_with_exit_4() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON, RBAC_USERS]).await;
    let before = rv(&sim);
    let run = run_as(&sim, "installer", &["install-monitoring"]).await;
    assert_eq!(run.code, 4, "{run}");
    assert!(
        run.stderr
            .contains("cannot create clusterrolebindings.rbac.authorization.k8s.io"),
        "{run}"
    );
    assert!(run.stderr.contains("--tenant"), "{run}");
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert_eq!(rv(&sim), before, "nothing partially written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_operator_and_uwm_off_are_reported_together() {
    let sim = support::start_with("seed-day0", false, &[NO_OPERATOR]).await;
    let before = rv(&sim);
    let run = run(&sim, &["install-monitoring"]).await;
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("[operator-missing]") && run.stderr.contains("--install-operator"),
        "{run}"
    );
    assert!(
        run.stderr.contains("[uwm-disabled]") && run.stderr.contains("--enable-uwm"),
        "{run}"
    );
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert_eq!(rv(&sim), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_gitops_output_write_nothing() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON, RBAC_USERS]).await;
    let before = rv(&sim);
    let dry = run(
        &sim,
        &["install-monitoring", "--dry-run", "--tenant", "team-a"],
    )
    .await;
    assert_eq!(dry.code, 0, "{dry}");
    assert!(
        dry.stdout
            .contains("create      RoleBinding/grafana-thanos-view (namespace team-a)"),
        "{dry}"
    );
    let yaml = run(&sim, &["install-monitoring", "-o", "yaml"]).await;
    assert_eq!(yaml.code, 0, "{yaml}");
    assert!(
        yaml.stdout.contains("kind: GrafanaDatasource") && yaml.stdout.contains("is not printed"),
        "{yaml}"
    );
    assert!(!yaml.stdout.contains("GF_SECURITY_ADMIN_PASSWORD:"));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert_eq!(rv(&sim), before, "a dry run stored something");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_monitoring_config_is_never_replaced() {
    let sim = support::start_with("seed-day0", false, &[CMO_BROKEN, NO_OPERATOR]).await;
    let broken = cmo_config(&sim);
    let run = run(&sim, &["install-monitoring", "--enable-uwm"]).await;
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("refusing to change it"), "{run}");
    assert!(run.stderr.contains("[uwm-config]"), "{run}");
    assert!(
        run.stderr.contains("[operator-missing]"),
        "all problems together: {run}"
    );
    assert_eq!(cmo_config(&sim), broken);
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_operator_creates_the_subscription_and_waits_for_its_csv() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON, NO_OPERATOR]).await;
    let run = run(
        &sim,
        &[
            "install-monitoring",
            "--install-operator",
            "--timeout",
            "30s",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("created     Subscription/grafana-operator (namespace openshift-operators)"),
        "{run}"
    );
    assert!(
        run.stdout.contains("grafana-operator.v5.24.0 succeeded"),
        "{run}"
    );
    let sub = get(
        &sim,
        "operators.coreos.com",
        "Subscription",
        "openshift-operators",
        "grafana-operator",
    )
    .unwrap();
    assert_eq!(sub["spec"]["channel"], "v5");
    assert_eq!(sub["spec"]["sourceNamespace"], "openshift-marketplace");
    let grafana = get(&sim, GRAFANA, "Grafana", NS, "llm-d-grafana").unwrap();
    assert_eq!(grafana["status"]["stage"], "complete");
    // doctor agrees: operator, instance, datasource, dashboards all fine.
    let doctor = sim
        .run(&["doctor", "-o", "json", "--category", "grafana"])
        .await;
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let checks = report["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["id"] == "grafana-instance" && c["status"] == "ok"),
        "{report}"
    );
    for check in checks {
        assert_ne!(check["status"], "error", "{check}");
    }
    // The install polled: the CSV was read (missing, then there) after the Subscription was made.
    let log = sim.world.cluster.request_log();
    let sub_made = log
        .iter()
        .position(|r| r.method == "PATCH" && r.path.contains("subscriptions/grafana-operator"))
        .unwrap();
    let csv_reads = log[sub_made..]
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("clusterserviceversions/"))
        .count();
    assert!(csv_reads >= 1, "never waited for the CSV");
}

/// Stored state install is responsible for, normalised: our labelled objects and the monitoring
/// config, without what differs between two clusters or two runs (uids, times, resourceVersions,
/// random Secret values, each cluster's own CA).
fn end_state(sim: &Sim) -> BTreeMap<String, Value> {
    fn strip_status(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["lastTransitionTime", "lastResync", "lastUpdated", "uid"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip_status);
            }
            Value::Array(a) => a.iter_mut().for_each(strip_status),
            _ => {}
        }
    }
    let ca = sim.world.cluster.ca_pem();
    sim.world.cluster.store().with(|store| {
        store
            .all_objects()
            .filter(|(_, o)| {
                o.pointer("/metadata/labels/app.kubernetes.io~1managed-by")
                    .and_then(Value::as_str)
                    == Some("oc-llmd")
                    || o.pointer("/metadata/name").and_then(Value::as_str)
                        == Some("cluster-monitoring-config")
            })
            .map(|(_, o)| {
                let mut o = o.clone();
                let meta = o["metadata"].as_object_mut().unwrap();
                for k in ["uid", "resourceVersion", "creationTimestamp"] {
                    meta.remove(k);
                }
                if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                    a.remove("kubernetes.io/service-account.uid");
                }
                if let Some(mf) = meta.get_mut("managedFields").and_then(Value::as_array_mut) {
                    for e in mf {
                        e.as_object_mut().unwrap().remove("time");
                    }
                }
                if let Some(refs) = meta
                    .get_mut("ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    for r in refs {
                        r.as_object_mut().unwrap().remove("uid");
                    }
                }
                if o["kind"] == "Secret"
                    && let Some(data) = o.get_mut("data").and_then(Value::as_object_mut)
                {
                    for v in data.values_mut() {
                        *v = json!("<set>");
                    }
                }
                if let Some(cm_ca) = o.pointer_mut("/data/service-ca.crt")
                    && cm_ca.as_str() == Some(ca.as_str())
                {
                    *cm_ca = json!("<this cluster's CA>");
                }
                if let Some(status) = o.get_mut("status") {
                    strip_status(status);
                }
                let id = format!(
                    "{} {}/{}",
                    o["kind"].as_str().unwrap_or_default(),
                    o["metadata"]["namespace"].as_str().unwrap_or_default(),
                    o["metadata"]["name"].as_str().unwrap_or_default()
                );
                (id, o)
            })
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_each_write_step_then_rerun_converges_to_a_clean_install() {
    let args = ["install-monitoring", "--enable-uwm", "--timeout", "30s"];
    let reference = support::start_with("seed-day0", false, &[CMO_OTHER_KEYS]).await;
    let clean = run(&reference, &args).await;
    assert_eq!(clean.code, 0, "{clean}");
    let expected = end_state(&reference);
    let plan_writes = writes(&reference);
    assert!(
        plan_writes.len() >= 10,
        "the plan's writes: {plan_writes:?}"
    );
    assert!(expected.contains_key("Grafana llm-d-monitoring/llm-d-grafana"));
    reference.world.shutdown().await;

    // Table: the n-th write of the install (each step of the plan in turn) fails with a 500
    // (not stored), or is stored but its reply is lost (the install killed right after it, or
    // the network cut); then re-run. Every case has its own cluster; a few run at a time.
    let cases: Vec<(usize, &String, bool)> = plan_writes
        .iter()
        .enumerate()
        .flat_map(|(i, step)| [(i, step, false), (i, step, true)])
        .collect();
    for chunk in cases.chunks(4) {
        futures::future::join_all(
            chunk
                .iter()
                .map(|(i, step, lost)| fail_then_rerun(*i, step, *lost, &args, &expected)),
        )
        .await;
    }
}

async fn fail_then_rerun(
    i: usize,
    step: &str,
    lose_reply: bool,
    args: &[&str],
    expected: &BTreeMap<String, Value>,
) {
    let n = i as u64 + 1;
    let step = &format!(
        "{step} ({})",
        if lose_reply {
            "stored, reply lost"
        } else {
            "500"
        }
    );
    let sim = support::start_with("seed-day0", false, &[CMO_OTHER_KEYS]).await;
    sim.world.cluster.set_faults(Faults {
        fail_nth_write: Some(NthWrite {
            n,
            code: 500,
            lose_reply,
        }),
        ..Default::default()
    });
    let failed = run(&sim, args).await;
    assert_ne!(failed.code, 0, "fault on write {n} ({step}): {failed}");
    let failed_at = writes(&sim);
    assert_eq!(
        failed_at.len(),
        i + 1,
        "the install stops at the failed write {n} ({step}): {failed_at:?}"
    );
    sim.world.cluster.clear_faults();
    let rerun = run(&sim, args).await;
    assert_eq!(rerun.code, 0, "re-run after a fault on {step}: {rerun}");
    let got = end_state(&sim);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "after a fault on {step}"
    );
    for (id, obj) in expected {
        assert_eq!(&got[id], obj, "{id} after a fault on {step}");
    }
    assert_no_secrets(&sim, NS, &format!("{}{}", failed.all(), rerun.all()));
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_mode_installs_and_uninstalls_without_cluster_wide_rights() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON, RBAC_USERS]).await;

    // As cluster admin, in a namespace install creates: --delete-namespace removes it again.
    let run_admin = run(
        &sim,
        &[
            "install-monitoring",
            "--tenant",
            "team-a",
            "-n",
            "team-a-monitoring",
            "--timeout",
            "30s",
        ],
    )
    .await;
    assert_eq!(run_admin.code, 0, "{run_admin}");
    let rb = get(
        &sim,
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "team-a",
        "grafana-thanos-view",
    )
    .unwrap();
    assert_eq!(rb["subjects"][0]["namespace"], "team-a-monitoring");
    let gone = run(
        &sim,
        &[
            "uninstall-monitoring",
            "-n",
            "team-a-monitoring",
            "--delete-namespace",
        ],
    )
    .await;
    assert_eq!(gone.code, 0, "{gone}");
    assert!(
        get(&sim, "", "Namespace", "", "team-a-monitoring").is_none(),
        "{gone}"
    );
    assert!(
        get(
            &sim,
            "rbac.authorization.k8s.io",
            "RoleBinding",
            "team-a",
            "grafana-thanos-view"
        )
        .is_none()
    );

    // As `tenant`, who administers team-a and team-a-mon only (real RBAC, no cluster role).
    let run = run_as(
        &sim,
        "tenant",
        &[
            "install-monitoring",
            "--tenant",
            "team-a",
            "-n",
            "team-a-mon",
            "--timeout",
            "30s",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run}");
    let rb = get(
        &sim,
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "team-a",
        "grafana-thanos-view",
    )
    .unwrap();
    assert_eq!(rb["subjects"][0]["namespace"], "team-a-mon");
    assert!(
        get(
            &sim,
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            "",
            "grafana-thanos-cluster-monitoring-view"
        )
        .is_none()
    );
    let ds = get(
        &sim,
        GRAFANA,
        "GrafanaDatasource",
        "team-a-mon",
        "thanos-querier",
    )
    .unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["url"],
        "https://thanos-querier.openshift-monitoring.svc:9092"
    );
    assert_no_secrets(&sim, "team-a-mon", &run.all());

    let gone = run_as(
        &sim,
        "tenant",
        &[
            "uninstall-monitoring",
            "-n",
            "team-a-mon",
            "--tenant",
            "team-a",
        ],
    )
    .await;
    assert_eq!(gone.code, 0, "{gone}");
    assert!(
        gone.stderr.contains("looking in team-a-mon, team-a only"),
        "{gone}"
    );
    assert!(
        gone.stderr.contains("a cluster admin must delete it"),
        "{gone}"
    );
    assert!(
        get(
            &sim,
            "rbac.authorization.k8s.io",
            "RoleBinding",
            "team-a",
            "grafana-thanos-view"
        )
        .is_none()
    );
    assert!(get(&sim, GRAFANA, "Grafana", "team-a-mon", "llm-d-grafana").is_none());
    assert!(
        get(&sim, "", "Namespace", "", "team-a-mon").is_some(),
        "a namespace made by someone else is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_and_extra_objects_are_applied_and_matched() {
    use oc_llmd::cli::{GlobalArgs, InstallArgs};
    use oc_llmd::commands::install::{InstallInputs, run as install};
    use oc_llmd::install::DashboardManifest;

    let sim = support::start_with("seed-day0", false, &[UWM_ON]).await;
    let global = GlobalArgs {
        kubeconfig: Some(sim.kubeconfig.clone()),
        ..GlobalArgs::default()
    };
    let args = InstallArgs {
        timeout: "30s".into(),
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
    let code = install(&global, &args, inputs).await.unwrap();
    assert_eq!(code.code(), 0);
    let d = get(&sim, GRAFANA, "GrafanaDashboard", NS, "llm-d-llmd-vllm").unwrap();
    assert_eq!(
        d["spec"]["instanceSelector"]["matchLabels"]["dashboards"],
        "llm-d-grafana"
    );
    let inner: Value = serde_json::from_str(d["spec"]["json"].as_str().unwrap()).unwrap();
    assert_eq!(inner, dashboard.json);
    assert_eq!(
        d["status"]["conditions"][0]["type"], "DashboardSynchronized",
        "the operator matched it"
    );
    // The dashboard was waited for (GET after its PATCH).
    let log = sim.world.cluster.request_log();
    let patched = log
        .iter()
        .position(|r| r.method == "PATCH" && r.path.contains("grafanadashboards/llm-d-llmd-vllm"));
    let waited = log
        .iter()
        .rposition(|r| r.method == "GET" && r.path.contains("grafanadashboards/llm-d-llmd-vllm"));
    assert!(patched.is_some() && waited > patched);
    let ef = get(
        &sim,
        "networking.istio.io",
        "EnvoyFilter",
        "openshift-ingress",
        "llm-d-ext-proc",
    )
    .unwrap();
    assert_eq!(
        ef["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "llm-d-monitoring"
    );

    let gone = run(&sim, &["uninstall-monitoring"]).await;
    assert_eq!(gone.code, 0, "{gone}");
    assert!(
        get(
            &sim,
            "networking.istio.io",
            "EnvoyFilter",
            "openshift-ingress",
            "llm-d-ext-proc"
        )
        .is_none()
    );
    assert!(get(&sim, GRAFANA, "GrafanaDashboard", NS, "llm-d-llmd-vllm").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_plain_when_piped_and_marked_on_a_terminal() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON]).await;
    let piped = run(&sim, &["install-monitoring", "--timeout", "30s"]).await;
    assert_eq!(piped.code, 0, "{piped}");
    assert!(
        !piped.stdout.contains('\x1b') && !piped.stdout.contains('✓'),
        "{piped}"
    );
    assert!(
        piped
            .stdout
            .contains("waiting for the Grafana instance: ready"),
        "{piped}"
    );

    // Under a pseudo-terminal (util-linux `script`): steps end with ✓ and the spinner clears lines.
    // `exec` makes the plugin the pty's process (no shell of CI's choosing in between).
    assert!(
        std::process::Command::new("script")
            .arg("--version")
            .output()
            .is_ok(),
        "`script` (util-linux) is needed to check terminal rendering"
    );
    let line = format!(
        "exec {} install-monitoring --timeout 30s --kubeconfig {}",
        env!("CARGO_BIN_EXE_kubectl-llmd"),
        sim.kubeconfig.display()
    );
    let home = sim.dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env("HOME", home)
            .env("SHELL", "/bin/sh")
            .env_remove("KUBECONFIG")
            .env_remove("NO_COLOR")
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
async fn objects_left_by_the_blog_script_are_named_not_clobbered() {
    let sim = support::start_with("seed-day0", false, &[UWM_ON, BLOG_LEFTOVERS]).await;
    let before = rv(&sim);
    let blocked = run(&sim, &["install-monitoring", "--timeout", "30s"]).await;
    assert_eq!(blocked.code, 1, "{blocked}");
    assert!(blocked.stderr.contains("[datasource-foreign]"), "{blocked}");
    assert!(
        blocked.stderr.contains("[grafana-adopted]") && blocked.stderr.contains("admin_password"),
        "{blocked}"
    );
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert_eq!(rv(&sim), before);
    let ds = get(&sim, GRAFANA, "GrafanaDatasource", NS, "thanos-querier").unwrap();
    assert_eq!(
        ds["spec"]["datasource"]["secureJsonData"]["httpHeaderValue1"],
        "Bearer sha256~pasted-token-from-setup-sh"
    );

    // After the user deletes the old datasource, the install goes through and adopts the Grafana.
    sim.kubectl(
        &["delete", "grafanadatasource", "thanos-querier", "-n", NS],
        None,
    );
    let run = run(&sim, &["install-monitoring", "--timeout", "30s"]).await;
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("configured  Grafana/llm-d-grafana"),
        "{run}"
    );
    let ds = get(&sim, GRAFANA, "GrafanaDatasource", NS, "thanos-querier").unwrap();
    assert_eq!(ds["spec"]["datasource"]["jsonData"]["tlsSkipVerify"], false);
    assert!(!ds.to_string().contains("pasted-token"));
    // The blog's dashboards and their ConfigMap are not ours: left exactly as they were.
    for name in [
        "epp-routing-and-pool-health",
        "vllm-latency-throughput-and-cache",
    ] {
        let d = get(&sim, GRAFANA, "GrafanaDashboard", NS, name).unwrap();
        assert!(d["metadata"].get("labels").is_none(), "{d}");
    }
    assert!(
        get(
            &sim,
            "",
            "ConfigMap",
            NS,
            "vllm-latency-throughput-and-cache-json"
        )
        .is_some()
    );
    let ns = get(&sim, "", "Namespace", "", NS).unwrap();
    assert_eq!(
        ns["metadata"]["labels"],
        json!({"purpose": "llm-d-observability"}),
        "the blog's namespace is left alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_edit_of_the_monitoring_config_is_not_overwritten() {
    let sim = support::start("seed-day0", false).await;
    let original = cmo_config(&sim);
    let edited = format!("{original}telemeterClient:\n  enabled: false\n");
    // Someone edits cluster-monitoring-config right after install's pre-flight reads it (the
    // first read of it: a list by name shared with doctor).
    sim.world.cluster.set_faults(Faults {
        rules: vec![FaultRule {
            resource: "configmaps".into(),
            namespace: Some("openshift-monitoring".into()),
            name: Some("cluster-monitoring-config".into()),
            action: FaultAction::Edit,
            patch: Some(json!({"data": {"config.yaml": edited}})),
            times: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    });
    let run1 = run(
        &sim,
        &["install-monitoring", "--enable-uwm", "--timeout", "30s"],
    )
    .await;
    assert_eq!(run1.code, 1, "{run1}");
    assert!(run1.stderr.contains("re-run"), "{run1}");
    let conflicted = sim
        .world
        .cluster
        .request_log()
        .iter()
        .any(|r| r.path.contains("cluster-monitoring-config") && r.status == 409);
    assert!(conflicted, "the stale write was answered 409");
    assert_eq!(cmo_config(&sim), edited, "the other edit must survive");

    sim.world.cluster.clear_faults();
    let rerun = run(
        &sim,
        &["install-monitoring", "--enable-uwm", "--timeout", "30s"],
    )
    .await;
    assert_eq!(rerun.code, 0, "{rerun}");
    let config = parse_cmo(&cmo_config(&sim));
    assert_eq!(config["telemeterClient"]["enabled"], false);
    assert_eq!(config["enableUserWorkload"], true);
    assert_eq!(
        config["prometheusK8s"],
        parse_cmo(&original)["prometheusK8s"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_phase_makes_a_constant_number_of_requests() {
    // The same install on a small and on a larger cluster (more namespaces with models):
    // pre-flight's requests before the first write do not grow with the cluster.
    let mut counts = Vec::new();
    for overlays in [vec![UWM_ON.to_string()], {
        let mut v = vec![UWM_ON.to_string()];
        v.extend(llmd_sim::scenarios::large_fixture_parts(20, 3));
        v
    }] {
        let refs: Vec<&str> = overlays.iter().map(String::as_str).collect();
        let sim = support::start_with("seed-day0", false, &refs).await;
        let out = run(&sim, &["install-monitoring", "--timeout", "30s"]).await;
        assert_eq!(out.code, 0, "{out}");
        let log = sim.world.cluster.request_log();
        let first_write = log
            .iter()
            .position(|r| r.method != "GET" && !r.path.contains("selfsubjectaccessreviews"))
            .unwrap();
        let reads: Vec<String> = log[..first_write]
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        eprintln!("read phase: {} requests\n{}", reads.len(), reads.join("\n"));
        counts.push(reads.len());
        sim.world.shutdown().await;
    }
    assert_eq!(counts[0], counts[1], "read phase grew with the cluster");
    // 5 lists shared with doctor, 6 reads of install's own, the Thanos Route probe, one access
    // review per permission the plan needs, the first apply's GET.
    assert!(counts[0] <= 30, "read phase: {} requests", counts[0]);
}
