//! The emulated controllers, and only these:
//! - service-account token Secrets (`type: kubernetes.io/service-account-token` with annotation
//!   `kubernetes.io/service-account.name`) get `data.token` (a token registered for that
//!   ServiceAccount), `data.ca.crt` and `data.namespace` — once the ServiceAccount exists;
//! - Namespaces get `status.phase: Active`;
//! - Routes without `spec.host` get `<name>-<namespace>.apps.sim.oc-llmd.local` (or the host set with
//!   `SimCluster::set_route_host`) and an admitted `status.ingress`;
//! - the Grafana Operator, while the `grafanas.grafana.integreatly.org` CRD exists: a `Grafana` gets a
//!   Deployment `<name>-deployment`, a ready Pod (label `app=grafana`), a Service `<name>-service`, a
//!   Route `<name>-route` (when `spec.route` is set and Routes exist), a Secret
//!   `<name>-admin-credentials` (unless `spec.disableDefaultAdminSecret`) and a complete status;
//!   GrafanaDatasources / GrafanaDashboards / GrafanaFolders get a synchronized status when their
//!   `spec.instanceSelector` matches a Grafana in their namespace, `NoMatchingInstances` otherwise;
//! - KServe's scheduler rollout, reduced to what is read back: when a written LLMInferenceService
//!   sets `args` on the main container of `spec.router.scheduler.template`, its scheduler
//!   Deployment, ReplicaSets and Pods (labels `app.kubernetes.io/component=
//!   llminferenceservice-router-scheduler`, `app.kubernetes.io/name=<name>`) get those args on their
//!   `main` container — in place (a real rollout replaces the pods; names stay here).
//! - OLM, for the Grafana Operator only: a Subscription to package `grafana-operator` whose CSV does
//!   not exist yet is resolved [`OLM_DELAY`] later — a Succeeded ClusterServiceVersion
//!   `grafana-operator.v5.24.0` and the operator's ready Deployment in the Subscription's
//!   namespace, the Grafana Operator CRDs (from `scenarios/crds.yaml`) served, and the
//!   Subscription's `status.installedCSV` set.
//!
//! Controllers run synchronously right after each API write, inside the same store lock, before the
//! response is sent: a client sees their effect as soon as its write returns (a real cluster takes
//! a moment; nothing here depends on that). The one exception is OLM, whose work is queued in
//! `Store::delayed` and done by [`run_due`] at the first API request after it falls due, so that
//! clients really have to wait for the CSV as on a cluster. At load they only fill in what a scenario left out
//! (objects that already carry a status are left as the scenario wrote them).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::resources::ResKey;
use crate::selectors::LabelSelector;
use crate::store::{Store, UserInfo, fill_new_metadata, set_str, set_value};
use crate::util::{now_rfc3339, random_token};

pub const ROUTE_DOMAIN: &str = "apps.sim.oc-llmd.local";
const GRAFANA_GROUP: &str = "grafana.integreatly.org";
const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

fn key(group: &str, plural: &str) -> ResKey {
    ResKey::new(group, plural)
}

