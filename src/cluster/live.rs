//! The live part of the snapshot: what Thanos Querier (or `--prometheus-url`) says about the
//! metrics — which vLLM/EPP names exist, which pods have series (their vLLM/EPP gauges counted per
//! pod: cheap at any size, where counting every series took seconds on a large cluster), and
//! request rates on the EPP and vLLM sides. One metric-names request (which also decides the
//! naming), then three concurrent queries, whatever the cluster size.
//!
//! [`fetch`] asks Thanos (it needs no snapshot, so doctor runs it beside the cluster gather);
//! [`apply`] relates the answers to the snapshot's services. Failure to reach Thanos is not a
//! doctor error: the live checks are `skipped` with the reason.

use std::collections::BTreeMap;

use futures::join;

use crate::cli::{GlobalArgs, PromArgs};
use crate::cluster::model::{LiveFacts, RequestRates, Snapshot};
use crate::kube::{Cluster, Scope};
use crate::metrics::{Concept, Naming, naming};
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
    let names = complete(
        client
            .metric_names(&[naming::discovery_selector(ns)])
            .await
            .map_err(|e| format!("Thanos at {source} did not answer: {}", e.message))?,
    )?;
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
    let per_pod = format!(
        "count by (namespace, pod) ({})",
        naming::presence_selector(ns)
    );
    let rate_by = |concept: Concept, by: &str| {
        n.series(concept).map(|s| {
            let filter = ns
                .map(|ns| format!("{{namespace=\"{ns}\"}}"))
                .unwrap_or_default();
            format!("sum by ({by}) (rate({s}{filter}[{WINDOW}]))")
        })
    };
    let svc = n.service_label();
    let vllm_q = rate_by(
        Concept::VllmRequestSuccess,
        &format!("namespace, {svc}, pod"),
    );
    let epp_q = rate_by(Concept::EppRequests, &format!("namespace, {svc}"));
    let (pods, vllm, epp) = join!(
        client.query(&per_pod, None),
        async {
            match &vllm_q {
                Some(q) => client.query(q, None).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &epp_q {
                Some(q) => client.query(q, None).await.map(Some),
                None => Ok(None),
            }
        },
    );
    for s in vector(complete(pods.map_err(|e| e.message)?)?) {
        if let (Some(ns), Some(pod)) = (s.0.get("namespace"), s.0.get("pod")) {
            live.series_per_pod
                .insert(format!("{ns}/{pod}"), s.1 as u64);
        }
    }
    let vllm = vllm.map_err(|e| e.message)?.map(complete).transpose()?;
    let epp = epp.map_err(|e| e.message)?.map(complete).transpose()?;
    Ok(Fetched {
        live,
        rates: Some((n, vllm, epp)),
    })
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
