//! The live part of the snapshot: what Thanos Querier (or `--prometheus-url`) says about the
//! metrics — which vLLM/EPP names exist, which pods have series (a few vLLM/EPP gauges counted per
//! pod: cheap at any size, where counting every series took seconds on a large cluster), and
//! request rates on the EPP and vLLM sides: one concurrent round of requests whatever the cluster
//! size — the metric names (which decide the naming), the per-pod presence count, and the rate
//! queries of every naming, tagged and combined into one query per concept (the detected
//! naming keeps its own series).
//!
//! [`fetch`] asks Thanos (it needs no snapshot, so doctor runs it beside the cluster gather);
//! [`apply`] relates the answers to the snapshot's services. Failure to reach Thanos is not a
//! doctor error: the live checks are `skipped` with the reason.

use std::collections::BTreeMap;

use futures::future::try_join;
use futures::join;

use crate::cli::{GlobalArgs, PromArgs};
use crate::cluster::model::{LiveFacts, RequestRates, Snapshot};
use crate::kube::{Cluster, Scope};
use crate::metrics::{Concept, MetricType, Naming, naming};
use crate::prom::{PromClient, QueryData, detected_from, endpoint};

/// Rate window for the live checks: short enough to reflect "now", long enough for 2+ scrapes.
const WINDOW: &str = "2m";

/// What Thanos answered, before its series are related to the snapshot's services. [`fetch`]
/// needs no snapshot, so doctor runs it concurrently with the cluster gather.
#[derive(Debug)]
pub struct Fetched {
    live: LiveFacts,
    /// The detected naming and the vLLM / EPP rate answers (`None`: that concept has no series
    /// name in this naming); absent when no vLLM/EPP series exist.
    rates: Option<(Naming, Option<QueryData>, Option<QueryData>)>,
}

/// Record what [`fetch`] found (or why it found nothing) in the snapshot.
pub fn apply(snap: &mut Snapshot, fetched: Result<Fetched, String>) {
    match fetched {
        Ok(fetched) => {
            snap.live = Some(relate(snap, fetched));
            snap.live_reason = None;
        }
        Err(reason) => {
            snap.live = None;
            snap.live_reason = Some(reason);
        }
    }
}

/// Ask Thanos (through its Route, or `--prometheus-url`): the metric names, the naming, then
/// series per pod and the request rates in one concurrent batch.
pub async fn fetch(
    cluster: &Cluster,
    global: &GlobalArgs,
    prom: &PromArgs,
    scope: &Scope,
) -> Result<Fetched, String> {
    // doctor must stay quick when Thanos hangs: live facts are a bonus, not a blocker.
    let quick = |config: &mut crate::prom::PromConfig| {
        config.timeout = std::time::Duration::from_secs(5);
    };
    let (client, source) = match &prom.prometheus_url {
        Some(url) => {
            let mut config = endpoint::from_url(url, prom, global)
                .await
                .map_err(|e| e.message)?
                .config;
            quick(&mut config);
            let source = config.url.clone();
            PromClient::new(config).map(|client| (client, source))
        }
        None => endpoint::client_from_route(cluster, prom, global, quick)
            .await
            .map(|(client, endpoint)| (client, endpoint.config.url)),
    }
    .map_err(|e| e.message)?;
    let ns = scope.namespace();
    let per_pod = format!(
        "count by (namespace, pod) ({})",
        naming::presence_selector(ns)
    );
    // The rate queries of every naming go out with the metric-names request, not after it (one
    // Thanos round trip instead of two); the naming those names reveal then picks its answers.
    // Queries on series that do not exist cost Prometheus next to nothing.
    let vllm_qs = candidates(VLLM_REQUESTS, ns, true);
    let epp_qs = candidates(Concept::EppRequests, ns, false);
    let (vllm_q, epp_q) = (combined(&vllm_qs), combined(&epp_qs));
    let discovery = [naming::discovery_selector(ns)];
    let names = async {
        client
            .metric_names(&discovery)
            .await
            .map_err(|e| format!("Thanos at {source} did not answer: {}", e.message))
    };
    let rest = async {
        Ok(join!(
            client.query(&per_pod, None),
            client.query(&vllm_q, None),
            client.query(&epp_q, None),
        ))
    };
    // The names decide everything: when they fail (Thanos unreachable, DNS hanging), the other
    // requests are dropped at once instead of each waiting out its own timeout.
    let (names, (pods, vllm, epp)) = try_join(names, rest).await?;
    let names = complete(names)?;
    let mut live = LiveFacts {
        source: source.clone(),
        metric_names: names,
        ..Default::default()
    };
    // The names just listed are the detection's input: no second label-values round trip.
    let Some(detected) = detected_from(&live.metric_names, Vec::new()) else {
        return Ok(Fetched { live, rates: None });
    };
    let n = detected.naming;
    for s in vector(complete(pods.map_err(|e| e.message)?)?) {
        if let (Some(ns), Some(pod)) = (s.0.get("namespace"), s.0.get("pod")) {
            live.series_per_pod
                .insert(format!("{ns}/{pod}"), s.1 as u64);
        }
    }
    let vllm = pick(&n, VLLM_REQUESTS, &vllm_qs, vllm)?;
    let epp = pick(&n, Concept::EppRequests, &epp_qs, epp)?;
    Ok(Fetched {
        live,
        rates: Some((n, vllm, epp)),
    })
}

