//! Writes that merge: server-side apply with field ownership (`managedFields`), ownership tracking
//! for ordinary updates, and the three PATCH flavours.
//!
//! Simplifications, documented here because clients can notice them:
//! - A list is *keyed* (merged item by item, owned per item as `k:{"name":…}`) when every item of it
//!   is an object with a string `name`; every other list is atomic (owned and replaced as a whole).
//!   Real SSA takes list types from the OpenAPI schema (`x-kubernetes-list-type`), which for the
//!   common cases (containers, env, ports, volumes, conditions…) agrees.
//! - A field conflicts when another manager owns it (or a field above or below it) and the applied
//!   value differs from the live one. Same values are shared ownership, as in real SSA.
//! - Strategic merge patch is JSON merge patch, except that the lists `containers`,
//!   `initContainers`, `ephemeralContainers`, `env`, `ports`, `volumes`, `volumeMounts` and
//!   `imagePullSecrets` are merged by `name`; `$patch` directives are not supported.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::util::now_rfc3339;

/// A path in fieldsV1 notation: `f:spec`, `f:replicas`, `k:{"name":"c"}`.
pub type Path = Vec<String>;
pub type FieldSet = BTreeSet<Path>;

const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "deletionTimestamp",
    "selfLink",
];

fn is_keyed(list: &[Value]) -> bool {
    !list.is_empty()
        && list
            .iter()
            .all(|i| i.get("name").is_some_and(Value::is_string))
}

fn item_key(item: &Value) -> String {
    let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
    format!("k:{}", json!({"name": name}))
}

/// The leaf fields an object sets (identity and server-set metadata excluded).
pub fn fields_of(obj: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(map) = obj.as_object() else {
        return out;
    };
    for (k, v) in map {
        if k == "apiVersion" || k == "kind" {
            continue;
        }
        if k == "metadata" {
            if let Some(m) = v.as_object() {
                for (mk, mv) in m {
                    if mk == "name" || mk == "namespace" || SERVER_FIELDS.contains(&mk.as_str()) {
                        continue;
                    }
                    walk(
                        mv,
                        &mut vec!["f:metadata".into(), format!("f:{mk}")],
                        &mut out,
                    );
                }
            }
            continue;
        }
        walk(v, &mut vec![format!("f:{k}")], &mut out);
    }
    out
}

fn walk(v: &Value, path: &mut Path, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                path.push(format!("f:{k}"));
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) if is_keyed(a) => {
            for item in a {
                path.push(item_key(item));
                walk(item, path, out);
                path.pop();
            }
        }
        // An empty map sets nothing a conflict or removal could be about.
        Value::Object(_) => {}
        _ => {
            out.insert(path.clone());
        }
    }
}

/// The fieldsV1 JSON for a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    fn insert(node: &mut Map<String, Value>, path: &[String]) {
        let Some((seg, rest)) = path.split_first() else {
            return;
        };
        let entry = node.entry(seg.clone()).or_insert_with(|| json!({}));
        if let Some(m) = entry.as_object_mut() {
            if seg.starts_with("k:") {
                m.entry(".").or_insert_with(|| json!({}));
            }
            insert(m, rest);
        }
    }
    let mut root = Map::new();
    for path in set {
        insert(&mut root, path);
    }
    Value::Object(root)
}

/// Parses fieldsV1 JSON into a set of leaf paths.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn rec(v: &Value, path: &mut Path, out: &mut FieldSet) {
        let Some(m) = v.as_object() else { return };
        let children: Vec<_> = m.iter().filter(|(k, _)| k.as_str() != ".").collect();
        if children.is_empty() {
            if !path.is_empty() {
                out.insert(path.clone());
            }
            return;
        }
        for (k, child) in children {
            path.push(k.clone());
            rec(child, path, out);
            path.pop();
        }
    }
    let mut out = FieldSet::new();
    rec(v, &mut Vec::new(), &mut out);
    out
}

/// The value at a path, if present.
pub fn get_path<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in path {
        if let Some(k) = seg.strip_prefix("f:") {
            cur = cur.get(k)?;
        } else if let Some(k) = seg.strip_prefix("k:") {
            let want: Value = serde_json::from_str(k).ok()?;
            let name = want.get("name")?;
            cur = cur
                .as_array()?
                .iter()
                .find(|i| i.get("name") == Some(name))?;
        } else {
            return None;
        }
    }
    Some(cur)
}

