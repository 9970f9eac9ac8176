//! Raw Kubernetes objects (JSON as the API server sends them) → the typed views of [`super::model`].
//!
//! Defensive by design: a missing status, a field of the wrong type or an unknown version yields
//! `None`/empty values, never a panic. Every function takes one object as a `serde_json::Value`.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::model::*;

/// The value at a JSON pointer, like [`Value::pointer`] but without allocating: serde_json's
/// version builds a `String` per path segment (to undo `~1`/`~0` escapes) on every call, which
/// on 1,300 pods was a tenth of doctor's CPU. Escaped segments take the slow path.
pub fn at<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.contains('~') {
        return v.pointer(pointer);
    }
    if pointer.is_empty() {
        return Some(v);
    }
    let mut current = v;
    for segment in pointer.strip_prefix('/')?.split('/') {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(array_index(segment)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// An array index as JSON pointer allows it: digits, no leading zero (RFC 6901).
fn array_index(segment: &str) -> Option<usize> {
    if segment.is_empty()
        || !segment.bytes().all(|b| b.is_ascii_digit())
        || (segment.len() > 1 && segment.starts_with('0'))
    {
        return None;
    }
    segment.parse().ok()
}

/// String at a JSON pointer.
pub fn text(v: &Value, pointer: &str) -> Option<String> {
    match at(v, pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_or(v: &Value, pointer: &str) -> String {
    text(v, pointer).unwrap_or_default()
}

fn int(v: &Value, pointer: &str) -> Option<i64> {
    match at(v, pointer)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn array<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    at(v, pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn string_map(v: &Value, pointer: &str) -> BTreeMap<String, String> {
    at(v, pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(n) => Some((k.clone(), n.to_string())),
                    Value::Bool(b) => Some((k.clone(), b.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(v: &Value, pointer: &str) -> Vec<String> {
    array(v, pointer)
        .iter()
        .filter_map(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn namespace(v: &Value) -> String {
    text_or(v, "/metadata/namespace")
}

fn name(v: &Value) -> String {
    text_or(v, "/metadata/name")
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    string_map(v, "/metadata/labels")
}

/// A non-reversible fingerprint of a secret value, for equality tests only.
pub fn fingerprint(secret: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    secret.trim().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

pub fn conditions(v: &Value, pointer: &str) -> Vec<Condition> {
    array(v, pointer)
        .iter()
        .map(|c| Condition {
            type_: text_or(c, "/type"),
            status: text_or(c, "/status"),
            reason: text(c, "/reason"),
            message: text(c, "/message"),
        })
        .collect()
}

pub fn label_selector(v: &Value, pointer: &str) -> LabelSelector {
    let Some(sel) = at(v, pointer) else {
        return LabelSelector::default();
    };
    LabelSelector {
        match_labels: string_map(sel, "/matchLabels"),
        match_expressions: array(sel, "/matchExpressions")
            .iter()
            .map(|r| SelectorRequirement {
                key: text_or(r, "/key"),
                operator: text_or(r, "/operator"),
                values: strings(r, "/values"),
            })
            .collect(),
    }
}

pub fn container(c: &Value) -> Container {
    let own_args = strings(c, "/args");
    let mut args = strings(c, "/command");
    args.extend(own_args.iter().cloned());
    Container {
        name: text_or(c, "/name"),
        image: text_or(c, "/image"),
        args,
        own_args,
        env: array(c, "/env")
            .iter()
            .filter_map(|e| Some((text(e, "/name")?, text(e, "/value")?)))
            .collect(),
        ports: array(c, "/ports")
            .iter()
            .map(|p| NamedPort {
                name: text_or(p, "/name"),
                port: int(p, "/containerPort").unwrap_or(0),
            })
            .collect(),
    }
}

fn containers(v: &Value, pointer: &str) -> Vec<Container> {
    array(v, pointer).iter().map(container).collect()
}

pub fn llmisvc(v: &Value) -> LlmIsvc {
    let scheduler = array(v, "/spec/router/scheduler/template/containers");
    let main = scheduler
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("main"))
        .or(scheduler.first());
    let scheduler_config_inline = at(v, "/spec/router/scheduler/config/inline")
        .filter(|x| !x.is_null())
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    LlmIsvc {
        namespace: namespace(v),
        name: name(v),
        api_version: text_or(v, "/apiVersion"),
        model_name: text(v, "/spec/model/name"),
        conditions: conditions(v, "/status/conditions"),
        has_prefill: at(v, "/spec/prefill").is_some_and(|p| !p.is_null()),
        replicas: int(v, "/spec/replicas"),
        stopped: text(v, "/metadata/annotations/serving.kserve.io~1stop").as_deref()
            == Some("true"),
        scheduler_args: main.map(container).map(|c| c.args).unwrap_or_default(),
        scheduler_config_inline,
        scheduler_config_ref: text(v, "/spec/router/scheduler/config/ref/name").map(|n| {
            format!(
                "{n}/{}",
                text(v, "/spec/router/scheduler/config/ref/key").unwrap_or_default()
            )
        }),
        pool_ref: text(v, "/spec/router/scheduler/pool/ref/name"),
        route_refs: array(v, "/spec/router/route/http/refs")
            .iter()
            .filter_map(|r| text(r, "/name"))
            .collect(),
        gateway_refs: array(v, "/spec/router/gateway/refs")
            .iter()
            .filter_map(|r| {
                Some(ObjectRef::new(
                    &text(r, "/namespace").unwrap_or_else(|| namespace(v)),
                    &text(r, "/name")?,
                ))
            })
            .collect(),
        scheduler_spec: at(v, "/spec/router/scheduler")
            .filter(|x| !x.is_null())
            .cloned(),
    }
}

pub fn pod(v: &Value) -> Pod {
    let statuses = array(v, "/status/containerStatuses");
    let conds = conditions(v, "/status/conditions");
    Pod {
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        phase: text_or(v, "/status/phase"),
        ready: condition(&conds, "Ready").is_some_and(Condition::is_true),
        restarts: statuses
            .iter()
            .filter_map(|s| int(s, "/restartCount"))
            .sum(),
        waiting_reason: statuses
            .iter()
            .find_map(|s| text(s, "/state/waiting/reason")),
        terminating: at(v, "/metadata/deletionTimestamp").is_some(),
        containers: containers(v, "/spec/containers"),
    }
}

pub fn service(v: &Value) -> Service {
    Service {
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        selector: string_map(v, "/spec/selector"),
        ports: array(v, "/spec/ports")
            .iter()
            .map(|p| ServicePort {
                name: text_or(p, "/name"),
                port: int(p, "/port").unwrap_or(0),
                target_port: text(p, "/targetPort"),
            })
            .collect(),
    }
}

/// An InferencePool of either API group, normalised.
pub fn inference_pool(v: &Value, api: PoolApi) -> InferencePool {
    let (selector, target_ports, epp, parents_key) = match api {
        PoolApi::XK8sV1alpha2 => (
            string_map(v, "/spec/selector"),
            int(v, "/spec/targetPortNumber").into_iter().collect(),
            at(v, "/spec/extensionRef").map(|e| EppRef {
                name: text_or(e, "/name"),
                kind: text(e, "/kind").unwrap_or_else(|| "Service".into()),
                port: int(e, "/portNumber"),
                failure_mode: text(e, "/failureMode"),
            }),
            "/status/parent",
        ),
        PoolApi::K8sV1 => (
            string_map(v, "/spec/selector/matchLabels"),
            array(v, "/spec/targetPorts")
                .iter()
                .filter_map(|p| int(p, "/number"))
                .collect(),
            at(v, "/spec/endpointPickerRef").map(|e| EppRef {
                name: text_or(e, "/name"),
                kind: text(e, "/kind").unwrap_or_else(|| "Service".into()),
                port: int(e, "/port/number"),
                failure_mode: text(e, "/failureMode"),
            }),
            "/status/parents",
        ),
    };
    InferencePool {
        api,
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        selector,
        target_ports,
        epp,
        parents: array(v, parents_key)
            .iter()
            .map(|p| PoolParent {
                kind: text(p, "/parentRef/kind").unwrap_or_else(|| "Gateway".into()),
                namespace: text(p, "/parentRef/namespace").unwrap_or_else(|| namespace(v)),
                name: text_or(p, "/parentRef/name"),
                conditions: conditions(p, "/conditions"),
            })
            .collect(),
    }
}

fn parent_ref(p: &Value, default_ns: &str) -> ParentRef {
    ParentRef {
        kind: text(p, "/kind").unwrap_or_else(|| "Gateway".into()),
        namespace: text(p, "/namespace").unwrap_or_else(|| default_ns.to_string()),
        name: text_or(p, "/name"),
    }
}

pub fn http_route(v: &Value) -> HttpRoute {
    let ns = namespace(v);
    HttpRoute {
        namespace: ns.clone(),
        name: name(v),
        labels: labels(v),
        parent_refs: array(v, "/spec/parentRefs")
            .iter()
            .map(|p| parent_ref(p, &ns))
            .collect(),
        rules: array(v, "/spec/rules")
            .iter()
            .map(|r| RouteRule {
                name: text(r, "/name"),
                backends: array(r, "/backendRefs")
                    .iter()
                    .map(|b| BackendRef {
                        group: text_or(b, "/group"),
                        kind: text(b, "/kind").unwrap_or_else(|| "Service".into()),
                        namespace: text(b, "/namespace").unwrap_or_else(|| ns.clone()),
                        name: text_or(b, "/name"),
                        port: int(b, "/port"),
                    })
                    .collect(),
                filters: array(r, "/filters")
                    .iter()
                    .map(|f| {
                        let t = text_or(f, "/type");
                        if t == "ExtensionRef" {
                            format!(
                                "ExtensionRef:{}/{}",
                                text_or(f, "/extensionRef/kind"),
                                text_or(f, "/extensionRef/name")
                            )
                        } else {
                            t
                        }
                    })
                    .collect(),
                paths: array(r, "/matches")
                    .iter()
                    .filter_map(|m| text(m, "/path/value"))
                    .collect(),
            })
            .collect(),
        parents: array(v, "/status/parents")
            .iter()
            .map(|p| RouteParentStatus {
                parent: p
                    .get("parentRef")
                    .map(|r| parent_ref(r, &ns))
                    .unwrap_or_default(),
                controller: text_or(p, "/controllerName"),
                conditions: conditions(p, "/conditions"),
            })
            .collect(),
    }
}

pub fn gateway(v: &Value) -> Gateway {
    Gateway {
        namespace: namespace(v),
        name: name(v),
        class: text_or(v, "/spec/gatewayClassName"),
        addresses: array(v, "/status/addresses")
            .iter()
            .filter_map(|a| text(a, "/value"))
            .filter(|a| !a.is_empty())
            .collect(),
        conditions: conditions(v, "/status/conditions"),
        listeners: array(v, "/spec/listeners")
            .iter()
            .map(|l| GatewayListener {
                name: text_or(l, "/name"),
                port: int(l, "/port").unwrap_or(0),
                protocol: text_or(l, "/protocol"),
                hostname: text(l, "/hostname"),
            })
            .collect(),
    }
}

pub fn gateway_class(v: &Value) -> GatewayClass {
    GatewayClass {
        name: name(v),
        controller: text_or(v, "/spec/controllerName"),
    }
}

pub fn destination_rule(v: &Value) -> DestinationRule {
    let tls_mode = text(v, "/spec/trafficPolicy/tls/mode").or_else(|| {
        array(v, "/spec/trafficPolicy/portLevelSettings")
            .iter()
            .find_map(|p| text(p, "/tls/mode"))
    });
    DestinationRule {
        namespace: namespace(v),
        name: name(v),
        host: text_or(v, "/spec/host"),
        tls_mode,
    }
}

/// Look up a key in either snake_case or camelCase spelling (Envoy JSON accepts both).
fn either<'a>(v: &'a Value, snake: &str, camel: &str) -> Option<&'a Value> {
    v.get(snake).or_else(|| v.get(camel))
}

pub fn envoy_filter(v: &Value) -> EnvoyFilter {
    let workload_selector =
        at(v, "/spec/workloadSelector").map(|_| string_map(v, "/spec/workloadSelector/labels"));
    EnvoyFilter {
        namespace: namespace(v),
        name: name(v),
        workload_selector,
        target_refs: array(v, "/spec/targetRefs")
            .iter()
            .map(|t| format!("{}/{}", text_or(t, "/kind"), text_or(t, "/name")))
            .collect(),
        patches: array(v, "/spec/configPatches")
            .iter()
            .map(|p| {
                let value = at(p, "/patch/value");
                let typed = value.and_then(|x| either(x, "typed_config", "typedConfig"));
                let grpc = typed
                    .and_then(|t| either(t, "grpc_service", "grpcService"))
                    .and_then(|g| either(g, "envoy_grpc", "envoyGrpc"))
                    .and_then(|e| either(e, "cluster_name", "clusterName"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        // HTTP_ROUTE patches carry the override under typed_per_filter_config.
                        value.and_then(find_cluster_name)
                    });
                let body = value.and_then(find_body_mode);
                EnvoyPatch {
                    apply_to: text_or(p, "/applyTo"),
                    operation: text_or(p, "/patch/operation"),
                    sub_filter: text(p, "/match/listener/filterChain/filter/subFilter/name"),
                    route_name: text(p, "/match/routeConfiguration/vhost/route/name"),
                    cluster_name: grpc,
                    request_body_mode: body,
                }
            })
            .collect(),
    }
}

/// Depth-first search for a `cluster_name`/`clusterName` string under an `envoy_grpc` object.
fn find_cluster_name(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            if let Some(g) = m.get("envoy_grpc").or_else(|| m.get("envoyGrpc"))
                && let Some(c) = either(g, "cluster_name", "clusterName").and_then(Value::as_str)
            {
                return Some(c.to_string());
            }
            m.values().find_map(find_cluster_name)
        }
        Value::Array(a) => a.iter().find_map(find_cluster_name),
        _ => None,
    }
}

fn find_body_mode(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            if let Some(s) = m
                .get("request_body_mode")
                .or_else(|| m.get("requestBodyMode"))
                .and_then(Value::as_str)
            {
                return Some(s.to_string());
            }
            m.values().find_map(find_body_mode)
        }
        Value::Array(a) => a.iter().find_map(find_body_mode),
        _ => None,
    }
}

pub fn monitor(v: &Value, endpoints_key: &str) -> Monitor {
    let endpoints_ptr = format!("/spec/{endpoints_key}");
    let endpoints = array(v, &endpoints_ptr);
    let adds_kserve_prefix = endpoints.iter().any(|e| {
        array(e, "/metricRelabelings").iter().any(|r| {
            text(r, "/targetLabel").as_deref() == Some("__name__")
                && text(r, "/replacement")
                    .is_some_and(|x| x.starts_with(crate::metrics::naming::KSERVE_PREFIX))
        })
    });
    Monitor {
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        selector: label_selector(v, "/spec/selector"),
        endpoints: endpoints
            .iter()
            .map(|e| MonitorEndpoint {
                port: text(e, "/port"),
                target_port: text(e, "/portNumber").or_else(|| text(e, "/targetPort")),
                scheme: text(e, "/scheme"),
                path: text(e, "/path"),
                auth_secret: at(e, "/authorization/credentials")
                    .or_else(|| at(e, "/bearerTokenSecret"))
                    .and_then(|s| Some((text(s, "/name")?, text(s, "/key")?))),
            })
            .collect(),
        adds_kserve_prefix,
    }
}

pub fn deployment(v: &Value) -> Deployment {
    Deployment {
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        replicas: int(v, "/spec/replicas").unwrap_or(1),
        ready_replicas: int(v, "/status/readyReplicas").unwrap_or(0),
        containers: containers(v, "/spec/template/spec/containers"),
    }
}

pub fn grafana_instance(v: &Value) -> GrafanaInstance {
    GrafanaInstance {
        namespace: namespace(v),
        name: name(v),
        labels: labels(v),
        stage: text(v, "/status/stage"),
        stage_status: text(v, "/status/stageStatus"),
        conditions: conditions(v, "/status/conditions"),
        wants_route: at(v, "/spec/route").is_some_and(|r| !r.is_null()),
        external: at(v, "/spec/external").is_some_and(|r| !r.is_null()),
    }
}

pub fn grafana_datasource(v: &Value) -> GrafanaDatasource {
    let secure = at(v, "/spec/datasource/secureJsonData").and_then(Value::as_object);
    let json_data = at(v, "/spec/datasource/jsonData");
    // Authorization header values: httpHeaderValueN whose httpHeaderNameN is Authorization.
    let mut token_placeholder = false;
    let mut literal_token = None;
    if let Some(secure) = secure {
        for (key, value) in secure {
            let Some(value) = value.as_str() else {
                continue;
            };
            let is_auth = key
                .strip_prefix("httpHeaderValue")
                .and_then(|n| json_data.and_then(|j| j.get(format!("httpHeaderName{n}"))))
                .and_then(Value::as_str)
                .is_some_and(|h| h.eq_ignore_ascii_case("authorization"));
            if !is_auth {
                continue;
            }
            if value.contains('$') {
                token_placeholder = true;
            } else {
                let token = value
                    .trim()
                    .strip_prefix("Bearer ")
                    .or_else(|| value.trim().strip_prefix("bearer "))
                    .unwrap_or(value)
                    .trim();
                if !token.is_empty() {
                    literal_token = Some(fingerprint(token));
                }
            }
        }
    }
    GrafanaDatasource {
        namespace: namespace(v),
        name: name(v),
        url: text_or(v, "/spec/datasource/url"),
        type_: text_or(v, "/spec/datasource/type"),
        instance_selector: label_selector(v, "/spec/instanceSelector"),
        allow_cross_namespace: at(v, "/spec/allowCrossNamespaceImport")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        no_matching_instances: at(v, "/status/NoMatchingInstances").and_then(Value::as_bool),
        conditions: conditions(v, "/status/conditions"),
        secret_values: array(v, "/spec/valuesFrom")
            .iter()
            .filter_map(|f| {
                Some((
                    text_or(f, "/targetPath"),
                    text(f, "/valueFrom/secretKeyRef/name")?,
                    text(f, "/valueFrom/secretKeyRef/key")?,
                ))
            })
            .collect(),
        token_placeholder,
        literal_token,
        query_parameters: text(v, "/spec/datasource/jsonData/customQueryParameters"),
    }
}

/// A GrafanaDashboard; for `configMapRef` dashboards `exprs` stays None until
/// [`dashboard_exprs`] is applied to the ConfigMap's content.
pub fn grafana_dashboard(v: &Value) -> GrafanaDashboard {
    let mut d = GrafanaDashboard {
        namespace: namespace(v),
        name: name(v),
        instance_selector: label_selector(v, "/spec/instanceSelector"),
        no_matching_instances: at(v, "/status/NoMatchingInstances").and_then(Value::as_bool),
        conditions: conditions(v, "/status/conditions"),
        ..Default::default()
    };
    if let Some(json) = text(v, "/spec/json") {
        d.source = DashboardSource::Inline;
        match dashboard_exprs(&json) {
            Ok(e) => d.exprs = Some(e),
            Err(e) => d.content_error = Some(e),
        }
    } else if let Some(cm) = text(v, "/spec/configMapRef/name") {
        d.source = DashboardSource::ConfigMap {
            name: cm,
            key: text_or(v, "/spec/configMapRef/key"),
        };
        d.content_error = Some("ConfigMap not read".into());
    } else if let Some(url) = text(v, "/spec/url") {
        d.source = DashboardSource::Url { url };
        d.content_error = Some("fetched by the operator from a URL".into());
    } else {
        let what = ["gzipJson", "grafanaCom", "jsonnet", "jsonnetLib", "oci"]
            .into_iter()
            .find(|k| at(v, &format!("/spec/{k}")).is_some())
            .unwrap_or("unknown");
        d.source = DashboardSource::Other { what: what.into() };
        d.content_error = Some(format!("{what} content is not inspected"));
    }
    d
}

/// Every `expr` string in a dashboard JSON (panels, nested rows, templating queries).
pub fn dashboard_exprs(json: &str) -> Result<Vec<String>, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("dashboard JSON does not parse: {e}"))?;
    let mut out = Vec::new();
    collect_exprs(&value, &mut out);
    Ok(out)
}

fn collect_exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("expr", Value::String(s)) => out.push(s.clone()),
                    ("query", Value::String(s)) if s.contains('(') || s.contains(':') => {
                        out.push(s.clone())
                    }
                    _ => collect_exprs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_exprs(x, out)),
        _ => {}
    }
}

/// A ServiceAccount token Secret; `data.token` is base64 and only its fingerprint is kept.
pub fn token_secret(v: &Value) -> TokenSecret {
    let token = text(v, "/data/token")
        .and_then(|b64| crate::kube::config::base64_decode(&b64))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|t| !t.trim().is_empty());
    TokenSecret {
        namespace: namespace(v),
        name: name(v),
        service_account: text(
            v,
            "/metadata/annotations/kubernetes.io~1service-account.name",
        ),
        token_fingerprint: token.as_deref().map(fingerprint),
    }
}

