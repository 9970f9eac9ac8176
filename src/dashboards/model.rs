//! Typed dashboard model (dashboard, rows, panels, targets, template variables) and its rendering
//! to Grafana dashboard JSON (schemaVersion 39). Layout is computed: panels flow left to right in
//! a 24-column grid under their row, so grid positions never overlap.

use serde_json::{Value, json};

/// Grafana's schema version we emit (Grafana 10.4+/11 import it without migration).
pub const SCHEMA_VERSION: u32 = 39;
/// Grafana's grid width.
pub const GRID_COLUMNS: u32 = 24;

/// Grafana panel types we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKind {
    Timeseries,
    Stat,
    Gauge,
    Bargauge,
    Table,
}

impl PanelKind {
    pub fn grafana_type(self) -> &'static str {
        match self {
            PanelKind::Timeseries => "timeseries",
            PanelKind::Stat => "stat",
            PanelKind::Gauge => "gauge",
            PanelKind::Bargauge => "bargauge",
            PanelKind::Table => "table",
        }
    }
}

/// One PromQL query of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub expr: String,
    pub legend: String,
}

/// One panel. `targets` only holds queries whose series exist for the naming.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub description: String,
    pub kind: PanelKind,
    /// Grafana unit id (`s`, `percentunit`, `reqps`, `bytes`, `short`, `none`).
    pub unit: &'static str,
    pub width: u32,
    pub height: u32,
    pub targets: Vec<Target>,
}

impl Panel {
    pub fn new(kind: PanelKind, title: &str, unit: &'static str, description: &str) -> Self {
        let (width, height) = match kind {
            PanelKind::Timeseries | PanelKind::Table => (12, 8),
            PanelKind::Bargauge => (12, 8),
            PanelKind::Stat | PanelKind::Gauge => (6, 5),
        };
        Self {
            title: title.to_string(),
            description: description.to_string(),
            kind,
            unit,
            width,
            height,
            targets: vec![],
        }
    }

    /// Add a query when it exists for this naming (`None` = the series does not exist).
    pub fn query(mut self, expr: Option<String>, legend: &str) -> Self {
        if let Some(expr) = expr {
            self.targets.push(Target {
                expr,
                legend: legend.to_string(),
            });
        }
        self
    }

    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width.clamp(1, GRID_COLUMNS);
        self.height = height.max(1);
        self
    }
}

/// A titled group of panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub title: String,
    pub panels: Vec<Panel>,
}

impl Row {
    pub fn new(title: &str, panels: Vec<Panel>) -> Self {
        Self {
            title: title.to_string(),
            panels,
        }
    }
}

/// A query-type template variable fed by `label_values(<series>, <label>)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub label: String,
    /// The `label_values(...)` query.
    pub query: String,
}

/// A dashboard before rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub variables: Vec<Variable>,
    pub rows: Vec<Row>,
}

impl Dashboard {
    /// Drop panels without queries and rows without panels (series absent for this naming).
    pub fn prune(mut self) -> Self {
        for row in &mut self.rows {
            row.panels.retain(|p| !p.targets.is_empty());
        }
        self.rows.retain(|r| !r.panels.is_empty());
        self
    }

    /// Number of panels (rows not counted).
    pub fn panel_count(&self) -> usize {
        self.rows.iter().map(|r| r.panels.len()).sum()
    }

