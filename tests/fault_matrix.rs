//! The fault matrix (issue "Benchmarks and the fault matrix"): every way the cluster, the
//! credentials or the kubeconfig can fail, run with the REAL binary against the simulated
//! cluster. Each case asserts the documented exit code (README "Exit codes"), a one-line
//! `error:` (plus at most a `hint:` line), no panic, no secret in any output, a bounded run time,
//! and for writes that a re-run converges. The Thanos cases are in `fault_matrix_thanos.rs`.
//!
//! | case | exit | test |
//! |---|---|---|
//! | API unreachable (doctor) | 3 | `foundation_sim::precedence_exit_codes_and_colour` |
//! | API unreachable (every command) | 3 | `unreachable_api_every_command` |
//! | TLS error (wrong CA) | 3 | `tls_wrong_ca` |
//! | 401 (doctor) | 3 | `foundation_sim::precedence_exit_codes_and_colour` |
//! | 401 (install, stats, fix) | 3 | `hostile_credentials` |
//! | expired exec-plugin token | 3 | `hostile_credentials` |
//! | exec plugin command missing | 3 | `hostile_credentials` |
//! | exec plugin failing | 3 | `hostile_credentials` |
//! | kubeconfig: missing file, bad YAML, empty, KUBECONFIG list with a bad file | 2 | `hostile_kubeconfig_files` |
//! | kubeconfig: unknown context | 2 | `foundation_sim::precedence_exit_codes_and_colour`, `hostile_kubeconfig_files` |
//! | 403 on install writes | 4 | `foundation_sim::precedence_exit_codes_and_colour` |
//! | 403 on each list doctor makes | 0 | `forbidden_each_doctor_list`; pure: `doctor::engine` `unreadable_lists_are_gaps_never_findings` |
//! | 404: each CRD doctor relies on missing | 0/1 | `missing_each_crd`; fake server: `doctor_gather::missing_and_forbidden_apis_are_facts` |
//! | 500 / 503 / 429 (+Retry-After) / timeout / dropped connection mid-list | 0 | `api_errors_mid_list` |
//! | 500 / 429 / 503 / timeout mid-install, re-run converges | 1/3 then 0 | `api_errors_mid_install` |
//! | retry policy (what, how often, how long) | — | `kube::retry` unit tests |
//! | malformed objects: missing status, wrong types, InferencePool v9, 1 MB annotations | 0/1 | `malformed_objects` |
//! | Thanos down / slow / 401 / garbage JSON / partial (stats and doctor) | 3/3/3/1/0 | `fault_matrix_thanos::thanos_faults_for_stats_and_doctor` |
//! | Thanos 503, 403 (stats) | 1, 4 | `stats_sim::stats_through_the_thanos_route_matches_the_traffic_profile` |
//! | Thanos partial answer (stats note) | 0 | `stats_prometheus` |
//! | parsers on hostile input | — | `fuzz/` (cargo-fuzz), corpus replayed by `fuzz_corpus` |

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject};
use llmd_sim::{FaultAction, FaultRule, Faults};
use serde_json::Value;
use support::text;

const ADMIN_TOKEN: &str = "admin-token";

/// Exit `code`, `error: …` containing `needle` on the first stderr line, at most one `hint:`
/// line after it, and no panic.
#[track_caller]
fn assert_error(o: &Output, code: i32, needle: &str) {
    support::assert_one_line_error("", o, code, needle);
    assert_no_panic(o);
}

#[track_caller]
fn assert_no_panic(o: &Output) {
    let all = text(o);
    assert!(
        !all.contains("panicked") && !all.contains("RUST_BACKTRACE"),
        "{all}"
    );
}

#[track_caller]
fn assert_no_secret(o: &Output, secrets: &[&str]) {
    let all = text(o);
    for s in secrets {
        assert!(!all.contains(s), "secret {s:?} in the output: {all}");
    }
}

/// Run the binary with an explicit kubeconfig (KUBECONFIG and HOME isolated).
async fn run_with(sim: &support::Sim, kubeconfig: &Path, args: &[&str]) -> (Output, Duration) {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"));
    c.args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .env_remove("OC_LLMD_PROMETHEUS_TOKEN")
        .env("HOME", sim.dir.path());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    (out, started.elapsed())
}

