//! The two labels on every object we own, and the selector uninstall uses to find them.
//!
//! They are a contract (see `docs`/README): tools and users select our objects with
//! `app.kubernetes.io/managed-by=oc-llmd,app.kubernetes.io/part-of=llm-d-monitoring`.

use serde_json::{Map, Value};

pub const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "oc-llmd";
pub const PART_OF_KEY: &str = "app.kubernetes.io/part-of";
pub const PART_OF_VALUE: &str = "llm-d-monitoring";
/// The server-side apply field manager for every write we make.
pub const FIELD_MANAGER: &str = "oc-llmd";

/// The label selector matching objects carrying both of our labels.
pub fn selector() -> String {
    format!("{MANAGED_BY_KEY}={MANAGED_BY_VALUE},{PART_OF_KEY}={PART_OF_VALUE}")
}

/// Add our two labels to a manifest (creating `metadata.labels` when needed); other labels stay.
pub fn inject(manifest: &mut Value) {
    let Some(obj) = manifest.as_object_mut() else {
        return;
    };
    let metadata = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if !labels.is_object() {
        *labels = Value::Object(Map::new());
    }
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(MANAGED_BY_KEY.into(), MANAGED_BY_VALUE.into());
        labels.insert(PART_OF_KEY.into(), PART_OF_VALUE.into());
    }
}

/// True when a label map carries BOTH of our labels with our values.
pub fn is_ours(labels: Option<&std::collections::BTreeMap<String, String>>) -> bool {
    labels.is_some_and(|l| {
        l.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY_VALUE)
            && l.get(PART_OF_KEY).map(String::as_str) == Some(PART_OF_VALUE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn inject_adds_both_and_keeps_others() {
        let mut m = json!({"metadata": {"name": "x", "labels": {"dashboards": "g"}}});
        inject(&mut m);
        assert_eq!(m["metadata"]["labels"]["dashboards"], "g");
        assert_eq!(m["metadata"]["labels"][MANAGED_BY_KEY], "oc-llmd");
        assert_eq!(m["metadata"]["labels"][PART_OF_KEY], "llm-d-monitoring");
        let mut bare = json!({"kind": "Namespace"});
        inject(&mut bare);
        assert_eq!(bare["metadata"]["labels"][MANAGED_BY_KEY], "oc-llmd");
    }

    #[test]
    fn ours_needs_both_labels() {
        let mut l = BTreeMap::new();
        l.insert(MANAGED_BY_KEY.to_string(), "oc-llmd".to_string());
        assert!(!is_ours(Some(&l)));
        l.insert(PART_OF_KEY.to_string(), "llm-d-monitoring".to_string());
        assert!(is_ours(Some(&l)));
        l.insert(PART_OF_KEY.to_string(), "something-else".to_string());
        assert!(!is_ours(Some(&l)));
        assert!(!is_ours(None));
        assert_eq!(
            selector(),
            "app.kubernetes.io/managed-by=oc-llmd,app.kubernetes.io/part-of=llm-d-monitoring"
        );
    }
}
