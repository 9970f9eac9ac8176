//! Rendered dashboards for every metric naming: every query parses as PromQL and follows our query
//! rules, the Grafana JSON is valid (ids, grid, units, datasource), every upstream panel is covered,
//! and three namings are compared to golden files (`UPDATE_SNAPSHOTS=1` rewrites them).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use oc_llmd::dashboards::upstream::{Coverage, GIE, LLM_D_DEPLOYER, UPSTREAM_PANELS};
use oc_llmd::dashboards::{
    DEFAULT_DATASOURCE_UID, RenderedDashboard, expand_grafana_vars, render_all,
};
use oc_llmd::metrics::{Concept, MetricType, Naming};
use promql_parser::parser::{self, Expr, LabelModifier};
use serde_json::Value;

const DS: &str = "test-ds-uid";

/// Series name → metric type for everything a naming may query.
fn allowed_series(naming: &Naming) -> HashMap<String, MetricType> {
    let mut out = HashMap::new();
    for c in Concept::all() {
        let Some(name) = naming.series(c) else {
            continue;
        };
        match c.metric_type() {
            MetricType::Histogram => {
                for suffix in ["_bucket", "_sum", "_count"] {
                    out.insert(format!("{name}{suffix}"), MetricType::Histogram);
                }
            }
            t => {
                out.insert(name, t);
            }
        }
    }
    out
}

