//! Authorization: a real RBAC evaluator over the stored ClusterRoles, Roles, ClusterRoleBindings and
//! RoleBindings (apiGroups, resources incl. `resource/subresource` and `*`, resourceNames, verbs,
//! nonResourceURLs with trailing `*`; subjects User, Group, ServiceAccount; ClusterRole
//! `aggregationRule`s), plus the bootstrap ClusterRoles a real cluster has. `system:masters`
//! bypasses everything; discovery and self-reviews are allowed to every authenticated user.

use serde_json::{Value, json};

use crate::resources::ResKey;
use crate::selectors::LabelSelector;
use crate::store::{Store, UserInfo};

/// What a request asks to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    pub namespace: String,
    /// Set for non-resource requests (`/version`, `/metrics`, …).
    pub path: Option<String>,
}

impl Attributes {
    /// The message a real API server puts in a Forbidden Status.
    pub fn forbidden_message(&self, user: &str) -> String {
        if let Some(path) = &self.path {
            return format!(
                "forbidden: User \"{user}\" cannot {} path \"{path}\"",
                self.verb
            );
        }
        let res = if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        };
        let subject = if self.name.is_empty() {
            res.clone()
        } else {
            format!("{res} \"{}\"", self.name)
        };
        let scope = if self.namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace \"{}\"", self.namespace)
        };
        format!(
            "{subject} is forbidden: User \"{user}\" cannot {} resource \"{res}\" in API group \"{}\" {scope}",
            self.verb, self.group
        )
    }
}

const DISCOVERY_PREFIXES: &[&str] = &[
    "/api", "/apis", "/version", "/openapi", "/healthz", "/livez", "/readyz",
];

fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let verbs = strs(rule.get("verbs"));
    if !verbs.iter().any(|v| *v == "*" || *v == a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return strs(rule.get("nonResourceURLs")).iter().any(|u| {
            *u == "*" || *u == path || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
        });
    }
    if !strs(rule.get("apiGroups"))
        .iter()
        .any(|g| *g == "*" || *g == a.group)
    {
        return false;
    }
    let resources = strs(rule.get("resources"));
    let ok = resources.iter().any(|r| {
        if a.subresource.is_empty() {
            *r == "*" || *r == a.resource
        } else {
            let full = format!("{}/{}", a.resource, a.subresource);
            *r == full
                || *r == "*"
                || *r == format!("*/{}", a.subresource)
                || *r == format!("{}/*", a.resource)
        }
    });
    if !ok {
        return false;
    }
    let names = strs(rule.get("resourceNames"));
    names.is_empty() || (!a.name.is_empty() && names.contains(&a.name.as_str()))
}

fn subject_matches(subject: &Value, user: &UserInfo, binding_ns: &str) -> bool {
    let kind = subject
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = subject
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "User" => user.name == name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(binding_ns);
            user.name == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

/// The rules of a ClusterRole including those aggregated into it.
fn cluster_role_rules<'a>(store: &'a Store, name: &str) -> Vec<&'a Value> {
    let key = ResKey::new("rbac.authorization.k8s.io", "clusterroles");
    let Some(role) = store.get(&key, "", name) else {
        return vec![];
    };
    let mut rules: Vec<&Value> = role
        .get("rules")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for sel in role
        .pointer("/aggregationRule/clusterRoleSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Ok(sel) = LabelSelector::from_object(Some(sel)) else {
            continue;
        };
        for other in store.list(&key, None) {
            if other.pointer("/metadata/name").and_then(Value::as_str) != Some(name)
                && sel.matches(other)
            {
                rules.extend(
                    other
                        .get("rules")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            }
        }
    }
    rules
}

