//! What a fix on an LLMInferenceService is: per service, an RFC 6902 JSON patch guarded by `test`
//! ops (a concurrent edit makes the server refuse it instead of being overwritten) with the
//! before/after diff of `spec.router.scheduler` — or why nothing is done (already right, or refused
//! because the config cannot be edited safely).
//!
//! The scheduler's main-container args are written wholesale (test the old list, replace it). When
//! the spec sets no args (KServe's preset supplies them) the running scheduler pod's args are the
//! base, and the patch adds them to the spec, where they then override the preset's.

use serde_json::{Value, json};

use crate::cluster::relations::{ServiceRelations, main_container};

/// The plan for one LLMInferenceService.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFix {
    pub namespace: String,
    pub name: String,
    /// `serving.kserve.io/v1alpha1` or `…/v1alpha2`: the version the patch is sent to.
    pub api_version: String,
    pub verdict: Verdict,
}

impl ServiceFix {
    pub fn new(s: &ServiceRelations, verdict: Verdict) -> Self {
        Self {
            namespace: s.isvc.namespace.clone(),
            name: s.isvc.name.clone(),
            api_version: s.isvc.api_version.clone(),
            verdict,
        }
    }
    pub fn subject(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Something to change.
    Patch(Change),
    /// Already right (the reason says why).
    Unchanged(String),
    /// Not touched: the reason says what blocks an automatic edit.
    Refused(String),
}

/// One guarded JSON patch and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What is added/changed, in words.
    pub summary: String,
    /// Said before the diff when the base came from somewhere else (e.g. the running pod).
    pub note: Option<String>,
    /// The RFC 6902 patch (an array, `test` ops first).
    pub patch: Value,
    /// Unified diff of `spec.router.scheduler` as YAML, before → after the patch.
    pub diff: String,
}

impl Change {
    /// Build a change from its ops, checking the patch applies to what was read and rendering
    /// the diff of the scheduler spec. Errors name what went wrong (a bug, not a user error).
    pub fn new(
        subject: &str,
        scheduler: &Value,
        ops: Vec<Value>,
        summary: String,
        note: Option<String>,
    ) -> Result<Self, String> {
        let before = json!({"spec": {"router": {"scheduler": scheduler}}});
        let patch = Value::Array(ops);
        let parsed: json_patch::Patch = serde_json::from_value(patch.clone())
            .map_err(|e| format!("internal: the planned patch is not RFC 6902: {e}"))?;
        let mut after = before.clone();
        json_patch::patch(&mut after, &parsed)
            .map_err(|e| format!("internal: the planned patch does not apply: {e}"))?;
        let yaml = |v: &Value| {
            serde_saphyr::to_string(&v["spec"]["router"]["scheduler"])
                .map_err(|e| format!("cannot render the scheduler spec as YAML: {e}"))
        };
        let diff = crate::fix::diff::unified(
            &yaml(&before)?,
            &yaml(&after)?,
            &format!("{subject} spec.router.scheduler (live)"),
            &format!("{subject} spec.router.scheduler (patched)"),
        );
        Ok(Self {
            summary,
            note,
            patch,
            diff,
        })
    }
}

/// The exact `oc patch` command applying `patch` to one LLMInferenceService.
pub fn oc_patch_command(fix: &ServiceFix, patch: &Value) -> String {
    let group = fix
        .api_version
        .split_once('/')
        .map(|(g, _)| g)
        .unwrap_or("serving.kserve.io");
    let body = patch.to_string().replace('\'', r"'\''");
    format!(
        "oc patch llminferenceservices.{group} {} -n {} --type=json -p '{body}'",
        fix.name, fix.namespace
    )
}

/// The scheduler's main-container args the fix edits, and how to write them back.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgsSite {
    /// The container's `command` (only to read flags from; never written).
    pub command: Vec<String>,
    /// The current args: the spec's, or the running pod's when the spec sets none.
    pub args: Vec<String>,
    /// The pod the args were copied from (None: they are the spec's own).
    pub from_pod: Option<String>,
    write: Write,
}

#[derive(Debug, Clone, PartialEq)]
enum Write {
    /// The spec's container `index` has `args`: test it, replace it.
    Replace { index: usize },
    /// The spec's container `index` has no `args`: test the container, add `args`.
    AddArgs { index: usize, container: Value },
    /// The template has containers but no main one: test the list, append one.
    AddContainer { containers: Value },
    /// `spec.router.scheduler` has no template (or no containers): test it, add one.
    AddTemplate { scheduler: Value },
}

const CONTAINERS: &str = "/spec/router/scheduler/template/containers";

impl ArgsSite {
    /// Command and args, for reading flags.
    pub fn words(&self) -> Vec<String> {
        self.command.iter().chain(&self.args).cloned().collect()
    }

