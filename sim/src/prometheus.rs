//! The simulated cluster's user-workload Prometheus: scrape configuration generated from the
//! scenario's PodMonitors / ServiceMonitors the way prometheus-operator renders them under
//! OpenShift User Workload Monitoring, and a real `prometheus` process running it.
//!
//! Generation ([`scrape_config`]): nothing unless `openshift-monitoring/cluster-monitoring-config`
//! says `enableUserWorkload: true`; a monitor only selects pods / services in its own namespace
//! (UWM `ignoreNamespaceSelectors`), namespaces labelled `openshift.io/cluster-monitoring=true` or
//! `openshift.io/user-monitoring=false` and monitors labelled `openshift.io/user-monitoring=false`
//! are skipped. One job per monitor endpoint (`podMonitor/<ns>/<name>/<i>`,
//! `serviceMonitor/<ns>/<name>/<i>`). Targets are static, one per pod container port, carrying the
//! `__meta_kubernetes_*` labels Kubernetes SD would give them, so the operator's standard
//! relabelings (selector keeps, port keep, `namespace`/`pod`/`container`/`service`/`endpoint`/`job`)
//! and the monitor's own `relabelings` / `metricRelabelings` apply literally — which is how the
//! `kserve_` prefix appears exactly when a monitor asks for it. The last two relabelings are the
//! simulation's: `instance` keeps the pod address, then `__address__` becomes the metrics listener
//! and `__metrics_path__` is `/pods/<ns>/<pod>/metrics`.
//!
//! Simplified: every job scrapes over plain HTTP every 1 s or at the interval the caller chooses
//! ([`scrape_config_every`]; the monitor's `scheme`, `tlsConfig`,
//! `authorization`, `interval` are not applied); `jobLabel`/`podTargetLabels`/`targetLabels`,
//! `sampleLimit` and `params` are ignored.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::traffic::{pod_ready, selector_matches};

/// Scrape and rule evaluation interval of the simulated Prometheus (the default; see
/// [`scrape_config_every`] for another).
pub const SCRAPE_INTERVAL: &str = "1s";

fn s<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn kind_is(o: &Value, kind: &str) -> bool {
    o.get("kind").and_then(Value::as_str) == Some(kind)
}

/// Prometheus' label-name sanitising: every character outside `[a-zA-Z0-9_]` becomes `_`.
pub fn sanitize_label_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether OpenShift User Workload Monitoring is on in these objects.
pub fn user_workload_monitoring_enabled(objects: &[Value]) -> bool {
    objects
        .iter()
        .find(|o| {
            kind_is(o, "ConfigMap")
                && s(o, "/metadata/namespace") == Some("openshift-monitoring")
                && s(o, "/metadata/name") == Some("cluster-monitoring-config")
        })
        .and_then(|cm| s(cm, "/data/config.yaml"))
        .and_then(|text| serde_saphyr::from_str::<Value>(text).ok())
        .and_then(|cfg| cfg.get("enableUserWorkload").and_then(Value::as_bool))
        .unwrap_or(false)
}

