//! Who gets which traffic: turns cluster objects plus the scenario's [`SimConfig`] into one
//! [`PodMetricsInput`] per vLLM / EPP pod.
//!
//! Rules (the ground truth the metric tests check):
//! * A pod belongs to the LLMInferenceService named by its `app.kubernetes.io/name` label in its
//!   namespace; the traffic is the `SimConfig.traffic` entry for `namespace/name`, else
//!   [`TrafficProfile::default`].
//! * Decode-side vLLM pods (role `both`/`decode`) that are ready share the requests: by
//!   `split[pod name]` (normalised over the ready pods it names) when the split is set and the EPP
//!   is in the loop, otherwise equally. With `epp_in_loop: false` the split is always equal
//!   (round-robin without the picker). Pods that are not ready get no traffic.
//! * Prefill pods (role `prefill`) share the prompt-side work equally; see the vLLM emitter.
//! * Ready EPP replicas share the requests they count equally.
//! * A pod is ready when its `Ready` condition is `True`, or it has no conditions and phase `Running`.
//! * With `SimConfig.gateway.emulateExtprocGap` the EPP is in the loop only when the profile says so
//!   *and* a gateway in front of the service is wired to contact it ([`crate::wiring::epp_reached`],
//!   decided from the live objects at every call): `oc llmd fix envoyfilter` brings it in.
//! * The EPP's pool is the InferencePool in the namespace whose selector matches the service's
//!   workload pods (preferring `<name>-inference-pool`); its target port is the endpoint port.

use serde_json::Value;

use crate::config::{SimConfig, TrafficProfile};
use crate::metrics::{
    EndpointShare, PodKind, PodMetricsInput, PoolView, VLLM_METRICS_PORT, pod_generation, pod_kind,
};

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

/// Whether a pod counts as ready (see module docs).
pub fn pod_ready(pod: &Value) -> bool {
    match pod.pointer("/status/conditions").and_then(Value::as_array) {
        Some(conditions) if !conditions.is_empty() => conditions.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some("Ready")
                && c.get("status").and_then(Value::as_str) == Some("True")
        }),
        _ => str_at(pod, "/status/phase") == Some("Running"),
    }
}

fn is_kind(obj: &Value, kind: &str) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some(kind)
}

/// A label selector given either as `{matchLabels, matchExpressions}` or as a plain map
/// (InferencePool v1alpha2) matches these labels.
pub fn selector_matches(selector: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    let Some(sel) = selector.as_object() else {
        return false;
    };
    let structured = sel.contains_key("matchLabels") || sel.contains_key("matchExpressions");
    let match_labels = if structured {
        sel.get("matchLabels").and_then(Value::as_object)
    } else {
        Some(sel)
    };
    if let Some(ml) = match_labels
        && !ml
            .iter()
            .all(|(k, v)| v.as_str().is_some() && get(k) == v.as_str())
    {
        return false;
    }
    let exprs = sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    exprs.iter().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => get(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => !get(key).is_some_and(|v| values.contains(&v)),
            Some("Exists") => get(key).is_some(),
            Some("DoesNotExist") => get(key).is_none(),
            _ => false,
        }
    })
}

/// The traffic profile of `namespace/name` (default profile when the scenario names none).
pub fn profile_for(config: &SimConfig, namespace: &str, name: &str) -> TrafficProfile {
    let key = format!("{namespace}/{name}");
    config
        .traffic
        .iter()
        .find(|p| p.llm_inference_service == key)
        .cloned()
        .unwrap_or_else(|| TrafficProfile {
            llm_inference_service: key,
            ..TrafficProfile::default()
        })
}

struct Service<'a> {
    namespace: &'a str,
    name: &'a str,
    profile: TrafficProfile,
    model_name: String,
    decode: Vec<&'a Value>,
    prefill: Vec<&'a Value>,
    epp: Vec<&'a Value>,
}

fn service<'a>(
    objects: &'a [Value],
    config: &SimConfig,
    namespace: &'a str,
    name: &'a str,
) -> Service<'a> {
    let isvc = objects.iter().find(|o| {
        is_kind(o, "LLMInferenceService")
            && str_at(o, "/metadata/namespace") == Some(namespace)
            && str_at(o, "/metadata/name") == Some(name)
    });
    let model_name = isvc
        .and_then(|o| str_at(o, "/spec/model/name"))
        .unwrap_or(name)
        .to_string();
    let mut profile = profile_for(config, namespace, name);
    if config.gateway.emulate_extproc_gap && profile.epp_in_loop {
        profile.epp_in_loop = crate::wiring::epp_reached(objects, namespace, name);
    }
    let mut svc = Service {
        namespace,
        name,
        profile,
        model_name,
        decode: Vec::new(),
        prefill: Vec::new(),
        epp: Vec::new(),
    };
    for pod in objects.iter().filter(|o| is_kind(o, "Pod")) {
        if str_at(pod, "/metadata/namespace") != Some(namespace)
            || label(pod, "app.kubernetes.io/name") != Some(name)
        {
            continue;
        }
        match pod_kind(pod) {
            Some(PodKind::Decode) => svc.decode.push(pod),
            Some(PodKind::Prefill) => svc.prefill.push(pod),
            Some(PodKind::Epp) => svc.epp.push(pod),
            None => {}
        }
    }
    svc
}

