//! What `uninstall-monitoring` deletes, decided from listed objects. Pure.
//!
//! Selected: objects carrying BOTH our labels that belong to this install — namespaced kinds in
//! the install namespace; the ClusterRoleBinding and tenant RoleBindings whose subject is our
//! ServiceAccount in the install namespace; EnvoyFilters we labelled, in any namespace. Never:
//! anything without both labels (even in our namespace), `cluster-monitoring-config` (we never
//! label it), the operator Subscription (the operator may serve others).
//!
//! `--delete-namespace` deletes the namespace only when it holds nothing else: after removing
//! ours, objects owned by another object (garbage-collected with it), deleting objects, and what
//! OpenShift puts in every namespace (default service accounts and their secrets, the CA bundle
//! ConfigMaps) do not count.

use kube::api::DynamicObject;
use serde_json::Value;

use super::plan::THANOS_SERVICE_ACCOUNT;
use crate::apply::{Kind, ObjectKey, labels};

/// Kinds looked for in the install namespace, in deletion order (dependents first).
pub const NAMESPACED: [(&str, &str); 6] = [
    ("grafana.integreatly.org/v1beta1", "GrafanaDashboard"),
    ("grafana.integreatly.org/v1beta1", "GrafanaDatasource"),
    ("grafana.integreatly.org/v1beta1", "Grafana"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
];
/// Kinds looked for in every namespace (or cluster-scoped).
pub const CLUSTER_WIDE: [(&str, &str); 3] = [
    ("networking.istio.io/v1alpha3", "EnvoyFilter"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
];
/// Kinds checked for leftovers before deleting the namespace.
pub const LEFTOVER_KINDS: [(&str, &str); 12] = [
    ("v1", "Pod"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("route.openshift.io/v1", "Route"),
    ("grafana.integreatly.org/v1beta1", "Grafana"),
    ("grafana.integreatly.org/v1beta1", "GrafanaDatasource"),
    ("grafana.integreatly.org/v1beta1", "GrafanaDashboard"),
];

const DEFAULT_SERVICE_ACCOUNTS: [&str; 3] = ["default", "builder", "deployer"];
const DEFAULT_CONFIGMAPS: [&str; 2] = ["kube-root-ca.crt", "openshift-service-ca.crt"];

/// Objects listed for one kind.
#[derive(Debug, Clone)]
pub struct Listing {
    pub kind: Kind,
    pub objects: Vec<DynamicObject>,
}

fn binds_our_service_account(obj: &DynamicObject, install_ns: &str) -> bool {
    obj.data
        .get("subjects")
        .and_then(Value::as_array)
        .is_some_and(|subjects| {
            subjects.iter().any(|s| {
                s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Value::as_str) == Some(THANOS_SERVICE_ACCOUNT)
                    && s.get("namespace").and_then(Value::as_str) == Some(install_ns)
            })
        })
}

fn belongs(kind: &Kind, obj: &DynamicObject, install_ns: &str) -> bool {
    if !labels::is_ours(obj.metadata.labels.as_ref()) {
        return false;
    }
    match kind.kind.as_str() {
        "ClusterRoleBinding" | "RoleBinding" => binds_our_service_account(obj, install_ns),
        "EnvoyFilter" => true,
        "Namespace" => false,
        _ => kind.namespaced && obj.metadata.namespace.as_deref() == Some(install_ns),
    }
}

fn rank(kind: &Kind) -> usize {
    NAMESPACED
        .iter()
        .chain(CLUSTER_WIDE.iter())
        .position(|(_, k)| *k == kind.kind)
        .unwrap_or(usize::MAX)
}

/// The objects to delete, in deletion order (dashboards first, service accounts last).
pub fn select(listings: &[Listing], install_ns: &str) -> Vec<ObjectKey> {
    let mut keys: Vec<(usize, ObjectKey)> = Vec::new();
    for listing in listings {
        for obj in &listing.objects {
            let Some(name) = obj.metadata.name.clone() else {
                continue;
            };
            if !belongs(&listing.kind, obj, install_ns) {
                continue;
            }
            let key = ObjectKey {
                kind: listing.kind.clone(),
                namespace: obj
                    .metadata
                    .namespace
                    .clone()
                    .filter(|_| listing.kind.namespaced),
                name,
            };
            if !keys.iter().any(|(_, k)| *k == key) {
                keys.push((rank(&listing.kind), key));
            }
        }
    }
    keys.sort_by_key(|(rank, _)| *rank);
    keys.into_iter().map(|(_, k)| k).collect()
}

/// What would stay in the namespace once ours is deleted (`Kind/name` each). Empty = deletable.
pub fn leftovers(listings: &[Listing], install_ns: &str) -> Vec<String> {
    let mut out = Vec::new();
    for listing in listings {
        for obj in &listing.objects {
            let Some(name) = obj.metadata.name.as_deref() else {
                continue;
            };
            if belongs(&listing.kind, obj, install_ns)
                || obj.metadata.deletion_timestamp.is_some()
                || obj
                    .metadata
                    .owner_references
                    .as_ref()
                    .is_some_and(|o| !o.is_empty())
                || is_namespace_default(&listing.kind.kind, name, obj)
            {
                continue;
            }
            out.push(format!("{}/{name}", listing.kind.kind));
        }
    }
    out
}

/// What Kubernetes/OpenShift creates in every namespace.
fn is_namespace_default(kind: &str, name: &str, obj: &DynamicObject) -> bool {
    match kind {
        "ServiceAccount" => DEFAULT_SERVICE_ACCOUNTS.contains(&name),
        "ConfigMap" => DEFAULT_CONFIGMAPS.contains(&name),
        "Secret" => {
            let for_default_sa = obj
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .is_some_and(|sa| DEFAULT_SERVICE_ACCOUNTS.contains(&sa.as_str()));
            let generated_type = matches!(
                obj.data.get("type").and_then(Value::as_str),
                Some("kubernetes.io/dockercfg" | "kubernetes.io/service-account-token")
            );
            for_default_sa && generated_type
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NS: &str = "llm-d-monitoring";

    fn ours() -> Value {
        json!({labels::MANAGED_BY_KEY: "oc-llmd", labels::PART_OF_KEY: "llm-d-monitoring"})
    }

    fn obj(name: &str, ns: Option<&str>, labels: Value, extra: Value) -> DynamicObject {
        let mut v = json!({"metadata": {"name": name, "labels": labels}});
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = json!(ns);
        }
        if let (Some(target), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            for (k, val) in extra {
                if k == "metadata" {
                    for (mk, mv) in val.as_object().unwrap() {
                        target["metadata"][mk] = mv.clone();
                    }
                } else {
                    target.insert(k.clone(), val.clone());
                }
            }
        }
        serde_json::from_value(v).unwrap()
    }

    fn listing(api_version: &str, kind: &str, objects: Vec<DynamicObject>) -> Listing {
        Listing {
            kind: Kind::from_type(api_version, kind, true),
            objects,
        }
    }

    fn our_subjects(ns: &str) -> Value {
        json!({"subjects": [{"kind": "ServiceAccount", "name": "grafana-thanos", "namespace": ns}]})
    }

    #[test]
    fn selects_only_objects_with_both_labels_in_our_scope() {
        let half = json!({labels::MANAGED_BY_KEY: "oc-llmd"});
        let listings = vec![
            listing(
                "v1",
                "ServiceAccount",
                vec![obj("grafana-thanos", Some(NS), ours(), json!({}))],
            ),
            listing(
                "v1",
                "ConfigMap",
                vec![
                    obj("grafana-thanos-service-ca", Some(NS), ours(), json!({})),
                    obj("foreign", Some(NS), json!({"app": "x"}), json!({})),
                    obj("half-labelled", Some(NS), half, json!({})),
                    obj("ours-elsewhere", Some("other-ns"), ours(), json!({})),
                ],
            ),
            listing(
                "grafana.integreatly.org/v1beta1",
                "GrafanaDashboard",
                vec![
                    obj("llm-d-vllm", Some(NS), ours(), json!({})),
                    obj("someone-elses-dashboard", Some(NS), json!({}), json!({})),
                ],
            ),
            listing(
                "rbac.authorization.k8s.io/v1",
                "ClusterRoleBinding",
                vec![
                    obj(
                        "grafana-thanos-cluster-monitoring-view",
                        None,
                        ours(),
                        our_subjects(NS),
                    ),
                    obj("other-install", None, ours(), our_subjects("another-ns")),
                    obj("cluster-admin", None, json!({}), json!({})),
                ],
            ),
            listing(
                "networking.istio.io/v1alpha3",
                "EnvoyFilter",
                vec![
                    obj(
                        "llm-d-ext-proc",
                        Some("openshift-ingress"),
                        ours(),
                        json!({}),
                    ),
                    obj("istio-own", Some("openshift-ingress"), json!({}), json!({})),
                ],
            ),
        ];
        let names: Vec<String> = select(&listings, NS)
            .iter()
            .map(|k| k.name.clone())
            .collect();
        assert_eq!(
            names,
            [
                "llm-d-vllm",
                "grafana-thanos-service-ca",
                "grafana-thanos",
                "llm-d-ext-proc",
                "grafana-thanos-cluster-monitoring-view",
            ]
        );
        let crb = select(&listings, NS).into_iter().last().unwrap();
        assert_eq!(crb.namespace, None);
    }

    #[test]
    fn namespace_with_only_ours_and_defaults_is_deletable() {
        let listings = vec![
            listing(
                "v1",
                "ServiceAccount",
                vec![
                    obj("default", Some(NS), json!({}), json!({})),
                    obj("grafana-thanos", Some(NS), ours(), json!({})),
                ],
            ),
            listing(
                "v1",
                "ConfigMap",
                vec![obj("kube-root-ca.crt", Some(NS), json!({}), json!({}))],
            ),
            listing(
                "v1",
                "Secret",
                vec![obj(
                    "default-dockercfg-x",
                    Some(NS),
                    json!({}),
                    json!({
                "type": "kubernetes.io/dockercfg",
                "metadata": {"annotations": {"kubernetes.io/service-account.name": "default"}}}),
                )],
            ),
            listing(
                "apps/v1",
                "Deployment",
                vec![obj(
                    "llm-d-grafana-deployment",
                    Some(NS),
                    json!({}),
                    json!({"metadata": {"ownerReferences": [{"apiVersion": "grafana.integreatly.org/v1beta1",
                    "kind": "Grafana", "name": "llm-d-grafana", "uid": "u"}]}}),
                )],
            ),
        ];
        assert!(leftovers(&listings, NS).is_empty());
    }

    #[test]
    fn foreign_objects_keep_the_namespace() {
        let listings = vec![
            listing(
                "v1",
                "ConfigMap",
                vec![obj("team-config", Some(NS), json!({}), json!({}))],
            ),
            listing(
                "grafana.integreatly.org/v1beta1",
                "GrafanaDashboard",
                vec![obj("hand-made", Some(NS), json!({}), json!({}))],
            ),
            listing(
                "v1",
                "Secret",
                vec![obj(
                    "user-token",
                    Some(NS),
                    json!({}),
                    json!({
                "type": "kubernetes.io/service-account-token",
                "metadata": {"annotations": {"kubernetes.io/service-account.name": "robot"}}}),
                )],
            ),
        ];
        assert_eq!(
            leftovers(&listings, NS),
            [
                "ConfigMap/team-config",
                "GrafanaDashboard/hand-made",
                "Secret/user-token"
            ]
        );
    }
}
