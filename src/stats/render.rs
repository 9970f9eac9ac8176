//! Text rendering of a [`StatsReport`] (pure): per-service, per-pod and per-pool tables, `-o wide`
//! columns, and colour thresholds when colour is on: KV cache > 90 % and errors > 5 % in red,
//! queued requests in yellow, and a queue that grew since the previous `--watch` snapshot in red.

use owo_colors::OwoColorize;

use super::report::{PodStats, PoolStats, ServiceState, ServiceStats, ShareSource, StatsReport};

/// KV cache usage above this is shown in red.
pub const KV_RED_PERCENT: f64 = 90.0;
/// Error share above this is shown in red.
pub const ERROR_RED_PERCENT: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Warn,
    Bad,
    Dim,
}

struct Cell {
    text: String,
    tone: Tone,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        tone: Tone::Plain,
    }
}

fn toned(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

/// A number with a sensible precision, `-` when missing.
pub fn num(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(x) if x.abs() >= 100.0 || x.fract() == 0.0 => format!("{:.0}", x + 0.0),
        Some(x) if x.abs() >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// A latency in seconds as `850ms` / `1.20s`, `-` when missing.
pub fn secs(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(x) if x < 1.0 => format!("{:.0}ms", x * 1000.0),
        Some(x) => format!("{x:.2}s"),
    }
}

fn pct(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(x) => format!("{x:.1}%"),
    }
}

fn kv_cell(v: Option<f64>) -> Cell {
    let tone = match v {
        Some(x) if x > KV_RED_PERCENT => Tone::Bad,
        _ => Tone::Plain,
    };
    toned(pct(v), tone)
}

fn waiting_cell(v: Option<f64>, before: Option<f64>) -> Cell {
    let tone = match (v, before) {
        (Some(x), Some(b)) if x > b => Tone::Bad,
        (Some(x), _) if x > 0.0 => Tone::Warn,
        _ => Tone::Plain,
    };
    toned(num(v), tone)
}

fn table(header: &[&str], rows: &[Vec<Cell>], color: bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.text.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<(&str, Tone)>| {
        let last = cells.len().saturating_sub(1);
        for (i, (text, tone)) in cells.into_iter().enumerate() {
            let pad = if i < last {
                " ".repeat(widths.get(i).copied().unwrap_or(0) - text.chars().count() + 3)
            } else {
                String::new()
            };
            let shown = match (color, tone) {
                (true, Tone::Bad) => text.red().bold().to_string(),
                (true, Tone::Warn) => text.yellow().to_string(),
                (true, Tone::Dim) => text.dimmed().to_string(),
                _ => text.to_string(),
            };
            out.push_str(&shown);
            out.push_str(&pad);
        }
        out.push('\n');
    };
    line(header.iter().map(|h| (*h, Tone::Plain)).collect());
    for row in rows {
        line(row.iter().map(|c| (c.text.as_str(), c.tone)).collect());
    }
    out
}

fn service_rows(
    services: &[ServiceStats],
    previous: Option<&StatsReport>,
    wide: bool,
) -> Vec<Vec<Cell>> {
    services
        .iter()
        .map(|s| {
            let short = match s.state {
                ServiceState::NoMetrics => Some("(no metrics)"),
                ServiceState::WrongPrefix => Some("(wrong prefix)"),
                ServiceState::Ok | ServiceState::NoTraffic => None,
            };
            if let Some(short) = short {
                return vec![cell(&s.namespace), cell(&s.name), toned(short, Tone::Warn)];
            }
            let err_tone = match s.error_percent {
                Some(e) if e > ERROR_RED_PERCENT => Tone::Bad,
                _ => Tone::Plain,
            };
            let mut row = vec![
                cell(&s.namespace),
                cell(&s.name),
                if s.state == ServiceState::NoTraffic {
                    toned("0 (idle)", Tone::Dim)
                } else {
                    cell(num(s.requests_per_second))
                },
                toned(pct(s.error_percent), err_tone),
                cell(format!("{}/{}", secs(s.ttft.p50), secs(s.ttft.p95))),
                cell(format!("{}/{}", secs(s.e2e.p50), secs(s.e2e.p95))),
                cell(num(s.running)),
                waiting_cell(
                    s.waiting,
                    previous.and_then(|r| {
                        r.services
                            .iter()
                            .find(|o| o.namespace == s.namespace && o.name == s.name)?
                            .waiting
                    }),
                ),
                kv_cell(s.kv_cache_percent),
                cell(pct(s.prefix_hit_percent)),
            ];
            if wide {
                row.extend([
                    cell(secs(s.ttft.p99)),
                    cell(format!("{}/{}", secs(s.itl.p50), secs(s.itl.p95))),
                    cell(secs(s.e2e.p99)),
                    cell(num(s.prompt_tokens_per_second)),
                    cell(num(s.generation_tokens_per_second)),
                    cell(num(s.preemptions_per_second)),
                    cell(s.model.clone().unwrap_or_else(|| "-".into())),
                ]);
            }
            row
        })
        .collect()
}

