//! Rendering the doctor report and the catalogue for every output format.
//!
//! - table (default): grouped by category, `✔ ‼ × – ℹ` per line, subject and message, and under
//!   every warning or error its `fix:` and `hint:`; a summary line last.
//! - wide: one aligned row per result with category, subject and fix columns.
//! - short: one line per warning or error, then the summary.
//! - json / yaml: the [`Report`] document (see [`super::report`]).
//!
//! Colour only when [`Style::color`]; the text is otherwise identical.

use owo_colors::OwoColorize;
use serde::Serialize;

use super::catalogue::{Category, Check, catalogue};
use super::report::{CheckResult, Report, Status};
use crate::cli::OutputFormat;
use crate::error::Result;
use crate::output::{Style, to_json, to_yaml};

/// Width of the id column (the longest id is `istio-inference-support`).
const ID_WIDTH: usize = 23;

pub fn symbol(status: Status) -> &'static str {
    match status {
        Status::Ok => "✔",
        Status::Warn => "‼",
        Status::Error => "×",
        Status::Skipped => "–",
        Status::Info => "ℹ",
    }
}

fn paint(text: &str, status: Status, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    match status {
        Status::Ok => text.green().to_string(),
        Status::Warn => text.yellow().to_string(),
        Status::Error => text.red().to_string(),
        Status::Skipped => text.dimmed().to_string(),
        Status::Info => text.cyan().to_string(),
    }
}

fn subject_message(r: &CheckResult) -> String {
    if r.subject.is_empty() {
        r.message.clone()
    } else {
        format!("{}: {}", r.subject, r.message)
    }
}

fn is_problem(r: &CheckResult) -> bool {
    matches!(r.status, Status::Warn | Status::Error)
}

/// The report in the chosen format.
pub fn render(report: &Report, style: &Style) -> Result<String> {
    match style.format {
        OutputFormat::Table => Ok(table(report, style.color)),
        OutputFormat::Wide => Ok(wide(report, style.color)),
        OutputFormat::Short => Ok(short(report, style.color)),
        OutputFormat::Json => to_json(report),
        OutputFormat::Yaml => to_yaml(report),
    }
}

fn summary(report: &Report, color: bool) -> String {
    let line = report.summary.line();
    if !color {
        return line;
    }
    let status = if report.summary.error > 0 {
        Status::Error
    } else if report.summary.warn > 0 {
        Status::Warn
    } else {
        Status::Ok
    };
    paint(&line, status, true).bold().to_string()
}