/// Registers tokens already present in service-account token Secrets (scenarios captured from a cluster).
pub fn register_secret_tokens(store: &mut Store) {
    let secrets: Vec<Value> = store
        .list(&key("", "secrets"), None)
        .filter(|s| is_sa_secret(s))
        .cloned()
        .collect();
    for secret in secrets {
        let Some(token) = secret.pointer("/data/token").and_then(Value::as_str) else {
            continue;
        };
        let Ok(bytes) = B64.decode(token) else {
            continue;
        };
        let Ok(token) = String::from_utf8(bytes) else {
            continue;
        };
        let ns = s(&secret, "/metadata/namespace");
        let sa = secret
            .pointer(&format!(
                "/metadata/annotations/{}",
                SA_NAME_ANNOTATION.replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let uid = store
            .get(&key("", "serviceaccounts"), ns, sa)
            .map(|o| s(o, "/metadata/uid").to_string())
            .unwrap_or_default();
        store
            .tokens
            .insert(token, UserInfo::service_account(ns, sa, &uid));
    }
}

fn is_sa_secret(secret: &Value) -> bool {
    s(secret, "/type") == SA_TOKEN_TYPE
}

fn sa_annotation(secret: &Value) -> &str {
    secret
        .pointer(&format!(
            "/metadata/annotations/{}",
            SA_NAME_ANNOTATION.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Issues a token for a ServiceAccount and registers it.
pub fn issue_sa_token(store: &mut Store, ns: &str, sa: &str) -> String {
    let uid = store
        .get(&key("", "serviceaccounts"), ns, sa)
        .map(|o| s(o, "/metadata/uid").to_string())
        .unwrap_or_default();
    let token = random_token("sim-sa.");
    store
        .tokens
        .insert(token.clone(), UserInfo::service_account(ns, sa, &uid));
    token
}

fn reconcile_sa_secret(store: &mut Store, ns: &str, name: &str) {
    let Some(secret) = store.get(&key("", "secrets"), ns, name) else {
        return;
    };
    if !is_sa_secret(secret)
        || secret
            .pointer("/data/token")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
    {
        return;
    }
    let sa = sa_annotation(secret).to_string();
    let Some(sa_obj) = store.get(&key("", "serviceaccounts"), ns, &sa) else {
        return;
    };
    let sa_uid = s(sa_obj, "/metadata/uid").to_string();
    let mut secret = secret.clone();
    let token = issue_sa_token(store, ns, &sa);
    set_str(&mut secret, &["data", "token"], &B64.encode(&token));
    set_str(&mut secret, &["data", "ca.crt"], &B64.encode(&store.ca_pem));
    set_str(&mut secret, &["data", "namespace"], &B64.encode(ns));
    set_str(
        &mut secret,
        &[
            "metadata",
            "annotations",
            "kubernetes.io/service-account.uid",
        ],
        &sa_uid,
    );
    store.put(&key("", "secrets"), secret);
}

fn reconcile_namespace(store: &mut Store, name: &str) {
    let Some(ns) = store.get(&key("", "namespaces"), "", name) else {
        return;
    };
    if ns.pointer("/status/phase").is_some() {
        return;
    }
    let mut ns = ns.clone();
    set_str(&mut ns, &["status", "phase"], "Active");
    store.put(&key("", "namespaces"), ns);
}

fn reconcile_route(store: &mut Store, ns: &str, name: &str) {
    let rk = key("route.openshift.io", "routes");
    let Some(route) = store.get(&rk, ns, name) else {
        return;
    };
    let forced = store
        .route_hosts
        .get(&(ns.to_string(), name.to_string()))
        .cloned();
    let current = s(route, "/spec/host").to_string();
    let host = match (&forced, current.is_empty()) {
        (Some(h), _) => h.clone(),
        (None, true) => format!("{name}-{ns}.{ROUTE_DOMAIN}"),
        (None, false) => current.clone(),
    };
    let ingress_host = route
        .pointer("/status/ingress/0/host")
        .and_then(Value::as_str);
    if host == current && ingress_host == Some(host.as_str()) {
        return;
    }
    let mut route = route.clone();
    set_str(&mut route, &["spec", "host"], &host);
    set_value(
        &mut route,
        &["status", "ingress"],
        json!([{
            "host": host,
            "routerName": "default",
            "routerCanonicalHostname": format!("router-default.{ROUTE_DOMAIN}"),
            "wildcardPolicy": "None",
            "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": now_rfc3339()}],
        }]),
    );
    store.put(&rk, route);
}

const KSERVE_GROUP: &str = "serving.kserve.io";
const SCHEDULER_COMPONENT: &str = "llminferenceservice-router-scheduler";

/// The main container of a container list (`name: main`).
fn main_container(list: &Value) -> Option<&Value> {
    list.as_array()?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("main"))
}

/// See the module docs: copy the scheduler args an LLMInferenceService sets to its scheduler
/// workload objects. Without `args` in the spec (KServe's preset supplies them) nothing changes.
fn reconcile_scheduler_args(store: &mut Store, ns: &str, name: &str) {
    let Some(isvc) = store.get(&key(KSERVE_GROUP, "llminferenceservices"), ns, name) else {
        return;
    };
    let Some(args) = isvc
        .pointer("/spec/router/scheduler/template/containers")
        .and_then(main_container)
        .and_then(|c| c.get("args"))
        .filter(|a| a.is_array())
        .cloned()
    else {
        return;
    };
    let targets = [
        (key("apps", "deployments"), "/spec/template/spec/containers"),
        (key("apps", "replicasets"), "/spec/template/spec/containers"),
        (key("", "pods"), "/spec/containers"),
    ];
    for (k, pointer) in targets {
        let stale: Vec<Value> = store
            .list(&k, Some(ns))
            .filter(|o| {
                s(o, "/metadata/labels/app.kubernetes.io~1component") == SCHEDULER_COMPONENT
                    && s(o, "/metadata/labels/app.kubernetes.io~1name") == name
            })
            .filter(|o| {
                o.pointer(pointer)
                    .and_then(main_container)
                    .is_some_and(|c| c.get("args") != Some(&args))
            })
            .cloned()
            .collect();
        for mut o in stale {
            let list = o.pointer_mut(pointer).and_then(Value::as_array_mut);
            if let Some(c) = list.and_then(|l| {
                l.iter_mut()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some("main"))
            }) {
                c["args"] = args.clone();
            }
            store.put(&k, o);
        }
    }
}

const CMO_NAMESPACE: &str = "openshift-monitoring";
const CMO_CONFIG: &str = "cluster-monitoring-config";
const UWM_NAMESPACE: &str = "openshift-user-workload-monitoring";
const INJECT_CABUNDLE: &str = "service.beta.openshift.io/inject-cabundle";

/// OpenShift's service-CA operator: a ConfigMap annotated `inject-cabundle: "true"` gets the
/// service CA bundle as `data["service-ca.crt"]` (here: the simulated cluster's CA).
fn reconcile_service_ca(store: &mut Store, ns: &str, name: &str) {
    let ck = key("", "configmaps");
    let Some(cm) = store.get(&ck, ns, name) else {
        return;
    };
    let annotated = cm
        .pointer(&format!(
            "/metadata/annotations/{}",
            INJECT_CABUNDLE.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        == Some("true");
    let current = cm.pointer("/data/service-ca.crt").and_then(Value::as_str);
    if !annotated || current == Some(store.ca_pem.as_str()) {
        return;
    }
    let mut cm = cm.clone();
    let ca = store.ca_pem.clone();
    set_str(&mut cm, &["data", "service-ca.crt"], &ca);
    store.put(&ck, cm);
}

/// The cluster-monitoring-operator, only as far as User Workload Monitoring goes: when
/// `enableUserWorkload: true` appears in `config.yaml`, the UWM namespace and two running
/// `prometheus-user-workload` pods appear (the real operator takes a minute; here it is at once).
fn reconcile_user_workload_monitoring(store: &mut Store) {
    let Some(cm) = store.get(&key("", "configmaps"), CMO_NAMESPACE, CMO_CONFIG) else {
        return;
    };
    let text = s(cm, "/data/config.yaml");
    let enabled = serde_saphyr::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("enableUserWorkload").and_then(Value::as_bool))
        .unwrap_or(false);
    if !enabled {
        return;
    }
    ensure(
        store,
        &key("", "namespaces"),
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": UWM_NAMESPACE, "labels": {"openshift.io/cluster-monitoring": "true"}}}),
    );
    for i in 0..2 {
        ensure(
            store,
            &key("", "pods"),
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": format!("prometheus-user-workload-{i}"),
                    "namespace": UWM_NAMESPACE,
                    "labels": {
                        "app.kubernetes.io/name": "prometheus",
                        "app.kubernetes.io/instance": "user-workload",
                        "app.kubernetes.io/component": "prometheus",
                        "prometheus": "user-workload",
                    },
                },
                "spec": {"containers": [{"name": "prometheus", "image": "quay.io/prometheus/prometheus:v3.2.1"}]},
                "status": {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": "True"}],
                    "containerStatuses": [{"name": "prometheus", "ready": true, "restartCount": 0}],
                },
            }),
        );
    }
}