    /// The guarded ops writing `new_args`.
    pub fn ops(&self, new_args: &[String]) -> Vec<Value> {
        match &self.write {
            Write::Replace { index } => {
                let path = format!("{CONTAINERS}/{index}/args");
                vec![
                    json!({"op": "test", "path": path, "value": self.args}),
                    json!({"op": "replace", "path": path, "value": new_args}),
                ]
            }
            Write::AddArgs { index, container } => vec![
                json!({"op": "test", "path": format!("{CONTAINERS}/{index}"), "value": container}),
                json!({"op": "add", "path": format!("{CONTAINERS}/{index}/args"), "value": new_args}),
            ],
            Write::AddContainer { containers } => vec![
                json!({"op": "test", "path": CONTAINERS, "value": containers}),
                json!({"op": "add", "path": format!("{CONTAINERS}/-"),
                       "value": {"name": "main", "args": new_args}}),
            ],
            Write::AddTemplate { scheduler } => {
                let template = match scheduler.get("template") {
                    Some(t) if t.is_object() => {
                        let mut t = t.clone();
                        t["containers"] = json!([{"name": "main", "args": new_args}]);
                        t
                    }
                    _ => json!({"containers": [{"name": "main", "args": new_args}]}),
                };
                vec![
                    json!({"op": "test", "path": "/spec/router/scheduler", "value": scheduler}),
                    json!({"op": "add", "path": "/spec/router/scheduler/template", "value": template}),
                ]
            }
        }
    }

    /// Where the base came from, when it was not the spec (said before the diff).
    pub fn note(&self) -> Option<String> {
        self.from_pod.as_ref().map(|pod| {
            format!(
                "the spec sets no scheduler args (KServe's preset supplies them): the patch writes \
                 the args of the running scheduler pod {pod} plus the fix into the spec, where \
                 they override the preset's"
            )
        })
    }
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, String> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    v.as_array()
        .ok_or("is not a list")?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or("holds a non-string item")
        })
        .collect::<Result<_, _>>()
        .map_err(str::to_string)
}

/// Find the scheduler's main-container args of one service (see [`ArgsSite`]).
pub fn args_site(s: &ServiceRelations) -> Result<ArgsSite, String> {
    let Some(scheduler) = s.isvc.scheduler_spec.as_ref().filter(|v| v.is_object()) else {
        return Err(
            "spec.router.scheduler is not set: KServe runs no managed scheduler for this service"
                .into(),
        );
    };
    let from_pod = |write: Write| -> Result<ArgsSite, String> {
        let Some((pod, c)) = s
            .epp_pods
            .iter()
            .find_map(|p| main_container(p).map(|c| (p, c)))
        else {
            return Err(
                "the spec sets no scheduler args (KServe's preset supplies them) and no \
                        scheduler pod is running to read them from"
                    .into(),
            );
        };
        let own = c.own_args.len().min(c.args.len());
        Ok(ArgsSite {
            command: c.args[..c.args.len() - own].to_vec(),
            args: c.own_args.clone(),
            from_pod: Some(pod.name.clone()),
            write,
        })
    };
    let containers = scheduler.pointer("/template/containers");
    let Some(list) = containers.and_then(Value::as_array) else {
        if containers.is_some_and(|c| !c.is_null()) {
            return Err("spec.router.scheduler.template.containers is not a list".into());
        }
        return from_pod(Write::AddTemplate {
            scheduler: scheduler.clone(),
        });
    };
    let main = list
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some("main"));
    let Some(index) = main else {
        return from_pod(Write::AddContainer {
            containers: Value::Array(list.clone()),
        });
    };
    let container = &list[index];
    let field = |f: &str| {
        strings(container.get(f)).map_err(|e| {
            format!("spec.router.scheduler.template.containers[{index}].{f} {e}: edit it by hand")
        })
    };
    let command = field("command")?;
    match container.get("args").filter(|a| !a.is_null()) {
        Some(_) => Ok(ArgsSite {
            command,
            args: field("args")?,
            from_pod: None,
            write: Write::Replace { index },
        }),
        None => {
            let mut site = from_pod(Write::AddArgs {
                index,
                container: container.clone(),
            })?;
            if !command.is_empty() {
                site.command = command;
            }
            Ok(site)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oc_patch_command_quotes_the_patch_for_a_posix_shell() {
        let fix = ServiceFix {
            namespace: "ns".into(),
            name: "svc".into(),
            api_version: "serving.kserve.io/v1alpha2".into(),
            verdict: Verdict::Unchanged(String::new()),
        };
        let patch = json!([{"op": "add", "path": "/a", "value": "it's"}]);
        assert_eq!(
            oc_patch_command(&fix, &patch),
            r#"oc patch llminferenceservices.serving.kserve.io svc -n ns --type=json -p '[{"op":"add","path":"/a","value":"it'\''s"}]'"#
        );
    }

    #[test]
    fn a_change_renders_the_diff_of_what_its_patch_does() {
        let scheduler = json!({"template": {"containers": [{"name": "main", "args": ["--a"]}]}});
        let path = "/spec/router/scheduler/template/containers/0/args";
        let c = Change::new(
            "ns/svc",
            &scheduler,
            vec![
                json!({"op": "test", "path": path, "value": ["--a"]}),
                json!({"op": "replace", "path": path, "value": ["--a", "--b"]}),
            ],
            "s".into(),
            None,
        )
        .unwrap();
        assert!(
            c.diff
                .starts_with("--- ns/svc spec.router.scheduler (live)\n")
        );
        assert!(c.diff.contains("\n+    - --b\n"), "{}", c.diff);
        // A patch that does not apply to what was read is an internal error, not a plan.
        let bad = vec![json!({"op": "test", "path": path, "value": ["--z"]})];
        assert!(Change::new("ns/svc", &scheduler, bad, "s".into(), None).is_err());
    }
}
