//! The check catalogue: every check id (a public contract), its category, title, the status it
//! reports when failing, which checks it depends on, and the function that runs it.
//!
//! A check "requires" another when it cannot say anything meaningful once that one failed: if a
//! required check reports an `error` (or was itself skipped), the dependent is reported once as
//! `skipped` with the reason. Checks that are required by others are the "fatal" ones.

use serde::Serialize;

use super::checks::{cluster, gateway, grafana, monitoring, serving};
use super::report::{CheckResult, Status};
use crate::cluster::Model;

pub type CheckFn = fn(&Model) -> Vec<CheckResult>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Cluster,
    Monitoring,
    Grafana,
    Serving,
    Gateway,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Cluster,
        Category::Monitoring,
        Category::Grafana,
        Category::Serving,
        Category::Gateway,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Cluster => "cluster",
            Category::Monitoring => "monitoring",
            Category::Grafana => "grafana",
            Category::Serving => "serving",
            Category::Gateway => "gateway",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub category: Category,
    pub title: &'static str,
    /// The status this check reports when its fact does not hold.
    pub severity: Status,
    /// Checks that must not have failed for this one to run.
    pub requires: &'static [&'static str],
    /// Needs live metrics from Thanos (skipped when they were not queried).
    pub live: bool,
    #[serde(skip)]
    pub run: CheckFn,
}

const REACH: &[&str] = &["cluster-reachable"];
const SERVING: &[&str] = &["cluster-reachable", "serving-crds"];
const GRAFANA: &[&str] = &["cluster-reachable", "grafana-operator"];
/// Checks about what lives in a Grafana instance: without one they have nothing to say.
const GRAFANA_INSTANCE: &[&str] = &["cluster-reachable", "grafana-operator", "grafana-instance"];

const fn check(
    id: &'static str,
    category: Category,
    title: &'static str,
    severity: Status,
    requires: &'static [&'static str],
    run: CheckFn,
) -> Check {
    Check {
        id,
        category,
        title,
        severity,
        requires,
        live: false,
        run,
    }
}

const fn live(mut c: Check) -> Check {
    c.live = true;
    c
}

