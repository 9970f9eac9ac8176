//! `stats`: live metric summaries per LLMInferenceService, pod and pool.
//!
//! IO only: find the endpoint (or the pods), know the naming, send every query of
//! [`crate::stats::queries::build`] in one concurrent batch, hand the answers to the pure
//! [`crate::stats::summarize`], render. `--watch` repeats that every `--refresh`, redrawing in place
//! on a terminal (restored on Ctrl-C) and appending plain snapshots when piped; once a snapshot
//! has been shown, a failed refresh is printed on stderr and retried instead of ending the watch.
//!
//! The naming costs no extra round in a normal run: the one detected last time for this endpoint
//! is remembered ([`crate::prom::naming_cache`]), and its batch is sent together with the
//! detection; only when the detection disagrees are the answers dropped and the batch sent again
//! for the new naming. The first run against an endpoint detects first; `--watch` re-checks every
//! [`REDETECT_EVERY`] refreshes, concurrently with that refresh's batch; `--naming` skips detection.

use std::time::Duration;

use futures::future::join_all;

use crate::cli::{GlobalArgs, OutputFormat, StatsArgs, StatsSource};
use crate::error::{Error, ExitCode, Kind, Result};
use crate::kube::config::{Cluster, Scope, connect, parse_duration};
use crate::kube::list::{Listed, ResourceRef, list};
use crate::metrics::Naming;
use crate::output::{self, Style};
use crate::prom::endpoint::{self, Endpoint};
use crate::prom::{NamingCache, NamingKey, PromClient, QueryData, detect_naming};
use crate::stats::report::Source;
use crate::stats::{Answers, Context, KnownService, StatsReport, queries, render, summarize};

/// LLMInferenceServices (served in every KServe release that has them).
pub const LLM_INFERENCE_SERVICES: ResourceRef = ResourceRef {
    group: "serving.kserve.io",
    version: "v1alpha1",
    plural: "llminferenceservices",
    kind: "LLMInferenceService",
    namespaced: true,
};

/// ANSI: clear the screen and move home (watch on a terminal).
const CLEAR_HOME: &str = "\x1b[2J\x1b[H";
/// ANSI: reset attributes and show the cursor (on exit from watch).
const RESTORE: &str = "\x1b[0m\x1b[?25h";

/// The `--window` as seconds and as a PromQL duration.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub text: String,
    pub promql: String,
    pub seconds: f64,
}

/// Parse `--window` (pure): `5m`, `30s`, `90` (seconds), `1500ms`.
pub fn parse_window(text: &str) -> Result<Window> {
    let d = parse_duration(text)?.ok_or_else(|| {
        Error::usage(format!("--window must be longer than 0 (got `{text}`)"))
            .with_hint("use e.g. --window 5m (at least 4× the scrape interval)")
    })?;
    let ms = d.as_millis();
    let promql = if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    };
    Ok(Window {
        text: text.trim().to_string(),
        promql,
        seconds: d.as_secs_f64(),
    })
}

/// `--watch` re-detects the naming every this many refreshes (concurrently with the batch).
pub const REDETECT_EVERY: u32 = 12;

/// Everything a refresh needs that is resolved once.
struct Setup {
    endpoint: Endpoint,
    client: PromClient,
    scope: Scope,
    known: Option<Vec<KnownService>>,
    notes: Vec<String>,
    tenancy_url: Option<String>,
    verbose: bool,
    /// `--naming VARIANT`: no detection at all.
    fixed: Option<Naming>,
    /// The naming the next batch is built for: remembered from an earlier run, or detected.
    naming: Option<Naming>,
    /// Where [`Setup::naming`] came from, for `-v`.
    origin: Origin,
    /// Refreshes since the naming was last detected.
    unchecked: u32,
    cache: NamingCache,
}

/// Where the naming a batch is built for came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Cache,
    Detected,
}

impl Setup {
    fn naming_key(&self) -> NamingKey {
        NamingKey::new(
            self.client.base_url(),
            self.endpoint.config.tenancy_namespace.as_deref(),
            self.scope.namespace(),
        )
    }

    fn say(&self, text: &str) {
        if self.verbose {
            eprintln!("stats: {text}");
        }
    }

    /// Load the remembered naming for the current endpoint (if any); it is checked on first use.
    fn recall(&mut self) {
        self.naming = self.cache.get(&self.naming_key());
        self.origin = Origin::Cache;
        self.unchecked = REDETECT_EVERY;
    }

