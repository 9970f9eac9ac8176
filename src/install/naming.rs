//! Which metric names the installed dashboards query: the naming the cluster really has.
//!
//! First choice: ask Thanos Querier (through its Route, with the user's token) which vLLM/EPP
//! series exist — one label-values query ([`crate::prom::detect_naming`]). When Thanos cannot
//! answer yet (UWM just enabled, no series scraped, no access), infer the `kserve_` prefix from
//! the cluster's monitors (exactly when a PodMonitor/ServiceMonitor renames series to
//! `kserve_$1`) and assume the current vLLM generation.
//!
//! The EPP metric generation cannot be inferred that way: nothing on the cluster names it
//! reliably (scheduler images are pinned by digest; a `v1alpha2` InferencePool means GIE ≤ v0.5
//! but a `v1` pool is served by GIE v1.0 (`inference_model_*`), v1.1–v1.5
//! (`inference_objective_*`) and llm-d-router ≥ v0.9 (`llm_d_epp_*`) alike). So when Thanos has
//! no EPP series, every EPP query is rendered once per generation and the variants are joined
//! with `or`, newest first: `(q for llm_d_epp_*) or (q for inference_objective_*) or (q for
//! inference_model_*)`. Each variant is a whole panel query (aggregation included) with the same
//! output labels, so `or` keeps the first variant that has data for a label set and drops the
//! others: an EPP exporting two generations at once is not counted twice. The dashboards are thus
//! right on the first run, before any series exist, whatever the EPP version; a later re-run
//! with series in Thanos renders the exact generation (reported as `configured`). vLLM queries
//! are the same in every variant and are left as they are.

use serde_json::Value;

use crate::cli::{GlobalArgs, PromArgs};
use crate::dashboards;
use crate::install::plan::{DATASOURCE_UID, DashboardManifest};
use crate::kube::Cluster;
use crate::metrics::{EppGeneration, Naming, Prefix};

/// EPP generations queried when the cluster cannot tell which one it has: newest first, so that
/// `or` prefers the newest names when an EPP exports more than one generation.
pub const EPP_ERAS: [EppGeneration; 3] = [
    EppGeneration::LlmD,
    EppGeneration::InferenceObjective,
    EppGeneration::InferenceModel,
];

/// What the dashboards are rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DashboardNaming {
    pub naming: Naming,
    /// False when no EPP series told the generation: EPP queries cover [`EPP_ERAS`].
    pub epp_known: bool,
}

/// The naming and a sentence saying where it came from. `monitors` are the cluster's
/// PodMonitors and ServiceMonitors (from the lists pre-flight shares with doctor), used when
/// Thanos cannot answer.
pub async fn detect(
    cluster: &Cluster,
    global: &GlobalArgs,
    monitors: &[Value],
) -> (DashboardNaming, String) {
    match from_thanos(cluster, global).await {
        Ok(naming) if naming.epp != EppGeneration::Absent => (
            DashboardNaming {
                naming,
                epp_known: true,
            },
            format!("metric naming {naming} detected from Thanos Querier"),
        ),
        Ok(naming) => (
            DashboardNaming {
                naming,
                epp_known: false,
            },
            format!(
                "metric naming {} detected from Thanos Querier; no EPP series yet, so EPP \
                 panels query the names of every EPP generation",
                describe(&naming)
            ),
        ),
        Err(why) => {
            let naming = infer_from_monitors(monitors);
            (
                DashboardNaming {
                    naming,
                    epp_known: false,
                },
                format!(
                    "metric naming {} inferred from the cluster's monitors ({why}); EPP panels \
                     query the names of every EPP generation; re-run install-monitoring once \
                     metrics flow to pin the exact names",
                    describe(&naming)
                ),
            )
        }
    }
}

/// The naming without its EPP generation (`kserve-v1`).
fn describe(naming: &Naming) -> String {
    let full = naming.to_string();
    full.split("-epp-").next().unwrap_or(&full).to_string()
}

async fn from_thanos(cluster: &Cluster, global: &GlobalArgs) -> Result<Naming, String> {
    let (client, _) =
        crate::prom::endpoint::client_from_route(cluster, &PromArgs::default(), global, |_| {})
            .await
            .map_err(|e| e.message)?;
    match crate::prom::detect_naming(&client, None)
        .await
        .map_err(|e| e.message)?
    {
        Some(detected) => Ok(detected.naming),
        None => Err(crate::prom::no_series_error(&client, None).message),
    }
}

