//! The only IO of the cluster model: one concurrent batch of list requests (one per resource
//! type, cluster-wide or `-n`-scoped, paginated), a constant batch of SelfSubjectAccessReviews,
//! then — only for the namespaces that hold Grafana objects — a second small batch for their
//! Routes and dashboard ConfigMaps. The number of requests never depends on how many namespaces,
//! models or pods the cluster has.
//!
//! Objects doctor needs outside the user's scope are fetched by targeted lists: the
//! openshift-monitoring ConfigMap/Service/Route by name (fieldSelector), the UWM Prometheus pods
//! and istiod Deployments by label, ServiceAccount token Secrets by type, original (not copied)
//! ClusterServiceVersions by label. 404 and 403 become [`ListState`]s in the snapshot.

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde_json::Value;

use super::model::{keys, *};
use super::parse;
use crate::kube::list::{self, Listed, ResourceRef};
use crate::kube::{Cluster, Scope};

const fn res(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceRef {
    ResourceRef {
        group,
        version,
        plural,
        kind,
        namespaced,
    }
}

pub const LLMISVC_V1ALPHA2: ResourceRef = res(
    "serving.kserve.io",
    "v1alpha2",
    "llminferenceservices",
    "LLMInferenceService",
    true,
);
pub const LLMISVC_V1ALPHA1: ResourceRef = res(
    "serving.kserve.io",
    "v1alpha1",
    "llminferenceservices",
    "LLMInferenceService",
    true,
);
pub const POOL_V1: ResourceRef = res(
    "inference.networking.k8s.io",
    "v1",
    "inferencepools",
    "InferencePool",
    true,
);
pub const POOL_V1ALPHA2: ResourceRef = res(
    "inference.networking.x-k8s.io",
    "v1alpha2",
    "inferencepools",
    "InferencePool",
    true,
);
pub const PODS: ResourceRef = res("", "v1", "pods", "Pod", true);
pub const SERVICES: ResourceRef = res("", "v1", "services", "Service", true);
pub const CONFIGMAPS: ResourceRef = res("", "v1", "configmaps", "ConfigMap", true);
pub const SECRETS: ResourceRef = res("", "v1", "secrets", "Secret", true);
pub const DEPLOYMENTS: ResourceRef = res("apps", "v1", "deployments", "Deployment", true);
pub const HTTPROUTES: ResourceRef = res(
    "gateway.networking.k8s.io",
    "v1",
    "httproutes",
    "HTTPRoute",
    true,
);
pub const GATEWAYS: ResourceRef = res(
    "gateway.networking.k8s.io",
    "v1",
    "gateways",
    "Gateway",
    true,
);
pub const GATEWAYCLASSES: ResourceRef = res(
    "gateway.networking.k8s.io",
    "v1",
    "gatewayclasses",
    "GatewayClass",
    false,
);
pub const DESTINATIONRULES: ResourceRef = res(
    "networking.istio.io",
    "v1",
    "destinationrules",
    "DestinationRule",
    true,
);
pub const ENVOYFILTERS: ResourceRef = res(
    "networking.istio.io",
    "v1alpha3",
    "envoyfilters",
    "EnvoyFilter",
    true,
);
pub const PODMONITORS: ResourceRef = res(
    "monitoring.coreos.com",
    "v1",
    "podmonitors",
    "PodMonitor",
    true,
);
pub const SERVICEMONITORS: ResourceRef = res(
    "monitoring.coreos.com",
    "v1",
    "servicemonitors",
    "ServiceMonitor",
    true,
);
pub const ROUTES: ResourceRef = res("route.openshift.io", "v1", "routes", "Route", true);
pub const GRAFANAS: ResourceRef = res(
    "grafana.integreatly.org",
    "v1beta1",
    "grafanas",
    "Grafana",
    true,
);
pub const GRAFANA_DATASOURCES: ResourceRef = res(
    "grafana.integreatly.org",
    "v1beta1",
    "grafanadatasources",
    "GrafanaDatasource",
    true,
);
pub const GRAFANA_DASHBOARDS: ResourceRef = res(
    "grafana.integreatly.org",
    "v1beta1",
    "grafanadashboards",
    "GrafanaDashboard",
    true,
);
pub const CLUSTERROLEBINDINGS: ResourceRef = res(
    "rbac.authorization.k8s.io",
    "v1",
    "clusterrolebindings",
    "ClusterRoleBinding",
    false,
);
pub const CSVS: ResourceRef = res(
    "operators.coreos.com",
    "v1alpha1",
    "clusterserviceversions",
    "ClusterServiceVersion",
    true,
);
pub const ISTIOS: ResourceRef = res("sailoperator.io", "v1", "istios", "Istio", false);
pub const CLUSTERVERSIONS: ResourceRef = res(
    "config.openshift.io",
    "v1",
    "clusterversions",
    "ClusterVersion",
    false,
);
pub const DATASCIENCECLUSTERS: ResourceRef = res(
    "datasciencecluster.opendatahub.io",
    "v1",
    "datascienceclusters",
    "DataScienceCluster",
    false,
);

pub const MONITORING_NS: &str = "openshift-monitoring";
pub const UWM_NS: &str = "openshift-user-workload-monitoring";
pub const INGRESS_NS: &str = "openshift-ingress";

/// One list request of the batch.
#[derive(Debug, Clone)]
pub struct Request {
    pub key: String,
    pub resource: ResourceRef,
    pub namespace: Option<String>,
    pub labels: Option<&'static str>,
    pub fields: Option<&'static str>,
}

impl Request {
    fn new(key: &str, resource: ResourceRef, namespace: Option<&str>) -> Self {
        Self {
            key: key.into(),
            resource,
            namespace: namespace.map(str::to_string),
            labels: None,
            fields: None,
        }
    }
    fn labels(mut self, l: &'static str) -> Self {
        self.labels = Some(l);
        self
    }
    fn fields(mut self, f: &'static str) -> Self {
        self.fields = Some(f);
        self
    }
}

/// The first batch for a scope: its length depends only on whether the scope is one namespace.
pub fn plan(scope: &Scope) -> Vec<Request> {
    let ns = scope.namespace();
    let mut reqs = vec![
        Request::new(keys::LLMISVC_V1ALPHA2, LLMISVC_V1ALPHA2, ns),
        Request::new(keys::LLMISVC_V1ALPHA1, LLMISVC_V1ALPHA1, ns),
        Request::new(keys::POOL_V1, POOL_V1, ns),
        Request::new(keys::POOL_V1ALPHA2, POOL_V1ALPHA2, ns),
        Request::new(keys::PODS, PODS, ns).labels("app.kubernetes.io/part-of=llminferenceservice"),
        Request::new(keys::SERVICES, SERVICES, ns),
        Request::new(keys::HTTPROUTES, HTTPROUTES, ns),
        Request::new(keys::DESTINATIONRULES, DESTINATIONRULES, ns),
        Request::new(keys::PODMONITORS, PODMONITORS, ns),
        Request::new(keys::SERVICEMONITORS, SERVICEMONITORS, ns),
        Request::new(keys::GATEWAYS, GATEWAYS, ns),
        Request::new(keys::ENVOYFILTERS, ENVOYFILTERS, ns),
        Request::new(keys::GATEWAYCLASSES, GATEWAYCLASSES, None),
        Request::new(
            keys::CLUSTER_MONITORING_CONFIG,
            CONFIGMAPS,
            Some(MONITORING_NS),
        )
        .fields("metadata.name=cluster-monitoring-config"),
        Request::new(keys::UWM_CONFIG, CONFIGMAPS, Some(UWM_NS))
            .fields("metadata.name=user-workload-monitoring-config"),
        Request::new(keys::UWM_PODS, PODS, Some(UWM_NS))
            .labels("app.kubernetes.io/name=prometheus"),
        Request::new(keys::THANOS_SERVICE, SERVICES, Some(MONITORING_NS))
            .fields("metadata.name=thanos-querier"),
        Request::new(keys::THANOS_ROUTE, ROUTES, Some(MONITORING_NS))
            .fields("metadata.name=thanos-querier"),
        Request::new(keys::GRAFANAS, GRAFANAS, None),
        Request::new(keys::GRAFANA_DATASOURCES, GRAFANA_DATASOURCES, None),
        Request::new(keys::GRAFANA_DASHBOARDS, GRAFANA_DASHBOARDS, None),
        Request::new(keys::TOKEN_SECRETS, SECRETS, None)
            .fields("type=kubernetes.io/service-account-token"),
        Request::new(keys::CLUSTERROLEBINDINGS, CLUSTERROLEBINDINGS, None),
        Request::new(keys::CSVS, CSVS, None).labels("!olm.copiedFrom"),
        Request::new(keys::OPERATOR_DEPLOYMENTS, DEPLOYMENTS, None)
            .labels("app.kubernetes.io/name=grafana-operator"),
        Request::new(keys::ISTIOD_DEPLOYMENTS, DEPLOYMENTS, None).labels("app=istiod"),
        Request::new(keys::ISTIOS, ISTIOS, None),
        Request::new(keys::CLUSTERVERSIONS, CLUSTERVERSIONS, None),
        Request::new(keys::DATASCIENCECLUSTERS, DATASCIENCECLUSTERS, None),
    ];
    if let Some(ns) = ns
        && ns != INGRESS_NS
    {
        // Gateways and their EnvoyFilters live in openshift-ingress, outside a `-n` scope.
        reqs.push(Request::new(
            keys::GATEWAYS_INGRESS,
            GATEWAYS,
            Some(INGRESS_NS),
        ));
        reqs.push(Request::new(
            keys::ENVOYFILTERS_INGRESS,
            ENVOYFILTERS,
            Some(INGRESS_NS),
        ));
    }
    reqs
}

/// The lists of the cluster-wide batch that install-monitoring's pre-flight needs too: the
/// monitoring config, the Thanos Querier Service, the operators' ClusterServiceVersions and the
/// scrape monitors (whose relabelling tells the metric naming). Install runs exactly these
/// requests of [`plan`], so both commands read those facts the same way, and install's read
/// phase stays a constant number of requests.
pub const INSTALL_SHARED: [&str; 5] = [
    keys::CLUSTER_MONITORING_CONFIG,
    keys::THANOS_SERVICE,
    keys::CSVS,
    keys::PODMONITORS,
    keys::SERVICEMONITORS,
];

/// The requests of the cluster-wide [`plan`] whose keys are in `wanted`.
pub fn plan_subset(wanted: &[&str]) -> Vec<Request> {
    plan(&Scope::All)
        .into_iter()
        .filter(|r| wanted.contains(&r.key.as_str()))
        .collect()
}

/// Run requests of the batch concurrently: key → outcome.
pub async fn run_lists(
    cluster: &Cluster,
    reqs: &[Request],
) -> std::collections::BTreeMap<String, Listed> {
    let listed = join_all(reqs.iter().map(|r| list_request(cluster, r))).await;
    reqs.iter().map(|r| r.key.clone()).zip(listed).collect()
}

/// One SelfSubjectAccessReview to make: (verb, group, resource, namespace, checks needing it).
pub fn access_plan(scope: &Scope) -> Vec<AccessReview> {
    let ns = scope.namespace().map(str::to_string);
    let review =
        |verb: &str, group: &str, resource: &str, namespace: Option<String>, by: &[&str]| {
            AccessReview {
                verb: verb.into(),
                group: group.into(),
                resource: resource.into(),
                namespace,
                allowed: false,
                needed_by: by.iter().map(|s| s.to_string()).collect(),
            }
        };
    let serving = [
        "llmisvc-ready",
        "vllm-pods",
        "epp-pod",
        "inferencepool",
        "httproute",
    ];
    vec![
        review(
            "list",
            "serving.kserve.io",
            "llminferenceservices",
            ns.clone(),
            &serving,
        ),
        review(
            "list",
            "",
            "pods",
            ns.clone(),
            &["vllm-pods", "epp-pod", "epp-tls"],
        ),
        review(
            "list",
            "",
            "services",
            ns.clone(),
            &["inferencepool", "extproc-wiring"],
        ),
        review(
            "list",
            "inference.networking.x-k8s.io",
            "inferencepools",
            ns.clone(),
            &["inferencepool"],
        ),
        review(
            "list",
            "inference.networking.k8s.io",
            "inferencepools",
            ns.clone(),
            &["inferencepool"],
        ),
        review(
            "list",
            "gateway.networking.k8s.io",
            "httproutes",
            ns.clone(),
            &["httproute"],
        ),
        review(
            "list",
            "gateway.networking.k8s.io",
            "gateways",
            Some(INGRESS_NS.into()),
            &["gateway-address"],
        ),
        review(
            "list",
            "networking.istio.io",
            "envoyfilters",
            Some(INGRESS_NS.into()),
            &["extproc-wiring"],
        ),
        review(
            "list",
            "monitoring.coreos.com",
            "podmonitors",
            ns.clone(),
            &["vllm-scrape"],
        ),
        review(
            "list",
            "monitoring.coreos.com",
            "servicemonitors",
            ns,
            &["epp-scrape"],
        ),
        review(
            "list",
            "",
            "configmaps",
            Some(MONITORING_NS.into()),
            &["uwm-enabled"],
        ),
        review("list", "", "pods", Some(UWM_NS.into()), &["uwm-prometheus"]),
        review(
            "list",
            "grafana.integreatly.org",
            "grafanas",
            None,
            &["grafana-instance"],
        ),
        review(
            "list",
            "grafana.integreatly.org",
            "grafanadatasources",
            None,
            &["grafana-datasource"],
        ),
        review(
            "list",
            "",
            "secrets",
            None,
            &["grafana-token", "grafana-datasource"],
        ),
        review(
            "list",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            None,
            &["grafana-rbac"],
        ),
        review(
            "list",
            "sailoperator.io",
            "istios",
            None,
            &["istio-inference-support"],
        ),
    ]
}

/// List with optional selectors, paginated; failures as data (like [`list::list`]).
pub async fn list_request(cluster: &Cluster, req: &Request) -> Listed {
    list_request_map(cluster, req, list::dynamic_object).await
}

/// [`list_request`] keeping `keep(item)` of each object, decoded one at a time (see
/// [`list::list_pages_map`]): the snapshot never holds a large list as JSON trees.
pub async fn list_request_map<T>(
    cluster: &Cluster,
    req: &Request,
    keep: impl FnMut(Value) -> Option<T>,
) -> Listed<T> {
    let ar = req.resource.api_resource();
    let api: Api<DynamicObject> = match (&req.namespace, req.resource.namespaced) {
        (Some(ns), true) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
        _ => Api::all_with(cluster.client.clone(), &ar),
    };
    let mut params = ListParams::default();
    if let Some(l) = req.labels {
        params = params.labels(l);
    }
    if let Some(f) = req.fields {
        params = params.fields(f);
    }
    list::list_pages_map(
        &cluster.client,
        api.resource_url(),
        params,
        &req.resource.display(),
        &cluster.server,
        keep,
    )
    .await
}

/// The JSON items of a list request.
async fn list_values(cluster: &Cluster, req: &Request) -> Listed<Value> {
    list_request_map(cluster, req, Some).await
}

async fn review(cluster: &Cluster, mut r: AccessReview) -> AccessReview {
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    let body = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(r.verb.clone()),
                group: Some(r.group.clone()),
                resource: Some(r.resource.clone()),
                namespace: r.namespace.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    r.allowed = match api.create(&PostParams::default(), &body).await {
        Ok(answer) => answer.status.map(|s| s.allowed).unwrap_or(false),
        Err(_) => false,
    };
    r
}

/// The items of a list, or its failure state.
fn outcome<T>(listed: Listed<T>) -> (Vec<T>, ListState) {
    match listed {
        Listed::Items(items) => (items, ListState::Listed),
        Listed::Missing => (Vec::new(), ListState::NotInstalled),
        Listed::Forbidden(m) => (Vec::new(), ListState::Forbidden(m)),
        Listed::Failed(e) => (Vec::new(), ListState::Failed(e.message)),
    }
}

/// The lists whose items are pods: decoded into [`Pod`]s as each arrives, because on a large
/// cluster they are most of what the API server sends (1,300 pods ≈ 3 MB of JSON).
const POD_KEYS: [&str; 2] = [keys::PODS, keys::UWM_PODS];

/// Raw list results by request key: JSON items, and pods already decoded ([`POD_KEYS`]).
#[derive(Debug, Default)]
pub struct RawLists {
    pub values: Vec<(String, Vec<Value>)>,
    pub pods: Vec<(String, Vec<Pod>)>,
}

impl RawLists {
    /// From JSON items alone (tests, fixtures): the pod lists are decoded with [`parse::pod`],
    /// as [`gather`] does while they arrive.
    pub fn from_values(raw: Vec<(String, Vec<Value>)>) -> Self {
        let mut out = RawLists::default();
        for (key, items) in raw {
            if POD_KEYS.contains(&key.as_str()) {
                out.pods.push((key, items.iter().map(parse::pod).collect()));
            } else {
                out.values.push((key, items));
            }
        }
        out
    }

    fn values(&self, key: &str) -> Vec<&Value> {
        self.values
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.iter())
            .collect()
    }

    /// The pods of `key`'s lists, moved out.
    fn take_pods(&mut self, key: &str) -> Vec<Pod> {
        self.pods
            .iter_mut()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| std::mem::take(v))
            .collect()
    }
}