/// One candidate rate query: the series and service label of some naming, and its PromQL.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    series: String,
    service_label: &'static str,
    promql: String,
}

/// `sum by (namespace, <service label>[, pod]) (rate(<series>[WINDOW]))` for every distinct
/// (series, service label) of `concept` across the namings.
/// vLLM's finished requests per pod: the end-to-end latency histogram's `_count`, one series per
/// pod in every generation. `request_success_total` counts the same requests split by
/// `finished_reason` (3–4 series per pod): on 1,300 pods that query was the slowest of the round.
const VLLM_REQUESTS: Concept = Concept::VllmE2e;

fn candidates(concept: Concept, namespace: Option<&str>, by_pod: bool) -> Vec<Candidate> {
    let filter = namespace
        .map(|ns| format!("{{namespace=\"{ns}\"}}"))
        .unwrap_or_default();
    let mut out: Vec<Candidate> = Vec::new();
    for n in Naming::variants() {
        let (Some(series), service_label) = (n.series(concept), n.service_label()) else {
            continue;
        };
        if out
            .iter()
            .any(|c| c.series == series && c.service_label == service_label)
        {
            continue;
        }
        let pod = if by_pod { ", pod" } else { "" };
        let counted = match concept.metric_type() {
            MetricType::Histogram => format!("{series}_count"),
            _ => series.clone(),
        };
        let promql =
            format!("sum by (namespace, {service_label}{pod}) (rate({counted}{filter}[{WINDOW}]))");
        out.push(Candidate {
            series,
            service_label,
            promql,
        });
    }
    out
}

/// The label [`combined`] tags each candidate's series with (its index).
const CANDIDATE_LABEL: &str = "llmd_candidate";

/// All candidates as one query: each tagged with its index and joined with `or` (the tags keep
/// their label sets apart, so `or` is a plain union). One request instead of one per naming:
/// fewer connections and query evaluations while Thanos is busy with the rest of the round.
fn combined(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "label_replace({}, \"{CANDIDATE_LABEL}\", \"{i}\", \"\", \"\")",
                c.promql
            )
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// From the [`combined`] answer, the series of the candidate naming `n` asks for, untagged
/// (`None`: `n` has no such series).
fn pick(
    n: &Naming,
    concept: Concept,
    asked: &[Candidate],
    answer: crate::error::Result<crate::prom::Response<QueryData>>,
) -> Result<Option<QueryData>, String> {
    let Some(series) = n.series(concept) else {
        return Ok(None);
    };
    let wanted = |c: &Candidate| c.series == series && c.service_label == n.service_label();
    let Some(index) = asked.iter().position(wanted) else {
        return Ok(None);
    };
    let tag = index.to_string();
    Ok(Some(match complete(answer.map_err(|e| e.message)?)? {
        QueryData::Vector(samples) => QueryData::Vector(
            samples
                .into_iter()
                .filter_map(|mut s| {
                    (s.metric.remove(CANDIDATE_LABEL).as_deref() == Some(tag.as_str())).then_some(s)
                })
                .collect(),
        ),
        other => other,
    }))
}

/// Pure: the request rates keyed by the snapshot's LLMInferenceServices.
fn relate(snap: &Snapshot, fetched: Fetched) -> LiveFacts {
    let mut live = fetched.live;
    let Some((n, vllm, epp)) = fetched.rates else {
        return live;
    };
    let keys = ServiceKeys::new(snap, &n);
    if let Some(answer) = vllm {
        for (labels, value) in vector(answer) {
            if let (Some(key), Some(pod)) = (keys.key(&labels), labels.get("pod")) {
                let rates = live.request_rates.entry(key).or_default();
                *rates.vllm_per_second.entry(pod.clone()).or_default() += value;
            }
        }
    }
    if let Some(answer) = epp {
        for (labels, value) in vector(answer) {
            if let Some(key) = keys.key(&labels) {
                let rates: &mut RequestRates = live.request_rates.entry(key).or_default();
                *rates.epp_per_second.get_or_insert(0.0) += value;
            }
        }
    }
    // A service without EPP request series keeps `epp_per_second: None`: whether that means "the
    // EPP counted nothing" or "the EPP is not scraped" is the check's call (series_per_pod).
    live
}

/// The data of a complete answer. A partial one (Thanos lost a store) would make present series
/// look missing, so the live checks are skipped with Thanos' warning instead.
fn complete<T>(answer: crate::prom::Response<T>) -> Result<T, String> {
    match answer.warnings.first() {
        Some(warning) => Err(format!("Thanos answered partially: {warning}")),
        None => Ok(answer.data),
    }
}

