//! `kubectl-llmd stats --source pods` on the simulated cluster: no Prometheus; two scrapes of every
//! vLLM/EPP pod through the simulated API server's pod proxy, for one namespace per metric naming
//! variant (vLLM V0/V1 × EPP era; `kserve_` exists only in Prometheus, never on a pod), with the
//! traffic profiles as ground truth and the same tolerances as the Prometheus source. Also: "no
//! metrics" vs "no traffic", tokens, the cluster being unreachable, `--watch` piped and on a pty.

mod common;
mod support;

use support::text;

use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::stats_cluster::{self as sim, ADMIN, GHOST, IDLE_NS, Variant};
use oc_llmd::metrics::{Concept, Naming};
use oc_llmd::scrape::exposition;
use serde_json::Value;

async fn stats(kubeconfig: impl AsRef<Path>, args: Vec<String>) -> Output {
    let kubeconfig = kubeconfig.as_ref().to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::cargo_bin("kubectl-llmd")
            .unwrap()
            .env("KUBECONFIG", kubeconfig)
            .env("NO_COLOR", "1")
            .arg("stats")
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Finite bucket bounds of a histogram in a pod's exposition.
fn bounds(metrics: &str, series: &str) -> Vec<f64> {
    let e = exposition::parse(metrics).unwrap();
    let bucket = format!("{series}_bucket");
    let mut les: Vec<f64> = e
        .samples
        .iter()
        .filter(|s| s.name == bucket)
        .filter_map(|s| s.labels.get("le")?.parse().ok())
        .filter(|v: &f64| v.is_finite())
        .collect();
    les.sort_by(f64::total_cmp);
    les.dedup();
    assert!(les.len() > 3, "no buckets for {series}");
    les
}

fn within_one_bucket(reported: f64, truth: f64, les: &[f64]) -> bool {
    let i = les.iter().position(|le| *le >= truth).unwrap_or(les.len());
    let lower = if i >= 2 { les[i - 2] } else { 0.0 };
    let upper = les.get(i + 1).copied().unwrap_or(f64::INFINITY);
    (lower..=upper).contains(&reported)
}

fn check(v: &Variant, r: &Value, metrics: &str) {
    let ns = &v.namespace;
    let p = &v.profile;
    assert_eq!(r["source"], "pods");
    let naming: Naming = r["naming"].as_str().unwrap().parse().unwrap();
    assert!(
        naming.to_string().starts_with("plain-"),
        "direct scrapes carry no prefix"
    );
    assert_eq!(
        naming.vllm == oc_llmd::metrics::VllmGeneration::V0,
        v.vllm == "vllm-v0",
        "{ns}: {naming}"
    );
    let s = &r["services"][0];
    assert_eq!(s["name"], "svc", "{ns}: {r}");
    assert_eq!(s["model"], v.model());
    assert_eq!(s["state"], "ok");
    let rps = s["requestsPerSecond"].as_f64().unwrap();
    assert!(
        (rps - p.requests_per_second).abs() <= 0.1 * p.requests_per_second,
        "{ns}: {rps}"
    );
    for (concept, field, truths) in [
        (
            Concept::VllmTtft,
            "ttft",
            [("p50", p.ttft_p50_seconds), ("p95", p.ttft_p95_seconds)],
        ),
        (
            Concept::VllmE2e,
            "e2e",
            [("p50", p.e2e_p50_seconds), ("p95", p.e2e_p95_seconds)],
        ),
    ] {
        let les = bounds(metrics, &naming.series(concept).unwrap());
        for (q, truth) in truths {
            let got = s[field][q].as_f64().unwrap();
            assert!(
                within_one_bucket(got, truth, &les),
                "{ns}: {field} {q} {got} vs {truth}"
            );
        }
    }
    let errors = s["errorPercent"].as_f64().unwrap();
    assert!(
        (errors - p.error_ratio * 100.0).abs() <= 0.5,
        "{ns}: errors {errors}% vs {}",
        p.error_ratio
    );
    let hit = s["prefixHitPercent"].as_f64().unwrap();
    assert!(
        (hit - p.prefix_hit_ratio * 100.0).abs() <= 5.0,
        "{ns}: hit {hit}"
    );
    let pods = r["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 2, "{ns}");
    for pod in pods {
        let name = pod["name"].as_str().unwrap();
        let truth = p.split[name] / p.split.values().sum::<f64>() * 100.0;
        let share = pod["sharePercent"].as_f64().unwrap();
        assert!(
            (share - truth).abs() <= 5.0,
            "{ns}/{name}: {share} vs {truth}"
        );
    }
    let pool = &r["pools"][0];
    assert_eq!(pool["name"], "svc-inference-pool", "{ns}: {r}");
    assert_eq!(pool["readyPods"], 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_from_pod_scrapes_matches_the_traffic_profiles() {
    let fx = sim::start_sim(&[]).await;
    let variants = fx.variants.clone();
    let kc = fx.kubeconfig.clone();
    fx.world.cluster.reset_request_log();

    // vLLM V0/V1 × EPP eras, in the namespaces Prometheus would see with and without the
    // `kserve_` prefix (a monitor's relabelling: the pods themselves never carry it), all at once.
    let chosen: Vec<&Variant> = variants.iter().filter(|v| v.namespace != IDLE_NS).collect();
    let runs = chosen.iter().map(|v| {
        stats(
            kc.clone(),
            args(&[
                "--source",
                "pods",
                "--interval",
                "2s",
                "-n",
                &v.namespace,
                "-o",
                "json",
            ]),
        )
    });
    let outputs = futures::future::join_all(runs).await;
    for (v, out) in chosen.iter().zip(&outputs) {
        assert!(out.status.success(), "{}", text(out));
        assert!(!text(out).contains("SECRET"), "token leaked");
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        let metrics = pod_metrics(&fx, &v.namespace, "svc-kserve-a").await;
        check(v, &r, &metrics);
        // Two scrapes of three pods, plus two lists.
        assert_eq!(r["queries"], 8, "{r}");
    }
    let proxied = fx
        .world
        .cluster
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/proxy/metrics"))
        .count();
    // Plus one read per variant above (the histogram bounds).
    assert_eq!(proxied, chosen.len() * 7);

    // All namespaces at once: each namespace is read with its own naming.
    let out = stats(
        kc.clone(),
        args(&["--source", "pods", "--interval", "2s", "-A", "-o", "json"]),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    for v in variants.iter().filter(|v| v.namespace != IDLE_NS) {
        let s = r["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["namespace"] == v.namespace.as_str() && s["name"] == "svc")
            .unwrap_or_else(|| panic!("{} missing", v.namespace));
        let rps = s["requestsPerSecond"].as_f64().unwrap();
        let want = v.profile.requests_per_second;
        assert!((rps - want).abs() <= 0.1 * want, "{}: {rps}", v.namespace);
        assert!(s["kvCachePercent"].as_f64().is_some(), "{s}");
        let share_source = if v.epp == "epp-inference-model" {
            "vllm"
        } else {
            "epp"
        };
        let pods: Vec<&Value> = r["pods"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["namespace"] == v.namespace.as_str())
            .collect();
        assert_eq!(pods.len(), 2);
        assert!(
            pods.iter().all(|p| p["shareSource"] == share_source),
            "{pods:?}"
        );
    }
    assert!(
        r["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("namespaces with another metric naming")),
        "{}",
        r["notes"]
    );

    // "no traffic" (pods, nothing completes) differs from "no metrics" (no pods at all).
    let out = stats(
        kc.clone(),
        args(&[
            "--source",
            "pods",
            "--interval",
            "1s",
            "-n",
            IDLE_NS,
            "-o",
            "json",
        ]),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| {
        r["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n} missing: {r}"))
    };
    assert_eq!(by_name("svc")["state"], "noTraffic");
    assert_eq!(by_name(GHOST)["state"], "noMetrics");
    assert_eq!(
        by_name(GHOST)["message"],
        "no metrics for this service — run oc llmd doctor"
    );
    let table = stats(
        kc.clone(),
        args(&["--source", "pods", "--interval", "1s", "-n", IDLE_NS]),
    )
    .await;
    let shown = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(shown.contains("no traffic in the last 1s"), "{shown}");
    assert!(
        shown.contains("no metrics for this service — run oc llmd doctor"),
        "{shown}"
    );

    // No Thanos route (not OpenShift): exit 1, pointing at --prometheus-url / --source pods.
    let out = stats(kc.clone(), args(&["-n", IDLE_NS])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--prometheus-url"), "{}", text(&out));

    // Wrong token on the API: exit 3.
    let bad = fx.kubeconfig_with_token("sha256~wrong-SECRET");
    let out = stats(&bad, args(&["--source", "pods", "-n", IDLE_NS])).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!text(&out).contains("SECRET"));

    // The API unreachable: exit 3 with a hint, for both sources.
    let down = sim::kubeconfig("http://127.0.0.1:9", ADMIN);
    for extra in [vec![], vec!["--source", "pods"]] {
        let out = stats(down.path(), args(&extra)).await;
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains("hint: "),
            "{err}"
        );
    }
}

/// A pod's metrics text as the API server's pod proxy serves it.
async fn pod_metrics(fx: &sim::SimFixture, ns: &str, pod: &str) -> String {
    let global = oc_llmd::cli::GlobalArgs {
        kubeconfig: Some(fx.kubeconfig.clone()),
        ..Default::default()
    };
    let client = oc_llmd::kube::connect(&global).await.unwrap().client;
    let path = format!("/api/v1/namespaces/{ns}/pods/{pod}:8000/proxy/metrics");
    client
        .request_text(http::Request::get(path).body(Vec::new()).unwrap())
        .await
        .unwrap()
}

/// Output of a child read on a thread until EOF.
type Captured = Arc<Mutex<Vec<u8>>>;

fn spawn_reader(
    mut source: impl std::io::Read + Send + 'static,
) -> (Captured, std::thread::JoinHandle<()>) {
    let buffer: Captured = Arc::default();
    let sink = buffer.clone();
    let handle = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = source.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    (buffer, handle)
}

fn text_of(buffer: &Captured) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap()).to_string()
}

/// Poll (up to a minute: a loaded machine is slow) until `needle` was printed `count` times.
async fn wait_for(buffer: &Captured, needle: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while text_of(buffer).matches(needle).count() < count {
        assert!(
            Instant::now() < deadline,
            "{needle:?} not printed {count} times: {:?}",
            text_of(buffer)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `--watch` piped: plain snapshots appended (no ANSI), and SIGINT ends it cleanly with exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_appends_snapshots_when_piped_and_stops_on_sigint() {
    use std::process::Stdio;
    let fx = sim::start_sim(&[]).await;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"))
        .env("KUBECONFIG", &fx.kubeconfig)
        .args([
            "stats",
            "--source",
            "pods",
            "--interval",
            "500ms",
            "--watch",
            "--refresh",
            "500ms",
            "-n",
            IDLE_NS,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (output, reader) = spawn_reader(child.stdout.take().unwrap());
    wait_for(&output, "Naming ", 2).await;
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    reader.join().unwrap();
    let shown = text_of(&output);
    assert_eq!(status.code(), Some(0), "{shown}");
    let snapshots = shown.matches("Naming ").count();
    assert!(snapshots >= 2, "{snapshots} snapshots: {shown}");
    assert!(!shown.contains('\u{1b}'), "ANSI when piped: {shown}");
}

/// `--watch` on a terminal (a pty from `script`): each refresh clears the screen and redraws from
/// the top; Ctrl-C (sent as ^C through the pty) ends it with exit 0 and restores the terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_redraws_in_place_on_a_terminal_and_restores_it_on_ctrl_c() {
    use std::io::Write;
    use std::process::Stdio;
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed to run stats under a pty");
    }
    let fx = sim::start_sim(&[]).await;
    let bin = assert_cmd::cargo::cargo_bin("kubectl-llmd");
    // `exec`: no shell between the pty and the plugin (dash, CI's /bin/sh, would otherwise take
    // the SIGINT itself and make `script` report 130 whatever the plugin does).
    let command = format!(
        "exec {} stats --source pods --interval 300ms --watch --refresh 300ms -n {IDLE_NS}",
        bin.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .env("KUBECONFIG", &fx.kubeconfig)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (output, reader) = spawn_reader(child.stdout.take().unwrap());
    wait_for(&output, "\u{1b}[2J\u{1b}[H", 2).await;
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        drop(stdin);
        status
    })
    .await
    .unwrap();
    reader.join().unwrap();
    let shown = text_of(&output);
    assert_eq!(status.code(), Some(0), "{shown:?}");
    let redraws = shown.matches("\u{1b}[2J\u{1b}[H").count();
    assert!(redraws >= 2, "{redraws} redraws: {shown:?}");
    assert!(
        shown.contains("\u{1b}[0m\u{1b}[?25h"),
        "not restored: {shown:?}"
    );
    assert!(shown.contains("ghost"), "{shown:?}");
}

/// The Thanos endpoint from the cluster: `https://<route spec.host>`, the kubeconfig user's token
/// (or `--token`), the kubeconfig's CA bundle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thanos_endpoint_comes_from_the_route_and_the_kubeconfig() {
    use oc_llmd::cli::{GlobalArgs, PromArgs};
    use oc_llmd::prom::endpoint;
    let host = "thanos-querier-openshift-monitoring.apps.example.com";
    let route = serde_json::json!({"apiVersion": "route.openshift.io/v1", "kind": "Route",
        "metadata": {"name": "thanos-querier", "namespace": "openshift-monitoring"},
        "spec": {"host": host, "port": {"targetPort": "web"}, "tls": {"termination": "reencrypt"},
                 "to": {"kind": "Service", "name": "thanos-querier"}}});
    let fx = sim::start_sim(&[route]).await;
    let global = GlobalArgs {
        kubeconfig: Some(fx.kubeconfig.clone()),
        ..Default::default()
    };
    let cluster = oc_llmd::kube::connect(&global).await.unwrap();
    let found = endpoint::from_route(&cluster, &PromArgs::default(), &global)
        .await
        .unwrap();
    assert_eq!(found.config.url, format!("https://{host}"));
    assert_eq!(found.config.token.as_deref(), Some(ADMIN));
    assert!(!found.config.insecure_skip_tls_verify);
    // The cluster's CA, which signs the API server's certificate, is trusted for the route too.
    let ca = String::from_utf8(found.config.ca_pem.clone().unwrap()).unwrap();
    assert!(ca.contains("BEGIN CERTIFICATE"), "{ca}");
    assert!(!format!("{:?}", found.config).contains("SECRET"));
    assert!(found.how.contains(host));
    let explicit = PromArgs {
        token: Some("sha256~explicit".into()),
        ..Default::default()
    };
    let found = endpoint::from_route(&cluster, &explicit, &global)
        .await
        .unwrap();
    assert_eq!(found.config.token.as_deref(), Some("sha256~explicit"));

    // The user may not read the route: 401 on the API → exit 3.
    let global = GlobalArgs {
        kubeconfig: Some(fx.kubeconfig_with_token("sha256~wrong-SECRET")),
        ..Default::default()
    };
    let cluster = oc_llmd::kube::connect(&global).await.unwrap();
    let err = endpoint::from_route(&cluster, &PromArgs::default(), &global)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code().code(), 3, "{err:?}");
    assert!(!format!("{err:?}").contains("SECRET"));
}