/// Gather the snapshot. `server_version` comes from the reachability probe the caller made.
pub async fn gather(cluster: &Cluster, scope: &Scope, server_version: Option<String>) -> Snapshot {
    let reqs = plan(scope);
    let (pod_reqs, value_reqs): (Vec<&Request>, Vec<&Request>) = reqs
        .iter()
        .partition(|r| POD_KEYS.contains(&r.key.as_str()));
    let values = join_all(value_reqs.iter().map(|r| list_values(cluster, r)));
    let pods = join_all(
        pod_reqs
            .iter()
            .map(|r| list_request_map(cluster, r, |item| Some(parse::pod(&item)))),
    );
    let reviews = join_all(access_plan(scope).into_iter().map(|r| review(cluster, r)));
    let (values, pods, access) = futures::join!(values, pods, reviews);
    let mut raw = RawLists::default();
    let mut states = std::collections::BTreeMap::new();
    let mut record = |key: &str, state: ListState| {
        if !state.is_listed() {
            states.insert(key.to_string(), state);
        }
    };
    for (req, l) in value_reqs.iter().zip(values) {
        let (items, state) = outcome(l);
        record(&req.key, state);
        raw.values.push((req.key.clone(), items));
    }
    for (req, l) in pod_reqs.iter().zip(pods) {
        let (items, state) = outcome(l);
        record(&req.key, state);
        raw.pods.push((req.key.clone(), items));
    }
    let mut snap = assemble(raw, states);
    snap.cluster.server = cluster.server.clone();
    snap.cluster.reachable = true;
    snap.cluster.kubernetes_version = server_version;
    snap.scope = scope.namespace().map(str::to_string);
    snap.access = access;
    second_pass(cluster, &mut snap).await;
    snap.live_reason = Some("live metrics not gathered".into());
    snap
}

