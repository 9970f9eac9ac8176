//! Discovery documents: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/{g}`, `/apis/{g}/{v}`, and
//! the minimal OpenAPI v3 documents `kubectl apply --server-side` needs (one PATCH operation per
//! kind listing the `fieldValidation` query parameter, tagged with `x-kubernetes-group-version-kind`).
//! Aggregated discovery is not offered: kubectl asks for it, gets plain JSON and falls back.

use serde_json::{Value, json};

use crate::resources::{Registry, ResourceInfo};

pub fn version() -> Value {
    json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0-sim", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64"})
}

pub fn api_versions(addr: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr}]})
}

fn group_entry(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({"name": name, "versions": vs, "preferredVersion": vs.first().cloned().unwrap_or(Value::Null)})
}

pub fn api_group_list(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_entry(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(reg: &Registry, group: &str) -> Option<Value> {
    let groups = reg.groups();
    let vs = groups.get(group)?;
    let mut g = group_entry(group, vs);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

fn subresources(r: &ResourceInfo) -> Vec<(String, String, Vec<&'static str>)> {
    let mut out = Vec::new();
    if r.status {
        out.push((
            "status".to_string(),
            r.kind.clone(),
            vec!["get", "patch", "update"],
        ));
    }
    if r.scale {
        out.push((
            "scale".to_string(),
            "Scale".to_string(),
            vec!["get", "patch", "update"],
        ));
    }
    match (r.group.as_str(), r.plural.as_str()) {
        ("", "pods") => {
            out.push(("log".into(), "Pod".into(), vec!["get"]));
            out.push((
                "proxy".into(),
                "PodProxyOptions".into(),
                vec!["create", "delete", "get", "patch", "update"],
            ));
        }
        ("", "services") => out.push((
            "proxy".into(),
            "ServiceProxyOptions".into(),
            vec!["create", "delete", "get", "patch", "update"],
        )),
        ("", "serviceaccounts") => {
            out.push(("token".into(), "TokenRequest".into(), vec!["create"]))
        }
        _ => {}
    }
    out
}

/// The APIResourceList for one group-version, or None when nothing is served there.
pub fn resource_list(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for r in reg
        .all()
        .filter(|r| r.group == group && r.versions.iter().any(|v| v == version))
    {
        let mut e = json!({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
            "verbs": r.verbs()});
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            e["categories"] = json!(r.categories);
        }
        resources.push(e);
        for (sub, kind, verbs) in subresources(r) {
            let mut s = json!({"name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced,
                "kind": kind, "verbs": verbs});
            if sub == "token" {
                s["group"] = json!("authentication.k8s.io");
                s["version"] = json!("v1");
            }
            resources.push(s);
        }
    }
    if resources.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

fn hash(s: &str) -> String {
    format!(
        "{:016X}",
        s.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64)
            .wrapping_mul(0x100000001b3))
    )
}

/// `/openapi/v3`: one path per served group-version.
pub fn openapi_root(reg: &Registry) -> Value {
    let mut paths = serde_json::Map::new();
    for (g, vs) in reg.groups() {
        for v in vs {
            let p = if g.is_empty() {
                format!("api/{v}")
            } else {
                format!("apis/{g}/{v}")
            };
            let url = format!(
                "/openapi/v3/{p}?hash={}",
                hash(&format!("{p}{}", reg.all().count()))
            );
            paths.insert(p, json!({"serverRelativeURL": url}));
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/{api/v1|apis/g/v}`: a document with a PATCH operation per kind.
pub fn openapi_group_version(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    let gv = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let params = json!([
        {"name": "dryRun", "in": "query", "schema": {"type": "string"}, "uniqueItems": true},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string"}, "uniqueItems": true},
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}, "uniqueItems": true},
        {"name": "force", "in": "query", "schema": {"type": "boolean"}, "uniqueItems": true},
    ]);
    for r in reg
        .all()
        .filter(|r| r.group == group && !r.create_only && r.versions.iter().any(|v| v == version))
    {
        let path = if r.namespaced {
            format!("{gv}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{gv}/{}/{{name}}", r.plural)
        };
        let gvk = json!({"group": r.group, "version": version, "kind": r.kind});
        let op = |id: &str| {
            json!({"operationId": format!("{id}{}", r.kind), "parameters": params,
                "responses": {"200": {"description": "OK"}}, "x-kubernetes-action": id,
                "x-kubernetes-group-version-kind": gvk})
        };
        paths.insert(path, json!({"get": op("read"), "put": op("replace"), "patch": op("patch"), "delete": op("delete")}));
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0-sim"}, "paths": paths,
        "components": {"schemas": {}}}),
    )
}