/// Creates an object unless one with its name exists.
fn ensure(store: &mut Store, k: &ResKey, mut obj: Value) {
    let (ns, name) = crate::store::identity(&obj);
    if store.get(k, &ns, &name).is_some() {
        return;
    }
    fill_new_metadata(&mut obj);
    store.put(k, obj);
    after_write_depth(store, k, &ns, &name, 1);
}

fn grafana_enabled(store: &Store) -> bool {
    store
        .registry
        .get(&key(GRAFANA_GROUP, "grafanas"))
        .is_some()
}

fn reconcile_grafana(store: &mut Store, ns: &str, name: &str) {
    let gk = key(GRAFANA_GROUP, "grafanas");
    let Some(g) = store.get(&gk, ns, name).cloned() else {
        return;
    };
    let owner = json!([{
        "apiVersion": s(&g, "/apiVersion"), "kind": "Grafana", "name": name, "uid": s(&g, "/metadata/uid"),
        "controller": true, "blockOwnerDeletion": true,
    }]);
    let version = g
        .pointer("/spec/version")
        .and_then(Value::as_str)
        .unwrap_or("12.1.0")
        .to_string();
    let labels = json!({"app": "grafana", "app.kubernetes.io/managed-by": "grafana-operator"});
    let deploy = format!("{name}-deployment");
    ensure(
        store,
        &key("apps", "deployments"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": deploy, "namespace": ns, "labels": labels, "ownerReferences": owner},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "grafana"}},
                "template": {"metadata": {"labels": {"app": "grafana"}},
                    "spec": {"containers": [{"name": "grafana", "image": format!("docker.io/grafana/grafana:{version}"),
                        "ports": [{"name": "grafana-http", "containerPort": 3000, "protocol": "TCP"}]}]}}},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1,
                "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}}),
    );
    let deploy_uid = store
        .get(&key("apps", "deployments"), ns, &deploy)
        .map(|d| s(d, "/metadata/uid").to_string())
        .unwrap_or_default();
    let hash = format!(
        "{:x}",
        name.bytes()
            .fold(5381u32, |h, b| h.wrapping_mul(33) ^ b as u32)
            % 0xfffff
    );
    let now = now_rfc3339();
    ensure(
        store,
        &key("", "pods"),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{deploy}-{hash}-sim"), "namespace": ns, "labels": labels,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deploy, "uid": deploy_uid,
                    "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"containers": [{"name": "grafana", "image": format!("docker.io/grafana/grafana:{version}"),
                "ports": [{"name": "grafana-http", "containerPort": 3000, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": "10.128.0.200", "startTime": now,
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"},
                    {"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"}],
                "containerStatuses": [{"name": "grafana", "ready": true, "started": true, "restartCount": 0,
                    "image": format!("docker.io/grafana/grafana:{version}"), "state": {"running": {"startedAt": now}}}]}}),
    );
    let svc = format!("{name}-service");
    ensure(
        store,
        &key("", "services"),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": svc, "namespace": ns, "labels": labels, "ownerReferences": owner},
            "spec": {"selector": {"app": "grafana"}, "type": "ClusterIP", "clusterIP": "172.30.0.200",
                "ports": [{"name": "grafana", "port": 3000, "protocol": "TCP", "targetPort": "grafana-http"}]}}),
    );
    if g.pointer("/spec/route").is_some()
        && store
            .registry
            .get(&key("route.openshift.io", "routes"))
            .is_some()
    {
        let api_version = store
            .registry
            .get(&key("route.openshift.io", "routes"))
            .map(|r| format!("route.openshift.io/{}", r.preferred_version()))
            .unwrap_or_else(|| "route.openshift.io/v1".into());
        ensure(
            store,
            &key("route.openshift.io", "routes"),
            json!({"apiVersion": api_version, "kind": "Route",
                "metadata": {"name": format!("{name}-route"), "namespace": ns, "labels": labels, "ownerReferences": owner},
                "spec": {"to": {"kind": "Service", "name": svc, "weight": 100}, "port": {"targetPort": "grafana"},
                    "tls": {"termination": "edge"}, "wildcardPolicy": "None"}}),
        );
    }
    if g.pointer("/spec/disableDefaultAdminSecret")
        .and_then(Value::as_bool)
        != Some(true)
    {
        ensure(
            store,
            &key("", "secrets"),
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": format!("{name}-admin-credentials"), "namespace": ns, "labels": labels,
                    "ownerReferences": owner},
                "data": {"GF_SECURITY_ADMIN_USER": B64.encode("admin"), "GF_SECURITY_ADMIN_PASSWORD": B64.encode(crate::util::random_suffix(16))}}),
        );
    }
    let want = json!({"stage": "complete", "stageStatus": "success",
        "adminUrl": format!("http://{svc}.{ns}:3000"), "version": version});
    let Some(mut g) = store.get(&gk, ns, name).cloned() else {
        return;
    };
    let current = g.get("status").cloned().unwrap_or(Value::Null);
    let same = ["stage", "stageStatus", "adminUrl", "version"]
        .iter()
        .all(|k| current.get(*k) == want.get(*k));
    if !same {
        let mut status = if current.is_object() {
            current
        } else {
            json!({})
        };
        if let (Some(m), Some(w)) = (status.as_object_mut(), want.as_object()) {
            for (k, v) in w {
                m.insert(k.clone(), v.clone());
            }
        }
        set_value(&mut g, &["status"], status);
        store.put(&gk, g);
    }
}