/// Build a snapshot from raw list results (`key` → items). Pure; used by [`gather`] and tests.
pub fn assemble(
    mut raw: RawLists,
    lists: std::collections::BTreeMap<String, ListState>,
) -> Snapshot {
    let pods = raw.take_pods(keys::PODS);
    let uwm_pods = raw.take_pods(keys::UWM_PODS);
    let items = |key: &str| raw.values(key);
    let mut snap = Snapshot {
        lists,
        ..Default::default()
    };
    // LLMInferenceService: prefer the storage-version list (v1alpha2), fall back to v1alpha1.
    let v2 = items(keys::LLMISVC_V1ALPHA2);
    let (isvcs, version) = if snap.list_state(keys::LLMISVC_V1ALPHA2).is_listed() && !v2.is_empty()
    {
        (v2, "serving.kserve.io/v1alpha2")
    } else {
        (items(keys::LLMISVC_V1ALPHA1), "serving.kserve.io/v1alpha1")
    };
    snap.llmisvcs = isvcs
        .into_iter()
        .map(|v| {
            let mut i = parse::llmisvc(v);
            i.api_version = version.into();
            i
        })
        .collect();
    snap.pods = pods
        .into_iter()
        .filter(|p| {
            p.labels.get(super::relations::PART_OF).map(String::as_str)
                == Some(super::relations::PART_OF_VALUE)
        })
        .collect();
    snap.services = items(keys::SERVICES)
        .into_iter()
        .map(parse::service)
        .collect();
    snap.pools = items(keys::POOL_V1ALPHA2)
        .into_iter()
        .map(|v| parse::inference_pool(v, PoolApi::XK8sV1alpha2))
        .chain(
            items(keys::POOL_V1)
                .into_iter()
                .map(|v| parse::inference_pool(v, PoolApi::K8sV1)),
        )
        .collect();
    snap.routes = items(keys::HTTPROUTES)
        .into_iter()
        .map(parse::http_route)
        .collect();
    let mut gateways: Vec<Gateway> = items(keys::GATEWAYS)
        .into_iter()
        .chain(items(keys::GATEWAYS_INGRESS))
        .map(parse::gateway)
        .collect();
    gateways.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    gateways.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name);
    snap.gateways = gateways;
    snap.gateway_classes = items(keys::GATEWAYCLASSES)
        .into_iter()
        .map(parse::gateway_class)
        .collect();
    snap.destination_rules = items(keys::DESTINATIONRULES)
        .into_iter()
        .map(parse::destination_rule)
        .collect();
    let mut filters: Vec<EnvoyFilter> = items(keys::ENVOYFILTERS)
        .into_iter()
        .chain(items(keys::ENVOYFILTERS_INGRESS))
        .map(parse::envoy_filter)
        .collect();
    filters.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    filters.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name);
    snap.envoy_filters = filters;
    snap.pod_monitors = items(keys::PODMONITORS)
        .into_iter()
        .map(|v| parse::monitor(v, "podMetricsEndpoints"))
        .collect();
    snap.service_monitors = items(keys::SERVICEMONITORS)
        .into_iter()
        .map(|v| parse::monitor(v, "endpoints"))
        .collect();
    // Monitoring stack.
    if let Some(cm) = items(keys::CLUSTER_MONITORING_CONFIG)
        .into_iter()
        .find(|v| parse::text(v, "/metadata/name").as_deref() == Some("cluster-monitoring-config"))
    {
        snap.monitoring.cluster_config_present = true;
        match parse::uwm_enabled(&parse::configmap_key(cm, "config.yaml").unwrap_or_default()) {
            Ok(flag) => snap.monitoring.uwm_enabled = flag,
            Err(e) => snap.monitoring.cluster_config_error = Some(e),
        }
    }
    snap.monitoring.uwm_config_present = items(keys::UWM_CONFIG).into_iter().any(|v| {
        parse::text(v, "/metadata/name").as_deref() == Some("user-workload-monitoring-config")
    });
    snap.monitoring.uwm_prometheus_pods = uwm_pods
        .into_iter()
        .filter(|p| p.name.starts_with("prometheus-user-workload"))
        .collect();
    snap.monitoring.thanos_service = items(keys::THANOS_SERVICE)
        .into_iter()
        .map(parse::service)
        .find(|s| s.name == "thanos-querier");
    snap.monitoring.thanos_route_host = items(keys::THANOS_ROUTE)
        .into_iter()
        .find(|v| parse::text(v, "/metadata/name").as_deref() == Some("thanos-querier"))
        .map(|v| parse::route_host(v).unwrap_or_default());
    // Grafana.
    snap.grafana.instances = items(keys::GRAFANAS)
        .into_iter()
        .map(parse::grafana_instance)
        .collect();
    snap.grafana.datasources = items(keys::GRAFANA_DATASOURCES)
        .into_iter()
        .map(parse::grafana_datasource)
        .collect();
    snap.grafana.dashboards = items(keys::GRAFANA_DASHBOARDS)
        .into_iter()
        .map(parse::grafana_dashboard)
        .collect();
    snap.grafana.operator_deployments = items(keys::OPERATOR_DEPLOYMENTS)
        .into_iter()
        .map(parse::deployment)
        .collect();
    snap.token_secrets = items(keys::TOKEN_SECRETS)
        .into_iter()
        .filter(|v| {
            parse::text(v, "/type").is_none_or(|t| t == "kubernetes.io/service-account-token")
        })
        .map(parse::token_secret)
        .collect();
    snap.monitoring_view_bindings = items(keys::CLUSTERROLEBINDINGS)
        .into_iter()
        .map(parse::cluster_role_binding)
        .filter(|b| b.role == "cluster-monitoring-view")
        .collect();
    snap.operators = items(keys::CSVS)
        .into_iter()
        .filter(|v| parse::at(v, "/metadata/labels/olm.copiedFrom").is_none())
        .map(parse::operator_csv)
        .collect();
    // Istio.
    snap.istio.control_planes = items(keys::ISTIOS)
        .into_iter()
        .map(parse::istio_control_plane)
        .collect();
    snap.istio.istiods = items(keys::ISTIOD_DEPLOYMENTS)
        .into_iter()
        .map(parse::deployment)
        .collect();
    // Versions.
    snap.cluster.openshift_version = items(keys::CLUSTERVERSIONS)
        .into_iter()
        .find_map(|v| parse::text(v, "/status/desired/version"));
    snap.cluster.rhoai_version = items(keys::DATASCIENCECLUSTERS)
        .into_iter()
        .find_map(|v| parse::text(v, "/status/release/version"))
        .or_else(|| {
            snap.operators
                .iter()
                .find(|c| c.name.starts_with("rhods-operator"))
                .and_then(|c| c.version.clone())
        });
    snap
}

