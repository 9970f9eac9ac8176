//! Live completion values: namespace and LLMInferenceService names from the cluster, and
//! context/cluster/user names from the kubeconfig.
//!
//! Completion must never hang a shell nor print an error where candidates are expected: the
//! whole connect + list is bounded by [`TIMEOUT`], and any failure means "no candidates".

use std::time::Duration;

use clap::Parser;
use kube::config::Kubeconfig;

use super::cobra::{Answer, Candidate, LiveKind, directive};
use crate::cli::{Cli, GlobalArgs};
use crate::kube::list::{Listed, ResourceRef, list};
use crate::kube::{Cluster, Scope, connect};

/// Upper bound for one live completion (connect, list, and an OpenShift fallback).
pub const TIMEOUT: Duration = Duration::from_millis(1800);

const NAMESPACES: ResourceRef = ResourceRef {
    group: "",
    version: "v1",
    plural: "namespaces",
    kind: "Namespace",
    namespaced: false,
};

/// OpenShift's view of the namespaces a user may see, for users who may not list namespaces.
const PROJECTS: ResourceRef = ResourceRef {
    group: "project.openshift.io",
    version: "v1",
    plural: "projects",
    kind: "Project",
    namespaced: false,
};

/// v1alpha1 is served by every KServe release with LLMInferenceService (RHOAI 3.0 serves only it).
const LLMISVCS: ResourceRef = ResourceRef {
    group: "serving.kserve.io",
    version: "v1alpha1",
    plural: "llminferenceservices",
    kind: "LLMInferenceService",
    namespaced: true,
};

/// The connection flags typed on the line, parsed exactly as the plugin parses them.
pub fn connection_args(connection: &[String]) -> Option<GlobalArgs> {
    let argv = std::iter::once("kubectl-llmd")
        .chain(connection.iter().map(String::as_str))
        .chain(std::iter::once("version"));
    Cli::try_parse_from(argv).ok().map(|cli| cli.global)
}