    fn remember(&self, naming: Naming) {
        if let Err(e) = self.cache.put(&self.naming_key(), naming) {
            self.say(&format!("cannot remember the naming: {e}"));
        }
    }
}

pub async fn run(args: &StatsArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let window = parse_window(&args.window)?;
    let style = Style::resolve(global.output, global.color);
    let refresh = parse_duration(&args.refresh)?.unwrap_or(Duration::from_secs(5));
    if args.source == StatsSource::Pods {
        let cluster = connect_for_stats(global).await?;
        let interval = parse_duration(&args.interval)?.ok_or_else(|| {
            Error::usage("--interval must be longer than 0").with_hint("e.g. --interval 10s")
        })?;
        let scope = Scope::resolve(global, &cluster.default_namespace, true);
        let mut snapshot = || {
            let cluster = cluster.clone();
            let scope = scope.clone();
            async move { crate::scrape::report(&cluster, &scope, interval).await }
        };
        return present(args.watch, refresh, style, &mut snapshot).await;
    }
    let setup = prepare(args, global).await?;
    if setup.verbose {
        eprintln!("stats: {}", setup.endpoint.how);
    }
    // The tenancy fallback may replace the client, so refreshes share the setup mutably.
    let setup = std::sync::Arc::new(tokio::sync::Mutex::new(setup));
    let mut snapshot = || {
        let window = window.clone();
        let setup = setup.clone();
        async move { prometheus_report(&mut *setup.lock().await, &window).await }
    };
    present(args.watch, refresh, style, &mut snapshot).await
}

/// Connect to the cluster for commands that cannot work without it (exit 3 with a hint).
async fn connect_for_stats(global: &GlobalArgs) -> Result<Cluster> {
    connect(global).await.map_err(|e| {
        let hint = format!(
            "{}; without a cluster, pass --prometheus-url <url> (and --token)",
            e.hint
                .clone()
                .unwrap_or_else(|| "check the kubeconfig".into())
        );
        e.with_hint(hint)
    })
}

async fn prepare(args: &StatsArgs, global: &GlobalArgs) -> Result<Setup> {
    let mut notes = Vec::new();
    let (endpoint, scope, known, client) = match &args.prom.prometheus_url {
        Some(url) => {
            let endpoint = endpoint::from_url(url, &args.prom, global).await?;
            let scope = match &global.namespace {
                Some(ns) if !global.all_namespaces => Scope::Namespace(ns.clone()),
                _ => Scope::All,
            };
            (endpoint, scope, None, None)
        }
        None => {
            let cluster = connect_for_stats(global).await?;
            let scope = Scope::resolve(global, &cluster.default_namespace, true);
            let (routed, services) = tokio::join!(
                endpoint::client_from_route(&cluster, &args.prom, global, |_| {}),
                list(&cluster, &LLM_INFERENCE_SERVICES, scope.namespace())
            );
            let (client, endpoint) = routed?;
            let known = match services {
                Listed::Items(items) => Some(known_services(&items)),
                Listed::Missing => Some(Vec::new()),
                Listed::Forbidden(m) | Listed::Failed(Error { message: m, .. }) => {
                    notes.push(format!(
                        "cannot list LLMInferenceServices ({m}); services are derived from metrics"
                    ));
                    None
                }
            };
            (endpoint, scope, known, Some(client))
        }
    };
    let fixed = if args.naming.trim().eq_ignore_ascii_case("auto") {
        None
    } else {
        Some(args.naming.parse::<Naming>()?)
    };
    let client = match client {
        Some(client) => client,
        None => PromClient::new(endpoint.config.clone())?,
    };
    let mut setup = Setup {
        endpoint,
        client,
        scope,
        known,
        notes,
        tenancy_url: args.tenancy_url.clone(),
        verbose: global.verbose > 0,
        fixed,
        naming: None,
        origin: Origin::Cache,
        unchecked: 0,
        cache: NamingCache::from_env(),
    };
    if fixed.is_none() {
        setup.recall();
    }
    Ok(setup)
}

