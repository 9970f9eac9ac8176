//! Text for install and uninstall: the dry-run plan, per-object results, the GitOps manifests
//! (`-o yaml` / `-o json`, Secrets as references only), pre-flight problems, and how to log in.
//! Pure: strings out, printing is the command's job.

use serde_json::{Value, json};

use super::plan::{
    ADMIN_PASSWORD_KEY, ADMIN_SECRET, ADMIN_USER, ADMIN_USER_KEY, InstallPlan, PlanAction,
};
use super::preflight::{Problem, Severity};
use crate::apply::{ObjectKey, Outcome};
use crate::error::Result;
use crate::output;

/// One result line: `created     Secret/x (namespace y)`.
pub fn result_line(outcome: &str, key: &ObjectKey) -> String {
    format!("{outcome:<11} {}", key.display())
}

/// The word a dry run prints for a predicted outcome.
pub fn would(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Created => "create",
        Outcome::Configured => "configure",
        Outcome::Unchanged => "unchanged",
    }
}

/// `3 created, 1 configured, 5 unchanged`.
pub fn summary(outcomes: &[Outcome]) -> String {
    let count = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
    format!(
        "{} created, {} configured, {} unchanged",
        count(Outcome::Created),
        count(Outcome::Configured),
        count(Outcome::Unchanged)
    )
}

/// Pre-flight problems as lines for stderr (errors first, then warnings).
pub fn problems_text(problems: &[Problem]) -> String {
    let mut out = String::new();
    for severity in [Severity::Error, Severity::Warning] {
        for p in problems.iter().filter(|p| p.severity == severity) {
            let tag = match severity {
                Severity::Error => "problem",
                Severity::Warning => "warning",
            };
            out.push_str(&format!("{tag} [{}]: {}\n", p.id, p.message));
            if let Some(hint) = &p.hint {
                out.push_str(&format!("  hint: {hint}\n"));
            }
        }
    }
    out
}

fn is_admin_secret(manifest: &Value) -> bool {
    manifest.get("kind") == Some(&json!("Secret"))
        && manifest.pointer("/metadata/name") == Some(&json!(ADMIN_SECRET))
}

/// The manifests to print for GitOps: ours with labels, foreign ones without `resourceVersion`,
/// the admin Secret left out (see [`admin_secret_note`]).
fn gitops_manifests(plan: &InstallPlan) -> Vec<Value> {
    plan.applies()
        .map(|(_, d)| d.prepared())
        .filter(|m| !is_admin_secret(m))
        .map(|mut m| {
            if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
            }
            m
        })
        .collect()
}

/// How to create the admin Secret yourself (it is never printed with data).
pub fn admin_secret_note(namespace: &str) -> String {
    format!(
        "# Secret {ADMIN_SECRET} (namespace {namespace}) is not printed: it holds the Grafana admin\n\
         # password. Create it once, outside git, for example:\n\
         #   oc create secret generic {ADMIN_SECRET} -n {namespace} \\\n\
         #     --from-literal={ADMIN_USER_KEY}={ADMIN_USER} \\\n\
         #     --from-literal={ADMIN_PASSWORD_KEY}=\"$(openssl rand -base64 24)\"\n"
    )
}

/// `-o yaml`: multi-document YAML.
pub fn manifests_yaml(plan: &InstallPlan) -> Result<String> {
    let mut out = admin_secret_note(&plan.namespace);
    for manifest in gitops_manifests(plan) {
        out.push_str("---\n");
        out.push_str(&output::to_yaml(&manifest)?);
    }
    Ok(out)
}

/// `-o json`: a `List` (the admin Secret note goes to stderr, JSON has no comments).
pub fn manifests_json(plan: &InstallPlan) -> Result<String> {
    output::to_json(&json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": gitops_manifests(plan),
    }))
}

/// The dry-run plan: one line per object with its predicted action (index-aligned with
/// `plan.items`; None for kept objects).
pub fn plan_text(plan: &InstallPlan, predicted: &[Option<Outcome>]) -> String {
    let mut out = format!(
        "Plan for install-monitoring in namespace {}{} (dry run: nothing is written)\n",
        plan.namespace,
        plan.tenant
            .as_deref()
            .map(|t| format!(", tenant {t}"))
            .unwrap_or_default()
    );
    let mut last_step = None;
    for (item, outcome) in plan.items.iter().zip(predicted) {
        if last_step != Some(item.step) {
            out.push_str(&format!("{}:\n", item.step.title()));
            last_step = Some(item.step);
        }
        let Ok(key) = item.key() else { continue };
        match (&item.action, outcome) {
            (PlanAction::Keep { reason, .. }, _) => {
                out.push_str(&format!("  {} — {reason}\n", result_line("keep", &key)));
            }
            (PlanAction::Apply(_), Some(o)) => {
                let note = if *o == Outcome::Created && key.name == ADMIN_SECRET {
                    " (a random password is generated at install)"
                } else {
                    ""
                };
                out.push_str(&format!("  {}{note}\n", result_line(would(*o), &key)));
            }
            (PlanAction::Apply(_), None) => {
                out.push_str(&format!("  {}\n", result_line("apply", &key)));
            }
        }
    }
    for stale in &plan.stale {
        out.push_str(&format!(
            "note: {} carries our labels but is not in the plan any more \
             (uninstall-monitoring removes it)\n",
            stale.display()
        ));
    }
    out
}

