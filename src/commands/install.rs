//! `install-monitoring`: pre-flight (reads + permission checks, all problems at once), then the
//! plan applied in order with server-side apply, then bounded waits for the operator to act, then
//! the Grafana URL and how to read the admin password.
//!
//! `--dry-run` prints the plan with the action each object would get (GETs only);
//! `-o yaml|json` prints the manifests for GitOps (no Secret data) and writes nothing.

use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::Value;

use crate::apply::{Engine, Kind, ObjectKey, Outcome, Readiness};
use crate::cli::{GlobalArgs, InstallArgs, OutputFormat};
use crate::cluster::gather;
use crate::cluster::model::keys;
use crate::error::{Error, ExitCode, Result};
use crate::install::plan::{
    self, CmoState, DashboardManifest, InstallOptions, InstallPlan, PlanAction, PreflightFacts,
    Step,
};
use crate::install::preflight::Problem;
use crate::install::progress::Progress;
use crate::install::{password, preflight, readiness, render};
use crate::kube::{self, Cluster, list::Listed};
use crate::output::{self, Style};

/// Inputs other modules provide: the rendered dashboards and extra objects (`--envoyfilter-fix`).
#[derive(Debug, Default)]
pub struct InstallInputs {
    pub dashboards: Vec<DashboardManifest>,
    pub extra_manifests: Vec<Value>,
}

/// The install namespace: `-n`, else [`plan::DEFAULT_NAMESPACE`] (not the context's namespace).
pub fn install_namespace(global: &GlobalArgs) -> String {
    global
        .namespace
        .clone()
        .unwrap_or_else(|| plan::DEFAULT_NAMESPACE.to_string())
}

pub async fn run(
    global: &GlobalArgs,
    args: &InstallArgs,
    inputs: InstallInputs,
) -> Result<ExitCode> {
    let style = Style::resolve(global.output, global.color);
    let timeout = kube::config::parse_duration(&args.timeout)?;
    let cluster = kube::connect(global).await?;
    // Fail fast (exit 3) before the naming probe prints anything about an unreachable cluster.
    kube::require_reachable(&cluster).await?;
    let mut opts = InstallOptions {
        namespace: install_namespace(global),
        tenant: args.tenant.clone(),
        enable_uwm: args.enable_uwm,
        install_operator: args.install_operator,
        extra_manifests: inputs.extra_manifests,
        admin_password: None,
    };
    // The reads doctor's snapshot makes too, made with doctor's own request definitions.
    let shared = gather::run_lists(&cluster, &gather::plan_subset(&gather::INSTALL_SHARED)).await;
    let dashboards = if inputs.dashboards.is_empty() {
        let monitors: Vec<Value> = [keys::PODMONITORS, keys::SERVICEMONITORS]
            .iter()
            .filter_map(|k| shared.get(*k))
            .flat_map(Listed::items)
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect();
        let (choice, how) = crate::install::naming::detect(&cluster, global, &monitors).await;
        eprintln!("dashboards: {how}");
        crate::install::naming::manifests(&choice)
    } else {
        inputs.dashboards
    };
    let (facts, mut problems) = preflight::gather(&cluster, &opts, dashboards, &shared).await?;

    if matches!(global.output, OutputFormat::Yaml | OutputFormat::Json) {
        // GitOps output: no password is generated, nothing is written.
        let plan = plan::plan(&opts, &facts)?;
        problems.extend(preflight::problems(&opts, &facts, &[]));
        eprint!("{}", render::problems_text(&problems));
        let text = if global.output == OutputFormat::Yaml {
            render::manifests_yaml(&plan)?
        } else {
            eprint!("{}", render::admin_secret_note(&plan.namespace));
            render::manifests_json(&plan)?
        };
        output::emit(&text);
        return Ok(ExitCode::Ok);
    }

    if !facts.admin_secret_exists && !args.dry_run {
        opts.admin_password = Some(password::generate()?);
    }
    let plan = match plan::plan(&opts, &facts) {
        Ok(plan) => plan,
        Err(err) => {
            // Only --enable-uwm can make planning fail (unreadable cluster-monitoring-config):
            // keep it as a problem and plan the rest, so every problem is reported together.
            if !matches!(facts.cmo, CmoState::Unreadable(_)) {
                problems.push(Problem::from_error("uwm-config", &err));
            }
            opts.enable_uwm = false;
            let plan = plan::plan(&opts, &facts)?;
            opts.enable_uwm = true;
            plan
        }
    };
    let checks = preflight::required_access(&plan, &facts);
    let access = preflight::check_access(&cluster, &checks).await;
    problems.extend(preflight::problems(&opts, &facts, &access));
    eprint!("{}", render::problems_text(&problems));
    let blocked = preflight::into_error(&problems);

    if args.dry_run {
        let engine = Engine::new(&cluster, true);
        let mut predicted = Vec::with_capacity(plan.items.len());
        for item in &plan.items {
            predicted.push(match &item.action {
                PlanAction::Apply(d) => Some(engine.apply(d).await?.outcome),
                PlanAction::Keep { .. } => None,
            });
        }
        output::emit(&render::plan_text(&plan, &predicted));
        return match blocked {
            Some(err) => Err(err),
            None => Ok(ExitCode::Ok),
        };
    }
    if let Some(err) = blocked {
        return Err(err);
    }
    plan.check_applicable()?;

    let mut progress = Progress::new(style.stdout_is_terminal);
    let deadline = timeout.map(|t| Instant::now() + t);
    let outcomes = apply_plan(&cluster, &plan, &facts, &mut progress, deadline).await?;
    output::emit(&format!("Applied: {}\n", render::summary(&outcomes)));
    for stale in &plan.stale {
        output::emit(&format!(
            "note: {} carries our labels but is no longer part of the install\n",
            stale.display()
        ));
    }

    let engine = Engine::new(&cluster, false);
    match deadline {
        Some(deadline) => wait_ready(&engine, &plan, &mut progress, deadline).await?,
        None => output::emit("Not waiting for the operator (--timeout 0).\n"),
    }
    let url = grafana_url(&engine, &plan.namespace).await?;
    let shown = if args.show_password {
        match &opts.admin_password {
            Some(p) => Some(p.expose_secret().to_string()),
            None => read_password(&engine, &plan.namespace).await?,
        }
    } else {
        None
    };
    output::emit(&render::access_text(
        url.as_deref(),
        &plan.namespace,
        shown.as_deref(),
    ));
    Ok(ExitCode::Ok)
}

