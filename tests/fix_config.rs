//! `fix epp-tls` and `fix pd-config` on the simulated cluster: the printed diff and patch (golden
//! files, `UPDATE_SNAPSHOTS=1` rewrites them) → `--apply` without `--yes` off a terminal refuses
//! (exit 2, nothing written) → `--apply --yes` patches → doctor's check passes and a re-run has
//! nothing to do; seed-day0 (no scheduler args in the spec) is fixed from the running pod's args;
//! an edit between plan and apply makes the guarded patch fail with the conflict message.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use llmd_sim::faults::{FaultAction, FaultRule, Faults};

const NS: &str = "my-first-model";
const NAME: &str = "qwen3-0-6b";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// Status of doctor's check `id` for the service.
async fn check(sim: &support::Sim, id: &str) -> String {
    let out = sim.run(&["doctor", "-o", "json", "--check", id]).await;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id && c["subject"] == format!("{NS}/{NAME}"))
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {id} result: {report}"))
}

async fn print_refuse_apply_rerun(scenario: &str, fix: &str, check_id: &str, snapshot: &str) {
    let sim = support::start(scenario, false).await;
    assert_eq!(check(&sim, check_id).await, "error");

    let plan = sim.run(&["fix", fix]).await;
    assert_eq!(code(&plan), Some(1), "{}", text(&plan.stderr));
    support::golden(snapshot, &text(&plan.stdout));
    assert!(text(&plan.stdout).contains("oc patch llminferenceservices.serving.kserve.io"));

    // Off a terminal, --apply needs --yes: exit 2, the diff shown, nothing written.
    let refused = sim.run(&["fix", fix, "--apply"]).await;
    assert_eq!(code(&refused), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("--apply needs --yes"));
    assert!(text(&refused.stdout).contains("+++ "));
    assert_eq!(check(&sim, check_id).await, "error");

    let applied = sim
        .run(&["fix", fix, NAME, "-n", NS, "--apply", "--yes"])
        .await;
    assert_eq!(code(&applied), Some(0), "{}", text(&applied.stderr));
    assert!(
        text(&applied.stdout).contains(&format!("patched    LLMInferenceService {NS}/{NAME}")),
        "{}",
        text(&applied.stdout)
    );
    assert_eq!(check(&sim, check_id).await, "ok");

    let again = sim.run(&["fix", fix, "-o", "json"]).await;
    assert_eq!(code(&again), Some(0), "{}", text(&again.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(doc["kind"], "FixPlan");
    assert_eq!(doc["services"][0]["status"], "unchanged", "{doc}");
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epp_tls_diff_then_apply_then_doctor_passes() {
    print_refuse_apply_rerun("fail-epp-tls-args", "epp-tls", "epp-tls", "fix_epp_tls.txt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pd_config_diff_then_apply_then_doctor_passes() {
    print_refuse_apply_rerun(
        "fail-pd-no-profile-handler",
        "pd-config",
        "pd-config",
        "fix_pd_config.txt",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_day0_without_spec_args_is_fixed_from_the_running_pod() {
    let sim = support::start("seed-day0", false).await;
    let plan = sim.run(&["fix", "epp-tls"]).await;
    assert!(
        text(&plan.stdout).contains("note: the spec sets no scheduler args"),
        "{}",
        text(&plan.stdout)
    );
    let applied = sim.run(&["fix", "epp-tls", "--apply", "--yes"]).await;
    assert_eq!(code(&applied), Some(0), "{}", text(&applied.stderr));
    assert_eq!(check(&sim, "epp-tls").await, "ok");
    let isvc = sim
        .world
        .cluster
        .store()
        .get("serving.kserve.io", "LLMInferenceService", NS, NAME)
        .unwrap();
    let args = &isvc["spec"]["router"]["scheduler"]["template"]["containers"][0]["args"];
    assert!(args.as_array().unwrap().iter().any(|a| a == "--pool-name"));
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_between_plan_and_apply_is_a_conflict_not_an_overwrite() {
    let sim = support::start("fail-epp-tls-args", false).await;
    // Hold the plugin's PATCH for a while, so that the edit below lands after its read and before
    // its write.
    sim.world.cluster.set_faults(Faults {
        rules: vec![FaultRule {
            resource: "llminferenceservices".into(),
            group: Some("serving.kserve.io".into()),
            verb: Some("patch".into()),
            action: FaultAction::Timeout,
            timeout_ms: Some(8000),
            times: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    });
    // The concurrent editor reads the object first (nothing changes it before the plugin runs).
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&sim.kubeconfig).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("serving.kserve.io", "v1alpha1", "LLMInferenceService"),
        "llminferenceservices",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client, NS, &ar);
    let mut obj = api.get(NAME).await.unwrap();
    obj.data["spec"]["router"]["scheduler"]["template"]["containers"][0]["args"]
        .as_array_mut()
        .unwrap()
        .push("--v=2".into());

    sim.world.cluster.reset_request_log();
    let mut cmd = sim.cmd();
    cmd.args(["fix", "epp-tls", "--apply", "--yes"]);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the plugin has read the LLMInferenceServices (its plan is fixed from then on).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !sim
        .world
        .cluster
        .request_log()
        .iter()
        .any(|r| r.method == "GET" && r.path.contains("/llminferenceservices") && r.status == 200)
    {
        assert!(
            Instant::now() < deadline,
            "the plugin never listed the services"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Someone edits the scheduler args (a PUT, which the fault does not hold).
    api.replace(NAME, &PostParams::default(), &obj)
        .await
        .unwrap();

    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(code(&out), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "conflict   LLMInferenceService {NS}/{NAME}: someone changed it"
        )),
        "{stdout}"
    );
    // The edit stands; nothing of the plan was written.
    let now = api.get(NAME).await.unwrap();
    let args = now.data["spec"]["router"]["scheduler"]["template"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .clone();
    assert!(args.iter().any(|a| a == "--v=2"));
    assert!(!args.iter().any(|a| a == "--secure-serving"));
    sim.world.shutdown().await;
}
