//! Every panel query, executed by a real Prometheus (2.x, `prometheus` + `promtool` on PATH) over
//! 15 minutes of history built from the sample expositions, for three namings side by side (one
//! namespace each). Catches what a parser cannot: vector-matching errors, wrong label names, empty
//! core panels. Uses our own Prometheus client, so it also exercises it against the real API.
//! Skipped (with a note on stderr) when Prometheus is not installed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oc_llmd::dashboards::render_all;
use oc_llmd::metrics::Naming;
use oc_llmd::prom::{PromClient, PromConfig, QueryData};

const T0: i64 = 1_700_000_000;
const STEPS: i64 = 60;
const STEP: i64 = 15;

/// A dataset: which naming, which namespace, which prefix and which sample files.
struct Dataset {
    naming: &'static str,
    namespace: &'static str,
    prefix: &'static str,
    files: &'static [&'static str],
}

const DATASETS: &[Dataset] = &[
    Dataset {
        naming: "plain-v1-epp-objective",
        namespace: "ns-v1",
        prefix: "",
        files: &["vllm-v1.prom", "epp.prom"],
    },
    Dataset {
        naming: "kserve-v1-epp-llmd",
        namespace: "ns-kserve",
        prefix: "kserve_",
        files: &["vllm-v1.prom", "epp-llm-d-router.prom"],
    },
    Dataset {
        naming: "plain-v0-epp-objective",
        namespace: "ns-v0",
        prefix: "",
        files: &["vllm-v0-legacy.prom", "epp.prom"],
    },
];

/// Panels that must show data whenever the sample holds their series.
const CORE: &[(&str, &str)] = &[
    ("oc-llmd-vllm", "Time to first token"),
    ("oc-llmd-vllm", "Inter-token latency"),
    ("oc-llmd-vllm", "Token throughput"),
    ("oc-llmd-vllm", "Requests by finish reason"),
    ("oc-llmd-vllm", "KV cache usage per pod"),
    ("oc-llmd-vllm", "Prefix cache hit rate"),
    ("oc-llmd-vllm", "Traffic share per pod"),
    ("oc-llmd-vllm", "Running and waiting requests"),
    ("oc-llmd-epp", "Ready model-server pods"),
    ("oc-llmd-epp", "Requests per second"),
    ("oc-llmd-epp", "Request latency (gateway)"),
    ("oc-llmd-epp", "Traffic share per pod (scheduler)"),
    ("oc-llmd-overview", "Requests per second"),
    ("oc-llmd-overview", "TTFT p95"),
    ("oc-llmd-overview", "Model-server pods reporting"),
];

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// OpenMetrics text: every sample series of every dataset, twice (pods p1/p2), over STEPS points;
/// monotonic series (`_total`, `_bucket`, `_sum`, `_count`) grow linearly, gauges stay put.
fn openmetrics() -> String {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dashboards");
    let mut families: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for ds in DATASETS {
        for file in ds.files {
            let text = std::fs::read_to_string(fixtures.join(file)).unwrap();
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                let (series, value) = line.rsplit_once(' ').unwrap();
                let (name, labels) = match series.split_once('{') {
                    Some((n, rest)) => (n, rest.trim_end_matches('}').trim_end_matches(',')),
                    None => (series, ""),
                };
                if name.ends_with("_created") {
                    continue;
                }
                let value: f64 = match value {
                    "+Inf" | "-Inf" | "NaN" => 0.0,
                    v => v.parse().unwrap(),
                };
                // As a scrape does (honor_labels: false): a label clashing with a target label
                // is kept as `exported_<name>`, then the target labels are attached.
                let mut own = labels.to_string();
                for k in ["namespace", "pod"] {
                    if own.starts_with(&format!("{k}=\"")) {
                        own = format!("exported_{own}");
                    }
                    own = own.replace(&format!(",{k}=\""), &format!(",exported_{k}=\""));
                }
                for pod in ["p1", "p2"] {
                    let mut all: Vec<String> = if own.is_empty() {
                        vec![]
                    } else {
                        vec![own.clone()]
                    };
                    for (k, v) in [
                        ("namespace", ds.namespace),
                        ("pod", pod),
                        ("llm_isvc_name", "svc"),
                    ] {
                        all.push(format!("{k}=\"{v}\""));
                    }
                    let key = format!("{}{name}", ds.prefix);
                    families
                        .entry(key)
                        .or_default()
                        .push((all.join(","), value));
                }
            }
        }
    }
    let mut out = String::new();
    for (name, series) in &families {
        let monotonic = ["_total", "_bucket", "_sum", "_count"]
            .iter()
            .any(|s| name.ends_with(s));
        let mut seen = std::collections::HashSet::new();
        for (labels, value) in series {
            if !seen.insert(labels.clone()) {
                continue;
            }
            for i in 0..STEPS {
                let v = if monotonic {
                    value * (0.5 + 0.5 * i as f64 / STEPS as f64)
                } else {
                    *value
                };
                out.push_str(&format!("{name}{{{labels}}} {v} {}\n", T0 + i * STEP));
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// The Prometheus child, killed on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_prometheus(dir: &Path) -> (Server, String) {
    let om = dir.join("data.om");
    std::fs::write(&om, openmetrics()).unwrap();
    let data = dir.join("tsdb");
    let status = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "promtool failed");
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=100y")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Server(child), format!("http://127.0.0.1:{port}"))
}

/// Replace Grafana variables: the dataset's namespace, `.*` elsewhere, a 2m window.
fn expand(expr: &str, namespace: &str) -> String {
    expr.replace("$__rate_interval", "2m")
        .replace("$namespace", namespace)
        .replace("$llmisvc", ".*")
        .replace("$pod", ".*")
}

fn has_data(data: &QueryData) -> bool {
    match data {
        QueryData::Vector(v) => v.iter().any(|s| !s.value.is_nan()),
        QueryData::Matrix(m) => !m.is_empty(),
        QueryData::Scalar { value, .. } => !value.is_nan(),
        QueryData::String { .. } => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_query_runs_on_prometheus() {
    assert!(
        on_path("prometheus") && on_path("promtool"),
        "prometheus/promtool are required (apt-get install prometheus; scripts/test installs it)"
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = start_prometheus(dir.path());
    let mut config = PromConfig::new(url.clone());
    config.timeout = Duration::from_secs(10);
    let client = PromClient::new(config).unwrap();
    let started = Instant::now();
    while client.query("1", None).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Prometheus at {url} did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let at = (T0 + (STEPS - 1) * STEP) as f64;
    let mut executed = 0;
    for ds in DATASETS {
        let naming: Naming = ds.naming.parse().unwrap();
        for d in render_all(&naming, "ds") {
            for (title, expr) in d.panel_queries() {
                let q = expand(&expr, ds.namespace);
                let answer = client.query(&q, Some(at)).await.unwrap_or_else(|e| {
                    panic!("{} / {} / {title}: {}\n{q}", ds.naming, d.uid, e.message)
                });
                executed += 1;
                if CORE.contains(&(d.uid.as_str(), title.as_str())) {
                    assert!(
                        has_data(&answer.data),
                        "{} / {} / {title}: no data\n{q}",
                        ds.naming,
                        d.uid
                    );
                }
            }
        }
    }
    assert!(executed > 250, "only {executed} queries executed");
    assert_eq!(client.queries_issued() as usize, client.query_log().len());
}
