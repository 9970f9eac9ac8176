//! Pre-flight: every read install needs, then a permission check for every write the plan will
//! make, and ALL problems reported together before the first write.
//!
//! Reads, in two groups, each concurrent and each a constant number of requests:
//! - shared with doctor ([`crate::cluster::gather::INSTALL_SHARED`], run by the caller with
//!   doctor's own request definitions): `cluster-monitoring-config` and the `thanos-querier`
//!   Service (lists by field selector in openshift-monitoring), the ClusterServiceVersions
//!   (original, not copied) and the PodMonitors / ServiceMonitors (for the metric naming);
//! - install's own: GET namespace, GET admin Secret, labelled LIST of grafanas /
//!   grafanadatasources / grafanadashboards in the install namespace (a 404 means the CRD is not
//!   served; the items are our existing objects and foreign ones), GET Subscription
//!   grafana-operator.
//!
//! Then one SelfSubjectAccessReview per (verb, resource, namespace) the plan writes, also
//! concurrent. Nothing here writes.

use std::collections::BTreeMap;

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::Value;

use super::cmo::{self, CurrentCmo};
use super::plan::{
    self, CmoState, DashboardManifest, ForeignObject, InstallOptions, InstallPlan, NamespaceState,
    PlanAction, PreflightFacts, Presence,
};
use crate::apply::{Engine, Kind, ObjectKey, labels};
use crate::cluster::model::keys;
use crate::error::{Error, Kind as ErrorKind, Result};
use crate::kube::{Cluster, list::Listed, map_kube_error};

/// The Grafana Operator CRDs install needs: (apiVersion, kind).
pub const GRAFANA_KINDS: [(&str, &str); 3] = [
    ("grafana.integreatly.org/v1beta1", "Grafana"),
    ("grafana.integreatly.org/v1beta1", "GrafanaDatasource"),
    ("grafana.integreatly.org/v1beta1", "GrafanaDashboard"),
];

/// How serious a pre-flight finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Blocks the install.
    Error,
    /// Printed; the install goes on.
    Warning,
}

/// One pre-flight finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Stable short id: `operator-missing`, `uwm-disabled`, `thanos-missing`, `forbidden`, …
    pub id: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    /// A blocking problem from an error (message and hint kept).
    pub fn from_error(id: &'static str, err: &Error) -> Self {
        Self::error(id, err.message.clone(), err.hint.clone())
    }

    fn error(id: &'static str, message: String, hint: Option<String>) -> Self {
        Self {
            severity: Severity::Error,
            id,
            message,
            hint,
        }
    }
    fn warning(id: &'static str, message: String, hint: Option<String>) -> Self {
        Self {
            severity: Severity::Warning,
            id,
            message,
            hint,
        }
    }
}

/// A permission the plan needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccessCheck {
    pub verb: &'static str,
    pub group: String,
    pub resource: String,
    /// None for cluster-scoped resources.
    pub namespace: Option<String>,
}

impl AccessCheck {
    pub fn describe(&self) -> String {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        match &self.namespace {
            Some(ns) => format!("{} {resource} in namespace {ns}", self.verb),
            None => format!("{} {resource} (cluster-scoped)", self.verb),
        }
    }
}

/// The answer to one access check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied(String),
    /// The review itself failed (message).
    Unknown(String),
}