/// (plural, synchronized condition type)
const GRAFANA_CHILDREN: &[(&str, &str)] = &[
    ("grafanadatasources", "DatasourceSynchronized"),
    ("grafanadashboards", "DashboardSynchronized"),
    ("grafanafolders", "FolderSynchronized"),
];

fn reconcile_grafana_child(store: &mut Store, plural: &str, ns: &str, name: &str) {
    let Some(cond_type) = GRAFANA_CHILDREN
        .iter()
        .find(|(p, _)| *p == plural)
        .map(|(_, c)| *c)
    else {
        return;
    };
    let ck = key(GRAFANA_GROUP, plural);
    let Some(obj) = store.get(&ck, ns, name).cloned() else {
        return;
    };
    let matching = match LabelSelector::from_object(obj.pointer("/spec/instanceSelector")) {
        Ok(sel) => store
            .list(&key(GRAFANA_GROUP, "grafanas"), Some(ns))
            .filter(|g| sel.matches(g))
            .count(),
        Err(_) => 0,
    };
    let generation = obj
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let current = obj.get("status").cloned().unwrap_or(json!({}));
    let current_types: Vec<(&str, &str)> = current
        .get("conditions")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|c| (s(c, "/type"), s(c, "/status"))).collect())
        .unwrap_or_default();
    let now = now_rfc3339();
    let (status, want_types) = if matching == 0 {
        (
            json!({"NoMatchingInstances": true, "conditions": [{"type": "NoMatchingInstance", "status": "True",
                "reason": "EmptyAPIReply", "message": "Instances could not be fetched, reconciliation will be retried",
                "lastTransitionTime": now, "observedGeneration": generation}]}),
            vec![("NoMatchingInstance", "True")],
        )
    } else {
        let uid = obj
            .pointer("/spec/uid")
            .and_then(Value::as_str)
            .unwrap_or(s(&obj, "/metadata/uid"))
            .to_string();
        (
            json!({"uid": uid, "lastResync": now, "conditions": [{"type": cond_type, "status": "True",
                "reason": "ApplySuccessful", "message": format!("{} synchronized to {matching} instances",
                    cond_type.trim_end_matches("Synchronized")),
                "lastTransitionTime": now, "observedGeneration": generation}]}),
            vec![(cond_type, "True")],
        )
    };
    let no_match_flag = current.get("NoMatchingInstances").and_then(Value::as_bool) == Some(true);
    if current_types == want_types && no_match_flag == (matching == 0) {
        return;
    }
    let mut obj = obj;
    set_value(&mut obj, &["status"], status);
    store.put(&ck, obj);
}

