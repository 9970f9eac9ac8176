//! `--enable-uwm`: turn on user-workload monitoring in `openshift-monitoring/cluster-monitoring-config`
//! without losing anything else in its `config.yaml`. Pure: text in, text + manifest out.
//!
//! The existing `config.yaml` is parsed into a generic map, `enableUserWorkload: true` is set at the
//! top level and the map is written back: every other key and nested value survives (YAML comments
//! and key order do not — the document is re-serialised). Text that is not valid YAML, or whose top
//! level is not a map, is refused: we never replace a configuration we cannot read.
//!
//! The ConfigMap is not ours. The manifest we apply carries only `data.config.yaml` (no labels, so
//! uninstall can never select it) plus `metadata.resourceVersion` of the copy we read, which makes
//! the server reject the apply (409) if someone changed the ConfigMap in between. The apply is
//! forced so that ownership of exactly `data.config.yaml` moves to our field manager; every other
//! field keeps its manager. When the ConfigMap does not exist it is created with just that key.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

pub const CMO_NAMESPACE: &str = "openshift-monitoring";
pub const CMO_CONFIGMAP: &str = "cluster-monitoring-config";
pub const CMO_KEY: &str = "config.yaml";
pub const UWM_KEY: &str = "enableUserWorkload";

/// The ConfigMap as read in pre-flight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentCmo {
    pub resource_version: Option<String>,
    /// `data["config.yaml"]`; None when the key is absent.
    pub config_yaml: Option<String>,
}

/// What `--enable-uwm` must do.
#[derive(Debug, Clone, PartialEq)]
pub enum CmoChange {
    /// `enableUserWorkload: true` is already set: nothing to write.
    AlreadyEnabled,
    /// Apply this ConfigMap (creating it when `creates`).
    Apply {
        config_yaml: String,
        manifest: Value,
        creates: bool,
    },
}