/// Removes the value at a path; then removes objects left empty along it.
pub fn remove_path(obj: &mut Value, path: &[String]) {
    fn rec(cur: &mut Value, path: &[String]) -> bool {
        let Some((seg, rest)) = path.split_first() else {
            return false;
        };
        if let Some(k) = seg.strip_prefix("f:") {
            let Some(m) = cur.as_object_mut() else {
                return false;
            };
            if rest.is_empty() {
                m.remove(k);
            } else if let Some(child) = m.get_mut(k)
                && rec(child, rest)
            {
                m.remove(k);
            }
            m.is_empty()
        } else if let Some(k) = seg.strip_prefix("k:") {
            let Ok(want) = serde_json::from_str::<Value>(k) else {
                return false;
            };
            let Some(a) = cur.as_array_mut() else {
                return false;
            };
            let name = want.get("name").cloned();
            if let Some(idx) = a.iter().position(|i| i.get("name") == name.as_ref())
                && (rest.is_empty() || rec(&mut a[idx], rest))
            {
                a.remove(idx);
            }
            a.is_empty()
        } else {
            false
        }
    }
    rec(obj, path);
}

/// Deep-merges an applied configuration into a live object (keyed lists merged by name).
pub fn merge_applied(live: &mut Value, applied: &Value) {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) => {
            for (k, v) in a {
                match l.get_mut(k) {
                    Some(slot) => merge_applied(slot, v),
                    None => {
                        l.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(a)) if is_keyed(a) && (l.is_empty() || is_keyed(l)) => {
            for item in a {
                let name = item.get("name");
                match l.iter_mut().find(|x| x.get("name") == name) {
                    Some(slot) => merge_applied(slot, item),
                    None => l.push(item.clone()),
                }
            }
        }
        (l, a) => *l = a.clone(),
    }
}

fn overlaps(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// One `managedFields` entry.
#[derive(Debug, Clone)]
pub struct Managed {
    pub manager: String,
    pub operation: String,
    pub subresource: String,
    pub api_version: String,
    pub time: String,
    pub fields: FieldSet,
}

pub fn read_managed(obj: &Value) -> Vec<Managed> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| {
                e.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            Managed {
                manager: s("manager"),
                operation: s("operation"),
                subresource: s("subresource"),
                api_version: s("apiVersion"),
                time: s("time"),
                fields: e.get("fieldsV1").map(from_fields_v1).unwrap_or_default(),
            }
        })
        .collect()
}

pub fn write_managed(obj: &mut Value, entries: &[Managed]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                "time": e.time, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&e.fields)});
            if !e.subresource.is_empty() {
                v["subresource"] = json!(e.subresource);
            }
            v
        })
        .collect();
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), Value::Array(list));
        }
    }
}

/// A field owned by another manager that an apply would change.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub manager: String,
    /// Dotted field path for messages (`.spec.replicas`, `.data.key`).
    pub field: String,
}

pub fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|s| {
            if let Some(f) = s.strip_prefix("f:") {
                format!(".{f}")
            } else if let Some(k) = s.strip_prefix("k:") {
                format!(
                    "[{}]",
                    k.replace('"', "").replace(['{', '}'], "").replace(':', "=")
                )
            } else {
                s.clone()
            }
        })
        .collect()
}

/// Server-side apply of `applied` by `manager` onto `live` (None: create). `subresource` is
/// "status" for applies to /status. Returns the new object or the conflicts.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    subresource: &str,
) -> Result<Value, Vec<Conflict>> {
    let applied_fields = fields_of(applied);
    let mut obj = live.cloned().unwrap_or_else(|| {
        json!({"apiVersion": applied.get("apiVersion"), "kind": applied.get("kind"), "metadata": {}})
    });
    let mut managed = read_managed(&obj);
    let mut conflicts = Vec::new();
    for entry in managed.iter_mut() {
        if entry.manager == manager && entry.operation == "Apply" {
            continue;
        }
        let mut lost = Vec::new();
        for p in &applied_fields {
            for q in entry.fields.iter().filter(|q| overlaps(p, q)) {
                let differs = get_path(&obj, p) != get_path(applied, p);
                if differs {
                    if entry.manager != manager {
                        conflicts.push(Conflict {
                            manager: entry.manager.clone(),
                            field: dotted(q),
                        });
                    }
                    lost.push(q.clone());
                }
            }
        }
        if force || entry.manager == manager {
            for q in lost {
                entry.fields.remove(&q);
            }
        }
    }
    conflicts.dedup();
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    // Fields this manager applied before and omits now, owned by nobody else, are removed.
    let before: FieldSet = managed
        .iter()
        .filter(|e| e.manager == manager && e.operation == "Apply" && e.subresource == subresource)
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    for p in before.difference(&applied_fields) {
        let owned_elsewhere = managed
            .iter()
            .filter(|e| !(e.manager == manager && e.operation == "Apply"))
            .any(|e| e.fields.iter().any(|q| overlaps(p, q)));
        let under_applied = applied_fields.iter().any(|q| overlaps(p, q));
        if !owned_elsewhere && !under_applied {
            remove_path(&mut obj, p);
        }
    }
    let mut body = applied.clone();
    if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
    merge_applied(&mut obj, &body);
    let api_version = applied
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    // As a real API server: an entry keeps its place, and its time changes only when the
    // manager's field set does, so a no-op apply leaves the object (and resourceVersion) untouched.
    match managed
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == "Apply" && e.subresource == subresource)
    {
        Some(e) => {
            if e.fields != applied_fields {
                e.time = now_rfc3339();
                e.fields = applied_fields;
            }
            e.api_version = api_version;
        }
        None => managed.push(Managed {
            manager: manager.to_string(),
            operation: "Apply".into(),
            subresource: subresource.to_string(),
            api_version,
            time: now_rfc3339(),
            fields: applied_fields,
        }),
    }
    write_managed(&mut obj, &managed);
    Ok(obj)
}