fn labels_of(o: &Value) -> Map<String, Value> {
    o.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn namespace_excluded(objects: &[Value], ns: &str) -> bool {
    objects.iter().any(|o| {
        kind_is(o, "Namespace")
            && s(o, "/metadata/name") == Some(ns)
            && (s(o, "/metadata/labels/openshift.io~1cluster-monitoring") == Some("true")
                || s(o, "/metadata/labels/openshift.io~1user-monitoring") == Some("false"))
    })
}

/// A monitor's RelabelConfig (camelCase) as a Prometheus relabel_config (snake_case).
fn translate_relabel(r: &Value) -> Value {
    let mut out = Map::new();
    for (from, to) in [
        ("sourceLabels", "source_labels"),
        ("separator", "separator"),
        ("targetLabel", "target_label"),
        ("regex", "regex"),
        ("modulus", "modulus"),
        ("replacement", "replacement"),
    ] {
        if let Some(v) = r.get(from) {
            out.insert(to.to_string(), v.clone());
        }
    }
    if let Some(action) = r.get("action").and_then(Value::as_str) {
        out.insert("action".to_string(), Value::String(action.to_lowercase()));
    }
    Value::Object(out)
}

fn translate_all(list: Option<&Value>) -> Vec<Value> {
    list.and_then(Value::as_array)
        .map(|l| l.iter().map(translate_relabel).collect())
        .unwrap_or_default()
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// prometheus-operator's keep/drop rules for a label selector on `<meta>_label_*`.
fn selector_relabelings(selector: &Value, meta: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(ml) = selector.get("matchLabels").and_then(Value::as_object) {
        let mut keys: Vec<&String> = ml.keys().collect();
        keys.sort();
        for k in keys {
            let sk = sanitize_label_name(k);
            out.push(json!({"action": "keep",
                "source_labels": [format!("{meta}_label_{sk}"), format!("{meta}_labelpresent_{sk}")],
                "regex": format!("({});true", regex_escape(ml[k].as_str().unwrap_or("")))}));
        }
    }
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let sk = sanitize_label_name(s(e, "/key").unwrap_or(""));
        let values: Vec<String> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(regex_escape)
                    .collect()
            })
            .unwrap_or_default();
        let both = json!([
            format!("{meta}_label_{sk}"),
            format!("{meta}_labelpresent_{sk}")
        ]);
        let present = json!([format!("{meta}_labelpresent_{sk}")]);
        let rule = match s(e, "/operator") {
            Some("In") => {
                json!({"action": "keep", "source_labels": both, "regex": format!("({});true", values.join("|"))})
            }
            Some("NotIn") => {
                json!({"action": "drop", "source_labels": both, "regex": format!("({});true", values.join("|"))})
            }
            Some("Exists") => json!({"action": "keep", "source_labels": present, "regex": "true"}),
            Some("DoesNotExist") => {
                json!({"action": "drop", "source_labels": present, "regex": "true"})
            }
            _ => continue,
        };
        out.push(rule);
    }
    out
}

/// Kubernetes-SD style metadata of one pod container port.
fn pod_meta(pod: &Value, container: &Value, port: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: &str| {
        m.insert(k.to_string(), Value::String(v.to_string()));
    };
    put(
        "__meta_kubernetes_namespace",
        s(pod, "/metadata/namespace").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_name",
        s(pod, "/metadata/name").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_ip",
        s(pod, "/status/podIP").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_uid",
        s(pod, "/metadata/uid").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_node_name",
        s(pod, "/spec/nodeName").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_host_ip",
        s(pod, "/status/hostIP").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_phase",
        s(pod, "/status/phase").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_ready",
        if pod_ready(pod) { "true" } else { "false" },
    );
    put(
        "__meta_kubernetes_pod_container_name",
        s(container, "/name").unwrap_or(""),
    );
    put(
        "__meta_kubernetes_pod_container_image",
        s(container, "/image").unwrap_or(""),
    );
    put("__meta_kubernetes_pod_container_init", "false");
    put(
        "__meta_kubernetes_pod_container_port_name",
        s(port, "/name").unwrap_or(""),
    );
    let number = port
        .get("containerPort")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .to_string();
    put("__meta_kubernetes_pod_container_port_number", &number);
    put(
        "__meta_kubernetes_pod_container_port_protocol",
        s(port, "/protocol").unwrap_or("TCP"),
    );
    if let Some(owner) = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .and_then(|o| {
            o.iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        })
    {
        put(
            "__meta_kubernetes_pod_controller_kind",
            s(owner, "/kind").unwrap_or(""),
        );
        put(
            "__meta_kubernetes_pod_controller_name",
            s(owner, "/name").unwrap_or(""),
        );
    }
    for (prefix, pointer) in [
        ("label", "/metadata/labels"),
        ("annotation", "/metadata/annotations"),
    ] {
        if let Some(map) = pod.pointer(pointer).and_then(Value::as_object) {
            for (k, v) in map {
                let sk = sanitize_label_name(k);
                put(
                    &format!("__meta_kubernetes_pod_{prefix}_{sk}"),
                    v.as_str().unwrap_or(""),
                );
                put(
                    &format!("__meta_kubernetes_pod_{prefix}present_{sk}"),
                    "true",
                );
            }
        }
    }
    m
}

