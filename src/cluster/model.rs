//! The cluster snapshot: plain, serde-serialisable data about every object doctor (and the other
//! commands) read. No kube types and no IO live here; [`super::gather`] fills it from the API server,
//! [`super::parse`] turns raw JSON objects into these types, and tests build it directly
//! (everything is `Default`, see also [`super::sample`]).
//!
//! What could not be listed is data too: [`Snapshot::lists`] records, per list request key (see
//! [`keys`]), whether the API was not installed (404), forbidden (403) or failed. A key absent from
//! that map means "listed fine" so hand-built snapshots only mention what is missing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Stable keys of the lists a gather makes (one request each, plus pagination).
pub mod keys {
    pub const LLMISVC_V1ALPHA2: &str = "llminferenceservices.serving.kserve.io/v1alpha2";
    pub const LLMISVC_V1ALPHA1: &str = "llminferenceservices.serving.kserve.io/v1alpha1";
    pub const POOL_V1: &str = "inferencepools.inference.networking.k8s.io/v1";
    pub const POOL_V1ALPHA2: &str = "inferencepools.inference.networking.x-k8s.io/v1alpha2";
    pub const PODS: &str = "pods";
    pub const SERVICES: &str = "services";
    pub const HTTPROUTES: &str = "httproutes.gateway.networking.k8s.io";
    pub const GATEWAYS: &str = "gateways.gateway.networking.k8s.io";
    pub const GATEWAYS_INGRESS: &str = "gateways.gateway.networking.k8s.io@openshift-ingress";
    pub const GATEWAYCLASSES: &str = "gatewayclasses.gateway.networking.k8s.io";
    pub const DESTINATIONRULES: &str = "destinationrules.networking.istio.io";
    pub const ENVOYFILTERS: &str = "envoyfilters.networking.istio.io";
    pub const ENVOYFILTERS_INGRESS: &str = "envoyfilters.networking.istio.io@openshift-ingress";
    pub const PODMONITORS: &str = "podmonitors.monitoring.coreos.com";
    pub const SERVICEMONITORS: &str = "servicemonitors.monitoring.coreos.com";
    pub const CLUSTER_MONITORING_CONFIG: &str = "configmaps@openshift-monitoring";
    pub const UWM_CONFIG: &str = "configmaps@openshift-user-workload-monitoring";
    pub const UWM_PODS: &str = "pods@openshift-user-workload-monitoring";
    pub const THANOS_SERVICE: &str = "services@openshift-monitoring";
    pub const THANOS_ROUTE: &str = "routes.route.openshift.io@openshift-monitoring";
    pub const GRAFANAS: &str = "grafanas.grafana.integreatly.org";
    pub const GRAFANA_DATASOURCES: &str = "grafanadatasources.grafana.integreatly.org";
    pub const GRAFANA_DASHBOARDS: &str = "grafanadashboards.grafana.integreatly.org";
    pub const TOKEN_SECRETS: &str = "secrets(type=kubernetes.io/service-account-token)";
    pub const CLUSTERROLEBINDINGS: &str = "clusterrolebindings.rbac.authorization.k8s.io";
    pub const CSVS: &str = "clusterserviceversions.operators.coreos.com";
    pub const OPERATOR_DEPLOYMENTS: &str = "deployments(grafana-operator)";
    pub const ISTIOD_DEPLOYMENTS: &str = "deployments(app=istiod)";
    pub const ISTIOS: &str = "istios.sailoperator.io";
    pub const CLUSTERVERSIONS: &str = "clusterversions.config.openshift.io";
    pub const DATASCIENCECLUSTERS: &str = "datascienceclusters.datasciencecluster.opendatahub.io";
    pub const GRAFANA_ROUTES: &str = "routes.route.openshift.io(grafana namespaces)";
    pub const GRAFANA_CONFIGMAPS: &str = "configmaps(grafana dashboard namespaces)";
}

/// How one list request ended when it did not simply return items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "message")]
pub enum ListState {
    /// Listed (possibly zero items).
    Listed,
    /// 404: the API / CRD is not installed.
    NotInstalled,
    /// 403: RBAC hides it (server message).
    Forbidden(String),
    /// Any other failure (server message).
    Failed(String),
}