/// Read everything install needs (concurrently), given the lists shared with doctor
/// (`shared`: [`crate::cluster::gather::INSTALL_SHARED`] → outcome). Transport and
/// authentication failures end pre-flight at once (exit 3); a 403 on a read is kept as a problem.
pub async fn gather(
    cluster: &Cluster,
    opts: &InstallOptions,
    dashboards: Vec<DashboardManifest>,
    shared: &BTreeMap<String, Listed>,
) -> Result<(PreflightFacts, Vec<Problem>)> {
    let engine = Engine::new(cluster, true);
    let ns = opts.namespace.as_str();
    let key = |api_version: &str, kind: &str, namespace: Option<&str>, name: &str| ObjectKey {
        kind: Kind::from_type(api_version, kind, namespace.is_some()),
        namespace: namespace.map(String::from),
        name: name.to_string(),
    };
    let namespace_key = key("v1", "Namespace", None, ns);
    let admin_key = key("v1", "Secret", Some(ns), plan::ADMIN_SECRET);
    let sub_key = key(
        "operators.coreos.com/v1alpha1",
        "Subscription",
        Some(plan::OPERATOR_NAMESPACE),
        plan::OPERATOR_PACKAGE,
    );
    // Every Grafana Operator object in the namespace: ours (labels) and foreign ones.
    let grafana_lists = join_all(GRAFANA_KINDS.iter().map(|(api_version, kind)| {
        let kind = Kind::from_type(api_version, kind, true);
        let engine = engine.clone();
        async move {
            let listed = engine.list(&kind, Some(ns), None).await;
            (kind, listed)
        }
    }));
    let (namespace, admin, grafana_lists, sub) = futures::join!(
        engine.get(&namespace_key),
        engine.get(&admin_key),
        grafana_lists,
        engine.get(&sub_key),
    );
    let csvs = shared_list(shared, keys::CSVS);
    let cmo_cm = single(shared_list(shared, keys::CLUSTER_MONITORING_CONFIG));
    let thanos = single(shared_list(shared, keys::THANOS_SERVICE));

    let mut problems = Vec::new();
    let mut facts = PreflightFacts {
        dashboards,
        ..PreflightFacts::default()
    };

    facts.namespace = match read(namespace, &mut problems, Needed::No)? {
        Read::Found(obj) if labels::is_ours(obj.metadata.labels.as_ref()) => NamespaceState::Ours,
        Read::Found(_) | Read::Forbidden => NamespaceState::Foreign,
        Read::Absent => NamespaceState::Absent,
    };
    let what = format!("Secret {} in namespace {ns}", plan::ADMIN_SECRET);
    facts.admin_secret_exists = match read(admin, &mut problems, Needed::Yes(&what))? {
        Read::Found(_) => true,
        Read::Absent | Read::Forbidden => false,
    };

    for (kind, listed) in grafana_lists {
        match listed {
            Listed::Items(items) => {
                for o in &items {
                    let Some(name) = o.metadata.name.clone() else {
                        continue;
                    };
                    let key = ObjectKey {
                        kind: kind.clone(),
                        namespace: Some(ns.to_string()),
                        name,
                    };
                    if labels::is_ours(o.metadata.labels.as_ref()) {
                        facts.existing_ours.push(key);
                    } else {
                        let plaintext_admin_password = o
                            .data
                            .pointer("/spec/config/security/admin_password")
                            .and_then(Value::as_str)
                            .is_some_and(|p| !p.is_empty());
                        facts.foreign.push(ForeignObject {
                            key,
                            plaintext_admin_password,
                        });
                    }
                }
            }
            Listed::Missing => facts.operator.missing_crds.push(kind.display()),
            Listed::Forbidden(_) => {}
            Listed::Failed(e) => return Err(e),
        }
    }
    facts.operator.csv = csv_phase(&csvs);
    facts.operator.subscription_exists =
        matches!(read(sub, &mut problems, Needed::No)?, Read::Found(_));

    let cmo_what = format!("ConfigMap {}/{}", cmo::CMO_NAMESPACE, cmo::CMO_CONFIGMAP);
    let cmo_needed = if opts.enable_uwm {
        Needed::Yes(&cmo_what)
    } else {
        Needed::No
    };
    facts.cmo = match read(cmo_cm, &mut problems, cmo_needed)? {
        Read::Found(obj) => CmoState::Present(current_cmo(&obj)),
        Read::Absent => CmoState::Absent,
        Read::Forbidden => CmoState::Unreadable(format!("forbidden to read {cmo_what}")),
    };
    facts.uwm_enabled = match &facts.cmo {
        CmoState::Present(c) => cmo::uwm_enabled(c.config_yaml.as_deref()),
        _ => false,
    };
    facts.thanos_querier = match read(thanos, &mut problems, Needed::No)? {
        Read::Found(_) => Presence::Present,
        Read::Absent => Presence::Absent,
        Read::Forbidden => Presence::Unknown("forbidden to read it".into()),
    };
    Ok((facts, problems))
}

/// One shared list's outcome (a list that was not run counts as failed).
fn shared_list(shared: &BTreeMap<String, Listed>, key: &str) -> Listed {
    shared.get(key).cloned().unwrap_or_else(|| {
        Listed::Failed(Error::failed(format!("internal: list {key} was not run")))
    })
}