fn reconcile_grafana_children_in(store: &mut Store, ns: &str) {
    for (plural, _) in GRAFANA_CHILDREN {
        let names: Vec<String> = store
            .list(&key(GRAFANA_GROUP, plural), Some(ns))
            .map(|o| s(o, "/metadata/name").to_string())
            .collect();
        for n in names {
            reconcile_grafana_child(store, plural, ns, &n);
        }
    }
}

/// How long OLM takes to install an operator after its Subscription appears.
pub const OLM_DELAY: std::time::Duration = std::time::Duration::from_millis(700);
const OLM_GROUP: &str = "operators.coreos.com";
const GRAFANA_PACKAGE: &str = "grafana-operator";
pub const GRAFANA_OPERATOR_CSV: &str = "grafana-operator.v5.24.0";

/// Controller work that falls due later.
#[derive(Debug, Clone, PartialEq)]
pub enum Delayed {
    /// OLM installs the Grafana Operator for the Subscription `namespace/name`.
    InstallGrafanaOperator { namespace: String, name: String },
}

fn queue_olm(store: &mut Store, ns: &str, name: &str) {
    let Some(sub) = store.get(&key(OLM_GROUP, "subscriptions"), ns, name) else {
        return;
    };
    if s(sub, "/spec/name") != GRAFANA_PACKAGE || !s(sub, "/status/installedCSV").is_empty() {
        return;
    }
    let installed = store
        .list(&key(OLM_GROUP, "clusterserviceversions"), Some(ns))
        .any(|c| s(c, "/metadata/name").starts_with(GRAFANA_PACKAGE));
    let work = Delayed::InstallGrafanaOperator {
        namespace: ns.to_string(),
        name: name.to_string(),
    };
    if installed || store.delayed.iter().any(|(_, w)| *w == work) {
        return;
    }
    store
        .delayed
        .push((std::time::Instant::now() + OLM_DELAY, work));
}

