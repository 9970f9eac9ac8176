//! Fault and load injection, and the request log.
//!
//! Faults are set per run, in-process (`SimCluster::set_faults`, `set_latency`) or over HTTP under
//! `/_sim/` (see the crate docs). A request is matched against the rules in order; the first match
//! decides. Writes (create, update, patch, delete, deletecollection) are counted from 1 since the
//! faults were last set, so "fail the 3rd write" means the third write after `set_faults`. Access
//! and token reviews (`selfsubjectaccessreviews`, `tokenreviews`, …) are POSTs that store nothing
//! and are not counted.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What to do to a matching request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultAction {
    /// Answer with a Failure Status carrying `code` (and `Retry-After` when set).
    #[default]
    Status,
    /// Close the connection without any response.
    Drop,
    /// Sleep `timeoutMs` (default 60 s) before answering normally: longer than a client's timeout.
    Timeout,
    /// Answer normally, then change the requested object with the rule's `patch` (a JSON merge
    /// patch, written by field manager `sim-fault`): "someone else edited it right after you read
    /// it". The object's resourceVersion moves on, so a write preconditioned on the copy just read
    /// gets 409 Conflict.
    Edit,
}

/// Fail requests to a resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultRule {
    /// Plural resource name (`pods`, `llminferenceservices`); `*` or empty matches every resource.
    pub resource: String,
    /// API group; `None` matches any group ("" is the core group).
    pub group: Option<String>,
    /// Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`); `None` matches any.
    pub verb: Option<String>,
    /// Namespace; `None` matches any.
    pub namespace: Option<String>,
    /// Object name; `None` matches any. A request for a collection (list, watch) matches any name;
    /// for `Edit` on such a request this names the object to change.
    pub name: Option<String>,
    pub action: FaultAction,
    /// HTTP status for `Status` (e.g. 403, 429, 500, 503).
    pub code: u16,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
    /// For `Timeout`.
    pub timeout_ms: Option<u64>,
    /// Only the first `times` matching requests fail; `None` means every one.
    pub times: Option<u64>,
    /// For `Edit`: the JSON merge patch applied to the object after the answer.
    pub patch: Option<serde_json::Value>,
}

/// Fail the Nth write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NthWrite {
    /// 1-based index of the write to fail.
    pub n: u64,
    pub code: u16,
    /// Instead of answering `code`: do the write, then close the connection without answering —
    /// the client dies (or the network breaks) after the server stored it.
    pub lose_reply: bool,
}

/// Every fault in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
    pub fail_nth_write: Option<NthWrite>,
    /// Extra latency added to every request, milliseconds (also settable alone with `/_sim/latency`).
    pub latency_ms: Option<u64>,
}

/// One logged request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// Milliseconds since the server started.
    pub start_ms: f64,
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// HTTP status; 0 when the connection was dropped.
    pub status: u16,
    pub duration_ms: f64,
    /// Authenticated user name ("" when authentication failed).
    pub user: String,
}

/// The mutable fault state.
#[derive(Debug, Default)]
pub struct FaultState {
    pub faults: Faults,
    pub latency: Duration,
    pub writes: u64,
    /// How many requests each rule has failed.
    pub hits: Vec<u64>,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Pass,
    Status {
        code: u16,
        retry_after: Option<u64>,
    },
    Drop,
    Delay(Duration),
    /// Handle the request normally, then close the connection without the response.
    DropAfter,
    /// Answer normally, then merge-patch object `name` (in the request's resource and namespace).
    EditAfter {
        name: String,
        patch: serde_json::Value,
    },
}

impl FaultState {
    pub fn set(&mut self, faults: Faults) {
        if let Some(ms) = faults.latency_ms {
            self.latency = Duration::from_millis(ms);
        }
        self.hits = vec![0; faults.rules.len()];
        self.faults = faults;
        self.writes = 0;
    }

    pub fn clear(&mut self) {
        self.faults = Faults::default();
        self.hits.clear();
        self.writes = 0;
        self.latency = Duration::ZERO;
    }

    /// Decides for a resource request.
    pub fn decide(&mut self, group: &str, resource: &str, verb: &str, namespace: &str) -> Decision {
        self.decide_named(group, resource, verb, namespace, "")
    }