/// Where Grafana is and how to log in. The password is included only when given.
pub fn access_text(url: Option<&str>, namespace: &str, password: Option<&str>) -> String {
    let mut out = String::new();
    match url {
        Some(url) => out.push_str(&format!("Grafana: {url}\n")),
        None => out.push_str(&format!(
            "Grafana: the Route is not there yet; find it with `oc get route -n {namespace}`\n"
        )),
    }
    out.push_str(&format!("Admin user: {ADMIN_USER}\n"));
    match password {
        Some(p) => out.push_str(&format!("Admin password: {p}\n")),
        None => out.push_str(&format!(
            "Admin password: oc extract secret/{ADMIN_SECRET} -n {namespace} --keys={ADMIN_PASSWORD_KEY} --to=-\n"
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::plan::{DashboardManifest, InstallOptions, PreflightFacts, plan};
    use secrecy::SecretString;

    const PASSWORD: &str = "Pw4TestOnly9xYzAbCdEfGhJkLmNpQrS";

    fn test_plan() -> InstallPlan {
        let opts = InstallOptions {
            namespace: "llm-d-monitoring".into(),
            admin_password: Some(SecretString::from(PASSWORD.to_string())),
            ..InstallOptions::default()
        };
        let facts = PreflightFacts {
            dashboards: vec![DashboardManifest {
                uid: "d1".into(),
                title: "D1".into(),
                json: json!({"title": "D1"}),
            }],
            ..PreflightFacts::default()
        };
        plan(&opts, &facts).unwrap()
    }

    #[test]
    fn gitops_yaml_has_no_admin_secret_data() {
        let p = test_plan();
        let yaml = manifests_yaml(&p).unwrap();
        assert!(!yaml.contains(PASSWORD));
        assert!(yaml.contains("is not printed"));
        assert!(yaml.contains("kind: GrafanaDatasource"));
        assert!(yaml.contains("grafana-thanos-token"));
        assert!(!yaml.contains(&format!("{ADMIN_PASSWORD_KEY}:")));
        let docs = yaml.matches("\n---\n").count() + usize::from(yaml.starts_with("---"));
        assert_eq!(docs, p.applies().count() - 1);
        // Every document parses back to exactly the manifest that would be applied.
        let applied: Vec<Value> = gitops_manifests(&p);
        let parsed: Vec<Value> = yaml
            .split("\n---\n")
            .skip(1)
            .map(|doc| serde_saphyr::from_str(doc).unwrap())
            .collect();
        assert_eq!(parsed, applied);
        let json = manifests_json(&p).unwrap();
        assert!(!json.contains(PASSWORD));
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed["items"].as_array().unwrap().len(),
            p.applies().count() - 1
        );
    }

    #[test]
    fn plan_text_names_every_object_and_action() {
        let p = test_plan();
        let predicted: Vec<Option<Outcome>> =
            p.items.iter().map(|_| Some(Outcome::Created)).collect();
        let text = plan_text(&p, &predicted);
        assert!(text.contains("create      Namespace/llm-d-monitoring"));
        assert!(text.contains("a random password is generated at install"));
        assert!(text.contains("GrafanaDashboard/llm-d-d1"));
        assert!(!text.contains(PASSWORD));
    }

    #[test]
    fn access_text_hides_the_password_unless_given() {
        let hidden = access_text(Some("https://g.example"), "ns", None);
        assert!(hidden.contains("oc extract secret/llm-d-grafana-admin -n ns"));
        assert!(hidden.contains("--to=-"));
        assert!(access_text(None, "ns", Some("s3cret")).contains("Admin password: s3cret"));
        assert_eq!(
            summary(&[Outcome::Created, Outcome::Unchanged, Outcome::Unchanged]),
            "1 created, 0 configured, 2 unchanged"
        );
    }
}