/// Pure: the naming the cluster's monitors imply (prefix from their metricRelabelings, read by
/// the same parser doctor uses).
pub fn infer_from_monitors(monitors: &[Value]) -> Naming {
    let prefixed = monitors.iter().any(|m| {
        crate::cluster::parse::monitor(m, "podMetricsEndpoints").adds_kserve_prefix
            || crate::cluster::parse::monitor(m, "endpoints").adds_kserve_prefix
    });
    Naming {
        prefix: if prefixed {
            Prefix::Kserve
        } else {
            Prefix::None
        },
        ..Naming::default()
    }
}

/// Our dashboards rendered for `choice`, as install manifests (EPP queries over every
/// generation when the generation is unknown; see the module docs).
pub fn manifests(choice: &DashboardNaming) -> Vec<DashboardManifest> {
    if choice.epp_known {
        return dashboards::render_all(&choice.naming, DATASOURCE_UID)
            .into_iter()
            .map(|d| DashboardManifest {
                uid: d.uid,
                title: d.title,
                json: d.json,
            })
            .collect();
    }
    let variants: Vec<Vec<dashboards::RenderedDashboard>> = EPP_ERAS
        .iter()
        .map(|epp| {
            let naming = Naming {
                epp: *epp,
                ..choice.naming
            };
            dashboards::render_all(&naming, DATASOURCE_UID)
        })
        .collect();
    let Some(first) = variants.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|d| {
            let same: Vec<&Value> = variants
                .iter()
                .filter_map(|v| v.iter().find(|o| o.uid == d.uid).map(|o| &o.json))
                .collect();
            let mut json = merge_variants(&same);
            // The description names the naming; say "any EPP generation" instead of the first.
            let first = Naming {
                epp: EPP_ERAS[0],
                ..choice.naming
            };
            if let Some(text) = json.get("description").and_then(Value::as_str) {
                let text = text.replace(
                    &first.to_string(),
                    &format!("{}-epp-any", describe(&choice.naming)),
                );
                json["description"] = Value::String(text);
            }
            DashboardManifest {
                uid: d.uid.clone(),
                title: d.title.clone(),
                json,
            }
        })
        .collect()
}

/// (row title, panel title) → panel, for every non-row panel of a rendered dashboard.
fn panels_by_place(dashboard: &Value) -> Vec<((String, String), &Value)> {
    let mut row = String::new();
    let mut out = Vec::new();
    for p in dashboard
        .get("panels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let title = p.get("title").and_then(Value::as_str).unwrap_or_default();
        if p.get("type").and_then(Value::as_str) == Some("row") {
            row = title.to_string();
        } else {
            out.push(((row.clone(), title.to_string()), p));
        }
    }
    out
}

