//! The resource registry: which API resources exist, under which groups, versions, plurals and scope.
//!
//! Kubernetes' own kinds are built in. Every other kind exists only while a
//! CustomResourceDefinition for it exists; a CRD for a built-in kind is accepted and only adds
//! served versions. Each resource keeps one stored copy of every object; a read under any served
//! version rewrites `apiVersion` (no conversion, as for CRDs without a conversion webhook).

use std::collections::BTreeMap;

use serde_json::Value;

/// Identifies a resource independently of version: API group ("" for core) and plural.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResKey {
    pub group: String,
    pub plural: String,
}

impl ResKey {
    pub fn new(group: &str, plural: &str) -> Self {
        Self {
            group: group.to_string(),
            plural: plural.to_string(),
        }
    }
}

/// Everything discovery says about one resource.
#[derive(Debug, Clone)]
pub struct ResourceInfo {
    pub group: String,
    /// Served versions, preferred first.
    pub versions: Vec<String>,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Has a `/status` subresource (writes to the main resource keep the stored status).
    pub status: bool,
    pub scale: bool,
    /// Only `create` (reviews): nothing is stored.
    pub create_only: bool,
    /// Built into the simulated server (still exists without a CRD).
    pub builtin: bool,
    /// Defined by a CRD (possibly in addition to being built in).
    pub from_crd: bool,
}

impl ResourceInfo {
    pub fn key(&self) -> ResKey {
        ResKey::new(&self.group, &self.plural)
    }
    pub fn preferred_version(&self) -> &str {
        self.versions.first().map(String::as_str).unwrap_or("v1")
    }
    pub fn group_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }
    pub fn verbs(&self) -> Vec<&'static str> {
        if self.create_only {
            vec!["create"]
        } else {
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }
}

/// Ordering of Kubernetes version strings: GA before beta before alpha, higher numbers first.
pub fn version_priority(v: &str) -> (u8, u32, u32) {
    let Some(rest) = v.strip_prefix('v') else {
        return (0, 0, 0);
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let Ok(major) = digits.parse::<u32>() else {
        return (0, 0, 0);
    };
    let tail = &rest[digits.len()..];
    if tail.is_empty() {
        return (3, major, 0);
    }
    let (level, num) = if let Some(n) = tail.strip_prefix("beta") {
        (2, n)
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (1, n)
    } else {
        return (0, 0, 0);
    };
    match num.parse::<u32>() {
        Ok(minor) => (level, major, minor),
        Err(_) => (0, 0, 0),
    }
}

pub fn sort_versions(versions: &mut [String]) {
    versions.sort_by(|a, b| version_priority(b).cmp(&version_priority(a)).then(a.cmp(b)));
}

/// (group, versions, kind, plural, namespaced, short names, status subresource)
type Builtin = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
);

const BUILTINS: &[Builtin] = &[
    ("", &["v1"], "Namespace", "namespaces", false, &["ns"], true),
    ("", &["v1"], "Pod", "pods", true, &["po"], true),
    ("", &["v1"], "Service", "services", true, &["svc"], true),
    ("", &["v1"], "Endpoints", "endpoints", true, &["ep"], false),
    ("", &["v1"], "ConfigMap", "configmaps", true, &["cm"], false),
    ("", &["v1"], "Secret", "secrets", true, &[], false),
    (
        "",
        &["v1"],
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
    ),
    ("", &["v1"], "Node", "nodes", false, &["no"], true),
    ("", &["v1"], "Event", "events", true, &["ev"], false),
    (
        "",
        &["v1"],
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        true,
    ),
    (
        "",
        &["v1"],
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        true,
    ),
    (
        "",
        &["v1"],
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
        true,
    ),
    (
        "",
        &["v1"],
        "LimitRange",
        "limitranges",
        true,
        &["limits"],
        false,
    ),
    (
        "",
        &["v1"],
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
        true,
    ),
    ("", &["v1"], "PodTemplate", "podtemplates", true, &[], false),
    (
        "apps",
        &["v1"],
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
    ),
    (
        "apps",
        &["v1"],
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        true,
    ),
    (
        "apps",
        &["v1"],
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
    ),
    (
        "apps",
        &["v1"],
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        true,
    ),
    (
        "apps",
        &["v1"],
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        false,
    ),
    ("batch", &["v1"], "Job", "jobs", true, &[], true),
    ("batch", &["v1"], "CronJob", "cronjobs", true, &["cj"], true),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "Role",
        "roles",
        true,
        &[],
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        false,
    ),
    (
        "apiextensions.k8s.io",
        &["v1"],
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        true,
    ),
    (
        "discovery.k8s.io",
        &["v1"],
        "EndpointSlice",
        "endpointslices",
        true,
        &[],
        false,
    ),
    (
        "coordination.k8s.io",
        &["v1"],
        "Lease",
        "leases",
        true,
        &[],
        false,
    ),
    (
        "networking.k8s.io",
        &["v1"],
        "Ingress",
        "ingresses",
        true,
        &["ing"],
        true,
    ),
    (
        "networking.k8s.io",
        &["v1"],
        "IngressClass",
        "ingressclasses",
        false,
        &[],
        false,
    ),
    (
        "networking.k8s.io",
        &["v1"],
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        false,
    ),
    (
        "policy",
        &["v1"],
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        true,
    ),
    (
        "autoscaling",
        &["v2", "v1"],
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        true,
    ),
    (
        "storage.k8s.io",
        &["v1"],
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        false,
    ),
    (
        "storage.k8s.io",
        &["v1"],
        "CSIDriver",
        "csidrivers",
        false,
        &[],
        false,
    ),
    (
        "scheduling.k8s.io",
        &["v1"],
        "PriorityClass",
        "priorityclasses",
        false,
        &["pc"],
        false,
    ),
    (
        "node.k8s.io",
        &["v1"],
        "RuntimeClass",
        "runtimeclasses",
        false,
        &[],
        false,
    ),
    (
        "admissionregistration.k8s.io",
        &["v1"],
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
        false,
    ),
    (
        "admissionregistration.k8s.io",
        &["v1"],
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        &[],
        false,
    ),
    (
        "apiregistration.k8s.io",
        &["v1"],
        "APIService",
        "apiservices",
        false,
        &[],
        true,
    ),
    (
        "events.k8s.io",
        &["v1"],
        "Event",
        "events",
        true,
        &["ev"],
        false,
    ),
    (
        "certificates.k8s.io",
        &["v1"],
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
        &["csr"],
        true,
    ),
];

