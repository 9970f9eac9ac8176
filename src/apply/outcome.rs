//! What applying one object did (created / configured / unchanged), decided without writing.
//!
//! How the engine decides (documented choice):
//! - a real apply does one `GET` then one server-side apply `PATCH`. Missing before → `created`;
//!   same `resourceVersion` before and after → `unchanged` (the API server does not bump it for
//!   a no-op apply); otherwise `configured`.
//! - `--dry-run` sends only the `GET` (no dry-run PATCH: a dry run must not even look like a write
//!   in the request log) and compares client-side: every field our manifest sets must already be
//!   present with the same value in the live object ([`desired_is_subset`]).

use serde::Serialize;
use serde_json::Value;

/// The result of applying one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// Classify a real apply from the resourceVersion before (None: object absent) and after.
pub fn classify(before: Option<&str>, after: Option<&str>) -> Outcome {
    match before {
        None => Outcome::Created,
        Some(b) if after == Some(b) => Outcome::Unchanged,
        Some(_) => Outcome::Configured,
    }
}

/// Classify what an apply WOULD do, for `--dry-run`, from the live object (None: absent).
pub fn predict(desired: &Value, live: Option<&Value>) -> Outcome {
    match live {
        None => Outcome::Created,
        Some(live) if desired_is_subset(desired, live) => Outcome::Unchanged,
        Some(_) => Outcome::Configured,
    }
}

/// True when every field set in `desired` has the same value in `live`. Objects compare key by
/// key (extra live keys are fine: defaults, status, other managers); lists compare by length and
/// element-wise (server-side apply replaces atomic lists and merges keyed ones in place);
/// scalars compare for equality.
pub fn desired_is_subset(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => d.iter().all(|(key, dv)| match l.get(key) {
            Some(lv) => desired_is_subset(dv, lv),
            None => dv.is_null(),
        }),
        (Value::Array(d), Value::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(dv, lv)| desired_is_subset(dv, lv))
        }
        (d, l) => d == l,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classify_by_resource_version() {
        assert_eq!(classify(None, Some("5")), Outcome::Created);
        assert_eq!(classify(Some("5"), Some("5")), Outcome::Unchanged);
        assert_eq!(classify(Some("5"), Some("6")), Outcome::Configured);
        assert_eq!(classify(Some("5"), None), Outcome::Configured);
    }

    #[test]
    fn subset_ignores_server_added_fields() {
        let desired = json!({"metadata": {"name": "a", "labels": {"x": "1"}},
            "spec": {"list": [{"name": "c", "env": [1, 2]}]}});
        let live = json!({"metadata": {"name": "a", "labels": {"x": "1", "other": "2"},
            "resourceVersion": "9", "uid": "u"},
            "spec": {"list": [{"name": "c", "env": [1, 2], "image": "i"}], "replicas": 1},
            "status": {"stage": "complete"}});
        assert!(desired_is_subset(&desired, &live));
        assert_eq!(predict(&desired, Some(&live)), Outcome::Unchanged);
    }

    #[test]
    fn subset_sees_changed_missing_and_reordered_values() {
        let live = json!({"spec": {"a": "1", "l": [1, 2]}});
        assert!(!desired_is_subset(&json!({"spec": {"a": "2"}}), &live));
        assert!(!desired_is_subset(&json!({"spec": {"b": "1"}}), &live));
        assert!(!desired_is_subset(&json!({"spec": {"l": [2, 1]}}), &live));
        assert!(!desired_is_subset(&json!({"spec": {"l": [1]}}), &live));
        assert_eq!(
            predict(&json!({"spec": {"a": "2"}}), Some(&live)),
            Outcome::Configured
        );
        assert_eq!(predict(&json!({}), None), Outcome::Created);
    }
}