/// A list by name (field selector) as a GET: the one object, none, or the failure.
fn single(listed: Listed) -> Result<Option<DynamicObject>> {
    match listed {
        Listed::Items(items) => Ok(items.into_iter().next()),
        Listed::Missing => Ok(None),
        Listed::Forbidden(message) => Err(Error::forbidden(message)),
        Listed::Failed(error) => Err(error),
    }
}

enum Needed<'a> {
    /// The read is required: a 403 is a blocking problem naming `what`.
    Yes(&'a str),
    No,
}

enum Read {
    Found(Box<DynamicObject>),
    Absent,
    Forbidden,
}

/// Sort one GET result: 403 becomes data (and a problem when the read was required); transport
/// failures end pre-flight.
fn read(
    result: Result<Option<DynamicObject>>,
    problems: &mut Vec<Problem>,
    needed: Needed<'_>,
) -> Result<Read> {
    match result {
        Ok(Some(obj)) => Ok(Read::Found(Box::new(obj))),
        Ok(None) => Ok(Read::Absent),
        Err(e) if e.kind == ErrorKind::Forbidden => {
            if let Needed::Yes(what) = needed {
                problems.push(Problem::error(
                    "forbidden",
                    format!("forbidden: cannot get {what}"),
                    Some(format!("ask a cluster admin for permission to get {what}")),
                ));
            }
            Ok(Read::Forbidden)
        }
        Err(e) => Err(e),
    }
}

fn current_cmo(obj: &DynamicObject) -> CurrentCmo {
    CurrentCmo {
        resource_version: obj.metadata.resource_version.clone(),
        config_yaml: obj
            .data
            .pointer(&format!(
                "/data/{}",
                cmo::CMO_KEY.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_str)
            .map(String::from),
    }
}

/// The grafana-operator CSV (name, phase) among the listed CSVs, newest name last.
fn csv_phase(listed: &Listed) -> Option<(String, String)> {
    listed
        .items()
        .iter()
        .filter_map(|csv| {
            let name = csv.metadata.name.clone()?;
            name.starts_with(plan::OPERATOR_PACKAGE).then(|| {
                let phase = csv
                    .data
                    .pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("Unknown")
                    .to_string();
                (name, phase)
            })
        })
        .max_by(|a, b| a.0.cmp(&b.0))
}

/// Every permission the plan's writes need. Pure. Objects known to exist need `patch`; objects
/// that may be new need `create` and `patch` (server-side apply creates through PATCH).
pub fn required_access(plan: &InstallPlan, facts: &PreflightFacts) -> Vec<AccessCheck> {
    let mut checks = Vec::new();
    for item in &plan.items {
        let PlanAction::Apply(desired) = &item.action else {
            continue;
        };
        let Ok(key) = desired.key() else { continue };
        let exists = match (key.kind.group.as_str(), key.kind.kind.as_str()) {
            ("", "Namespace") => facts.namespace == NamespaceState::Ours,
            ("", "ConfigMap") if key.name == cmo::CMO_CONFIGMAP => {
                matches!(facts.cmo, CmoState::Present(_))
            }
            _ => false,
        };
        let verbs: &[&'static str] = if exists {
            &["patch"]
        } else {
            &["create", "patch"]
        };
        for verb in verbs {
            checks.push(AccessCheck {
                verb,
                group: key.kind.group.clone(),
                resource: key.kind.plural.clone(),
                namespace: key.namespace.clone(),
            });
        }
    }
    checks.sort();
    checks.dedup();
    checks
}

/// Ask the API server about every check, concurrently (one SelfSubjectAccessReview each).
pub async fn check_access(cluster: &Cluster, checks: &[AccessCheck]) -> Vec<(AccessCheck, Access)> {
    let api: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    let answers = join_all(checks.iter().map(|check| {
        let api = api.clone();
        async move {
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        verb: Some(check.verb.to_string()),
                        group: Some(check.group.clone()),
                        resource: Some(check.resource.clone()),
                        namespace: check.namespace.clone(),
                        ..ResourceAttributes::default()
                    }),
                    ..SelfSubjectAccessReviewSpec::default()
                },
                ..SelfSubjectAccessReview::default()
            };
            match api.create(&PostParams::default(), &review).await {
                Ok(answer) => match answer.status {
                    Some(s) if s.allowed => Access::Allowed,
                    Some(s) => Access::Denied(s.reason.unwrap_or_default()),
                    None => Access::Unknown("the review came back without a status".into()),
                },
                Err(e) => Access::Unknown(
                    map_kube_error(e, "create", "selfsubjectaccessreviews", &cluster.server)
                        .message,
                ),
            }
        }
    }));
    checks.iter().cloned().zip(answers.await).collect()
}

