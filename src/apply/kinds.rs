//! Which REST collection a manifest's `apiVersion` + `kind` lives in, without discovery.
//!
//! Install, uninstall and `fix` only ever write a handful of kinds; naming their plural and scope
//! here keeps the request log free of discovery calls. A kind not in the table falls back to the
//! Kubernetes naming rule (lower-case kind + `s`), scoped by whether the manifest names a namespace.

use kube::api::ApiResource;
use serde_json::Value;

use crate::error::{Error, Result};

/// One resource type: the REST coordinates needed to build an `Api<DynamicObject>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
}

/// (group, kind, plural, namespaced) for the kinds we write or delete.
const KNOWN: &[(&str, &str, &str, bool)] = &[
    ("", "Namespace", "namespaces", false),
    ("", "Secret", "secrets", true),
    ("", "ServiceAccount", "serviceaccounts", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Service", "services", true),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    ("grafana.integreatly.org", "Grafana", "grafanas", true),
    (
        "grafana.integreatly.org",
        "GrafanaDatasource",
        "grafanadatasources",
        true,
    ),
    (
        "grafana.integreatly.org",
        "GrafanaDashboard",
        "grafanadashboards",
        true,
    ),
    (
        "operators.coreos.com",
        "Subscription",
        "subscriptions",
        true,
    ),
    (
        "operators.coreos.com",
        "ClusterServiceVersion",
        "clusterserviceversions",
        true,
    ),
    ("networking.istio.io", "EnvoyFilter", "envoyfilters", true),
    ("route.openshift.io", "Route", "routes", true),
    (
        "serving.kserve.io",
        "LLMInferenceService",
        "llminferenceservices",
        true,
    ),
];

impl Kind {
    /// Build from `apiVersion` ("v1", "group/version") and `kind`; `has_namespace` is used only for
    /// kinds outside the table.
    pub fn from_type(api_version: &str, kind: &str, has_namespace: bool) -> Self {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let known = KNOWN.iter().find(|(g, k, _, _)| *g == group && *k == kind);
        let (plural, namespaced) = match known {
            Some((_, _, plural, namespaced)) => (plural.to_string(), *namespaced),
            None => (format!("{}s", kind.to_lowercase()), has_namespace),
        };
        Self {
            group,
            version,
            kind: kind.to_string(),
            plural,
            namespaced,
        }
    }

    /// The kind of a manifest (`apiVersion`, `kind` and `metadata.namespace` are read).
    pub fn of_manifest(manifest: &Value) -> Result<Self> {
        let api_version = manifest.get("apiVersion").and_then(Value::as_str);
        let kind = manifest.get("kind").and_then(Value::as_str);
        match (api_version, kind) {
            (Some(a), Some(k)) if !a.is_empty() && !k.is_empty() => {
                let has_ns = manifest
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .is_some_and(|ns| !ns.is_empty());
                Ok(Self::from_type(a, k, has_ns))
            }
            _ => Err(Error::usage(
                "a manifest lacks apiVersion or kind (internal plan error)",
            )),
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    /// `plural.group` as kubectl and RBAC messages name it.
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// One object: its kind, namespace (None for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectKey {
    /// The key of a manifest; fails when it has no name or a namespaced kind has no namespace.
    pub fn of_manifest(manifest: &Value) -> Result<Self> {
        let kind = Kind::of_manifest(manifest)?;
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::usage(format!("a {} manifest has no metadata.name", kind.kind)))?
            .to_string();
        let namespace = if kind.namespaced {
            let ns = manifest
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    Error::usage(format!("{} {name} has no metadata.namespace", kind.kind))
                })?;
            Some(ns.to_string())
        } else {
            None
        };
        Ok(Self {
            kind,
            namespace,
            name,
        })
    }

    /// `Kind/name` or `Kind/name -n ns`, the way results are printed.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{} (namespace {ns})", self.kind.kind, self.name),
            None => format!("{}/{}", self.kind.kind, self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_kinds_get_their_plural_and_scope() {
        let k = Kind::from_type("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", true);
        assert_eq!(k.plural, "clusterrolebindings");
        assert!(!k.namespaced);
        assert_eq!(k.display(), "clusterrolebindings.rbac.authorization.k8s.io");
        let s = Kind::from_type("v1", "Secret", false);
        assert_eq!((s.group.as_str(), s.plural.as_str()), ("", "secrets"));
        assert!(s.namespaced);
        assert_eq!(s.api_version(), "v1");
    }

    #[test]
    fn unknown_kinds_follow_the_naming_rule() {
        let k = Kind::from_type("example.com/v2", "Widget", true);
        assert_eq!(k.plural, "widgets");
        assert!(k.namespaced);
        assert_eq!(k.api_version(), "example.com/v2");
    }

    #[test]
    fn object_keys_need_name_and_namespace() {
        let ok = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns"}});
        let key = ObjectKey::of_manifest(&ok).unwrap();
        assert_eq!(key.namespace.as_deref(), Some("ns"));
        let no_ns = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        assert!(ObjectKey::of_manifest(&no_ns).is_err());
        let cluster = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
        assert_eq!(ObjectKey::of_manifest(&cluster).unwrap().namespace, None);
        assert!(ObjectKey::of_manifest(&json!({"kind": "Secret"})).is_err());
    }
}
