//! `stats --source pods`: no Prometheus at all. Every vLLM and EPP pod's `/metrics` is read twice,
//! `--interval` apart, through the API server's pod proxy
//! (`/api/v1/namespaces/NS/pods/[https:]NAME:PORT/proxy/metrics`), concurrently; the texts are
//! parsed by [`exposition`] and turned into the same answers Prometheus would give by [`compute`],
//! so the summary and its tolerances are shared with the Prometheus source.

pub mod compute;
pub mod exposition;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::Value;

use crate::commands::stats::{LLM_INFERENCE_SERVICES, known_services};
use crate::error::{Error, Result};
use crate::kube::config::{Cluster, Scope};
use crate::kube::list::{Listed, ResourceRef, list};
use crate::kube::map_kube_error;
use crate::metrics::Naming;
use crate::metrics::naming::LLM_ISVC_NAME_LABEL;
use crate::stats::report::Source;
use crate::stats::{Answers, Context, StatsReport, summarize};
use compute::{PodScrapes, Target, TargetKind};

const PODS: ResourceRef = ResourceRef {
    group: "",
    version: "v1",
    plural: "pods",
    kind: "Pod",
    namespaced: true,
};

/// KServe's PodMonitor scrapes vLLM on this port (REPORT.md §6).
pub const VLLM_METRICS_PORT: u16 = 8000;
/// The EPP's `--metrics-port` default, used when no container port is named `metrics`.
pub const EPP_METRICS_PORT: u16 = 9090;
const PART_OF: &str = "app.kubernetes.io/part-of";
const COMPONENT: &str = "app.kubernetes.io/component";
const SERVICE_NAME: &str = "app.kubernetes.io/name";
const PART_OF_VALUE: &str = "llminferenceservice";
const EPP_COMPONENT: &str = "llminferenceservice-router-scheduler";
const WORKLOAD_COMPONENT: &str = "llminferenceservice-workload";

/// A pod to scrape: who it is and the proxy path of its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeTarget {
    pub target: Target,
    pub path: String,
}

/// The pods worth scraping among `pods` (pure): running vLLM workload pods and EPP pods of
/// LLMInferenceServices.
pub fn targets(pods: &[Value]) -> Vec<ScrapeTarget> {
    pods.iter().filter_map(target_of).collect()
}

fn target_of(pod: &Value) -> Option<ScrapeTarget> {
    let labels = pod.pointer("/metadata/labels")?;
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    if pod.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
        return None;
    }
    let component = label(COMPONENT).unwrap_or("");
    let kind = if component == EPP_COMPONENT {
        TargetKind::Epp
    } else if label(PART_OF) == Some(PART_OF_VALUE) && component.starts_with(WORKLOAD_COMPONENT) {
        TargetKind::Vllm
    } else {
        return None;
    };
    let namespace = pod.pointer("/metadata/namespace")?.as_str()?.to_string();
    let name = pod.pointer("/metadata/name")?.as_str()?.to_string();
    let service = label(SERVICE_NAME)?.to_string();
    let ports: Vec<(String, u16)> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| {
            c.get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|p| {
            let n = p
                .get("containerPort")?
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())?;
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some((name, n))
        })
        .collect();
    let (port, scheme) = match kind {
        TargetKind::Epp => (
            ports
                .iter()
                .find(|(n, _)| n == "metrics")
                .map_or(EPP_METRICS_PORT, |(_, p)| *p),
            None,
        ),
        TargetKind::Vllm => {
            let https = ports
                .iter()
                .any(|(n, p)| *p == VLLM_METRICS_PORT && n == "https");
            (VLLM_METRICS_PORT, https.then_some("https"))
        }
    };
    Some(ScrapeTarget {
        path: proxy_path(&namespace, &name, port, scheme),
        target: Target {
            namespace,
            pod: name,
            service,
            kind,
        },
    })
}

/// The pod-proxy path of a pod's `/metrics` (pure).
pub fn proxy_path(namespace: &str, pod: &str, port: u16, scheme: Option<&str>) -> String {
    let scheme = scheme.map(|s| format!("{s}:")).unwrap_or_default();
    format!("/api/v1/namespaces/{namespace}/pods/{scheme}{pod}:{port}/proxy/metrics")
}

/// One scrape: the text and when it arrived.
async fn scrape(cluster: &Cluster, path: &str) -> Result<(String, Instant)> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| Error::failed(format!("cannot build the request {path}: {e}")))?;
    let text = cluster
        .client
        .request_text(request)
        .await
        .map_err(|e| map_kube_error(e, "get", path, &cluster.server))?;
    Ok((text, Instant::now()))
}

