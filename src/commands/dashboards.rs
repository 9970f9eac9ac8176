//! `dashboards`: print our Grafana dashboards for a metric naming. With an explicit `--naming` it is
//! purely local; with `auto` it asks Prometheus which series names exist and detects the naming.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::cli::{DashboardChoice, DashboardsArgs, GlobalArgs, OutputFormat};
use crate::dashboards::{self, DashboardName, RenderedDashboard};
use crate::error::{Error, ExitCode, Result};
use crate::metrics::Naming;
use crate::output;
use crate::prom::{PromClient, PromConfig, detect_naming};

/// The `-o json|yaml` document when several dashboards are printed.
#[derive(Debug, Serialize)]
struct DashboardList<'a> {
    kind: &'static str,
    version: u32,
    naming: String,
    items: Vec<&'a Value>,
}

pub async fn run(args: &DashboardsArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let naming = resolve_naming(args, global).await?;
    let dashboards = select(&naming, args.name, &args.datasource_uid)?;
    let text = render_output(&dashboards, &naming, args.name.is_some(), global.output)?;
    output::emit(&text);
    Ok(ExitCode::Ok)
}

/// The dashboards to print (pure).
pub fn select(
    naming: &Naming,
    name: Option<DashboardChoice>,
    datasource_uid: &str,
) -> Result<Vec<RenderedDashboard>> {
    let Some(choice) = name else {
        return Ok(dashboards::render_all(naming, datasource_uid));
    };
    let which = match choice {
        DashboardChoice::Vllm => DashboardName::Vllm,
        DashboardChoice::Epp => DashboardName::Epp,
        DashboardChoice::Overview => DashboardName::Overview,
    };
    match dashboards::render(naming, which, datasource_uid) {
        Some(d) => Ok(vec![d]),
        None => Err(Error::usage(format!(
            "naming `{naming}` has no EPP metrics, so there is no EPP dashboard"
        ))
        .with_hint(
            "pick a naming with an EPP generation (…-epp-model, …-epp-objective, …-epp-llmd)",
        )),
    }
}

