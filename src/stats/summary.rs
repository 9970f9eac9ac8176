//! From query answers to a [`StatsReport`] (pure): services, pods and pools, with the empty states
//! explained. The same function summarises Prometheus answers and locally computed scrape deltas
//! (`--source pods`), because both arrive as [`Answers`] keyed by [`Stat`].

use std::collections::{BTreeMap, BTreeSet};

use super::queries::{JOB_LABEL, Stat, error_code_label};
use super::report::{
    PodStats, PoolStats, Quantiles2, Quantiles3, REPORT_VERSION, SchedulingLatency, ServiceState,
    ServiceStats, ShareSource, Source, StatsReport,
};
use crate::metrics::naming::{MODEL_NAME_LABEL, NAMESPACE_LABEL, POD_LABEL, POOL_LABEL};
use crate::metrics::{Concept, Naming, Prefix};
use crate::prom::Sample;

/// Every answer of the batch, by statistic.
pub type Answers = BTreeMap<Stat, Vec<Sample>>;

/// A service the cluster has (from the API), so "no metrics at all" can be told apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownService {
    pub namespace: String,
    pub name: String,
    /// `spec.model.name`, when set.
    pub model: Option<String>,
}

/// Everything the summary needs besides the answers.
#[derive(Debug, Clone)]
pub struct Context {
    pub naming: Naming,
    /// The label naming the service on vLLM answers: normally [`Naming::service_label`]; pod
    /// scrapes label their answers with the LLMInferenceService name from the pod's labels.
    pub service_label: &'static str,
    pub source: Source,
    pub endpoint: String,
    pub window: String,
    pub window_seconds: f64,
    pub queries: u64,
    /// Services listed from the cluster; `None` when working from metrics alone.
    pub known: Option<Vec<KnownService>>,
    pub notes: Vec<String>,
}

/// Lookups over the answers.
struct View<'a> {
    answers: &'a Answers,
}

