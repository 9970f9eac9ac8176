//! `kubectl-llmd stats` against ONE real Prometheus behind the Thanos-like front, scraping the
//! simulated pods of 12 naming variants (vLLM V0/V1 × three EPP eras × with/without `kserve_`) and
//! an idle service. The traffic profiles are the ground truth: requests/s within 10 %, TTFT and
//! E2E quantiles within one histogram bucket, per-pod shares and prefix-hit ratio within 5 points.
//! Also: empty states, wrong-prefix, token handling and exit codes, output formats, wall time.
//! Needs `prometheus` on PATH.

mod common;
mod support;

use support::text;

use std::io::Write;
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::stats_cluster::{self as sim, ADMIN, IDLE_NS, VIEWER, VIEWER_NS, Variant};
use llmd_sim::thanos::Faults;
use oc_llmd::metrics::{Concept, Naming};
use oc_llmd::prom::{PromClient, PromConfig, QueryData};
use serde_json::Value;

/// A cache directory that cannot be created (even by root): runs remember no naming, so each
/// detects first, unless a test passes its own `XDG_CACHE_HOME`.
const NO_CACHE: &str = "/dev/null/cache";

/// Run the binary (blocking, on a blocking thread) with a kubeconfig that does not exist.
async fn stats(args: Vec<String>, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::cargo_bin("kubectl-llmd").unwrap();
        cmd.env("KUBECONFIG", "/nonexistent/kubeconfig")
            .env_remove("OC_LLMD_PROMETHEUS_TOKEN")
            .env("XDG_CACHE_HOME", NO_CACHE)
            .env("NO_COLOR", "1");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.arg("stats").args(args).output().unwrap()
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

/// Bucket bounds of a histogram in a namespace, from Prometheus itself.
async fn bounds(web: &str, series: &str, ns: &str) -> Vec<f64> {
    let q = format!("count by (le) ({series}_bucket{{namespace=\"{ns}\"}})");
    let mut config = PromConfig::new(format!("http://{web}"));
    config.token = Some(ADMIN.into());
    let answer = PromClient::new(config)
        .unwrap()
        .query(&q, None)
        .await
        .unwrap();
    let QueryData::Vector(samples) = answer.data else {
        panic!("not a vector")
    };
    let mut les: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.metric.get("le")?.parse().ok())
        .filter(|v: &f64| v.is_finite())
        .collect();
    les.sort_by(f64::total_cmp);
    assert!(les.len() > 3, "no buckets for {series} in {ns}");
    les
}

/// The reported quantile lies in the bucket holding the truth or in an adjacent one.
fn within_one_bucket(reported: f64, truth: f64, les: &[f64]) -> bool {
    let i = les.iter().position(|le| *le >= truth).unwrap_or(les.len());
    let lower = if i >= 2 { les[i - 2] } else { 0.0 };
    let upper = les.get(i + 1).copied().unwrap_or(f64::INFINITY);
    (lower..=upper).contains(&reported)
}

fn naming_of(v: &Variant) -> Naming {
    let vllm = if v.vllm == "vllm-v0" { "v0" } else { "v1" };
    let epp = match v.epp {
        "epp-inference-model" => "model",
        "epp-inference-objective" => "objective",
        _ => "llmd",
    };
    let prefix = if v.kserve { "kserve" } else { "plain" };
    format!("{prefix}-{vllm}-epp-{epp}").parse().unwrap()
}