/// Routes and dashboard ConfigMaps in the namespaces holding Grafana objects (one list each).
async fn second_pass(cluster: &Cluster, snap: &mut Snapshot) {
    let mut route_ns: Vec<String> = snap
        .grafana
        .instances
        .iter()
        .filter(|g| g.wants_route)
        .map(|g| g.namespace.clone())
        .collect();
    route_ns.sort();
    route_ns.dedup();
    let mut cm_ns: Vec<String> = snap
        .grafana
        .dashboards
        .iter()
        .filter(|d| matches!(d.source, DashboardSource::ConfigMap { .. }))
        .map(|d| d.namespace.clone())
        .collect();
    cm_ns.sort();
    cm_ns.dedup();
    let route_reqs: Vec<Request> = route_ns
        .iter()
        .map(|ns| Request::new(keys::GRAFANA_ROUTES, ROUTES, Some(ns)))
        .collect();
    let cm_reqs: Vec<Request> = cm_ns
        .iter()
        .map(|ns| Request::new(keys::GRAFANA_CONFIGMAPS, CONFIGMAPS, Some(ns)))
        .collect();
    let (routes, cms) = futures::join!(
        join_all(route_reqs.iter().map(|r| list_values(cluster, r))),
        join_all(cm_reqs.iter().map(|r| list_values(cluster, r)))
    );
    for (req, l) in route_reqs.iter().zip(routes) {
        let (items, state) = outcome(l);
        if !state.is_listed() {
            let key = format!("{}@{}", req.key, req.namespace.clone().unwrap_or_default());
            snap.lists.insert(key, state);
        }
        for v in items {
            let key = format!(
                "{}/{}",
                parse::text(&v, "/metadata/namespace").unwrap_or_default(),
                parse::text(&v, "/metadata/name").unwrap_or_default()
            );
            snap.grafana
                .routes
                .insert(key, parse::route_host(&v).unwrap_or_default());
        }
    }
    let mut configmaps: Vec<Value> = Vec::new();
    for (req, l) in cm_reqs.iter().zip(cms) {
        let (items, state) = outcome(l);
        if !state.is_listed() {
            let key = format!("{}@{}", req.key, req.namespace.clone().unwrap_or_default());
            snap.lists.insert(key, state);
        }
        configmaps.extend(items);
    }
    resolve_dashboard_configmaps(&mut snap.grafana.dashboards, &configmaps);
}