/// One enclosing context of a selector: a function call or an aggregation with its `by` labels.
#[derive(Debug, Clone)]
enum Ctx {
    Func(&'static str),
    Agg(Vec<String>),
}

fn walk(e: &Expr, stack: &mut Vec<Ctx>, out: &mut Vec<(String, Vec<Ctx>)>) {
    match e {
        Expr::Aggregate(a) => {
            let by = match &a.modifier {
                Some(LabelModifier::Include(l)) => l.labels.iter().map(|s| s.to_string()).collect(),
                _ => vec![],
            };
            stack.push(Ctx::Agg(by));
            walk(&a.expr, stack, out);
            stack.pop();
            if let Some(p) = &a.param {
                walk(p, stack, out);
            }
        }
        Expr::Unary(u) => walk(&u.expr, stack, out),
        Expr::Binary(b) => {
            walk(&b.lhs, stack, out);
            walk(&b.rhs, stack, out);
        }
        Expr::Paren(p) => walk(&p.expr, stack, out),
        Expr::Subquery(s) => walk(&s.expr, stack, out),
        Expr::VectorSelector(v) => out.push((v.name.clone().unwrap_or_default(), stack.clone())),
        Expr::MatrixSelector(m) => out.push((m.vs.name.clone().unwrap_or_default(), stack.clone())),
        Expr::Call(c) => {
            stack.push(Ctx::Func(c.func.name));
            for a in &c.args.args {
                walk(a, stack, out);
            }
            stack.pop();
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Parse a panel query (after replacing Grafana variables) and check our query rules.
fn check_query(naming: &Naming, expr: &str) -> Result<(), String> {
    let allowed = allowed_series(naming);
    let parsed = parser::parse(&expand_grafana_vars(expr, "5m"))
        .map_err(|e| format!("parse error {e} in {expr}"))?;
    let mut selectors = Vec::new();
    walk(&parsed, &mut Vec::new(), &mut selectors);
    if selectors.is_empty() {
        return Err(format!("no series in {expr}"));
    }
    for (name, stack) in selectors {
        let Some(kind) = allowed.get(&name) else {
            return Err(format!(
                "`{name}` is not a series of naming {naming}: {expr}"
            ));
        };
        let innermost = stack.last();
        let in_rate = matches!(innermost, Some(Ctx::Func("rate")));
        match kind {
            MetricType::Counter if !in_rate => {
                return Err(format!("counter `{name}` outside rate(): {expr}"));
            }
            MetricType::Histogram if !in_rate => {
                return Err(format!("histogram series `{name}` outside rate(): {expr}"));
            }
            MetricType::Gauge if in_rate => {
                return Err(format!("gauge `{name}` inside rate(): {expr}"));
            }
            _ => {}
        }
        if name.ends_with("_bucket") {
            let n = stack.len();
            let ok = n >= 3
                && matches!(&stack[n - 2], Ctx::Agg(by) if by.iter().any(|l| l == "le"))
                && matches!(&stack[n - 3], Ctx::Func("histogram_quantile"));
            if !ok {
                return Err(format!(
                    "bucket `{name}` not in histogram_quantile(q, sum by (le…) (rate(…))): {expr}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_query_of_every_naming_parses_and_follows_the_rules() {
    let mut checked = 0;
    for naming in Naming::variants() {
        for d in render_all(&naming, DS) {
            for expr in d.queries() {
                if let Err(e) = check_query(&naming, &expr) {
                    panic!("{naming} / {}: {e}", d.uid);
                }
                checked += 1;
            }
            for var in d.json["templating"]["list"].as_array().unwrap() {
                let q = var["query"]["query"].as_str().unwrap();
                let inner = q
                    .strip_prefix("label_values(")
                    .and_then(|r| r.rsplit_once(','))
                    .map(|(s, _)| s)
                    .unwrap();
                parser::parse(&expand_grafana_vars(inner, "5m"))
                    .unwrap_or_else(|e| panic!("{naming}: {q}: {e}"));
            }
        }
    }
    assert!(checked > 16 * 50, "only {checked} queries checked");
}

#[test]
fn query_checker_rejects_known_upstream_bugs() {
    let n: Naming = "plain-v1-epp-objective".parse().unwrap();
    // Counter without _total; quantile without sum by (le); V0 name on V1; lifetime ratio.
    for bad in [
        "sum by (pod) (rate(vllm:num_preemptions[5m]))",
        "histogram_quantile(0.9, rate(vllm:time_to_first_token_seconds_bucket[5m]))",
        "vllm:gpu_cache_usage_perc",
        "sum(vllm:prefix_cache_hits_total) / sum(vllm:prefix_cache_queries_total)",
        "sum(rate(kserve_vllm:prompt_tokens_total[5m]))",
    ] {
        assert!(check_query(&n, bad).is_err(), "accepted: {bad}");
    }
    assert!(check_query(&n, "sum(rate(vllm:prompt_tokens_total[$__rate_interval]))").is_ok());
}

fn rect(p: &Value) -> (u64, u64, u64, u64) {
    let g = &p["gridPos"];
    (
        g["x"].as_u64().unwrap(),
        g["y"].as_u64().unwrap(),
        g["w"].as_u64().unwrap(),
        g["h"].as_u64().unwrap(),
    )
}

fn check_json(d: &RenderedDashboard, naming: &Naming) {
    let j = &d.json;
    let ctx = format!("{naming} / {}", d.uid);
    assert!(j["schemaVersion"].as_u64().unwrap() >= 39, "{ctx}");
    assert_eq!(j["uid"], d.uid.as_str());
    assert!(!j["title"].as_str().unwrap().is_empty());
    assert!(!j["tags"].as_array().unwrap().is_empty());
    assert_eq!(j["time"]["from"], "now-1h");
    assert!(j["refresh"].is_string());
    let vars: Vec<&str> = j["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(vars, ["namespace", "llmisvc", "pod"], "{ctx}");
    for v in j["templating"]["list"].as_array().unwrap() {
        assert_eq!(v["datasource"]["uid"], DS, "{ctx}");
        assert_eq!(v["allValue"], ".*");
    }
    let service = &j["templating"]["list"][1]["query"]["query"];
    assert!(
        service
            .as_str()
            .unwrap()
            .ends_with(&format!(", {})", naming.service_label())),
        "{ctx}: {service}"
    );

    let panels = j["panels"].as_array().unwrap();
    let mut ids = HashSet::new();
    let mut rects = Vec::new();
    for p in panels {
        assert!(
            ids.insert(p["id"].as_u64().unwrap()),
            "{ctx}: duplicate id {}",
            p["id"]
        );
        let (x, y, w, h) = rect(p);
        assert!(
            w > 0 && h > 0 && x + w <= 24,
            "{ctx}: {} outside the grid",
            p["title"]
        );
        rects.push(((x, y, w, h), p["title"].to_string()));
        if p["type"] == "row" {
            continue;
        }
        assert!(
            ["timeseries", "stat", "gauge", "bargauge", "table"]
                .contains(&p["type"].as_str().unwrap())
        );
        let unit = p["fieldConfig"]["defaults"]["unit"]
            .as_str()
            .unwrap_or_default();
        assert!(!unit.is_empty(), "{ctx}: {} has no unit", p["title"]);
        assert_eq!(p["datasource"]["type"], "prometheus");
        assert_eq!(p["datasource"]["uid"], DS, "{ctx}");
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{ctx}: {} has no query", p["title"]);
        let mut refs = HashSet::new();
        for t in targets {
            assert_eq!(t["datasource"]["uid"], DS, "{ctx}");
            assert!(refs.insert(t["refId"].as_str().unwrap().to_string()));
            assert!(!t["expr"].as_str().unwrap().is_empty());
        }
    }
    for (i, (a, ta)) in rects.iter().enumerate() {
        for (b, tb) in &rects[i + 1..] {
            let overlap = a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
            assert!(!overlap, "{ctx}: {ta} overlaps {tb}");
        }
    }
    // Titles are unique within a dashboard (the upstream mapping refers to them).
    let titles: Vec<&str> = panels.iter().filter_map(|p| p["title"].as_str()).collect();
    assert_eq!(
        titles.len(),
        titles.iter().collect::<HashSet<_>>().len(),
        "{ctx}: duplicate titles"
    );
}

#[test]
fn dashboard_json_is_valid_for_every_naming() {
    for naming in Naming::variants() {
        let all = render_all(&naming, DS);
        let expected = if naming.to_string().ends_with("epp-none") {
            2
        } else {
            3
        };
        assert_eq!(all.len(), expected, "{naming}");
        for d in &all {
            check_json(d, &naming);
        }
    }
}

#[test]
fn default_datasource_uid_is_used_when_asked() {
    let n = Naming::default();
    let d = &render_all(&n, DEFAULT_DATASOURCE_UID)[0];
    assert_eq!(
        d.json["panels"][1]["datasource"]["uid"],
        DEFAULT_DATASOURCE_UID
    );
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

#[test]
fn every_upstream_panel_is_mapped_and_rendered() {
    let listed =
        std::fs::read_to_string(fixture("fixtures/dashboards/upstream-panels.tsv")).unwrap();
    let mut upstream = Vec::new();
    for line in listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (source, title) = line.split_once('\t').unwrap();
        let source = match source {
            "GIE" => GIE,
            "llm-d-deployer" => LLM_D_DEPLOYER,
            other => panic!("unknown source {other}"),
        };
        upstream.push((source, title));
    }
    assert_eq!(
        upstream.len(),
        UPSTREAM_PANELS.len(),
        "mapping and upstream panel list differ in length"
    );
    for (source, title) in &upstream {
        assert!(
            UPSTREAM_PANELS
                .iter()
                .any(|p| p.source == *source && p.panel == *title),
            "upstream panel {source} / {title} has no mapping"
        );
    }
    for naming in ["plain-v1-epp-llmd", "kserve-v1-epp-objective"] {
        let naming: Naming = naming.parse().unwrap();
        let rendered = render_all(&naming, DS);
        for p in UPSTREAM_PANELS {
            match p.ours {
                Coverage::Panel { dashboard, title } => {
                    let d = rendered.iter().find(|d| d.uid == dashboard).unwrap();
                    let found = d.json["panels"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x["title"] == title);
                    assert!(
                        found,
                        "{naming}: {} / {} → {dashboard} / {title} not rendered",
                        p.source, p.panel
                    );
                }
                Coverage::Omitted(reason) => assert!(!reason.is_empty()),
            }
        }
    }
}

#[test]
fn snapshots_match() {
    for naming in [
        "kserve-v1-epp-objective",
        "plain-v0-epp-model",
        "plain-v1tpot-epp-llmd",
    ] {
        let n: Naming = naming.parse().unwrap();
        let rendered = render_all(&n, DEFAULT_DATASOURCE_UID);
        let items: Vec<&Value> = rendered.iter().map(|d| &d.json).collect();
        let text = serde_json::to_string_pretty(&items).unwrap() + "\n";
        let path = fixture(&format!("snapshots/dashboards-{naming}.json"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
                path.display()
            )
        });
        if golden != text {
            let line = golden
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0)
                + 1;
            panic!(
                "{} differs from the rendering at line {line}; review and run with UPDATE_SNAPSHOTS=1",
                path.display()
            );
        }
    }
}