/// (container, port) pairs of a pod.
fn container_ports(pod: &Value) -> Vec<(&Value, &Value)> {
    let mut out = Vec::new();
    for c in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        for p in c
            .get("ports")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            out.push((c, p));
        }
    }
    out
}

fn target_group(
    listener_path_pod: (&str, &str),
    meta: Map<String, Value>,
    port_number: u64,
    pod: &Value,
) -> Value {
    let (ns, name) = listener_path_pod;
    let mut labels = meta;
    labels.insert(
        "__metrics_path__".to_string(),
        Value::String(format!("/pods/{ns}/{name}/metrics")),
    );
    let address = format!(
        "{}:{port_number}",
        s(pod, "/status/podIP")
            .filter(|ip| !ip.is_empty())
            .unwrap_or(name)
    );
    json!({"targets": [address], "labels": labels})
}

fn job(
    job_name: String,
    static_configs: Vec<Value>,
    mut relabel: Vec<Value>,
    user: &Value,
    ns: &str,
    listener: &str,
) -> Value {
    relabel.extend(translate_all(user.get("relabelings")));
    // UWM's enforcedNamespaceLabel, then the simulation's redirect to the metrics listener.
    relabel.push(json!({"target_label": "namespace", "replacement": ns}));
    relabel.push(json!({"source_labels": ["__address__"], "target_label": "instance"}));
    relabel.push(json!({"target_label": "__address__", "replacement": listener}));
    let mut metric_relabel = translate_all(user.get("metricRelabelings"));
    metric_relabel.push(json!({"target_label": "namespace", "replacement": ns}));
    json!({
        "job_name": job_name,
        "honor_labels": false,
        "honor_timestamps": true,
        "scrape_interval": SCRAPE_INTERVAL,
        "scrape_timeout": SCRAPE_INTERVAL,
        "metrics_path": user.get("path").and_then(Value::as_str).unwrap_or("/metrics"),
        "scheme": "http",
        "static_configs": static_configs,
        "relabel_configs": relabel,
        "metric_relabel_configs": metric_relabel,
    })
}