impl ListState {
    pub fn is_listed(&self) -> bool {
        matches!(self, ListState::Listed)
    }
    /// Why nothing is known, in words; None when listed.
    pub fn reason(&self) -> Option<String> {
        match self {
            ListState::Listed => None,
            ListState::NotInstalled => Some("API not installed".into()),
            ListState::Forbidden(m) => Some(format!("not permitted ({m})")),
            ListState::Failed(m) => Some(format!("list failed ({m})")),
        }
    }
}

/// The whole snapshot one doctor run reasons about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Snapshot {
    pub cluster: ClusterInfo,
    /// `Some(ns)` when scoped with `-n`, `None` for all namespaces.
    pub scope: Option<String>,
    /// Non-`Listed` outcomes per list key (see the module docs).
    pub lists: BTreeMap<String, ListState>,
    pub access: Vec<AccessReview>,
    pub llmisvcs: Vec<LlmIsvc>,
    pub pods: Vec<Pod>,
    pub services: Vec<Service>,
    pub pools: Vec<InferencePool>,
    pub routes: Vec<HttpRoute>,
    pub gateways: Vec<Gateway>,
    pub gateway_classes: Vec<GatewayClass>,
    pub destination_rules: Vec<DestinationRule>,
    pub envoy_filters: Vec<EnvoyFilter>,
    pub pod_monitors: Vec<Monitor>,
    pub service_monitors: Vec<Monitor>,
    pub monitoring: MonitoringFacts,
    pub grafana: GrafanaFacts,
    pub istio: IstioFacts,
    pub token_secrets: Vec<TokenSecret>,
    pub monitoring_view_bindings: Vec<ClusterRoleBinding>,
    pub operators: Vec<OperatorCsv>,
    /// Live metric facts (filled by a Prometheus-backed gatherer); None: not queried.
    pub live: Option<LiveFacts>,
    /// Why `live` is None (e.g. "no Prometheus gatherer in this build").
    pub live_reason: Option<String>,
    /// Test requests through the gateways (`doctor --probe`); None: not probed.
    pub probe: Option<super::probe::ProbeFacts>,
}