/// Maps a series' labels to `namespace/llmisvc`: OpenShift AI relabelling adds `llm_isvc_name`;
/// without it the served model name is mapped back through the LLMInferenceServices.
struct ServiceKeys {
    label: &'static str,
    by_model: BTreeMap<(String, String), String>,
}

impl ServiceKeys {
    fn new(snap: &Snapshot, n: &Naming) -> Self {
        let by_model = snap
            .llmisvcs
            .iter()
            .map(|s| {
                let model = s.model_name.clone().unwrap_or_else(|| s.name.clone());
                ((s.namespace.clone(), model), s.name.clone())
            })
            .collect();
        Self {
            label: n.service_label(),
            by_model,
        }
    }

    fn key(&self, labels: &BTreeMap<String, String>) -> Option<String> {
        let ns = labels.get("namespace")?;
        let value = labels.get(self.label)?;
        let name = if self.label == "model_name" {
            self.by_model.get(&(ns.clone(), value.clone()))?.clone()
        } else {
            value.clone()
        };
        Some(format!("{ns}/{name}"))
    }
}

fn vector(data: QueryData) -> Vec<(BTreeMap<String, String>, f64)> {
    match data {
        QueryData::Vector(samples) => samples
            .into_iter()
            .filter(|s| s.value.is_finite())
            .map(|s| (s.metric.into_iter().collect(), s.value))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::prom::Response;

    #[test]
    fn every_naming_finds_its_rate_query_among_the_candidates() {
        for (concept, by_pod) in [(VLLM_REQUESTS, true), (Concept::EppRequests, false)] {
            let asked = candidates(concept, Some("llm"), by_pod);
            for (i, a) in asked.iter().enumerate() {
                assert!(
                    !asked[i + 1..]
                        .iter()
                        .any(|b| b.series == a.series && b.service_label == a.service_label),
                    "asked twice: {a:?}"
                );
                assert!(a.promql.contains("{namespace=\"llm\"}[2m]"), "{}", a.promql);
                if concept == VLLM_REQUESTS {
                    assert!(a.promql.contains("_count{"), "{}", a.promql);
                }
                assert_eq!(a.promql.contains(", pod)"), by_pod, "{}", a.promql);
            }
            for n in Naming::variants() {
                let found = asked.iter().any(|c| {
                    Some(&c.series) == n.series(concept).as_ref()
                        && c.service_label == n.service_label()
                });
                assert_eq!(found, n.series(concept).is_some(), "{n:?} {concept:?}");
            }
        }
        // Two prefixes × the request-counter names: a handful of queries, not one per naming.
        assert!(candidates(Concept::EppRequests, None, false).len() <= 6);
    }

    #[test]
    fn the_combined_query_tags_each_candidate_and_pick_keeps_the_detected_ones() {
        let asked = candidates(Concept::EppRequests, None, false);
        let query = combined(&asked);
        assert_eq!(query.matches(" or ").count(), asked.len() - 1, "{query}");
        for (i, c) in asked.iter().enumerate() {
            let tagged = format!(
                "label_replace({}, \"llmd_candidate\", \"{i}\", \"\", \"\")",
                c.promql
            );
            assert!(query.contains(&tagged), "{query}");
        }
        let n = Naming::variants()
            .into_iter()
            .find(|n| n.series(Concept::EppRequests).is_some())
            .unwrap();
        let mine = asked
            .iter()
            .position(|c| {
                Some(&c.series) == n.series(Concept::EppRequests).as_ref()
                    && c.service_label == n.service_label()
            })
            .unwrap();
        let sample = |candidate: usize, value: f64| crate::prom::Sample {
            metric: [
                ("namespace".to_string(), "llm".to_string()),
                (CANDIDATE_LABEL.to_string(), candidate.to_string()),
            ]
            .into_iter()
            .collect(),
            timestamp: 0.0,
            value,
        };
        let other = (mine + 1) % asked.len();
        let answer = Ok(Response {
            data: QueryData::Vector(vec![sample(mine, 7.0), sample(other, 9.0)]),
            warnings: Vec::new(),
            infos: Vec::new(),
        });
        let Ok(Some(QueryData::Vector(kept))) = pick(&n, Concept::EppRequests, &asked, answer)
        else {
            panic!("a vector")
        };
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].value, 7.0);
        assert!(!kept[0].metric.contains_key(CANDIDATE_LABEL));
        assert_eq!(
            pick(
                &n,
                Concept::EppRequests,
                &asked,
                Err(Error::failed("timed out"))
            ),
            Err("timed out".to_string())
        );
        let absent = Naming {
            epp: crate::metrics::EppGeneration::Absent,
            ..n
        };
        assert_eq!(
            pick(
                &absent,
                Concept::EppRequests,
                &asked,
                Err(Error::failed("x"))
            ),
            Ok(None)
        );
    }
}