/// Parse `config.yaml` into its top-level map (empty text = empty map).
pub fn parse(config_yaml: &str) -> Result<Map<String, Value>> {
    let refuse = |why: String| {
        Error::failed(format!(
            "{CMO_NAMESPACE}/{CMO_CONFIGMAP} has a {CMO_KEY} we cannot read ({why}); \
             refusing to change it"
        ))
        .with_hint(format!(
            "fix it with `oc edit configmap {CMO_CONFIGMAP} -n {CMO_NAMESPACE}` \
             (add `{UWM_KEY}: true`), then re-run without --enable-uwm"
        ))
    };
    if config_yaml.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: Value =
        serde_saphyr::from_str(config_yaml).map_err(|e| refuse(format!("invalid YAML: {e}")))?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(refuse(format!(
            "its top level is a {} instead of a map",
            type_name(&other)
        ))),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// True when `config.yaml` sets `enableUserWorkload: true` (unreadable text counts as false).
pub fn uwm_enabled(config_yaml: Option<&str>) -> bool {
    config_yaml
        .and_then(|text| parse(text).ok())
        .is_some_and(|map| map.get(UWM_KEY) == Some(&Value::Bool(true)))
}

/// Decide the change for `--enable-uwm` from the current ConfigMap (None: it does not exist).
pub fn enable_uwm(current: Option<&CurrentCmo>) -> Result<CmoChange> {
    let mut map = match current.and_then(|c| c.config_yaml.as_deref()) {
        Some(text) => parse(text)?,
        None => Map::new(),
    };
    if map.get(UWM_KEY) == Some(&Value::Bool(true)) {
        return Ok(CmoChange::AlreadyEnabled);
    }
    map.insert(UWM_KEY.to_string(), Value::Bool(true));
    let config_yaml = serde_saphyr::to_string(&Value::Object(map))
        .map_err(|e| Error::failed(format!("cannot write {CMO_KEY}: {e}")))?;
    let mut metadata = json!({"name": CMO_CONFIGMAP, "namespace": CMO_NAMESPACE});
    if let Some(rv) = current.and_then(|c| c.resource_version.as_deref()) {
        metadata["resourceVersion"] = Value::String(rv.to_string());
    }
    let manifest = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {CMO_KEY: config_yaml},
    });
    Ok(CmoChange::Apply {
        config_yaml,
        manifest,
        creates: current.is_none(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(text: &str) -> CurrentCmo {
        CurrentCmo {
            resource_version: Some("42".into()),
            config_yaml: Some(text.into()),
        }
    }

    fn applied_text(change: CmoChange) -> (String, Value) {
        match change {
            CmoChange::Apply {
                config_yaml,
                manifest,
                ..
            } => (config_yaml, manifest),
            CmoChange::AlreadyEnabled => panic!("expected a change"),
        }
    }

    #[test]
    fn preserves_every_other_key_including_nested_ones() {
        let before = "\
# a comment that is lost
prometheusK8s:
  retention: 15d
  volumeClaimTemplate:
    spec:
      resources:
        requests:
          storage: 40Gi
  nodeSelector:
    node-role.kubernetes.io/infra: \"\"
alertmanagerMain:
  enableUserAlertmanagerConfig: true
telemeterClient:
  enabled: false
enableUserWorkload: false
quoted: \"true\"
list: [a, 1, {b: c}]
";
        let (text, manifest) = applied_text(enable_uwm(Some(&current(before))).unwrap());
        let after = parse(&text).unwrap();
        let mut expected = parse(before).unwrap();
        expected.insert(UWM_KEY.into(), Value::Bool(true));
        assert_eq!(after, expected);
        assert_eq!(after["quoted"], Value::String("true".into()));
        assert_eq!(
            after["prometheusK8s"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"],
            "40Gi"
        );
        assert!(uwm_enabled(Some(&text)));
        assert_eq!(manifest["metadata"]["resourceVersion"], "42");
        assert_eq!(manifest["data"][CMO_KEY], Value::String(text));
        assert!(manifest["metadata"].get("labels").is_none());
    }

    #[test]
    fn creates_when_absent() {
        let change = enable_uwm(None).unwrap();
        let CmoChange::Apply {
            config_yaml,
            manifest,
            creates,
        } = change
        else {
            panic!("expected a change");
        };
        assert!(creates);
        assert!(uwm_enabled(Some(&config_yaml)));
        assert!(manifest["metadata"].get("resourceVersion").is_none());
        assert_eq!(manifest["metadata"]["namespace"], CMO_NAMESPACE);
        // Present but without config.yaml, or empty: still a change, not a create.
        let empty = CurrentCmo {
            resource_version: Some("1".into()),
            config_yaml: None,
        };
        assert!(matches!(
            enable_uwm(Some(&empty)).unwrap(),
            CmoChange::Apply { creates: false, .. }
        ));
        assert!(matches!(
            enable_uwm(Some(&current("  \n"))).unwrap(),
            CmoChange::Apply { creates: false, .. }
        ));
    }

    #[test]
    fn already_enabled_changes_nothing() {
        let c = current("enableUserWorkload: true\nprometheusK8s: {retention: 1d}\n");
        assert_eq!(enable_uwm(Some(&c)).unwrap(), CmoChange::AlreadyEnabled);
    }

    #[test]
    fn refuses_invalid_yaml_and_non_maps() {
        for bad in [
            "prometheusK8s: [unclosed",
            "key: value\n  bad indent: x\n",
            "- a\n- b\n",
        ] {
            let err = enable_uwm(Some(&current(bad))).unwrap_err();
            assert!(err.message.contains("refusing"), "{bad}: {}", err.message);
            assert!(!uwm_enabled(Some(bad)));
        }
    }

    #[test]
    fn uwm_detection() {
        assert!(!uwm_enabled(None));
        assert!(!uwm_enabled(Some("enableUserWorkload: \"true\"")));
        assert!(uwm_enabled(Some("enableUserWorkload: true")));
    }
}