fn role_ref_rules<'a>(
    store: &'a Store,
    role_ref: Option<&Value>,
    binding_ns: &str,
) -> Vec<&'a Value> {
    let Some(r) = role_ref else { return vec![] };
    let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
    match r.get("kind").and_then(Value::as_str) {
        Some("ClusterRole") => cluster_role_rules(store, name),
        Some("Role") => store
            .get(
                &ResKey::new("rbac.authorization.k8s.io", "roles"),
                binding_ns,
                name,
            )
            .and_then(|role| role.get("rules"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

/// Whether `user` may do `a`.
pub fn authorize(store: &Store, user: &UserInfo, a: &Attributes) -> bool {
    if user.is_master() {
        return true;
    }
    if let Some(path) = &a.path
        && a.verb == "get"
        && DISCOVERY_PREFIXES
            .iter()
            .any(|p| path == p || path.starts_with(&format!("{p}/")))
    {
        return true;
    }
    if a.verb == "create"
        && a.group == "authorization.k8s.io"
        && matches!(
            a.resource.as_str(),
            "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
        )
        || a.verb == "create"
            && a.group == "authentication.k8s.io"
            && a.resource == "selfsubjectreviews"
    {
        return true;
    }
    let crb = ResKey::new("rbac.authorization.k8s.io", "clusterrolebindings");
    for b in store.list(&crb, None) {
        let subjects = b.get("subjects").and_then(Value::as_array);
        if subjects
            .into_iter()
            .flatten()
            .any(|s| subject_matches(s, user, ""))
            && role_ref_rules(store, b.get("roleRef"), "")
                .iter()
                .any(|r| rule_allows(r, a))
        {
            return true;
        }
    }
    if !a.namespace.is_empty() {
        let rb = ResKey::new("rbac.authorization.k8s.io", "rolebindings");
        for b in store.list(&rb, Some(&a.namespace)) {
            let subjects = b.get("subjects").and_then(Value::as_array);
            if subjects
                .into_iter()
                .flatten()
                .any(|s| subject_matches(s, user, &a.namespace))
                && role_ref_rules(store, b.get("roleRef"), &a.namespace)
                    .iter()
                    .any(|r| rule_allows(r, a))
            {
                return true;
            }
        }
    }
    false
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn view_rules() -> Vec<Value> {
    vec![
        rule(
            &[""],
            &[
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "pods",
                "pods/log",
                "pods/status",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "replicationcontrollers/status",
                "serviceaccounts",
                "services",
                "services/status",
                "bindings",
                "events",
                "limitranges",
                "namespaces/status",
                "resourcequotas",
                "resourcequotas/status",
            ],
            READ,
        ),
        rule(&[""], &["namespaces"], READ),
        rule(&["discovery.k8s.io"], &["endpointslices"], READ),
        rule(
            &["apps"],
            &[
                "controllerrevisions",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
            READ,
        ),
        rule(
            &["autoscaling"],
            &[
                "horizontalpodautoscalers",
                "horizontalpodautoscalers/status",
            ],
            READ,
        ),
        rule(
            &["batch"],
            &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
            READ,
        ),
        rule(
            &["policy"],
            &["poddisruptionbudgets", "poddisruptionbudgets/status"],
            READ,
        ),
        rule(
            &["networking.k8s.io"],
            &["ingresses", "ingresses/status", "networkpolicies"],
            READ,
        ),
        rule(&["metrics.k8s.io"], &["pods", "nodes"], READ),
    ]
}

fn edit_rules() -> Vec<Value> {
    let mut rules = view_rules();
    rules.push(rule(&[""], &["secrets"], READ));
    rules.push(rule(
        &[""],
        &[
            "pods",
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "secrets",
            "serviceaccounts",
            "services",
            "services/proxy",
        ],
        WRITE,
    ));
    rules.push(rule(&[""], &["serviceaccounts/token"], &["create"]));
    rules.push(rule(
        &["apps"],
        &[
            "daemonsets",
            "deployments",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
        WRITE,
    ));
    rules.push(rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE));
    rules.push(rule(&["batch"], &["cronjobs", "jobs"], WRITE));
    rules.push(rule(&["policy"], &["poddisruptionbudgets"], WRITE));
    rules.push(rule(
        &["networking.k8s.io"],
        &["ingresses", "networkpolicies"],
        WRITE,
    ));
    rules.push(rule(&["discovery.k8s.io"], &["endpointslices"], WRITE));
    rules
}

fn aggregated(name: &str, rules: Vec<Value>, aggregate_label: &str) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {aggregate_label: "true"}}]},
        "rules": rules,
    })
}

/// ClusterRoles every cluster has: cluster-admin, admin, edit, view, cluster-monitoring-view.
pub fn bootstrap_cluster_roles() -> Vec<Value> {
    let mut admin = edit_rules();
    admin.push(rule(
        &["rbac.authorization.k8s.io"],
        &["rolebindings", "roles"],
        &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
    ));
    admin.push(rule(
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ));
    vec![
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        }),
        aggregated(
            "admin",
            admin,
            "rbac.authorization.k8s.io/aggregate-to-admin",
        ),
        aggregated(
            "edit",
            edit_rules(),
            "rbac.authorization.k8s.io/aggregate-to-edit",
        ),
        aggregated(
            "view",
            view_rules(),
            "rbac.authorization.k8s.io/aggregate-to-view",
        ),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "cluster-monitoring-view"},
            "rules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
                {"apiGroups": ["monitoring.coreos.com"], "resourceNames": ["k8s"], "resources": ["prometheuses/api"],
                    "verbs": ["get", "create", "update"]},
            ],
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(verb: &str, resource: &str, ns: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            resource: resource.into(),
            namespace: ns.into(),
            ..Default::default()
        }
    }

    #[test]
    fn forbidden_messages_match_real_ones() {
        assert_eq!(
            attrs("list", "pods", "").forbidden_message("alice"),
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        );
        let mut a = attrs("get", "pods", "ns");
        a.name = "p".into();
        a.subresource = "log".into();
        assert_eq!(
            a.forbidden_message("bob"),
            "pods/log \"p\" is forbidden: User \"bob\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"ns\""
        );
    }

    #[test]
    fn rules() {
        let r = json!({"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"], "resourceNames": ["a"]});
        let mut a = attrs("get", "pods", "ns");
        a.subresource = "log".into();
        assert!(!rule_allows(&r, &a));
        a.name = "a".into();
        assert!(rule_allows(&r, &a));
        let nr = json!({"nonResourceURLs": ["/metrics*"], "verbs": ["get"]});
        let p = Attributes {
            verb: "get".into(),
            path: Some("/metrics/x".into()),
            ..Default::default()
        };
        assert!(rule_allows(&nr, &p));
    }
}
