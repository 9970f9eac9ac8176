//! "No panel shows No data", checked end to end: ONE real Prometheus scrapes the simulated vLLM and
//! EPP pods of 19 namespaces — every metric naming variant (vLLM V0, V1 0.9–0.10, V1 ≥ 0.11 × EPP
//! `inference_model_*`, `inference_objective_*`, `llm_d_epp_*` × with and without OpenShift AI's
//! `kserve_` relabelling, each namespace with the KServe monitors of its variant) plus one namespace
//! scraped by BOTH monitor pairs (RHOAI ≥ 3.4: prefixed and unprefixed families side by side).
//!
//! Per namespace: the naming is detected through Prometheus the way `dashboards --naming auto` does
//! it, every dashboard is rendered for it, its template variables are resolved by running their own
//! `label_values` queries (namespace = this one, the others = every value they return, as a
//! multi-value regex), and every panel query must return at least one series with a finite value.
//! The request-rate panels must equal the traffic profile (within 10 %) — in the dual namespace that
//! proves the prefixed family alone is counted, not both (a query over both families gives 2×).
//! Needs `prometheus` on PATH (`scripts/test` installs it).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::stats_cluster::{Tokens, Variant, service_objects};
use futures::StreamExt;
use llmd_sim::config::{SimConfig, TrafficProfile};
use llmd_sim::metrics::{MetricsState, MonitoringStack};
use oc_llmd::dashboards::{RenderedDashboard, render_all};
use oc_llmd::metrics::Naming;
use oc_llmd::prom::{PromClient, PromConfig, QueryData, detect_naming};
use serde_json::{Value, json};

/// `$__rate_interval` for the panel queries: twelve 1 s scrapes, so that late scrapes on a loaded
/// machine (the sample is timestamped at the scrape's start, the simulated counter is read when
/// the pod answers) move a rate by a few per cent at most.
const WINDOW: &str = "12s";
/// The namespace scraped by both the prefixed and the unprefixed KServe monitors.
const DUAL_NS: &str = "dual-v1-objective";

/// Which KServe monitors scrape a namespace.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Monitors {
    /// `kserve-llm-isvc-*`: every series renamed `kserve_<name>`, target label `llm_isvc_name`.
    Prefixed,
    /// `kserve-llm-isvc-*-default`: series as the pods expose them.
    Plain,
    /// Both pairs (RHOAI ≥ 3.4): every target scraped twice, once per family.
    Both,
}

struct Case {
    variant: Variant,
    monitors: Monitors,
    /// The naming detection must find.
    expected: Naming,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut i = 0.0;
    for (vllm, gen_token) in [
        ("vllm-v0", "v0"),
        ("vllm-v1-tpot", "v1tpot"),
        ("vllm-v1", "v1"),
    ] {
        for (epp, era) in [
            ("epp-inference-model", "model"),
            ("epp-inference-objective", "objective"),
            ("epp-llm-d", "llmd"),
        ] {
            for monitors in [Monitors::Prefixed, Monitors::Plain] {
                let prefix = if monitors == Monitors::Prefixed {
                    "kserve"
                } else {
                    "plain"
                };
                let namespace = format!("{gen_token}-{era}-{prefix}");
                out.push(case(&namespace, vllm, epp, monitors, 2.0 + 0.25 * i));
                let expected = format!("{prefix}-{gen_token}-epp-{era}");
                out.last_mut().unwrap().expected = expected.parse().unwrap();
                i += 1.0;
            }
        }
    }
    let mut dual = case(
        DUAL_NS,
        "vllm-v1",
        "epp-inference-objective",
        Monitors::Both,
        3.0,
    );
    dual.expected = "kserve-v1-epp-objective".parse().unwrap();
    out.push(dual);
    out
}

fn case(namespace: &str, vllm: &'static str, epp: &'static str, m: Monitors, rps: f64) -> Case {
    let split: BTreeMap<String, f64> = [
        ("svc-kserve-a".to_string(), 0.6),
        ("svc-kserve-b".to_string(), 0.4),
    ]
    .into_iter()
    .collect();
    Case {
        variant: Variant {
            namespace: namespace.to_string(),
            vllm,
            epp,
            kserve: m != Monitors::Plain,
            profile: TrafficProfile {
                llm_inference_service: format!("{namespace}/svc"),
                requests_per_second: rps,
                error_ratio: 0.02,
                preemptions_per_second: 0.1,
                waiting_per_pod: 1.0,
                split,
                ..Default::default()
            },
        },
        monitors: m,
        expected: Naming::default(),
    }
}