/// Does the endpoint's port spec (`port` name / `portNumber` / `targetPort`) pick this container port?
fn port_matches(endpoint: &Value, port: &Value) -> Option<(Value, String)> {
    let name = s(port, "/name").unwrap_or("");
    let number = port
        .get("containerPort")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if let Some(want) = s(endpoint, "/port") {
        return (want == name)
            .then(|| (json!({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": want}), want.to_string()));
    }
    let want = endpoint
        .get("portNumber")
        .or_else(|| endpoint.get("targetPort"))?;
    match want {
        Value::Number(n) => (n.as_u64() == Some(number)).then(|| {
            (json!({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": n.to_string()}), n.to_string())
        }),
        Value::String(w) => (w == name).then(|| {
            (json!({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": w}), w.clone())
        }),
        _ => None,
    }
}

fn pod_monitor_jobs(objects: &[Value], pm: &Value, listener: &str) -> Vec<Value> {
    let ns = s(pm, "/metadata/namespace").unwrap_or("");
    let name = s(pm, "/metadata/name").unwrap_or("");
    let selector = pm.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    let pods: Vec<&Value> = objects
        .iter()
        .filter(|o| kind_is(o, "Pod") && s(o, "/metadata/namespace") == Some(ns))
        .filter(|p| selector_matches(&selector, &labels_of(p)))
        .filter(|p| !matches!(s(p, "/status/phase"), Some("Failed" | "Succeeded")))
        .collect();
    let endpoints = pm
        .pointer("/spec/podMetricsEndpoints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut jobs = Vec::new();
    for (i, ep) in endpoints.iter().enumerate() {
        let mut groups = Vec::new();
        let mut port_rule = None;
        for pod in &pods {
            for (container, port) in container_ports(pod) {
                if let Some((rule, endpoint_label)) = port_matches(ep, port) {
                    port_rule = Some((rule, endpoint_label));
                    let number = port
                        .get("containerPort")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    let pod_name = s(pod, "/metadata/name").unwrap_or("");
                    groups.push(target_group(
                        (ns, pod_name),
                        pod_meta(pod, container, port),
                        number,
                        pod,
                    ));
                }
            }
        }
        let mut relabel =
            vec![json!({"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"})];
        relabel.extend(selector_relabelings(&selector, "__meta_kubernetes_pod"));
        let endpoint_label = match port_rule {
            Some((rule, label)) => {
                relabel.push(rule);
                label
            }
            None => s(ep, "/port").map(str::to_string).unwrap_or_default(),
        };
        relabel.push(json!({"source_labels": ["__meta_kubernetes_pod_phase"], "action": "drop", "regex": "(Failed|Succeeded)"}));
        relabel.push(
            json!({"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"}),
        );
        relabel.push(json!({"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"}));
        relabel
            .push(json!({"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"}));
        relabel.push(json!({"target_label": "job", "replacement": format!("{ns}/{name}")}));
        relabel.push(json!({"target_label": "endpoint", "replacement": endpoint_label}));
        jobs.push(job(
            format!("podMonitor/{ns}/{name}/{i}"),
            groups,
            relabel,
            ep,
            ns,
            listener,
        ));
    }
    jobs
}

fn service_monitor_jobs(objects: &[Value], sm: &Value, listener: &str) -> Vec<Value> {
    let ns = s(sm, "/metadata/namespace").unwrap_or("");
    let name = s(sm, "/metadata/name").unwrap_or("");
    let selector = sm.pointer("/spec/selector").cloned().unwrap_or(json!({}));
    let services: Vec<&Value> = objects
        .iter()
        .filter(|o| kind_is(o, "Service") && s(o, "/metadata/namespace") == Some(ns))
        .filter(|svc| selector_matches(&selector, &labels_of(svc)))
        .collect();
    let endpoints = sm
        .pointer("/spec/endpoints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut jobs = Vec::new();
    for (i, ep) in endpoints.iter().enumerate() {
        let mut groups = Vec::new();
        for svc in &services {
            let Some(svc_selector) = svc.pointer("/spec/selector").and_then(Value::as_object)
            else {
                continue;
            };
            let svc_name = s(svc, "/metadata/name").unwrap_or("");
            let ports = svc
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for sp in ports {
                let sp_name = s(sp, "/name").unwrap_or("");
                let target = sp
                    .get("targetPort")
                    .or_else(|| sp.get("port"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let picked = match (s(ep, "/port"), ep.get("targetPort")) {
                    (Some(want), _) => want == sp_name,
                    (None, Some(t)) => *t == target,
                    _ => false,
                };
                if !picked {
                    continue;
                }
                for pod in objects
                    .iter()
                    .filter(|o| kind_is(o, "Pod") && s(o, "/metadata/namespace") == Some(ns))
                {
                    let pod_labels = labels_of(pod);
                    if svc_selector.is_empty()
                        || !selector_matches(&Value::Object(svc_selector.clone()), &pod_labels)
                    {
                        continue;
                    }
                    let Some((container, port)) =
                        container_ports(pod)
                            .into_iter()
                            .find(|(_, p)| match &target {
                                Value::Number(n) => {
                                    p.get("containerPort").and_then(Value::as_u64) == n.as_u64()
                                }
                                Value::String(w) => s(p, "/name") == Some(w.as_str()),
                                _ => false,
                            })
                    else {
                        continue;
                    };
                    let mut meta = pod_meta(pod, container, port);
                    let mut put = |k: &str, v: &str| {
                        meta.insert(k.to_string(), Value::String(v.to_string()));
                    };
                    put("__meta_kubernetes_service_name", svc_name);
                    put("__meta_kubernetes_endpoints_name", svc_name);
                    put("__meta_kubernetes_endpoint_port_name", sp_name);
                    put(
                        "__meta_kubernetes_endpoint_port_protocol",
                        s(sp, "/protocol").unwrap_or("TCP"),
                    );
                    put(
                        "__meta_kubernetes_endpoint_ready",
                        if pod_ready(pod) { "true" } else { "false" },
                    );
                    put("__meta_kubernetes_endpoint_address_target_kind", "Pod");
                    put(
                        "__meta_kubernetes_endpoint_address_target_name",
                        s(pod, "/metadata/name").unwrap_or(""),
                    );
                    for (k, v) in labels_of(svc) {
                        let sk = sanitize_label_name(&k);
                        put(
                            &format!("__meta_kubernetes_service_label_{sk}"),
                            v.as_str().unwrap_or(""),
                        );
                        put(
                            &format!("__meta_kubernetes_service_labelpresent_{sk}"),
                            "true",
                        );
                    }
                    let number = port
                        .get("containerPort")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    let pod_name = s(pod, "/metadata/name").unwrap_or("");
                    groups.push(target_group((ns, pod_name), meta, number, pod));
                }
            }
        }
        let mut relabel =
            vec![json!({"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"})];
        relabel.extend(selector_relabelings(&selector, "__meta_kubernetes_service"));
        let endpoint_label = match (s(ep, "/port"), ep.get("targetPort")) {
            (Some(p), _) => {
                relabel.push(json!({"action": "keep", "source_labels": ["__meta_kubernetes_endpoint_port_name"], "regex": p}));
                p.to_string()
            }
            (None, Some(Value::Number(n))) => {
                relabel.push(json!({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": n.to_string()}));
                n.to_string()
            }
            (None, Some(Value::String(p))) => {
                relabel.push(json!({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": p}));
                p.clone()
            }
            _ => String::new(),
        };
        relabel.push(json!({"source_labels": ["__meta_kubernetes_endpoint_address_target_kind", "__meta_kubernetes_endpoint_address_target_name"],
            "separator": ";", "regex": "Node;(.*)", "replacement": "${1}", "target_label": "node"}));
        relabel.push(json!({"source_labels": ["__meta_kubernetes_endpoint_address_target_kind", "__meta_kubernetes_endpoint_address_target_name"],
            "separator": ";", "regex": "Pod;(.*)", "replacement": "${1}", "target_label": "pod"}));
        relabel.push(
            json!({"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"}),
        );
        relabel.push(
            json!({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"}),
        );
        relabel
            .push(json!({"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"}));
        relabel.push(json!({"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"}));
        relabel.push(json!({"source_labels": ["__meta_kubernetes_pod_phase"], "action": "drop", "regex": "(Failed|Succeeded)"}));
        relabel.push(json!({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job", "replacement": "${1}"}));
        relabel.push(json!({"target_label": "endpoint", "replacement": endpoint_label}));
        jobs.push(job(
            format!("serviceMonitor/{ns}/{name}/{i}"),
            groups,
            relabel,
            ep,
            ns,
            listener,
        ));
    }
    jobs
}

/// The Prometheus configuration for these objects, scraping through the metrics listener at
/// `listener` (`host:port`). With UWM off it has no scrape jobs.
pub fn scrape_config(objects: &[Value], listener: &str) -> Value {
    let mut jobs = Vec::new();
    if user_workload_monitoring_enabled(objects) {
        let mut monitors: Vec<&Value> = objects
            .iter()
            .filter(|o| kind_is(o, "PodMonitor") || kind_is(o, "ServiceMonitor"))
            .filter(|m| s(m, "/metadata/labels/openshift.io~1user-monitoring") != Some("false"))
            .filter(|m| !namespace_excluded(objects, s(m, "/metadata/namespace").unwrap_or("")))
            .collect();
        monitors.sort_by_key(|m| {
            (
                s(m, "/kind").unwrap_or(""),
                s(m, "/metadata/namespace").unwrap_or(""),
                s(m, "/metadata/name").unwrap_or(""),
            )
        });
        for m in monitors {
            if kind_is(m, "PodMonitor") {
                jobs.extend(pod_monitor_jobs(objects, m, listener));
            } else {
                jobs.extend(service_monitor_jobs(objects, m, listener));
            }
        }
    }
    json!({
        "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": jobs,
    })
}

/// [`scrape_config`] as the text of a `prometheus.yml` (JSON is valid YAML).
pub fn scrape_config_yaml(objects: &[Value], listener: &str) -> String {
    serde_json::to_string_pretty(&scrape_config(objects, listener)).unwrap_or_default()
}

/// Prometheus' duration syntax for `d` (whole milliseconds, at least 1 ms).
pub fn prometheus_duration(d: Duration) -> String {
    let ms = d.as_millis().max(1);
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// [`scrape_config`] with every job, the global default and rule evaluation at `interval`
/// instead of [`SCRAPE_INTERVAL`] (the scrape timeout stays at most 10 s, as Prometheus requires
/// it not to exceed the interval).
pub fn scrape_config_every(objects: &[Value], listener: &str, interval: Duration) -> Value {
    let mut config = scrape_config(objects, listener);
    let every = prometheus_duration(interval);
    let timeout = prometheus_duration(interval.min(Duration::from_secs(10)));
    if let Some(global) = config.get_mut("global").and_then(Value::as_object_mut) {
        global.insert("scrape_interval".into(), json!(every));
        global.insert("scrape_timeout".into(), json!(timeout));
        global.insert("evaluation_interval".into(), json!(every));
    }
    if let Some(jobs) = config
        .get_mut("scrape_configs")
        .and_then(Value::as_array_mut)
    {
        for job in jobs.iter_mut().filter_map(Value::as_object_mut) {
            job.insert("scrape_interval".into(), json!(every));
            job.insert("scrape_timeout".into(), json!(timeout));
        }
    }
    config
}

/// [`scrape_config_every`] as the text of a `prometheus.yml`.
pub fn scrape_config_yaml_every(objects: &[Value], listener: &str, interval: Duration) -> String {
    serde_json::to_string_pretty(&scrape_config_every(objects, listener, interval))
        .unwrap_or_default()
}

/// Errors of the Prometheus process.
#[derive(Debug, thiserror::Error)]
pub enum PrometheusError {
    #[error("prometheus is not installed — apt-get install prometheus")]
    NotInstalled,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("prometheus did not become ready within {0:?}; its log:\n{1}")]
    NotReady(Duration, String),
    #[error("prometheus exited during start-up ({0}); its log:\n{1}")]
    Exited(String, String),
    #[error("prometheus rejected the configuration: {0}")]
    Reload(String),
    #[error("request to prometheus failed: {0}")]
    Http(String),
}

/// Finds `binary` in the directories of a `PATH`-style list.
fn find_in(path: &std::ffi::OsStr, binary: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join(binary))
        .find(|p| p.is_file())
}

/// The `prometheus` binary on `PATH`, or [`PrometheusError::NotInstalled`].
pub fn locate_prometheus() -> Result<PathBuf, PrometheusError> {
    locate_in(&std::env::var_os("PATH").unwrap_or_default())
}

fn locate_in(path: &std::ffi::OsStr) -> Result<PathBuf, PrometheusError> {
    find_in(path, "prometheus").ok_or(PrometheusError::NotInstalled)
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> PrometheusError {
    let context = context.into();
    move |source| PrometheusError::Io { context, source }
}

/// A running `prometheus` on 127.0.0.1 with a private TSDB directory; killed (and the
/// directory removed) on drop, including when a test panics.
pub struct PrometheusProcess {
    child: Child,
    port: u16,
    dir: PathBuf,
    startup: Duration,
    client: reqwest::Client,
}

impl PrometheusProcess {
    /// Starts Prometheus with `config` (YAML/JSON text) and waits for `/-/ready` (≤ 15 s).
    /// The free port is picked before Prometheus binds it; if another process takes it in
    /// between, start-up is retried (three attempts).
    pub async fn start(config: &str) -> Result<Self, PrometheusError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(config).await {
                Err(PrometheusError::Exited(_, log))
                    if attempt < 3 && log.contains("address already in use") => {}
                other => return other,
            }
        }
    }

    async fn start_once(config: &str) -> Result<Self, PrometheusError> {
        let binary = locate_prometheus()?;
        let begun = Instant::now();
        let dir = unique_temp_dir().map_err(io_err("creating the Prometheus data directory"))?;
        let config_path = dir.join("prometheus.yml");
        std::fs::write(&config_path, config)
            .map_err(io_err(format!("writing {}", config_path.display())))?;
        let port = free_port().map_err(io_err("finding a free port for Prometheus"))?;
        let log_path = dir.join("prometheus.log");
        let log = std::fs::File::create(&log_path)
            .map_err(io_err(format!("creating {}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(io_err("duplicating the Prometheus log handle"))?;
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-lifecycle")
            .arg("--storage.tsdb.retention.time=1d")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(io_err(format!("starting {}", binary.display())))?;
        crate::tls::ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PrometheusError::Http(e.to_string()))?;
        let mut process = Self {
            child,
            port,
            dir,
            startup: Duration::ZERO,
            client,
        };
        let limit = Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = process.child.try_wait() {
                return Err(PrometheusError::Exited(status.to_string(), process.log()));
            }
            let ready = process
                .client
                .get(format!("{}/-/ready", process.url()))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if begun.elapsed() > limit {
                return Err(PrometheusError::NotReady(limit, process.log()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        process.startup = begun.elapsed();
        Ok(process)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Process id of the running `prometheus`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Time from spawn to `/-/ready`.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Prometheus' own log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// Replaces the configuration and reloads it (`POST /-/reload`).
    pub async fn reload(&self, config: &str) -> Result<(), PrometheusError> {
        let path = self.dir.join("prometheus.yml");
        std::fs::write(&path, config).map_err(io_err(format!("writing {}", path.display())))?;
        let response = self
            .client
            .post(format!("{}/-/reload", self.url()))
            .send()
            .await
            .map_err(|e| PrometheusError::Http(e.to_string()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(PrometheusError::Reload(
                response.text().await.unwrap_or_default(),
            ))
        }
    }

    /// Runs an instant query directly (no auth); returns Prometheus' JSON answer.
    pub async fn query(&self, promql: &str) -> Result<Value, PrometheusError> {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", promql)
            .finish();
        let response = self
            .client
            .post(format!("{}/api/v1/query", self.url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| PrometheusError::Http(e.to_string()))?;
        response
            .json::<Value>()
            .await
            .map_err(|e| PrometheusError::Http(e.to_string()))
    }

    /// Polls `promql` until it returns at least one series; the time it took.
    pub async fn wait_for_series(
        &self,
        promql: &str,
        limit: Duration,
    ) -> Result<Duration, PrometheusError> {
        let begun = Instant::now();
        loop {
            let answer = self.query(promql).await?;
            let found = answer
                .pointer("/data/result")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty());
            if found {
                return Ok(begun.elapsed());
            }
            if begun.elapsed() > limit {
                return Err(PrometheusError::NotReady(
                    limit,
                    format!("no series for {promql}\n{}", self.log()),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for PrometheusProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn unique_temp_dir() -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "llmd-sim-prometheus-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests;
