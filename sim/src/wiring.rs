//! The gateway's ext_proc wiring as the simulated Istio would program it, decided from the live
//! objects: the Istio version (Sail `Istio` CR `spec.version`, else the istiod Deployment's
//! `app.kubernetes.io/version` label) and the EnvoyFilters selecting each Gateway. These are the
//! same facts doctor's `extproc-wiring` check reads; the simulated gateway and the EPP metric
//! emitter both follow this one decision when `SimConfig.gateway.emulateExtprocGap` is on.
//!
//! The model of the Istio 1.26.x gap (OSSM 1.26, see shared/reference/upstream.md §5.2–5.3):
//! * no EnvoyFilter: the listener ext_proc filter sits on cluster `dummy` with header mode SKIP and
//!   the per-route override streams bodies FULL_DUPLEX_STREAMED without trailers: POSTs to pool
//!   routes reach vLLM without a body (400 "Field required") and the EPP is never contacted;
//! * an `HTTP_ROUTE` patch with a non-FULL_DUPLEX body mode: bodies arrive (200) but the base filter
//!   still SKIPs, so the EPP is bypassed;
//! * an `HTTP_FILTER` MERGE on `envoy.filters.http.ext_proc` whose cluster is an existing
//!   `outbound|<port>||<svc>.<ns>.svc.cluster.local` Service port and whose request body mode is
//!   not FULL_DUPLEX_STREAMED: bodies arrive and every pool route's EPP is contacted (the per-route
//!   overrides still name each route's own EPP once the base filter is un-skipped);
//! * the same patch left on `dummy` (or a missing Service) with a non-FULL_DUPLEX body mode: bodies
//!   arrive, EPP bypassed; with FULL_DUPLEX_STREAMED: bodies still lost.
//!
//! Simplified: `match.proxy.proxyVersion` is not evaluated (the patch applies on 1.26 either way,
//! which is what the generated `^1\.26.*` says), and other Istio lines are never affected.

use serde_json::Value;

const EXT_PROC: &str = "envoy.filters.http.ext_proc";
const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";
const FULL_DUPLEX: &str = "FULL_DUPLEX_STREAMED";

/// What a request through one gateway experiences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wiring {
    /// POST bodies on pool routes reach vLLM.
    pub body_reaches_vllm: bool,
    /// The gateway asks the EPP which endpoint to use.
    pub epp_contacted: bool,
}

impl Wiring {
    /// A correctly wired gateway (unaffected Istio, or the gap closed).
    pub const WORKING: Wiring = Wiring {
        body_reaches_vllm: true,
        epp_contacted: true,
    };
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn is_kind(v: &Value, kind: &str) -> bool {
    str_at(v, "/kind") == Some(kind)
}

fn ns_name(v: &Value) -> (&str, &str) {
    (
        str_at(v, "/metadata/namespace").unwrap_or(""),
        str_at(v, "/metadata/name").unwrap_or(""),
    )
}

/// The Istio version running the gateways (`1.26.2`, no `v`), when the objects say.
pub fn istio_version(objects: &[Value]) -> Option<String> {
    let from_cr = objects
        .iter()
        .filter(|o| is_kind(o, "Istio"))
        .filter_map(|o| str_at(o, "/spec/version"))
        .next();
    let from_istiod = || {
        objects
            .iter()
            .filter(|o| is_kind(o, "Deployment"))
            .filter(|o| o.pointer("/metadata/labels/app").and_then(Value::as_str) == Some("istiod"))
            .find_map(|o| {
                o.pointer("/metadata/labels")
                    .and_then(|l| l.get("app.kubernetes.io/version"))
                    .and_then(Value::as_str)
            })
    };
    from_cr
        .or_else(from_istiod)
        .map(|v| v.trim_start_matches('v').to_string())
}

/// Whether this Istio has the 1.26 ext_proc gap.
pub fn affected(version: Option<&str>) -> bool {
    version.is_some_and(|v| v == "1.26" || v.starts_with("1.26."))
}

fn selects_gateway(filter: &Value, gw_ns: &str, gw_name: &str) -> bool {
    let (ns, _) = ns_name(filter);
    if ns != gw_ns {
        return false;
    }
    let refs = filter
        .pointer("/spec/targetRefs")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if refs
        .iter()
        .any(|r| str_at(r, "/kind") == Some("Gateway") && str_at(r, "/name") == Some(gw_name))
    {
        return true;
    }
    match filter
        .pointer("/spec/workloadSelector/labels")
        .and_then(Value::as_object)
    {
        Some(labels) if !labels.is_empty() => {
            labels.get(GATEWAY_NAME_LABEL).and_then(Value::as_str) == Some(gw_name)
        }
        _ => refs.is_empty(),
    }
}

/// Depth-first search for the first string under one of `keys`.
fn find_string<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    match v {
        Value::Object(m) => keys
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .or_else(|| m.values().find_map(|x| find_string(x, keys))),
        Value::Array(a) => a.iter().find_map(|x| find_string(x, keys)),
        _ => None,
    }
}

