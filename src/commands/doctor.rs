//! `oc llmd doctor`: connect, then probe reachability, gather one snapshot and ask Thanos — all
//! concurrently — run the checks, render.
//!
//! Read-only: the only POSTs are SelfSubjectAccessReviews, and with `--probe` the bounded test
//! completions through the gateways ([`crate::cluster::probe`]). Exit codes: 0 when no error (and no
//! warning under `--fail-on warn`), 1 otherwise; 3 when the cluster is unreachable or the
//! credentials are rejected (a one-line error, since nothing else can run); 2 on bad flags.
//! Without `-n`, doctor looks at all namespaces (`-A` is accepted and the same).

use std::time::Instant;

use crate::cli::{DoctorArgs, FailOn, GlobalArgs, OutputFormat};
use crate::cluster::model::Snapshot;
use crate::cluster::{Model, gather, probe};
use crate::doctor::engine::{self, Selection};
use crate::doctor::render::{render, render_catalogue};
use crate::doctor::report::Report;
use crate::error::{ExitCode, Result};
use crate::kube::{self, Scope};
use crate::output::{Style, emit};
use crate::prom::endpoint::der_to_pem;

pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<ExitCode> {
    let style = Style::resolve(global.output, global.color);
    if args.list {
        emit(&render_catalogue(&style)?);
        return Ok(ExitCode::Ok);
    }
    let selection = Selection::parse(&args.category, &args.check, &args.ignore, args.probe)?;
    let probe_addresses = probe::parse_addresses(&args.probe_address)?;
    let fail_on_warn = args.fail_on == Some(FailOn::Warn);
    let started = Instant::now();
    let cluster = kube::connect(global).await?;
    let scope = Scope::resolve(global, &cluster.default_namespace, true);
    // One round of concurrent requests: the reachability probe, the whole cluster gather and the
    // live Thanos facts (which need no snapshot until they are related to it).
    let (version, snap, live) = futures::join!(
        cluster.client.apiserver_version(),
        gather::gather(&cluster, &scope, None),
        crate::cluster::live::fetch(&cluster, global, &args.prom, &scope),
    );
    let version = match version {
        Ok(info) => info.git_version,
        Err(e) => {
            let err = kube::map_kube_error(e, "get", "/version", &cluster.server);
            let message = format!("cluster-reachable: {}", err.message);
            if matches!(global.output, OutputFormat::Json | OutputFormat::Yaml) {
                // Machines still get a report: the fatal check failed, everything else skipped.
                let mut snap = Snapshot::default();
                snap.cluster.server = cluster.server.clone();
                snap.cluster.error = Some(err.message.clone());
                let results = engine::run(&Model::new(&snap), &selection);
                emit(&render(&Report::new(results, fail_on_warn), &style)?);
            }
            let mut out = crate::error::Error::new(err.kind, message);
            out.hint = err.hint;
            return Err(out);
        }
    };
    let mut snap = snap;
    snap.cluster.kubernetes_version = Some(version);
    crate::cluster::live::apply(&mut snap, live);
    if selection.probes() {
        let options = probe::ProbeOptions {
            addresses: probe_addresses,
            model: args.probe_model.clone(),
            insecure_skip_tls_verify: global.insecure_skip_tls_verify,
            ca_pem: cluster.config.root_cert.as_ref().map(|d| der_to_pem(d)),
        };
        let facts = probe::probe(&Model::new(&snap), &options).await?;
        snap.probe = Some(facts);
    }
    let model = Model::new(&snap);
    let results = engine::run(&model, &selection);
    let report = Report::new(results, fail_on_warn);
    emit(&render(&report, &style)?);
    if global.verbose > 0 {
        eprintln!(
            "I doctor: {} API requests, {} ms",
            cluster.log.count(),
            started.elapsed().as_millis()
        );
    }
    Ok(if report.success {
        ExitCode::Ok
    } else {
        ExitCode::Findings
    })
}
