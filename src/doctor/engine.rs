//! Running the catalogue over a model: dependency skips, live-check skips, and the user's
//! selection (`--category`, `--check`, `--ignore ID[=ns/name]`).

use super::catalogue::{Category, Check, catalogue};
use super::report::{CheckResult, Status, skipped};
use crate::cluster::Model;
use crate::error::{Error, Result};

/// What the user asked to see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub categories: Vec<Category>,
    pub checks: Vec<String>,
    /// (id, optional subject)
    pub ignore: Vec<(String, Option<String>)>,
    /// `--probe` was given (gateway-probe is reported only then).
    pub probe: bool,
}

impl Selection {
    /// Validate flag values against the catalogue (unknown ids/categories are usage errors).
    pub fn parse(
        categories: &[String],
        checks: &[String],
        ignore: &[String],
        probe: bool,
    ) -> Result<Self> {
        let cat = catalogue();
        let known = |id: &str| cat.iter().any(|c| c.id == id);
        let categories = categories
            .iter()
            .flat_map(|c| c.split(','))
            .map(|c| {
                Category::parse(c.trim()).ok_or_else(|| {
                    Error::usage(format!("unknown category {c:?}"))
                        .with_hint("categories are cluster, monitoring, grafana, serving, gateway")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let checks = checks
            .iter()
            .flat_map(|c| c.split(','))
            .map(|c| {
                let c = c.trim();
                if known(c) {
                    Ok(c.to_string())
                } else {
                    Err(Error::usage(format!("unknown check id {c:?}"))
                        .with_hint("`oc llmd doctor --list` prints every check id"))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let ignore = ignore
            .iter()
            .map(|spec| {
                let (id, subject) = match spec.split_once('=') {
                    Some((id, s)) => (id.trim(), Some(s.trim().to_string())),
                    None => (spec.trim(), None),
                };
                if known(id) {
                    Ok((id.to_string(), subject))
                } else {
                    Err(Error::usage(format!("--ignore names an unknown check id {id:?}"))
                        .with_hint("use ID or ID=namespace/name; `oc llmd doctor --list` prints every id"))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            categories,
            checks,
            ignore,
            probe,
        })
    }

    /// Whether check `id` is selected at all (`--category` / `--check`; `--ignore` aside).
    pub fn selects(&self, id: &str) -> bool {
        catalogue().iter().any(|c| {
            c.id == id
                && (self.categories.is_empty() || self.categories.contains(&c.category))
                && (self.checks.is_empty() || self.checks.iter().any(|x| x == id))
        })
    }

    /// `--probe` was given and `gateway-probe` is selected: only then does doctor send traffic.
    pub fn probes(&self) -> bool {
        self.probe && self.selects("gateway-probe")
    }

    fn shows(&self, check: &Check, r: &CheckResult) -> bool {
        (self.categories.is_empty() || self.categories.contains(&check.category))
            && (self.checks.is_empty() || self.checks.iter().any(|c| c == check.id))
            && !self.ignore.iter().any(|(id, subject)| {
                id == check.id && subject.as_ref().is_none_or(|s| *s == r.subject)
            })
    }
}

/// Run every check (dependencies are always evaluated), then keep what the selection shows.
pub fn run(model: &Model, selection: &Selection) -> Vec<CheckResult> {
    let cat = catalogue();
    let mut all: Vec<(usize, CheckResult)> = Vec::new();
    for (i, check) in cat.iter().enumerate() {
        let failed_dep = check.requires.iter().find_map(|dep| {
            let results: Vec<&CheckResult> = all
                .iter()
                .filter(|(_, r)| r.id == *dep)
                .map(|(_, r)| r)
                .collect();
            if results.iter().any(|r| r.status == Status::Error) {
                Some(format!("skipped: {dep} failed"))
            } else if !results.is_empty() && results.iter().all(|r| r.status == Status::Skipped) {
                Some(format!("skipped: {dep} was skipped"))
            } else {
                None
            }
        });
        let mut results = if let Some(reason) = failed_dep {
            vec![skipped(check.id, "", reason)]
        } else if check.live && model.snap.live.is_none() {
            let why = model
                .snap
                .live_reason
                .clone()
                .unwrap_or_else(|| "no live metrics source".into());
            vec![skipped(check.id, "", format!("Thanos not queried ({why})"))]
        } else if check.id == "gateway-probe" && !selection.probe {
            Vec::new()
        } else {
            (check.run)(model)
        };
        for r in &mut results {
            r.id = check.id.to_string();
            r.category = check.category.as_str().to_string();
        }
        all.extend(results.into_iter().map(|r| (i, r)));
    }
    all.into_iter()
        .filter(|(i, r)| selection.shows(&cat[*i], r))
        .map(|(_, r)| r)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{ListState, keys};
    use crate::cluster::sample;

    #[test]
    fn healthy_sample_has_no_problems() {
        let snap = sample::healthy();
        let results = run(&Model::new(&snap), &Selection::default());
        let bad: Vec<_> = results
            .iter()
            .filter(|r| matches!(r.status, Status::Error | Status::Warn))
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
        // Only the three live checks are skipped (no Thanos in the sample).
        let skipped: Vec<&str> = results
            .iter()
            .filter(|r| r.status == Status::Skipped)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(skipped, ["metric-names", "metrics-flowing", "epp-in-loop"]);
    }

    #[test]
    fn healthy_sample_with_live_facts_is_all_ok() {
        let mut snap = sample::healthy();
        snap.live = Some(sample::healthy_live());
        let results = run(&Model::new(&snap), &Selection::default());
        assert!(
            results
                .iter()
                .all(|r| matches!(r.status, Status::Ok | Status::Info)),
            "{results:#?}"
        );
    }

    #[test]
    fn unreachable_cluster_skips_everything_else() {
        let mut snap = sample::healthy();
        snap.cluster.reachable = false;
        snap.cluster.error = Some("cannot connect".into());
        let results = run(&Model::new(&snap), &Selection::default());
        assert_eq!(results[0].status, Status::Error);
        assert!(results[1..].iter().all(|r| r.status == Status::Skipped));
        assert_eq!(results[1].message, "skipped: cluster-reachable failed");
    }

    #[test]
    fn missing_serving_crds_skip_serving_and_gateway_checks_once() {
        let mut snap = sample::healthy();
        for k in [keys::LLMISVC_V1ALPHA1, keys::LLMISVC_V1ALPHA2] {
            snap.lists.insert(k.into(), ListState::NotInstalled);
        }
        let results = run(&Model::new(&snap), &Selection::default());
        let serving: Vec<_> = results.iter().filter(|r| r.category == "serving").collect();
        assert_eq!(serving.len(), 9);
        assert!(
            serving
                .iter()
                .all(|r| r.message == "skipped: serving-crds failed")
        );
        assert!(
            results
                .iter()
                .any(|r| r.id == "grafana-instance" && r.status == Status::Ok)
        );
    }

    /// Drop what the list `key` contributed to a snapshot.
    fn forget(snap: &mut crate::cluster::model::Snapshot, key: &str) {
        use crate::cluster::model::PoolApi;
        match key {
            keys::LLMISVC_V1ALPHA2 | keys::LLMISVC_V1ALPHA1 => snap.llmisvcs.clear(),
            keys::POOL_V1 => snap.pools.retain(|p| p.api != PoolApi::K8sV1),
            keys::POOL_V1ALPHA2 => snap.pools.retain(|p| p.api != PoolApi::XK8sV1alpha2),
            keys::PODS => snap.pods.clear(),
            keys::SERVICES => snap.services.clear(),
            keys::HTTPROUTES => snap.routes.clear(),
            keys::GATEWAYS | keys::GATEWAYS_INGRESS => snap.gateways.clear(),
            keys::GATEWAYCLASSES => snap.gateway_classes.clear(),
            keys::DESTINATIONRULES => snap.destination_rules.clear(),
            keys::ENVOYFILTERS | keys::ENVOYFILTERS_INGRESS => snap.envoy_filters.clear(),
            keys::PODMONITORS => snap.pod_monitors.clear(),
            keys::SERVICEMONITORS => snap.service_monitors.clear(),
            keys::CLUSTER_MONITORING_CONFIG => {
                snap.monitoring.cluster_config_present = false;
                snap.monitoring.uwm_enabled = None;
            }
            keys::UWM_CONFIG => snap.monitoring.uwm_config_present = false,
            keys::UWM_PODS => snap.monitoring.uwm_prometheus_pods.clear(),
            keys::THANOS_SERVICE => snap.monitoring.thanos_service = None,
            keys::THANOS_ROUTE => snap.monitoring.thanos_route_host = None,
            keys::GRAFANAS => snap.grafana.instances.clear(),
            keys::GRAFANA_DATASOURCES => snap.grafana.datasources.clear(),
            keys::GRAFANA_DASHBOARDS => snap.grafana.dashboards.clear(),
            keys::TOKEN_SECRETS => snap.token_secrets.clear(),
            keys::CLUSTERROLEBINDINGS => snap.monitoring_view_bindings.clear(),
            keys::CSVS => snap.operators.clear(),
            keys::OPERATOR_DEPLOYMENTS => snap.grafana.operator_deployments.clear(),
            keys::ISTIOD_DEPLOYMENTS => snap.istio.istiods.clear(),
            keys::ISTIOS => snap.istio.control_planes.clear(),
            keys::CLUSTERVERSIONS => snap.cluster.openshift_version = None,
            keys::DATASCIENCECLUSTERS => {}
            other => panic!("no rule to forget {other}"),
        }
    }

    #[test]
    fn unreadable_lists_are_gaps_never_findings() {
        // Every list doctor makes, refused (403) or failed (500) in turn on a healthy cluster:
        // no check may turn that into an error, and what changed says why.
        let all_keys = [
            keys::LLMISVC_V1ALPHA2,
            keys::LLMISVC_V1ALPHA1,
            keys::POOL_V1,
            keys::POOL_V1ALPHA2,
            keys::PODS,
            keys::SERVICES,
            keys::HTTPROUTES,
            keys::GATEWAYS,
            keys::GATEWAYS_INGRESS,
            keys::GATEWAYCLASSES,
            keys::DESTINATIONRULES,
            keys::ENVOYFILTERS,
            keys::ENVOYFILTERS_INGRESS,
            keys::PODMONITORS,
            keys::SERVICEMONITORS,
            keys::CLUSTER_MONITORING_CONFIG,
            keys::UWM_CONFIG,
            keys::UWM_PODS,
            keys::THANOS_SERVICE,
            keys::THANOS_ROUTE,
            keys::GRAFANAS,
            keys::GRAFANA_DATASOURCES,
            keys::GRAFANA_DASHBOARDS,
            keys::TOKEN_SECRETS,
            keys::CLUSTERROLEBINDINGS,
            keys::CSVS,
            keys::OPERATOR_DEPLOYMENTS,
            keys::ISTIOD_DEPLOYMENTS,
            keys::ISTIOS,
            keys::CLUSTERVERSIONS,
            keys::DATASCIENCECLUSTERS,
        ];
        let base = sample::healthy();
        for key in all_keys {
            for state in [
                ListState::Forbidden("denied".into()),
                ListState::Failed("boom".into()),
            ] {
                let mut snap = base.clone();
                // What a refused list yields: no objects, and the state.
                forget(&mut snap, key);
                snap.lists.insert(key.into(), state.clone());
                let results = run(&Model::new(&snap), &Selection::default());
                let errors: Vec<_> = results
                    .iter()
                    .filter(|r| r.status == Status::Error)
                    .collect();
                assert!(errors.is_empty(), "{key} {state:?}: {errors:#?}");
            }
        }
    }

    #[test]
    fn selection_filters_and_ignores() {
        let snap = sample::healthy();
        let m = Model::new(&snap);
        let sel = Selection::parse(&["grafana".into()], &[], &[], false).unwrap();
        assert!(run(&m, &sel).iter().all(|r| r.category == "grafana"));
        let sel = Selection::parse(&[], &["epp-pod".into()], &[], false).unwrap();
        let r = run(&m, &sel);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].subject, "demo/qwen");
        let sel = Selection::parse(&[], &[], &["epp-pod=demo/qwen".into()], false).unwrap();
        assert!(!run(&m, &sel).iter().any(|r| r.id == "epp-pod"));
        let sel = Selection::parse(&[], &[], &["epp-pod=other/x".into()], false).unwrap();
        assert!(run(&m, &sel).iter().any(|r| r.id == "epp-pod"));
        assert!(Selection::parse(&["nope".into()], &[], &[], false).is_err());
        assert!(Selection::parse(&[], &["nope".into()], &[], false).is_err());
        assert!(Selection::parse(&[], &[], &["nope=a/b".into()], false).is_err());
    }

    #[test]
    fn probe_is_reported_only_when_asked() {
        let snap = sample::healthy();
        let m = Model::new(&snap);
        assert!(
            !run(&m, &Selection::default())
                .iter()
                .any(|r| r.id == "gateway-probe")
        );
        let sel = Selection {
            probe: true,
            ..Default::default()
        };
        let r: Vec<_> = run(&m, &sel)
            .into_iter()
            .filter(|r| r.id == "gateway-probe")
            .collect();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].status, Status::Skipped);
        assert!(r[0].message.contains("not probed"));
        assert!(sel.probes());
        let other = Selection::parse(&["serving".into()], &[], &[], true).unwrap();
        assert!(!other.probes());
        let named = Selection::parse(&[], &["gateway-probe".into()], &[], true).unwrap();
        assert!(named.probes());
        assert!(!Selection::default().probes());
    }
}