/// Whether some delayed work is due now.
pub fn has_due(store: &Store) -> bool {
    let now = std::time::Instant::now();
    store.delayed.iter().any(|(due, _)| *due <= now)
}

/// Does the delayed controller work that is due.
pub fn run_due(store: &mut Store) {
    let now = std::time::Instant::now();
    let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut store.delayed)
        .into_iter()
        .partition(|(at, _)| *at <= now);
    store.delayed = later;
    for (_, work) in due {
        match work {
            Delayed::InstallGrafanaOperator { namespace, name } => {
                install_grafana_operator(store, &namespace, &name)
            }
        }
    }
}

fn install_grafana_operator(store: &mut Store, ns: &str, name: &str) {
    let crd_key = key("apiextensions.k8s.io", "customresourcedefinitions");
    for text in crate::scenario::split_documents(crate::scenarios::CRDS) {
        let Ok(crd) = serde_saphyr::from_str::<Value>(&text.1) else {
            continue;
        };
        if s(&crd, "/spec/group") != GRAFANA_GROUP
            || store.get(&crd_key, "", s(&crd, "/metadata/name")).is_some()
        {
            continue;
        }
        if store.registry.register_crd(&crd).is_ok() {
            let mut crd = crd;
            fill_new_metadata(&mut crd);
            store.put(&crd_key, crd);
        }
    }
    let now = now_rfc3339();
    ensure(
        store,
        &key(OLM_GROUP, "clusterserviceversions"),
        json!({"apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
            "metadata": {"name": GRAFANA_OPERATOR_CSV, "namespace": ns,
                "labels": {format!("operators.coreos.com/{GRAFANA_PACKAGE}.{ns}"): ""}},
            "spec": {"displayName": "Grafana Operator", "version": "5.24.0",
                "provider": {"name": "Grafana Labs"}},
            "status": {"phase": "Succeeded", "reason": "InstallSucceeded",
                "message": "install strategy completed with no errors", "lastUpdateTime": now}}),
    );
    ensure(
        store,
        &key("apps", "deployments"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "grafana-operator-controller-manager-v5", "namespace": ns,
                "labels": {"app.kubernetes.io/managed-by": "olm",
                    "app.kubernetes.io/name": GRAFANA_PACKAGE, "olm.owner": GRAFANA_OPERATOR_CSV,
                    "olm.owner.kind": "ClusterServiceVersion", "olm.owner.namespace": ns}},
            "spec": {"replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": GRAFANA_PACKAGE}},
                "template": {"metadata": {"labels": {"app.kubernetes.io/name": GRAFANA_PACKAGE}},
                    "spec": {"containers": [{"name": "manager",
                        "image": "ghcr.io/grafana/grafana-operator:v5.24.0"}]}}},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1,
                "updatedReplicas": 1, "observedGeneration": 1,
                "conditions": [{"type": "Available", "status": "True",
                    "reason": "MinimumReplicasAvailable"}]}}),
    );
    let sk = key(OLM_GROUP, "subscriptions");
    if let Some(sub) = store.get(&sk, ns, name) {
        let mut sub = sub.clone();
        set_value(
            &mut sub,
            &["status"],
            json!({"state": "AtLatestKnown", "currentCSV": GRAFANA_OPERATOR_CSV,
                "installedCSV": GRAFANA_OPERATOR_CSV, "lastUpdated": now}),
        );
        store.put(&sk, sub);
    }
}

