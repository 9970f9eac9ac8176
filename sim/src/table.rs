//! Server-side printing: the `meta.k8s.io/v1` `Table` kubectl asks for (`Accept: …;as=Table`), so
//! `kubectl get` prints the usual columns (pods: READY, STATUS, RESTARTS; deployments; services;
//! namespaces; CRDs: their `additionalPrinterColumns`). Other kinds get NAME and AGE.

use serde_json::{Value, json};

use crate::resources::ResourceInfo;
use crate::util::now_secs;

/// `5s`, `3m`, `4h`, `2d` since an RFC 3339 timestamp.
pub fn age(ts: &str) -> String {
    let Some(secs) = parse_rfc3339(ts) else {
        return "<unknown>".into();
    };
    let d = (now_secs() - secs).max(0);
    match d {
        d if d < 120 => format!("{d}s"),
        d if d < 7200 => format!("{}m", d / 60),
        d if d < 172_800 => format!("{}h", d / 3600),
        d => format!("{}d", d / 86_400),
    }
}

fn parse_rfc3339(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| ts.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Evaluates the simple JSONPath forms CRD printer columns use: `.a.b`, `.a[0].b`,
/// `.a[?(@.type=="Ready")].status`.
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = obj;
    let mut rest = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = &r[..end];
            rest = r[end + 1..].trim_start_matches('.');
            if let Some(filter) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                let (k, v) = filter.split_once("==")?;
                let v = v.trim().trim_matches('"').trim_matches('\'');
                cur = cur
                    .as_array()?
                    .iter()
                    .find(|i| i.get(k.trim()).and_then(Value::as_str) == Some(v))?;
            } else {
                cur = cur.get(inner.parse::<usize>().ok()?)?;
            }
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        cur = cur.get(&rest[..end])?;
        rest = rest[end..].trim_start_matches('.');
    }
    Some(cur)
}

fn text(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => json!(""),
        Some(Value::String(s)) => json!(s),
        Some(other) => json!(other.to_string()),
    }
}

fn col(name: &str, ty: &str) -> Value {
    json!({"name": name, "type": ty, "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": 0})
}

fn s<'a>(o: &'a Value, p: &str) -> &'a str {
    o.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

fn pod_cells(o: &Value) -> Vec<Value> {
    let statuses = o
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array);
    let total = o
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);
    let ready = statuses
        .map(|a| {
            a.iter()
                .filter(|c| c.get("ready") == Some(&json!(true)))
                .count()
        })
        .unwrap_or(0);
    let restarts: i64 = statuses
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
                .sum()
        })
        .unwrap_or(0);
    let waiting = statuses.and_then(|a| {
        a.iter().find_map(|c| {
            c.pointer("/state/waiting/reason")
                .and_then(Value::as_str)
                .map(String::from)
        })
    });
    let status = waiting
        .or_else(|| {
            o.pointer("/status/reason")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| s(o, "/status/phase").to_string());
    vec![
        json!(format!("{ready}/{total}")),
        json!(status),
        json!(restarts),
    ]
}

/// Extra columns, a function giving their cells for one object, and whether AGE is appended.
type Layout = (Vec<Value>, Box<dyn Fn(&Value) -> Vec<Value>>, bool);

