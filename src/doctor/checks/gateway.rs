//! Gateway checks, one result per Gateway that routes to an InferencePool: its address, whether
//! its Istio watches the pools' API version with the inference extension on, and on Istio 1.26
//! the EnvoyFilter that wires the base ext_proc filter to the real EPP; with `--probe`, what test
//! requests through it answered ([`crate::cluster::probe`]).

use super::{
    IstioInfo, POOL_KEYS, gateway_controller, is_istio_controller, istio_info, unreadable,
};
use crate::cluster::Model;
use crate::cluster::model::{EnvoyFilter, Gateway, ObjectRef, PoolApi, keys};
use crate::cluster::probe::{self, ProbeErrorKind, ProbeStep, ProbeTarget};
use crate::cluster::relations::ServiceRelations;
use crate::doctor::report::{CheckResult, error, info, ok, skipped, warn};

const EXT_PROC: &str = "envoy.filters.http.ext_proc";
const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// Pool API versions the routes attached to `gw` send traffic to.
fn routed_pool_apis(gw: &ObjectRef, services: &[&ServiceRelations]) -> Vec<PoolApi> {
    let mut apis: Vec<PoolApi> = services
        .iter()
        .flat_map(|s| s.routes.iter())
        .filter(|r| {
            r.parent_refs
                .iter()
                .any(|p| p.name == gw.name && p.namespace == gw.namespace)
        })
        .flat_map(|r| r.rules.iter().flat_map(|x| &x.backends))
        .filter(|b| b.is_pool())
        .filter_map(|b| PoolApi::from_group(&b.group))
        .collect();
    apis.sort_by_key(|a| a.api_version());
    apis.dedup();
    apis
}

/// The Istio facts for a gateway: Some(Ok) Istio, Some(Err(reason)) not Istio, None unknown.
pub(crate) fn istio_for(m: &Model, gw: Option<&Gateway>) -> Result<Option<IstioInfo>, String> {
    if let Some(gw) = gw
        && let Some(controller) = gateway_controller(m, gw)
        && !is_istio_controller(controller)
    {
        return Err(format!(
            "GatewayClass {} (controller {controller}) is not Istio",
            gw.class
        ));
    }
    Ok(istio_info(m))
}

fn gateways_or_skip(m: &Model, id: &str) -> Option<Vec<CheckResult>> {
    if let Some(reason) = m.snap.list_state(keys::GATEWAYS).reason() {
        return Some(vec![skipped(
            id,
            "",
            format!("cannot list Gateways: {reason}"),
        )]);
    }
    if let Some(reason) = m.snap.list_state(keys::GATEWAYS_INGRESS).reason() {
        return Some(vec![skipped(
            id,
            "",
            format!("cannot list Gateways in openshift-ingress: {reason}"),
        )]);
    }
    None
}

pub fn gateway_address(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "gateway-address";
    if let Some(s) = gateways_or_skip(m, ID) {
        return s;
    }
    m.pool_gateways()
        .into_iter()
        .map(|(key, gw, _)| {
            let subject = key.to_string();
            let Some(gw) = gw else {
                return error(ID, &subject, "Gateway does not exist (an HTTPRoute to an InferencePool names it)")
                    .fix(format!("oc -n {} get gateways", key.namespace))
                    .hint("a route whose parent Gateway is missing serves no traffic");
            };
            let describe = format!("oc -n {} describe gateway {}", gw.namespace, gw.name);
            if let Some(c) = gw.conditions.iter().find(|c| c.type_ == "Programmed" && c.status == "False") {
                return error(ID, &subject, format!(
                    "not Programmed: {}",
                    c.message.clone().or(c.reason.clone()).unwrap_or_default()
                ))
                .fix(describe)
                .hint("the gateway controller could not deploy or configure this gateway");
            }
            if gw.addresses.is_empty() {
                return error(ID, &subject, "no address in status: clients cannot reach it")
                    .fix(describe)
                    .hint("the address comes from the gateway's LoadBalancer Service; without one the model URL does not resolve");
            }
            ok(ID, &subject, format!("address {}", gw.addresses.join(", ")))
        })
        .collect()
}

