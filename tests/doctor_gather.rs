//! doctor's gather and the real binary against the simulated cluster: a missing API (CRD removed by
//! an overlay) and a 403 (a scenario user without RBAC read access to one group) are facts in the
//! snapshot, reported as a failing or skipped check with the reason while everything else is still
//! checked; the default table and exit 1 on findings; requests run concurrently under injected API
//! latency; JSON output, `--ignore` and usage errors.
//!
//! That the request count does not grow with namespaces and that doctor only reads is
//! `doctor_scale.rs` (`healthy` against `large`).

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;

use oc_llmd::cli::GlobalArgs;
use oc_llmd::cluster::Model;
use oc_llmd::cluster::gather::gather;
use oc_llmd::cluster::model::{ListState, keys};
use oc_llmd::doctor::engine::{Selection, run};
use oc_llmd::doctor::report::Status;
use oc_llmd::kube::{Scope, connect};

/// `healthy` without the Grafana Operator's APIs (CRDs and the objects they served) and without
/// the `inference.networking.k8s.io` InferencePool API: "not installed" as on a real cluster.
const NO_GRAFANA_API: &str = "\
apiVersion: sim.oc-llmd.io/v1
kind: SimConfig
metadata:
  name: no-grafana-api
spec:
  remove:
  - grafana.integreatly.org/v1beta1/GrafanaDashboard/llm-d-monitoring/vllm-latency-throughput-and-cache
  - grafana.integreatly.org/v1beta1/GrafanaDashboard/llm-d-monitoring/epp-routing-and-pool-health
  - grafana.integreatly.org/v1beta1/GrafanaDatasource/llm-d-monitoring/thanos-querier
  - grafana.integreatly.org/v1beta1/Grafana/llm-d-monitoring/llm-d-grafana
  - apiextensions.k8s.io/v1/CustomResourceDefinition/grafanas.grafana.integreatly.org
  - apiextensions.k8s.io/v1/CustomResourceDefinition/grafanadatasources.grafana.integreatly.org
  - apiextensions.k8s.io/v1/CustomResourceDefinition/grafanadashboards.grafana.integreatly.org
  - apiextensions.k8s.io/v1/CustomResourceDefinition/grafanafolders.grafana.integreatly.org
  - apiextensions.k8s.io/v1/CustomResourceDefinition/inferencepools.inference.networking.k8s.io
";

/// `healthy` plus a user `auditor` who may read every API doctor uses except
/// `rbac.authorization.k8s.io`: listing ClusterRoleBindings answers 403.
const AUDITOR: &str = "\
apiVersion: sim.oc-llmd.io/v1
kind: SimConfig
metadata:
  name: auditor
spec:
  users:
  - name: developer
    token: developer-token
  - name: monitoring-viewer
    token: monitoring-viewer-token
  - name: auditor
    token: auditor-token
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: auditor-read-all-but-rbac
rules:
- apiGroups:
  - ''
  - apps
  - serving.kserve.io
  - inference.networking.x-k8s.io
  - inference.networking.k8s.io
  - gateway.networking.k8s.io
  - networking.istio.io
  - monitoring.coreos.com
  - grafana.integreatly.org
  - route.openshift.io
  - sailoperator.io
  - config.openshift.io
  - operators.coreos.com
  - datasciencecluster.opendatahub.io
  - apiextensions.k8s.io
  resources: ['*']
  verbs: [get, list, watch]
- apiGroups: [authorization.k8s.io]
  resources: [selfsubjectaccessreviews]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auditor-read-all-but-rbac
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: auditor-read-all-but-rbac
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: auditor
";

fn statuses(results: &[oc_llmd::doctor::report::CheckResult], id: &str) -> Vec<Status> {
    results
        .iter()
        .filter(|r| r.id == id)
        .map(|r| r.status)
        .collect()
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn check<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .collect()
}