/// Records an ordinary write (create/update/patch) by `manager`: it takes ownership of every field
/// it changed; fields it removed leave every manager's set.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, subresource: &str) {
    let new_fields = fields_of(new);
    let old_fields = old.map(fields_of).unwrap_or_default();
    let changed: FieldSet = new_fields
        .iter()
        .filter(|p| old.is_none_or(|o| get_path(o, p) != get_path(new, p)))
        .cloned()
        .collect();
    let removed: FieldSet = old_fields.difference(&new_fields).cloned().collect();
    let mut managed = old.map(read_managed).unwrap_or_default();
    for e in managed.iter_mut() {
        e.fields
            .retain(|q| !(removed.contains(q) || e.manager != manager && changed.contains(q)));
    }
    if !changed.is_empty() {
        let api_version = new
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match managed.iter_mut().find(|e| {
            e.manager == manager && e.operation == "Update" && e.subresource == subresource
        }) {
            Some(e) => {
                e.fields.extend(changed);
                e.time = now_rfc3339();
            }
            None => managed.push(Managed {
                manager: manager.to_string(),
                operation: "Update".into(),
                subresource: subresource.to_string(),
                api_version,
                time: now_rfc3339(),
                fields: changed,
            }),
        }
    }
    write_managed(new, &managed);
}

const SMP_KEYED: &[&str] = &[
    "containers",
    "initContainers",
    "ephemeralContainers",
    "env",
    "ports",
    "volumes",
    "volumeMounts",
    "imagePullSecrets",
];

/// Strategic merge patch (simplified, see the module doc).
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let Some(t) = target.as_object_mut() else {
        return;
    };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
            continue;
        }
        if SMP_KEYED.contains(&k.as_str())
            && let (Some(Value::Array(cur)), Value::Array(items)) = (t.get_mut(k), v)
            && items.iter().all(|i| i.get("name").is_some())
        {
            for item in items {
                let name = item.get("name");
                match cur.iter_mut().find(|x| x.get("name") == name) {
                    Some(slot) => strategic_merge(slot, item),
                    None => cur.push(item.clone()),
                }
            }
            continue;
        }
        match t.get_mut(k) {
            Some(slot) if v.is_object() => strategic_merge(slot, v),
            _ => {
                let mut fresh = json!({});
                if v.is_object() {
                    strategic_merge(&mut fresh, v);
                    t.insert(k.clone(), fresh);
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_roundtrip() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}},
            "data": {"k": "v"}, "spec": {"containers": [{"name": "c", "image": "i"}], "args": ["a"]}});
        let f = fields_of(&obj);
        assert!(f.contains(&vec!["f:data".to_string(), "f:k".to_string()]));
        assert!(f.contains(&vec!["f:spec".to_string(), "f:args".to_string()]));
        assert!(f.contains(&vec![
            "f:spec".into(),
            "f:containers".into(),
            "k:{\"name\":\"c\"}".into(),
            "f:image".into()
        ]));
        assert_eq!(from_fields_v1(&to_fields_v1(&f)), f);
    }

    #[test]
    fn apply_conflict_force_and_removal() {
        let a1 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "1", "old": "o"}});
        let live = server_side_apply(None, &a1, "alpha", false, "").unwrap();
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "2"}});
        let err = server_side_apply(Some(&live), &b, "beta", false, "").unwrap_err();
        assert_eq!(
            err,
            vec![Conflict {
                manager: "alpha".into(),
                field: ".data.k".into()
            }]
        );
        let same = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "1"}});
        assert!(server_side_apply(Some(&live), &same, "beta", false, "").is_ok());
        let forced = server_side_apply(Some(&live), &b, "beta", true, "").unwrap();
        assert_eq!(forced["data"]["k"], "2");
        let a2 =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}});
        let after = server_side_apply(Some(&forced), &a2, "alpha", false, "").unwrap();
        assert_eq!(
            after["data"],
            json!({"k": "2"}),
            "alpha's omitted field is removed, beta's kept"
        );
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}});
        strategic_merge(
            &mut t,
            &json!({"spec": {"containers": [{"name": "b", "image": "2"}]}, "x": null}),
        );
        assert_eq!(t["spec"]["containers"][0]["image"], "1");
        assert_eq!(t["spec"]["containers"][1]["image"], "2");
    }
}
