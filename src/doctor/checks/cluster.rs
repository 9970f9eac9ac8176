//! Cluster checks: reachability, platform versions, serving CRDs, permissions.

use super::is_openshift;
use crate::cluster::Model;
use crate::cluster::model::{ListState, keys};
use crate::doctor::report::{CheckResult, error, info, ok, warn};

pub fn cluster_reachable(m: &Model) -> Vec<CheckResult> {
    let c = &m.snap.cluster;
    if c.reachable {
        let version = c
            .kubernetes_version
            .as_deref()
            .map(|v| format!(" (Kubernetes {v})"))
            .unwrap_or_default();
        vec![ok(
            "cluster-reachable",
            "",
            format!("API server {} reachable{version}", c.server),
        )]
    } else {
        vec![
            error(
                "cluster-reachable",
                "",
                c.error
                    .clone()
                    .unwrap_or_else(|| format!("cannot reach {}", c.server)),
            )
            .fix(format!("oc login {}", c.server))
            .hint("every other check reads the API server"),
        ]
    }
}

pub fn openshift_ai(m: &Model) -> Vec<CheckResult> {
    let c = &m.snap.cluster;
    const ID: &str = "openshift-ai";
    if !is_openshift(m.snap) {
        return vec![
            warn(ID, "", "plain Kubernetes (no ClusterVersion API): OpenShift monitoring checks are skipped")
                .hint("doctor targets OpenShift AI; on other clusters only the serving, gateway and Grafana checks apply"),
        ];
    }
    let ocp = c
        .openshift_version
        .clone()
        .unwrap_or_else(|| "version unknown".into());
    match &c.rhoai_version {
        Some(v) => vec![ok(ID, "", format!("OpenShift {ocp}, OpenShift AI {v}"))],
        None => vec![
            info(ID, "", format!(
                "OpenShift {ocp}; OpenShift AI not detected (no DataScienceCluster release, no rhods-operator CSV)"
            ))
            .hint("KServe may come from Open Data Hub or upstream; version-specific facts assume RHOAI releases"),
        ],
    }
}

fn served(m: &Model, versions: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let mut yes = Vec::new();
    let mut unknown = Vec::new();
    for (key, label) in versions {
        match m.snap.list_state(key) {
            ListState::Listed => yes.push(label.to_string()),
            ListState::NotInstalled => {}
            other => unknown.push(format!("{label}: {}", other.reason().unwrap_or_default())),
        }
    }
    (yes, unknown)
}

pub fn serving_crds(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "serving-crds";
    let (isvc, isvc_unknown) = served(
        m,
        &[
            (keys::LLMISVC_V1ALPHA2, "serving.kserve.io/v1alpha2"),
            (keys::LLMISVC_V1ALPHA1, "serving.kserve.io/v1alpha1"),
        ],
    );
    let (pools, pools_unknown) = served(
        m,
        &[
            (
                keys::POOL_V1ALPHA2,
                "inference.networking.x-k8s.io/v1alpha2",
            ),
            (keys::POOL_V1, "inference.networking.k8s.io/v1"),
        ],
    );
    let mut out = Vec::new();
    if isvc.is_empty() && isvc_unknown.is_empty() {
        out.push(
            error(ID, "", "the LLMInferenceService CRD (llminferenceservices.serving.kserve.io) is not installed")
                .fix("enable KServe in the DataScienceCluster: oc patch datasciencecluster default-dsc --type=merge -p '{\"spec\":{\"components\":{\"kserve\":{\"managementState\":\"Managed\"}}}}'")
                .hint("without the CRD there is no llm-d serving path to diagnose"),
        );
    }
    if pools.is_empty() && pools_unknown.is_empty() {
        out.push(
            error(ID, "", "no InferencePool CRD is installed (neither inference.networking.x-k8s.io nor inference.networking.k8s.io)")
                .fix("install the Gateway API Inference Extension CRDs shipped with OpenShift AI (KServe installs them with LLMInferenceService support)")
                .hint("KServe routes every LLMInferenceService through an InferencePool and its endpoint picker"),
        );
    }
    if !out.is_empty() {
        return out;
    }
    let unknown: Vec<String> = isvc_unknown.into_iter().chain(pools_unknown).collect();
    if isvc.is_empty() || pools.is_empty() {
        return vec![
            warn(ID, "", format!("cannot tell which versions are served: {}", unknown.join("; ")))
                .fix("ask for list permission on llminferenceservices and inferencepools, or scope with -n NAMESPACE")
                .hint("serving checks need to read these objects"),
        ];
    }
    let unreadable = if unknown.is_empty() {
        String::new()
    } else {
        format!(" (not readable: {})", unknown.join("; "))
    };
    vec![ok(
        ID,
        "",
        format!(
            "LLMInferenceService {}; InferencePool {}{unreadable}",
            isvc.join(", "),
            pools.join(", ")
        ),
    )]
}

