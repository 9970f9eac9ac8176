//! The EnvoyFilter workaround for the Istio 1.26 ext_proc gap (a field workaround, not an upstream
//! fix — upstream GIE supports only FULL_DUPLEX_STREAMED; opt-in, and the output says so).
//!
//! On OSSM/Istio 1.26 the gateway's base `envoy.filters.http.ext_proc` filter points at cluster
//! `dummy` with header mode SKIP, and a per-route override cannot un-skip it: the EPP is never
//! contacted (or the body never reaches vLLM). The fix MERGEs the base filter: the real EPP
//! cluster `outbound|<port>||<epp-svc>.<ns>.svc.cluster.local` (from the pool's EPP reference and
//! an existing EPP Service), headers sent, a non-FULL_DUPLEX body mode, failure mode and timeouts
//! stated.
//!
//! One filter per Gateway (`oc-llmd-extproc-<gateway>`, in the gateway's namespace, selecting its
//! pods by `gateway.networking.k8s.io/gateway-name`, scoped with `match.proxy.proxyVersion` to
//! 1.26 so it goes inert after an upgrade). A gateway-wide HTTP_FILTER patch can name only one
//! default cluster: with several pools behind one gateway it names the first (sorted) pool's EPP,
//! and each pool route's own per-route ext_proc override still selects that route's EPP — the base
//! patch only has to make the filter active. The plan lists every pool it covers.

use serde_json::{Value, json};

use crate::cluster::Model;
use crate::doctor::checks::gateway::{istio_for, real_epp_clusters};

/// Body modes Envoy's ext_proc accepts; the default is STREAMED (what the seed's guide used).
pub const BODY_MODES: &[&str] = &[
    "STREAMED",
    "BUFFERED",
    "BUFFERED_PARTIAL",
    "FULL_DUPLEX_STREAMED",
    "NONE",
];
pub const NAME_PREFIX: &str = "oc-llmd-extproc-";

/// One EnvoyFilter to apply, with what it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPlan {
    pub gateway: String,
    pub namespace: String,
    pub clusters: Vec<String>,
    pub manifest: Value,
}

/// Why nothing (or not everything) was planned.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub gateway: String,
    pub reason: String,
}

/// Plan the filters for every gateway routing to an InferencePool (or only `only`).
pub fn plan(
    m: &Model,
    only: Option<&str>,
    body_mode: &str,
    force: bool,
) -> (Vec<FilterPlan>, Vec<Refusal>) {
    let mut plans = Vec::new();
    let mut refusals = Vec::new();
    for (key, gw, services) in m.pool_gateways() {
        if only.is_some_and(|g| g != key.name) {
            continue;
        }
        let refuse = |reason: String| Refusal {
            gateway: key.to_string(),
            reason,
        };
        let istio = match istio_for(m, gw) {
            Err(reason) => {
                refusals.push(refuse(reason));
                continue;
            }
            Ok(i) => i,
        };
        let affected = istio.as_ref().and_then(|i| i.minor()) == Some((1, 26));
        if !affected && !force {
            let what = istio
                .map(|i| i.label())
                .unwrap_or_else(|| "an unknown Istio version".into());
            refusals.push(refuse(format!(
                "{what} is not affected by the 1.26 ext_proc gap: no filter needed (use --force to generate one anyway)"
            )));
            continue;
        }
        let clusters = real_epp_clusters(&services);
        let Some(first) = clusters.first() else {
            refusals.push(refuse(
                "no InferencePool behind it has an existing EPP Service to point at".into(),
            ));
            continue;
        };
        plans.push(FilterPlan {
            gateway: key.name.clone(),
            namespace: key.namespace.clone(),
            clusters: clusters.clone(),
            manifest: manifest(&key.namespace, &key.name, first, body_mode),
        });
    }
    (plans, refusals)
}

/// The EnvoyFilter for one gateway.
pub fn manifest(namespace: &str, gateway: &str, cluster: &str, body_mode: &str) -> Value {
    json!({
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "EnvoyFilter",
        "metadata": {
            "name": format!("{NAME_PREFIX}{gateway}"),
            "namespace": namespace,
            "annotations": {
                "oc-llmd.io/purpose": "Field workaround for the Istio 1.26 ext_proc gap (EPP bypassed / body not forwarded); not an upstream fix. Remove with: oc llmd fix envoyfilter --remove",
            },
        },
        "spec": {
            "workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": gateway}},
            "configPatches": [{
                "applyTo": "HTTP_FILTER",
                "match": {
                    "context": "GATEWAY",
                    "proxy": {"proxyVersion": "^1\\.26\\..*"},
                    "listener": {"filterChain": {"filter": {
                        "name": "envoy.filters.network.http_connection_manager",
                        "subFilter": {"name": "envoy.filters.http.ext_proc"},
                    }}},
                },
                "patch": {
                    "operation": "MERGE",
                    "value": {"typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                        "grpc_service": {"envoy_grpc": {"cluster_name": cluster}, "timeout": "30s"},
                        "failure_mode_allow": true,
                        "processing_mode": {
                            "request_header_mode": "SEND",
                            "response_header_mode": "SEND",
                            "request_body_mode": body_mode,
                        },
                        "message_timeout": "30s",
                    }},
                },
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_patches_the_base_filter_with_the_real_cluster() {
        let m = manifest(
            "openshift-ingress",
            "gw",
            "outbound|9002||x-epp-service.ns.svc.cluster.local",
            "STREAMED",
        );
        let patch = &m["spec"]["configPatches"][0];
        assert_eq!(patch["applyTo"], "HTTP_FILTER");
        assert_eq!(patch["patch"]["operation"], "MERGE");
        assert_eq!(patch["match"]["proxy"]["proxyVersion"], "^1\\.26\\..*");
        let tc = &patch["patch"]["value"]["typed_config"];
        assert_eq!(
            tc["grpc_service"]["envoy_grpc"]["cluster_name"],
            "outbound|9002||x-epp-service.ns.svc.cluster.local"
        );
        assert_eq!(tc["processing_mode"]["request_body_mode"], "STREAMED");
        assert_eq!(
            m["spec"]["workloadSelector"]["labels"]["gateway.networking.k8s.io/gateway-name"],
            "gw"
        );
        assert_eq!(m["metadata"]["name"], "oc-llmd-extproc-gw");
    }

    #[test]
    fn plans_on_affected_istio_and_refuses_otherwise() {
        let snap = crate::cluster::sample::healthy();
        let model = Model::new(&snap);
        let (plans, refusals) = plan(&model, None, "STREAMED", false);
        // The sample is Istio 1.26: one filter per gateway routing to a pool.
        assert!(!plans.is_empty(), "{refusals:?}");
        assert!(
            plans
                .iter()
                .all(|p| p.clusters.iter().all(|c| c.starts_with("outbound|9002||")))
        );
        let (none, refused) = plan(&model, Some("no-such-gateway"), "STREAMED", false);
        assert!(none.is_empty() && refused.is_empty());
    }
}