pub fn cluster_role_binding(v: &Value) -> ClusterRoleBinding {
    ClusterRoleBinding {
        name: name(v),
        role: text_or(v, "/roleRef/name"),
        subjects: array(v, "/subjects")
            .iter()
            .map(|s| match text_or(s, "/kind").as_str() {
                "ServiceAccount" => format!("{}/{}", text_or(s, "/namespace"), text_or(s, "/name")),
                kind => format!("{kind}:{}", text_or(s, "/name")),
            })
            .collect(),
    }
}

pub fn operator_csv(v: &Value) -> OperatorCsv {
    OperatorCsv {
        namespace: namespace(v),
        name: name(v),
        version: text(v, "/spec/version"),
        phase: text(v, "/status/phase"),
    }
}

pub fn istio_control_plane(v: &Value) -> IstioControlPlane {
    IstioControlPlane {
        name: name(v),
        version: text(v, "/spec/version"),
        namespace: text(v, "/spec/namespace"),
        state: text(v, "/status/state"),
    }
}

/// `enableUserWorkload` from the `config.yaml` text of cluster-monitoring-config.
pub fn uwm_enabled(config_yaml: &str) -> Result<Option<bool>, String> {
    if config_yaml.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = serde_saphyr::from_str(config_yaml)
        .map_err(|e| format!("config.yaml does not parse: {e}"))?;
    Ok(value.get("enableUserWorkload").and_then(Value::as_bool))
}