fn pod_rows(pods: &[PodStats], previous: Option<&StatsReport>, wide: bool) -> Vec<Vec<Cell>> {
    pods.iter()
        .map(|p| {
            let mut row = vec![
                cell(&p.namespace),
                cell(&p.service),
                cell(&p.name),
                cell(pct(p.share_percent)),
                cell(num(p.running)),
                waiting_cell(
                    p.waiting,
                    previous.and_then(|r| {
                        r.pods
                            .iter()
                            .find(|o| o.namespace == p.namespace && o.name == p.name)?
                            .waiting
                    }),
                ),
                kv_cell(p.kv_cache_percent),
                cell(pct(p.prefix_hit_percent)),
            ];
            if wide {
                row.push(cell(num(p.requests_per_second)));
                row.push(cell(match p.share_source {
                    Some(ShareSource::Epp) => "epp",
                    Some(ShareSource::Vllm) => "vllm",
                    None => "-",
                }));
            }
            row
        })
        .collect()
}

fn pool_rows(pools: &[PoolStats], previous: Option<&StatsReport>, wide: bool) -> Vec<Vec<Cell>> {
    pools
        .iter()
        .map(|p| {
            let errors = p.errors_by_code.values().fold(0.0, |a, b| a + b);
            let mut row = vec![
                cell(&p.namespace),
                cell(&p.name),
                cell(p.service.clone().unwrap_or_else(|| "-".into())),
                cell(num(p.ready_pods)),
                kv_cell(p.avg_kv_cache_percent),
                waiting_cell(
                    p.avg_queue,
                    previous.and_then(|r| {
                        r.pools
                            .iter()
                            .find(|o| o.namespace == p.namespace && o.name == p.name)?
                            .avg_queue
                    }),
                ),
                cell(format!(
                    "{}/{}",
                    secs(p.scheduling_latency.p50),
                    secs(p.scheduling_latency.p99)
                )),
                cell(num(p.scheduling_failures_per_second)),
                toned(
                    num(Some(errors)),
                    if errors > 0.0 {
                        Tone::Warn
                    } else {
                        Tone::Plain
                    },
                ),
            ];
            if wide {
                row.push(cell(num(p.requests_per_second)));
                let codes: Vec<String> = p
                    .errors_by_code
                    .iter()
                    .map(|(c, v)| format!("{c}={}", num(Some(*v))))
                    .collect();
                row.push(cell(if codes.is_empty() {
                    "-".to_string()
                } else {
                    codes.join(",")
                }));
            }
            row
        })
        .collect()
}