/// Text for the chosen output format (pure).
pub fn render_output(
    dashboards: &[RenderedDashboard],
    naming: &Naming,
    single: bool,
    format: OutputFormat,
) -> Result<String> {
    match format {
        OutputFormat::Json | OutputFormat::Yaml => {
            let encode = |v: &dyn ErasedSerialize| match format {
                OutputFormat::Json => v.json(),
                _ => v.yaml(),
            };
            match (single, dashboards.first()) {
                (true, Some(d)) => encode(&d.json),
                _ => encode(&DashboardList {
                    kind: "DashboardList",
                    version: 1,
                    naming: naming.to_string(),
                    items: dashboards.iter().map(|d| &d.json).collect(),
                }),
            }
        }
        OutputFormat::Short => Ok(dashboards.iter().map(|d| format!("{}\n", d.uid)).collect()),
        OutputFormat::Table | OutputFormat::Wide => {
            let wide = format == OutputFormat::Wide;
            let mut header = vec!["UID", "TITLE", "PANELS", "NAMING"];
            if wide {
                header.push("TAGS");
            }
            let rows: Vec<Vec<String>> = dashboards
                .iter()
                .map(|d| {
                    let mut row = vec![
                        d.uid.clone(),
                        d.title.clone(),
                        d.panel_count().to_string(),
                        naming.to_string(),
                    ];
                    if wide {
                        let tags: Vec<&str> = d.json["tags"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect();
                        row.push(tags.join(","));
                    }
                    row
                })
                .collect();
            Ok(columns(&header, &rows))
        }
    }
}

/// JSON or YAML encoding behind one object-safe face (the list and a single dashboard differ in type).
trait ErasedSerialize {
    fn json(&self) -> Result<String>;
    fn yaml(&self) -> Result<String>;
}

impl<T: Serialize> ErasedSerialize for T {
    fn json(&self) -> Result<String> {
        output::to_json(self)
    }
    fn yaml(&self) -> Result<String> {
        output::to_yaml(self)
    }
}

/// kubectl-style columns: left-aligned, three spaces apart.
fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// An explicit naming, or detection through Prometheus for `auto`.
async fn resolve_naming(args: &DashboardsArgs, global: &GlobalArgs) -> Result<Naming> {
    if !args.naming.trim().eq_ignore_ascii_case("auto") {
        return args.naming.parse();
    }
    let Some(url) = &args.prom.prometheus_url else {
        return Err(Error::usage("`--naming auto` needs a Prometheus to ask which metric names exist").with_hint(
            "pass --naming <variant> (e.g. kserve-v1-epp-objective; see --help) or --prometheus-url <url> (with --token)",
        ));
    };
    let mut config = PromConfig::new(url.clone());
    config.token = args.prom.token.clone();
    config.insecure_skip_tls_verify = global.insecure_skip_tls_verify;
    config.verbose = global.verbose > 0;
    if let Some(t) = &global.request_timeout {
        config.timeout = parse_timeout(t)?;
    }
    if let Some(path) = &global.certificate_authority {
        let pem = std::fs::read(path).map_err(|e| {
            Error::usage(format!("cannot read the CA bundle {}: {e}", path.display()))
                .with_hint("pass a readable PEM file with --certificate-authority")
        })?;
        config.ca_pem = Some(pem);
    }
    let client = PromClient::new(config)?;
    let detected = detect_naming(&client, global.namespace.as_deref())
        .await?
        .ok_or_else(|| crate::prom::no_series_error(&client, global.namespace.as_deref()))?;
    for warning in &detected.warnings {
        eprintln!("warning: Prometheus answered partially: {warning}");
    }
    if global.verbose > 0 {
        eprintln!(
            "naming: {} (detected from {} series names)",
            detected.naming, detected.series_names
        );
    }
    Ok(detected.naming)
}

/// `10s`, `1m`, `500ms`, `2h`, or bare seconds; `0` means no limit.
fn parse_timeout(text: &str) -> Result<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || {
        Error::usage(format!("invalid --request-timeout `{text}`"))
            .with_hint("use a duration such as 10s, 1m or 500ms")
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let d = match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return Err(bad()),
    };
    // 0 = no limit: a day is as good as forever for one query.
    Ok(if d.is_zero() {
        Duration::from_secs(86_400)
    } else {
        d
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming() -> Naming {
        "kserve-v1-epp-objective".parse().unwrap()
    }

    #[test]
    fn table_lists_every_dashboard() {
        let n = naming();
        let ds = select(&n, None, "ds").unwrap();
        let text = render_output(&ds, &n, false, OutputFormat::Table).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("UID") && lines[0].contains("PANELS"));
        assert!(
            lines[1].starts_with("oc-llmd-vllm ") && lines[1].ends_with("kserve-v1-epp-objective")
        );
    }

    #[test]
    fn json_list_and_single() {
        let n = naming();
        let all = select(&n, None, "ds").unwrap();
        let v: Value =
            serde_json::from_str(&render_output(&all, &n, false, OutputFormat::Json).unwrap())
                .unwrap();
        assert_eq!(v["kind"], "DashboardList");
        assert_eq!(v["items"].as_array().unwrap().len(), 3);
        let one = select(&n, Some(DashboardChoice::Epp), "ds").unwrap();
        let v: Value =
            serde_json::from_str(&render_output(&one, &n, true, OutputFormat::Json).unwrap())
                .unwrap();
        assert_eq!(v["uid"], "oc-llmd-epp");
        let yaml = render_output(&one, &n, true, OutputFormat::Yaml).unwrap();
        assert!(yaml.contains("uid: oc-llmd-epp"), "{yaml}");
    }

    #[test]
    fn epp_dashboard_needs_an_epp() {
        let n: Naming = "plain-v1-epp-none".parse().unwrap();
        assert_eq!(select(&n, None, "ds").unwrap().len(), 2);
        let e = select(&n, Some(DashboardChoice::Epp), "ds").unwrap_err();
        assert_eq!(e.exit_code().code(), 2);
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_timeout("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_timeout("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_timeout("0").unwrap(), Duration::from_secs(86_400));
        assert!(parse_timeout("soon").is_err());
    }
}