async fn run_timed(sim: &support::Sim, args: &[&str]) -> (Output, Duration) {
    run_with(sim, &sim.kubeconfig, args).await
}

/// One doctor result.
#[derive(Debug, Clone, PartialEq)]
struct Check {
    id: String,
    subject: String,
    status: String,
    message: String,
}

fn checks(o: &Output) -> Vec<Check> {
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("doctor -o json: {e}: {}", text(o)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Check {
            id: c["id"].as_str().unwrap().to_string(),
            subject: c["subject"].as_str().unwrap_or("").to_string(),
            status: c["status"].as_str().unwrap().to_string(),
            message: c["message"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

fn find<'a>(checks: &'a [Check], id: &str) -> Vec<&'a Check> {
    checks.iter().filter(|c| c.id == id).collect()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The admin kubeconfig with another user's credentials block.
fn kubeconfig_with_user(sim: &support::Sim, user_block: &str) -> String {
    let ca = sim.world.cluster.ca_pem();
    let b64 = base64_encode(ca.as_bytes());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: {}\n    certificate-authority-data: {b64}\ncontexts:\n- name: c\n  context:\n    cluster: sim\n    user: u\n    namespace: default\nusers:\n- name: u\n  user:\n{user_block}current-context: c\n",
        sim.world.cluster.base_url()
    )
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn admin_client(sim: &support::Sim) -> kube::Client {
    let kc = kube::config::Kubeconfig::from_yaml(&sim.world.cluster.kubeconfig("admin")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_every_command() {
    let sim = support::start("healthy", false).await;
    let dead = write(
        sim.dir.path(),
        "dead",
        &sim.world
            .cluster
            .kubeconfig("admin")
            .replace(&sim.world.cluster.base_url(), "https://127.0.0.1:1"),
    );
    let commands: [&[&str]; 5] = [
        &["doctor"],
        &["stats", "-A"],
        &["install-monitoring", "--timeout", "10s"],
        &["uninstall-monitoring"],
        &["fix", "envoyfilter", "--gateway", "openshift-ai-inference"],
    ];
    for args in commands {
        let (out, took) = run_with(&sim, &dead, args).await;
        assert_error(&out, 3, "127.0.0.1:1");
        assert_no_secret(&out, &[ADMIN_TOKEN]);
        assert!(took < Duration::from_secs(20), "{args:?} took {took:?}");
    }
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_wrong_ca() {
    let sim = support::start("healthy", false).await;
    let other_ca = llmd_sim::tls::SimCa::generate().unwrap();
    let kc = sim.world.cluster.kubeconfig("admin").replace(
        &base64_encode(sim.world.cluster.ca_pem().as_bytes()),
        &base64_encode(other_ca.pem().as_bytes()),
    );
    let path = write(sim.dir.path(), "wrong-ca", &kc);
    for args in [&["doctor"][..], &["install-monitoring"], &["stats", "-A"]] {
        let (out, _) = run_with(&sim, &path, args).await;
        assert_error(&out, 3, "TLS");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("certificate-authority"),
            "the hint names the fix: {}",
            text(&out)
        );
        assert_no_secret(&out, &[ADMIN_TOKEN]);
    }
    sim.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_credentials() {
    let sim = support::start("healthy", false).await;
    let dir = sim.dir.path();

    // A stale static token: 401 on every command that talks to the API.
    let stale = "sha256~stale-token-Qm4x";
    let path = write(
        dir,
        "stale",
        &sim.world
            .cluster
            .kubeconfig("admin")
            .replace(ADMIN_TOKEN, stale),
    );
    for args in [
        &["install-monitoring"][..],
        &["stats", "-A"],
        &["uninstall-monitoring"],
    ] {
        let (out, _) = run_with(&sim, &path, args).await;
        assert_error(&out, 3, "401");
        assert!(String::from_utf8_lossy(&out.stderr).contains("oc login"));
        assert_no_secret(&out, &[stale]);
    }

    // An exec credential plugin whose token expired (and the server no longer accepts).
    let expired = "sha256~expired-exec-token-Zq9";
    let plugin = write(
        dir,
        "expired-plugin",
        &format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{expired}\",\"expirationTimestamp\":\"2020-01-01T00:00:00Z\"}}}}'\n"
        ),
    );
    make_executable(&plugin);
    let exec_user = |command: &Path| {
        format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            command.display()
        )
    };
    let path = write(
        dir,
        "expired",
        &kubeconfig_with_user(&sim, &exec_user(&plugin)),
    );
    for args in [&["doctor"][..], &["stats", "-A"]] {
        let (out, took) = run_with(&sim, &path, args).await;
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", text(&out));
        assert_error(&out, 3, "");
        assert_no_secret(&out, &[expired]);
        assert!(took < Duration::from_secs(20), "{took:?}");
    }

    // The plugin's command is not installed.
    let missing = dir.join("no-such-credential-plugin");
    let path = write(
        dir,
        "missing",
        &kubeconfig_with_user(&sim, &exec_user(&missing)),
    );
    for args in [&["doctor"][..], &["stats", "-A"]] {
        let (out, _) = run_with(&sim, &path, args).await;
        assert_error(&out, 3, "");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no-such-credential-plugin"),
            "the message names the plugin: {}",
            text(&out)
        );
    }

    // The plugin fails (as `oc` does when the login expired), writing to stderr.
    let failing = write(
        dir,
        "failing-plugin",
        "#!/bin/sh\necho 'error: You must be logged in to the server (Unauthorized)' >&2\nexit 1\n",
    );
    make_executable(&failing);
    let path = write(
        dir,
        "failing",
        &kubeconfig_with_user(&sim, &exec_user(&failing)),
    );
    let (out, _) = run_with(&sim, &path, &["doctor"]).await;
    assert_error(&out, 3, "");
    sim.world.shutdown().await;
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_kubeconfig_files() {
    let sim = support::start("healthy", false).await;
    let dir = sim.dir.path();
    let missing = dir.join("does-not-exist");
    let (out, _) = run_with(&sim, &missing, &["doctor"]).await;
    assert_error(&out, 2, "does-not-exist");

    let bad = write(
        dir,
        "bad-yaml",
        "apiVersion: v1\nclusters: [unclosed\n  - {name: x\n",
    );
    for args in [&["doctor"][..], &["stats", "-A"], &["install-monitoring"]] {
        let (out, _) = run_with(&sim, &bad, args).await;
        assert_error(&out, 2, "kubeconfig");
    }

    let wrong_shape = write(dir, "wrong-shape", "clusters: 42\nusers: {a: b}\n");
    let (out, _) = run_with(&sim, &wrong_shape, &["doctor"]).await;
    assert_error(&out, 2, "kubeconfig");

    let empty = write(dir, "empty", "");
    let (out, _) = run_with(&sim, &empty, &["doctor"]).await;
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let (out, _) = run_with(&sim, &sim.kubeconfig, &["doctor", "--context", "nope"]).await;
    assert_error(&out, 2, "nope");

    // KUBECONFIG naming a broken file among good ones.
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"));
    c.env(
        "KUBECONFIG",
        format!("{}:{}", bad.display(), sim.kubeconfig.display()),
    )
    .env("HOME", dir)
    .arg("doctor");
    let out = c.output().unwrap();
    assert_error(&out, 2, "KUBECONFIG");
    sim.world.shutdown().await;
}

/// Every list doctor makes (see `cluster::gather::plan`), refused with 403 in turn: doctor still
/// reports everything else, exits 0 (nothing is broken), names the refused list under
/// `permissions`, and every check that changed says why (no false "missing" finding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_each_doctor_list() {
    let sim = support::start("healthy", false).await;
    let (out, _) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let base = checks(&out);
    // (group, plural, namespace) of each list of the gather plan.
    let lists: &[(&str, &str, Option<&str>)] = &[
        ("serving.kserve.io", "llminferenceservices", None),
        ("inference.networking.k8s.io", "inferencepools", None),
        ("inference.networking.x-k8s.io", "inferencepools", None),
        ("", "pods", None),
        ("", "services", None),
        ("gateway.networking.k8s.io", "httproutes", None),
        ("gateway.networking.k8s.io", "gateways", None),
        ("gateway.networking.k8s.io", "gatewayclasses", None),
        ("networking.istio.io", "destinationrules", None),
        ("networking.istio.io", "envoyfilters", None),
        ("monitoring.coreos.com", "podmonitors", None),
        ("monitoring.coreos.com", "servicemonitors", None),
        ("", "configmaps", Some("openshift-monitoring")),
        ("", "configmaps", Some("openshift-user-workload-monitoring")),
        ("", "pods", Some("openshift-user-workload-monitoring")),
        ("", "services", Some("openshift-monitoring")),
        ("route.openshift.io", "routes", Some("openshift-monitoring")),
        ("route.openshift.io", "routes", Some("llm-d-monitoring")),
        ("grafana.integreatly.org", "grafanas", None),
        ("grafana.integreatly.org", "grafanadatasources", None),
        ("grafana.integreatly.org", "grafanadashboards", None),
        ("", "secrets", None),
        ("rbac.authorization.k8s.io", "clusterrolebindings", None),
        ("operators.coreos.com", "clusterserviceversions", None),
        ("apps", "deployments", None),
        ("sailoperator.io", "istios", None),
        ("config.openshift.io", "clusterversions", None),
        (
            "datasciencecluster.opendatahub.io",
            "datascienceclusters",
            None,
        ),
    ];
    let mut problems = Vec::new();
    for (group, plural, namespace) in lists {
        sim.world.cluster.set_faults(Faults {
            rules: vec![FaultRule {
                resource: plural.to_string(),
                group: Some(group.to_string()),
                verb: Some("list".into()),
                namespace: namespace.map(str::to_string),
                code: 403,
                ..Default::default()
            }],
            ..Default::default()
        });
        let (out, _) = run_timed(&sim, &["doctor", "-o", "json"]).await;
        assert_no_panic(&out);
        let case = format!("403 on {plural}.{group} in {namespace:?}");
        if out.status.code() != Some(0) {
            problems.push(format!("{case}: exit {:?}", out.status.code()));
        }
        let now = checks(&out);
        let permissions = find(&now, "permissions");
        if !permissions
            .iter()
            .any(|c| c.status == "warn" && c.message.contains(plural))
        {
            problems.push(format!(
                "{case}: permissions does not name it: {permissions:?}"
            ));
        }
        for c in now.iter().filter(|c| c.id != "permissions") {
            if base.contains(c) {
                continue;
            }
            let explained = ["injected fault", "skipped:", "(see ", "unknown", "readable"]
                .iter()
                .any(|w| c.message.contains(w));
            if c.status == "error" || (c.status != "ok" && !explained) {
                problems.push(format!("{case}: {c:?}"));
            }
        }
    }
    sim.world.cluster.clear_faults();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    sim.world.shutdown().await;
}

/// Each CRD doctor relies on, deleted (fresh cluster each): doctor still runs every check,
/// exits 0 or 1, never calls a missing API "forbidden", and names the missing CRD where a check
/// depends on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_each_crd() {
    // CRD → (check id, expected status, text in its message) when one check names it.
    type Expected = Option<(&'static str, &'static str, &'static str)>;
    let crds: &[(&str, Expected)] = &[
        (
            "llminferenceservices.serving.kserve.io",
            Some(("serving-crds", "error", "not installed")),
        ),
        ("inferencepools.inference.networking.x-k8s.io", None),
        ("inferencepools.inference.networking.k8s.io", None),
        ("httproutes.gateway.networking.k8s.io", None),
        ("gateways.gateway.networking.k8s.io", None),
        ("gatewayclasses.gateway.networking.k8s.io", None),
        ("destinationrules.networking.istio.io", None),
        ("envoyfilters.networking.istio.io", None),
        (
            "podmonitors.monitoring.coreos.com",
            Some(("vllm-scrape", "error", "PodMonitor CRD")),
        ),
        ("servicemonitors.monitoring.coreos.com", None),
        ("routes.route.openshift.io", None),
        (
            "grafanas.grafana.integreatly.org",
            Some(("grafana-operator", "error", "not installed")),
        ),
        ("grafanadatasources.grafana.integreatly.org", None),
        ("grafanadashboards.grafana.integreatly.org", None),
        ("clusterserviceversions.operators.coreos.com", None),
        ("istios.sailoperator.io", None),
        (
            "clusterversions.config.openshift.io",
            Some(("openshift-ai", "warn", "plain Kubernetes")),
        ),
        (
            "datascienceclusters.datasciencecluster.opendatahub.io",
            None,
        ),
    ];
    let crd_api = ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
    };
    let mut problems = Vec::new();
    for (crd, expected) in crds {
        let sim = support::start("healthy", false).await;
        let client = admin_client(&sim).await;
        Api::<DynamicObject>::all_with(client, &crd_api)
            .delete(crd, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("delete {crd}: {e}"));
        let (out, _) = run_timed(&sim, &["doctor", "-o", "json"]).await;
        assert_no_panic(&out);
        if !matches!(out.status.code(), Some(0) | Some(1)) {
            problems.push(format!(
                "{crd}: exit {:?}: {}",
                out.status.code(),
                text(&out)
            ));
            continue;
        }
        let now = checks(&out);
        let plural = crd.split('.').next().unwrap();
        if find(&now, "permissions")
            .iter()
            .any(|c| c.message.contains(plural))
        {
            problems.push(format!("{crd}: a missing API reported as not permitted"));
        }
        if let Some((id, status, needle)) = expected
            && !find(&now, id)
                .iter()
                .any(|c| c.status == *status && c.message.contains(needle))
        {
            problems.push(format!(
                "{crd}: expected {id} {status} {needle:?}: {:?}",
                find(&now, id)
            ));
        }
        sim.world.shutdown().await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// API failures while doctor lists: reported per check, retried only where the server asked,
/// never waiting long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_mid_list() {
    let sim = support::start("healthy", false).await;
    // Only the cluster-wide list of the serving pods (namespace ""), not the UWM pods' list.
    let pods_list = |rule: FaultRule| Faults {
        rules: vec![FaultRule {
            resource: "pods".into(),
            group: Some(String::new()),
            verb: Some("list".into()),
            namespace: Some(String::new()),
            ..rule
        }],
        ..Default::default()
    };
    let vllm_pods = |out: &Output| {
        find(&checks(out), "vllm-pods")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    let log_count = |path_part: &str| {
        sim.world
            .cluster
            .request_log()
            .iter()
            .filter(|r| r.path.contains(path_part))
            .count()
    };
    const VLLM_LIST: &str = "/api/v1/pods?";

    // 500: not retried (not known to be transient), reported as a gap.
    sim.world.cluster.reset_request_log();
    sim.world.cluster.set_faults(pods_list(FaultRule {
        code: 500,
        ..Default::default()
    }));
    let (out, _) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = vllm_pods(&out);
    assert!(
        v.iter()
            .all(|c| c.status == "skipped" && c.message.contains("500")),
        "{v:?}"
    );
    assert_eq!(log_count(VLLM_LIST), 1, "a 500 is not retried");

    // 503 every time: retried 3 times with backoff, then reported; bounded.
    sim.world.cluster.reset_request_log();
    sim.world.cluster.set_faults(pods_list(FaultRule {
        code: 503,
        ..Default::default()
    }));
    let (out, took) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(vllm_pods(&out).iter().all(|c| c.status == "skipped"));
    assert_eq!(log_count(VLLM_LIST), 4, "1 attempt + 3 retries");
    assert!(took < Duration::from_secs(15), "{took:?}");

    // 429 once with Retry-After: 1 → waited for, then the list succeeds.
    sim.world.cluster.reset_request_log();
    sim.world.cluster.set_faults(pods_list(FaultRule {
        code: 429,
        retry_after: Some(1),
        times: Some(1),
        ..Default::default()
    }));
    let (out, took) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        vllm_pods(&out).iter().all(|c| c.status == "ok"),
        "{:?}",
        vllm_pods(&out)
    );
    assert!(took >= Duration::from_secs(1), "Retry-After honoured");
    assert_eq!(log_count(VLLM_LIST), 2);

    // 429 with Retry-After: 3600 → not waited for: reported at once.
    sim.world.cluster.set_faults(pods_list(FaultRule {
        code: 429,
        retry_after: Some(3600),
        ..Default::default()
    }));
    let (out, took) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(vllm_pods(&out).iter().all(|c| c.status == "skipped"));
    assert!(took < Duration::from_secs(10), "{took:?}");

    // A list that never answers: --request-timeout bounds it.
    sim.world.cluster.set_faults(pods_list(FaultRule {
        action: FaultAction::Timeout,
        timeout_ms: Some(30_000),
        ..Default::default()
    }));
    let (out, took) = run_timed(&sim, &["doctor", "-o", "json", "--request-timeout", "2s"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = vllm_pods(&out);
    assert!(
        v.iter()
            .all(|c| c.status == "skipped" && c.message.contains("timed out")),
        "{v:?}"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");

    // A dropped connection: named as such, not as a TLS problem.
    sim.world.cluster.set_faults(pods_list(FaultRule {
        action: FaultAction::Drop,
        ..Default::default()
    }));
    let (out, _) = run_timed(&sim, &["doctor", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = vllm_pods(&out);
    assert!(
        v.iter()
            .all(|c| c.status == "skipped" && c.message.contains("connection dropped")),
        "{v:?}"
    );

    // The same on the human output: one line per check, no panic, the token never shown.
    let (out, _) = run_timed(&sim, &["doctor", "-v"]).await;
    assert_no_panic(&out);
    assert_no_secret(&out, &[ADMIN_TOKEN]);
    sim.world.cluster.clear_faults();
    sim.world.shutdown().await;
}

/// Failures while install-monitoring writes: a one-line error with the documented exit code,
/// then a re-run (no fault) converges to the same state a clean install reaches, and a third run
/// changes nothing. Retryable answers (429, 503 once) do not fail the install.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_mid_install() {
    let install = ["install-monitoring", "--enable-uwm", "--timeout", "30s"];
    // (name, faults, expected (exit, text) or None for success, extra flags)
    type Case = (
        &'static str,
        Faults,
        Option<(i32, &'static str)>,
        &'static [&'static str],
    );
    let cases: Vec<Case> = vec![
        (
            "500 on the admin Secret's apply",
            one_write("secrets", 500),
            Some((1, "500")),
            &[],
        ),
        (
            "500 on the Grafana's apply",
            one_write("grafanas", 500),
            Some((1, "500")),
            &[],
        ),
        (
            "500 on the 1st write (cluster-monitoring-config)",
            one_write("configmaps", 500),
            Some((1, "500")),
            &[],
        ),
        (
            "503 on every patch",
            Faults {
                rules: vec![FaultRule {
                    resource: "*".into(),
                    verb: Some("patch".into()),
                    code: 503,
                    ..Default::default()
                }],
                ..Default::default()
            },
            Some((1, "503")),
            &[],
        ),
        (
            "a write that never answers",
            Faults {
                rules: vec![FaultRule {
                    resource: "grafanas".into(),
                    verb: Some("patch".into()),
                    action: FaultAction::Timeout,
                    timeout_ms: Some(30_000),
                    ..Default::default()
                }],
                ..Default::default()
            },
            Some((3, "timed out")),
            &["--request-timeout", "2s"],
        ),
        (
            "429 twice with Retry-After: 1 (retried, succeeds)",
            Faults {
                rules: vec![FaultRule {
                    resource: "*".into(),
                    verb: Some("patch".into()),
                    code: 429,
                    retry_after: Some(1),
                    times: Some(2),
                    ..Default::default()
                }],
                ..Default::default()
            },
            None,
            &[],
        ),
    ];
    for (name, faults, expected, extra) in cases {
        let sim = support::start("seed-day0", false).await;
        sim.world.cluster.set_faults(faults);
        let args: Vec<&str> = install.iter().chain(extra.iter()).copied().collect();
        let (out, took) = run_timed(&sim, &args).await;
        assert!(took < Duration::from_secs(40), "{name}: took {took:?}");
        assert_no_panic(&out);
        match expected {
            Some((code, needle)) => assert_error(&out, code, needle),
            None => assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out)),
        }
        sim.world.cluster.clear_faults();
        let (again, _) = run_timed(&sim, &install).await;
        assert_eq!(
            again.status.code(),
            Some(0),
            "{name}: re-run: {}",
            text(&again)
        );
        let (third, _) = run_timed(&sim, &install).await;
        let third_text = String::from_utf8_lossy(&third.stdout).to_string();
        assert_eq!(third.status.code(), Some(0), "{name}: {third_text}");
        assert!(
            !third_text.contains(" created ") && !third_text.contains(" configured "),
            "{name}: the re-run did not converge: {third_text}"
        );
        // Converged means consistent: doctor's Grafana checks all pass.
        let (doctor, _) = run_timed(&sim, &["doctor", "-o", "json", "--category", "grafana"]).await;
        for c in checks(&doctor) {
            assert_eq!(c.status, "ok", "{name}: {c:?}");
        }
        let password = secret(&sim, "llm-d-grafana-admin", "GF_SECURITY_ADMIN_PASSWORD");
        let token = secret(&sim, "grafana-thanos-token", "token");
        for o in [&out, &again, &third] {
            assert_no_secret(o, &[&password, &token, ADMIN_TOKEN]);
        }
        sim.world.shutdown().await;
    }
}

/// The first server-side apply (PATCH) of `resource` fails with `code`.
fn one_write(resource: &str, code: u16) -> Faults {
    Faults {
        rules: vec![FaultRule {
            resource: resource.into(),
            verb: Some("patch".into()),
            code,
            times: Some(1),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn secret(sim: &support::Sim, name: &str, key: &str) -> String {
    use base64::Engine as _;
    let s = sim
        .world
        .cluster
        .store()
        .get("", "Secret", "llm-d-monitoring", name)
        .unwrap_or_else(|| panic!("no Secret {name}"));
    let b64 = s
        .pointer(&format!("/data/{key}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

/// Objects no controller would write: doctor reads them without a panic, exits 0 or 1, keeps
/// its report complete, and never echoes a 1 MB annotation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_objects() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut fixtures = llmd_sim::scenarios::fixtures("healthy").unwrap();
    let overlay = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed.yaml");
    fixtures.push(std::fs::read_to_string(&overlay).unwrap());
    let huge = "x".repeat(1 << 20);
    fixtures.push(format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  namespace: malformed\n  annotations:\n    big: {huge}\ndata: {{}}\n---\napiVersion: serving.kserve.io/v1alpha1\nkind: LLMInferenceService\nmetadata:\n  name: huge-annotation\n  namespace: malformed\n  annotations:\n    big: {huge}\nspec:\n  model:\n    uri: hf://x/y\n"
    ));
    let world = llmd_sim::world::World::start(llmd_sim::world::WorldOptions {
        sim: llmd_sim::SimOptions::new(fixtures),
        monitoring: false,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    llmd_sim::serve::write_kubeconfigs(&world.cluster, &kubeconfig).unwrap();
    let sim = support::Sim {
        world,
        dir,
        kubeconfig,
    };
    let catalogue: Vec<String> = oc_llmd::doctor::catalogue::catalogue()
        .iter()
        .filter(|c| c.id != "gateway-probe")
        .map(|c| c.id.to_string())
        .collect();
    for args in [
        &["doctor", "-o", "json"][..],
        &["doctor", "-o", "json", "-n", "malformed"],
    ] {
        let (out, took) = run_timed(&sim, args).await;
        assert_no_panic(&out);
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?}: {}",
            text(&out)
        );
        assert!(
            out.stdout.len() < 200_000,
            "{} bytes of output",
            out.stdout.len()
        );
        assert!(took < Duration::from_secs(20), "{took:?}");
        let now = checks(&out);
        // Per-gateway checks have nothing to report in a namespace without pools.
        for id in catalogue.iter().filter(|_| args.len() == 3) {
            assert!(
                now.iter().any(|c| &c.id == id),
                "{args:?}: {id} missing from the report"
            );
        }
        // The service without any status is reported as not reconciled, not crashed on.
        let ready = find(&now, "llmisvc-ready");
        assert!(
            ready
                .iter()
                .any(|c| c.subject == "malformed/no-status" && c.status == "warn"),
            "{ready:?}"
        );
    }
    let (out, _) = run_timed(&sim, &["doctor"]).await;
    assert_no_panic(&out);
    let (out, _) = run_timed(
        &sim,
        &[
            "stats",
            "-n",
            "malformed",
            "--source",
            "pods",
            "--interval",
            "1s",
        ],
    )
    .await;
    assert_no_panic(&out);
    sim.world.shutdown().await;
}