/// KServe's monitor pair for a namespace (kserve/kserve pkg/controller/v1alpha2/llmisvc/monitoring.go):
/// both pairs add the `llm_isvc_name`/`llm_isvc_component` target labels on vLLM and EPP targets
/// alike; the prefixed pair also renames every series `kserve_<name>`, the `-default` pair keeps the
/// names. (With the same target labels on both families, even a selection of concrete variable
/// values would match both — only choosing one family avoids double counting.)
fn monitors(ns: &str, prefixed: bool) -> Vec<Value> {
    let relabelings = json!([
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
         "action": "replace", "targetLabel": "llm_isvc_name"},
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
         "action": "replace", "regex": "llminferenceservice-(.*)", "replacement": "$1",
         "targetLabel": "llm_isvc_component"}]);
    let (suffix, metric_relabelings) = if prefixed {
        (
            "",
            json!([{"sourceLabels": ["__name__"], "action": "replace", "replacement": "kserve_$1",
                    "targetLabel": "__name__"}]),
        )
    } else {
        ("-default", json!([]))
    };
    vec![
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
            "metadata": {"name": format!("kserve-llm-isvc-vllm-engine{suffix}"), "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/part-of": "llminferenceservice"},
                "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In",
                    "values": ["llminferenceservice-workload"]}]},
                "podMetricsEndpoints": [{"targetPort": 8000, "scheme": "https",
                    "metricRelabelings": metric_relabelings, "relabelings": relabelings}]}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": format!("kserve-llm-isvc-scheduler{suffix}"), "namespace": ns},
            "spec": {"selector": {"matchLabels": {
                    "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
                    "app.kubernetes.io/part-of": "llminferenceservice"}},
                "endpoints": [{"port": "metrics", "metricRelabelings": metric_relabelings,
                    "relabelings": relabelings}]}}),
    ]
}

fn objects(cases: &[Case]) -> Vec<Value> {
    let mut o = vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-monitoring-config", "namespace": "openshift-monitoring"},
        "data": {"config.yaml": "enableUserWorkload: true\n"}})];
    for (i, c) in cases.iter().enumerate() {
        let ns = &c.variant.namespace;
        o.extend(service_objects(&c.variant, i));
        match c.monitors {
            Monitors::Prefixed => o.extend(monitors(ns, true)),
            Monitors::Plain => o.extend(monitors(ns, false)),
            Monitors::Both => {
                o.extend(monitors(ns, true));
                o.extend(monitors(ns, false));
            }
        }
    }
    o
}

/// Distinct `up` series: two vLLM pods per PodMonitor (its job is `<ns>/<monitor>`), one EPP per
/// namespace — both ServiceMonitors of the dual namespace give their target the same labels (job =
/// the Service name), so its two `up` series are one.
fn target_count(cases: &[Case]) -> usize {
    cases
        .iter()
        .map(|c| if c.monitors == Monitors::Both { 5 } else { 3 })
        .sum()
}