async fn check_variant(web: &str, v: &Variant) {
    let url = format!("http://{web}");
    let out = stats(
        args(&[
            "-n",
            &v.namespace,
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "--token",
            ADMIN,
        ]),
        vec![],
    )
    .await;
    assert!(!text(&out).contains("SECRET"), "token leaked");
    let r = json(&out);
    let ns = &v.namespace;
    let naming = naming_of(v);
    assert_eq!(r["kind"], "StatsReport");
    assert_eq!(r["version"], 1);
    assert_eq!(r["naming"], naming.to_string(), "{ns}");
    let services = r["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{ns}: {services:?}");
    let s = &services[0];
    assert_eq!(s["name"], v.service(), "{ns}");
    assert_eq!(s["model"], v.model(), "{ns}");
    assert_eq!(s["state"], "ok", "{ns}: {s}");
    let p = &v.profile;
    let rps = s["requestsPerSecond"].as_f64().unwrap();
    assert!(
        (rps - p.requests_per_second).abs() <= 0.1 * p.requests_per_second,
        "{ns}: {rps} req/s vs {}",
        p.requests_per_second
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
        let les = bounds(web, &naming.series(concept).unwrap(), ns).await;
        for (q, truth) in truths {
            let got = s[field][q].as_f64().unwrap();
            assert!(
                within_one_bucket(got, truth, &les),
                "{ns}: {field} {q} {got} vs {truth} (buckets {les:?})"
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
        "{ns}: hit {hit} vs {}",
        p.prefix_hit_ratio
    );
    let pods = r["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 2, "{ns}");
    let expected_source = if v.epp == "epp-inference-model" {
        "vllm"
    } else {
        "epp"
    };
    for pod in pods {
        let name = pod["name"].as_str().unwrap();
        let truth = p.split[name] / p.split.values().sum::<f64>() * 100.0;
        let share = pod["sharePercent"].as_f64().unwrap();
        assert!(
            (share - truth).abs() <= 5.0,
            "{ns}/{name}: share {share} vs {truth}"
        );
        assert_eq!(pod["shareSource"], expected_source, "{ns}");
        assert_eq!(pod["service"], v.service());
    }
    let pools = r["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 1, "{ns}: {pools:?}");
    assert_eq!(pools[0]["name"], "svc-inference-pool");
    assert_eq!(pools[0]["readyPods"], 2.0);
    if v.epp != "epp-inference-model" {
        assert_eq!(pools[0]["service"], v.service(), "{ns}");
    }
    let epp_rps = pools[0]["requestsPerSecond"].as_f64().unwrap();
    assert!(
        (epp_rps - p.requests_per_second).abs() <= 0.1 * p.requests_per_second,
        "{ns}: EPP {epp_rps}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_against_prometheus_matches_the_traffic_profiles() {
    let begun = Instant::now();
    let fx = sim::start(Duration::from_secs(9)).await;
    let web = fx.stack.web_addr.to_string();
    let tenancy = fx.stack.tenancy_addr.to_string();
    let url = format!("http://{web}");

    for v in fx.variants.iter().filter(|v| v.namespace != IDLE_NS) {
        check_variant(&web, v).await;
    }
    // Every request so far carried the --token as its bearer token.
    let seen = fx.tokens.seen.lock().unwrap().clone();
    assert!(!seen.is_empty() && seen.iter().all(|t| t.as_deref() == Some(ADMIN)));

    // No traffic: series exist, nothing completed in the window.
    let r = json(
        &stats(
            args(&[
                "-n",
                IDLE_NS,
                "-o",
                "json",
                "--window",
                "8s",
                "--prometheus-url",
                &url,
                "--token",
                ADMIN,
            ]),
            vec![],
        )
        .await,
    );
    assert_eq!(r["services"][0]["state"], "noTraffic");
    assert_eq!(r["services"][0]["message"], "no traffic in the last 8s");

    // All namespaces: one naming (kserve wins), the plain services are pointed out; wall time
    // against the slowest single query the front saw. First run against this endpoint: the
    // naming is detected, then the batch is sent, and the naming is remembered.
    let cache = tempfile::tempdir().unwrap();
    let cache_env = vec![(
        "XDG_CACHE_HOME".to_string(),
        cache.path().display().to_string(),
    )];
    let all_args = args(&[
        "-A",
        "-o",
        "json",
        "--window",
        "8s",
        "--prometheus-url",
        &url,
        "--token",
        ADMIN,
        "-v",
    ]);
    // A second of latency on every request makes round trips dominate the noise of a loaded
    // machine: the first run costs two rounds, the warm run below one.
    fx.stack.front.faults().set(Faults {
        latency: Duration::from_secs(1),
        ..Default::default()
    });
    fx.stack.front.log().clear();
    let started = Instant::now();
    let out = stats(all_args.clone(), cache_env.clone()).await;
    let wall = started.elapsed();
    let r = json(&out);
    let (span, slowest) = fx.stack.front.log().span_and_slowest().unwrap();
    let count = fx.stack.front.log().entries().len();
    eprintln!(
        "stats -A: {count} queries (report says {}), span {span:?}, slowest {slowest:?}, \
         process wall time {wall:?}",
        r["queries"]
    );
    assert_eq!(r["queries"].as_u64().unwrap() as usize, count);
    // One naming detection, then one concurrent batch: the batch's requests overlap in time (its
    // span is far below the sum of their durations), and none starts before detection ended.
    let entries = fx.stack.front.log().entries();
    let detection: Vec<_> = entries
        .iter()
        .filter(|e| e.path.contains("/label/"))
        .collect();
    assert_eq!(detection.len(), 1, "one naming detection");
    let detected_at = detection[0].start + detection[0].duration;
    let batch: Vec<_> = entries
        .iter()
        .filter(|e| e.path.ends_with("/query"))
        .collect();
    assert_eq!(batch.len() + 1, count);
    let first = batch.iter().map(|e| e.start).min().unwrap();
    let last = batch.iter().map(|e| e.start + e.duration).max().unwrap();
    let batch_span = last.duration_since(first);
    let sum: Duration = batch.iter().map(|e| e.duration).sum();
    eprintln!(
        "batch: {} queries, span {batch_span:?}, sum of durations {sum:?}",
        batch.len()
    );
    assert!(
        batch_span.mul_f64(3.0) < sum,
        "the batch was not concurrent: span {batch_span:?}, sum {sum:?}"
    );
    assert!(first + Duration::from_millis(5) >= detected_at);
    assert!(r["naming"].as_str().unwrap().starts_with("kserve-"));
    let services = r["services"].as_array().unwrap();
    for v in fx.variants.iter().filter(|v| !v.kserve) {
        let s = services
            .iter()
            .find(|s| s["namespace"] == v.namespace.as_str())
            .unwrap_or_else(|| panic!("{} missing", v.namespace));
        assert_eq!(s["state"], "wrongPrefix", "{s}");
        assert!(
            s["message"]
                .as_str()
                .unwrap()
                .contains(&format!("-n {}", v.namespace))
        );
    }
    let kserve_ok = services
        .iter()
        .filter(|s| s["state"] == "ok" || s["state"] == "noTraffic")
        .count();
    assert_eq!(kserve_ok, fx.variants.iter().filter(|v| v.kserve).count());
    let cached = std::fs::read_to_string(cache.path().join("oc-llmd/naming.json")).unwrap();
    assert!(cached.contains(r["naming"].as_str().unwrap()), "{cached}");
    assert!(!cached.contains("SECRET"), "{cached}");

    // Second run: the remembered naming's batch goes out together with the detection (one
    // round), the detection confirms it, and the report is the same.
    fx.stack.front.log().clear();
    let out = stats(all_args, cache_env).await;
    fx.stack.front.faults().clear();
    let (warm_span, warm_slowest) = fx.stack.front.log().span_and_slowest().unwrap();
    eprintln!(
        "stats -A at 1 s latency: first run span {span:?} = {:.2}× its slowest query; \
         warm run span {warm_span:?} = {:.2}× its slowest query",
        span.as_secs_f64() / slowest.as_secs_f64(),
        warm_span.as_secs_f64() / warm_slowest.as_secs_f64()
    );
    assert!(
        warm_span.as_secs_f64() <= 1.5 * warm_slowest.as_secs_f64(),
        "warm run: span {warm_span:?}, slowest {warm_slowest:?}"
    );
    let warm = json(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "naming {} from cache, confirmed",
            r["naming"].as_str().unwrap()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET"), "{stderr}");
    let entries = fx.stack.front.log().entries();
    assert_eq!(entries.len(), count, "the same queries");
    assert_eq!(warm["queries"], r["queries"]);
    let detection = entries.iter().find(|e| e.path.contains("/label/")).unwrap();
    let first_query = entries
        .iter()
        .filter(|e| e.path.ends_with("/query"))
        .map(|e| e.start)
        .min()
        .unwrap();
    assert!(
        first_query < detection.start + detection.duration,
        "the batch waited for the detection"
    );
    assert_eq!(warm["naming"], r["naming"]);
    assert_eq!(warm["services"].as_array().unwrap().len(), services.len());
    for (a, b) in warm["services"]
        .as_array()
        .unwrap()
        .iter()
        .zip(services.iter())
    {
        assert_eq!(
            (&a["namespace"], &a["state"]),
            (&b["namespace"], &b["state"])
        );
    }

    // A remembered naming that is wrong (an upgrade since): its answers are dropped, the batch
    // is sent again for the detected naming, the numbers are right and the cache is updated.
    let stale = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(stale.path().join("oc-llmd")).unwrap();
    std::fs::write(
        stale.path().join("oc-llmd/naming.json"),
        format!(
            r#"{{"version":1,"entries":[{{"endpoint":"{url}","tenancyNamespace":null,
            "scope":"v1-llmd-plain","naming":"kserve-v0-epp-model","detectedAt":1}}]}}"#
        ),
    )
    .unwrap();
    fx.stack.front.log().clear();
    let out = stats(
        args(&[
            "-n",
            "v1-llmd-plain",
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "--token",
            ADMIN,
            "-v",
        ]),
        vec![(
            "XDG_CACHE_HOME".to_string(),
            stale.path().display().to_string(),
        )],
    )
    .await;
    let changed = json(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("naming changed: kserve-v0-epp-model (remembered) → plain-v1-epp-llmd"),
        "{stderr}"
    );
    assert_eq!(changed["naming"], "plain-v1-epp-llmd");
    let plain = fx
        .variants
        .iter()
        .find(|v| v.namespace == "v1-llmd-plain")
        .unwrap();
    let s = &changed["services"].as_array().unwrap();
    assert_eq!(s.len(), 1, "only the detected naming's services: {s:?}");
    assert_eq!(s[0]["state"], "ok");
    let rps = s[0]["requestsPerSecond"].as_f64().unwrap();
    let want = plain.profile.requests_per_second;
    assert!((rps - want).abs() <= 0.1 * want, "{rps} vs {want}");
    let batches = fx
        .stack
        .front
        .log()
        .entries()
        .iter()
        .filter(|e| e.path.ends_with("/query"))
        .count();
    let detections = changed["queries"].as_u64().unwrap() as usize - batches;
    assert_eq!(detections, 1, "one detection, two batches");
    let updated = std::fs::read_to_string(stale.path().join("oc-llmd/naming.json")).unwrap();
    assert!(
        updated.contains("plain-v1-epp-llmd") && !updated.contains("kserve-v0-epp-model"),
        "{updated}"
    );

    // Table and wide: sections, no colour when piped.
    let out = stats(
        args(&[
            "-n",
            "v1-llmd-kserve",
            "-o",
            "wide",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "--token",
            ADMIN,
        ]),
        vec![],
    )
    .await;
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", text(&out));
    for header in [
        "SERVICE",
        "TTFT P50/P95",
        "POD",
        "SHARE",
        "POOL",
        "SCHED P50/P99",
        "GEN TOK/S",
    ] {
        assert!(shown.contains(header), "{header}: {shown}");
    }
    assert!(!shown.contains('\u{1b}'), "colour when piped: {shown}");
    let yaml = stats(
        args(&[
            "-n",
            "v1-llmd-kserve",
            "-o",
            "yaml",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "--token",
            ADMIN,
        ]),
        vec![],
    )
    .await;
    assert!(String::from_utf8_lossy(&yaml.stdout).contains("kind: StatsReport"));

    // Tokens: the kubeconfig user's token is presented when --token is absent.
    let mut kubeconfig = tempfile::NamedTempFile::new().unwrap();
    write!(
        kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:1\n\
         contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\nusers:\n- name: u\n  user:\n    token: {ADMIN}\n"
    )
    .unwrap();
    fx.tokens.seen.lock().unwrap().clear();
    let out = stats(
        args(&[
            "-n",
            VIEWER_NS,
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "-v",
        ]),
        vec![("KUBECONFIG".into(), kubeconfig.path().display().to_string())],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !text(&out).contains("SECRET"),
        "token leaked: {}",
        text(&out)
    );
    assert!(text(&out).contains("prom /api/v1/query"), "-v logs queries");
    assert!(
        fx.tokens
            .seen
            .lock()
            .unwrap()
            .iter()
            .all(|t| t.as_deref() == Some(ADMIN))
    );

    // 401 → exit 3; 403 cluster-wide → exit 4; unreachable → exit 3. One line + hint each.
    for (extra, code, needle) in [
        (vec!["--token", "sha256~bogus-SECRET"], 3, "401"),
        (vec!["--token", VIEWER, "-A"], 4, "403"),
    ] {
        let mut a = args(&[
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "-v",
        ]);
        a.extend(args(&extra));
        let out = stats(a, vec![]).await;
        let all = text(&out);
        assert_eq!(out.status.code(), Some(code), "{all}");
        let errors: Vec<&str> = all.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "one error line: {all}");
        assert!(errors[0].contains(needle) && all.contains("hint:"), "{all}");
        assert!(!all.contains("SECRET"), "token leaked: {all}");
        assert!(out.stdout.is_empty());
    }
    let out = stats(
        args(&[
            "--prometheus-url",
            "http://127.0.0.1:9",
            "--token",
            ADMIN,
            "-v",
        ]),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].starts_with("error: cannot reach http://127.0.0.1:9"));
    assert!(!text(&out).contains("SECRET"), "token leaked: {stderr}");
    assert!(out.stdout.is_empty());

    // 403 for one namespace: automatic fallback to the tenancy endpoint, explained in -v.
    let tenancy_url = format!("http://{tenancy}");
    let out = stats(
        args(&[
            "-n",
            VIEWER_NS,
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            &url,
            "--token",
            VIEWER,
            "--tenancy-url",
            &tenancy_url,
            "-v",
        ]),
        vec![],
    )
    .await;
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("403") && all.contains("tenancy"), "{all}");
    assert!(!all.contains("SECRET"), "token leaked: {all}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["services"][0]["state"], "ok");
    assert_eq!(r["endpoint"], tenancy_url);

    // An explicit --naming skips detection: one round trip, the same numbers.
    fx.stack.front.log().clear();
    let r = json(
        &stats(
            args(&[
                "-n",
                "v0-llmd-plain",
                "-o",
                "json",
                "--window",
                "8s",
                "--prometheus-url",
                &url,
                "--token",
                ADMIN,
                "--naming",
                "plain-v0-epp-llmd",
            ]),
            vec![],
        )
        .await,
    );
    assert_eq!(r["naming"], "plain-v0-epp-llmd");
    assert_eq!(r["services"][0]["state"], "ok");
    assert!(
        fx.stack
            .front
            .log()
            .entries()
            .iter()
            .all(|e| e.path.ends_with("/query"))
    );
    let bad = stats(
        args(&["--prometheus-url", &url, "--naming", "kserve-v2"]),
        vec![],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));

    // A partial answer from Thanos is passed on as a note, not hidden.
    fx.stack.front.faults().set(Faults {
        partial_response: true,
        ..Default::default()
    });
    let r = json(
        &stats(
            args(&[
                "-n",
                "v1-model-kserve",
                "-o",
                "json",
                "--window",
                "8s",
                "--prometheus-url",
                &url,
                "--token",
                ADMIN,
            ]),
            vec![],
        )
        .await,
    );
    fx.stack.front.faults().clear();
    let notes = r["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("Prometheus answered partially")),
        "{notes:?}"
    );

    // --watch with a remembered naming: the first refresh re-checks it alongside its batch,
    // then refreshes send only the batch until the REDETECT_EVERY-th, which re-checks again.
    watch_rechecks_the_naming_every_few_refreshes(&fx, &url, cache.path()).await;

    eprintln!("stats prometheus test took {:?}", begun.elapsed());
}