/// Fetch `kind` names starting with `prefix`; `insert_prefix` is prepended to each candidate.
/// Never fails: on error or timeout the answer is empty with file completion off.
pub async fn answer(
    kind: LiveKind,
    prefix: &str,
    insert_prefix: &str,
    connection: &[String],
) -> Answer {
    let Some(global) = connection_args(connection) else {
        return Answer::nothing();
    };
    let fetched = tokio::time::timeout(TIMEOUT, fetch(kind, &global)).await;
    let Ok(Some(mut candidates)) = fetched else {
        return Answer::nothing();
    };
    candidates.retain(|c| c.value.starts_with(prefix));
    candidates.sort_by(|a, b| a.value.cmp(&b.value));
    candidates.dedup_by(|a, b| a.value == b.value);
    for c in &mut candidates {
        c.value = format!("{insert_prefix}{}", c.value);
    }
    Answer {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

async fn fetch(kind: LiveKind, global: &GlobalArgs) -> Option<Vec<Candidate>> {
    let cluster = match kind {
        LiveKind::Contexts | LiveKind::Clusters | LiveKind::Users => {
            return kubeconfig_entries(kind, global);
        }
        LiveKind::Namespaces | LiveKind::LlmInferenceServices => connect(global).await.ok()?,
    };
    match kind {
        LiveKind::LlmInferenceServices => llmisvcs(&cluster, global).await,
        _ => namespaces(&cluster).await,
    }
}

/// Entry names of the kubeconfig kubectl would read: `--kubeconfig`, else `KUBECONFIG`
/// (merged), else `~/.kube/config`.
fn kubeconfig_entries(kind: LiveKind, global: &GlobalArgs) -> Option<Vec<Candidate>> {
    let config = match &global.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    let current = config.current_context.clone().unwrap_or_default();
    let entries: Vec<Candidate> = match kind {
        LiveKind::Contexts => config
            .contexts
            .iter()
            .map(|c| {
                let ns = c.context.as_ref().and_then(|x| x.namespace.clone());
                let mut description = ns.map(|n| format!("namespace {n}")).unwrap_or_default();
                if c.name == current {
                    description = format!("current context {description}").trim().to_string();
                }
                Candidate::new(c.name.clone(), description)
            })
            .collect(),
        LiveKind::Clusters => config
            .clusters
            .iter()
            .map(|c| {
                let server = c.cluster.as_ref().and_then(|x| x.server.clone());
                Candidate::new(c.name.clone(), server.unwrap_or_default())
            })
            .collect(),
        _ => config
            .auth_infos
            .iter()
            .map(|u| Candidate::new(u.name.clone(), ""))
            .collect(),
    };
    Some(entries)
}

async fn namespaces(cluster: &Cluster) -> Option<Vec<Candidate>> {
    let listed = match list(cluster, &NAMESPACES, None).await {
        Listed::Forbidden(_) => list(cluster, &PROJECTS, None).await,
        other => other,
    };
    match listed {
        Listed::Items(items) => Some(
            items
                .iter()
                .filter_map(|o| o.metadata.name.clone())
                .map(|n| Candidate::new(n, ""))
                .collect(),
        ),
        _ => None,
    }
}

async fn llmisvcs(cluster: &Cluster, global: &GlobalArgs) -> Option<Vec<Candidate>> {
    let scope = Scope::resolve(global, &cluster.default_namespace, false);
    match list(cluster, &LLMISVCS, scope.namespace()).await {
        Listed::Items(items) => Some(
            items
                .iter()
                .filter_map(|o| {
                    let name = o.metadata.name.clone()?;
                    let ns = o.metadata.namespace.clone().unwrap_or_default();
                    Some(Candidate::new(name, format!("LLMInferenceService in {ns}")))
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_flags_parse_like_the_plugin() {
        let words: Vec<String> = ["--kubeconfig", "/k", "--context", "prod", "-n", "team"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let g = connection_args(&words).unwrap();
        assert_eq!(g.kubeconfig.as_deref(), Some(std::path::Path::new("/k")));
        assert_eq!(g.context.as_deref(), Some("prod"));
        assert_eq!(g.namespace.as_deref(), Some("team"));
        // A half-typed flag (value missing) is not a connection: no candidates, no error.
        assert!(connection_args(&["--context".to_string()]).is_none());
    }

    #[tokio::test]
    async fn kubeconfig_entries_come_from_the_file_on_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod-east\n  cluster:\n    \
             server: https://api.prod:6443\ncontexts:\n- name: prod\n  context:\n    \
             cluster: prod-east\n    user: me\n    namespace: llm\n- name: dev\n  context:\n    \
             cluster: prod-east\n    user: me\ncurrent-context: prod\nusers:\n- name: me\n  \
             user:\n    token: t\n",
        )
        .unwrap();
        let connection = vec!["--kubeconfig".to_string(), path.display().to_string()];
        let a = answer(LiveKind::Contexts, "", "", &connection).await;
        assert_eq!(
            a.candidates,
            [
                Candidate::new("dev", ""),
                Candidate::new("prod", "current context namespace llm")
            ]
        );
        let a = answer(LiveKind::Clusters, "prod", "--cluster=", &connection).await;
        assert_eq!(
            a.candidates,
            [Candidate::new(
                "--cluster=prod-east",
                "https://api.prod:6443"
            )]
        );
        let a = answer(LiveKind::Users, "", "", &connection).await;
        assert_eq!(a.candidates, [Candidate::new("me", "")]);
        let missing = vec![
            "--kubeconfig".to_string(),
            "/nonexistent/config".to_string(),
        ];
        assert_eq!(
            answer(LiveKind::Contexts, "", "", &missing).await,
            Answer::nothing()
        );
    }

    #[tokio::test]
    async fn unreachable_cluster_gives_no_candidates_quickly() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    \
                 server: https://127.0.0.1:{port}\ncontexts:\n- name: c\n  context:\n    \
                 cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    \
                 token: t\n"
            ),
        )
        .unwrap();
        let connection = vec!["--kubeconfig".to_string(), kubeconfig.display().to_string()];
        let start = std::time::Instant::now();
        let a = answer(LiveKind::Namespaces, "", "", &connection).await;
        assert_eq!(a, Answer::nothing());
        assert!(start.elapsed() <= TIMEOUT + Duration::from_millis(500));
    }
}
