//! Serving checks, one result per LLMInferenceService (or per pool/route it owns): readiness,
//! vLLM and EPP pods, InferencePool, HTTPRoute, EPP TLS, P/D config, prefix caching and (live)
//! whether the EPP is in the request path.

use super::monitoring::{pod_state, uwm_off};
use super::{POOL_KEYS, istio_info, unreadable};
use crate::cluster::Model;
use crate::cluster::model::{Condition, InferencePool, Pod, condition, keys};
use crate::cluster::relations::{
    PrefixCaching, ServiceRelations, backend_is_pool, bool_flag, flag_value, main_container,
    vllm_prefix_caching, words,
};
use crate::doctor::report::{CheckResult, error, info, ok, skipped, warn};

fn per_service<'a>(
    m: &'a Model,
    f: impl Fn(&ServiceRelations<'a>) -> Vec<CheckResult>,
) -> Vec<CheckResult> {
    m.services.iter().flat_map(f).collect()
}

fn describe(s: &ServiceRelations) -> String {
    format!(
        "oc -n {} describe llminferenceservice {}",
        s.isvc.namespace, s.isvc.name
    )
}

pub fn llmisvc_ready(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "llmisvc-ready";
    let isvc_keys = [keys::LLMISVC_V1ALPHA2, keys::LLMISVC_V1ALPHA1];
    if m.services.is_empty()
        && !isvc_keys.iter().any(|k| m.snap.list_state(k).is_listed())
        && let Some(gap) = unreadable(m.snap, &isvc_keys)
    {
        // Could not look: absence is not established (the permissions check names the gap).
        return vec![skipped(ID, "", gap)];
    }
    if m.services.is_empty() {
        return vec![info(
            ID,
            "",
            format!("no LLMInferenceService in {}", m.snap.scope_text()),
        )];
    }
    per_service(m, |s| {
        let subject = s.subject();
        let i = s.isvc;
        if i.stopped {
            return vec![info(
                ID,
                &subject,
                "stopped (annotation serving.kserve.io/stop: \"true\")",
            )];
        }
        match condition(&i.conditions, "Ready") {
            Some(c) if c.is_true() => vec![ok(
                ID,
                &subject,
                format!(
                    "Ready (model {})",
                    i.model_name.clone().unwrap_or_else(|| i.name.clone())
                ),
            )],
            Some(c) => {
                let failing: Vec<&str> = i
                    .conditions
                    .iter()
                    .filter(|x| x.type_ != "Ready" && x.status == "False")
                    .map(|x| x.type_.as_str())
                    .collect();
                let why = [c.reason.as_deref(), c.message.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                let mut msg = format!("not Ready ({})", c.status);
                if !why.is_empty() {
                    msg.push_str(&format!(": {why}"));
                }
                if !failing.is_empty() {
                    msg.push_str(&format!("; failing: {}", failing.join(", ")));
                }
                vec![error(ID, &subject, msg)
                    .fix(describe(s))
                    .hint("Ready combines WorkloadsReady and RouterReady; the failing sub-condition names the broken piece")]
            }
            None => vec![
                warn(
                    ID,
                    &subject,
                    "no Ready condition yet: the KServe controller has not reconciled it",
                )
                .fix(describe(s))
                .hint("KServe sets Ready on every LLMInferenceService it reconciles"),
            ],
        }
    })
}

fn pod_problem(p: &Pod) -> Option<String> {
    if p.waiting_reason.as_deref() == Some("CrashLoopBackOff") {
        return Some(format!(
            "{} CrashLoopBackOff ({} restarts)",
            p.name, p.restarts
        ));
    }
    if !(p.ready && p.phase == "Running") || p.terminating {
        return Some(pod_state(p));
    }
    None
}

pub fn vllm_pods(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "vllm-pods";
    let gap = unreadable(m.snap, &[keys::PODS]);
    per_service(m, |s| {
        let subject = s.subject();
        if let Some(gap) = &gap {
            return vec![skipped(ID, &subject, gap.clone())];
        }
        let ns = &s.isvc.namespace;
        let pods: Vec<&Pod> = s.all_vllm_pods().collect();
        if pods.is_empty() {
            if s.isvc.stopped || s.isvc.replicas == Some(0) {
                return vec![info(
                    ID,
                    &subject,
                    "no vLLM pods (scaled to zero or stopped)",
                )];
            }
            return vec![error(ID, &subject, "no vLLM pods (labels app.kubernetes.io/name, part-of=llminferenceservice, workload component)")
                .fix(format!("oc -n {ns} describe deployment {}-kserve", s.isvc.name))
                .hint("without vLLM pods there is nothing to serve the model")];
        }
        let problems: Vec<String> = pods.iter().filter_map(|p| pod_problem(p)).collect();
        if problems.is_empty() {
            return vec![ok(
                ID,
                &subject,
                format!(
                    "{n}/{n} ready (decode {}, prefill {})",
                    s.vllm_pods.len(),
                    s.prefill_pods.len(),
                    n = pods.len()
                ),
            )];
        }
        let first = pods
            .iter()
            .find(|p| pod_problem(p).is_some())
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let crash = pods
            .iter()
            .any(|p| p.waiting_reason.as_deref() == Some("CrashLoopBackOff"));
        vec![error(ID, &subject, format!("{}/{} not ready: {}", problems.len(), pods.len(), problems.join(", ")))
            .fix(if crash {
                format!("oc -n {ns} logs {first} -c main --previous")
            } else {
                format!("oc -n {ns} describe pod {first}")
            })
            .hint("the pool only sends requests to ready vLLM pods; a crash loop usually means the model does not fit or cannot be downloaded")]
    })
}

pub fn epp_pod(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "epp-pod";
    let gap = unreadable(m.snap, &[keys::PODS]);
    per_service(m, |s| {
        let subject = s.subject();
        if let Some(gap) = &gap {
            return vec![skipped(ID, &subject, gap.clone())];
        }
        let ns = &s.isvc.namespace;
        if s.epp_pods.is_empty() {
            if s.isvc.stopped {
                return vec![info(ID, &subject, "no EPP pod (stopped)")];
            }
            return vec![error(ID, &subject, "no scheduler (EPP) pod")
                .fix(format!("oc -n {ns} describe deployment {}-kserve-router-scheduler", s.isvc.name))
                .hint("the endpoint picker chooses a vLLM pod for every request; without it the gateway has no endpoint to route to")];
        }
        let problems: Vec<String> = s.epp_pods.iter().filter_map(|p| pod_problem(p)).collect();
        if problems.is_empty() {
            vec![ok(
                ID,
                &subject,
                format!(
                    "{} ready",
                    s.epp_pods
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )]
        } else {
            let first = s
                .epp_pods
                .iter()
                .find(|p| pod_problem(p).is_some())
                .map(|p| p.name.clone())
                .unwrap_or_default();
            vec![error(ID, &subject, format!("not ready: {}", problems.join(", ")))
                .fix(format!("oc -n {ns} logs {first} -c main"))
                .hint("the EPP must be ready (gRPC on 9002) before the gateway can ask it for endpoints")]
        }
    })
}

fn cond_text(c: Option<&Condition>) -> String {
    match c {
        None => "no condition".into(),
        Some(c) => {
            let mut t = format!("{} {}", c.type_, c.status);
            if let Some(r) = &c.reason {
                t.push_str(&format!(" ({r})"));
            }
            if let Some(msg) = &c.message {
                t.push_str(&format!(": {msg}"));
            }
            t
        }
    }
}

/// What doctor could not read that a pool check relies on (see [`unreadable`]).
struct PoolGaps {
    pods: Option<String>,
    services: Option<String>,
}

fn check_pool(s: &ServiceRelations, p: &InferencePool, gaps: &PoolGaps) -> CheckResult {
    const ID: &str = "inferencepool";
    let subject = format!("{}/{}", p.namespace, p.name);
    let api = p.api.api_version();
    let ns = &p.namespace;
    let describe = format!(
        "oc -n {ns} describe inferencepools.{} {}",
        p.api.group(),
        p.name
    );
    let real: Vec<_> = p
        .parents
        .iter()
        .filter(|x| !(x.kind == "Status" && x.name == "default"))
        .collect();
    if real.is_empty() {
        return error(ID, &subject, format!("{api}: not picked up by any gateway controller (no parent status)"))
            .fix("oc llmd doctor --check istio-inference-support")
            .hint("a pool nobody reconciles means the gateway's Istio does not watch this InferencePool API version or its inference extension is off");
    }
    for parent in &real {
        let accepted = condition(&parent.conditions, "Accepted");
        if !accepted.is_some_and(Condition::is_true) {
            return error(
                ID,
                &subject,
                format!(
                    "{api}: not Accepted by {}/{}: {}",
                    parent.namespace,
                    parent.name,
                    cond_text(accepted)
                ),
            )
            .fix(describe)
            .hint(
                "a pool is Accepted only when an HTTPRoute accepted by that Gateway references it",
            );
        }
        let resolved = condition(&parent.conditions, "ResolvedRefs");
        if resolved.is_some_and(|c| !c.is_true()) {
            return error(
                ID,
                &subject,
                format!(
                    "{api}: ResolvedRefs not True for {}/{}: {}",
                    parent.namespace,
                    parent.name,
                    cond_text(resolved)
                ),
            )
            .fix(describe)
            .hint("the gateway cannot resolve the pool's endpoint picker reference");
        }
    }
    let vllm: Vec<&Pod> = s.all_vllm_pods().collect();
    if p.selector.is_empty() {
        return error(ID, &subject, format!("{api}: empty selector"))
            .fix(describe)
            .hint("the pool's selector picks the vLLM pods it balances over");
    }
    let selected = vllm
        .iter()
        .filter(|pod| p.selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
        .count();
    if !vllm.is_empty() && selected == 0 {
        let sel: Vec<String> = p.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        return error(ID, &subject, format!("{api}: selector {} matches none of the {} vLLM pods", sel.join(","), vllm.len()))
            .fix(describe)
            .hint("the EPP only picks among pods the pool selects; none selected means every request fails");
    }
    let Some(epp) = &p.epp else {
        return error(ID, &subject, format!("{api}: no endpoint picker reference"))
            .fix(describe)
            .hint("without an EPP reference the gateway cannot schedule requests");
    };
    if epp.kind == "Service" || epp.kind.is_empty() {
        let port = epp.port.unwrap_or(9002);
        let svc = s
            .epp_services
            .iter()
            .find(|(n, _)| *n == epp.name)
            .and_then(|(_, svc)| *svc);
        match svc {
            None if gaps.services.is_some() => {
                return skipped(
                    ID,
                    &subject,
                    format!(
                        "{api}: cannot verify EPP Service {ns}/{}: {}",
                        epp.name,
                        gaps.services.clone().unwrap_or_default()
                    ),
                );
            }
            None => {
                return error(
                    ID,
                    &subject,
                    format!("{api}: EPP Service {ns}/{} does not exist", epp.name),
                )
                .fix(format!("oc -n {ns} get services; {}", describe))
                .hint("the gateway sends every request's ext_proc call to this Service");
            }
            Some(svc) if !svc.ports.iter().any(|sp| sp.port == port) => {
                return error(
                    ID,
                    &subject,
                    format!("{api}: EPP Service {} has no port {port}", svc.name),
                )
                .fix(format!("oc -n {ns} get service {} -o yaml", svc.name))
                .hint("the gateway dials the EPP's gRPC port (9002 by default)");
            }
            Some(_) => {}
        }
    }
    let parents: Vec<String> = real
        .iter()
        .map(|x| format!("{}/{}", x.namespace, x.name))
        .collect();
    let selects = match &gaps.pods {
        Some(gap) => format!("vLLM pods not checked ({gap})"),
        None => format!("selects {selected} vLLM pod(s)"),
    };
    ok(
        ID,
        &subject,
        format!(
            "{api} Accepted by {}; {selects}; EPP {}:{}",
            parents.join(", "),
            epp.name,
            epp.port.unwrap_or(9002)
        ),
    )
}

pub fn inferencepool(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "inferencepool";
    let gaps = PoolGaps {
        pods: unreadable(m.snap, &[keys::PODS]),
        services: unreadable(m.snap, &[keys::SERVICES]),
    };
    let pools_gap = unreadable(m.snap, POOL_KEYS);
    per_service(m, |s| {
        let subject = s.subject();
        if let (true, Some(gap)) = (s.pools.is_empty(), &pools_gap) {
            return vec![skipped(ID, &subject, gap.clone())];
        }
        if s.pools.is_empty() {
            return vec![error(ID, &subject, format!(
                "no InferencePool {}-inference-pool in either API group",
                s.isvc.name
            ))
            .fix(describe(s))
            .hint("KServe creates the pool with the router; its absence points at the InferencePoolReady condition")];
        }
        s.active_pools()
            .into_iter()
            .map(|p| check_pool(s, p, &gaps))
            .collect()
    })
}

fn is_cors_or_fault(filter: &str) -> bool {
    filter.eq_ignore_ascii_case("CORS")
        || (filter.starts_with("ExtensionRef:") && filter.to_ascii_lowercase().contains("fault"))
}

pub fn httproute(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "httproute";
    let istio = istio_info(m);
    let routes_gap = unreadable(m.snap, &[keys::HTTPROUTES]);
    let pools_gap = unreadable(m.snap, POOL_KEYS);
    per_service(m, |s| {
        let subject = s.subject();
        if let (true, Some(gap)) = (s.routes.is_empty(), &routes_gap) {
            return vec![skipped(ID, &subject, gap.clone())];
        }
        if s.routes.is_empty() {
            return vec![error(ID, &subject, format!("no HTTPRoute for {} (expected {}-kserve-route)", s.isvc.name, s.isvc.name))
                .fix(describe(s))
                .hint("the HTTPRoute attaches the model's paths to the gateway; without it nothing reaches the pool")];
        }
        s.routes
            .iter()
            .map(|r| {
                let rs = format!("{}/{}", r.namespace, r.name);
                let ns = &r.namespace;
                let describe = format!("oc -n {ns} describe httproute {}", r.name);
                for pr in r.parent_refs.iter().filter(|p| p.kind == "Gateway") {
                    let st = r
                        .parents
                        .iter()
                        .find(|x| x.parent.name == pr.name && x.parent.namespace == pr.namespace);
                    let Some(st) = st else {
                        return error(ID, &rs, format!("no status from Gateway {}/{}: not accepted (yet)", pr.namespace, pr.name))
                            .fix(describe)
                            .hint("a route the gateway controller never reported on is not programmed into the gateway");
                    };
                    let acc = condition(&st.conditions, "Accepted");
                    if !acc.is_some_and(Condition::is_true) {
                        return error(ID, &rs, format!("not Accepted by Gateway {}/{}: {}", pr.namespace, pr.name, cond_text(acc)))
                            .fix(describe)
                            .hint("a route the Gateway does not accept serves no traffic");
                    }
                    let res = condition(&st.conditions, "ResolvedRefs");
                    if res.is_some_and(|c| !c.is_true()) {
                        return error(ID, &rs, format!("backends not resolved by Gateway {}/{}: {}", pr.namespace, pr.name, cond_text(res)))
                            .fix(describe)
                            .hint("an unresolved backendRef (wrong InferencePool group or name) returns 500 for that rule");
                    }
                }
                let pool_rules: Vec<(usize, &crate::cluster::model::RouteRule)> = r
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.backends.iter().any(|b| b.is_pool()))
                    .collect();
                if pool_rules.is_empty() {
                    return warn(ID, &rs, "no rule routes to an InferencePool: requests bypass the EPP")
                        .fix(describe)
                        .hint("only rules whose backend is an InferencePool get endpoint picking");
                }
                for (_, rule) in &pool_rules {
                    for b in rule.backends.iter().filter(|b| b.is_pool()) {
                        if !m.snap.pools.iter().any(|p| backend_is_pool(b, p)) {
                            let group = if b.group.is_empty() { "<empty group>" } else { b.group.as_str() };
                            if let Some(gap) = &pools_gap {
                                return skipped(ID, &rs, format!("cannot verify backendRef InferencePool {}/{} in group {group}: {gap}", b.namespace, b.name));
                            }
                            return error(ID, &rs, format!("backendRef InferencePool {}/{} in group {group} does not exist", b.namespace, b.name))
                                .fix(describe)
                                .hint("the backendRef group picks the InferencePool API version; it must name a pool that exists");
                        }
                    }
                }
                for (idx, rule) in &pool_rules {
                    if let Some(f) = rule.filters.iter().find(|f| is_cors_or_fault(f)) {
                        let rule_name = rule.name.clone().unwrap_or_else(|| idx.to_string());
                        match &istio {
                            Some(i) if i.drops_override_on_cors() => {
                                return error(ID, &rs, format!(
                                    "rule {rule_name} routes to an InferencePool and has a {f} filter: {} silently drops the EPP override, so the EPP is never called",
                                    i.label()
                                ))
                                .fix(format!("oc -n {ns} edit httproute {}  # remove the {f} filter from rule {rule_name} (apply CORS at the gateway instead)", r.name))
                                .hint("Istio 1.26-1.28 reset the per-route filter config when a rule has CORS or fault policy, after setting the ext_proc override");
                            }
                            Some(_) => {}
                            None => {
                                return warn(ID, &rs, format!(
                                    "rule {rule_name} routes to an InferencePool and has a {f} filter; Istio 1.26-1.28 drop the EPP override on such rules (Istio version unknown)"
                                ))
                                .fix(format!("oc -n {ns} edit httproute {}", r.name))
                                .hint("on affected Istio the EPP is never called for this rule");
                            }
                        }
                    }
                }
                let gws: Vec<String> = r.parent_refs.iter().map(|p| format!("{}/{}", p.namespace, p.name)).collect();
                ok(ID, &rs, format!("Accepted by {}; {} rule(s) to the InferencePool", gws.join(", "), pool_rules.len()))
            })
            .collect()
    })
}

/// A DestinationRule expects TLS (SIMPLE/MUTUAL) towards this EPP Service (its name).
pub fn tls_expected<'a>(m: &'a Model, s: &ServiceRelations) -> Option<&'a str> {
    let ns = &s.isvc.namespace;
    let hosts: Vec<String> = s
        .epp_services
        .iter()
        .flat_map(|(n, _)| {
            [
                n.clone(),
                format!("{n}.{ns}"),
                format!("{n}.{ns}.svc"),
                format!("{n}.{ns}.svc.cluster.local"),
            ]
        })
        .collect();
    m.snap
        .destination_rules
        .iter()
        .filter(|d| d.namespace == *ns)
        .filter(|d| matches!(d.tls_mode.as_deref(), Some("SIMPLE") | Some("MUTUAL")))
        .find(|d| hosts.contains(&d.host) || d.name == format!("{}-kserve-scheduler", s.isvc.name))
        .map(|d| d.name.as_str())
}