fn pod_name(pod: &Value) -> &str {
    str_at(pod, "/metadata/name").unwrap_or("")
}

/// Shares of the ready decode-side pods (name → share), summing to 1 when any is ready.
fn decode_shares(svc: &Service) -> Vec<(String, f64)> {
    let ready: Vec<&str> = svc
        .decode
        .iter()
        .filter(|p| pod_ready(p))
        .map(|p| pod_name(p))
        .collect();
    if ready.is_empty() {
        return Vec::new();
    }
    let split = &svc.profile.split;
    if svc.profile.epp_in_loop && !split.is_empty() {
        let total: f64 = ready
            .iter()
            .map(|n| split.get(*n).copied().unwrap_or(0.0).max(0.0))
            .sum();
        if total > 0.0 {
            return ready
                .iter()
                .map(|n| {
                    (
                        n.to_string(),
                        split.get(*n).copied().unwrap_or(0.0).max(0.0) / total,
                    )
                })
                .collect();
        }
    }
    let equal = 1.0 / ready.len() as f64;
    ready.iter().map(|n| (n.to_string(), equal)).collect()
}

fn pool_view(objects: &[Value], svc: &Service, shares: &[(String, f64)]) -> PoolView {
    let preferred = format!("{}-inference-pool", svc.name);
    let pools: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            is_kind(o, "InferencePool") && str_at(o, "/metadata/namespace") == Some(svc.namespace)
        })
        .collect();
    let matches_workload = |pool: &Value| {
        let Some(selector) = pool.pointer("/spec/selector") else {
            return false;
        };
        svc.decode.iter().any(|pod| {
            pod.pointer("/metadata/labels")
                .and_then(Value::as_object)
                .is_some_and(|l| selector_matches(selector, l))
        })
    };
    let pool = pools
        .iter()
        .find(|p| str_at(p, "/metadata/name") == Some(preferred.as_str()))
        .or_else(|| pools.iter().find(|p| matches_workload(p)));
    let port = pool
        .and_then(|p| {
            p.pointer("/spec/targetPortNumber")
                .or_else(|| p.pointer("/spec/targetPorts/0/number"))
                .and_then(Value::as_u64)
        })
        .and_then(|n| u16::try_from(n).ok())
        .unwrap_or(VLLM_METRICS_PORT);
    PoolView {
        name: pool
            .and_then(|p| str_at(p, "/metadata/name"))
            .unwrap_or(&preferred)
            .to_string(),
        endpoints: shares
            .iter()
            .map(|(name, share)| EndpointShare {
                pod_name: name.clone(),
                namespace: svc.namespace.to_string(),
                port,
                share: *share,
            })
            .collect(),
    }
}

/// The metrics input of one pod, or `None` when the pod does not exist or is neither vLLM nor EPP.
pub fn pod_metrics_input(
    objects: &[Value],
    config: &SimConfig,
    namespace: &str,
    pod: &str,
) -> Option<PodMetricsInput> {
    let pod_obj = objects.iter().find(|o| {
        is_kind(o, "Pod")
            && str_at(o, "/metadata/namespace") == Some(namespace)
            && str_at(o, "/metadata/name") == Some(pod)
    })?;
    let kind = pod_kind(pod_obj)?;
    let name = label(pod_obj, "app.kubernetes.io/name").unwrap_or("");
    let svc = service(objects, config, namespace, name);
    let shares = decode_shares(&svc);
    let ready_count = |pods: &[&Value]| pods.iter().filter(|p| pod_ready(p)).count();
    let (share, pool) = match kind {
        PodKind::Decode => (
            shares
                .iter()
                .find(|(n, _)| n == pod)
                .map(|(_, s)| *s)
                .unwrap_or(0.0),
            None,
        ),
        PodKind::Prefill => {
            let n = ready_count(&svc.prefill);
            (
                if pod_ready(pod_obj) && n > 0 {
                    1.0 / n as f64
                } else {
                    0.0
                },
                None,
            )
        }
        PodKind::Epp => {
            let n = ready_count(&svc.epp);
            let share = if pod_ready(pod_obj) && n > 0 {
                1.0 / n as f64
            } else {
                0.0
            };
            (share, Some(pool_view(objects, &svc, &shares)))
        }
    };
    Some(PodMetricsInput {
        pod: pod_obj.clone(),
        generation: pod_generation(pod_obj, kind, &config.metrics),
        profile: svc.profile.clone(),
        share,
        model_name: svc.model_name.clone(),
        service_has_prefill: !svc.prefill.is_empty(),
        pool,
        epp_counted_secs: None,
    })
}

/// Inputs for every vLLM / EPP pod among `objects`.
pub fn pod_metrics_inputs(objects: &[Value], config: &SimConfig) -> Vec<PodMetricsInput> {
    objects
        .iter()
        .filter(|o| is_kind(o, "Pod") && pod_kind(o).is_some())
        .filter_map(|p| {
            pod_metrics_input(
                objects,
                config,
                str_at(p, "/metadata/namespace").unwrap_or(""),
                pod_name(p),
            )
        })
        .collect()
}