/// A Grafana multi-value selection as the regex Grafana sends to Prometheus: values regex-escaped
/// (inside a PromQL string, so the escaping backslash is doubled), several as `(a|b)`.
fn regex_of(values: &[String]) -> String {
    let escaped: Vec<String> = values
        .iter()
        .map(|v| {
            v.chars()
                .map(|c| {
                    if "\\.+*?()|[]{}^$".contains(c) {
                        format!("\\\\{c}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    match escaped.as_slice() {
        [one] => one.clone(),
        many => format!("({})", many.join("|")),
    }
}

/// Replace `$__rate_interval` and the template variables chosen so far.
fn expand(expr: &str, vars: &[(String, String)]) -> String {
    let mut out = expr.replace("$__rate_interval", WINDOW);
    for (name, value) in vars {
        out = out.replace(&format!("${name}"), value);
    }
    out
}

/// Resolve a dashboard's template variables against Prometheus, in order, each with its own
/// `label_values(selector, label)` query: `namespace` is set to the case's namespace (which must be
/// among the values), every later variable to all the values it offers (none is an error).
async fn resolve_variables(
    client: &PromClient,
    d: &RenderedDashboard,
    namespace: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    for v in d.json["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = v["name"].as_str().unwrap_or_default().to_string();
        let query = v["query"]["query"].as_str().unwrap_or_default();
        let (selector, label) = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .and_then(|q| q.rsplit_once(','))
            .ok_or_else(|| format!("variable {name}: not label_values(…): {query}"))?;
        let selector = expand(selector.trim(), &vars);
        let values = client
            .label_values(label.trim(), std::slice::from_ref(&selector))
            .await
            .map_err(|e| format!("variable {name}: {selector}: {}", e.message))?
            .data;
        let chosen = if name == "namespace" {
            if !values.iter().any(|v| v == namespace) {
                return Err(format!(
                    "variable namespace does not offer {namespace}: {values:?}"
                ));
            }
            vec![namespace.to_string()]
        } else {
            values
        };
        if chosen.is_empty() {
            return Err(format!(
                "variable {name} has no values ({selector}, {label})"
            ));
        }
        vars.push((name, regex_of(&chosen)));
    }
    Ok(vars)
}

/// The finite sample values of an instant answer.
fn values(data: &QueryData) -> Vec<f64> {
    match data {
        QueryData::Vector(v) => v
            .iter()
            .map(|s| s.value)
            .filter(|x| x.is_finite())
            .collect(),
        QueryData::Scalar { value, .. } if value.is_finite() => vec![*value],
        _ => vec![],
    }
}

/// One rendered panel query, expanded and answered.
struct Answered {
    dashboard: String,
    title: String,
    expr: String,
    values: Vec<f64>,
}

/// Panels whose values must sum to the profile's request rate.
const RATE_PANELS: &[(&str, &str)] = &[
    ("oc-llmd-overview", "Requests per second"),
    ("oc-llmd-overview", "Requests per second by service"),
    ("oc-llmd-epp", "Requests per second"),
];
/// Marks the answers of [`RATE_PANELS`] run with Grafana's "All" (`.*`) for `llmisvc` and `pod`.
const ALL_SUFFIX: &str = " (All)";

/// Detect, render, resolve and run every panel query of one namespace; problems as text. The
/// request-rate panels run a second time with the dashboard defaults (`llmisvc` and `pod` = All,
/// sent as `.*`).
async fn check_case(client: &PromClient, c: &Case) -> (Vec<Answered>, Vec<String>) {
    let ns = &c.variant.namespace;
    let mut problems = Vec::new();
    let detected = match detect_naming(client, Some(ns)).await {
        Ok(Some(d)) => d.naming,
        other => return (vec![], vec![format!("{ns}: detection failed: {other:?}")]),
    };
    if detected != c.expected {
        problems.push(format!(
            "{ns}: detected {detected}, expected {}",
            c.expected
        ));
    }
    let mut answered = Vec::new();
    for d in render_all(&detected, "prometheus") {
        let vars = match resolve_variables(client, &d, ns).await {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{ns} / {}: {e}", d.uid));
                continue;
            }
        };
        let defaults: Vec<(String, String)> = vars
            .iter()
            .map(|(name, value)| {
                let value = if name == "namespace" { value } else { ".*" };
                (name.clone(), value.to_string())
            })
            .collect();
        let mut runs: Vec<(String, String)> = Vec::new();
        for (title, expr) in d.panel_queries() {
            if RATE_PANELS.contains(&(d.uid.as_str(), title.as_str())) {
                runs.push((format!("{title}{ALL_SUFFIX}"), expand(&expr, &defaults)));
            }
            runs.push((title, expand(&expr, &vars)));
        }
        for (title, expr) in runs {
            match client.query(&expr, None).await {
                Ok(answer) => {
                    let values = values(&answer.data);
                    if values.is_empty() {
                        problems.push(format!(
                            "{ns} ({detected}) / {} / {title}: No data\n    {expr}",
                            d.uid
                        ));
                    }
                    answered.push(Answered {
                        dashboard: d.uid.clone(),
                        title,
                        expr,
                        values,
                    });
                }
                Err(e) => problems.push(format!(
                    "{ns} / {} / {title}: {}\n    {expr}",
                    d.uid, e.message
                )),
            }
        }
    }
    (answered, problems)
}

fn within_10_percent(got: f64, truth: f64) -> bool {
    (got - truth).abs() <= 0.1 * truth
}

/// The request-rate panels equal the profile: vLLM finished requests and EPP incoming requests.
fn check_request_rates(c: &Case, answered: &[Answered]) -> Vec<String> {
    let ns = &c.variant.namespace;
    let truth = c.variant.profile.requests_per_second;
    let mut problems = Vec::new();
    let both_selections = RATE_PANELS
        .iter()
        .flat_map(|(d, t)| [(*d, t.to_string()), (*d, format!("{t}{ALL_SUFFIX}"))]);
    for (dashboard, title) in both_selections {
        let Some(a) = answered
            .iter()
            .find(|a| a.dashboard == dashboard && a.title == title)
        else {
            problems.push(format!("{ns}: panel {dashboard} / {title} not rendered"));
            continue;
        };
        let sum: f64 = a.values.iter().sum();
        if !within_10_percent(sum, truth) {
            problems.push(format!(
                "{ns}: {dashboard} / {title} sums to {sum:.3} req/s, the profile sends {truth}\n    {}",
                a.expr
            ));
        }
    }
    if let Some(a) = answered
        .iter()
        .find(|a| a.dashboard == "oc-llmd-overview" && a.title == "Model-server pods reporting")
        && a.values != [2.0]
    {
        problems.push(format!("{ns}: pods reporting {:?}, expected [2]", a.values));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_of_every_naming_shows_data_on_a_scraping_prometheus() {
    let begun = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cases = cases();
    let config = SimConfig {
        traffic: cases.iter().map(|c| c.variant.profile.clone()).collect(),
        ..Default::default()
    };
    let source = Arc::new(objects(&cases));
    let state = MetricsState::new(Arc::new(move || source.clone()), config, Instant::now());
    let stack = MonitoringStack::start(state, Arc::new(Tokens::default()))
        .await
        .expect("prometheus must be installed (apt-get install prometheus)");
    // Every target scraped since before the rate window began: `rate()` divides by the window, so
    // a window only partly covered by samples would under-report every rate.
    let targets = target_count(&cases);
    let ready = format!("count(up offset {WINDOW}) >= {targets}");
    if let Err(e) = stack
        .prometheus
        .wait_for_series(&ready, Duration::from_secs(40))
        .await
    {
        let up = stack
            .prometheus
            .query("count by (job) (up == 1)")
            .await
            .map(|v| v.to_string())
            .unwrap_or_default();
        panic!("targets not scraped: {e}\nup now: {up}");
    }
    let mut config = PromConfig::new(stack.prometheus.url());
    config.timeout = Duration::from_secs(20);
    let client = PromClient::new(config).unwrap();
    // Scrapes during start-up are late (a loaded machine, Prometheus and 60 targets starting), which
    // skews the first windows' slopes: wait until the window's total request rate over every
    // namespace (both families: the dual namespace counts twice) matches the profiles within 3 %.
    let total: f64 = cases
        .iter()
        .map(|c| {
            let f = if c.monitors == Monitors::Both {
                2.0
            } else {
                1.0
            };
            f * c.variant.profile.requests_per_second
        })
        .sum();
    let all =
        format!("sum(rate({{__name__=~\"(kserve_)?vllm:request_success_total\"}}[{WINDOW}]))");
    let steady_by = Instant::now() + Duration::from_secs(30);
    loop {
        let seen: f64 = values(&client.query(&all, None).await.unwrap().data)
            .iter()
            .sum();
        if (seen - total).abs() <= 0.03 * total {
            break;
        }
        assert!(
            Instant::now() < steady_by,
            "request rate over all namespaces never reached the profiles' {total} (last {seen})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let scraped = begun.elapsed();
    let results: Vec<(usize, Vec<Answered>, Vec<String>)> = futures::stream::iter(cases.iter())
        .enumerate()
        .map(|(i, c)| {
            let client = &client;
            async move {
                let (answered, problems) = check_case(client, c).await;
                (i, answered, problems)
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;

    let mut problems = Vec::new();
    let mut queries = 0;
    for (i, answered, mut p) in results {
        queries += answered
            .iter()
            .filter(|a| !a.title.ends_with(ALL_SUFFIX))
            .count();
        p.extend(check_request_rates(&cases[i], &answered));
        problems.extend(p);
    }

    // The dual namespace really holds both families: a query over both counts every request twice.
    let both = format!(
        "sum(rate({{__name__=~\"(kserve_)?vllm:request_success_total\", namespace=\"{DUAL_NS}\"}}[{WINDOW}]))"
    );
    let doubled: f64 = values(&client.query(&both, None).await.unwrap().data)
        .iter()
        .sum();
    let truth = cases
        .iter()
        .find(|c| c.variant.namespace == DUAL_NS)
        .unwrap()
        .variant
        .profile
        .requests_per_second;
    if !within_10_percent(doubled, 2.0 * truth) {
        problems.push(format!(
            "{DUAL_NS} should expose both families: {doubled} req/s over both vs 2 × {truth}"
        ));
    }

    eprintln!(
        "{} namespaces, {queries} panel queries; scraped after {scraped:?}, total {:?}",
        cases.len(),
        begun.elapsed()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let expected: usize = cases
        .iter()
        .flat_map(|c| render_all(&c.expected, "prometheus"))
        .map(|d| d.panel_queries().len())
        .sum();
    assert_eq!(queries, expected, "some panel queries did not run");
}