fn ids_with(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// The snapshot gathered through the library with `kubeconfig`, all namespaces.
async fn snapshot(kubeconfig: std::path::PathBuf) -> oc_llmd::cluster::model::Snapshot {
    let global = GlobalArgs {
        kubeconfig: Some(kubeconfig),
        ..Default::default()
    };
    let cluster = connect(&global).await.unwrap();
    gather(&cluster, &Scope::All, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_api_is_a_fact_and_the_rest_is_still_checked() {
    let sim = support::start_with("healthy", false, &[NO_GRAFANA_API]).await;
    let snap = snapshot(sim.kubeconfig.clone()).await;
    assert_eq!(snap.list_state(keys::GRAFANAS), ListState::NotInstalled);
    assert_eq!(snap.list_state(keys::POOL_V1), ListState::NotInstalled);
    assert_eq!(snap.monitoring.uwm_enabled, Some(true));
    assert_eq!(snap.llmisvcs.len(), 1);
    let results = run(&Model::new(&snap), &Selection::default());
    assert_eq!(statuses(&results, "grafana-operator"), [Status::Error]);
    assert_eq!(statuses(&results, "serving-crds"), [Status::Ok]);
    assert_eq!(statuses(&results, "inferencepool"), [Status::Ok]);
    let errors: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Error | Status::Warn))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(errors, ["grafana-operator"], "{results:#?}");

    // The real binary: the default table, the fix under the failure, exit 1.
    let out = sim.run(&["doctor", "-A", "--color", "never"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("× grafana-operator"), "{stdout}");
    assert!(
        stdout.contains("    fix:  oc llmd install-monitoring --install-operator"),
        "{stdout}"
    );
    assert!(stdout.contains("✔ extproc-wiring"), "{stdout}");
    assert!(
        stdout.contains("– grafana-instance")
            && stdout.contains("skipped: grafana-operator failed"),
        "{stdout}"
    );
    let summary = stdout.trim_end().lines().last().unwrap_or("");
    assert!(
        summary.contains(" ok, ") && summary.contains(" 1 error"),
        "{stdout}"
    );

    // JSON: `--ignore` drops the failure (exit 0) but its dependents stay skipped, with the reason.
    let out = sim
        .run(&["doctor", "-A", "-o", "json", "--ignore", "grafana-operator"])
        .await;
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["kind"], "DoctorReport");
    assert_eq!(report["version"], 1);
    assert_eq!(report["success"], true);
    assert_eq!(report["summary"]["error"], 0);
    assert!(check(&report, "grafana-operator").is_empty());
    let instance = check(&report, "grafana-instance");
    assert_eq!(instance.len(), 1);
    assert_eq!(instance[0]["status"], "skipped");
    assert_eq!(instance[0]["message"], "skipped: grafana-operator failed");
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_api_is_a_fact_and_the_rest_is_still_checked() {
    let sim = support::start_with("healthy", false, &[AUDITOR]).await;
    let auditor = sim.kubeconfig_of("auditor");
    let snap = snapshot(auditor.clone()).await;
    let ListState::Forbidden(reason) = snap.list_state(keys::CLUSTERROLEBINDINGS) else {
        panic!("{:?}", snap.list_state(keys::CLUSTERROLEBINDINGS));
    };
    assert!(reason.contains("forbidden"), "{reason}");
    assert_eq!(snap.list_state(keys::GRAFANAS), ListState::Listed);
    assert_eq!(snap.llmisvcs.len(), 1);

    let out = sim
        .run_with(&auditor, &["doctor", "-A", "-o", "json"])
        .await;
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(ids_with(&report, "error"), Vec::<String>::new());
    assert_eq!(ids_with(&report, "warn"), ["permissions"]);
    let permissions = check(&report, "permissions");
    assert!(
        permissions[0]["message"]
            .as_str()
            .unwrap()
            .contains("clusterrolebindings"),
        "{permissions:?}"
    );
    // The check that needs the bindings says why it could not tell; the others still pass.
    let rbac = check(&report, "grafana-rbac");
    assert_eq!(rbac[0]["status"], "skipped", "{rbac:?}");
    assert!(
        rbac[0]["message"].as_str().unwrap().contains("forbidden"),
        "{rbac:?}"
    );
    for id in [
        "grafana-instance",
        "grafana-datasource",
        "inferencepool",
        "extproc-wiring",
    ] {
        let results = check(&report, id);
        assert!(
            !results.is_empty() && results.iter().all(|c| c["status"] == "ok"),
            "{id}: {results:?}"
        );
    }
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_run_concurrently_under_api_latency() {
    const LATENCY: Duration = Duration::from_millis(100);
    let sim = support::start("healthy", false).await;
    let doctor = || async {
        sim.world.cluster.reset_request_log();
        let started = Instant::now();
        let out = sim.run(&["doctor", "-A", "-o", "json"]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (started.elapsed(), sim.world.cluster.request_log().len())
    };
    let (base, _) = doctor().await;
    sim.world.cluster.set_latency(LATENCY);
    let (slow, requests) = doctor().await;
    sim.world.shutdown().await;
    eprintln!(
        "doctor -A on healthy: {requests} requests; {base:?} without latency, {slow:?} at {LATENCY:?}"
    );
    assert!(requests > 30, "{requests}");
    // One after another they would add requests × latency (seconds); concurrent lists add a
    // round trip per phase. A quarter of the sequential cost leaves room for a loaded machine.
    let added = slow.saturating_sub(base);
    assert!(
        added < LATENCY * requests as u32 / 4,
        "{requests} requests at {LATENCY:?} took {slow:?} ({base:?} without latency)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_selection_and_usage_errors() {
    let sim = support::start("healthy", false).await;
    let report = json(&sim.run(&["doctor", "-A", "-o", "json"]).await);
    let count = |category: &[&str], status: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                category.contains(&c["category"].as_str().unwrap()) && c["status"] == status
            })
            .count()
    };
    let wanted = ["serving", "gateway"];
    let out = sim
        .run(&[
            "doctor",
            "-A",
            "-o",
            "short",
            "--category",
            "serving,gateway",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{} ok, 0 warnings, 0 errors, {} skipped\n",
            count(&wanted, "ok"),
            count(&wanted, "skipped")
        )
    );
    assert!(count(&wanted, "ok") >= 10);

    let out = sim.run(&["doctor", "--check", "no-such-check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown check id"));
    let out = sim.run(&["doctor", "--category", "nope"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown category"));
    let out = sim.run(&["doctor", "--ignore", "nope=a/b"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown check id"));
    sim.world.shutdown().await;
}
