//! Pure readiness predicates for the waits after applying: the operator's CSV, the token Secret,
//! the injected service CA, the Grafana instance, and datasources/dashboards matched and synced.

use kube::api::DynamicObject;
use serde_json::Value;

use super::plan::SERVICE_CA_KEY;
use crate::apply::Readiness;

fn pending(reason: impl Into<String>) -> Readiness {
    Readiness::Pending(reason.into())
}

fn text<'a>(obj: &'a DynamicObject, pointer: &str) -> Option<&'a str> {
    obj.data.pointer(pointer).and_then(Value::as_str)
}

/// The CSV a Subscription installed (`status.installedCSV`, else `status.currentCSV`).
pub fn subscription_csv(sub: Option<&DynamicObject>) -> Option<String> {
    let sub = sub?;
    text(sub, "/status/installedCSV")
        .or_else(|| text(sub, "/status/currentCSV"))
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// A Subscription is resolved once it names its CSV.
pub fn subscription_resolved(sub: Option<&DynamicObject>) -> Readiness {
    match sub {
        None => pending("the Subscription does not exist"),
        Some(_) if subscription_csv(sub).is_some() => Readiness::Ready,
        Some(s) => pending(format!(
            "OLM has not resolved it yet (state: {})",
            text(s, "/status/state").unwrap_or("none")
        )),
    }
}

/// ClusterServiceVersion `status.phase == Succeeded`.
pub fn csv_succeeded(csv: Option<&DynamicObject>) -> Readiness {
    match csv.and_then(|c| text(c, "/status/phase")) {
        Some("Succeeded") => Readiness::Ready,
        Some("Failed") => pending(format!(
            "the CSV failed: {}",
            csv.and_then(|c| text(c, "/status/message"))
                .unwrap_or("no message")
        )),
        Some(phase) => pending(format!("phase {phase}")),
        None => pending("the CSV does not exist yet"),
    }
}

/// The service-account token Secret has a non-empty `data.token`.
pub fn token_populated(secret: Option<&DynamicObject>) -> Readiness {
    match secret.and_then(|s| text(s, "/data/token")) {
        Some(t) if !t.is_empty() => Readiness::Ready,
        _ => pending("the token controller has not filled data.token yet"),
    }
}

/// The service CA operator has injected `data["service-ca.crt"]`.
pub fn ca_injected(cm: Option<&DynamicObject>) -> Readiness {
    let found = cm
        .and_then(|c| c.data.get("data"))
        .and_then(|d| d.get(SERVICE_CA_KEY))
        .and_then(Value::as_str)
        .is_some_and(|v| !v.is_empty());
    if found {
        Readiness::Ready
    } else {
        pending("the service CA operator has not injected service-ca.crt yet")
    }
}

/// Grafana `status.stage == complete` and `status.stageStatus == success`.
pub fn grafana_ready(grafana: Option<&DynamicObject>) -> Readiness {
    let Some(g) = grafana else {
        return pending("the Grafana object does not exist");
    };
    match (text(g, "/status/stage"), text(g, "/status/stageStatus")) {
        (Some("complete"), Some("success")) => Readiness::Ready,
        (Some(stage), Some(status)) => pending(format!(
            "stage {stage} is {status}{}",
            text(g, "/status/lastMessage")
                .filter(|m| !m.is_empty())
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        )),
        _ => pending("the operator has not reported a status yet"),
    }
}

/// A GrafanaDatasource/GrafanaDashboard matched an instance and synced: `NoMatchingInstances` not
/// true, no `NoMatchingInstance` condition True, and `sync_condition` (`DatasourceSynchronized`,
/// `DashboardSynchronized`) True — or, for operators older than these conditions, no condition
/// at all but a `status.lastResync`.
pub fn synchronized(obj: Option<&DynamicObject>, sync_condition: &str) -> Readiness {
    let Some(o) = obj else {
        return pending("the object does not exist");
    };
    if o.data.pointer("/status/NoMatchingInstances") == Some(&Value::Bool(true)) {
        return pending("no Grafana instance matches its instanceSelector");
    }
    let conditions = o
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let find = |t: &str| {
        conditions
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
    };
    let is_true = |c: &Value| c.get("status").and_then(Value::as_str) == Some("True");
    if find("NoMatchingInstance").is_some_and(is_true) {
        return pending("no Grafana instance matches its instanceSelector");
    }
    match find(sync_condition) {
        Some(c) if is_true(c) => Readiness::Ready,
        Some(c) => pending(format!(
            "{sync_condition} is {} ({})",
            c.get("status").and_then(Value::as_str).unwrap_or("unknown"),
            c.get("message")
                .or_else(|| c.get("reason"))
                .and_then(Value::as_str)
                .unwrap_or("no message")
        )),
        // Operators before conditions existed (early v5) only record the last resync.
        None if conditions.is_empty() && o.data.pointer("/status/lastResync").is_some() => {
            Readiness::Ready
        }
        None => pending(format!(
            "the operator has not reported {sync_condition} yet"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> DynamicObject {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn grafana_needs_complete_and_success() {
        let ready = obj(json!({"status": {"stage": "complete", "stageStatus": "success"}}));
        assert_eq!(grafana_ready(Some(&ready)), Readiness::Ready);
        let busy = obj(json!({"status": {"stage": "deployment", "stageStatus": "in progress"}}));
        assert!(
            matches!(grafana_ready(Some(&busy)), Readiness::Pending(r) if r.contains("deployment"))
        );
        assert!(matches!(grafana_ready(None), Readiness::Pending(_)));
        let failed = obj(json!({"status": {"stage": "complete", "stageStatus": "failed"}}));
        assert_ne!(grafana_ready(Some(&failed)), Readiness::Ready);
    }

    #[test]
    fn sync_needs_a_match_and_the_condition() {
        let ok = obj(json!({"status": {"conditions": [
            {"type": "DatasourceSynchronized", "status": "True", "reason": "ApplySuccessful"}]}}));
        assert_eq!(
            synchronized(Some(&ok), "DatasourceSynchronized"),
            Readiness::Ready
        );
        let unmatched = obj(
            json!({"status": {"NoMatchingInstances": true, "conditions": [
            {"type": "DatasourceSynchronized", "status": "True"}]}}),
        );
        assert!(
            matches!(synchronized(Some(&unmatched), "DatasourceSynchronized"),
            Readiness::Pending(r) if r.contains("instanceSelector"))
        );
        let cond = obj(json!({"status": {"conditions": [
            {"type": "NoMatchingInstance", "status": "True", "reason": "EmptyAPIReply"}]}}));
        assert_ne!(
            synchronized(Some(&cond), "DashboardSynchronized"),
            Readiness::Ready
        );
        let failed = obj(
            json!({"status": {"conditions": [{"type": "DashboardSynchronized",
            "status": "False", "reason": "ApplyFailed", "message": "bad json"}]}}),
        );
        assert!(
            matches!(synchronized(Some(&failed), "DashboardSynchronized"),
            Readiness::Pending(r) if r.contains("bad json"))
        );
        assert_ne!(
            synchronized(Some(&obj(json!({}))), "DashboardSynchronized"),
            Readiness::Ready
        );
        let old_operator =
            obj(json!({"status": {"lastResync": "2026-01-01T00:00:00Z", "uid": "x"}}));
        assert_eq!(
            synchronized(Some(&old_operator), "DashboardSynchronized"),
            Readiness::Ready
        );
        let old_unmatched =
            obj(json!({"status": {"lastResync": "t", "NoMatchingInstances": true}}));
        assert_ne!(
            synchronized(Some(&old_unmatched), "DashboardSynchronized"),
            Readiness::Ready
        );
    }

    #[test]
    fn token_ca_and_olm() {
        assert_eq!(
            token_populated(Some(&obj(json!({"data": {"token": "dG9r"}})))),
            Readiness::Ready
        );
        assert_ne!(
            token_populated(Some(&obj(json!({"data": {}})))),
            Readiness::Ready
        );
        assert_eq!(
            ca_injected(Some(&obj(json!({"data": {"service-ca.crt": "PEM"}})))),
            Readiness::Ready
        );
        assert_ne!(ca_injected(Some(&obj(json!({})))), Readiness::Ready);
        let sub = obj(json!({"status": {"currentCSV": "grafana-operator.v5.24.0"}}));
        assert_eq!(
            subscription_csv(Some(&sub)).as_deref(),
            Some("grafana-operator.v5.24.0")
        );
        assert_eq!(subscription_resolved(Some(&sub)), Readiness::Ready);
        assert_ne!(
            subscription_resolved(Some(&obj(json!({})))),
            Readiness::Ready
        );
        assert_eq!(
            csv_succeeded(Some(&obj(json!({"status": {"phase": "Succeeded"}})))),
            Readiness::Ready
        );
        assert_ne!(
            csv_succeeded(Some(&obj(json!({"status": {"phase": "Installing"}})))),
            Readiness::Ready
        );
    }
}