/// The `config.yaml` key of a ConfigMap object.
pub fn configmap_key(v: &Value, key: &str) -> Option<String> {
    v.get("data")?.get(key)?.as_str().map(str::to_string)
}

pub fn route_host(v: &Value) -> Option<String> {
    text(v, "/spec/host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_answers_what_value_pointer_answers() {
        let v = json!({
            "metadata": {"name": "p", "labels": {"a/b": "slash", "m~n": "tilde", "": "empty"}},
            "spec": {"containers": [{"args": ["--x", "--y"]}, {"args": []}], "n": null},
            "10": {"01": 1}
        });
        for pointer in [
            "",
            "/",
            "/metadata",
            "/metadata/name",
            "/metadata/name/x",
            "/metadata/labels/a~1b",
            "/metadata/labels/m~0n",
            "/metadata/labels/",
            "/spec/containers/0/args/1",
            "/spec/containers/1/args/0",
            "/spec/containers/01",
            "/spec/containers/-",
            "/spec/containers/+1",
            "/spec/containers/99",
            "/spec/n",
            "/spec/n/x",
            "/10/01",
            "metadata",
            "/missing",
            "//",
        ] {
            assert_eq!(at(&v, pointer), v.pointer(pointer), "{pointer:?}");
        }
    }
    use serde_json::json;

    #[test]
    fn pools_of_both_groups_normalise() {
        let old = json!({"metadata": {"name": "p", "namespace": "ns"},
            "spec": {"selector": {"app": "x"}, "targetPortNumber": 8000,
                     "extensionRef": {"name": "p-epp"}},
            "status": {"parent": [{"parentRef": {"name": "gw", "namespace": "openshift-ingress"},
                "conditions": [{"type": "Accepted", "status": "True"}]}]}});
        let p = inference_pool(&old, PoolApi::XK8sV1alpha2);
        assert_eq!(p.selector.get("app").map(String::as_str), Some("x"));
        assert_eq!(p.target_ports, vec![8000]);
        assert_eq!(p.epp.as_ref().map(|e| e.kind.as_str()), Some("Service"));
        assert_eq!(p.parents[0].name, "gw");
        let new = json!({"metadata": {"name": "p", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "x"}}, "targetPorts": [{"number": 8000}],
                     "endpointPickerRef": {"name": "p-epp", "port": {"number": 9002}}},
            "status": {"parents": [{"parentRef": {"name": "gw"}, "conditions": []}]}});
        let p = inference_pool(&new, PoolApi::K8sV1);
        assert_eq!(p.epp.and_then(|e| e.port), Some(9002));
        assert_eq!(p.parents[0].namespace, "ns");
    }

    #[test]
    fn garbage_never_panics() {
        for v in [
            json!(null),
            json!(42),
            json!({"spec": "x", "status": [1]}),
            json!([]),
        ] {
            let _ = llmisvc(&v);
            let _ = pod(&v);
            let _ = inference_pool(&v, PoolApi::K8sV1);
            let _ = http_route(&v);
            let _ = envoy_filter(&v);
            let _ = monitor(&v, "endpoints");
            let _ = grafana_datasource(&v);
            let _ = grafana_dashboard(&v);
            let _ = token_secret(&v);
        }
    }

    #[test]
    fn envoy_filter_cluster_and_body_mode() {
        let v = json!({"metadata": {"name": "f", "namespace": "openshift-ingress"},
          "spec": {"workloadSelector": {"labels": {"gateway.networking.k8s.io/gateway-name": "gw"}},
            "configPatches": [{"applyTo": "HTTP_FILTER",
              "match": {"listener": {"filterChain": {"filter": {"subFilter": {"name": "envoy.filters.http.ext_proc"}}}}},
              "patch": {"operation": "MERGE", "value": {"typed_config": {
                "grpc_service": {"envoy_grpc": {"cluster_name": "outbound|9002||x.ns.svc.cluster.local"}},
                "processing_mode": {"request_body_mode": "STREAMED"}}}}}]}});
        let f = envoy_filter(&v);
        let p = &f.patches[0];
        assert_eq!(p.sub_filter.as_deref(), Some("envoy.filters.http.ext_proc"));
        assert_eq!(
            p.cluster_name.as_deref(),
            Some("outbound|9002||x.ns.svc.cluster.local")
        );
        assert_eq!(p.request_body_mode.as_deref(), Some("STREAMED"));
    }

    #[test]
    fn datasource_token_kinds() {
        let lit = json!({"spec": {"datasource": {"jsonData": {"httpHeaderName1": "Authorization"},
            "secureJsonData": {"httpHeaderValue1": "Bearer abc"}}}});
        assert_eq!(
            grafana_datasource(&lit).literal_token,
            Some(fingerprint("abc"))
        );
        let ph = json!({"spec": {"datasource": {"jsonData": {"httpHeaderName1": "Authorization"},
            "secureJsonData": {"httpHeaderValue1": "Bearer ${token}"}},
            "valuesFrom": [{"targetPath": "secureJsonData.httpHeaderValue1",
                "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}]}});
        let d = grafana_datasource(&ph);
        assert!(d.token_placeholder && d.literal_token.is_none());
        assert_eq!(d.secret_values[0].1, "s");
    }

    #[test]
    fn uwm_flag_and_exprs() {
        assert_eq!(uwm_enabled("enableUserWorkload: true\n"), Ok(Some(true)));
        assert_eq!(uwm_enabled("prometheusK8s: {}\n"), Ok(None));
        assert!(uwm_enabled("a: [").is_err());
        let e = dashboard_exprs(r#"{"panels":[{"targets":[{"expr":"rate(vllm:x[1m])"}]}]}"#);
        assert_eq!(e, Ok(vec!["rate(vllm:x[1m])".to_string()]));
    }
}