async fn watch_rechecks_the_naming_every_few_refreshes(
    fx: &sim::Fixture,
    url: &str,
    cache: &std::path::Path,
) {
    use std::io::Read;
    use std::process::Stdio;
    let every = oc_llmd::commands::stats::REDETECT_EVERY as usize;
    fx.stack.front.log().clear();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-llmd"))
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("XDG_CACHE_HOME", cache)
        .args([
            "stats",
            "-A",
            "-o",
            "json",
            "--window",
            "8s",
            "--prometheus-url",
            url,
            "--token",
            ADMIN,
            "--watch",
            "--refresh",
            "100ms",
            "-v",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut pipe = child.stdout.take().unwrap();
    let sink = stdout.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    // -v prints every query: stderr must be drained while the watch runs.
    let mut err_pipe = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = err_pipe.read_to_string(&mut all);
        all
    });
    // Poll (no fixed sleep) until one refresh past the second check has been printed.
    let wanted = every + 2;
    let deadline = Instant::now() + Duration::from_secs(120);
    while stdout.lock().unwrap().matches("StatsReport").count() < wanted {
        assert!(Instant::now() < deadline, "{wanted} snapshots not printed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    let detections = fx
        .stack
        .front
        .log()
        .entries()
        .iter()
        .filter(|e| e.path.contains("/label/"))
        .count();
    // At most two refreshes after the wanted one were under way when SIGINT came: still fewer
    // than REDETECT_EVERY, so exactly two checks.
    assert_eq!(detections, 2, "{stderr}");
    assert!(stderr.contains("from cache, confirmed"), "{stderr}");
    assert!(stderr.contains("re-checked, unchanged"), "{stderr}");
    assert!(!stderr.contains("SECRET"));
}