/// One dashboard from its per-generation variants: the variant with the most panels is the base
/// (first on a tie); each of its target expressions becomes the `or` of that target's distinct
/// expressions across the variants (same row, panel title and refId), in variant order. Pure.
pub fn merge_variants(variants: &[&Value]) -> Value {
    let Some(base) = variants
        .iter()
        .enumerate()
        .max_by_key(|(i, v)| (panels_by_place(v).len(), std::cmp::Reverse(*i)))
        .map(|(_, v)| (*v).clone())
    else {
        return Value::Null;
    };
    let places: Vec<Vec<((String, String), &Value)>> =
        variants.iter().map(|v| panels_by_place(v)).collect();
    let mut merged = base.clone();
    let mut row = String::new();
    let Some(panels) = merged.get_mut("panels").and_then(Value::as_array_mut) else {
        return merged;
    };
    for panel in panels {
        let title = panel
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if panel.get("type").and_then(Value::as_str) == Some("row") {
            row = title;
            continue;
        }
        let place = (row.clone(), title);
        let Some(targets) = panel.get_mut("targets").and_then(Value::as_array_mut) else {
            continue;
        };
        for target in targets {
            let ref_id = target.get("refId").cloned();
            let mut exprs: Vec<String> = Vec::new();
            for variant in &places {
                let expr = variant
                    .iter()
                    .find(|(p, _)| *p == place)
                    .and_then(|(_, panel)| panel.get("targets")?.as_array())
                    .and_then(|ts| ts.iter().find(|t| t.get("refId") == ref_id.as_ref()))
                    .and_then(|t| t.get("expr")?.as_str());
                if let Some(e) = expr
                    && !exprs.iter().any(|x| x == e)
                {
                    exprs.push(e.to_string());
                }
            }
            if exprs.len() > 1 {
                let joined: Vec<String> = exprs.iter().map(|e| format!("({e})")).collect();
                target["expr"] = Value::String(joined.join(" or "));
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefix_follows_the_monitors_relabelling() {
        let kserve = json!({"spec": {"podMetricsEndpoints": [{"metricRelabelings": [
            {"sourceLabels": ["__name__"], "targetLabel": "__name__", "replacement": "kserve_$1", "action": "replace"}]}]}});
        let plain = json!({"spec": {"endpoints": [{"port": "metrics"}]}});
        assert_eq!(
            infer_from_monitors(std::slice::from_ref(&plain)).prefix,
            Prefix::None
        );
        assert_eq!(infer_from_monitors(&[plain, kserve]).prefix, Prefix::Kserve);
        assert_eq!(infer_from_monitors(&[]).prefix, Prefix::None);
    }

    #[test]
    fn manifests_use_the_installed_datasource() {
        let m = manifests(&DashboardNaming {
            naming: Naming::default(),
            epp_known: true,
        });
        assert!(m.len() >= 2);
        assert!(
            m.iter()
                .all(|d| d.json.to_string().contains(DATASOURCE_UID))
        );
    }

    fn unknown_era(prefix: Prefix) -> Vec<DashboardManifest> {
        manifests(&DashboardNaming {
            naming: Naming {
                prefix,
                ..Naming::default()
            },
            epp_known: false,
        })
    }

    #[test]
    fn unknown_epp_era_queries_every_generation_with_or() {
        use crate::metrics::Concept;
        let merged = unknown_era(Prefix::Kserve);
        let epp = merged
            .iter()
            .find(|d| d.uid == "oc-llmd-epp")
            .expect("EPP dashboard");
        let places = panels_by_place(&epp.json);
        for era in EPP_ERAS {
            let naming = Naming {
                prefix: Prefix::Kserve,
                epp: era,
                ..Naming::default()
            };
            let requests = naming
                .series(Concept::EppRequests)
                .expect("every era counts requests");
            assert!(
                epp.json.to_string().contains(&requests),
                "{era:?}: {requests} not queried"
            );
            // No panel of any single-era dashboard is lost in the merge.
            let single = dashboards::render_all(&naming, DATASOURCE_UID);
            let single = single.iter().find(|d| d.uid == "oc-llmd-epp").unwrap();
            for (place, _) in panels_by_place(&single.json) {
                assert!(
                    places.iter().any(|(p, _)| *p == place),
                    "{era:?}: panel {place:?} lost"
                );
            }
        }
        // Every multi-era query is a parenthesised `or` of whole per-era queries, newest first.
        let rps = places
            .iter()
            .find(|((_, title), _)| title == "Requests per second")
            .map(|(_, p)| p["targets"][0]["expr"].as_str().unwrap().to_string())
            .unwrap();
        let parts: Vec<&str> = rps.split(") or (").collect();
        assert_eq!(parts.len(), 3, "{rps}");
        assert!(
            parts[0].contains("llm_d_epp") && parts[2].contains("inference_model"),
            "{rps}"
        );
    }

    #[test]
    fn vllm_queries_are_untouched_and_known_era_is_exact() {
        let merged = unknown_era(Prefix::None);
        let exact = manifests(&DashboardNaming {
            naming: Naming::default(),
            epp_known: true,
        });
        let vllm = |set: &[DashboardManifest]| {
            set.iter()
                .find(|d| d.uid == "oc-llmd-vllm")
                .unwrap()
                .json
                .clone()
        };
        assert_eq!(vllm(&merged)["panels"], vllm(&exact)["panels"]);
        assert!(
            vllm(&merged)["description"]
                .as_str()
                .unwrap()
                .contains("plain-v1-epp-any")
        );
        assert!(!exact.iter().any(|d| d.json.to_string().contains(") or (")));
        // Identical variants merge to themselves.
        let one = &exact[0].json;
        assert_eq!(merge_variants(&[one, one]), *one);
    }
}