pub fn epp_tls(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "epp-tls";
    let rules_gap = unreadable(m.snap, &[keys::DESTINATIONRULES]);
    per_service(m, |s| {
        let subject = s.subject();
        if s.scheduler_args.is_empty() {
            return vec![skipped(
                ID,
                &subject,
                "scheduler args unknown (no EPP pod and none in the spec)",
            )];
        }
        let secure = bool_flag(&s.scheduler_args, "--secure-serving").unwrap_or(false);
        let cert = flag_value(&words(&s.scheduler_args), "--cert-path");
        let fix = "oc llmd fix epp-tls";
        let expected = tls_expected(m, s);
        if let (None, Some(gap)) = (expected, &rules_gap) {
            return vec![skipped(
                ID,
                &subject,
                format!("cannot tell whether a DestinationRule expects TLS to the EPP: {gap}"),
            )];
        }
        match expected {
            Some(dr) if !secure => vec![error(ID, &subject, format!(
                "DestinationRule {dr} expects TLS to the EPP but the scheduler runs without --secure-serving{}",
                if cert.is_none() { " and --cert-path" } else { "" }
            ))
            .fix(fix)
            .hint("Envoy's TLS handshake to a plain-text EPP fails (cx_connect_fail), so the EPP is never reached")],
            Some(dr) if cert.is_none() => vec![warn(ID, &subject, format!(
                "--secure-serving without --cert-path: the EPP serves a self-signed certificate (DestinationRule {dr})"
            ))
            .fix(fix)
            .hint("with --cert-path /var/run/kserve/tls the EPP serves the service certificate KServe provisions")],
            Some(dr) => vec![ok(ID, &subject, format!(
                "--secure-serving with --cert-path {} (DestinationRule {dr} expects TLS)",
                cert.unwrap_or_default()
            ))],
            None if secure => vec![ok(ID, &subject, "--secure-serving on; no DestinationRule requires it")],
            None => vec![ok(ID, &subject, "plain-text gRPC; no DestinationRule expects TLS to the EPP")],
        }
    })
}