fn remaining(deadline: Option<Instant>) -> Duration {
    deadline
        .map(|d| d.saturating_duration_since(Instant::now()))
        .unwrap_or(Duration::ZERO)
}

/// Apply every object in order, one progress step per plan step. The operator step (when
/// present) is followed by the waits for its CSV and CRDs: the Grafana objects need them.
async fn apply_plan(
    cluster: &Cluster,
    plan: &InstallPlan,
    facts: &PreflightFacts,
    progress: &mut Progress,
    deadline: Option<Instant>,
) -> Result<Vec<Outcome>> {
    let engine = Engine::new(cluster, false);
    let mut outcomes = Vec::new();
    let mut current: Option<Step> = None;
    for item in &plan.items {
        if current != Some(item.step) {
            if current.is_some() {
                progress.end(true, "done");
            }
            if current == Some(Step::Operator) {
                wait_operator(&engine, plan, facts, progress, deadline).await?;
            }
            progress.begin(item.step.title());
            current = Some(item.step);
        }
        match &item.action {
            PlanAction::Apply(desired) => match engine.apply(desired).await {
                Ok(applied) => {
                    progress.line(&render::result_line(applied.outcome.as_str(), &applied.key));
                    outcomes.push(applied.outcome);
                }
                Err(err) => {
                    progress.end(false, "failed");
                    return Err(err);
                }
            },
            PlanAction::Keep { key, reason } => {
                progress.line(&format!("{} — {reason}", render::result_line("kept", key)));
            }
        }
    }
    if current.is_some() {
        progress.end(true, "done");
    }
    if current == Some(Step::Operator) {
        wait_operator(&engine, plan, facts, progress, deadline).await?;
    }
    Ok(outcomes)
}

fn key(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        kind: Kind::from_type(api_version, kind, namespace.is_some()),
        namespace: namespace.map(String::from),
        name: name.to_string(),
    }
}

/// After the Subscription: wait for OLM to resolve it, for its CSV to succeed and for the
/// Grafana CRDs to be served. Skipped when the operator was already installed.
async fn wait_operator(
    engine: &Engine,
    plan: &InstallPlan,
    facts: &PreflightFacts,
    progress: &mut Progress,
    deadline: Option<Instant>,
) -> Result<()> {
    if facts.operator.installed() || deadline.is_none() {
        return Ok(());
    }
    let sub_key = key(
        "operators.coreos.com/v1alpha1",
        "Subscription",
        Some(plan::OPERATOR_NAMESPACE),
        plan::OPERATOR_PACKAGE,
    );
    progress.begin("waiting for the Grafana Operator to install");
    let result = async {
        let sub = engine
            .wait_for(
                &sub_key,
                "the Grafana Operator Subscription to resolve",
                remaining(deadline),
                readiness::subscription_resolved,
            )
            .await?;
        let csv_name = readiness::subscription_csv(Some(&sub)).unwrap_or_default();
        let csv_key = key(
            "operators.coreos.com/v1alpha1",
            "ClusterServiceVersion",
            Some(plan::OPERATOR_NAMESPACE),
            &csv_name,
        );
        engine
            .wait_for(
                &csv_key,
                &format!("CSV {csv_name} to succeed"),
                remaining(deadline),
                readiness::csv_succeeded,
            )
            .await?;
        wait_crds(engine, &plan.namespace, deadline).await?;
        Ok::<_, Error>(csv_name)
    }
    .await;
    match result {
        Ok(csv) => {
            progress.end(true, &format!("{csv} succeeded"));
            Ok(())
        }
        Err(err) => {
            progress.end(false, "not ready");
            Err(err)
        }
    }
}

