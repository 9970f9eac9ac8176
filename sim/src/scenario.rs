//! Loading a scenario: multi-document Kubernetes YAML (as `kubectl get -o yaml` prints it, `kind: List`
//! included) into the store.
//!
//! Rules: documents of kind `SimConfig` are consumed into [`SimConfig`] (their `spec`s are merged in
//! order, later keys winning); a later document with the same identity (group, kind, namespace,
//! name) replaces an earlier one; `SimConfig.remove` entries delete what earlier documents defined.
//! So a failure scenario is a base file followed by an overlay. Every CRD in the scenario is
//! registered before any other object is checked, so order does not matter. An object whose kind
//! is neither built in nor defined by a CRD is an error naming the kind. Namespaces that objects use
//! but no document defines are created, as are the standard bootstrap ClusterRoles when absent.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::config::{SIM_KIND, SimConfig};
use crate::error::SimError;
use crate::resources::{ResKey, split_api_version};
use crate::store::{Store, UserInfo, fill_new_metadata, set_str};

/// One YAML document's object and where it came from.
#[derive(Debug, Clone)]
pub struct Doc {
    pub fixture: String,
    pub index: usize,
    pub object: Value,
}

/// Splits YAML text into documents at `---` lines (column 0); returns (1-based index, text).
pub fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut idx = 1;
    for line in text.lines() {
        let is_sep = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if is_sep || line == "..." {
            if !cur.trim().is_empty() {
                docs.push((idx, std::mem::take(&mut cur)));
            }
            cur.clear();
            idx += 1;
            if let Some(rest) = line.strip_prefix("---")
                && !rest.trim().is_empty()
            {
                cur.push_str(rest);
                cur.push('\n');
            }
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        docs.push((idx, cur));
    }
    docs
}

/// Parses fixtures into documents, expanding `kind: List`.
pub fn parse_fixtures(fixtures: &[String], names: &[String]) -> Result<Vec<Doc>, SimError> {
    let mut out = Vec::new();
    for (fi, text) in fixtures.iter().enumerate() {
        let fixture = names
            .get(fi)
            .cloned()
            .unwrap_or_else(|| format!("fixture #{}", fi + 1));
        for (index, doc) in split_documents(text) {
            let value: Value = serde_saphyr::from_str(&doc).map_err(|e| SimError::Yaml {
                fixture: fixture.clone(),
                doc: index,
                message: e.to_string(),
            })?;
            match value {
                Value::Null => continue,
                Value::Object(_) => {}
                _ => {
                    return Err(SimError::InvalidObject {
                        fixture,
                        doc: index,
                        message: "expected a mapping with apiVersion, kind and metadata".into(),
                    });
                }
            }
            if value.get("kind").and_then(Value::as_str) == Some("List")
                || value.get("items").is_some_and(Value::is_array)
                    && value
                        .get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k.ends_with("List"))
            {
                for item in value
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(Doc {
                        fixture: fixture.clone(),
                        index,
                        object: item.clone(),
                    });
                }
            } else {
                out.push(Doc {
                    fixture: fixture.clone(),
                    index,
                    object: value,
                });
            }
        }
    }
    Ok(out)
}