pub fn pd_config(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "pd-config";
    per_service(m, |s| {
        let subject = s.subject();
        let prefill = !s.prefill_pods.is_empty() || s.isvc.has_prefill;
        if !prefill {
            return vec![ok(
                ID,
                &subject,
                "no prefill workload: a single scheduling profile is right",
            )];
        }
        let cfg = match &s.epp_config {
            Ok(c) => c,
            Err(e) => {
                return vec![
                    warn(
                        ID,
                        &subject,
                        format!("prefill pods exist but the EndpointPickerConfig is unknown: {e}"),
                    )
                    .fix("oc llmd fix pd-config")
                    .hint("prefill/decode disaggregation needs a P/D-aware EndpointPickerConfig"),
                ];
            }
        };
        let mut missing = Vec::new();
        if !cfg.has_plugin("pd-profile-handler") {
            missing.push("plugin pd-profile-handler".to_string());
        }
        for p in ["prefill", "decode"] {
            if !cfg.profiles.contains_key(p) {
                missing.push(format!("profile {p}"));
            }
        }
        if missing.is_empty() {
            vec![ok(
                ID,
                &subject,
                format!(
                    "pd-profile-handler with prefill and decode profiles ({})",
                    cfg.source
                ),
            )]
        } else {
            vec![error(ID, &subject, format!(
                "{} prefill pod(s) but the EndpointPickerConfig ({}) lacks {}: prefill and decode pods are scored alike",
                s.prefill_pods.len(),
                cfg.source,
                missing.join(", ")
            ))
            .fix("oc llmd fix pd-config")
            .hint("without pd-profile-handler the EPP sends whole requests to prefill pods and never splits prefill from decode")]
        }
    })
}