/// Detect the naming per namespace (versions differ between teams) and compute the answers of
/// each namespace with its own naming (pure). The report names the most common naming; a note
/// lists the namespaces that differ.
pub fn per_namespace(scrapes: &[PodScrapes], notes: &mut Vec<String>) -> (Naming, Answers) {
    let mut groups: BTreeMap<&str, Vec<PodScrapes>> = BTreeMap::new();
    for s in scrapes {
        groups
            .entry(s.target.namespace.as_str())
            .or_default()
            .push(s.clone());
    }
    let mut answers = Answers::new();
    let mut namings: BTreeMap<&str, Naming> = BTreeMap::new();
    for (ns, group) in &groups {
        let mut names: Vec<String> = group
            .iter()
            .flat_map(|s| s.second.samples.iter().map(|x| x.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        let naming = Naming::detect(&names);
        namings.insert(ns, naming);
        for (stat, samples) in compute::answers(&naming, &compute::points(group)) {
            answers.entry(stat).or_default().extend(samples);
        }
    }
    let mut counts: BTreeMap<Naming, usize> = BTreeMap::new();
    for n in namings.values() {
        *counts.entry(*n).or_default() += 1;
    }
    let main = counts
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(n, _)| *n)
        .unwrap_or_default();
    let differing: Vec<String> = namings
        .iter()
        .filter(|(_, n)| **n != main)
        .map(|(ns, n)| format!("{ns}: {n}"))
        .collect();
    if !differing.is_empty() {
        notes.push(format!(
            "namespaces with another metric naming than {main}: {}",
            differing.join(", ")
        ));
    }
    (main, answers)
}

/// Scrape every target twice, `interval` apart, and summarise.
pub async fn report(cluster: &Cluster, scope: &Scope, interval: Duration) -> Result<StatsReport> {
    let requests_before = cluster.log.count();
    let (pods, services) = tokio::join!(
        list(cluster, &PODS, scope.namespace()),
        list(cluster, &LLM_INFERENCE_SERVICES, scope.namespace())
    );
    let pods = match pods {
        Listed::Items(items) => items,
        Listed::Forbidden(m) => {
            return Err(Error::forbidden(format!("cannot list pods: {m}")).with_hint(
                "--source pods needs list on pods and get on pods/proxy; narrow with -n NAMESPACE",
            ));
        }
        Listed::Missing => Vec::new(),
        Listed::Failed(e) => return Err(e),
    };
    let known = match services {
        Listed::Items(items) => Some(known_services(&items)),
        _ => None,
    };
    let values: Vec<Value> = pods
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .collect();
    let targets = targets(&values);
    let mut notes = Vec::new();
    let first = join_all(targets.iter().map(|t| scrape(cluster, &t.path))).await;
    tokio::time::sleep(interval).await;
    let second = join_all(targets.iter().map(|t| scrape(cluster, &t.path))).await;
    let mut scrapes = Vec::new();
    for ((t, a), b) in targets.iter().zip(first).zip(second) {
        let who = format!("{}/{}", t.target.namespace, t.target.pod);
        let ((text_a, at_a), (text_b, at_b)) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                if e.kind == crate::error::Kind::Unreachable {
                    return Err(e);
                }
                notes.push(format!("pod {who}: {}", e.message));
                continue;
            }
        };
        match (exposition::parse(&text_a), exposition::parse(&text_b)) {
            (Ok(first), Ok(second)) => scrapes.push(PodScrapes {
                target: t.target.clone(),
                first,
                second,
                seconds: at_b.duration_since(at_a).as_secs_f64(),
            }),
            (Err(e), _) | (_, Err(e)) => {
                notes.push(format!("pod {who}: unreadable /metrics ({e})"))
            }
        }
    }
    let (naming, answers) = per_namespace(&scrapes, &mut notes);
    let secs = interval.as_secs_f64();
    let ctx = Context {
        naming,
        service_label: LLM_ISVC_NAME_LABEL,
        source: Source::Pods,
        endpoint: cluster.server.clone(),
        window: format!("{secs}s"),
        window_seconds: secs,
        queries: (cluster.log.count() - requests_before) as u64,
        known,
        notes,
    };
    Ok(summarize(&ctx, &answers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_running_vllm_and_epp_pods_with_their_ports() {
        let pods = vec![
            json!({"metadata": {"name": "a", "namespace": "llm", "labels": {
                    "app.kubernetes.io/name": "qwen", "app.kubernetes.io/part-of": "llminferenceservice",
                    "app.kubernetes.io/component": "llminferenceservice-workload"}},
                "spec": {"containers": [{"ports": [{"containerPort": 8000, "name": "https"}]}]},
                "status": {"phase": "Running"}}),
            json!({"metadata": {"name": "e", "namespace": "llm", "labels": {
                    "app.kubernetes.io/name": "qwen",
                    "app.kubernetes.io/component": "llminferenceservice-router-scheduler"}},
                "spec": {"containers": [{"ports": [{"containerPort": 9002, "name": "grpc"},
                                                   {"containerPort": 9091, "name": "metrics"}]}]},
                "status": {"phase": "Running"}}),
            json!({"metadata": {"name": "pending", "namespace": "llm", "labels": {
                    "app.kubernetes.io/name": "qwen", "app.kubernetes.io/part-of": "llminferenceservice",
                    "app.kubernetes.io/component": "llminferenceservice-workload"}},
                "status": {"phase": "Pending"}}),
            json!({"metadata": {"name": "other", "namespace": "llm", "labels": {"app": "x"}},
                "status": {"phase": "Running"}}),
        ];
        let t = targets(&pods);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0].path,
            "/api/v1/namespaces/llm/pods/https:a:8000/proxy/metrics"
        );
        assert_eq!(t[0].target.kind, TargetKind::Vllm);
        assert_eq!(t[0].target.service, "qwen");
        assert_eq!(
            t[1].path,
            "/api/v1/namespaces/llm/pods/e:9091/proxy/metrics"
        );
        assert_eq!(t[1].target.kind, TargetKind::Epp);
    }
}