pub fn istio_inference_support(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "istio-inference-support";
    if let Some(s) = gateways_or_skip(m, ID) {
        return s;
    }
    m.pool_gateways()
        .into_iter()
        .map(|(key, gw, services)| {
            let subject = key.to_string();
            let istio = match istio_for(m, gw) {
                Err(reason) => return info(ID, &subject, format!("{reason}: not checked")),
                Ok(None) => {
                    return warn(ID, &subject, "Istio version unknown (no Sail Istio CR, no istiod Deployment with a version)")
                        .fix("oc get istio -o jsonpath='{.items[*].spec.version}'; oc get deploy -A -l app=istiod --show-labels")
                        .hint("which InferencePool API the gateway watches depends on the Istio version");
                }
                Ok(Some(i)) => i,
            };
            let apis = routed_pool_apis(&key, &services);
            let Some(watched) = istio.watched_pool_api() else {
                return error(ID, &subject, format!("{} has no InferencePool support", istio.label()))
                    .fix("upgrade to OpenShift Service Mesh 3.1+ (Istio 1.26 OSSM) or Istio 1.27+")
                    .hint("a gateway that does not know InferencePools never calls the EPP");
            };
            if let Some(wrong) = apis.iter().find(|a| **a != watched) {
                return error(ID, &subject, format!(
                    "routes send traffic to {} pools but {} watches only {}: the pools are never programmed",
                    wrong.api_version(),
                    istio.label(),
                    watched.api_version()
                ))
                .fix(format!(
                    "point the HTTPRoute backendRefs at the {} pool (group {}), or move to an Istio that watches {}",
                    watched.api_version(),
                    watched.group(),
                    wrong.api_version()
                ))
                .hint("each Istio line watches exactly one InferencePool API version (OSSM 1.26: x-k8s.io/v1alpha2; OSSM 1.27 and 1.28+: k8s.io/v1)");
            }
            match istio.inference_extension {
                Some(true) => {}
                Some(false) => {
                    return error(ID, &subject, format!(
                        "istiod {} runs without ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true",
                        istio.istiod.clone().unwrap_or_default()
                    ))
                    .fix("oc -n openshift-ingress-operator rollout restart deployment ingress-operator  # it sets the flag when an InferencePool CRD exists")
                    .hint("without the flag istiod ignores InferencePools entirely");
                }
                None => {
                    return warn(ID, &subject, format!(
                        "{} watches {}, but no istiod Deployment was readable to confirm ENABLE_GATEWAY_API_INFERENCE_EXTENSION",
                        istio.label(),
                        watched.api_version()
                    ))
                    .fix("oc get deploy -A -l app=istiod -o jsonpath='{..env}'")
                    .hint("without the flag istiod ignores InferencePools entirely");
                }
            }
            ok(ID, &subject, format!(
                "{} watches {} (as the routed pools use); inference extension enabled",
                istio.label(),
                watched.api_version()
            ))
        })
        .collect()
}

fn selects_gateway(f: &EnvoyFilter, gw: &ObjectRef) -> bool {
    if f.namespace != gw.namespace {
        return false;
    }
    if f.target_refs
        .iter()
        .any(|t| *t == format!("Gateway/{}", gw.name))
    {
        return true;
    }
    match &f.workload_selector {
        Some(labels) if !labels.is_empty() => {
            labels.get(GATEWAY_NAME_LABEL) == Some(&gw.name)
                && labels
                    .keys()
                    .all(|k| k == GATEWAY_NAME_LABEL || k == "istio.io/gateway-name")
        }
        // No selector and no targetRefs: applies to every proxy in the namespace.
        _ => f.target_refs.is_empty(),
    }
}

/// `outbound|<port>||<host>` → (port, host)
fn parse_cluster(name: &str) -> Option<(i64, &str)> {
    let mut parts = name.split('|');
    let (dir, port, _subset, host) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if dir != "outbound" {
        return None;
    }
    Some((port.parse().ok()?, host))
}

