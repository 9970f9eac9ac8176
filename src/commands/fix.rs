//! `fix`: print or apply the fixes doctor names.
//!
//! `fix epp-tls|pd-config [NAME] [-n NS|-A] [--apply] [--yes] [-o yaml|json]`: one read of the
//! cluster (doctor's gather), a pure plan per LLMInferenceService ([`crate::fix::epp_tls`],
//! [`crate::fix::pd_config`]): the diff, the guarded JSON patch and the `oc patch` command. With
//! `--apply` the diff is shown, then confirmed on a terminal (`--yes` otherwise, else exit 2),
//! then each patch is sent as `application/json-patch+json`; a failed `test` op is reported as a
//! conflict (exit 1), never retried or forced. Exit codes: 0 nothing to do / all patched; 1 a patch
//! is pending (print mode, like `kubectl diff`), refused, declined or in conflict; 2 usage;
//! 3 unreachable; 4 forbidden.
//!
//! `fix envoyfilter [--gateway NAME] [--dry-run] [--remove] [--force] [--body-mode MODE] [-o yaml|json]`:
//! one read of the cluster (doctor's gather), a pure plan, then server-side apply of each filter
//! (labelled as ours), or `-o yaml` to print them for review/GitOps, or `--remove` to delete
//! every EnvoyFilter we created.

use std::io::IsTerminal;

use crate::apply::engine::{Deleted, Desired, Engine, JsonPatched};
use crate::apply::kinds::ObjectKey;
use crate::cli::{ConfigFixArgs, FixArgs, FixCommand, GlobalArgs, OutputFormat};
use crate::cluster::model::{ListState, keys};
use crate::cluster::{Model, gather};
use crate::doctor::checks::unreadable;
use crate::error::{Error, ExitCode, Result};
use crate::fix::change::{ServiceFix, Verdict};
use crate::fix::envoyfilter::{self, BODY_MODES, NAME_PREFIX};
use crate::fix::render::{self, Applied};
use crate::fix::{epp_tls, pd_config};
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
        FixCommand::EppTls(a) => config_fix(global, ConfigFix::EppTls, a).await,
        FixCommand::PdConfig(a) => config_fix(global, ConfigFix::PdConfig, a).await,
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

/// The two LLMInferenceService fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConfigFix {
    EppTls,
    PdConfig,
}

impl ConfigFix {
    fn name(self) -> &'static str {
        match self {
            ConfigFix::EppTls => "epp-tls",
            ConfigFix::PdConfig => "pd-config",
        }
    }
}

async fn config_fix(
    global: &GlobalArgs,
    which: ConfigFix,
    args: &ConfigFixArgs,
) -> Result<ExitCode> {
    let fix = which.name();
    if args.yes && !args.apply {
        return Err(Error::usage("--yes only confirms --apply")
            .with_hint(format!("oc llmd fix {fix} --apply --yes")));
    }
    let cluster = kube::connect(global).await?;
    let scope = Scope::resolve(global, &cluster.default_namespace, args.name.is_none());
    let snap = gather::gather(&cluster, &scope, None).await;
    if let Some(err) = &snap.cluster.error {
        return Err(Error::unreachable(err.clone()));
    }
    let forbidden = [keys::LLMISVC_V1ALPHA2, keys::LLMISVC_V1ALPHA1]
        .iter()
        .find_map(|k| match snap.list_state(k) {
            ListState::Forbidden(m) => Some(m),
            _ => None,
        });
    if let (Some(m), true) = (forbidden, snap.llmisvcs.is_empty()) {
        return Err(Error::forbidden(format!(
            "forbidden: cannot list llminferenceservices.serving.kserve.io ({m})"
        ))
        .with_hint(
            "ask for read access to LLMInferenceServices, or narrow the scope with -n NAMESPACE",
        ));
    }
    let model = Model::new(&snap);
    let name = args.name.as_deref();
    let plans = match which {
        ConfigFix::EppTls => epp_tls::plan(&model, name),
        ConfigFix::PdConfig => pd_config::plan(&model, name),
    };
    if plans.is_empty() {
        return match name {
            Some(n) => Err(Error::failed(format!(
                "LLMInferenceService {n} not found in {}",
                snap.scope_text()
            ))
            .with_hint("list them with `oc get llminferenceservices -A`, and pass -n NAMESPACE")),
            None => {
                output::emit(&format!(
                    "no LLMInferenceService in {}: nothing to fix\n",
                    snap.scope_text()
                ));
                Ok(ExitCode::Ok)
            }
        };
    }
    let structured = matches!(global.output, OutputFormat::Json | OutputFormat::Yaml);
    let emit_document = |applied: &[Option<Applied>]| -> Result<()> {
        let doc = render::document(fix, &plans, applied);
        let text = if global.output == OutputFormat::Json {
            output::to_json(&doc)?
        } else {
            output::to_yaml(&doc)?
        };
        output::emit(&text);
        Ok(())
    };
    let (to_patch, _, refused) = render::counts(&plans);
    if !args.apply {
        if structured {
            emit_document(&[])?;
        } else {
            output::emit(&render::text(fix, &plans, false));
        }
        return Ok(if to_patch + refused > 0 {
            ExitCode::Findings
        } else {
            ExitCode::Ok
        });
    }
    // --apply: the diff first (on stderr when stdout carries a document).
    let shown = render::text(fix, &plans, true);
    if structured {
        eprint!("{shown}");
    } else {
        output::emit(&shown);
    }
    if to_patch > 0 && !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage(
                "--apply needs --yes when stdin is not a terminal; nothing was changed",
            )
            .with_hint(format!(
                "review the diff above, then re-run: oc llmd fix {fix} --apply --yes"
            )));
        }
        let targets: Vec<String> = plans
            .iter()
            .filter(|p| matches!(p.verdict, Verdict::Patch(_)))
            .map(ServiceFix::subject)
            .collect();
        if !confirm(&format!(
            "Apply {to_patch} patch(es) to LLMInferenceService {}? [y/N] ",
            targets.join(", ")
        ))
        .await?
        {
            eprintln!("not applied; nothing was changed");
            return Ok(ExitCode::Findings);
        }
    }
    let engine = Engine::new(&cluster, false);
    let mut applied: Vec<Option<Applied>> = Vec::with_capacity(plans.len());
    for p in &plans {
        let Verdict::Patch(c) = &p.verdict else {
            applied.push(None);
            continue;
        };
        let key = ObjectKey {
            kind: crate::apply::kinds::Kind::from_type(&p.api_version, "LLMInferenceService", true),
            namespace: Some(p.namespace.clone()),
            name: p.name.clone(),
        };
        applied.push(Some(match engine.json_patch(&key, &c.patch).await? {
            JsonPatched::Patched(_) => Applied::Patched,
            JsonPatched::Conflict(msg) => Applied::Conflict(msg),
        }));
    }
    if structured {
        emit_document(&applied)?;
    } else {
        let lines: String = plans
            .iter()
            .zip(&applied)
            .map(|(p, a)| render::applied_line(p, a.as_ref(), fix))
            .collect();
        output::emit(&lines);
    }
    let conflicts = applied
        .iter()
        .filter(|a| matches!(a, Some(Applied::Conflict(_))))
        .count();
    Ok(if conflicts + refused > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Ok
    })
}

/// Ask on the terminal (prompt on stderr); true only for y/yes.
async fn confirm(prompt: &str) -> Result<bool> {
    eprint!("{prompt}");
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Error::failed(format!("cannot read the answer: {e}")))?
    .map_err(|e| Error::failed(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