pub fn prefix_caching(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "prefix-caching";
    let pods_gap = unreadable(m.snap, &[keys::PODS]);
    per_service(m, |s| {
        let subject = s.subject();
        let cfg = match &s.epp_config {
            Ok(c) => c,
            Err(e) => {
                return vec![skipped(
                    ID,
                    &subject,
                    format!("EndpointPickerConfig unknown: {e}"),
                )];
            }
        };
        if !cfg.uses_prefix_cache() {
            return vec![ok(
                ID,
                &subject,
                format!("no prefix-cache scorer configured ({})", cfg.source),
            )];
        }
        let pods: Vec<&Pod> = s.all_vllm_pods().collect();
        if let (true, Some(gap)) = (pods.is_empty(), &pods_gap) {
            return vec![skipped(ID, &subject, gap.clone())];
        }
        if pods.is_empty() {
            return vec![skipped(ID, &subject, "no vLLM pods to inspect")];
        }
        let off: Vec<(String, &'static str)> = pods
            .iter()
            .filter_map(|p| main_container(p).map(|c| (p.name.clone(), vllm_prefix_caching(c))))
            .filter(|(_, (state, _))| *state == PrefixCaching::Off)
            .map(|(n, (_, why))| (n, why))
            .collect();
        if off.is_empty() {
            let why = pods
                .first()
                .and_then(|p| main_container(p))
                .map(|c| vllm_prefix_caching(c).1)
                .unwrap_or_default();
            return vec![ok(
                ID,
                &subject,
                format!("prefix-cache scorer configured and vLLM prefix caching on ({why})"),
            )];
        }
        let names: Vec<&str> = off.iter().map(|(n, _)| n.as_str()).collect();
        vec![warn(ID, &subject, format!(
            "prefix-cache scorer configured but prefix caching is off on {} ({})",
            names.join(", "),
            off[0].1
        ))
        .fix(format!(
            "oc -n {} edit llminferenceservice {}  # add --enable-prefix-caching to VLLM_ADDITIONAL_ARGS of the main container (and drop --no-enable-prefix-caching)",
            s.isvc.namespace, s.isvc.name
        ))
        .hint("the scorer routes requests to pods that cached their prefix; with caching off vLLM recomputes it anyway")]
    })
}

pub fn epp_in_loop(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "epp-in-loop";
    let Some(live) = &m.snap.live else {
        return vec![skipped(ID, "", "Thanos not queried")];
    };
    let uwm_off = uwm_off(m);
    per_service(m, |s| {
        let subject = s.subject();
        let has_series = |p: &Pod| {
            live.series_per_pod
                .get(&format!("{}/{}", p.namespace, p.name))
                .is_some_and(|n| *n > 0)
        };
        if uwm_off {
            return vec![skipped(
                ID,
                &subject,
                "no request counters: user workload monitoring is off (see uwm-enabled)",
            )];
        }
        let Some(rates) = live.request_rates.get(&subject) else {
            return vec![skipped(
                ID,
                &subject,
                "no request rates in Thanos for this service",
            )];
        };
        if rates.vllm_per_second.is_empty() && !s.all_vllm_pods().any(has_series) {
            return vec![skipped(
                ID,
                &subject,
                "no vLLM series in Thanos: vLLM is not scraped (see metrics-flowing)",
            )];
        }
        let vllm_total: f64 = rates.vllm_per_second.values().sum();
        if vllm_total <= 0.0 {
            return vec![info(
                ID,
                &subject,
                "no traffic in the window: cannot tell whether the EPP is in the loop",
            )];
        }
        let gw = s
            .gateways
            .first()
            .map(|(g, _)| g.name.clone())
            .unwrap_or_else(|| "openshift-ai-inference".into());
        let epp = rates.epp_per_second.unwrap_or(0.0);
        if epp <= 0.0 {
            // No EPP request series is only proof of a bypass when the EPP itself is scraped.
            if !s.epp_pods.iter().copied().any(has_series) {
                return vec![skipped(
                    ID,
                    &subject,
                    format!(
                        "vLLM serves {vllm_total:.2} req/s; the EPP has no series in Thanos, so its request count is unknown (see epp-scrape)"
                    ),
                )];
            }
            return vec![error(ID, &subject, format!(
                "vLLM serves {vllm_total:.2} req/s but the EPP saw none: the gateway bypasses the endpoint picker"
            ))
            .fix(format!("oc llmd fix envoyfilter --gateway {gw}"))
            .hint("with the base ext_proc filter left on cluster dummy, Envoy round-robins over the pool")];
        }
        let values: Vec<f64> = rates.vllm_per_second.values().copied().collect();
        let cache_aware = s.epp_config.as_ref().is_ok_and(|c| c.uses_prefix_cache());
        if values.len() >= 2 && cache_aware {
            let mean = vllm_total / values.len() as f64;
            let even = values.iter().all(|v| (v - mean).abs() <= 0.05 * mean);
            if even {
                return vec![warn(ID, &subject, format!(
                    "EPP sees {epp:.2} req/s but requests split evenly over {} pods despite prefix-cache-aware scoring",
                    values.len()
                ))
                .fix(format!("oc llmd doctor --check extproc-wiring --check epp-tls  # then: oc llmd fix envoyfilter --gateway {gw}"))
                .hint("an exactly even split under cache-aware scoring means the EPP's choices do not reach Envoy")];
            }
        }
        vec![ok(
            ID,
            &subject,
            format!(
                "EPP {epp:.2} req/s, vLLM {vllm_total:.2} req/s over {} pod(s)",
                values.len()
            ),
        )]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{Condition, PoolApi, PoolParent, Snapshot};
    use crate::cluster::sample;
    use crate::doctor::checks::test_support::*;
    use crate::doctor::report::Status;

    fn add_prefill(s: &mut Snapshot) {
        s.llmisvcs[0].has_prefill = true;
        s.pods.push(sample::vllm_pod(
            sample::NS,
            sample::NAME,
            "qwen-kserve-prefill-1",
            true,
        ));
    }

    fn set_config(s: &mut Snapshot, yaml: &str) {
        let epp = s
            .pods
            .iter_mut()
            .find(|p| p.name.contains("router-scheduler"))
            .unwrap();
        epp.containers[0].args.push("--config-text".into());
        epp.containers[0].args.push(yaml.into());
    }

    const PD: &str = "plugins:\n- type: prefill-header-handler\n- type: prefill-filter\n- type: decode-filter\n- type: max-score-picker\n- type: queue-scorer\n- type: prefix-cache-scorer\n- type: pd-profile-handler\nschedulingProfiles:\n- name: prefill\n  plugins:\n  - pluginRef: prefill-filter\n  - pluginRef: queue-scorer\n  - pluginRef: max-score-picker\n- name: decode\n  plugins:\n  - pluginRef: decode-filter\n  - pluginRef: prefix-cache-scorer\n  - pluginRef: max-score-picker\n";

    #[test]
    fn ready_cases() {
        all_ok(&with(|_| {}, llmisvc_ready));
        let r = with(
            |s| {
                s.llmisvcs[0].conditions = vec![
                    Condition {
                        reason: Some("RouterNotReady".into()),
                        ..Condition::new("Ready", "False")
                    },
                    Condition::new("WorkloadsReady", "True"),
                    Condition::new("RouterReady", "False"),
                ]
            },
            llmisvc_ready,
        );
        expect(
            &r,
            Status::Error,
            "not Ready (False): RouterNotReady; failing: RouterReady",
        );
        assert_eq!(r[0].subject, "demo/qwen");
        expect(
            &with(|s| s.llmisvcs[0].conditions.clear(), llmisvc_ready),
            Status::Warn,
            "no Ready condition",
        );
        expect(
            &with(|s| s.llmisvcs.clear(), llmisvc_ready),
            Status::Info,
            "no LLMInferenceService in all namespaces",
        );
        expect(
            &with(|s| s.llmisvcs[0].stopped = true, llmisvc_ready),
            Status::Info,
            "stopped",
        );
    }

    #[test]
    fn vllm_pod_cases() {
        all_ok(&with(|_| {}, vllm_pods));
        let r = with(
            |s| {
                s.pods[0].ready = false;
                s.pods[0].waiting_reason = Some("CrashLoopBackOff".into());
                s.pods[0].restarts = 7;
            },
            vllm_pods,
        );
        expect(
            &r,
            Status::Error,
            "qwen-kserve-5f6b7c-aaaaa CrashLoopBackOff (7 restarts)",
        );
        assert!(r[0].fix.as_deref().unwrap().contains("--previous"));
        let r = with(
            |s| {
                s.pods[1].ready = false;
                s.pods[1].phase = "Pending".into();
            },
            vllm_pods,
        );
        expect(
            &r,
            Status::Error,
            "1/2 not ready: qwen-kserve-5f6b7c-bbbbb (Pending, not ready)",
        );
        expect(
            &with(|s| s.pods.retain(|p| p.name.contains("router")), vllm_pods),
            Status::Error,
            "no vLLM pods",
        );
        expect(
            &with(
                |s| {
                    s.pods.retain(|p| p.name.contains("router"));
                    s.llmisvcs[0].replicas = Some(0);
                },
                vllm_pods,
            ),
            Status::Info,
            "scaled to zero",
        );
    }

    #[test]
    fn epp_pod_cases() {
        all_ok(&with(|_| {}, epp_pod));
        expect(
            &with(|s| s.pods.retain(|p| !p.name.contains("router")), epp_pod),
            Status::Error,
            "no scheduler (EPP) pod",
        );
        expect(
            &with(|s| s.pods[2].ready = false, epp_pod),
            Status::Error,
            "not ready",
        );
    }

    #[test]
    fn pool_cases() {
        all_ok(&with(|_| {}, inferencepool));
        expect(
            &with(|s| s.pools.clear(), inferencepool),
            Status::Error,
            "no InferencePool qwen-inference-pool",
        );
        let r = with(
            |s| {
                s.pools[0].parents = vec![PoolParent {
                    kind: "Status".into(),
                    name: "default".into(),
                    ..Default::default()
                }]
            },
            inferencepool,
        );
        expect(&r, Status::Error, "not picked up by any gateway controller");
        assert_eq!(r[0].subject, "demo/qwen-inference-pool");
        let r = with(
            |s| {
                s.pools[0].parents[0].conditions[0] = Condition {
                    reason: Some("HTTPRouteNotAccepted".into()),
                    ..Condition::new("Accepted", "False")
                }
            },
            inferencepool,
        );
        expect(
            &r,
            Status::Error,
            "not Accepted by openshift-ingress/openshift-ai-inference: Accepted False (HTTPRouteNotAccepted)",
        );
        expect(
            &with(
                |s| s.pools[0].parents[0].conditions[1] = Condition::new("ResolvedRefs", "False"),
                inferencepool,
            ),
            Status::Error,
            "ResolvedRefs not True",
        );
        expect(
            &with(
                |s| {
                    s.pools[0]
                        .selector
                        .insert("app.kubernetes.io/name".into(), "other".into());
                },
                inferencepool,
            ),
            Status::Error,
            "matches none of the 2 vLLM pods",
        );
        expect(
            &with(|s| s.pools[0].selector.clear(), inferencepool),
            Status::Error,
            "empty selector",
        );
        expect(
            &with(
                |s| s.services.retain(|x| !x.name.ends_with("epp-service")),
                inferencepool,
            ),
            Status::Error,
            "EPP Service demo/qwen-epp-service does not exist",
        );
        expect(
            &with(
                |s| {
                    if let Some(e) = s.pools[0].epp.as_mut() {
                        e.port = Some(9999);
                    }
                },
                inferencepool,
            ),
            Status::Error,
            "has no port 9999",
        );
        expect(
            &with(|s| s.pools[0].epp = None, inferencepool),
            Status::Error,
            "no endpoint picker reference",
        );
        // A v1 copy nobody routes to (RHOAI 3.3 on Istio 1.26) is not judged.
        all_ok(&with(
            |s| {
                let mut copy = sample::pool(sample::NS, sample::NAME, PoolApi::K8sV1);
                copy.parents.clear();
                s.pools.push(copy);
            },
            inferencepool,
        ));
    }

    #[test]
    fn route_cases() {
        all_ok(&with(|_| {}, httproute));
        expect(
            &with(|s| s.routes.clear(), httproute),
            Status::Error,
            "no HTTPRoute",
        );
        let r = with(
            |s| {
                s.routes[0].parents[0].conditions[0] = Condition {
                    reason: Some("NotAllowedByListeners".into()),
                    ..Condition::new("Accepted", "False")
                }
            },
            httproute,
        );
        expect(
            &r,
            Status::Error,
            "not Accepted by Gateway openshift-ingress/openshift-ai-inference",
        );
        assert_eq!(r[0].subject, "demo/qwen-kserve-route");
        expect(
            &with(|s| s.routes[0].parents.clear(), httproute),
            Status::Error,
            "no status from Gateway",
        );
        expect(
            &with(
                |s| s.routes[0].parents[0].conditions[1] = Condition::new("ResolvedRefs", "False"),
                httproute,
            ),
            Status::Error,
            "backends not resolved",
        );
        let r = with(
            |s| s.routes[0].rules[1].filters.push("CORS".into()),
            httproute,
        );
        expect(
            &r,
            Status::Error,
            "rule 1 routes to an InferencePool and has a CORS filter: Istio 1.26.2 (OSSM)",
        );
        expect(
            &with(
                |s| {
                    s.routes[0].rules[0]
                        .filters
                        .push("ExtensionRef:FaultInjection/f".into())
                },
                httproute,
            ),
            Status::Error,
            "silently drops",
        );
        let r = with(
            |s| {
                s.routes[0].rules[0].filters.push("CORS".into());
                s.istio.control_planes[0].version = Some("v1.29.0".into());
            },
            httproute,
        );
        all_ok(&r);
        expect(
            &with(
                |s| {
                    s.routes[0].rules[0].filters.push("CORS".into());
                    s.istio = Default::default();
                },
                httproute,
            ),
            Status::Warn,
            "Istio version unknown",
        );
        expect(
            &with(
                |s| {
                    for rule in &mut s.routes[0].rules {
                        rule.backends.retain(|b| !b.is_pool())
                    }
                },
                httproute,
            ),
            Status::Warn,
            "no rule routes to an InferencePool",
        );
        expect(
            &with(
                |s| s.routes[0].rules[0].backends[0].group = "inference.networking.k8s.io".into(),
                httproute,
            ),
            Status::Error,
            "in group inference.networking.k8s.io does not exist",
        );
    }

    #[test]
    fn epp_tls_cases() {
        all_ok(&with(|_| {}, epp_tls));
        let strip = |s: &mut Snapshot| {
            let a = &mut s.pods[2].containers[0].args;
            let pos = a.iter().position(|x| x == "--cert-path").unwrap();
            a.drain(pos..pos + 2);
            a.retain(|x| x != "--secure-serving");
        };
        let r = with(strip, epp_tls);
        expect(
            &r,
            Status::Error,
            "runs without --secure-serving and --cert-path",
        );
        assert_eq!(r[0].fix.as_deref(), Some("oc llmd fix epp-tls"));
        expect(
            &with(
                |s| {
                    let a = &mut s.pods[2].containers[0].args;
                    let p = a.iter().position(|x| x == "--cert-path").unwrap();
                    a.drain(p..p + 2);
                },
                epp_tls,
            ),
            Status::Warn,
            "without --cert-path",
        );
        // No DestinationRule expecting TLS: plain text is fine.
        let r = with(
            |s| {
                strip(s);
                s.destination_rules.clear();
            },
            epp_tls,
        );
        all_ok(&r);
        expect(
            &with(
                |s| {
                    s.pods.retain(|p| !p.name.contains("router"));
                },
                epp_tls,
            ),
            Status::Skipped,
            "scheduler args unknown",
        );
        expect(
            &with(
                |s| {
                    s.pods[2].containers[0]
                        .args
                        .retain(|x| x != "--secure-serving");
                    s.pods[2].containers[0]
                        .args
                        .push("--secure-serving=false".into());
                },
                epp_tls,
            ),
            Status::Error,
            "without --secure-serving",
        );
    }

    #[test]
    fn pd_config_cases() {
        all_ok(&with(|_| {}, pd_config));
        let r = with(add_prefill, pd_config);
        expect(
            &r,
            Status::Error,
            "1 prefill pod(s) but the EndpointPickerConfig (default) lacks plugin pd-profile-handler, profile prefill, profile decode",
        );
        assert_eq!(r[0].fix.as_deref(), Some("oc llmd fix pd-config"));
        all_ok(&with(
            |s| {
                add_prefill(s);
                set_config(s, PD);
            },
            pd_config,
        ));
        expect(
            &with(
                |s| {
                    add_prefill(s);
                    set_config(s, &PD.replace("- name: decode", "- name: other"));
                },
                pd_config,
            ),
            Status::Error,
            "lacks profile decode",
        );
        expect(
            &with(
                |s| {
                    add_prefill(s);
                    s.pods[2].containers[0]
                        .args
                        .extend(["--config-file".into(), "/etc/epp.yaml".into()]);
                },
                pd_config,
            ),
            Status::Warn,
            "EndpointPickerConfig is unknown",
        );
    }

    #[test]
    fn pd_config_from_a_configmap_ref_is_unknown() {
        let r = with(
            |s| {
                add_prefill(s);
                s.llmisvcs[0].scheduler_config_ref = Some("epp-config/config.yaml".into());
            },
            pd_config,
        );
        expect(&r, Status::Warn, "ConfigMap epp-config/config.yaml");
    }

    #[test]
    fn prefix_caching_cases() {
        all_ok(&with(|_| {}, prefix_caching));
        let r = with(
            |s| {
                s.pods[0].containers[0]
                    .args
                    .push("--no-enable-prefix-caching".into())
            },
            prefix_caching,
        );
        expect(
            &r,
            Status::Warn,
            "prefix caching is off on qwen-kserve-5f6b7c-aaaaa (--no-enable-prefix-caching)",
        );
        expect(
            &with(
                |s| {
                    s.pods[1].containers[0]
                        .env
                        .insert("VLLM_USE_V1".into(), "0".into())
                        .map(|_| ())
                        .unwrap_or(())
                },
                prefix_caching,
            ),
            Status::Warn,
            "V0",
        );
        // No prefix scorer: caching off does not matter.
        all_ok(&with(
            |s| {
                s.pods[0].containers[0]
                    .args
                    .push("--no-enable-prefix-caching".into());
                set_config(
                    s,
                    "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n",
                );
            },
            prefix_caching,
        ));
    }

    #[test]
    fn epp_in_loop_cases() {
        expect(
            &with(|_| {}, epp_in_loop),
            Status::Skipped,
            "Thanos not queried",
        );
        let live = |f: fn(&mut crate::cluster::model::RequestRates)| {
            move |s: &mut Snapshot| {
                let mut l = sample::healthy_live();
                if let Some(r) = l.request_rates.get_mut("demo/qwen") {
                    f(r);
                }
                s.live = Some(l);
            }
        };
        all_ok(&with(live(|_| {}), epp_in_loop));
        let r = with(live(|r| r.epp_per_second = Some(0.0)), epp_in_loop);
        expect(&r, Status::Error, "the EPP saw none");
        assert_eq!(
            r[0].fix.as_deref(),
            Some("oc llmd fix envoyfilter --gateway openshift-ai-inference")
        );
        expect(
            &with(
                live(|r| {
                    for v in r.vllm_per_second.values_mut() {
                        *v = 2.0;
                    }
                }),
                epp_in_loop,
            ),
            Status::Warn,
            "split evenly",
        );
        // vLLM scraped (it has series) but no request counted in the window.
        expect(
            &with(live(|r| r.vllm_per_second.clear()), epp_in_loop),
            Status::Info,
            "no traffic",
        );
        expect(
            &with(
                live(|r| {
                    for v in r.vllm_per_second.values_mut() {
                        *v = 0.0;
                    }
                }),
                epp_in_loop,
            ),
            Status::Info,
            "no traffic",
        );
        // No EPP request series while the EPP pod is scraped: the EPP counted nothing.
        expect(
            &with(live(|r| r.epp_per_second = None), epp_in_loop),
            Status::Error,
            "the EPP saw none",
        );
        // Even split without cache-aware scoring is no sign of anything.
        all_ok(&with(
            |s| {
                live(|r| {
                    for v in r.vllm_per_second.values_mut() {
                        *v = 2.0;
                    }
                })(s);
                let epp = s
                    .pods
                    .iter_mut()
                    .find(|p| p.name.contains("router-scheduler"))
                    .unwrap();
                epp.containers[0].args.push("--config-text".into());
                epp.containers[0].args.push(
                    "plugins:\n- type: queue-scorer\n- type: max-score-picker\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n  - pluginRef: max-score-picker\n".into(),
                );
            },
            epp_in_loop,
        ));
    }

    #[test]
    fn epp_in_loop_does_not_blame_the_gateway_for_missing_scrapes() {
        let unscraped = |pod: &'static str| {
            move |s: &mut Snapshot| {
                let mut l = sample::healthy_live();
                l.series_per_pod.retain(|k, _| !k.contains(pod));
                if let Some(r) = l.request_rates.get_mut("demo/qwen") {
                    if pod.contains("router-scheduler") {
                        r.epp_per_second = None;
                    } else {
                        r.vllm_per_second.clear();
                    }
                }
                s.live = Some(l);
            }
        };
        // The EPP is not scraped: no EPP series is no proof of a bypass.
        let r = with(unscraped("router-scheduler"), epp_in_loop);
        expect(&r, Status::Skipped, "see epp-scrape");
        assert_eq!(r[0].subject, "demo/qwen");
        // vLLM is not scraped: nothing to compare.
        expect(
            &with(unscraped("qwen-kserve-5f6b7c-"), epp_in_loop),
            Status::Skipped,
            "vLLM is not scraped",
        );
        // No rates at all for the service.
        expect(
            &with(
                |s| {
                    let mut l = sample::healthy_live();
                    l.request_rates.clear();
                    s.live = Some(l);
                },
                epp_in_loop,
            ),
            Status::Skipped,
            "no request rates",
        );
        // User workload monitoring off: say so instead of guessing.
        expect(
            &with(
                |s| {
                    s.live = Some(sample::healthy_live());
                    s.monitoring.uwm_enabled = Some(false);
                },
                epp_in_loop,
            ),
            Status::Skipped,
            "user workload monitoring is off",
        );
    }

    /// Branches the per-check tests above leave out: stopped services, a missing route, an
    /// unreadable EndpointPickerConfig, no pods to inspect.
    #[test]
    fn remaining_serving_branches() {
        let r = with(
            |s| s.pods.retain(|p| !p.name.contains("router-scheduler")),
            epp_pod,
        );
        expect(&r, Status::Error, "no scheduler (EPP) pod");
        assert!(
            r[0].fix
                .as_deref()
                .unwrap()
                .contains("describe deployment qwen-kserve-router-scheduler")
        );
        expect(
            &with(
                |s| {
                    s.pods.retain(|p| !p.name.contains("router-scheduler"));
                    s.llmisvcs[0].stopped = true;
                },
                epp_pod,
            ),
            Status::Info,
            "no EPP pod (stopped)",
        );
        let r = with(|s| s.routes.clear(), httproute);
        expect(
            &r,
            Status::Error,
            "no HTTPRoute for qwen (expected qwen-kserve-route)",
        );
        assert_eq!(r[0].subject, "demo/qwen");
        expect(
            &with(
                |s| {
                    s.pods[2].containers[0]
                        .args
                        .extend(["--config-file".into(), "/etc/epp.yaml".into()]);
                },
                prefix_caching,
            ),
            Status::Skipped,
            "EndpointPickerConfig unknown",
        );
        expect(
            &with(
                |s| s.pods.retain(|p| !p.name.starts_with("qwen-kserve-5f")),
                prefix_caching,
            ),
            Status::Skipped,
            "no vLLM pods to inspect",
        );
    }
}