/// Fill `exprs` of `configMapRef` dashboards from the listed ConfigMaps.
pub fn resolve_dashboard_configmaps(dashboards: &mut [GrafanaDashboard], configmaps: &[Value]) {
    for d in dashboards.iter_mut() {
        let DashboardSource::ConfigMap { name, key } = &d.source else {
            continue;
        };
        let cm = configmaps.iter().find(|v| {
            parse::text(v, "/metadata/namespace").as_deref() == Some(d.namespace.as_str())
                && parse::text(v, "/metadata/name").as_deref() == Some(name.as_str())
        });
        match cm.map(|v| parse::configmap_key(v, key)) {
            None => d.content_error = Some(format!("ConfigMap {}/{name} not found", d.namespace)),
            Some(None) => {
                d.content_error = Some(format!("ConfigMap {}/{name} has no key {key}", d.namespace))
            }
            Some(Some(json)) => match parse::dashboard_exprs(&json) {
                Ok(e) => {
                    d.exprs = Some(e);
                    d.content_error = None;
                }
                Err(e) => d.content_error = Some(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plan_size_is_constant_per_scope_kind() {
        let all = plan(&Scope::All).len();
        assert_eq!(plan(&Scope::Namespace("a".into())).len(), all + 2);
        assert_eq!(
            plan(&Scope::Namespace("openshift-ingress".into())).len(),
            all
        );
        assert_eq!(
            plan(&Scope::Namespace("a".into())).len(),
            plan(&Scope::Namespace("zzz".into())).len()
        );
    }

    #[test]
    fn assemble_prefers_v1alpha2_and_parses_config() {
        let raw = vec![
            (
                keys::LLMISVC_V1ALPHA1.to_string(),
                vec![json!({"metadata": {"name": "a", "namespace": "n"}})],
            ),
            (
                keys::LLMISVC_V1ALPHA2.to_string(),
                vec![json!({"metadata": {"name": "a", "namespace": "n"}})],
            ),
            (
                keys::CLUSTER_MONITORING_CONFIG.to_string(),
                vec![json!({"metadata": {"name": "cluster-monitoring-config"},
                    "data": {"config.yaml": "enableUserWorkload: true\n"}})],
            ),
        ];
        let snap = assemble(RawLists::from_values(raw), Default::default());
        assert_eq!(snap.llmisvcs.len(), 1);
        assert_eq!(snap.llmisvcs[0].api_version, "serving.kserve.io/v1alpha2");
        assert_eq!(snap.monitoring.uwm_enabled, Some(true));
    }

    #[test]
    fn configmap_dashboards_resolve() {
        let mut d = vec![GrafanaDashboard {
            namespace: "g".into(),
            name: "d".into(),
            source: DashboardSource::ConfigMap {
                name: "cm".into(),
                key: "x.json".into(),
            },
            ..Default::default()
        }];
        resolve_dashboard_configmaps(&mut d, &[]);
        assert!(d[0].content_error.as_deref().unwrap().contains("not found"));
        let cm = json!({"metadata": {"namespace": "g", "name": "cm"},
            "data": {"x.json": "{\"panels\":[{\"targets\":[{\"expr\":\"vllm:a\"}]}]}"}});
        resolve_dashboard_configmaps(&mut d, &[cm]);
        assert_eq!(d[0].exprs, Some(vec!["vllm:a".to_string()]));
    }
}