/// Judge the facts and permission answers. Pure. Errors block the install; warnings do not.
pub fn problems(
    opts: &InstallOptions,
    facts: &PreflightFacts,
    access: &[(AccessCheck, Access)],
) -> Vec<Problem> {
    let mut out = Vec::new();
    if !facts.operator.installed() && !opts.install_operator {
        let csv = match &facts.operator.csv {
            Some((name, phase)) => format!(" (CSV {name} is {phase})"),
            None => String::new(),
        };
        out.push(Problem::error(
            "operator-missing",
            format!(
                "the Grafana Operator is not installed: {} not served{csv}",
                facts.operator.missing_crds.join(", ")
            ),
            Some(
                "install it from OperatorHub (Operators → OperatorHub → \"Grafana Operator\", \
                 community, channel v5, all namespaces), or re-run with --install-operator"
                    .into(),
            ),
        ));
    }
    if !opts.enable_uwm {
        match &facts.cmo {
            CmoState::Unreadable(why) => out.push(Problem::warning(
                "uwm-unknown",
                format!("cannot tell whether user-workload monitoring is enabled ({why})"),
                Some("vLLM and EPP metrics reach Thanos only with it; see `oc llmd doctor`".into()),
            )),
            _ if !facts.uwm_enabled => out.push(Problem::error(
                "uwm-disabled",
                format!(
                    "user-workload monitoring is disabled (no `{}: true` in {}/{})",
                    cmo::UWM_KEY,
                    cmo::CMO_NAMESPACE,
                    cmo::CMO_CONFIGMAP
                ),
                Some(
                    "without it Thanos has no vLLM or EPP metrics; re-run with --enable-uwm \
                     (every other key of config.yaml is kept)"
                        .into(),
                ),
            )),
            _ => {}
        }
    }
    match &facts.thanos_querier {
        Presence::Present => {}
        Presence::Absent => out.push(Problem::error(
            "thanos-missing",
            format!("Service thanos-querier not found in {}", cmo::CMO_NAMESPACE),
            Some("is this an OpenShift cluster with its monitoring stack running?".into()),
        )),
        Presence::Unknown(why) => out.push(Problem::warning(
            "thanos-unknown",
            format!(
                "cannot check Service thanos-querier in {}: {why}",
                cmo::CMO_NAMESPACE
            ),
            None,
        )),
    }
    for foreign in &facts.foreign {
        let (kind, name) = (foreign.key.kind.kind.as_str(), foreign.key.name.as_str());
        let ns = foreign.key.namespace.as_deref().unwrap_or_default();
        if kind == "GrafanaDatasource" && name == plan::DATASOURCE_NAME {
            out.push(Problem::error(
                "datasource-foreign",
                format!(
                    "GrafanaDatasource {name} in {ns} was not created by oc-llmd (the blog's \
                     setup.sh pastes the token into it in plain text); its uid cannot be changed \
                     in place"
                ),
                Some(format!(
                    "delete it with `oc delete grafanadatasource {name} -n {ns}`, then re-run"
                )),
            ));
        }
        if kind == "Grafana" && name == plan::GRAFANA_NAME {
            let detail = if foreign.plaintext_admin_password {
                "; it carries a plain-text spec.config.security.admin_password, which oc-llmd \
                 replaces with the generated Secret — remove that field after the install"
            } else {
                ""
            };
            out.push(Problem::warning(
                "grafana-adopted",
                format!(
                    "Grafana {name} in {ns} was not created by oc-llmd: it will be labelled and \
                     updated in place{detail}"
                ),
                Some(format!(
                    "oc patch grafana {name} -n {ns} --type json -p \
                     '[{{\"op\":\"remove\",\"path\":\"/spec/config/security/admin_password\"}}]'"
                ))
                .filter(|_| foreign.plaintext_admin_password),
            ));
        }
    }
    for (check, answer) in access {
        match answer {
            Access::Allowed => {}
            Access::Denied(reason) => out.push(Problem::error(
                "forbidden",
                format!(
                    "forbidden: cannot {}{}",
                    check.describe(),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({reason})")
                    }
                ),
                Some(format!(
                    "ask a cluster admin for RBAC permission to {}{}",
                    check.describe(),
                    match check.resource.as_str() {
                        "clusterrolebindings" if opts.tenant.is_none() => {
                            ", or use --tenant NAMESPACE (no cluster role needed)"
                        }
                        "namespaces" => ", or install into an existing project with -n NAMESPACE",
                        _ => "",
                    }
                )),
            )),
            Access::Unknown(why) => out.push(Problem::warning(
                "access-unknown",
                format!("cannot check permission to {}: {why}", check.describe()),
                None,
            )),
        }
    }
    out
}