pub fn permissions(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "permissions";
    let mut denied: Vec<String> = Vec::new();
    let mut affected: Vec<String> = Vec::new();
    for r in m.snap.access.iter().filter(|r| !r.allowed) {
        let what = if r.group.is_empty() {
            r.resource.clone()
        } else {
            format!("{}.{}", r.resource, r.group)
        };
        let place = r
            .namespace
            .as_deref()
            .map(|n| format!(" in {n}"))
            .unwrap_or_else(|| " cluster-wide".into());
        denied.push(format!("{} {what}{place}", r.verb));
        affected.extend(r.needed_by.iter().cloned());
    }
    for (key, state) in &m.snap.lists {
        if let ListState::Forbidden(_) = state {
            let line = format!("list {key}");
            if !denied.iter().any(|d| d.starts_with(&line)) {
                denied.push(line);
            }
        }
    }
    if denied.is_empty() {
        return vec![ok(
            ID,
            "",
            format!(
                "every read doctor makes is permitted ({} access reviews)",
                m.snap.access.len()
            ),
        )];
    }
    affected.sort();
    affected.dedup();
    let checks = if affected.is_empty() {
        String::new()
    } else {
        format!(
            "; checks that could not see everything: {}",
            affected.join(", ")
        )
    };
    vec![
        warn(ID, "", format!("not permitted: {}{checks}", denied.join(", ")))
            .fix("ask a cluster admin for read access (e.g. oc adm policy add-cluster-role-to-user cluster-reader $(oc whoami)), or scope with -n NAMESPACE")
            .hint("doctor reports what it cannot see instead of guessing"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::AccessReview;
    use crate::doctor::checks::test_support::*;
    use crate::doctor::report::Status;

    #[test]
    fn reachable() {
        all_ok(&with(|_| {}, cluster_reachable));
        let r = with(
            |s| {
                s.cluster.reachable = false;
                s.cluster.error = Some("authentication failed (401)".into());
            },
            cluster_reachable,
        );
        expect(&r, Status::Error, "401");
        assert!(r[0].fix.as_deref().unwrap().starts_with("oc login"));
    }

    #[test]
    fn openshift_ai_versions() {
        all_ok(&with(|_| {}, openshift_ai));
        let r = with(|s| s.cluster.rhoai_version = None, openshift_ai);
        expect(&r, Status::Info, "OpenShift AI not detected");
        let r = with(
            |s| {
                s.cluster.openshift_version = None;
                s.lists
                    .insert(keys::CLUSTERVERSIONS.into(), ListState::NotInstalled);
            },
            openshift_ai,
        );
        expect(&r, Status::Warn, "plain Kubernetes");
    }

    #[test]
    fn serving_crds_cases() {
        let r = with(
            |s| {
                s.lists
                    .insert(keys::LLMISVC_V1ALPHA2.into(), ListState::NotInstalled);
                s.lists
                    .insert(keys::POOL_V1.into(), ListState::NotInstalled);
            },
            serving_crds,
        );
        all_ok(&r);
        assert_eq!(
            r[0].message,
            "LLMInferenceService serving.kserve.io/v1alpha1; InferencePool inference.networking.x-k8s.io/v1alpha2"
        );
        let r = with(
            |s| {
                s.lists
                    .insert(keys::LLMISVC_V1ALPHA2.into(), ListState::NotInstalled);
                s.lists
                    .insert(keys::LLMISVC_V1ALPHA1.into(), ListState::NotInstalled);
            },
            serving_crds,
        );
        expect(&r, Status::Error, "LLMInferenceService CRD");
        let r = with(
            |s| {
                s.lists
                    .insert(keys::POOL_V1ALPHA2.into(), ListState::NotInstalled);
                s.lists
                    .insert(keys::POOL_V1.into(), ListState::NotInstalled);
            },
            serving_crds,
        );
        expect(&r, Status::Error, "no InferencePool CRD");
        let r = with(
            |s| {
                s.lists.insert(
                    keys::LLMISVC_V1ALPHA2.into(),
                    ListState::Forbidden("no".into()),
                );
                s.lists.insert(
                    keys::LLMISVC_V1ALPHA1.into(),
                    ListState::Forbidden("no".into()),
                );
            },
            serving_crds,
        );
        expect(&r, Status::Warn, "cannot tell");
    }

    #[test]
    fn permissions_cases() {
        all_ok(&with(|_| {}, permissions));
        let r = with(
            |s| {
                s.access.push(AccessReview {
                    verb: "list".into(),
                    resource: "secrets".into(),
                    allowed: false,
                    needed_by: vec!["grafana-token".into()],
                    ..Default::default()
                })
            },
            permissions,
        );
        expect(&r, Status::Warn, "list secrets cluster-wide");
        expect(&r, Status::Warn, "grafana-token");
        let r = with(
            |s| {
                s.lists
                    .insert(keys::GRAFANAS.into(), ListState::Forbidden("x".into()));
            },
            permissions,
        );
        expect(&r, Status::Warn, "list grafanas.grafana.integreatly.org");
    }

    #[test]
    fn unreachable_without_a_message_names_the_server() {
        let r = with(
            |s| {
                s.cluster.reachable = false;
                s.cluster.error = None;
            },
            cluster_reachable,
        );
        expect(&r, Status::Error, "cannot reach ");
        assert_eq!(
            r[0].fix.as_deref(),
            Some(
                format!(
                    "oc login {}",
                    r[0].message.trim_start_matches("cannot reach ")
                )
                .as_str()
            )
        );
    }
}