    /// Grafana dashboard JSON; every panel, target and variable references `datasource_uid`.
    pub fn to_json(&self, datasource_uid: &str) -> Value {
        let datasource = json!({"type": "prometheus", "uid": datasource_uid});
        let mut panels = Vec::new();
        let mut next_id = 1u32;
        let mut y = 0u32;
        for row in &self.rows {
            panels.push(json!({
                "id": next_id,
                "type": "row",
                "title": row.title,
                "collapsed": false,
                "gridPos": {"h": 1, "w": GRID_COLUMNS, "x": 0, "y": y},
                "panels": [],
            }));
            next_id += 1;
            y += 1;
            let (mut x, mut line_height) = (0u32, 0u32);
            for panel in &row.panels {
                if x + panel.width > GRID_COLUMNS {
                    y += line_height;
                    x = 0;
                    line_height = 0;
                }
                panels.push(panel_json(panel, next_id, x, y, &datasource));
                next_id += 1;
                x += panel.width;
                line_height = line_height.max(panel.height);
            }
            y += line_height;
        }
        let templating: Vec<Value> = self
            .variables
            .iter()
            .map(|v| variable_json(v, &datasource))
            .collect();
        json!({
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "editable": true,
            "graphTooltip": 1,
            "timezone": "browser",
            "time": {"from": "now-1h", "to": "now"},
            "refresh": "30s",
            "annotations": {"list": []},
            "links": [],
            "templating": {"list": templating},
            "panels": panels,
        })
    }
}

fn panel_json(panel: &Panel, id: u32, x: u32, y: u32, datasource: &Value) -> Value {
    let instant = panel.kind == PanelKind::Table;
    let targets: Vec<Value> = panel
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut target = json!({
                "refId": ref_id(i),
                "datasource": datasource,
                "editorMode": "code",
                "expr": t.expr,
                "legendFormat": t.legend,
                "range": !instant,
                "instant": instant,
            });
            if instant {
                target["format"] = json!("table");
            }
            target
        })
        .collect();
    let mut defaults = json!({"unit": panel.unit});
    if panel.unit == "percentunit" && panel.kind != PanelKind::Timeseries {
        defaults["min"] = json!(0);
        defaults["max"] = json!(1);
    }
    let options = match panel.kind {
        PanelKind::Timeseries => json!({
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }),
        PanelKind::Stat | PanelKind::Gauge | PanelKind::Bargauge => json!({
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false},
        }),
        PanelKind::Table => json!({"showHeader": true}),
    };
    let mut out = json!({
        "id": id,
        "type": panel.kind.grafana_type(),
        "title": panel.title,
        "description": panel.description,
        "datasource": datasource,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "targets": targets,
    });
    if instant {
        out["transformations"] =
            json!([{"id": "organize", "options": {"excludeByName": {"Time": true}}}]);
    }
    out
}

fn variable_json(v: &Variable, datasource: &Value) -> Value {
    json!({
        "name": v.name,
        "label": v.label,
        "type": "query",
        "datasource": datasource,
        "definition": v.query,
        "query": {"query": v.query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "includeAll": true,
        "allValue": ".*",
        "multi": true,
        "sort": 1,
        "hide": 0,
        "regex": "",
        "current": {},
        "options": [],
    })
}

/// `A`, `B`, … `Z`, `AA`, …
fn ref_id(index: usize) -> String {
    let mut n = index;
    let mut out = Vec::new();
    loop {
        out.push(char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_ids() {
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(25), "Z");
        assert_eq!(ref_id(26), "AA");
    }

    #[test]
    fn layout_wraps_at_24_columns_and_prunes_empty_panels() {
        let p = |t: &str, q: Option<&str>| {
            Panel::new(PanelKind::Timeseries, t, "s", "").query(q.map(String::from), "x")
        };
        let d = Dashboard {
            uid: "u".into(),
            title: "t".into(),
            description: String::new(),
            tags: vec![],
            variables: vec![],
            rows: vec![
                Row::new(
                    "r1",
                    vec![
                        p("a", Some("up")),
                        p("b", Some("up")),
                        p("c", Some("up")),
                        p("gone", None),
                    ],
                ),
                Row::new("empty", vec![p("gone too", None)]),
            ],
        }
        .prune();
        assert_eq!(d.rows.len(), 1);
        assert_eq!(d.panel_count(), 3);
        let json = d.to_json("ds");
        let pos: Vec<(u64, u64)> = json["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["gridPos"]["x"].as_u64().unwrap(),
                    p["gridPos"]["y"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(pos, vec![(0, 0), (0, 1), (12, 1), (0, 9)]);
    }
}