/// The error for a failed pre-flight (None when no problem blocks): exit 4 when any permission
/// is missing, else exit 1.
pub fn into_error(problems: &[Problem]) -> Option<Error> {
    let blocking: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if blocking.is_empty() {
        return None;
    }
    let summary = format!(
        "pre-flight failed with {} problem{}; nothing was written",
        blocking.len(),
        if blocking.len() == 1 { "" } else { "s" }
    );
    let err = if blocking.iter().any(|p| p.id == "forbidden") {
        Error::forbidden(summary)
    } else {
        Error::failed(summary)
    };
    Some(err.with_hint("fix the problems listed above, then re-run (re-running is safe)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::plan::{InstallOptions, plan};

    fn ok_facts() -> PreflightFacts {
        PreflightFacts {
            uwm_enabled: true,
            cmo: CmoState::Present(CurrentCmo {
                resource_version: Some("1".into()),
                config_yaml: Some("enableUserWorkload: true".into()),
            }),
            thanos_querier: Presence::Present,
            ..PreflightFacts::default()
        }
    }

    fn opts() -> InstallOptions {
        InstallOptions {
            namespace: "llm-d-monitoring".into(),
            ..InstallOptions::default()
        }
    }

    #[test]
    fn healthy_cluster_has_no_problem() {
        assert!(problems(&opts(), &ok_facts(), &[]).is_empty());
        assert!(into_error(&[]).is_none());
    }

    #[test]
    fn all_problems_are_reported_together() {
        let mut f = ok_facts();
        f.operator.missing_crds = vec!["grafanas.grafana.integreatly.org".into()];
        f.uwm_enabled = false;
        f.thanos_querier = Presence::Absent;
        let denied = AccessCheck {
            verb: "create",
            group: "rbac.authorization.k8s.io".into(),
            resource: "clusterrolebindings".into(),
            namespace: None,
        };
        let found = problems(&opts(), &f, &[(denied, Access::Denied(String::new()))]);
        let ids: Vec<&str> = found.iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            [
                "operator-missing",
                "uwm-disabled",
                "thanos-missing",
                "forbidden"
            ]
        );
        assert!(
            found[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("--install-operator")
        );
        assert!(found[0].hint.as_deref().unwrap().contains("OperatorHub"));
        assert!(found[1].hint.as_deref().unwrap().contains("--enable-uwm"));
        assert!(
            found[3]
                .message
                .contains("create clusterrolebindings.rbac.authorization.k8s.io")
        );
        let err = into_error(&found).unwrap();
        assert_eq!(err.exit_code().code(), 4);
        assert!(err.message.contains("nothing was written"));
    }

    #[test]
    fn flags_clear_the_matching_problems() {
        let mut f = ok_facts();
        f.operator.missing_crds = vec!["grafanas.grafana.integreatly.org".into()];
        f.uwm_enabled = false;
        let o = InstallOptions {
            install_operator: true,
            enable_uwm: true,
            ..opts()
        };
        assert!(problems(&o, &f, &[]).is_empty());
        let err = into_error(&problems(&opts(), &f, &[])).unwrap();
        assert_eq!(err.exit_code().code(), 1);
    }

    #[test]
    fn warnings_do_not_block() {
        let mut f = ok_facts();
        f.thanos_querier = Presence::Unknown("forbidden".into());
        let p = problems(&opts(), &f, &[]);
        assert_eq!(p.len(), 1);
        assert!(into_error(&p).is_none());
    }

    #[test]
    fn access_covers_every_write_of_the_plan() {
        let mut o = opts();
        o.enable_uwm = true;
        o.admin_password = Some(secrecy::SecretString::from("x".repeat(32)));
        let mut f = ok_facts();
        f.uwm_enabled = false;
        f.cmo = CmoState::Present(CurrentCmo {
            resource_version: Some("3".into()),
            config_yaml: Some("{}".into()),
        });
        let p = plan(&o, &f).unwrap();
        let checks: Vec<String> = required_access(&p, &f)
            .iter()
            .map(|c| c.describe())
            .collect();
        for expected in [
            "create namespaces (cluster-scoped)",
            "patch namespaces (cluster-scoped)",
            "create secrets in namespace llm-d-monitoring",
            "create serviceaccounts in namespace llm-d-monitoring",
            "create configmaps in namespace llm-d-monitoring",
            "create clusterrolebindings.rbac.authorization.k8s.io (cluster-scoped)",
            "create grafanas.grafana.integreatly.org in namespace llm-d-monitoring",
            "patch grafanadatasources.grafana.integreatly.org in namespace llm-d-monitoring",
            "patch configmaps in namespace openshift-monitoring",
        ] {
            assert!(
                checks.contains(&expected.to_string()),
                "{expected} missing: {checks:?}"
            );
        }
        // The existing cluster-monitoring-config needs patch only.
        assert!(!checks.contains(&"create configmaps in namespace openshift-monitoring".into()));
        // Tenant mode: a RoleBinding in the tenant namespace, no cluster role binding.
        o.tenant = Some("team-a".into());
        let p = plan(&o, &f).unwrap();
        let checks: Vec<String> = required_access(&p, &f)
            .iter()
            .map(|c| c.describe())
            .collect();
        assert!(
            checks.contains(
                &"create rolebindings.rbac.authorization.k8s.io in namespace team-a".into()
            )
        );
        assert!(!checks.iter().any(|c| c.contains("clusterrolebindings")));
    }

    #[test]
    fn objects_left_by_the_blog_script_are_named() {
        let key = |kind: &str, name: &str| ObjectKey {
            kind: Kind::from_type("grafana.integreatly.org/v1beta1", kind, true),
            namespace: Some("llm-d-monitoring".into()),
            name: name.into(),
        };
        let mut f = ok_facts();
        f.foreign = vec![
            ForeignObject {
                key: key("GrafanaDatasource", plan::DATASOURCE_NAME),
                plaintext_admin_password: false,
            },
            ForeignObject {
                key: key("Grafana", plan::GRAFANA_NAME),
                plaintext_admin_password: true,
            },
            ForeignObject {
                key: key("GrafanaDashboard", "epp-routing-and-pool-health"),
                plaintext_admin_password: false,
            },
        ];
        let p = problems(&opts(), &f, &[]);
        let ids: Vec<&str> = p.iter().map(|p| p.id).collect();
        assert_eq!(ids, ["datasource-foreign", "grafana-adopted"]);
        assert!(
            p[0].hint
                .as_deref()
                .unwrap()
                .contains("oc delete grafanadatasource thanos-querier")
        );
        assert_eq!(p[1].severity, Severity::Warning);
        assert!(p[1].message.contains("admin_password"));
        assert_eq!(into_error(&p).unwrap().exit_code().code(), 1);
    }

    #[test]
    fn csv_phase_picks_the_grafana_operator() {
        let csv = |name: &str, phase: &str| {
            serde_json::from_value::<DynamicObject>(serde_json::json!({
                "metadata": {"name": name}, "status": {"phase": phase}}))
            .unwrap()
        };
        let listed = Listed::Items(vec![
            csv("other-operator.v1", "Succeeded"),
            csv("grafana-operator.v5.18.0", "Installing"),
        ]);
        assert_eq!(
            csv_phase(&listed),
            Some(("grafana-operator.v5.18.0".into(), "Installing".into()))
        );
        assert_eq!(csv_phase(&Listed::Missing), None);
    }
}