/// Columns and per-object cells (after NAME, before AGE where the kind has one).
fn layout(info: &ResourceInfo, crd: Option<&Value>) -> Layout {
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "pods") => (
            vec![
                col("Ready", "string"),
                col("Status", "string"),
                col("Restarts", "string"),
            ],
            Box::new(pod_cells),
            true,
        ),
        ("", "namespaces") => (
            vec![col("Status", "string")],
            Box::new(|o| vec![json!(s(o, "/status/phase"))]),
            true,
        ),
        ("apps", "deployments") => (
            vec![
                col("Ready", "string"),
                col("Up-to-date", "integer"),
                col("Available", "integer"),
            ],
            Box::new(|o| {
                let n = |p: &str| o.pointer(p).and_then(Value::as_i64).unwrap_or(0);
                vec![
                    json!(format!(
                        "{}/{}",
                        n("/status/readyReplicas"),
                        o.pointer("/spec/replicas")
                            .and_then(Value::as_i64)
                            .unwrap_or(1)
                    )),
                    json!(n("/status/updatedReplicas")),
                    json!(n("/status/availableReplicas")),
                ]
            }),
            true,
        ),
        ("", "services") => (
            vec![
                col("Type", "string"),
                col("Cluster-IP", "string"),
                col("External-IP", "string"),
                col("Port(s)", "string"),
            ],
            Box::new(|o| {
                let ports: Vec<String> = o
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|p| {
                                let proto = if s(p, "/protocol").is_empty() {
                                    "TCP"
                                } else {
                                    s(p, "/protocol")
                                };
                                format!(
                                    "{}/{proto}",
                                    p.get("port").map(|v| v.to_string()).unwrap_or_default()
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let ty = if s(o, "/spec/type").is_empty() {
                    "ClusterIP"
                } else {
                    s(o, "/spec/type")
                };
                let ip = if s(o, "/spec/clusterIP").is_empty() {
                    "<none>"
                } else {
                    s(o, "/spec/clusterIP")
                };
                vec![
                    json!(ty),
                    json!(ip),
                    json!("<none>"),
                    json!(ports.join(",")),
                ]
            }),
            true,
        ),
        _ => {
            let printer: Vec<Value> = crd
                .and_then(|c| c.pointer("/spec/versions").and_then(Value::as_array))
                .and_then(|vs| {
                    vs.iter()
                        .find(|v| v.get("additionalPrinterColumns").is_some())
                })
                .and_then(|v| {
                    v.get("additionalPrinterColumns")
                        .and_then(Value::as_array)
                        .cloned()
                })
                .unwrap_or_default();
            if printer.is_empty() {
                return (vec![], Box::new(|_| vec![]), true);
            }
            let cols = printer
                .iter()
                .map(|c| {
                    col(
                        c.get("name").and_then(Value::as_str).unwrap_or_default(),
                        c.get("type").and_then(Value::as_str).unwrap_or("string"),
                    )
                })
                .collect();
            let has_age = printer
                .iter()
                .any(|c| c.get("name").and_then(Value::as_str) == Some("Age"));
            (
                cols,
                Box::new(move |o| {
                    printer
                        .iter()
                        .map(|c| {
                            let v = json_path(
                                o,
                                c.get("jsonPath")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default(),
                            );
                            if c.get("type").and_then(Value::as_str) == Some("date") {
                                json!(v.and_then(Value::as_str).map(age).unwrap_or_default())
                            } else {
                                text(v)
                            }
                        })
                        .collect()
                }),
                !has_age,
            )
        }
    }
}

/// Renders objects as a Table. `crd` is the resource's CRD when it has one (printer columns).
pub fn table(
    info: &ResourceInfo,
    crd: Option<&Value>,
    objects: &[Value],
    list_meta: Value,
) -> Value {
    let (mid, cells, with_age) = layout(info, crd);
    let mut columns = vec![col("Name", "string")];
    columns.extend(mid);
    if with_age {
        columns.push(col("Age", "string"));
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut c = vec![json!(s(o, "/metadata/name"))];
            c.extend(cells(o));
            if with_age {
                c.push(json!(age(s(o, "/metadata/creationTimestamp"))));
            }
            let mut meta = o.get("metadata").cloned().unwrap_or(json!({}));
            if let Some(m) = meta.as_object_mut() {
                m.remove("managedFields");
            }
            json!({"cells": c, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": columns, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        let o =
            json!({"status": {"conditions": [{"type": "Ready", "status": "True"}], "url": "u"}});
        assert_eq!(json_path(&o, ".status.url"), Some(&json!("u")));
        assert_eq!(
            json_path(&o, ".status.conditions[?(@.type==\"Ready\")].status"),
            Some(&json!("True"))
        );
        assert_eq!(
            json_path(&o, ".status.conditions[0].type"),
            Some(&json!("Ready"))
        );
        assert_eq!(json_path(&o, ".status.missing"), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01Z"), Some(86_401));
        assert_eq!(
            parse_rfc3339(&crate::util::rfc3339(1_700_000_000)),
            Some(1_700_000_000)
        );
    }
}