impl Snapshot {
    /// The outcome of the list request `key` (absent means listed).
    pub fn list_state(&self, key: &str) -> ListState {
        self.lists.get(key).cloned().unwrap_or(ListState::Listed)
    }
    /// Scope in words: `namespace demo` or `all namespaces`.
    pub fn scope_text(&self) -> String {
        match &self.scope {
            Some(ns) => format!("namespace {ns}"),
            None => "all namespaces".into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterInfo {
    pub server: String,
    pub reachable: bool,
    /// Why the cluster is not reachable (one line), when it is not.
    pub error: Option<String>,
    pub kubernetes_version: Option<String>,
    /// ClusterVersion `status.desired.version`; None on plain Kubernetes.
    pub openshift_version: Option<String>,
    /// DataScienceCluster `status.release.version` or the rhods-operator CSV version.
    pub rhoai_version: Option<String>,
}

/// One SelfSubjectAccessReview: may the user `verb` `resource` (in `namespace`)?
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccessReview {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub allowed: bool,
    /// Which checks need this permission.
    pub needed_by: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

impl Condition {
    pub fn new(type_: &str, status: &str) -> Self {
        Self {
            type_: type_.into(),
            status: status.into(),
            ..Default::default()
        }
    }
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// Find a condition by type.
pub fn condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// `namespace/name` of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectRef {
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(namespace: &str, name: &str) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}/{}", self.namespace, self.name)
        }
    }
}

/// A Kubernetes label selector (matchLabels + matchExpressions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<SelectorRequirement>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    pub fn from_labels(labels: &[(&str, &str)]) -> Self {
        Self {
            match_labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            match_expressions: Vec::new(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
    /// Kubernetes semantics; an empty selector matches everything. Unknown operators never match.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => value.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// The LLMInferenceService as far as doctor needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LlmIsvc {
    pub namespace: String,
    pub name: String,
    /// e.g. `serving.kserve.io/v1alpha1`.
    pub api_version: String,
    pub model_name: Option<String>,
    pub conditions: Vec<Condition>,
    /// `spec.prefill` is set (prefill/decode disaggregation).
    pub has_prefill: bool,
    /// `spec.replicas` (None: default).
    pub replicas: Option<i64>,
    /// `serving.kserve.io/stop: "true"`.
    pub stopped: bool,
    /// Scheduler container command + args from the spec (may be empty: preset defaults).
    pub scheduler_args: Vec<String>,
    /// v1alpha2 `spec.router.scheduler.config.inline`, re-encoded as JSON text.
    pub scheduler_config_inline: Option<String>,
    /// v1alpha2 `spec.router.scheduler.config.ref` (`ConfigMap name/key`), not read by doctor.
    pub scheduler_config_ref: Option<String>,
    /// `spec.router.scheduler.pool.ref.name`.
    pub pool_ref: Option<String>,
    /// `spec.router.route.http.refs[].name`.
    pub route_refs: Vec<String>,
    /// `spec.router.gateway.refs`.
    pub gateway_refs: Vec<ObjectRef>,
    /// `spec.router.scheduler` exactly as stored (None when absent): `fix` plans JSON patches
    /// against it, so it keeps what doctor's fields summarise.
    pub scheduler_spec: Option<serde_json::Value>,
}

impl LlmIsvc {
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.namespace, &self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub phase: String,
    /// The Ready condition is True.
    pub ready: bool,
    pub restarts: i64,
    /// A container waiting reason such as `CrashLoopBackOff`.
    pub waiting_reason: Option<String>,
    pub terminating: bool,
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    /// command followed by args.
    pub args: Vec<String>,
    /// `args` alone, as written (without the command).
    pub own_args: Vec<String>,
    /// Literal env values (valueFrom entries are left out).
    pub env: BTreeMap<String, String>,
    pub ports: Vec<NamedPort>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedPort {
    pub name: String,
    pub port: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePort {
    pub name: String,
    pub port: i64,
    /// Number or name, as text.
    pub target_port: Option<String>,
}

/// Which InferencePool API an object comes from. The two differ in shape (`selector` map vs
/// `selector.matchLabels`, `targetPortNumber` vs `targetPorts`, `extensionRef` vs
/// `endpointPickerRef`, status `parent` vs `parents`); [`super::parse`] normalises both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolApi {
    /// `inference.networking.x-k8s.io/v1alpha2`
    #[default]
    #[serde(rename = "inference.networking.x-k8s.io/v1alpha2")]
    XK8sV1alpha2,
    /// `inference.networking.k8s.io/v1`
    #[serde(rename = "inference.networking.k8s.io/v1")]
    K8sV1,
}

impl PoolApi {
    pub fn group(self) -> &'static str {
        match self {
            PoolApi::XK8sV1alpha2 => "inference.networking.x-k8s.io",
            PoolApi::K8sV1 => "inference.networking.k8s.io",
        }
    }
    pub fn api_version(self) -> &'static str {
        match self {
            PoolApi::XK8sV1alpha2 => "inference.networking.x-k8s.io/v1alpha2",
            PoolApi::K8sV1 => "inference.networking.k8s.io/v1",
        }
    }
    pub fn from_group(group: &str) -> Option<Self> {
        match group {
            "inference.networking.x-k8s.io" => Some(PoolApi::XK8sV1alpha2),
            "inference.networking.k8s.io" => Some(PoolApi::K8sV1),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InferencePool {
    pub api: PoolApi,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub selector: BTreeMap<String, String>,
    pub target_ports: Vec<i64>,
    pub epp: Option<EppRef>,
    pub parents: Vec<PoolParent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EppRef {
    pub name: String,
    pub kind: String,
    pub port: Option<i64>,
    pub failure_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PoolParent {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpRoute {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub parent_refs: Vec<ParentRef>,
    pub rules: Vec<RouteRule>,
    /// `status.parents[]`.
    pub parents: Vec<RouteParentStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ParentRef {
    pub kind: String,
    /// Defaulted to the route's namespace by the parser.
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteRule {
    pub name: Option<String>,
    pub backends: Vec<BackendRef>,
    /// Filter types as written (`CORS`, `URLRewrite`, `ExtensionRef:<kind>/<name>` …).
    pub filters: Vec<String>,
    /// `matches[].path.value` (PathPrefix or Exact), in order.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BackendRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub port: Option<i64>,
}

impl BackendRef {
    pub fn is_pool(&self) -> bool {
        self.kind == "InferencePool"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteParentStatus {
    pub parent: ParentRef,
    pub controller: String,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Gateway {
    pub namespace: String,
    pub name: String,
    pub class: String,
    pub addresses: Vec<String>,
    pub conditions: Vec<Condition>,
    /// `spec.listeners`.
    pub listeners: Vec<GatewayListener>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayListener {
    pub name: String,
    pub port: i64,
    /// HTTP, HTTPS, TLS, TCP, …
    pub protocol: String,
    pub hostname: Option<String>,
}

impl Gateway {
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.namespace, &self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GatewayClass {
    pub name: String,
    pub controller: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationRule {
    pub namespace: String,
    pub name: String,
    pub host: String,
    /// `trafficPolicy.tls.mode` (also from portLevelSettings), e.g. SIMPLE.
    pub tls_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvoyFilter {
    pub namespace: String,
    pub name: String,
    /// `spec.workloadSelector.labels` (None: no workload selector).
    pub workload_selector: Option<BTreeMap<String, String>>,
    /// `spec.targetRefs` as `Kind/name`.
    pub target_refs: Vec<String>,
    pub patches: Vec<EnvoyPatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvoyPatch {
    /// `applyTo`, e.g. HTTP_FILTER, HTTP_ROUTE.
    pub apply_to: String,
    pub operation: String,
    /// `match.listener.filterChain.filter.subFilter.name`.
    pub sub_filter: Option<String>,
    /// `match.routeConfiguration.vhost.route.name`.
    pub route_name: Option<String>,
    /// `…grpc_service.envoy_grpc.cluster_name` in the patch value (either spelling).
    pub cluster_name: Option<String>,
    /// `…processing_mode.request_body_mode`.
    pub request_body_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Monitor {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub selector: LabelSelector,
    pub endpoints: Vec<MonitorEndpoint>,
    /// A metricRelabeling writes `__name__` with a `kserve_` replacement.
    pub adds_kserve_prefix: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MonitorEndpoint {
    /// Port name.
    pub port: Option<String>,
    /// `portNumber` or `targetPort`, as text.
    pub target_port: Option<String>,
    pub scheme: Option<String>,
    pub path: Option<String>,
    /// Secret (`name`, `key`) of `authorization.credentials` or `bearerTokenSecret`.
    pub auth_secret: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MonitoringFacts {
    /// `openshift-monitoring/cluster-monitoring-config` exists.
    pub cluster_config_present: bool,
    /// Its `config.yaml` `enableUserWorkload` (None: key absent).
    pub uwm_enabled: Option<bool>,
    /// `config.yaml` could not be parsed (message).
    pub cluster_config_error: Option<String>,
    /// `openshift-user-workload-monitoring/user-workload-monitoring-config` exists.
    pub uwm_config_present: bool,
    /// prometheus-user-workload pods.
    pub uwm_prometheus_pods: Vec<Pod>,
    pub thanos_service: Option<Service>,
    /// Route `thanos-querier` host, when the Route exists.
    pub thanos_route_host: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrafanaFacts {
    pub instances: Vec<GrafanaInstance>,
    pub datasources: Vec<GrafanaDatasource>,
    pub dashboards: Vec<GrafanaDashboard>,
    /// Grafana Operator Deployments found by label.
    pub operator_deployments: Vec<Deployment>,
    /// Routes in the Grafana namespaces (`namespace/name` → host).
    pub routes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrafanaInstance {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub stage: Option<String>,
    pub stage_status: Option<String>,
    pub conditions: Vec<Condition>,
    /// `spec.route` is set (the operator creates `<name>-route` on OpenShift).
    pub wants_route: bool,
    /// External Grafana (`spec.external`): no pods or route of its own.
    pub external: bool,
}

impl GrafanaInstance {
    /// Ready: condition GrafanaReady True, or stage `complete` with status `success`.
    pub fn ready(&self) -> bool {
        condition(&self.conditions, "GrafanaReady")
            .map(Condition::is_true)
            .unwrap_or(
                self.stage.as_deref() == Some("complete")
                    && self.stage_status.as_deref() == Some("success"),
            )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrafanaDatasource {
    pub namespace: String,
    pub name: String,
    pub url: String,
    pub type_: String,
    pub instance_selector: LabelSelector,
    pub allow_cross_namespace: bool,
    /// `status.NoMatchingInstances`.
    pub no_matching_instances: Option<bool>,
    pub conditions: Vec<Condition>,
    /// `valuesFrom[].valueFrom.secretKeyRef` as (target path, secret, key).
    pub secret_values: Vec<(String, String, String)>,
    /// An Authorization header value in secureJsonData uses a `${key}`/`$key` placeholder.
    pub token_placeholder: bool,
    /// A literal bearer token in secureJsonData: its fingerprint (never the token).
    pub literal_token: Option<String>,
    /// `jsonData.customQueryParameters`.
    pub query_parameters: Option<String>,
}

/// Where a dashboard's JSON comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum DashboardSource {
    #[default]
    Inline,
    ConfigMap {
        name: String,
        key: String,
    },
    Url {
        url: String,
    },
    Other {
        what: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GrafanaDashboard {
    pub namespace: String,
    pub name: String,
    pub instance_selector: LabelSelector,
    pub no_matching_instances: Option<bool>,
    pub conditions: Vec<Condition>,
    pub source: DashboardSource,
    /// Every query expression in the dashboard; None when the content could not be read.
    pub exprs: Option<Vec<String>>,
    /// Why `exprs` is None.
    pub content_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Deployment {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub replicas: i64,
    pub ready_replicas: i64,
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IstioFacts {
    /// Sail `Istio` CRs (cluster-scoped).
    pub control_planes: Vec<IstioControlPlane>,
    /// istiod Deployments (label `app=istiod`).
    pub istiods: Vec<Deployment>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IstioControlPlane {
    pub name: String,
    /// `spec.version`, e.g. `v1.26.2`.
    pub version: Option<String>,
    /// `spec.namespace` (the control-plane namespace).
    pub namespace: Option<String>,
    pub state: Option<String>,
}

/// A ServiceAccount token Secret, reduced to what checks need: never the token itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenSecret {
    pub namespace: String,
    pub name: String,
    /// Annotation `kubernetes.io/service-account.name`.
    pub service_account: Option<String>,
    /// Fingerprint of `data.token` (None: no token or empty).
    pub token_fingerprint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterRoleBinding {
    pub name: String,
    pub role: String,
    /// ServiceAccount subjects as `namespace/name`; users and groups as `User:x` / `Group:x`.
    pub subjects: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OperatorCsv {
    pub namespace: String,
    pub name: String,
    pub version: Option<String>,
    /// `status.phase`, e.g. Succeeded.
    pub phase: Option<String>,
}

/// Facts read from Prometheus/Thanos (filled by the live gatherer; None when not queried).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LiveFacts {
    /// Where the facts came from (URL), for messages.
    pub source: String,
    /// Metric names present (the vLLM / EPP families doctor asks for).
    pub metric_names: Vec<String>,
    /// Series of the presence gauges (`metrics::naming::PRESENCE`, any generation) per pod, keyed
    /// `namespace/pod`: a pod absent here has no vLLM/EPP series in Thanos.
    pub series_per_pod: BTreeMap<String, u64>,
    /// Request rates per LLMInferenceService, keyed `namespace/name`.
    pub request_rates: BTreeMap<String, RequestRates>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RequestRates {
    /// EPP requests per second (None: no EPP series).
    pub epp_per_second: Option<f64>,
    /// vLLM requests per second per pod name.
    pub vllm_per_second: BTreeMap<String, f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_round_trip_through_yaml() {
        let snap = crate::cluster::sample::healthy();
        let yaml = serde_saphyr::to_string(&snap).unwrap();
        let back: Snapshot = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back, snap);
        // Fixtures only need what they are about; everything else defaults.
        let small: Snapshot = serde_saphyr::from_str(
            "cluster: {server: https://x, reachable: true}\nlists: {pods: {state: forbidden, message: no}}\n",
        )
        .unwrap();
        assert!(small.cluster.reachable);
        assert_eq!(
            small.list_state(keys::PODS),
            ListState::Forbidden("no".into())
        );
        assert!(small.list_state(keys::SERVICES).is_listed());
    }
}
