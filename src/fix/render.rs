//! How `fix epp-tls` / `fix pd-config` plans are shown: per service the summary, the diff of
//! `spec.router.scheduler`, the JSON patch and the exact `oc patch` command (text), or one
//! `FixPlan` document (`-o json|yaml`, version 1; fields documented in the README).

use serde_json::{Value, json};

use crate::fix::change::{ServiceFix, Verdict, oc_patch_command};

/// What happened to one service when applying (None: not applied).
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Patched,
    /// The server refused the guarded patch: the object changed since it was read.
    Conflict(String),
}

/// The plan as text. `apply`: the run goes on to apply it (no `oc patch` hints then).
pub fn text(fix: &str, plans: &[ServiceFix], apply: bool) -> String {
    let mut out = String::new();
    for p in plans {
        let subject = p.subject();
        match &p.verdict {
            Verdict::Unchanged(why) => out.push_str(&format!("{subject}: nothing to do: {why}\n")),
            Verdict::Refused(why) => out.push_str(&format!("{subject}: not changed: {why}\n")),
            Verdict::Patch(c) => {
                out.push_str(&format!("{subject}: {}\n", c.summary));
                if let Some(note) = &c.note {
                    out.push_str(&format!("note: {note}\n"));
                }
                out.push_str(&c.diff);
                out.push_str(
                    "JSON patch (its test op fails the whole patch if the value changed meanwhile):\n",
                );
                out.push_str(&serde_json::to_string_pretty(&c.patch).unwrap_or_default());
                out.push('\n');
                if !apply {
                    out.push_str(&format!(
                        "apply with:\n  {}\n  or: oc llmd fix {fix} {} -n {} --apply\n",
                        oc_patch_command(p, &c.patch),
                        p.name,
                        p.namespace
                    ));
                }
            }
        }
        out.push('\n');
    }
    let (patch, unchanged, refused) = counts(plans);
    out.push_str(&format!(
        "{patch} to patch, {unchanged} unchanged, {refused} refused{}\n",
        if apply || patch == 0 {
            ""
        } else {
            "; nothing was changed (re-run with --apply)"
        }
    ));
    out
}

/// (to patch, unchanged, refused).
pub fn counts(plans: &[ServiceFix]) -> (usize, usize, usize) {
    let n = |f: fn(&Verdict) -> bool| plans.iter().filter(|p| f(&p.verdict)).count();
    (
        n(|v| matches!(v, Verdict::Patch(_))),
        n(|v| matches!(v, Verdict::Unchanged(_))),
        n(|v| matches!(v, Verdict::Refused(_))),
    )
}

/// One line per service after applying.
pub fn applied_line(p: &ServiceFix, applied: Option<&Applied>, fix: &str) -> String {
    let subject = p.subject();
    match (&p.verdict, applied) {
        (_, Some(Applied::Patched)) => format!("patched    LLMInferenceService {subject}\n"),
        (_, Some(Applied::Conflict(msg))) => format!(
            "conflict   LLMInferenceService {subject}: someone changed it since it was read; nothing was written \
             (server: {msg}); re-run `oc llmd fix {fix}` to plan against the current version\n"
        ),
        (Verdict::Unchanged(why), None) => {
            format!("unchanged  LLMInferenceService {subject}: {why}\n")
        }
        (Verdict::Refused(why), None) => {
            format!("refused    LLMInferenceService {subject}: {why}\n")
        }
        (Verdict::Patch(_), None) => format!("skipped    LLMInferenceService {subject}\n"),
    }
}

/// The `FixPlan` document (`-o json|yaml`).
pub fn document(fix: &str, plans: &[ServiceFix], applied: &[Option<Applied>]) -> Value {
    let services: Vec<Value> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut s = json!({
                "namespace": p.namespace,
                "name": p.name,
                "apiVersion": p.api_version,
            });
            let after = applied.get(i).cloned().flatten();
            match (&p.verdict, after) {
                (Verdict::Unchanged(why), _) => {
                    s["status"] = json!("unchanged");
                    s["reason"] = json!(why);
                }
                (Verdict::Refused(why), _) => {
                    s["status"] = json!("refused");
                    s["reason"] = json!(why);
                }
                (Verdict::Patch(c), after) => {
                    s["status"] = json!(match &after {
                        None => "pending",
                        Some(Applied::Patched) => "patched",
                        Some(Applied::Conflict(_)) => "conflict",
                    });
                    if let Some(Applied::Conflict(msg)) = after {
                        s["reason"] = json!(msg);
                    }
                    s["summary"] = json!(c.summary);
                    s["note"] = json!(c.note);
                    s["patch"] = c.patch.clone();
                    s["diff"] = json!(c.diff);
                    s["command"] = json!(oc_patch_command(p, &c.patch));
                }
            }
            s
        })
        .collect();
    json!({
        "kind": "FixPlan",
        "version": 1,
        "fix": fix,
        "applied": applied.iter().any(Option::is_some),
        "services": services,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::change::Change;

    fn plans() -> Vec<ServiceFix> {
        let fix = |name: &str, verdict| ServiceFix {
            namespace: "ns".into(),
            name: name.into(),
            api_version: "serving.kserve.io/v1alpha1".into(),
            verdict,
        };
        let change = Change {
            summary: "adds --b".into(),
            note: None,
            patch: json!([{"op": "test", "path": "/a", "value": 1}]),
            diff: "--- a\n+++ b\n".into(),
        };
        vec![
            fix("one", Verdict::Patch(change.clone())),
            fix("two", Verdict::Patch(change)),
            fix("three", Verdict::Unchanged("fine".into())),
            fix("four", Verdict::Refused("unparseable".into())),
        ]
    }

    #[test]
    fn the_document_reports_each_outcome() {
        let p = plans();
        let applied = [
            Some(Applied::Patched),
            Some(Applied::Conflict("changed".into())),
            None,
            None,
        ];
        let doc = document("epp-tls", &p, &applied);
        let status: Vec<&str> = doc["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap())
            .collect();
        assert_eq!(status, ["patched", "conflict", "unchanged", "refused"]);
        assert_eq!(doc["applied"], true);
        assert_eq!(doc["services"][1]["reason"], "changed");
        assert!(
            doc["services"][0]["command"]
                .as_str()
                .unwrap()
                .starts_with("oc patch ")
        );
        let planned = document("epp-tls", &p, &[]);
        assert_eq!(planned["services"][0]["status"], "pending");
        assert_eq!(planned["applied"], false);
    }

    #[test]
    fn text_and_apply_lines() {
        let p = plans();
        let t = text("pd-config", &p, false);
        assert!(t.contains("ns/one: adds --b\n--- a\n+++ b\n"));
        assert!(t.contains("or: oc llmd fix pd-config one -n ns --apply"));
        assert!(t.contains("ns/three: nothing to do: fine\n"));
        assert!(t.contains("ns/four: not changed: unparseable\n"));
        assert!(t.ends_with(
            "2 to patch, 1 unchanged, 1 refused; nothing was changed (re-run with --apply)\n"
        ));
        assert!(!text("pd-config", &p, true).contains("apply with:"));
        let line = applied_line(&p[1], Some(&Applied::Conflict("x".into())), "pd-config");
        assert!(line.starts_with("conflict   LLMInferenceService ns/two: someone changed it"));
        assert!(line.contains("re-run `oc llmd fix pd-config`"));
    }
}