/// Every EPP cluster name that is real for the services behind a gateway.
pub(crate) fn real_epp_clusters(services: &[&ServiceRelations]) -> Vec<String> {
    let mut out = Vec::new();
    for s in services {
        for p in s.active_pools() {
            let Some(epp) = &p.epp else { continue };
            let port = epp.port.unwrap_or(9002);
            let exists = s.epp_services.iter().any(|(n, svc)| {
                *n == epp.name && svc.is_some_and(|x| x.ports.iter().any(|sp| sp.port == port))
            });
            if exists {
                out.push(format!(
                    "outbound|{port}||{}.{}.svc.cluster.local",
                    epp.name, p.namespace
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn extproc_wiring(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "extproc-wiring";
    if let Some(s) = gateways_or_skip(m, ID) {
        return s;
    }
    // The real EPP clusters come from the pools and their Services: unreadable lists mean an
    // unknown cluster cannot be called wrong.
    let epp_gap = unreadable(m.snap, POOL_KEYS).or_else(|| unreadable(m.snap, &[keys::SERVICES]));
    m.pool_gateways()
        .into_iter()
        .map(|(key, gw, services)| {
            let subject = key.to_string();
            let fix = format!("oc llmd fix envoyfilter --gateway {}", key.name);
            let istio = match istio_for(m, gw) {
                Err(reason) => return info(ID, &subject, format!("{reason}: not checked")),
                Ok(None) => return skipped(ID, &subject, "Istio version unknown (see istio-inference-support)"),
                Ok(Some(i)) => i,
            };
            let affected = istio.minor() == Some((1, 26));
            let listed = m.snap.list_state(keys::ENVOYFILTERS).is_listed()
                && m.snap.list_state(keys::ENVOYFILTERS_INGRESS).is_listed();
            if !listed && affected {
                return skipped(ID, &subject, "cannot list EnvoyFilters (see permissions)");
            }
            let filters: Vec<&EnvoyFilter> = m
                .snap
                .envoy_filters
                .iter()
                .filter(|f| selects_gateway(f, &key))
                .collect();
            let patches: Vec<(&EnvoyFilter, &crate::cluster::model::EnvoyPatch)> = filters
                .iter()
                .flat_map(|f| f.patches.iter().map(move |p| (*f, p)))
                .collect();
            let base: Vec<_> = patches
                .iter()
                .filter(|(_, p)| p.apply_to == "HTTP_FILTER" && p.sub_filter.as_deref() == Some(EXT_PROC))
                .collect();
            if !affected && base.is_empty() {
                let note = if istio.minor() == Some((1, 27)) {
                    "; 1.27 also streams bodies FULL_DUPLEX without trailers, but the EPP bypass was only reported on 1.26"
                } else {
                    ""
                };
                return ok(ID, &subject, format!("{}: no ext_proc workaround needed{note}", istio.label()));
            }
            let real = real_epp_clusters(&services);
            let hint_dummy = "Istio 1.26 registers the gateway's base ext_proc filter with cluster dummy and header mode SKIP; a per-route override cannot un-skip it, so the EPP is never contacted";
            if base.is_empty() {
                let route_only = patches.iter().any(|(_, p)| p.apply_to == "HTTP_ROUTE");
                let names: Vec<&str> = filters.iter().map(|f| f.name.as_str()).collect();
                return if route_only {
                    error(ID, &subject, format!(
                        "EnvoyFilter {} patches only HTTP_ROUTE: on {} the base ext_proc filter still points at cluster dummy, so the EPP is never contacted",
                        names.join(", "),
                        istio.label()
                    ))
                    .fix(fix)
                    .hint(hint_dummy)
                } else {
                    error(ID, &subject, format!(
                        "no EnvoyFilter patches the ext_proc HTTP_FILTER on this gateway: on {} the EPP is never contacted",
                        istio.label()
                    ))
                    .fix(fix)
                    .hint(hint_dummy)
                };
            }
            // Judge every base patch; the first valid one wins, else report the first problem.
            let mut problems: Vec<CheckResult> = Vec::new();
            for (f, p) in &base {
                let name = format!("{}/{}", f.namespace, f.name);
                if p.operation != "MERGE" {
                    problems.push(error(ID, &subject, format!("EnvoyFilter {name} patches ext_proc with operation {} instead of MERGE", p.operation))
                        .fix(fix.clone())
                        .hint("only a MERGE keeps Istio's filter and swaps in the real EPP cluster"));
                    continue;
                }
                let cluster = p.cluster_name.clone().unwrap_or_default();
                if cluster.is_empty() || cluster == "dummy" {
                    problems.push(error(ID, &subject, format!(
                        "EnvoyFilter {name} leaves the ext_proc cluster at {}",
                        if cluster.is_empty() { "Istio's default (dummy)" } else { "dummy" }
                    ))
                    .fix(fix.clone())
                    .hint(hint_dummy));
                    continue;
                }
                if !real.contains(&cluster) {
                    if let Some(gap) = &epp_gap {
                        return skipped(ID, &subject, format!("cannot verify the ext_proc cluster {cluster} of EnvoyFilter {name}: {gap}"));
                    }
                    let what = match parse_cluster(&cluster) {
                        Some((port, host)) => format!("{host}:{port}, which is not an existing EPP Service port behind this gateway"),
                        None => format!("{cluster:?}, which is not an outbound|<port>||<service> cluster"),
                    };
                    problems.push(error(ID, &subject, format!("EnvoyFilter {name} points ext_proc at {what}"))
                        .fix(fix.clone())
                        .hint("Envoy cannot reach a missing EPP; with failure_mode_allow the gateway silently round-robins"));
                    continue;
                }
                if p.request_body_mode.as_deref() == Some("FULL_DUPLEX_STREAMED") {
                    problems.push(error(ID, &subject, format!(
                        "EnvoyFilter {name} sets request_body_mode FULL_DUPLEX_STREAMED: on {} vLLM receives no body (400 \"body required\")",
                        istio.label()
                    ))
                    .fix(format!("{fix} --body-mode STREAMED"))
                    .hint("Istio 1.26 streams full-duplex without trailer SEND, and the request body never reaches vLLM"));
                    continue;
                }
                return ok(ID, &subject, format!(
                    "EnvoyFilter {name} patches ext_proc to {cluster}, body mode {}",
                    p.request_body_mode.clone().unwrap_or_else(|| "default".into())
                ));
            }
            problems.into_iter().next().unwrap_or_else(|| {
                error(ID, &subject, "no usable ext_proc patch").fix(fix.clone()).hint(hint_dummy)
            })
        })
        .collect()
}

/// The gateway's failure in words, and what to do, for a step that got no HTTP answer.
fn transport_finding(
    id: &str,
    subject: &str,
    what: &str,
    step: &ProbeStep,
    gateway: &ObjectRef,
) -> CheckResult {
    let err = step.error.clone().unwrap_or_default();
    let address_fix = format!(
        "oc -n {ns} get gateway {name} -o jsonpath='{{.status.addresses}}'  # behind a port-forward: oc llmd doctor --probe --probe-address {ns}/{name}=http://localhost:PORT",
        ns = gateway.namespace,
        name = gateway.name
    );
    match err.kind {
        ProbeErrorKind::Timeout => error(id, subject, format!(
            "{what}: {} {}: no answer within {} s",
            step.method,
            step.url,
            probe::REQUEST_TIMEOUT.as_secs()
        ))
        .fix(address_fix)
        .hint("a gateway that accepts connections but never answers usually has no ready Envoy pod or a firewall in between"),
        ProbeErrorKind::Refused => error(id, subject, format!(
            "{what}: {} {}: connection refused",
            step.method, step.url
        ))
        .fix(address_fix)
        .hint("nothing listens at that address and port: the Gateway's Service or the port-forward is not there"),
        ProbeErrorKind::Dns => error(id, subject, format!(
            "{what}: {} {}: the host name does not resolve ({})",
            step.method, step.url, err.message
        ))
        .fix(address_fix)
        .hint("the load balancer name is not in DNS from here; use --probe-address with an address that is"),
        ProbeErrorKind::Tls => error(id, subject, format!(
            "{what}: {} {}: TLS failed ({})",
            step.method, step.url, err.message
        ))
        .fix("pass the gateway's CA with --certificate-authority <pem> (or, unsafely, --insecure-skip-tls-verify)")
        .hint("the probe verifies the gateway certificate against the kubeconfig's CA bundle and the system roots"),
        ProbeErrorKind::Other => error(id, subject, format!(
            "{what}: {} {}: {}",
            step.method, step.url, err.message
        ))
        .fix(address_fix)
        .hint("the probe could not complete the request"),
    }
}

fn auth_finding(
    id: &str,
    subject: &str,
    what: &str,
    step: &ProbeStep,
    gateway: &ObjectRef,
) -> CheckResult {
    warn(id, subject, format!(
        "{what}: gateway {} requires authentication: {} {} → {} (the probe sends no credentials, so the model path is not verified)",
        gateway.name,
        step.method,
        step.url,
        step.status.unwrap_or_default()
    ))
    .fix(format!(
        "curl -H \"Authorization: Bearer $TOKEN\" {}  # with a token the gateway's auth policy accepts",
        step.url
    ))
    .hint("an auth gateway (for example maas-gateway with a Kuadrant AuthPolicy) rejects anonymous requests with 401/403")
}

fn body_gap(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("field required")
        || lower.contains("body required")
        || lower.contains("\"loc\":[\"body\"]")
}

/// One probed route, judged.
fn judge_probe(t: &ProbeTarget) -> CheckResult {
    const ID: &str = "gateway-probe";
    let subject = t.gateway.to_string();
    let what = format!("route {} ({})", t.route, t.service);
    if let Some(why) = &t.not_probed {
        return skipped(ID, &subject, format!("{what}: not probed: {why}"))
            .fix(format!(
                "oc llmd doctor --probe --probe-address {}=http://HOST:PORT",
                t.gateway
            ))
            .hint("give the probe an address it can reach (for example a port-forward to the gateway Service)");
    }
    let Some(models) = &t.models else {
        return skipped(ID, &subject, format!("{what}: not probed"));
    };
    if models.error.is_some() {
        return transport_finding(ID, &subject, &what, models, &t.gateway);
    }
    if matches!(models.status, Some(401 | 403)) {
        return auth_finding(ID, &subject, &what, models, &t.gateway);
    }
    let Some(c) = &t.completion else {
        return skipped(ID, &subject, format!("{what}: no completion was sent"));
    };
    if c.error.is_some() {
        return transport_finding(ID, &subject, &what, c, &t.gateway);
    }
    let sent = c.model_sent.clone().unwrap_or_default();
    let listed = if models.model_ids.is_empty() {
        format!("GET /v1/models → {}", models.status.unwrap_or_default())
    } else {
        format!("/v1/models lists {}", models.model_ids.join(", "))
    };
    let status = c.status.unwrap_or_default();
    match status {
        200..=299 => ok(ID, &subject, format!(
            "{what}: {listed}; POST {} (model {sent:?}, max_tokens 1) → {status} in {} ms",
            c.url, c.elapsed_ms
        )),
        400 if body_gap(&c.body) => error(ID, &subject, format!(
            "{what}: POST {} → 400 {}: the request body never reached vLLM (the Istio 1.26 ext_proc body gap)",
            c.url, c.body
        ))
        .fix(format!("oc llmd fix envoyfilter --gateway {}", t.gateway.name))
        .hint("on InferencePool routes Istio 1.26 streams the body FULL_DUPLEX to the EPP and vLLM receives none; the EnvoyFilter workaround patches the base ext_proc filter"),
        404 if c.body.to_ascii_lowercase().contains("model") => {
            let right = models
                .model_ids
                .iter()
                .find(|m| **m != sent)
                .or(t.expected_model.as_ref().filter(|m| **m != sent));
            let (msg, fix) = match right {
                Some(r) => (
                    format!("{what}: POST {} → 404: model {sent:?} does not exist here; the served model is {r:?}", c.url),
                    format!("send \"model\": \"{r}\" (the id GET {}/v1/models lists)", t.base_url.clone().unwrap_or_default()),
                ),
                None => (
                    format!("{what}: POST {} → 404: model {sent:?} does not exist here ({})", c.url, c.body),
                    format!("curl {}/v1/models  # and send one of the ids it lists", t.base_url.clone().unwrap_or_default()),
                ),
            };
            error(ID, &subject, msg)
                .fix(fix)
                .hint("vLLM serves the model under its served name (e.g. Qwen/Qwen3-0.6B), not the Kubernetes name")
        }
        401 | 403 => auth_finding(ID, &subject, &what, c, &t.gateway),
        404 => error(ID, &subject, format!("{what}: POST {} → 404: no route for this path", c.url))
            .fix(format!("oc -n {} get httproute {} -o yaml", t.route.namespace, t.route.name))
            .hint("the gateway has no rule matching the path the HTTPRoute's pool rule names"),
        503 => error(ID, &subject, format!(
            "{what}: POST {} → 503 {}: no healthy upstream",
            c.url, c.body
        ))
        .fix(format!("oc llmd doctor --check vllm-pods --check epp-pod -n {}", t.service.namespace))
        .hint("the gateway found no ready endpoint behind the route"),
        _ => error(ID, &subject, format!(
            "{what}: POST {} → {status} {}",
            c.url, c.body
        ))
        .fix(format!("curl -v {}", c.url))
        .hint("the gateway or vLLM answered with an unexpected status"),
    }
}

/// `--probe`: the test requests through each gateway, one result per probed route.
pub fn gateway_probe(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "gateway-probe";
    let Some(probe) = &m.snap.probe else {
        return vec![skipped(
            ID,
            "",
            "not probed (pass --probe to send test requests)",
        )];
    };
    if probe.targets.is_empty() {
        return vec![info(
            ID,
            "",
            "no Gateway routes to an InferencePool: nothing to probe",
        )];
    }
    probe.targets.iter().map(judge_probe).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{Condition, ListState, PoolApi, Snapshot};
    use crate::cluster::sample;
    use crate::doctor::checks::test_support::*;
    use crate::doctor::report::Status;

    #[test]
    fn address_cases() {
        all_ok(&with(|_| {}, gateway_address));
        let r = with(|s| s.gateways[0].addresses.clear(), gateway_address);
        expect(&r, Status::Error, "no address");
        assert_eq!(r[0].subject, "openshift-ingress/openshift-ai-inference");
        expect(
            &with(|s| s.gateways.clear(), gateway_address),
            Status::Error,
            "does not exist",
        );
        expect(
            &with(
                |s| s.gateways[0].conditions = vec![Condition::new("Programmed", "False")],
                gateway_address,
            ),
            Status::Error,
            "not Programmed",
        );
        expect(
            &with(
                |s| {
                    s.lists
                        .insert(keys::GATEWAYS.into(), ListState::Forbidden("x".into()));
                },
                gateway_address,
            ),
            Status::Skipped,
            "cannot list Gateways",
        );
        assert!(with(|s| s.routes.clear(), gateway_address).is_empty());
    }

    fn v1_everywhere(s: &mut Snapshot) {
        s.pools = vec![sample::pool(sample::NS, sample::NAME, PoolApi::K8sV1)];
        s.routes = vec![sample::route(
            sample::NS,
            sample::NAME,
            sample::GATEWAY,
            PoolApi::K8sV1,
        )];
    }

    #[test]
    fn istio_support_cases() {
        all_ok(&with(|_| {}, istio_inference_support));
        // RHOAI 3.4 routes to v1 pools; OSSM 1.26 watches only v1alpha2.
        let r = with(v1_everywhere, istio_inference_support);
        expect(
            &r,
            Status::Error,
            "routes send traffic to inference.networking.k8s.io/v1 pools but Istio 1.26.2 (OSSM) watches only inference.networking.x-k8s.io/v1alpha2",
        );
        // OSSM 1.27 (OCP 4.21) watches v1 only.
        all_ok(&with(
            |s| {
                v1_everywhere(s);
                s.istio.control_planes[0].version = Some("v1.27.3".into());
            },
            istio_inference_support,
        ));
        expect(
            &with(
                |s| s.istio.control_planes[0].version = Some("v1.27.3".into()),
                istio_inference_support,
            ),
            Status::Error,
            "watches only inference.networking.k8s.io/v1",
        );
        // Upstream 1.26 has no support at all.
        let r = with(
            |s| {
                s.istio.control_planes.clear();
                s.gateway_classes[0].controller = "istio.io/gateway-controller".into();
                s.istio.istiods[0]
                    .labels
                    .insert("app.kubernetes.io/version".into(), "1.26.0".into());
            },
            istio_inference_support,
        );
        expect(
            &r,
            Status::Error,
            "Istio 1.26.0 (upstream) has no InferencePool support",
        );
        let r = with(
            |s| {
                s.istio.istiods[0].containers[0].env.clear();
            },
            istio_inference_support,
        );
        expect(
            &r,
            Status::Error,
            "without ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true",
        );
        expect(
            &with(|s| s.istio.istiods.clear(), istio_inference_support),
            Status::Warn,
            "no istiod Deployment was readable",
        );
        expect(
            &with(|s| s.istio = Default::default(), istio_inference_support),
            Status::Warn,
            "Istio version unknown",
        );
        expect(
            &with(
                |s| s.gateway_classes[0].controller = "example.com/other".into(),
                istio_inference_support,
            ),
            Status::Info,
            "is not Istio",
        );
        // Version from the istiod label when no Istio CR exists.
        all_ok(&with(
            |s| s.istio.control_planes.clear(),
            istio_inference_support,
        ));
    }

    #[test]
    fn extproc_cases() {
        let r = with(|_| {}, extproc_wiring);
        all_ok(&r);
        assert!(r[0].message.contains(
            "outbound|9002||qwen-epp-service.demo.svc.cluster.local, body mode STREAMED"
        ));
        let r = with(|s| s.envoy_filters.clear(), extproc_wiring);
        expect(
            &r,
            Status::Error,
            "no EnvoyFilter patches the ext_proc HTTP_FILTER",
        );
        assert_eq!(
            r[0].fix.as_deref(),
            Some("oc llmd fix envoyfilter --gateway openshift-ai-inference")
        );
        let r = with(
            |s| {
                let p = &mut s.envoy_filters[0].patches[0];
                p.apply_to = "HTTP_ROUTE".into();
                p.sub_filter = None;
                p.route_name = Some("demo.qwen-kserve-route.0".into());
                p.request_body_mode = Some("BUFFERED".into());
            },
            extproc_wiring,
        );
        expect(&r, Status::Error, "patches only HTTP_ROUTE");
        expect(
            &with(
                |s| s.envoy_filters[0].patches[0].cluster_name = Some("dummy".into()),
                extproc_wiring,
            ),
            Status::Error,
            "cluster at dummy",
        );
        expect(
            &with(
                |s| {
                    s.envoy_filters[0].patches[0].request_body_mode =
                        Some("FULL_DUPLEX_STREAMED".into())
                },
                extproc_wiring,
            ),
            Status::Error,
            "FULL_DUPLEX_STREAMED",
        );
        expect(
            &with(
                |s| {
                    s.envoy_filters[0].patches[0].cluster_name =
                        Some("outbound|9002||gone-epp-service.demo.svc.cluster.local".into())
                },
                extproc_wiring,
            ),
            Status::Error,
            "gone-epp-service.demo.svc.cluster.local:9002, which is not an existing EPP Service",
        );
        expect(
            &with(
                |s| s.services.retain(|x| !x.name.ends_with("epp-service")),
                extproc_wiring,
            ),
            Status::Error,
            "not an existing EPP Service",
        );
        expect(
            &with(
                |s| s.envoy_filters[0].patches[0].operation = "REPLACE".into(),
                extproc_wiring,
            ),
            Status::Error,
            "instead of MERGE",
        );
        // A filter for another gateway does not count (the maas-gateway case).
        let r = with(
            |s| {
                s.gateways.push(sample::gateway("maas-gateway"));
                let mut second = sample::route(
                    sample::NS,
                    sample::NAME,
                    "maas-gateway",
                    PoolApi::XK8sV1alpha2,
                );
                second.name = "qwen-maas-route".into();
                s.routes.push(second);
            },
            extproc_wiring,
        );
        assert_eq!(r.len(), 2);
        expect(&r, Status::Error, "no EnvoyFilter patches");
        assert!(r.iter().any(|x| x.subject == "openshift-ingress/maas-gateway" && x.status == Status::Error));
        assert!(
            r.iter()
                .any(|x| x.subject == "openshift-ingress/openshift-ai-inference"
                    && x.status == Status::Ok)
        );
        // targetRefs select too.
        all_ok(&with(
            |s| {
                s.envoy_filters[0].workload_selector = None;
                s.envoy_filters[0].target_refs = vec!["Gateway/openshift-ai-inference".into()];
            },
            extproc_wiring,
        ));
        // Istio 1.28: no workaround needed.
        let r = with(
            |s| {
                v1_everywhere(s);
                s.envoy_filters.clear();
                s.istio.control_planes[0].version = Some("v1.28.1".into());
            },
            extproc_wiring,
        );
        expect(&r, Status::Ok, "no ext_proc workaround needed");
        let r = with(
            |s| {
                s.envoy_filters.clear();
                s.istio.control_planes[0].version = Some("v1.27.3".into());
            },
            extproc_wiring,
        );
        expect(&r, Status::Ok, "only reported on 1.26");
        // A broken filter is still judged on unaffected Istio.
        expect(
            &with(
                |s| {
                    s.istio.control_planes[0].version = Some("v1.28.1".into());
                    s.envoy_filters[0].patches[0].cluster_name = Some("dummy".into());
                },
                extproc_wiring,
            ),
            Status::Error,
            "dummy",
        );
        expect(
            &with(|s| s.istio = Default::default(), extproc_wiring),
            Status::Skipped,
            "Istio version unknown",
        );
    }

    /// Non-Istio gateways, unreadable EnvoyFilters or Gateways, and malformed cluster names.
    #[test]
    fn extproc_and_gateway_edge_cases() {
        let r = with(
            |s| s.gateway_classes[0].controller = "example.com/other".into(),
            extproc_wiring,
        );
        expect(&r, Status::Info, "is not Istio: not checked");
        expect(
            &with(
                |s| {
                    s.lists
                        .insert(keys::ENVOYFILTERS.into(), ListState::Forbidden("x".into()));
                },
                extproc_wiring,
            ),
            Status::Skipped,
            "cannot list EnvoyFilters (see permissions)",
        );
        expect(
            &with(
                |s| s.envoy_filters[0].patches[0].cluster_name = Some("my-epp".into()),
                extproc_wiring,
            ),
            Status::Error,
            "\"my-epp\", which is not an outbound|<port>||<service> cluster",
        );
        expect(
            &with(
                |s| s.envoy_filters[0].patches[0].cluster_name = None,
                extproc_wiring,
            ),
            Status::Error,
            "Istio's default (dummy)",
        );
        for id_check in [gateway_address, istio_inference_support, extproc_wiring] {
            expect(
                &with(
                    |s| {
                        s.lists.insert(
                            keys::GATEWAYS_INGRESS.into(),
                            ListState::Forbidden("x".into()),
                        );
                    },
                    id_check,
                ),
                Status::Skipped,
                "cannot list Gateways in openshift-ingress",
            );
        }
    }

    #[test]
    fn cluster_names_parse() {
        assert_eq!(
            parse_cluster("outbound|9002||a.b.svc.cluster.local"),
            Some((9002, "a.b.svc.cluster.local"))
        );
        assert_eq!(parse_cluster("dummy"), None);
    }

    fn probed(models: ProbeStep, completion: Option<ProbeStep>) -> Snapshot {
        let mut s = sample::healthy();
        s.probe = Some(probe::ProbeFacts {
            targets: vec![ProbeTarget {
                gateway: ObjectRef::new("openshift-ingress", "openshift-ai-inference"),
                route: ObjectRef::new("demo", "qwen-kserve-route"),
                service: ObjectRef::new("demo", "qwen"),
                expected_model: Some("Qwen/Qwen3-0.6B".into()),
                base_url: Some("http://gw/demo/qwen".into()),
                address_source: "--probe-address".into(),
                models: Some(models),
                completion,
                ..Default::default()
            }],
        });
        s
    }

    fn listed() -> ProbeStep {
        ProbeStep {
            method: "GET".into(),
            url: "http://gw/demo/qwen/v1/models".into(),
            status: Some(200),
            model_ids: vec!["Qwen/Qwen3-0.6B".into()],
            ..Default::default()
        }
    }

    fn completion(status: u16, body: &str, sent: &str) -> Option<ProbeStep> {
        Some(ProbeStep {
            method: "POST".into(),
            url: "http://gw/demo/qwen/v1/chat/completions".into(),
            status: Some(status),
            body: body.into(),
            model_sent: Some(sent.into()),
            ..Default::default()
        })
    }

    fn failed(kind: ProbeErrorKind) -> ProbeStep {
        ProbeStep {
            method: "GET".into(),
            url: "http://gw/demo/qwen/v1/models".into(),
            error: Some(probe::ProbeError {
                kind,
                message: "boom".into(),
            }),
            ..Default::default()
        }
    }

    fn judged(s: Snapshot) -> Vec<CheckResult> {
        gateway_probe(&Model::new(&s))
    }

    #[test]
    fn probe_outcomes() {
        let r = judged(probed(listed(), completion(200, "{}", "Qwen/Qwen3-0.6B")));
        expect(&r, Status::Ok, "→ 200");
        assert_eq!(r[0].subject, "openshift-ingress/openshift-ai-inference");
        let gap =
            r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#;
        let r = judged(probed(listed(), completion(400, gap, "Qwen/Qwen3-0.6B")));
        expect(&r, Status::Error, "→ 400");
        assert!(r[0].message.contains("ext_proc body gap"));
        assert_eq!(
            r[0].fix.as_deref(),
            Some("oc llmd fix envoyfilter --gateway openshift-ai-inference")
        );
        // Another 400 is not the gap.
        let r = judged(probed(
            listed(),
            completion(400, "bad json", "Qwen/Qwen3-0.6B"),
        ));
        expect(&r, Status::Error, "→ 400 bad json");
        assert!(!r[0].message.contains("ext_proc"));
        let wrong = r#"{"error":{"message":"The model `qwen` does not exist.","code":404}}"#;
        let r = judged(probed(listed(), completion(404, wrong, "qwen")));
        expect(
            &r,
            Status::Error,
            "model \"qwen\" does not exist here; the served model is \"Qwen/Qwen3-0.6B\"",
        );
        assert!(
            r[0].fix
                .as_deref()
                .unwrap()
                .contains("\"model\": \"Qwen/Qwen3-0.6B\"")
        );
        let r = judged(probed(listed(), completion(404, "", "Qwen/Qwen3-0.6B")));
        expect(&r, Status::Error, "no route for this path");
        let r = judged(probed(listed(), completion(401, "", "Qwen/Qwen3-0.6B")));
        expect(
            &r,
            Status::Warn,
            "gateway openshift-ai-inference requires authentication",
        );
        let mut denied = listed();
        denied.status = Some(403);
        let r = judged(probed(denied, None));
        expect(&r, Status::Warn, "→ 403");
        let r = judged(probed(
            listed(),
            completion(503, "no healthy upstream", "Qwen/Qwen3-0.6B"),
        ));
        expect(&r, Status::Error, "no healthy upstream");
        let r = judged(probed(listed(), completion(500, "oops", "Qwen/Qwen3-0.6B")));
        expect(&r, Status::Error, "→ 500 oops");
    }

    #[test]
    fn probe_transport_failures() {
        for (kind, text) in [
            (ProbeErrorKind::Timeout, "no answer within 5 s"),
            (ProbeErrorKind::Refused, "connection refused"),
            (ProbeErrorKind::Dns, "does not resolve"),
            (ProbeErrorKind::Tls, "TLS failed"),
            (ProbeErrorKind::Other, ": boom"),
        ] {
            let r = judged(probed(failed(kind), None));
            expect(&r, Status::Error, text);
        }
        let r = judged(probed(failed(ProbeErrorKind::Tls), None));
        assert!(
            r[0].fix
                .as_deref()
                .unwrap()
                .contains("--certificate-authority")
        );
        let r = judged(probed(failed(ProbeErrorKind::Refused), None));
        assert!(r[0].fix.as_deref().unwrap().contains("--probe-address"));
    }

    #[test]
    fn probe_not_run_or_nothing_to_probe() {
        expect(&with(|_| {}, gateway_probe), Status::Skipped, "not probed");
        let mut s = sample::healthy();
        s.probe = Some(Default::default());
        expect(&judged(s), Status::Info, "nothing to probe");
        let mut s = probed(listed(), None);
        if let Some(p) = &mut s.probe {
            p.targets[0].models = None;
            p.targets[0].not_probed = Some("the Gateway has no status.addresses".into());
        }
        let r = judged(s);
        expect(&r, Status::Skipped, "no status.addresses");
        assert!(r[0].fix.as_deref().unwrap().contains("--probe-address"));
    }
}