/// Poll until the Grafana Operator's three kinds are served.
async fn wait_crds(engine: &Engine, namespace: &str, deadline: Option<Instant>) -> Result<()> {
    let mut delay = Duration::from_millis(250);
    loop {
        let mut missing = Vec::new();
        for (api_version, kind) in preflight::GRAFANA_KINDS {
            let kind = Kind::from_type(api_version, kind, true);
            if let Listed::Missing = engine.list(&kind, Some(namespace), Some("none=none")).await {
                missing.push(kind.display());
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        if remaining(deadline).is_zero() {
            return Err(Error::failed(format!(
                "timed out waiting for the Grafana Operator CRDs: {} not served",
                missing.join(", ")
            ))
            .with_hint(
                "check the operator with `oc get csv -n openshift-operators`, then re-run",
            ));
        }
        tokio::time::sleep(delay.min(remaining(deadline))).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(2));
    }
}

/// The waits after applying, each one progress step, all under one deadline.
async fn wait_ready(
    engine: &Engine,
    plan: &InstallPlan,
    progress: &mut Progress,
    deadline: Instant,
) -> Result<()> {
    let ns = Some(plan.namespace.as_str());
    type Check = fn(Option<&::kube::api::DynamicObject>) -> Readiness;
    let mut waits: Vec<(String, ObjectKey, Check)> = vec![
        (
            "service-account token".into(),
            key("v1", "Secret", ns, plan::TOKEN_SECRET),
            readiness::token_populated,
        ),
        (
            "service CA bundle".into(),
            key("v1", "ConfigMap", ns, plan::SERVICE_CA_CONFIGMAP),
            readiness::ca_injected,
        ),
        (
            "Grafana instance".into(),
            key(
                "grafana.integreatly.org/v1beta1",
                "Grafana",
                ns,
                plan::GRAFANA_NAME,
            ),
            readiness::grafana_ready,
        ),
        (
            "Thanos datasource".into(),
            key(
                "grafana.integreatly.org/v1beta1",
                "GrafanaDatasource",
                ns,
                plan::DATASOURCE_NAME,
            ),
            |o| readiness::synchronized(o, "DatasourceSynchronized"),
        ),
    ];
    for (_, desired) in plan.applies() {
        if let Ok(k) = desired.key()
            && k.kind.kind == "GrafanaDashboard"
        {
            waits.push((format!("dashboard {}", k.name), k, |o| {
                readiness::synchronized(o, "DashboardSynchronized")
            }));
        }
    }
    for (what, key, check) in waits {
        progress.begin(&format!("waiting for the {what}"));
        let left = deadline.saturating_duration_since(Instant::now());
        match engine
            .wait_for(&key, &format!("the {what}"), left, check)
            .await
        {
            Ok(_) => progress.end(true, "ready"),
            Err(err) => {
                progress.end(false, "not ready");
                return Err(err);
            }
        }
    }
    Ok(())
}

/// `https://<host>` of the Route the operator made for Grafana (None when not there).
async fn grafana_url(engine: &Engine, namespace: &str) -> Result<Option<String>> {
    let route = key(
        "route.openshift.io/v1",
        "Route",
        Some(namespace),
        plan::ROUTE_NAME,
    );
    let found = match engine.get(&route).await {
        Ok(found) => found,
        // No Route API (not OpenShift) or not allowed to read it: fall back to the hint.
        Err(err) if err.kind == crate::error::Kind::Failed => None,
        Err(err) if err.kind == crate::error::Kind::Forbidden => None,
        Err(err) => return Err(err),
    };
    Ok(found
        .and_then(|r| {
            r.data
                .pointer("/spec/host")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .filter(|h| !h.is_empty())
        .map(|h| format!("https://{h}")))
}

/// The existing admin password, for `--show-password` on a re-run.
async fn read_password(engine: &Engine, namespace: &str) -> Result<Option<String>> {
    let secret = key("v1", "Secret", Some(namespace), plan::ADMIN_SECRET);
    let found = engine.get(&secret).await?;
    Ok(found
        .and_then(|s| {
            s.data
                .pointer(&format!("/data/{}", plan::ADMIN_PASSWORD_KEY))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .and_then(|b64| kube::config::base64_decode(&b64))
        .and_then(|bytes| String::from_utf8(bytes).ok()))
}