/// The services the cluster has (pure).
pub fn known_services(items: &[kube::api::DynamicObject]) -> Vec<KnownService> {
    items
        .iter()
        .filter_map(|o| {
            Some(KnownService {
                namespace: o.metadata.namespace.clone()?,
                name: o.metadata.name.clone()?,
                model: o
                    .data
                    .pointer("/spec/model/name")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

/// Answers of one batch and the partial-answer notes that came with them.
struct Batch {
    answers: Answers,
    notes: Vec<String>,
}

/// Send every query of `naming` at once. Unreachable/401 and 403 end the batch; other failures
/// of single queries become notes.
async fn send_batch(setup: &Setup, naming: &Naming, window: &Window) -> Result<Batch> {
    let batch = queries::build(naming, &window.promql, setup.scope.namespace());
    let client = &setup.client;
    let results = join_all(batch.iter().map(|q| client.query(&q.promql, None))).await;
    let mut out = Batch {
        answers: Answers::new(),
        notes: Vec::new(),
    };
    for (q, result) in batch.iter().zip(results) {
        match result {
            Ok(r) => {
                out.notes.extend(
                    r.warnings
                        .iter()
                        .map(|w| format!("Prometheus answered partially: {w}")),
                );
                if let QueryData::Vector(samples) = r.data {
                    out.answers.insert(q.stat, samples);
                }
            }
            Err(e) if matches!(e.kind, Kind::Unreachable | Kind::Forbidden) => return Err(e),
            Err(e) => out
                .notes
                .push(format!("query for {:?} failed: {}", q.stat, e.message)),
        }
    }
    Ok(out)
}

/// The naming (or none: no vLLM/EPP series at all) and the batch answers for it, following the
/// module docs: one round when the remembered naming holds, detection first otherwise; on 403
/// for one namespace, the tenancy endpoint (explained in `-v`).
async fn resolve_and_query(
    setup: &mut Setup,
    window: &Window,
) -> Result<(Option<Naming>, Option<Batch>)> {
    if let Some(naming) = setup.fixed {
        return Ok((
            Some(naming),
            Some(send_batch(setup, &naming, window).await?),
        ));
    }
    loop {
        let ns = setup.scope.namespace().map(str::to_string);
        // The remembered or last detected naming, still fresh enough to use without detection.
        if let Some(naming) = setup.naming
            && setup.unchecked < REDETECT_EVERY
        {
            setup.unchecked += 1;
            return Ok((
                Some(naming),
                Some(send_batch(setup, &naming, window).await?),
            ));
        }
        let (detected, guessed) = match setup.naming {
            Some(guess) => {
                let (detected, batch) = tokio::join!(
                    detect_naming(&setup.client, ns.as_deref()),
                    send_batch(setup, &guess, window)
                );
                (detected, Some((guess, batch)))
            }
            None => (detect_naming(&setup.client, ns.as_deref()).await, None),
        };
        let detected = match (detected, &ns) {
            (Err(e), Some(ns))
                if e.kind == Kind::Forbidden
                    && setup.endpoint.config.tenancy_namespace.is_none() =>
            {
                let fallback = endpoint::tenancy(&setup.endpoint, setup.tenancy_url.as_deref(), ns);
                setup.say(&fallback.how);
                setup.client = PromClient::new(fallback.config.clone())?;
                setup.endpoint = fallback;
                setup.recall();
                continue;
            }
            (other, _) => other?,
        };
        let Some(d) = detected else {
            // No vLLM/EPP series at all: whatever a guessed batch answered is dropped.
            setup.naming = None;
            if setup.known.as_ref().is_some_and(|k| !k.is_empty()) {
                return Ok((None, None));
            }
            return Err(crate::prom::no_series_error(&setup.client, ns.as_deref()));
        };
        for w in &d.warnings {
            setup
                .notes
                .push(format!("Prometheus answered partially: {w}"));
        }
        setup.unchecked = 1;
        let batch = match guessed {
            Some((guess, batch)) if guess == d.naming => {
                setup.say(&match setup.origin {
                    Origin::Cache => format!(
                        "naming {guess} from cache, confirmed ({} series names)",
                        d.series_names
                    ),
                    Origin::Detected => format!("naming {guess} re-checked, unchanged"),
                });
                batch?
            }
            Some((guess, _)) => {
                let was = match setup.origin {
                    Origin::Cache => "remembered",
                    Origin::Detected => "detected earlier",
                };
                setup.say(&format!(
                    "naming changed: {guess} ({was}) → {} ({} series names); \
                     its answers are dropped and the queries sent again",
                    d.naming, d.series_names
                ));
                setup.remember(d.naming);
                send_batch(setup, &d.naming, window).await?
            }
            None => {
                setup.say(&format!(
                    "naming {} detected ({} series names){}",
                    d.naming,
                    d.series_names,
                    setup
                        .cache
                        .path()
                        .map(|p| format!("; remembered in {}", p.display()))
                        .unwrap_or_default()
                ));
                setup.remember(d.naming);
                send_batch(setup, &d.naming, window).await?
            }
        };
        setup.naming = Some(d.naming);
        setup.origin = Origin::Detected;
        return Ok((Some(d.naming), Some(batch)));
    }
}

async fn prometheus_report(setup: &mut Setup, window: &Window) -> Result<StatsReport> {
    let before = setup.client.queries_issued();
    let (naming, batch) = resolve_and_query(setup, window).await?;
    let mut notes = setup.notes.clone();
    let answers = match batch {
        Some(batch) => {
            notes.extend(batch.notes);
            batch.answers
        }
        None => Answers::new(),
    };
    notes.sort();
    notes.dedup();
    let ctx = Context {
        naming: naming.unwrap_or_default(),
        service_label: naming.unwrap_or_default().service_label(),
        source: Source::Prometheus,
        endpoint: setup.client.base_url().trim_end_matches('/').to_string(),
        window: window.text.clone(),
        window_seconds: window.seconds,
        queries: setup.client.queries_issued() - before,
        known: setup.known.clone(),
        notes,
    };
    Ok(summarize(&ctx, &answers))
}

/// Text of one report in the chosen format (pure); `previous` is the last `--watch` snapshot.
pub fn render_report(
    report: &StatsReport,
    previous: Option<&StatsReport>,
    format: OutputFormat,
    color: bool,
) -> Result<String> {
    match format {
        OutputFormat::Json => output::to_json(report),
        OutputFormat::Yaml => output::to_yaml(report),
        OutputFormat::Wide => Ok(render::render_table(report, previous, true, color)),
        OutputFormat::Table | OutputFormat::Short => {
            Ok(render::render_table(report, previous, false, color))
        }
    }
}

/// Print once, or keep printing with `--watch` until Ctrl-C.
async fn present<F, Fut>(
    watch: bool,
    refresh: Duration,
    style: Style,
    snapshot: &mut F,
) -> Result<ExitCode>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<StatsReport>>,
{
    if !watch {
        let report = snapshot().await?;
        output::emit(&render_report(&report, None, style.format, style.color)?);
        return Ok(ExitCode::Ok);
    }
    let in_place = style.stdout_is_terminal
        && !matches!(style.format, OutputFormat::Json | OutputFormat::Yaml);
    // After a first good snapshot, a failed refresh is reported on stderr and retried.
    let mut shown_once = false;
    let mut previous: Option<StatsReport> = None;
    // One listener for the whole watch: a Ctrl-C between two rounds is not lost.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let round = async {
            let report = match snapshot().await {
                Ok(report) => report,
                Err(e) if shown_once => {
                    output::print_error(&e);
                    tokio::time::sleep(refresh).await;
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            shown_once = true;
            let text = render_report(&report, previous.as_ref(), style.format, style.color)?;
            previous = Some(report);
            if in_place {
                output::emit(&format!("{CLEAR_HOME}{text}"));
            } else {
                output::emit(&text);
                if !matches!(style.format, OutputFormat::Json | OutputFormat::Yaml) {
                    output::emit("\n");
                }
            }
            tokio::time::sleep(refresh).await;
            Ok::<(), Error>(())
        };
        tokio::select! {
            r = round => r?,
            _ = &mut interrupted => {
                if in_place {
                    output::emit(RESTORE);
                    output::emit("\n");
                }
                return Ok(ExitCode::Ok);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let w = parse_window("5m").unwrap();
        assert_eq!((w.promql.as_str(), w.seconds), ("300s", 300.0));
        assert_eq!(parse_window("90").unwrap().promql, "90s");
        assert_eq!(parse_window("1500ms").unwrap().promql, "1500ms");
        assert_eq!(parse_window("0").unwrap_err().exit_code().code(), 2);
        assert_eq!(parse_window("soon").unwrap_err().exit_code().code(), 2);
    }
}