/// Runs the controllers interested in a write to `key`/`ns`/`name` (the object may be gone).
pub fn after_write(store: &mut Store, k: &ResKey, ns: &str, name: &str) {
    after_write_depth(store, k, ns, name, 0);
}

fn after_write_depth(store: &mut Store, k: &ResKey, ns: &str, name: &str, depth: u8) {
    if depth > 4 {
        return;
    }
    match (k.group.as_str(), k.plural.as_str()) {
        ("", "secrets") => reconcile_sa_secret(store, ns, name),
        ("", "serviceaccounts") => {
            let names: Vec<String> = store
                .list(&key("", "secrets"), Some(ns))
                .filter(|sec| is_sa_secret(sec) && sa_annotation(sec) == name)
                .map(|sec| s(sec, "/metadata/name").to_string())
                .collect();
            for n in names {
                reconcile_sa_secret(store, ns, &n);
            }
        }
        ("", "namespaces") => reconcile_namespace(store, name),
        ("", "configmaps") => {
            reconcile_service_ca(store, ns, name);
            if ns == CMO_NAMESPACE && name == CMO_CONFIG {
                reconcile_user_workload_monitoring(store);
            }
        }
        ("route.openshift.io", "routes") => reconcile_route(store, ns, name),
        (KSERVE_GROUP, "llminferenceservices") => reconcile_scheduler_args(store, ns, name),
        (OLM_GROUP, "subscriptions") => queue_olm(store, ns, name),
        (GRAFANA_GROUP, "grafanas") if grafana_enabled(store) => {
            reconcile_grafana(store, ns, name);
            reconcile_grafana_children_in(store, ns);
        }
        (GRAFANA_GROUP, plural) if grafana_enabled(store) => {
            reconcile_grafana_child(store, plural, ns, name)
        }
        _ => {}
    }
}

/// At load: fills in what controllers would have produced, leaving objects with a status alone.
pub fn reconcile_all(store: &mut Store) {
    let pending: Vec<(ResKey, String, String)> = store
        .all_objects()
        .filter(|(k, o)| match (k.group.as_str(), k.plural.as_str()) {
            ("", "secrets") => is_sa_secret(o),
            ("", "namespaces") | ("route.openshift.io", "routes") | ("", "configmaps") => true,
            (GRAFANA_GROUP, _) => o
                .get("status")
                .is_none_or(|st| st.as_object().is_none_or(|m| m.is_empty())),
            _ => false,
        })
        .map(|(k, o)| {
            (
                k.clone(),
                s(o, "/metadata/namespace").to_string(),
                s(o, "/metadata/name").to_string(),
            )
        })
        .collect();
    for (k, ns, name) in pending {
        match (k.group.as_str(), k.plural.as_str()) {
            (GRAFANA_GROUP, "grafanas") if grafana_enabled(store) => {
                reconcile_grafana(store, &ns, &name)
            }
            (GRAFANA_GROUP, plural) if grafana_enabled(store) => {
                reconcile_grafana_child(store, plural, &ns, &name)
            }
            _ => after_write(store, &k, &ns, &name),
        }
    }
}