impl View<'_> {
    fn samples(&self, stat: Stat) -> &[Sample] {
        self.answers.get(&stat).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The value of the sample whose labels include all of `want` (finite values only).
    fn value(&self, stat: Stat, want: &[(&str, &str)]) -> Option<f64> {
        self.samples(stat)
            .iter()
            .find(|s| {
                want.iter()
                    .all(|(k, v)| s.metric.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .filter(|v| v.is_finite())
    }

    /// Values of one label over a stat's samples that match `want`.
    fn keys(&self, stat: Stat, label: &str, want: &[(&str, &str)]) -> BTreeSet<String> {
        self.samples(stat)
            .iter()
            .filter(|s| {
                want.iter()
                    .all(|(k, v)| s.metric.get(*k).map(String::as_str) == Some(*v))
            })
            .filter_map(|s| s.metric.get(label).cloned())
            .collect()
    }

    /// (namespace, a) pairs over a stat.
    fn pairs(&self, stat: Stat, a: &str) -> BTreeSet<(String, String)> {
        self.samples(stat)
            .iter()
            .filter_map(|s| {
                Some((
                    s.metric.get(NAMESPACE_LABEL)?.clone(),
                    s.metric.get(a)?.clone(),
                ))
            })
            .collect()
    }
}

fn percent(v: Option<f64>) -> Option<f64> {
    v.map(|x| x * 100.0)
}

/// Build the report (pure).
pub fn summarize(ctx: &Context, answers: &Answers) -> StatsReport {
    let view = View { answers };
    let naming = &ctx.naming;
    let svc_label = ctx.service_label;

    // Which services exist in the metrics.
    let mut present: BTreeSet<(String, String)> = BTreeSet::new();
    for stat in [Stat::SvcRunning, Stat::SvcRequests, Stat::SvcModels] {
        present.extend(view.pairs(stat, svc_label));
    }
    let model_of = |ns: &str, name: &str| -> Option<String> {
        if svc_label == MODEL_NAME_LABEL {
            return Some(name.to_string());
        }
        view.keys(
            Stat::SvcModels,
            MODEL_NAME_LABEL,
            &[(NAMESPACE_LABEL, ns), (svc_label, name)],
        )
        .into_iter()
        .next()
    };
    let other_label = match naming.prefix {
        Prefix::Kserve => MODEL_NAME_LABEL,
        Prefix::None => crate::metrics::naming::LLM_ISVC_NAME_LABEL,
    };
    let other: BTreeSet<(String, String)> = view.pairs(Stat::SvcOtherPrefix, other_label);
    let other_series = Naming {
        prefix: match naming.prefix {
            Prefix::None => Prefix::Kserve,
            Prefix::Kserve => Prefix::None,
        },
        ..*naming
    }
    .series(Concept::VllmRunning)
    .unwrap_or_default();
    let our_series = naming.series(Concept::VllmRunning).unwrap_or_default();

    // The key a known service has in the series, and its other-prefix key.
    let series_key = |k: &KnownService| -> String {
        if svc_label == MODEL_NAME_LABEL {
            k.model.clone().unwrap_or_else(|| k.name.clone())
        } else {
            k.name.clone()
        }
    };
    let other_key = |k: &KnownService| -> String {
        match naming.prefix {
            Prefix::Kserve => k.model.clone().unwrap_or_else(|| k.name.clone()),
            Prefix::None => k.name.clone(),
        }
    };

    let mut services: Vec<ServiceStats> = Vec::new();
    let mut covered_other: BTreeSet<(String, String)> = BTreeSet::new();
    for (ns, name) in &present {
        let model = model_of(ns, name);
        if let Some(m) = &model {
            covered_other.insert((ns.clone(), m.clone()));
        }
        covered_other.insert((ns.clone(), name.clone()));
        services.push(service_stats(&view, ctx, ns, name, model));
    }
    if let Some(known) = &ctx.known {
        for k in known {
            let key = series_key(k);
            if present.contains(&(k.namespace.clone(), key)) {
                continue;
            }
            let okey = (k.namespace.clone(), other_key(k));
            let (state, message) = if other.contains(&okey) {
                covered_other.insert(okey);
                (
                    ServiceState::WrongPrefix,
                    wrong_prefix_message(&other_series, &our_series, &k.namespace),
                )
            } else {
                (
                    ServiceState::NoMetrics,
                    "no metrics for this service — run oc llmd doctor".to_string(),
                )
            };
            services.push(ServiceStats {
                namespace: k.namespace.clone(),
                name: k.name.clone(),
                model: k.model.clone(),
                state,
                message: Some(message),
                ..Default::default()
            });
        }
    }
    for (ns, key) in other.difference(&covered_other) {
        services.push(ServiceStats {
            namespace: ns.clone(),
            name: key.clone(),
            model: (other_label == MODEL_NAME_LABEL).then(|| key.clone()),
            state: ServiceState::WrongPrefix,
            message: Some(wrong_prefix_message(&other_series, &our_series, ns)),
            ..Default::default()
        });
    }
    services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));

    let pods = pod_stats(&view, svc_label);
    let pools = pool_stats(&view, &pods);
    StatsReport {
        kind: "StatsReport",
        version: REPORT_VERSION,
        source: ctx.source,
        endpoint: ctx.endpoint.clone(),
        naming: naming.to_string(),
        window: ctx.window.clone(),
        window_seconds: ctx.window_seconds,
        queries: ctx.queries,
        services,
        pods,
        pools,
        notes: ctx.notes.clone(),
    }
}

fn wrong_prefix_message(found: &str, expected: &str, ns: &str) -> String {
    format!(
        "its metrics exist only as `{found}` while this report queries `{expected}`; \
         run `oc llmd stats -n {ns}` to detect the naming in its namespace, and `oc llmd doctor` \
         to see which monitors scrape it"
    )
}

fn service_stats(
    view: &View,
    ctx: &Context,
    ns: &str,
    name: &str,
    model: Option<String>,
) -> ServiceStats {
    let key = [(NAMESPACE_LABEL, ns), (ctx.service_label, name)];
    let v = |s: Stat| view.value(s, &key);
    let requests = v(Stat::SvcRequests);
    let errors = v(Stat::SvcErrors);
    let error_percent = match requests {
        Some(r) if r > 0.0 => Some(errors.unwrap_or(0.0) / r * 100.0),
        _ => None,
    };
    let idle = requests.is_none_or(|r| r <= 0.0);
    let (state, message) = if idle {
        (
            ServiceState::NoTraffic,
            Some(format!("no traffic in the last {}", ctx.window)),
        )
    } else {
        (ServiceState::Ok, None)
    };
    ServiceStats {
        namespace: ns.to_string(),
        name: name.to_string(),
        model,
        state,
        message,
        requests_per_second: requests,
        error_percent,
        ttft: Quantiles3 {
            p50: v(Stat::SvcTtft(50)),
            p95: v(Stat::SvcTtft(95)),
            p99: v(Stat::SvcTtft(99)),
        },
        itl: Quantiles2 {
            p50: v(Stat::SvcItl(50)),
            p95: v(Stat::SvcItl(95)),
        },
        e2e: Quantiles3 {
            p50: v(Stat::SvcE2e(50)),
            p95: v(Stat::SvcE2e(95)),
            p99: v(Stat::SvcE2e(99)),
        },
        prompt_tokens_per_second: v(Stat::SvcPromptTokens),
        generation_tokens_per_second: v(Stat::SvcGenerationTokens),
        running: v(Stat::SvcRunning),
        waiting: v(Stat::SvcWaiting),
        kv_cache_percent: percent(v(Stat::SvcKvCache)),
        prefix_hit_percent: percent(v(Stat::SvcPrefixHit)),
        preemptions_per_second: v(Stat::SvcPreemptions),
    }
}

fn pod_stats(view: &View, svc_label: &str) -> Vec<PodStats> {
    let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
    for stat in [Stat::PodRunning, Stat::PodRequests] {
        for s in view.samples(stat) {
            let m = &s.metric;
            if let (Some(ns), Some(svc), Some(pod)) =
                (m.get(NAMESPACE_LABEL), m.get(svc_label), m.get(POD_LABEL))
            {
                keys.insert((ns.clone(), svc.clone(), pod.clone()));
            }
        }
    }
    // PodEppShare is grouped by namespace and the era's backend label (`pod_name`,
    // `endpoint_name`), so the other label names the pod whatever the era.
    let epp_rate = |ns: &str, pod: &str| -> Option<f64> {
        view.samples(Stat::PodEppShare)
            .iter()
            .find(|s| {
                s.metric.get(NAMESPACE_LABEL).map(String::as_str) == Some(ns)
                    && s.metric
                        .iter()
                        .any(|(k, v)| k != NAMESPACE_LABEL && v == pod)
            })
            .map(|s| s.value)
            .filter(|v| v.is_finite())
    };
    let mut out = Vec::new();
    for (ns, svc, pod) in &keys {
        let key = [
            (NAMESPACE_LABEL, ns.as_str()),
            (svc_label, svc.as_str()),
            (POD_LABEL, pod.as_str()),
        ];
        let v = |s: Stat| view.value(s, &key);
        // Shares within the service: the EPP's routing split when it reports one, else vLLM's.
        let siblings: Vec<&String> = keys
            .iter()
            .filter(|(n, s, _)| n == ns && s == svc)
            .map(|(_, _, p)| p)
            .collect();
        let epp_total: f64 = siblings.iter().filter_map(|p| epp_rate(ns, p)).sum();
        let vllm_total: f64 = siblings
            .iter()
            .filter_map(|p| {
                view.value(
                    Stat::PodRequests,
                    &[(NAMESPACE_LABEL, ns), (svc_label, svc), (POD_LABEL, p)],
                )
            })
            .sum();
        let requests = v(Stat::PodRequests);
        let (share, source) = if epp_total > 0.0 {
            (
                Some(epp_rate(ns, pod).unwrap_or(0.0) / epp_total * 100.0),
                Some(ShareSource::Epp),
            )
        } else if vllm_total > 0.0 {
            (
                Some(requests.unwrap_or(0.0) / vllm_total * 100.0),
                Some(ShareSource::Vllm),
            )
        } else {
            (None, None)
        };
        out.push(PodStats {
            namespace: ns.clone(),
            service: svc.clone(),
            name: pod.clone(),
            share_percent: share,
            share_source: source,
            requests_per_second: requests,
            running: v(Stat::PodRunning),
            waiting: v(Stat::PodWaiting),
            kv_cache_percent: percent(v(Stat::PodKvCache)),
            prefix_hit_percent: percent(v(Stat::PodPrefixHit)),
        });
    }
    out
}

fn pool_stats(view: &View, pods: &[PodStats]) -> Vec<PoolStats> {
    let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
    for stat in [Stat::PoolReady, Stat::PoolKvCache, Stat::PoolQueue] {
        for s in view.samples(stat) {
            let m = &s.metric;
            if let (Some(ns), Some(pool)) = (m.get(NAMESPACE_LABEL), m.get(POOL_LABEL)) {
                let job = m.get(JOB_LABEL).cloned().unwrap_or_default();
                keys.insert((ns.clone(), pool.clone(), job));
            }
        }
    }
    let code_label = error_code_label();
    let mut out = Vec::new();
    for (ns, pool, job) in keys {
        let by_pool = [
            (NAMESPACE_LABEL, ns.as_str()),
            (POOL_LABEL, pool.as_str()),
            (JOB_LABEL, job.as_str()),
        ];
        let by_job = [(NAMESPACE_LABEL, ns.as_str()), (JOB_LABEL, job.as_str())];
        // The service whose vLLM pods this pool holds.
        let service = view
            .samples(Stat::PoolBackends)
            .iter()
            .filter(|s| {
                by_pool
                    .iter()
                    .all(|(k, v)| s.metric.get(*k).map(String::as_str) == Some(*v))
            })
            .flat_map(|s| s.metric.values())
            .find_map(|backend| {
                pods.iter()
                    .find(|p| p.namespace == ns && &p.name == backend)
                    .map(|p| p.service.clone())
            });
        let mut errors_by_code = BTreeMap::new();
        for s in view.samples(Stat::PoolErrors) {
            let matches = by_job
                .iter()
                .all(|(k, v)| s.metric.get(*k).map(String::as_str) == Some(*v));
            if matches
                && s.value.is_finite()
                && let Some(code) = s.metric.get(code_label)
            {
                *errors_by_code.entry(code.clone()).or_insert(0.0) += s.value;
            }
        }
        out.push(PoolStats {
            ready_pods: view.value(Stat::PoolReady, &by_pool),
            avg_kv_cache_percent: percent(view.value(Stat::PoolKvCache, &by_pool)),
            avg_queue: view.value(Stat::PoolQueue, &by_pool),
            requests_per_second: view.value(Stat::PoolRequests, &by_job),
            scheduling_latency: SchedulingLatency {
                p50: view.value(Stat::PoolSchedulingLatency(50), &by_job),
                p99: view.value(Stat::PoolSchedulingLatency(99), &by_job),
            },
            scheduling_failures_per_second: view.value(Stat::PoolSchedulingFailures, &by_job),
            errors_by_code,
            namespace: ns,
            name: pool,
            service,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::Labels;

    fn s(labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            metric: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Labels>(),
            timestamp: 0.0,
            value,
        }
    }

    fn ctx(naming: &str, known: Option<Vec<KnownService>>) -> Context {
        let naming: Naming = naming.parse().unwrap();
        Context {
            naming,
            service_label: naming.service_label(),
            source: Source::Prometheus,
            endpoint: "http://thanos".into(),
            window: "5m".into(),
            window_seconds: 300.0,
            queries: 30,
            known,
            notes: vec![],
        }
    }

    fn known(ns: &str, name: &str, model: &str) -> KnownService {
        KnownService {
            namespace: ns.into(),
            name: name.into(),
            model: Some(model.into()),
        }
    }

    #[test]
    fn states_ok_idle_missing_and_wrong_prefix() {
        fn svc<'a>(ns: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
            vec![("namespace", ns), ("llm_isvc_name", name)]
        }
        let mut a = Answers::new();
        a.insert(
            Stat::SvcRunning,
            vec![s(&svc("a", "busy"), 3.0), s(&svc("a", "idle"), 0.0)],
        );
        a.insert(
            Stat::SvcRequests,
            vec![s(&svc("a", "busy"), 4.0), s(&svc("a", "idle"), 0.0)],
        );
        a.insert(Stat::SvcErrors, vec![s(&svc("a", "busy"), 0.2)]);
        a.insert(Stat::SvcKvCache, vec![s(&svc("a", "busy"), 0.95)]);
        a.insert(
            Stat::SvcModels,
            vec![s(
                &[
                    ("namespace", "a"),
                    ("llm_isvc_name", "busy"),
                    ("model_name", "m1"),
                ],
                2.0,
            )],
        );
        // Plain series of the busy service (3.4 dual monitors) and of a service only scraped
        // without the prefix, plus one more that the cluster does not list.
        a.insert(
            Stat::SvcOtherPrefix,
            vec![
                s(&[("namespace", "a"), ("model_name", "m1")], 2.0),
                s(&[("namespace", "b"), ("model_name", "m2")], 1.0),
                s(&[("namespace", "c"), ("model_name", "m3")], 1.0),
            ],
        );
        let k = vec![
            known("a", "busy", "m1"),
            known("a", "idle", "m0"),
            known("b", "plain-only", "m2"),
            known("d", "ghost", "m4"),
        ];
        let r = summarize(&ctx("kserve-v1-epp-objective", Some(k)), &a);
        let by = |n: &str| r.services.iter().find(|s| s.name == n).unwrap();
        assert_eq!(r.services.len(), 5, "{:?}", r.services);
        assert_eq!(by("busy").state, ServiceState::Ok);
        assert_eq!(by("busy").model.as_deref(), Some("m1"));
        assert!((by("busy").error_percent.unwrap() - 5.0).abs() < 1e-9);
        assert!((by("busy").kv_cache_percent.unwrap() - 95.0).abs() < 1e-9);
        assert_eq!(by("idle").state, ServiceState::NoTraffic);
        assert_eq!(
            by("idle").message.as_deref(),
            Some("no traffic in the last 5m")
        );
        assert_eq!(by("plain-only").state, ServiceState::WrongPrefix);
        assert!(
            by("plain-only")
                .message
                .as_deref()
                .unwrap()
                .contains("`vllm:num_requests_running`")
        );
        assert_eq!(by("m3").state, ServiceState::WrongPrefix);
        assert_eq!(by("ghost").state, ServiceState::NoMetrics);
        assert_eq!(
            by("ghost").message.as_deref(),
            Some("no metrics for this service — run oc llmd doctor")
        );
        assert_eq!(r.kind, "StatsReport");
        assert_eq!(r.queries, 30);
    }

    #[test]
    fn pod_shares_prefer_the_epp_and_pools_find_their_service() {
        fn pod(p: &str) -> Vec<(&str, &str)> {
            vec![("namespace", "a"), ("model_name", "m"), ("pod", p)]
        }
        let mut a = Answers::new();
        a.insert(
            Stat::PodRunning,
            vec![s(&pod("p1"), 1.0), s(&pod("p2"), 1.0)],
        );
        a.insert(
            Stat::PodRequests,
            vec![s(&pod("p1"), 1.0), s(&pod("p2"), 1.0)],
        );
        a.insert(
            Stat::PodEppShare,
            vec![
                s(&[("namespace", "a"), ("endpoint_name", "p1")], 3.0),
                s(&[("namespace", "a"), ("endpoint_name", "p2")], 1.0),
            ],
        );
        let pool = [("namespace", "a"), ("name", "pool"), ("job", "epp")];
        a.insert(Stat::PoolReady, vec![s(&pool, 2.0)]);
        a.insert(
            Stat::PoolBackends,
            vec![s(
                &[
                    ("namespace", "a"),
                    ("name", "pool"),
                    ("job", "epp"),
                    ("model_server_endpoint", "p2"),
                ],
                1.0,
            )],
        );
        a.insert(
            Stat::PoolErrors,
            vec![
                s(
                    &[("namespace", "a"), ("job", "epp"), ("error_code", "X")],
                    0.5,
                ),
                s(
                    &[("namespace", "a"), ("job", "other"), ("error_code", "Y")],
                    9.0,
                ),
            ],
        );
        let r = summarize(&ctx("plain-v1-epp-llmd", None), &a);
        assert_eq!(r.pods.len(), 2);
        assert_eq!(r.pods[0].share_percent, Some(75.0));
        assert_eq!(r.pods[0].share_source, Some(ShareSource::Epp));
        assert_eq!(r.pools[0].service.as_deref(), Some("m"));
        assert_eq!(r.pools[0].ready_pods, Some(2.0));
        assert_eq!(r.pools[0].errors_by_code.len(), 1);
        assert_eq!(r.pools[0].errors_by_code["X"], 0.5);

        // Without EPP decisions (or when they are flat), shares come from completed requests.
        a.insert(Stat::PodEppShare, vec![]);
        let r = summarize(&ctx("plain-v1-epp-llmd", None), &a);
        assert_eq!(r.pods[0].share_percent, Some(50.0));
        assert_eq!(r.pods[0].share_source, Some(ShareSource::Vllm));
    }

    #[test]
    fn non_finite_answers_become_null() {
        let svc = [("namespace", "a"), ("model_name", "m")];
        let mut a = Answers::new();
        a.insert(Stat::SvcRunning, vec![s(&svc, 1.0)]);
        a.insert(Stat::SvcRequests, vec![s(&svc, 2.0)]);
        a.insert(Stat::SvcTtft(95), vec![s(&svc, f64::NAN)]);
        let r = summarize(&ctx("plain-v0-epp-none", None), &a);
        assert_eq!(r.services[0].ttft.p95, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["services"][0]["ttft"]["p95"], serde_json::Value::Null);
        assert_eq!(json["services"][0]["errorPercent"], 0.0);
        assert_eq!(json["version"], 1);
    }
}