/// The Service an Envoy cluster name points at: `outbound|PORT||SVC.NS.svc.cluster.local` →
/// (port, namespace, name).
fn cluster_target(cluster: &str) -> Option<(u64, &str, &str)> {
    let mut parts = cluster.split('|');
    let (Some("outbound"), Some(port), Some(_), Some(host)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let port = port.parse::<u64>().ok()?;
    let mut labels = host.split('.');
    let (Some(svc), Some(ns)) = (labels.next(), labels.next()) else {
        return None;
    };
    Some((port, ns, svc))
}

/// `outbound|<port>||<svc>.<ns>.svc.cluster.local` naming an existing Service port.
fn real_cluster(objects: &[Value], cluster: &str) -> bool {
    let Some((port, ns, svc)) = cluster_target(cluster) else {
        return false;
    };
    objects.iter().any(|o| {
        is_kind(o, "Service")
            && ns_name(o) == (ns, svc)
            && o.pointer("/spec/ports")
                .and_then(Value::as_array)
                .is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p.get("port").and_then(Value::as_u64) == Some(port))
                })
    })
}

/// The Services (namespace, name) an object names as Envoy clusters anywhere in it: what an
/// EnvoyFilter's wiring depends on, whichever namespace those Services live in.
pub fn cluster_services(object: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => {
                if let Some((_, ns, svc)) = cluster_target(s) {
                    let key = (ns.to_string(), svc.to_string());
                    if !out.contains(&key) {
                        out.push(key);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(object, &mut out);
    out
}

/// The wiring of gateway `gw_ns/gw_name` given every object (see the module docs).
pub fn gateway_wiring(objects: &[Value], gw_ns: &str, gw_name: &str) -> Wiring {
    if !affected(istio_version(objects).as_deref()) {
        return Wiring::WORKING;
    }
    let mut wiring = Wiring {
        body_reaches_vllm: false,
        epp_contacted: false,
    };
    let patches = objects
        .iter()
        .filter(|o| is_kind(o, "EnvoyFilter") && selects_gateway(o, gw_ns, gw_name))
        .flat_map(|f| {
            f.pointer("/spec/configPatches")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        });
    for p in patches {
        let value = p.pointer("/patch/value").unwrap_or(&Value::Null);
        let body = find_string(value, &["request_body_mode", "requestBodyMode"]);
        let body_ok = body.is_some_and(|b| b != FULL_DUPLEX);
        match str_at(&p, "/applyTo") {
            Some("HTTP_FILTER") => {
                if str_at(&p, "/match/listener/filterChain/filter/subFilter/name") != Some(EXT_PROC)
                    || str_at(&p, "/patch/operation") != Some("MERGE")
                {
                    continue;
                }
                let cluster = find_string(value, &["cluster_name", "clusterName"]).unwrap_or("");
                wiring.body_reaches_vllm |= body_ok;
                wiring.epp_contacted |= body_ok && real_cluster(objects, cluster);
            }
            Some("HTTP_ROUTE") => wiring.body_reaches_vllm |= body_ok,
            _ => {}
        }
    }
    wiring
}

/// The LLMInferenceService a route backend leads to: the backend object's (InferencePool or
/// Service, in `namespace`) `app.kubernetes.io/name` label, as KServe labels what it creates.
pub fn backend_service<'a>(
    objects: &'a [Value],
    namespace: &str,
    backend: &Value,
) -> Option<&'a str> {
    let kind = str_at(backend, "/kind").unwrap_or("Service");
    let name = str_at(backend, "/name")?;
    let ns = str_at(backend, "/namespace").unwrap_or(namespace);
    objects
        .iter()
        .find(|o| is_kind(o, kind) && ns_name(o) == (ns, name))
        .and_then(|o| {
            o.pointer("/metadata/labels/app.kubernetes.io~1name")
                .and_then(Value::as_str)
        })
}

/// Gateways (`namespace`, `name`) with an HTTPRoute sending traffic to a pool of
/// `namespace/service` (see [`backend_service`]).
pub fn gateways_for_service(
    objects: &[Value],
    namespace: &str,
    service: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for route in objects.iter().filter(|o| is_kind(o, "HTTPRoute")) {
        let (route_ns, _) = ns_name(route);
        let to_pool = route
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .is_some_and(|rules| {
                rules.iter().any(|rule| {
                    rule.get("backendRefs")
                        .and_then(Value::as_array)
                        .is_some_and(|b| {
                            b.iter().any(|b| {
                                str_at(b, "/kind") == Some("InferencePool")
                                    && str_at(b, "/namespace").unwrap_or(route_ns) == namespace
                                    && backend_service(objects, route_ns, b) == Some(service)
                            })
                        })
                })
            });
        if !to_pool {
            continue;
        }
        for parent in route
            .pointer("/spec/parentRefs")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if str_at(parent, "/kind").unwrap_or("Gateway") != "Gateway" {
                continue;
            }
            let key = (
                str_at(parent, "/namespace").unwrap_or(route_ns).to_string(),
                str_at(parent, "/name").unwrap_or("").to_string(),
            );
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// Whether the gateways let the EPP of `namespace/service` see requests: true when no gateway
/// routes to it (nothing to decide) or when any gateway in front of it contacts the EPP.
pub fn epp_reached(objects: &[Value], namespace: &str, service: &str) -> bool {
    let gateways = gateways_for_service(objects, namespace, service);
    gateways.is_empty()
        || gateways
            .iter()
            .any(|(ns, name)| gateway_wiring(objects, ns, name).epp_contacted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Vec<Value> {
        vec![
            json!({"kind": "Istio", "metadata": {"name": "openshift-gateway"}, "spec": {"version": "v1.26.2"}}),
            json!({"kind": "Service", "metadata": {"namespace": "m", "name": "q-epp-service"},
                   "spec": {"ports": [{"port": 9002}]}}),
            json!({"kind": "InferencePool", "metadata": {"namespace": "m", "name": "q-inference-pool",
                   "labels": {"app.kubernetes.io/name": "q"}}}),
            json!({"kind": "HTTPRoute", "metadata": {"namespace": "m", "name": "q-kserve-route"},
                   "spec": {"parentRefs": [{"name": "gw", "namespace": "ing"}],
                            "rules": [{"backendRefs": [{"kind": "InferencePool", "name": "q-inference-pool"}]}]}}),
        ]
    }

    fn filter(apply_to: &str, cluster: &str, body: &str) -> Value {
        let value = if apply_to == "HTTP_FILTER" {
            json!({"typed_config": {"grpc_service": {"envoy_grpc": {"cluster_name": cluster}},
                   "processing_mode": {"request_body_mode": body}}})
        } else {
            json!({"typed_per_filter_config": {EXT_PROC: {"overrides": {
                   "processing_mode": {"request_body_mode": body},
                   "grpc_service": {"envoy_grpc": {"cluster_name": cluster}}}}}})
        };
        json!({"kind": "EnvoyFilter", "metadata": {"namespace": "ing", "name": "f"},
               "spec": {"workloadSelector": {"labels": {GATEWAY_NAME_LABEL: "gw"}},
                        "configPatches": [{"applyTo": apply_to,
                          "match": {"listener": {"filterChain": {"filter": {"subFilter": {"name": EXT_PROC}}}}},
                          "patch": {"operation": "MERGE", "value": value}}]}})
    }

    const REAL: &str = "outbound|9002||q-epp-service.m.svc.cluster.local";

    fn with(extra: Value) -> Vec<Value> {
        let mut o = base();
        o.push(extra);
        o
    }

    #[test]
    fn gap_cases() {
        let broken = Wiring {
            body_reaches_vllm: false,
            epp_contacted: false,
        };
        assert_eq!(gateway_wiring(&base(), "ing", "gw"), broken);
        assert!(!epp_reached(&base(), "m", "q"));
        let good = with(filter("HTTP_FILTER", REAL, "STREAMED"));
        assert_eq!(gateway_wiring(&good, "ing", "gw"), Wiring::WORKING);
        assert!(epp_reached(&good, "m", "q"));
        // Another gateway's filter does not count.
        assert_eq!(gateway_wiring(&good, "ing", "maas-gateway"), broken);
        let route_only = with(filter("HTTP_ROUTE", REAL, "BUFFERED"));
        assert_eq!(
            gateway_wiring(&route_only, "ing", "gw"),
            Wiring {
                body_reaches_vllm: true,
                epp_contacted: false
            }
        );
        let dummy = with(filter("HTTP_FILTER", "dummy", "STREAMED"));
        assert!(!gateway_wiring(&dummy, "ing", "gw").epp_contacted);
        let gone = with(filter(
            "HTTP_FILTER",
            "outbound|9002||gone.m.svc.cluster.local",
            "STREAMED",
        ));
        assert!(!gateway_wiring(&gone, "ing", "gw").epp_contacted);
        let fds = with(filter("HTTP_FILTER", REAL, FULL_DUPLEX));
        assert_eq!(gateway_wiring(&fds, "ing", "gw"), broken);
    }

    #[test]
    fn unaffected_istio_is_wired() {
        let mut o = base();
        o[0] = json!({"kind": "Istio", "metadata": {"name": "x"}, "spec": {"version": "v1.27.3"}});
        assert_eq!(gateway_wiring(&o, "ing", "gw"), Wiring::WORKING);
        // Version from the istiod label when there is no Istio CR.
        o[0] = json!({"kind": "Deployment", "metadata": {"name": "istiod", "labels":
                       {"app": "istiod", "app.kubernetes.io/version": "1.26.8"}}});
        assert_eq!(istio_version(&o).as_deref(), Some("1.26.8"));
        assert!(!gateway_wiring(&o, "ing", "gw").epp_contacted);
        // A service no gateway routes to keeps its profile.
        assert!(epp_reached(&o, "m", "other"));
    }
}