    /// Decides for a request naming `name` ("" for a collection).
    pub fn decide_named(
        &mut self,
        group: &str,
        resource: &str,
        verb: &str,
        namespace: &str,
        name: &str,
    ) -> Decision {
        // Access and token reviews are POSTs that store nothing: not writes.
        let is_write = matches!(
            verb,
            "create" | "update" | "patch" | "delete" | "deletecollection"
        ) && !resource.ends_with("reviews");
        if is_write {
            self.writes += 1;
            if let Some(nth) = &self.faults.fail_nth_write
                && nth.n == self.writes
            {
                if nth.lose_reply {
                    return Decision::DropAfter;
                }
                return Decision::Status {
                    code: nth.code,
                    retry_after: None,
                };
            }
        }
        for (i, r) in self.faults.rules.iter().enumerate() {
            let matches = (r.resource.is_empty() || r.resource == "*" || r.resource == resource)
                && r.group.as_deref().is_none_or(|g| g == group)
                && r.verb.as_deref().is_none_or(|v| v == verb)
                && r.namespace.as_deref().is_none_or(|n| n == namespace)
                && r.name
                    .as_deref()
                    .is_none_or(|n| name.is_empty() || n == name);
            if !matches {
                continue;
            }
            if let Some(h) = self.hits.get_mut(i) {
                if r.times.is_some_and(|t| *h >= t) {
                    continue;
                }
                *h += 1;
            }
            return match r.action {
                FaultAction::Status => Decision::Status {
                    code: r.code,
                    retry_after: r.retry_after,
                },
                FaultAction::Drop => Decision::Drop,
                FaultAction::Timeout => {
                    Decision::Delay(Duration::from_millis(r.timeout_ms.unwrap_or(60_000)))
                }
                FaultAction::Edit => Decision::EditAfter {
                    name: r.name.clone().unwrap_or_else(|| name.to_string()),
                    patch: r.patch.clone().unwrap_or(serde_json::Value::Null),
                },
            };
        }
        Decision::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_write_and_rules() {
        let mut f = FaultState::default();
        f.set(Faults {
            fail_nth_write: Some(NthWrite {
                n: 2,
                code: 500,
                ..Default::default()
            }),
            rules: vec![FaultRule {
                resource: "pods".into(),
                verb: Some("list".into()),
                code: 403,
                times: Some(1),
                ..Default::default()
            }],
            latency_ms: None,
        });
        assert_eq!(f.decide("", "configmaps", "create", "ns"), Decision::Pass);
        assert_eq!(f.decide("", "configmaps", "get", "ns"), Decision::Pass);
        assert_eq!(
            f.decide("", "configmaps", "patch", "ns"),
            Decision::Status {
                code: 500,
                retry_after: None
            }
        );
        assert_eq!(f.decide("", "configmaps", "patch", "ns"), Decision::Pass);
        assert_eq!(
            f.decide("", "pods", "list", "ns"),
            Decision::Status {
                code: 403,
                retry_after: None
            }
        );
        assert_eq!(
            f.decide("", "pods", "list", "ns"),
            Decision::Pass,
            "times: 1"
        );
    }

    #[test]
    fn edit_rule_passes_the_request_and_carries_its_patch() {
        let mut f = FaultState::default();
        let patch = serde_json::json!({"data": {"x": "1"}});
        f.set(Faults {
            rules: vec![FaultRule {
                resource: "configmaps".into(),
                verb: Some("get".into()),
                action: FaultAction::Edit,
                patch: Some(patch.clone()),
                times: Some(1),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(
            f.decide_named("", "configmaps", "get", "ns", "cfg"),
            Decision::EditAfter {
                name: "cfg".into(),
                patch: patch.clone()
            }
        );
        assert_eq!(f.decide("", "configmaps", "get", "ns"), Decision::Pass);
        // A rule naming its object matches that object and collections, and edits the named one.
        f.set(Faults {
            rules: vec![FaultRule {
                resource: "configmaps".into(),
                name: Some("cfg".into()),
                action: FaultAction::Edit,
                patch: Some(patch.clone()),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(
            f.decide_named("", "configmaps", "get", "ns", "other"),
            Decision::Pass
        );
        assert_eq!(
            f.decide("", "configmaps", "list", "ns"),
            Decision::EditAfter {
                name: "cfg".into(),
                patch
            }
        );
        assert_eq!(f.writes, 0, "an edit is not the client's write");
        f.decide(
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "create",
            "",
        );
        assert_eq!(f.writes, 0, "a review stores nothing");
    }
}
