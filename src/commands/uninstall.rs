//! `uninstall-monitoring`: delete exactly the objects install-monitoring created (both labels,
//! our scope — see [`crate::install::uninstall`]), dependents first; the namespace only with
//! `--delete-namespace` and only when nothing else is in it. `--dry-run` lists, deletes nothing.

use futures::future::join_all;

use crate::apply::{Deleted, Engine, Kind, ObjectKey, labels};
use crate::cli::{GlobalArgs, UninstallArgs};
use crate::commands::install::install_namespace;
use crate::error::{Error, ExitCode, Result};
use crate::install::progress::Progress;
use crate::install::render;
use crate::install::uninstall::{self, Listing};
use crate::kube::{self, list::Listed};
use crate::output::{self, Style};

pub async fn run(global: &GlobalArgs, args: &UninstallArgs) -> Result<ExitCode> {
    let style = Style::resolve(global.output, global.color);
    let cluster = kube::connect(global).await?;
    let ns = install_namespace(global);
    let engine = Engine::new(&cluster, args.dry_run);
    let selector = labels::selector();

    // Our labelled objects: namespaced kinds in the install namespace, the rest everywhere.
    let scoped = uninstall::NAMESPACED
        .iter()
        .map(|k| (k, Some(ns.as_str())))
        .chain(uninstall::CLUSTER_WIDE.iter().map(|k| (k, None)));
    let lists = join_all(scoped.map(|((api_version, kind), namespace)| {
        let kind = Kind::from_type(api_version, kind, true);
        let engine = engine.clone();
        let selector = selector.clone();
        async move {
            let listed = engine.list(&kind, namespace, Some(&selector)).await;
            (kind, namespace.is_none(), listed)
        }
    }))
    .await;
    let mut listings = Vec::new();
    for (kind, everywhere, listed) in lists {
        match listed {
            Listed::Items(objects) => listings.push(Listing { kind, objects }),
            Listed::Missing => {}
            Listed::Forbidden(message) if everywhere && kind.namespaced => {
                // Not allowed to look in every namespace: look where this install can have put it.
                let mut places = vec![ns.clone()];
                places.extend(args.tenant.iter().filter(|t| **t != ns).cloned());
                eprintln!(
                    "warning: cannot list {} in all namespaces ({message}); looking in {} only",
                    kind.display(),
                    places.join(", ")
                );
                let mut objects = Vec::new();
                for place in &places {
                    match engine.list(&kind, Some(place), Some(&selector)).await {
                        Listed::Items(found) => objects.extend(found),
                        Listed::Missing => {}
                        Listed::Forbidden(m) => {
                            return Err(forbidden("list", &kind, Some(place), &m));
                        }
                        Listed::Failed(e) => return Err(e),
                    }
                }
                listings.push(Listing { kind, objects });
            }
            Listed::Forbidden(message) if everywhere => {
                // Cluster-scoped (the ClusterRoleBinding): users without cluster rights cannot
                // have created it; say so instead of failing the whole uninstall.
                eprintln!(
                    "warning: cannot list {} ({message}); if install-monitoring created \
                     {}, a cluster admin must delete it",
                    kind.display(),
                    crate::install::plan::CLUSTER_ROLE_BINDING
                );
            }
            Listed::Forbidden(message) => {
                let namespace = if everywhere { None } else { Some(ns.as_str()) };
                return Err(forbidden("list", &kind, namespace, &message));
            }
            Listed::Failed(e) => return Err(e),
        }
    }
    let selected = uninstall::select(&listings, &ns);

    // --delete-namespace: refuse up front, before deleting anything, when other objects live there.
    let namespace_key = ObjectKey {
        kind: Kind::from_type("v1", "Namespace", false),
        namespace: None,
        name: ns.clone(),
    };
    let mut delete_namespace = false;
    if args.delete_namespace && engine.get(&namespace_key).await?.is_some() {
        let others = leftovers(&engine, &ns).await?;
        if !others.is_empty() {
            return Err(Error::failed(format!(
                "namespace {ns} holds objects oc-llmd did not create ({}); refusing to delete \
                 it, nothing was deleted",
                others.join(", ")
            ))
            .with_hint("re-run without --delete-namespace to remove only our objects"));
        }
        delete_namespace = true;
    }

    if selected.is_empty() && !delete_namespace {
        output::emit(&format!(
            "Nothing to delete: no object labelled {selector} for namespace {ns}.\n"
        ));
        return Ok(ExitCode::Ok);
    }
    let mut progress = Progress::new(style.stdout_is_terminal);
    let title = if args.dry_run {
        "would delete (dry run: nothing is deleted)"
    } else {
        "deleting"
    };
    progress.begin(title);
    let mut count = 0usize;
    let targets = selected
        .iter()
        .chain(delete_namespace.then_some(&namespace_key));
    for key in targets {
        match engine.delete(key).await {
            Ok(done) => {
                let word = match done {
                    Deleted::Deleted => "deleted",
                    Deleted::AlreadyGone => "gone",
                    Deleted::WouldDelete => "delete",
                };
                count += 1;
                progress.line(&render::result_line(word, key));
            }
            Err(err) => {
                progress.end(false, "failed");
                return Err(err);
            }
        }
    }
    progress.end(
        true,
        &format!("{count} object{}", if count == 1 { "" } else { "s" }),
    );
    if !args.delete_namespace {
        output::emit(&format!(
            "Namespace {ns} is kept (use --delete-namespace to remove it when it holds nothing else).\n"
        ));
    }
    Ok(ExitCode::Ok)
}

fn forbidden(verb: &str, kind: &Kind, namespace: Option<&str>, message: &str) -> Error {
    let scope = namespace
        .map(|n| format!(" in namespace {n}"))
        .unwrap_or_else(|| " (all namespaces)".into());
    Error::forbidden(format!(
        "forbidden: cannot {verb} {}{scope}: {message}",
        kind.display()
    ))
    .with_hint(format!(
        "ask a cluster admin for RBAC permission to {verb} {}{scope}",
        kind.display()
    ))
}

/// Everything in the namespace that would survive the uninstall (see [`uninstall::leftovers`]).
async fn leftovers(engine: &Engine, ns: &str) -> Result<Vec<String>> {
    let lists = join_all(uninstall::LEFTOVER_KINDS.iter().map(|(api_version, kind)| {
        let kind = Kind::from_type(api_version, kind, true);
        let engine = engine.clone();
        async move {
            let listed = engine.list(&kind, Some(ns), None).await;
            (kind, listed)
        }
    }))
    .await;
    let mut listings = Vec::new();
    for (kind, listed) in lists {
        match listed {
            Listed::Items(objects) => listings.push(Listing { kind, objects }),
            Listed::Missing => {}
            Listed::Forbidden(m) => return Err(forbidden("list", &kind, Some(ns), &m)),
            Listed::Failed(e) => return Err(e),
        }
    }
    Ok(uninstall::leftovers(&listings, ns))
}
