//! `fix`: print or apply the fixes doctor names. `fix envoyfilter` is implemented; `fix epp-tls`
//! and `fix pd-config` say honestly that they are not yet (exit 2).
//!
//! `fix envoyfilter [--gateway NAME] [--dry-run] [--remove] [--force] [--body-mode MODE] [-o yaml|json]`:
//! one read of the cluster (doctor's gather), a pure plan, then server-side apply of each filter
//! (labelled as ours), or `-o yaml` to print them for review/GitOps, or `--remove` to delete
//! every EnvoyFilter we created.

use crate::apply::engine::{Deleted, Desired, Engine};
use crate::apply::kinds::ObjectKey;
use crate::cli::{FixArgs, FixCommand, GlobalArgs, OutputFormat};
use crate::cluster::model::keys;
use crate::cluster::{Model, gather};
use crate::doctor::checks::unreadable;
use crate::error::{Error, ExitCode, Result};
use crate::fix::envoyfilter::{self, BODY_MODES, NAME_PREFIX};
use crate::kube::{self, Scope};
use crate::output;

const WORKAROUND: &str = "note: this EnvoyFilter is a field workaround for the Istio 1.26 ext_proc gap, not an upstream fix \
     (upstream supports only FULL_DUPLEX_STREAMED); it is scoped to 1.26 proxies and inert after an upgrade";

pub async fn run(args: &FixArgs, global: &GlobalArgs) -> Result<ExitCode> {
    match &args.fix {
        FixCommand::Envoyfilter {
            gateway,
            dry_run,
            remove,
            force,
            body_mode,
        } => {
            envoyfilter_cmd(
                global,
                gateway.as_deref(),
                *dry_run,
                *remove,
                *force,
                body_mode,
            )
            .await
        }
        FixCommand::EppTls { .. } => Err(Error::not_implemented("fix epp-tls", "the gateway path")),
        FixCommand::PdConfig { .. } => {
            Err(Error::not_implemented("fix pd-config", "the gateway path"))
        }
    }
}

async fn envoyfilter_cmd(
    global: &GlobalArgs,
    gateway: Option<&str>,
    dry_run: bool,
    remove: bool,
    force: bool,
    body_mode: &str,
) -> Result<ExitCode> {
    let body_mode = body_mode.to_uppercase();
    if !BODY_MODES.contains(&body_mode.as_str()) {
        return Err(Error::usage(format!("unknown --body-mode {body_mode}"))
            .with_hint(format!("one of {}", BODY_MODES.join(", "))));
    }
    let cluster = kube::connect(global).await?;
    // As doctor does: an unreachable cluster or rejected credentials is exit 3, not "no gateway".
    kube::require_reachable(&cluster).await?;
    let engine = Engine::new(&cluster, dry_run);
    if remove {
        return remove_ours(&engine, gateway, dry_run).await;
    }
    let snap = gather::gather(&cluster, &Scope::All, None).await;
    if let Some(err) = &snap.cluster.error {
        return Err(Error::unreachable(err.clone()));
    }
    let model = Model::new(&snap);
    let (plans, refusals) = envoyfilter::plan(&model, gateway, &body_mode, force);
    for r in &refusals {
        eprintln!("{}: not generated: {}", r.gateway, r.reason);
    }
    if plans.is_empty() {
        // Lists we could not read make "nothing routes to a pool" unknowable, not false.
        let needed = [
            keys::GATEWAYS,
            keys::GATEWAYS_INGRESS,
            keys::HTTPROUTES,
            keys::POOL_V1ALPHA2,
            keys::POOL_V1,
            keys::SERVICES,
        ];
        if let Some(gap) = unreadable(&snap, &needed) {
            return Err(Error::failed(format!(
                "cannot tell which gateways route to an InferencePool: {gap}"
            ))
            .with_hint("`oc llmd doctor --check permissions` lists what could not be read"));
        }
        return Err(match (gateway, refusals.is_empty()) {
            (Some(g), true) => {
                Error::usage(format!("gateway {g} does not route to an InferencePool"))
                    .with_hint("list them with `oc llmd doctor --category gateway`")
            }
            (None, true) => Error::failed("no Gateway routes to an InferencePool: nothing to fix"),
            _ => Error::failed("no EnvoyFilter generated (see the reasons above)"),
        });
    }
    eprintln!("{WORKAROUND}");
    if matches!(global.output, OutputFormat::Yaml | OutputFormat::Json) {
        let docs: Vec<_> = plans
            .iter()
            .map(|p| {
                let mut m = p.manifest.clone();
                crate::apply::labels::inject(&mut m);
                m
            })
            .collect();
        let text = if global.output == OutputFormat::Json {
            output::to_json(&docs)?
        } else {
            docs.iter()
                .map(output::to_yaml)
                .collect::<Result<Vec<_>>>()?
                .join("---\n")
        };
        output::emit(&text);
        return Ok(ExitCode::Ok);
    }
    for p in &plans {
        let applied = engine.apply(&Desired::ours(p.manifest.clone())).await?;
        let verb = if dry_run { "would be" } else { "" };
        output::emit(&format!(
            "{} {verb} EnvoyFilter/{}{} (namespace {}) for gateway {}: EPP cluster {}\n",
            applied.outcome.as_str(),
            NAME_PREFIX,
            p.gateway,
            p.namespace,
            p.gateway,
            p.clusters.join(", ")
        ));
    }
    Ok(ExitCode::Ok)
}

async fn remove_ours(engine: &Engine, gateway: Option<&str>, dry_run: bool) -> Result<ExitCode> {
    let kind =
        crate::apply::kinds::Kind::from_type("networking.istio.io/v1alpha3", "EnvoyFilter", true);
    let listed = engine
        .list(&kind, None, Some(&crate::apply::labels::selector()))
        .await;
    let mut removed = 0;
    for obj in listed.items() {
        let name = obj.metadata.name.clone().unwrap_or_default();
        if !name.starts_with(NAME_PREFIX)
            || gateway.is_some_and(|g| name != format!("{NAME_PREFIX}{g}"))
        {
            continue;
        }
        let key = ObjectKey {
            kind: kind.clone(),
            namespace: obj.metadata.namespace.clone(),
            name: name.clone(),
        };
        let what = match engine.delete(&key).await? {
            Deleted::Deleted => "deleted",
            Deleted::AlreadyGone => "already gone",
            Deleted::WouldDelete => "would delete",
        };
        removed += 1;
        output::emit(&format!("{what} EnvoyFilter/{name}\n"));
    }
    if removed == 0 {
        output::emit(if dry_run {
            "nothing to remove\n"
        } else {
            "no EnvoyFilter of ours found\n"
        });
    }
    Ok(ExitCode::Ok)
}

/// The EnvoyFilters `install-monitoring --envoyfilter-fix` applies along with the stack (default
/// body mode, affected gateways only); the refusals are printed, not fatal.
pub async fn envoyfilters_for_install(global: &GlobalArgs) -> Result<Vec<serde_json::Value>> {
    let cluster = kube::connect(global).await?;
    let snap = gather::gather(&cluster, &Scope::All, None).await;
    let model = Model::new(&snap);
    let (plans, refusals) = envoyfilter::plan(&model, None, "STREAMED", false);
    for r in &refusals {
        eprintln!("{}: no EnvoyFilter: {}", r.gateway, r.reason);
    }
    if !plans.is_empty() {
        eprintln!("{WORKAROUND}");
    }
    Ok(plans.into_iter().map(|p| p.manifest).collect())
}