/// The table (or `-o wide`) text of a report; `previous` is the last `--watch` snapshot.
pub fn render_table(
    report: &StatsReport,
    previous: Option<&StatsReport>,
    wide: bool,
    color: bool,
) -> String {
    let mut out = format!(
        "Naming {} · window {} · {} requests · {}\n\n",
        report.naming, report.window, report.queries, report.endpoint
    );
    if report.services.is_empty() {
        out.push_str("No vLLM metrics in scope — run `oc llmd doctor` to see why.\n");
    } else {
        let mut header = vec![
            "NAMESPACE",
            "SERVICE",
            "REQ/S",
            "ERR%",
            "TTFT P50/P95",
            "E2E P50/P95",
            "RUNNING",
            "WAITING",
            "KV%",
            "PREFIX HIT%",
        ];
        if wide {
            header.extend([
                "TTFT P99",
                "ITL P50/P95",
                "E2E P99",
                "PROMPT TOK/S",
                "GEN TOK/S",
                "PREEMPT/S",
                "MODEL",
            ]);
        }
        out.push_str(&table(
            &header,
            &service_rows(&report.services, previous, wide),
            color,
        ));
        for s in &report.services {
            if s.state != ServiceState::Ok {
                out.push_str(&format!(
                    "  {}/{}: {}\n",
                    s.namespace,
                    s.name,
                    s.message.as_deref().unwrap_or("")
                ));
            }
        }
    }
    if !report.pods.is_empty() {
        out.push('\n');
        let mut header = vec![
            "NAMESPACE",
            "SERVICE",
            "POD",
            "SHARE",
            "RUNNING",
            "WAITING",
            "KV%",
            "PREFIX HIT%",
        ];
        if wide {
            header.extend(["REQ/S", "SHARE FROM"]);
        }
        out.push_str(&table(
            &header,
            &pod_rows(&report.pods, previous, wide),
            color,
        ));
    }
    if !report.pools.is_empty() {
        out.push('\n');
        let mut header = vec![
            "NAMESPACE",
            "POOL",
            "SERVICE",
            "READY",
            "AVG KV%",
            "AVG QUEUE",
            "SCHED P50/P99",
            "SCHED FAIL/S",
            "ERR/S",
        ];
        if wide {
            header.extend(["EPP REQ/S", "ERRORS BY CODE"]);
        }
        out.push_str(&table(
            &header,
            &pool_rows(&report.pools, previous, wide),
            color,
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::report::{PoolStats, Source};

    fn report() -> StatsReport {
        StatsReport {
            kind: "StatsReport",
            version: 1,
            source: Source::Prometheus,
            endpoint: "http://thanos".into(),
            naming: "kserve-v1-epp-llmd".into(),
            window: "5m".into(),
            window_seconds: 300.0,
            queries: 31,
            services: vec![
                ServiceStats {
                    namespace: "llm".into(),
                    name: "hot".into(),
                    requests_per_second: Some(12.5),
                    error_percent: Some(0.0),
                    kv_cache_percent: Some(93.0),
                    waiting: Some(4.0),
                    ..Default::default()
                },
                ServiceStats {
                    namespace: "llm".into(),
                    name: "ghost".into(),
                    state: ServiceState::NoMetrics,
                    message: Some("no metrics for this service — run oc llmd doctor".into()),
                    ..Default::default()
                },
            ],
            pods: vec![],
            pools: vec![PoolStats {
                namespace: "llm".into(),
                name: "pool".into(),
                ..Default::default()
            }],
            notes: vec!["partial".into()],
        }
    }

    #[test]
    fn colour_only_when_asked_and_thresholds_mark_hot_values() {
        let plain = render_table(&report(), None, false, false);
        assert!(!plain.contains('\u{1b}'), "{plain}");
        assert!(plain.contains("93.0%") && plain.contains("12.5"), "{plain}");
        assert!(plain.contains("(no metrics)"));
        assert!(plain.contains("  llm/ghost: no metrics for this service — run oc llmd doctor"));
        assert!(plain.contains("note: partial"));
        assert!(plain.contains("POOL"));
        let coloured = render_table(&report(), None, false, true);
        assert!(coloured.contains("\u{1b}[1m\u{1b}[31m93.0%") || coloured.contains("93.0%\u{1b}"));
        assert!(coloured.contains('\u{1b}'));
        let wide = render_table(&report(), None, true, false);
        assert!(wide.contains("ITL P50/P95") && wide.contains("EPP REQ/S"));
    }

    #[test]
    fn a_growing_queue_turns_red_under_watch() {
        let before = report();
        let mut now = report();
        now.services[0].waiting = Some(6.0);
        let grown = render_table(&now, Some(&before), false, true);
        let steady = render_table(&before, Some(&before), false, true);
        let red = "\u{1b}[31m";
        let has_red_six = grown
            .lines()
            .any(|l| l.contains("hot") && l.contains(&format!("{red}6")));
        assert!(has_red_six, "{grown:?}");
        assert!(
            !steady
                .lines()
                .any(|l| l.contains("hot") && l.contains(&format!("{red}4")))
        );
    }

    #[test]
    fn numbers_and_latencies() {
        assert_eq!(num(None), "-");
        assert_eq!(num(Some(123.4)), "123");
        assert_eq!(num(Some(12.34)), "12.3");
        assert_eq!(num(Some(1.234)), "1.23");
        assert_eq!(num(Some(4.0)), "4");
        assert_eq!(num(Some(-0.0)), "0");
        assert_eq!(secs(Some(0.0851)), "85ms");
        assert_eq!(secs(Some(2.5)), "2.50s");
    }
}