pub fn table(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for cat in Category::ALL {
        let results: Vec<&CheckResult> = report
            .checks
            .iter()
            .filter(|r| r.category == cat.as_str())
            .collect();
        if results.is_empty() {
            continue;
        }
        let name = cat.as_str();
        if color {
            out.push_str(&format!("{}\n", name.bold()));
        } else {
            out.push_str(&format!("{name}\n"));
        }
        out.push_str(&format!("{}\n", "-".repeat(name.len())));
        for r in results {
            let head = format!("{} {:<ID_WIDTH$}", symbol(r.status), r.id);
            out.push_str(&format!(
                "{}  {}\n",
                paint(&head, r.status, color),
                subject_message(r)
            ));
            if is_problem(r) {
                if let Some(fix) = &r.fix {
                    out.push_str(&format!("    fix:  {fix}\n"));
                }
                if let Some(hint) = &r.hint {
                    out.push_str(&format!("    hint: {hint}\n"));
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(report, color));
    out.push('\n');
    out
}

pub fn short(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for r in report.checks.iter().filter(|r| is_problem(r)) {
        let head = format!("{} {}", symbol(r.status), r.id);
        out.push_str(&format!(
            "{} {}\n",
            paint(&head, r.status, color),
            subject_message(r)
        ));
    }
    out.push_str(&summary(report, color));
    out.push('\n');
    out
}

/// Align columns with two spaces between them; no trailing whitespace.
fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map(|c| c.chars().count()).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < r.len() {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.push_str(&" ".repeat(pad));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

pub fn wide(report: &Report, color: bool) -> String {
    let mut rows = vec![
        ["STATUS", "CATEGORY", "CHECK", "SUBJECT", "MESSAGE", "FIX"]
            .map(String::from)
            .to_vec(),
    ];
    for r in &report.checks {
        rows.push(vec![
            format!("{} {}", symbol(r.status), r.status.as_str()),
            r.category.clone(),
            r.id.clone(),
            if r.subject.is_empty() {
                "-".into()
            } else {
                r.subject.clone()
            },
            r.message.clone(),
            r.fix.clone().unwrap_or_default(),
        ]);
    }
    let lines = columns(&rows);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        // Row 0 is the header; row i is result i-1.
        let status = i
            .checked_sub(1)
            .and_then(|k| report.checks.get(k))
            .map(|r| r.status);
        match status {
            Some(st) if color => out.push_str(&paint(line, st, true)),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.push_str(&summary(report, color));
    out.push('\n');
    out
}

#[derive(Serialize)]
struct CatalogueDoc<'a> {
    kind: &'static str,
    version: u32,
    checks: &'a [Check],
}

/// `--list`: the catalogue as a table, or as `{"kind":"DoctorCatalogue","version":1,"checks":[…]}`.
pub fn render_catalogue(style: &Style) -> Result<String> {
    let cat = catalogue();
    let doc = CatalogueDoc {
        kind: "DoctorCatalogue",
        version: 1,
        checks: &cat,
    };
    match style.format {
        OutputFormat::Json => to_json(&doc),
        OutputFormat::Yaml => to_yaml(&doc),
        _ => {
            let mut rows = vec![
                [
                    "ID",
                    "CATEGORY",
                    "SEVERITY",
                    "REQUIRES",
                    "WHAT IT ESTABLISHES",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for c in &cat {
                let requires: Vec<&str> = c
                    .requires
                    .iter()
                    .copied()
                    .filter(|r| *r != "cluster-reachable")
                    .collect();
                rows.push(vec![
                    c.id.to_string(),
                    c.category.as_str().to_string(),
                    c.severity.as_str().to_string(),
                    if requires.is_empty() {
                        "-".into()
                    } else {
                        requires.join(",")
                    },
                    c.title.to_string(),
                ]);
            }
            let mut out = columns(&rows).join("\n");
            out.push_str("\n\nEvery check except cluster-reachable requires cluster-reachable; a failed requirement skips its dependents.\n");
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::report::{error, ok};

    fn report() -> Report {
        let mut a = ok("cluster-reachable", "", "reachable");
        a.category = "cluster".into();
        let mut b = error(
            "uwm-enabled",
            "openshift-monitoring/cluster-monitoring-config",
            "off",
        )
        .fix("oc llmd install-monitoring --enable-uwm")
        .hint("why");
        b.category = "monitoring".into();
        Report::new(vec![a, b], false)
    }

    #[test]
    fn table_groups_and_shows_fixes() {
        let t = table(&report(), false);
        assert!(t.starts_with("cluster\n-------\n✔ cluster-reachable"));
        assert!(t.contains("× uwm-enabled              openshift-monitoring/cluster-monitoring-config: off\n    fix:  oc llmd install-monitoring --enable-uwm\n    hint: why\n"));
        assert!(t.ends_with("1 ok, 0 warnings, 1 error, 0 skipped\n"));
        assert!(!t.contains('\u{1b}'));
        assert!(table(&report(), true).contains('\u{1b}'));
    }

    #[test]
    fn short_lists_only_problems() {
        let s = short(&report(), false);
        assert_eq!(
            s,
            "× uwm-enabled openshift-monitoring/cluster-monitoring-config: off\n1 ok, 0 warnings, 1 error, 0 skipped\n"
        );
    }

    #[test]
    fn wide_aligns_without_trailing_space() {
        let w = wide(&report(), false);
        assert!(w.starts_with("STATUS   CATEGORY    CHECK"));
        assert!(w.lines().all(|l| !l.ends_with(' ')));
        assert!(w.contains("✔ ok     cluster     cluster-reachable  -"));
    }

    #[test]
    fn catalogue_lists_every_id() {
        let style = Style {
            format: OutputFormat::Table,
            color: false,
            stdout_is_terminal: false,
        };
        let t = render_catalogue(&style).unwrap();
        for c in catalogue() {
            assert!(t.contains(c.id));
        }
        let style = Style {
            format: OutputFormat::Json,
            ..style
        };
        let v: serde_json::Value =
            serde_json::from_str(&render_catalogue(&style).unwrap()).unwrap();
        assert_eq!(v["kind"], "DoctorCatalogue");
        assert_eq!(v["checks"][2]["id"], "serving-crds");
        assert_eq!(v["checks"][2]["requires"][0], "cluster-reachable");
    }
}