/// Create-only review resources: (group, kind, plural, namespaced).
const REVIEWS: &[(&str, &str, &str, bool)] = &[
    (
        "authorization.k8s.io",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "SubjectAccessReview",
        "subjectaccessreviews",
        false,
    ),
    (
        "authorization.k8s.io",
        "LocalSubjectAccessReview",
        "localsubjectaccessreviews",
        true,
    ),
    (
        "authentication.k8s.io",
        "TokenReview",
        "tokenreviews",
        false,
    ),
    (
        "authentication.k8s.io",
        "SelfSubjectReview",
        "selfsubjectreviews",
        false,
    ),
];

/// All resources that currently exist.
#[derive(Debug, Clone)]
pub struct Registry {
    resources: BTreeMap<ResKey, ResourceInfo>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        let mut resources = BTreeMap::new();
        for (group, versions, kind, plural, namespaced, short, status) in BUILTINS {
            let info = ResourceInfo {
                group: group.to_string(),
                versions: versions.iter().map(|v| v.to_string()).collect(),
                kind: kind.to_string(),
                plural: plural.to_string(),
                singular: kind.to_lowercase(),
                namespaced: *namespaced,
                short_names: short.iter().map(|s| s.to_string()).collect(),
                categories: if [
                    "pods",
                    "services",
                    "deployments",
                    "replicasets",
                    "statefulsets",
                    "daemonsets",
                    "jobs",
                    "cronjobs",
                    "replicationcontrollers",
                    "horizontalpodautoscalers",
                ]
                .contains(plural)
                    && !group.starts_with("events")
                {
                    vec!["all".to_string()]
                } else {
                    vec![]
                },
                status: *status,
                scale: [
                    "deployments",
                    "replicasets",
                    "statefulsets",
                    "replicationcontrollers",
                ]
                .contains(plural),
                create_only: false,
                builtin: true,
                from_crd: false,
            };
            resources.insert(info.key(), info);
        }
        for (group, kind, plural, namespaced) in REVIEWS {
            let info = ResourceInfo {
                group: group.to_string(),
                versions: vec!["v1".to_string()],
                kind: kind.to_string(),
                plural: plural.to_string(),
                singular: kind.to_lowercase(),
                namespaced: *namespaced,
                short_names: vec![],
                categories: vec![],
                status: false,
                scale: false,
                create_only: true,
                builtin: true,
                from_crd: false,
            };
            resources.insert(info.key(), info);
        }
        Self { resources }
    }

    pub fn get(&self, key: &ResKey) -> Option<&ResourceInfo> {
        self.resources.get(key)
    }

    pub fn all(&self) -> impl Iterator<Item = &ResourceInfo> {
        self.resources.values()
    }

    /// The resource for `apiVersion` + `kind`, if it exists and serves that version.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceInfo> {
        let (group, version) = split_api_version(api_version);
        self.resources.values().find(|r| {
            r.group == group
                && r.kind == kind
                && !r.create_only
                && r.versions.iter().any(|v| v == version)
        })
    }

    /// The resource for a group and kind, any version.
    pub fn by_group_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.resources
            .values()
            .find(|r| r.group == group && r.kind == kind && !r.create_only)
    }

    /// Group → served versions (preferred first), for `/apis`.
    pub fn groups(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in self.resources.values() {
            let e = out.entry(r.group.clone()).or_default();
            for v in &r.versions {
                if !e.contains(v) {
                    e.push(v.clone());
                }
            }
        }
        for versions in out.values_mut() {
            sort_versions(versions);
        }
        out
    }

    /// Adds (or refreshes) the resource a CRD object defines. Returns its key.
    pub fn register_crd(&mut self, crd: &Value) -> Result<ResKey, String> {
        let spec = crd
            .get("spec")
            .ok_or("CustomResourceDefinition has no spec")?;
        let group = spec
            .get("group")
            .and_then(Value::as_str)
            .ok_or("CRD spec.group is missing")?;
        let names = spec.get("names").ok_or("CRD spec.names is missing")?;
        let plural = names
            .get("plural")
            .and_then(Value::as_str)
            .ok_or("CRD spec.names.plural is missing")?;
        let kind = names
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("CRD spec.names.kind is missing")?;
        let str_list = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut versions = Vec::new();
        let mut status = false;
        let mut scale = false;
        for v in spec
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = v.get("name").and_then(Value::as_str) else {
                continue;
            };
            if v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            versions.push(name.to_string());
            let sub = v.get("subresources");
            status |= sub.and_then(|s| s.get("status")).is_some();
            scale |= sub.and_then(|s| s.get("scale")).is_some();
        }
        if versions.is_empty() {
            if let Some(v) = spec.get("version").and_then(Value::as_str) {
                versions.push(v.to_string());
            } else {
                return Err("CRD serves no version".into());
            }
        }
        status |= spec
            .get("subresources")
            .and_then(|s| s.get("status"))
            .is_some();
        sort_versions(&mut versions);
        let key = ResKey::new(group, plural);
        let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
        if let Some(existing) = self.resources.get_mut(&key)
            && existing.builtin
        {
            for v in versions {
                if !existing.versions.contains(&v) {
                    existing.versions.push(v);
                }
            }
            sort_versions(&mut existing.versions);
            existing.from_crd = true;
            return Ok(key);
        }
        let info = ResourceInfo {
            group: group.to_string(),
            versions,
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: names
                .get("singular")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| kind.to_lowercase()),
            namespaced,
            short_names: str_list(names.get("shortNames")),
            categories: str_list(names.get("categories")),
            status,
            scale,
            create_only: false,
            builtin: false,
            from_crd: true,
        };
        self.resources.insert(key.clone(), info);
        Ok(key)
    }

    /// Removes what a deleted CRD defined. Returns true when the resource no longer exists.
    pub fn unregister_crd(&mut self, crd: &Value) -> Option<ResKey> {
        let spec = crd.get("spec")?;
        let group = spec.get("group")?.as_str()?;
        let plural = spec.get("names")?.get("plural")?.as_str()?;
        let key = ResKey::new(group, plural);
        match self.resources.get_mut(&key) {
            Some(r) if r.builtin => {
                r.from_crd = false;
                None
            }
            Some(_) => {
                self.resources.remove(&key);
                Some(key)
            }
            None => None,
        }
    }

    /// Resolves a name typed on a command line style lookup (plural, singular, short name, kind).
    pub fn resolve(&self, group: &str, name: &str) -> Option<&ResourceInfo> {
        self.resources.get(&ResKey::new(group, name))
    }
}

/// Splits `group/version` (or `v1`) into (group, version).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_order() {
        let mut v: Vec<String> = ["v1alpha1", "v1beta1", "v1", "v2", "v1alpha2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort_versions(&mut v);
        assert_eq!(v, ["v2", "v1", "v1beta1", "v1alpha2", "v1alpha1"]);
    }

    #[test]
    fn crd_for_builtin_is_accepted() {
        let mut r = Registry::new();
        let crd = serde_json::json!({"spec": {"group": "apps", "names": {"plural": "deployments", "kind": "Deployment"},
            "scope": "Namespaced", "versions": [{"name": "v1", "served": true}]}});
        assert_eq!(
            r.register_crd(&crd).unwrap(),
            ResKey::new("apps", "deployments")
        );
        assert!(r.get(&ResKey::new("apps", "deployments")).unwrap().builtin);
        assert!(r.unregister_crd(&crd).is_none());
        assert!(r.get(&ResKey::new("apps", "deployments")).is_some());
    }
}