fn merge_json(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge_json(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

type Identity = (String, String, String, String);

fn doc_identity(obj: &Value) -> Identity {
    let s = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let api_version = s("/apiVersion");
    let (group, _) = split_api_version(&api_version);
    (
        group.to_string(),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// Parses a `remove` entry (`apiVersion/kind/namespace/name` or `apiVersion/kind/name`; apiVersion
/// may itself contain a slash).
fn removal_identity(entry: &str) -> Option<Identity> {
    let parts: Vec<&str> = entry.split('/').collect();
    // Core group apiVersion is one segment ("v1"), others two ("apps/v1").
    let (group, rest) = if parts
        .first()
        .is_some_and(|p| crate::resources::version_priority(p).0 > 0)
    {
        (String::new(), &parts[1..])
    } else if parts.len() >= 2 {
        (parts[0].to_string(), &parts[2..])
    } else {
        return None;
    };
    match rest {
        [kind, name] => Some((group, kind.to_string(), String::new(), name.to_string())),
        [kind, ns, name] => Some((group, kind.to_string(), ns.to_string(), name.to_string())),
        _ => None,
    }
}

/// The result of reading documents: the objects to serve and the merged SimConfig.
pub struct Scenario {
    pub objects: Vec<Doc>,
    pub config: SimConfig,
}

/// Applies SimConfig consumption, replacement and removal.
pub fn resolve(docs: Vec<Doc>) -> Result<Scenario, SimError> {
    let mut order: Vec<Identity> = Vec::new();
    let mut by_id: HashMap<Identity, Doc> = HashMap::new();
    let mut spec = json!({});
    let mut removals = Vec::new();
    for doc in docs {
        let kind = doc
            .object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let api_version = doc
            .object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind.is_empty() || api_version.is_empty() {
            return Err(SimError::InvalidObject {
                fixture: doc.fixture,
                doc: doc.index,
                message: "apiVersion and kind are required".into(),
            });
        }
        if kind == SIM_KIND {
            let s = doc.object.get("spec").cloned().unwrap_or(json!({}));
            let parsed: SimConfig =
                serde_json::from_value(s.clone()).map_err(|e| SimError::Config {
                    fixture: doc.fixture.clone(),
                    doc: doc.index,
                    message: e.to_string(),
                })?;
            for entry in &parsed.remove {
                let id = removal_identity(entry).ok_or_else(|| SimError::Config {
                    fixture: doc.fixture.clone(),
                    doc: doc.index,
                    message: format!(
                        "remove entry {entry:?} is not apiVersion/kind/namespace/name (or apiVersion/kind/name)"
                    ),
                })?;
                if by_id.remove(&id).is_none() {
                    // Cluster-scoped objects may have been written with an empty namespace either way.
                    let alt = (id.0.clone(), id.1.clone(), String::new(), id.3.clone());
                    by_id.remove(&alt);
                }
                removals.push(entry.clone());
            }
            merge_json(&mut spec, &s);
            continue;
        }
        if doc
            .object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(SimError::InvalidObject {
                fixture: doc.fixture,
                doc: doc.index,
                message: format!("{api_version} {kind} has no metadata.name"),
            });
        }
        let id = doc_identity(&doc.object);
        if !by_id.contains_key(&id) {
            order.push(id.clone());
        }
        by_id.insert(id, doc);
    }
    let mut config: SimConfig = serde_json::from_value(spec).map_err(|e| SimError::Config {
        fixture: "scenario".into(),
        doc: 0,
        message: e.to_string(),
    })?;
    config.remove = removals;
    let objects = order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect();
    Ok(Scenario { objects, config })
}

/// Builds a store from fixture texts. `names` label fixtures in error messages.
pub fn load(fixtures: &[String], names: &[String], ca_pem: &str) -> Result<Store, SimError> {
    let scenario = resolve(parse_fixtures(fixtures, names)?)?;
    let mut store = Store::new(scenario.config, ca_pem.to_string());
    let crd_key = ResKey::new("apiextensions.k8s.io", "customresourcedefinitions");
    for doc in &scenario.objects {
        if doc.object.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition") {
            store
                .registry
                .register_crd(&doc.object)
                .map_err(|message| SimError::InvalidObject {
                    fixture: doc.fixture.clone(),
                    doc: doc.index,
                    message,
                })?;
        }
    }
    let mut namespaces_used = Vec::new();
    for doc in scenario.objects {
        let mut obj = doc.object;
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(info) = store.registry.by_kind(&api_version, &kind) else {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let (group, _) = split_api_version(&api_version);
            if let Some(other) = store.registry.by_group_kind(group, &kind) {
                return Err(SimError::UnservedVersion {
                    fixture: doc.fixture,
                    doc: doc.index,
                    served: other
                        .versions
                        .iter()
                        .map(|v| other.group_version(v))
                        .collect::<Vec<_>>()
                        .join(", "),
                    object: format!("{api_version} {kind} {name}"),
                    kind,
                });
            }
            return Err(SimError::UnknownKind {
                fixture: doc.fixture,
                doc: doc.index,
                name: obj
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                api_version,
                kind,
            });
        };
        let key = info.key();
        if info.namespaced {
            let ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let ns = if ns.is_empty() {
                "default".to_string()
            } else {
                ns
            };
            set_str(&mut obj, &["metadata", "namespace"], &ns);
            namespaces_used.push(ns);
        } else if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        fill_new_metadata(&mut obj);
        let _ = &crd_key;
        store.load(&key, obj);
    }
    let ns_key = ResKey::new("", "namespaces");
    namespaces_used.extend(["default", "kube-system", "kube-public"].map(String::from));
    for ns in namespaces_used {
        if store.get(&ns_key, "", &ns).is_none() {
            let mut obj = json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
            fill_new_metadata(&mut obj);
            store.load(&ns_key, obj);
        }
    }
    let cr_key = ResKey::new("rbac.authorization.k8s.io", "clusterroles");
    for role in crate::rbac::bootstrap_cluster_roles() {
        let name = role
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if store.get(&cr_key, "", &name).is_none() {
            let mut role = role;
            fill_new_metadata(&mut role);
            store.load(&cr_key, role);
        }
    }
    register_users(&mut store);
    crate::controllers::reconcile_all(&mut store);
    store.seal_history();
    Ok(store)
}

/// The admin user, SimConfig users, and tokens already present in service-account token Secrets.
fn register_users(store: &mut Store) {
    store.tokens.insert(
        "admin-token".into(),
        UserInfo {
            name: "admin".into(),
            uid: "admin".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
        },
    );
    for u in store.config.users.clone() {
        if u.token.is_empty() {
            continue;
        }
        if u.name == "admin" {
            store.tokens.retain(|_, v| v.name != "admin");
        }
        let mut groups = u.groups.clone();
        if !groups.iter().any(|g| g == "system:authenticated") {
            groups.push("system:authenticated".into());
        }
        store.tokens.insert(
            u.token.clone(),
            UserInfo {
                name: u.name.clone(),
                uid: u.name.clone(),
                groups,
            },
        );
    }
    crate::controllers::register_secret_tokens(store);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents() {
        let docs = split_documents("a: 1\n---\nb: |\n  ---x\n---\n\n--- \n...\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].0, 1);
        assert!(docs[1].1.contains("---x"));
    }

    #[test]
    fn removal_entries() {
        assert_eq!(
            removal_identity("v1/ConfigMap/ns/cm"),
            Some(("".into(), "ConfigMap".into(), "ns".into(), "cm".into()))
        );
        assert_eq!(
            removal_identity("apps/v1/Deployment/ns/d"),
            Some(("apps".into(), "Deployment".into(), "ns".into(), "d".into()))
        );
        assert_eq!(
            removal_identity("v1/Namespace/x"),
            Some(("".into(), "Namespace".into(), "".into(), "x".into()))
        );
        assert_eq!(removal_identity("nonsense"), None);
    }
}