/// Every check, in report order.
pub fn catalogue() -> Vec<Check> {
    use Category::*;
    use Status::{Error, Warn};
    vec![
        check(
            "cluster-reachable",
            Cluster,
            "API server reachable and authenticated",
            Error,
            &[],
            cluster::cluster_reachable,
        ),
        check(
            "openshift-ai",
            Cluster,
            "OpenShift and OpenShift AI detected, with versions",
            Warn,
            REACH,
            cluster::openshift_ai,
        ),
        check(
            "serving-crds",
            Cluster,
            "LLMInferenceService and InferencePool CRDs served (which versions)",
            Error,
            REACH,
            cluster::serving_crds,
        ),
        check(
            "permissions",
            Cluster,
            "SelfSubjectAccessReview of everything doctor reads",
            Warn,
            REACH,
            cluster::permissions,
        ),
        check(
            "uwm-enabled",
            Monitoring,
            "enableUserWorkload: true in openshift-monitoring/cluster-monitoring-config",
            Error,
            REACH,
            monitoring::uwm_enabled,
        ),
        check(
            "uwm-prometheus",
            Monitoring,
            "prometheus-user-workload pods running",
            Error,
            &["cluster-reachable", "uwm-enabled"],
            monitoring::uwm_prometheus,
        ),
        check(
            "thanos-querier",
            Monitoring,
            "Thanos Querier Service and Route present",
            Error,
            REACH,
            monitoring::thanos_querier,
        ),
        check(
            "vllm-scrape",
            Monitoring,
            "a PodMonitor selects the vLLM pods on the right port and scheme",
            Error,
            SERVING,
            monitoring::vllm_scrape,
        ),
        check(
            "epp-scrape",
            Monitoring,
            "a ServiceMonitor scrapes the EPP metrics port with a token",
            Error,
            SERVING,
            monitoring::epp_scrape,
        ),
        live(check(
            "metric-names",
            Monitoring,
            "live: metric prefix (kserve_ or none) and metric generations present",
            Error,
            REACH,
            monitoring::metric_names,
        )),
        live(check(
            "metrics-flowing",
            Monitoring,
            "live: series exist for every vLLM pod and the EPP",
            Error,
            SERVING,
            monitoring::metrics_flowing,
        )),
        check(
            "grafana-operator",
            Grafana,
            "Grafana Operator CRDs installed and operator running",
            Error,
            REACH,
            grafana::grafana_operator,
        ),
        check(
            "grafana-instance",
            Grafana,
            "a Grafana instance exists and is ready, with a route",
            Error,
            GRAFANA,
            grafana::grafana_instance,
        ),
        check(
            "grafana-token",
            Grafana,
            "the ServiceAccount token Secret exists and holds a token",
            Error,
            GRAFANA_INSTANCE,
            grafana::grafana_token,
        ),
        check(
            "grafana-rbac",
            Grafana,
            "that ServiceAccount is bound to cluster-monitoring-view",
            Error,
            GRAFANA_INSTANCE,
            grafana::grafana_rbac,
        ),
        check(
            "grafana-datasource",
            Grafana,
            "datasource on Thanos Querier with a current token, matched to an instance",
            Error,
            GRAFANA_INSTANCE,
            grafana::grafana_datasource,
        ),
        check(
            "grafana-dashboards",
            Grafana,
            "dashboards matched an instance and query metric names that exist",
            Error,
            GRAFANA_INSTANCE,
            grafana::grafana_dashboards,
        ),
        check(
            "llmisvc-ready",
            Serving,
            "the LLMInferenceService Ready condition",
            Error,
            SERVING,
            serving::llmisvc_ready,
        ),
        check(
            "vllm-pods",
            Serving,
            "vLLM pods ready, not crash-looping",
            Error,
            SERVING,
            serving::vllm_pods,
        ),
        check(
            "epp-pod",
            Serving,
            "scheduler (EPP) pod ready",
            Error,
            SERVING,
            serving::epp_pod,
        ),
        check(
            "inferencepool",
            Serving,
            "pool exists, Accepted/ResolvedRefs, selects the vLLM pods, EPP ref resolves",
            Error,
            SERVING,
            serving::inferencepool,
        ),
        check(
            "httproute",
            Serving,
            "routes Accepted and pointing at the pool; no CORS/fault filter on pool rules (Istio 1.26-1.28)",
            Error,
            SERVING,
            serving::httproute,
        ),
        check(
            "epp-tls",
            Serving,
            "scheduler serves TLS (--secure-serving, --cert-path) where TLS to the EPP is expected",
            Error,
            SERVING,
            serving::epp_tls,
        ),
        check(
            "pd-config",
            Serving,
            "prefill pods exist => EndpointPickerConfig has pd-profile-handler and prefill/decode profiles",
            Error,
            SERVING,
            serving::pd_config,
        ),
        check(
            "prefix-caching",
            Serving,
            "prefix-cache scorer configured => vLLM prefix caching on",
            Warn,
            SERVING,
            serving::prefix_caching,
        ),
        live(check(
            "epp-in-loop",
            Serving,
            "live: EPP request counters move with vLLM's; no even split under cache-aware scoring",
            Error,
            SERVING,
            serving::epp_in_loop,
        )),
        check(
            "gateway-address",
            Gateway,
            "each Gateway routing to a pool has an address",
            Error,
            SERVING,
            gateway::gateway_address,
        ),
        check(
            "istio-inference-support",
            Gateway,
            "the gateway's Istio watches the pools' InferencePool API and has the inference extension on",
            Error,
            SERVING,
            gateway::istio_inference_support,
        ),
        check(
            "extproc-wiring",
            Gateway,
            "Istio 1.26: an EnvoyFilter patches the base ext_proc filter with the real EPP cluster and a non-FULL_DUPLEX body mode",
            Error,
            SERVING,
            gateway::extproc_wiring,
        ),
        check(
            "gateway-probe",
            Gateway,
            "send bounded test requests through each gateway (--probe)",
            Error,
            SERVING,
            gateway::gateway_probe,
        ),
    ]
}

/// Ids every other check depends on.
pub fn fatal_ids() -> Vec<&'static str> {
    let cat = catalogue();
    let mut ids: Vec<&'static str> = cat
        .iter()
        .flat_map(|c| c.requires.iter().copied())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_requirements_come_first() {
        let cat = catalogue();
        for (i, c) in cat.iter().enumerate() {
            assert_eq!(cat.iter().filter(|x| x.id == c.id).count(), 1, "{}", c.id);
            for r in c.requires {
                let pos = cat.iter().position(|x| x.id == *r);
                assert!(pos.is_some_and(|p| p < i), "{} requires {r}", c.id);
            }
        }
        assert_eq!(cat.len(), 30);
        assert!(fatal_ids().contains(&"serving-crds"));
    }
}
