//! Which metric names the installed dashboards query: the naming the cluster really has.
//!
//! First choice: ask Thanos Querier (through its Route, with the user's token) which vLLM/EPP
//! series exist — one label-values query ([`crate::prom::detect_naming`]). When Thanos cannot
//! answer yet (UWM just enabled, no series scraped, no access), infer it from the cluster: the
//! `kserve_` prefix exactly when a PodMonitor/ServiceMonitor renames series to `kserve_$1`, and
//! the current vLLM and EPP generations otherwise. Re-running install-monitoring once metrics flow
//! re-detects and updates the dashboards (reported as `configured`).

use serde_json::Value;

use crate::cli::{GlobalArgs, PromArgs};
use crate::dashboards;
use crate::install::plan::{DATASOURCE_UID, DashboardManifest};
use crate::kube::Cluster;
use crate::metrics::{Naming, Prefix};

/// The naming and a sentence saying where it came from. `monitors` are the cluster's
/// PodMonitors and ServiceMonitors (from the lists pre-flight shares with doctor), used when
/// Thanos cannot answer.
pub async fn detect(
    cluster: &Cluster,
    global: &GlobalArgs,
    monitors: &[Value],
) -> (Naming, String) {
    match from_thanos(cluster, global).await {
        Ok(naming) => (
            naming,
            format!("metric naming {naming} detected from Thanos Querier"),
        ),
        Err(why) => {
            let naming = infer_from_monitors(monitors);
            (
                naming,
                format!(
                    "metric naming {naming} inferred from the cluster's monitors ({why}); \
                     re-run install-monitoring once metrics flow to re-detect"
                ),
            )
        }
    }
}

async fn from_thanos(cluster: &Cluster, global: &GlobalArgs) -> Result<Naming, String> {
    let endpoint = crate::prom::endpoint::from_route(cluster, &PromArgs::default(), global)
        .await
        .map_err(|e| e.message)?;
    let client = crate::prom::PromClient::new(endpoint.config).map_err(|e| e.message)?;
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

/// Our dashboards rendered for `naming`, as install manifests.
pub fn manifests(naming: &Naming) -> Vec<DashboardManifest> {
    dashboards::render_all(naming, DATASOURCE_UID)
        .into_iter()
        .map(|d| DashboardManifest {
            uid: d.uid,
            title: d.title,
            json: d.json,
        })
        .collect()
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
        let m = manifests(&Naming::default());
        assert!(m.len() >= 2);
        assert!(
            m.iter()
                .all(|d| d.json.to_string().contains(DATASOURCE_UID))
        );
    }
}
