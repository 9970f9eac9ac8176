//! Monitoring checks: user workload monitoring, Thanos Querier, the KServe monitors scraping
//! vLLM and the EPP, and (live) which metric names exist and whether series flow.

use std::collections::BTreeSet;

use super::{KSERVE_PREFIX, VLLM_PREFIX, is_openshift};
use crate::cluster::Model;
use crate::cluster::model::{ListState, MonitorEndpoint, Pod, keys};
use crate::cluster::relations::{ServiceRelations, flag_value, main_container, words};
use crate::doctor::report::{CheckResult, Status, error, ok, skipped, warn};

const CMC: &str = "openshift-monitoring/cluster-monitoring-config";

fn not_openshift(id: &str, subject: &str) -> Vec<CheckResult> {
    vec![skipped(
        id,
        subject,
        "not OpenShift: no cluster monitoring stack to check",
    )]
}

fn unlisted(m: &Model, key: &str) -> Option<String> {
    m.snap.list_state(key).reason()
}

pub fn uwm_enabled(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "uwm-enabled";
    if !is_openshift(m.snap) {
        return not_openshift(ID, CMC);
    }
    if let Some(reason) = unlisted(m, keys::CLUSTER_MONITORING_CONFIG) {
        return vec![skipped(
            ID,
            CMC,
            format!("cannot read the ConfigMap: {reason}"),
        )];
    }
    let mon = &m.snap.monitoring;
    let fix = "oc llmd install-monitoring --enable-uwm";
    let hint = "without user workload monitoring nothing scrapes the vLLM and EPP monitors, so Thanos has no llm-d metrics";
    if !mon.cluster_config_present {
        return vec![
            error(
                ID,
                CMC,
                "the ConfigMap does not exist: user workload monitoring is off",
            )
            .fix(fix)
            .hint(hint),
        ];
    }
    if let Some(e) = &mon.cluster_config_error {
        return vec![error(ID, CMC, e.clone())
            .fix(format!("oc -n openshift-monitoring edit configmap cluster-monitoring-config  # fix config.yaml, then: {fix}"))
            .hint("the cluster-monitoring-operator ignores a config.yaml it cannot parse")];
    }
    match mon.uwm_enabled {
        Some(true) => vec![ok(ID, CMC, "enableUserWorkload: true")],
        Some(false) => vec![
            error(ID, CMC, "enableUserWorkload: false")
                .fix(fix)
                .hint(hint),
        ],
        None => vec![
            error(ID, CMC, "config.yaml does not set enableUserWorkload")
                .fix(fix)
                .hint(hint),
        ],
    }
}

pub fn uwm_prometheus(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "uwm-prometheus";
    const SUBJECT: &str = "openshift-user-workload-monitoring/prometheus-user-workload";
    if !is_openshift(m.snap) {
        return not_openshift(ID, SUBJECT);
    }
    if let Some(reason) = unlisted(m, keys::UWM_PODS) {
        return vec![skipped(
            ID,
            SUBJECT,
            format!("cannot list the pods: {reason}"),
        )];
    }
    let pods = &m.snap.monitoring.uwm_prometheus_pods;
    let fix = "oc -n openshift-user-workload-monitoring get pods,statefulsets; oc get clusteroperator monitoring";
    if pods.is_empty() {
        return vec![error(ID, SUBJECT, "no prometheus-user-workload pods are running")
            .fix(fix)
            .hint("the cluster-monitoring-operator starts them a minute or two after UWM is enabled; if it does not, its status says why")];
    }
    let bad: Vec<String> = pods.iter().filter(|p| !pod_ok(p)).map(pod_state).collect();
    if bad.is_empty() {
        vec![ok(
            ID,
            SUBJECT,
            format!("{}/{} pods ready", pods.len(), pods.len()),
        )]
    } else {
        vec![
            error(ID, SUBJECT, format!("not ready: {}", bad.join(", ")))
                .fix(fix)
                .hint("a UWM Prometheus that is not ready scrapes nothing"),
        ]
    }
}

fn pod_ok(p: &Pod) -> bool {
    p.ready && p.phase == "Running" && !p.terminating
}

/// `name (reason)` for a pod that is not fine.
pub fn pod_state(p: &Pod) -> String {
    let why = p.waiting_reason.clone().unwrap_or_else(|| {
        if p.phase.is_empty() {
            "not ready".into()
        } else {
            format!("{}, not ready", p.phase)
        }
    });
    format!("{} ({why})", p.name)
}

pub fn thanos_querier(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "thanos-querier";
    const SUBJECT: &str = "openshift-monitoring/thanos-querier";
    if !is_openshift(m.snap) {
        return not_openshift(ID, SUBJECT);
    }
    if let Some(reason) = unlisted(m, keys::THANOS_SERVICE) {
        return vec![skipped(
            ID,
            SUBJECT,
            format!("cannot read the Service: {reason}"),
        )];
    }
    let mon = &m.snap.monitoring;
    let Some(svc) = &mon.thanos_service else {
        return vec![error(ID, SUBJECT, "Service thanos-querier does not exist")
            .fix("oc get clusteroperator monitoring; oc -n openshift-monitoring get deploy thanos-querier")
            .hint("Grafana and `oc llmd stats` read every metric through Thanos Querier")];
    };
    let web = svc.ports.iter().any(|p| p.port == 9091 || p.name == "web");
    if !web {
        return vec![error(ID, SUBJECT, "Service thanos-querier has no web port 9091")
            .fix("oc get clusteroperator monitoring")
            .hint("the datasource URL https://thanos-querier.openshift-monitoring.svc:9091 needs that port")];
    }
    match &mon.thanos_route_host {
        Some(host) if unlisted(m, keys::THANOS_ROUTE).is_none() => {
            vec![ok(ID, SUBJECT, format!("Service :9091 and Route https://{host}"))]
        }
        _ => vec![warn(ID, SUBJECT, match unlisted(m, keys::THANOS_ROUTE) {
            Some(reason) => format!("Service :9091 present; Route not readable: {reason}"),
            None => "Service :9091 present but Route thanos-querier is missing".into(),
        })
        .fix("oc -n openshift-monitoring get route thanos-querier  # recreated by the cluster-monitoring-operator")
        .hint("in-cluster Grafana works through the Service; `oc llmd stats` from outside the cluster needs the Route")],
    }
}

/// The port and scheme vLLM serves metrics on (from its args: `--port`, `--ssl-certfile`).
fn vllm_endpoint(p: &Pod) -> (i64, &'static str) {
    let args = main_container(p)
        .map(|c| c.args.clone())
        .unwrap_or_default();
    let w = words(&args);
    let port = flag_value(&w, "--port")
        .and_then(|v| v.parse().ok())
        .unwrap_or(8000);
    let scheme = if flag_value(&w, "--ssl-certfile").is_some() {
        "https"
    } else {
        "http"
    };
    (port, scheme)
}

fn endpoint_port_matches(e: &MonitorEndpoint, p: &Pod, port: i64) -> bool {
    if let Some(t) = &e.target_port {
        return t == &port.to_string()
            || p.containers
                .iter()
                .flat_map(|c| &c.ports)
                .any(|cp| &cp.name == t && cp.port == port);
    }
    if let Some(name) = &e.port {
        return p
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .any(|cp| &cp.name == name && cp.port == port);
    }
    false
}

fn per_service<'a>(
    m: &'a Model,
    f: impl Fn(&ServiceRelations<'a>) -> Vec<CheckResult>,
) -> Vec<CheckResult> {
    m.services.iter().flat_map(f).collect()
}

pub fn vllm_scrape(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "vllm-scrape";
    per_service(m, |s| {
        let subject = s.subject();
        if let Some(reason) = unlisted(m, keys::PODMONITORS) {
            return vec![match m.snap.list_state(keys::PODMONITORS) {
                ListState::NotInstalled => error(ID, &subject, "the PodMonitor CRD (monitoring.coreos.com) is not installed")
                    .fix("install the Prometheus Operator (on OpenShift it is part of cluster monitoring)")
                    .hint("KServe declares vLLM scraping as a PodMonitor"),
                _ => skipped(ID, &subject, format!("cannot list PodMonitors: {reason}")),
            }];
        }
        let pods: Vec<&Pod> = s.all_vllm_pods().collect();
        if pods.is_empty() {
            return vec![skipped(
                ID,
                &subject,
                "no vLLM pods to scrape (see vllm-pods)",
            )];
        }
        let ns = &s.isvc.namespace;
        let recreate = format!(
            "oc -n {ns} get podmonitors  # KServe recreates kserve-llm-isvc-vllm-engine while an LLMInferenceService exists in {ns} and LLMISVC_MONITORING_DISABLED is unset"
        );
        let mut unselected = Vec::new();
        let mut wrong = Vec::new();
        for p in &pods {
            let (port, scheme) = vllm_endpoint(p);
            let selecting: Vec<_> = s
                .pod_monitors
                .iter()
                .filter(|pm| pm.selector.matches(&p.labels))
                .collect();
            if selecting.is_empty() {
                unselected.push(p.name.clone());
                continue;
            }
            let good = selecting.iter().any(|pm| {
                pm.endpoints.iter().any(|e| {
                    endpoint_port_matches(e, p, port)
                        && e.scheme.as_deref().unwrap_or("http") == scheme
                })
            });
            if !good {
                let pm = selecting[0];
                let e = pm.endpoints.first();
                let got_port = e
                    .and_then(|e| e.target_port.clone().or_else(|| e.port.clone()))
                    .unwrap_or_else(|| "none".into());
                let got_scheme = e
                    .and_then(|e| e.scheme.clone())
                    .unwrap_or_else(|| "http".into());
                wrong.push((pm.name.clone(), got_port, got_scheme, port, scheme));
            }
        }
        let mut out = Vec::new();
        if !unselected.is_empty() {
            out.push(error(ID, &subject, format!("no PodMonitor selects vLLM pods {}", unselected.join(", ")))
                .fix(recreate.clone())
                .hint("without a PodMonitor UWM Prometheus never scrapes vLLM, so dashboards and stats show nothing"));
        }
        if let Some((name, got_port, got_scheme, port, scheme)) = wrong.first() {
            let idx_fix = if got_scheme != scheme {
                format!(
                    "oc -n {ns} patch podmonitor {name} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/podMetricsEndpoints/0/scheme\",\"value\":\"{scheme}\"}}]'"
                )
            } else {
                format!(
                    "oc -n {ns} patch podmonitor {name} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/podMetricsEndpoints/0/targetPort\",\"value\":{port}}}]'"
                )
            };
            out.push(error(ID, &subject, format!(
                "PodMonitor {name} scrapes port {got_port} over {got_scheme}, but vLLM serves /metrics on {port} over {scheme}"
            ))
            .fix(idx_fix)
            .hint("a wrong port or scheme makes every scrape fail (target down), so no vLLM series exist"));
        }
        if out.is_empty() {
            let (port, scheme) = vllm_endpoint(pods[0]);
            let names: Vec<&str> = s.pod_monitors.iter().map(|p| p.name.as_str()).collect();
            out.push(ok(
                ID,
                &subject,
                format!(
                    "PodMonitor {} scrapes {} vLLM pod(s) on {port}/{scheme}",
                    names.join(", "),
                    pods.len()
                ),
            ));
        }
        out
    })
}

pub fn epp_scrape(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "epp-scrape";
    per_service(m, |s| {
        let subject = s.subject();
        if let Some(reason) = unlisted(m, keys::SERVICEMONITORS) {
            return vec![skipped(
                ID,
                &subject,
                format!("cannot list ServiceMonitors: {reason}"),
            )];
        }
        let Some(svc) = s.epp_services.iter().find_map(|(_, svc)| *svc) else {
            return vec![skipped(ID, &subject, "no EPP Service (see inferencepool)")];
        };
        let ns = &s.isvc.namespace;
        if s.service_monitors.is_empty() {
            return vec![error(ID, &subject, format!("no ServiceMonitor selects the EPP Service {}", svc.name))
                .fix(format!("oc -n {ns} get servicemonitors  # KServe recreates kserve-llm-isvc-scheduler while an LLMInferenceService exists in {ns}"))
                .hint("without it the EPP's pool and routing metrics never reach Thanos")];
        }
        let metrics_port = |name: &str| {
            svc.ports
                .iter()
                .any(|p| p.name == name && (p.name == "metrics" || p.port == 9090))
        };
        let endpoint = s
            .service_monitors
            .iter()
            .flat_map(|sm| sm.endpoints.iter().map(move |e| (sm, e)))
            .find(|(_, e)| {
                e.port.as_deref().is_some_and(metrics_port)
                    || e.target_port.as_deref() == Some("9090")
            });
        let Some((sm, e)) = endpoint else {
            let names: Vec<&str> = s.service_monitors.iter().map(|m| m.name.as_str()).collect();
            return vec![error(ID, &subject, format!(
                "ServiceMonitor {} selects {} but no endpoint scrapes its metrics port (9090)",
                names.join(", "), svc.name
            ))
            .fix(format!("oc -n {ns} patch servicemonitor {} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/endpoints/0/port\",\"value\":\"metrics\"}}]'", names[0]))
            .hint("the EPP serves /metrics only on its metrics port")];
        };
        let Some((secret, key)) = &e.auth_secret else {
            return vec![warn(ID, &subject, format!("ServiceMonitor {} scrapes {} without a bearer token", sm.name, svc.name))
                .fix(format!("oc -n {ns} get secret kserve-metrics-reader-sa-secret  # reference it in spec.endpoints[].authorization.credentials"))
                .hint("the EPP's metrics endpoint authenticates every scrape; without a token it answers 401")];
        };
        if let Some(reason) = unlisted(m, keys::TOKEN_SECRETS) {
            return vec![ok(
                ID,
                &subject,
                format!(
                    "ServiceMonitor {} scrapes {}:metrics with Secret {secret} (token not verified: {reason})",
                    sm.name, svc.name
                ),
            )];
        }
        let found = m
            .snap
            .token_secrets
            .iter()
            .find(|t| t.namespace == *ns && t.name == *secret);
        match found {
            Some(t) if t.token_fingerprint.is_some() => vec![ok(ID, &subject, format!(
                "ServiceMonitor {} scrapes {}:metrics with the token in Secret {secret}",
                sm.name, svc.name
            ))],
            _ => vec![error(ID, &subject, format!(
                "ServiceMonitor {} authenticates with Secret {ns}/{secret} key {key}, which is missing or holds no token",
                sm.name
            ))
            .fix(format!("oc -n {ns} get secret {secret} -o jsonpath='{{.data.{key}}}'  # KServe recreates kserve-metrics-reader-sa-secret with the LLMInferenceService"))
            .hint("a scrape without a valid token gets 401 from the EPP")],
        }
    })
}

/// Metric families present, in words — decided by the one naming table (`crate::metrics`):
/// whether any vLLM / EPP concept's series exists, and which generation the names are.
fn generations(names: &[String]) -> (bool, bool, Vec<String>) {
    use crate::metrics::{Component, Concept, EppGeneration, Naming, VllmGeneration};
    let naming = Naming::detect(names);
    let present = |component: Component| {
        Concept::all()
            .filter(|c| c.component() == component)
            .any(|c| {
                naming.series(c).is_some_and(|series| {
                    names.iter().any(|n| {
                        *n == series
                            || n.strip_prefix(series.as_str())
                                .is_some_and(|rest| rest.starts_with('_'))
                    })
                })
            })
    };
    let vllm = present(Component::Vllm);
    let epp = naming.epp != EppGeneration::Absent && present(Component::Epp);
    let mut words = Vec::new();
    if vllm {
        words.push(match naming.vllm {
            VllmGeneration::V1 => "vLLM current names (kv_cache_usage_perc)".to_string(),
            VllmGeneration::V1Tpot => {
                "vLLM 0.9-0.10 names (kv_cache_usage_perc, time_per_output_token)".to_string()
            }
            VllmGeneration::V0 => "vLLM legacy names (gpu_cache_usage_perc)".to_string(),
        });
    }
    if epp {
        words.push(match naming.epp {
            EppGeneration::LlmD => "EPP llm_d_epp_* (llm-d-router >= v0.9)".to_string(),
            EppGeneration::InferenceObjective => {
                "EPP inference_objective_* (GIE >= v1.1)".to_string()
            }
            EppGeneration::InferenceModel => "EPP inference_model_* (GIE <= v1.0)".to_string(),
            EppGeneration::Absent => String::new(),
        });
    }
    (vllm, epp, words)
}

/// User workload monitoring is off on this OpenShift cluster (the `uwm-enabled` check fails):
/// Thanos then holds no llm-d series, and the live checks have nothing to compare.
pub(super) fn uwm_off(m: &Model) -> bool {
    uwm_enabled(m).iter().any(|r| r.status == Status::Error)
}

/// Subjects (`namespace/name` of an LLMInferenceService) for which a static check failed.
pub(super) fn failing_subjects(results: Vec<CheckResult>) -> BTreeSet<String> {
    results
        .into_iter()
        .filter(|r| r.status == Status::Error)
        .map(|r| r.subject)
        .collect()
}

/// Every service has a failing static scrape check (and there is at least one service).
fn all_failing(m: &Model, failing: &BTreeSet<String>) -> bool {
    !m.services.is_empty() && m.services.iter().all(|s| failing.contains(&s.subject()))
}

pub fn metric_names(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "metric-names";
    let Some(live) = &m.snap.live else {
        return vec![skipped(ID, "", "Thanos not queried")];
    };
    let (vllm, epp, gens) = generations(&live.metric_names);
    let prefixed = live.metric_names.iter().any(|n| {
        n.strip_prefix(KSERVE_PREFIX)
            .is_some_and(|rest| rest.starts_with(VLLM_PREFIX))
    });
    let plain = live.metric_names.iter().any(|n| n.starts_with(VLLM_PREFIX));
    let prefix = match (prefixed, plain) {
        (true, true) => "both kserve_ and unprefixed names",
        (true, false) => "kserve_ prefix",
        (false, true) => "no prefix",
        (false, false) => "no vLLM names",
    };
    if !vllm {
        // A cause another check already reports: say so once, do not cascade.
        if uwm_off(m) {
            return vec![skipped(
                ID,
                "",
                format!(
                    "no vLLM metrics in {}: user workload monitoring is off (see uwm-enabled)",
                    live.source
                ),
            )];
        }
        if all_failing(m, &failing_subjects(vllm_scrape(m))) {
            return vec![skipped(
                ID,
                "",
                format!(
                    "no vLLM metrics in {}: no vLLM pod is scraped (see vllm-scrape)",
                    live.source
                ),
            )];
        }
        return vec![error(ID, "", format!("no vLLM metrics in {}", live.source))
            .fix("oc llmd doctor --check vllm-scrape --check uwm-prometheus")
            .hint("dashboards and stats need vLLM series; they exist only once UWM scrapes the vLLM pods")];
    }
    if !epp {
        if all_failing(m, &failing_subjects(epp_scrape(m))) {
            return vec![ok(
                ID,
                "",
                format!(
                    "{prefix}; {}; no EPP metrics: the EPP is not scraped (see epp-scrape)",
                    gens.join(", ")
                ),
            )];
        }
        return vec![
            warn(
                ID,
                "",
                format!("{prefix}; vLLM metrics present but no EPP metrics"),
            )
            .fix("oc llmd doctor --check epp-scrape")
            .hint("routing and pool panels need the EPP's inference_pool_* series"),
        ];
    }
    vec![ok(ID, "", format!("{prefix}; {}", gens.join(", ")))]
}

pub fn metrics_flowing(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "metrics-flowing";
    let Some(live) = &m.snap.live else {
        return vec![skipped(ID, "", "Thanos not queried")];
    };
    let uwm_off = uwm_off(m);
    let vllm_unscraped = failing_subjects(vllm_scrape(m));
    let epp_unscraped = failing_subjects(epp_scrape(m));
    per_service(m, |s| {
        let subject = s.subject();
        let ns = &s.isvc.namespace;
        let without_series = |pods: &mut dyn Iterator<Item = &Pod>| -> Vec<String> {
            pods.filter(|p| {
                live.series_per_pod
                    .get(&format!("{}/{}", p.namespace, p.name))
                    .is_none_or(|n| *n == 0)
            })
            .map(|p| p.name.clone())
            .collect()
        };
        let vllm_count = s.all_vllm_pods().count();
        if vllm_count == 0 && s.epp_pods.is_empty() {
            return vec![skipped(ID, &subject, "no pods (see vllm-pods, epp-pod)")];
        }
        let missing_vllm = without_series(&mut s.all_vllm_pods());
        let missing_epp = without_series(&mut s.epp_pods.iter().copied());
        if missing_vllm.is_empty() && missing_epp.is_empty() {
            return vec![ok(
                ID,
                &subject,
                format!(
                    "series for {vllm_count} vLLM pod(s) and {} EPP pod(s)",
                    s.epp_pods.len()
                ),
            )];
        }
        // Pods whose missing series another failing check already explains.
        let mut causes = BTreeSet::new();
        let mut unexplained = Vec::new();
        for (missing, static_check, failing) in [
            (&missing_vllm, "vllm-scrape", &vllm_unscraped),
            (&missing_epp, "epp-scrape", &epp_unscraped),
        ] {
            if missing.is_empty() {
                continue;
            }
            if uwm_off {
                causes.insert("user workload monitoring is off (see uwm-enabled)".to_string());
            } else if failing.contains(&subject) {
                causes.insert(format!("not scraped (see {static_check})"));
            } else {
                unexplained.extend(missing.iter().cloned());
            }
        }
        if unexplained.is_empty() {
            let all: Vec<String> = missing_vllm.iter().chain(&missing_epp).cloned().collect();
            return vec![skipped(
                ID,
                &subject,
                format!(
                    "no series in Thanos for {}: {}",
                    all.join(", "),
                    causes.into_iter().collect::<Vec<_>>().join("; ")
                ),
            )];
        }
        vec![error(ID, &subject, format!("no series in Thanos for {}", unexplained.join(", ")))
            .fix(format!("oc -n {ns} get podmonitors,servicemonitors; check the targets in the console under Observe > Targets"))
            .hint("a pod without series is not scraped: its monitor, port, scheme or token is wrong, or UWM ignores the namespace")]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{MonitorEndpoint, Service};
    use crate::cluster::sample;
    use crate::doctor::checks::test_support::*;
    use crate::doctor::report::Status;

    #[test]
    fn uwm_enabled_cases() {
        all_ok(&with(|_| {}, uwm_enabled));
        let r = with(|s| s.monitoring.uwm_enabled = Some(false), uwm_enabled);
        expect(&r, Status::Error, "enableUserWorkload: false");
        assert_eq!(
            r[0].fix.as_deref(),
            Some("oc llmd install-monitoring --enable-uwm")
        );
        assert_eq!(r[0].subject, CMC);
        expect(
            &with(|s| s.monitoring.uwm_enabled = None, uwm_enabled),
            Status::Error,
            "does not set",
        );
        expect(
            &with(|s| s.monitoring.cluster_config_present = false, uwm_enabled),
            Status::Error,
            "does not exist",
        );
        expect(
            &with(
                |s| s.monitoring.cluster_config_error = Some("bad yaml".into()),
                uwm_enabled,
            ),
            Status::Error,
            "bad yaml",
        );
        let r = with(
            |s| {
                s.lists.insert(
                    keys::CLUSTER_MONITORING_CONFIG.into(),
                    ListState::Forbidden("x".into()),
                );
            },
            uwm_enabled,
        );
        expect(&r, Status::Skipped, "not permitted");
        let r = with(
            |s| {
                s.lists
                    .insert(keys::CLUSTERVERSIONS.into(), ListState::NotInstalled);
                s.cluster.openshift_version = None;
            },
            uwm_enabled,
        );
        expect(&r, Status::Skipped, "not OpenShift");
    }

    #[test]
    fn uwm_prometheus_cases() {
        all_ok(&with(|_| {}, uwm_prometheus));
        expect(
            &with(|s| s.monitoring.uwm_prometheus_pods.clear(), uwm_prometheus),
            Status::Error,
            "no prometheus-user-workload",
        );
        let r = with(
            |s| {
                s.monitoring.uwm_prometheus_pods[1].ready = false;
                s.monitoring.uwm_prometheus_pods[1].waiting_reason =
                    Some("CrashLoopBackOff".into());
            },
            uwm_prometheus,
        );
        expect(
            &r,
            Status::Error,
            "prometheus-user-workload-1 (CrashLoopBackOff)",
        );
    }

    #[test]
    fn thanos_cases() {
        all_ok(&with(|_| {}, thanos_querier));
        expect(
            &with(|s| s.monitoring.thanos_service = None, thanos_querier),
            Status::Error,
            "does not exist",
        );
        expect(
            &with(|s| s.monitoring.thanos_route_host = None, thanos_querier),
            Status::Warn,
            "Route thanos-querier is missing",
        );
        expect(
            &with(
                |s| {
                    if let Some(t) = s.monitoring.thanos_service.as_mut() {
                        t.ports.clear();
                    }
                },
                thanos_querier,
            ),
            Status::Error,
            "no web port",
        );
    }

    #[test]
    fn vllm_scrape_cases() {
        all_ok(&with(|_| {}, vllm_scrape));
        expect(
            &with(|s| s.pod_monitors.clear(), vllm_scrape),
            Status::Error,
            "no PodMonitor selects",
        );
        let r = with(
            |s| s.pod_monitors[0].endpoints[0].scheme = Some("http".into()),
            vllm_scrape,
        );
        expect(
            &r,
            Status::Error,
            "over http, but vLLM serves /metrics on 8000 over https",
        );
        assert!(r[0].fix.as_deref().unwrap().contains("\"value\":\"https\""));
        let r = with(
            |s| s.pod_monitors[0].endpoints[0].target_port = Some("9000".into()),
            vllm_scrape,
        );
        expect(&r, Status::Error, "scrapes port 9000");
        // A named port resolving to 8000 is fine.
        all_ok(&with(
            |s| {
                s.pod_monitors[0].endpoints[0] = MonitorEndpoint {
                    port: Some("https".into()),
                    scheme: Some("https".into()),
                    ..Default::default()
                }
            },
            vllm_scrape,
        ));
        expect(
            &with(
                |s| s.pods.retain(|p| !p.name.contains("kserve-5f")),
                vllm_scrape,
            ),
            Status::Skipped,
            "no vLLM pods",
        );
        expect(
            &with(
                |s| {
                    s.lists
                        .insert(keys::PODMONITORS.into(), ListState::NotInstalled);
                },
                vllm_scrape,
            ),
            Status::Error,
            "CRD",
        );
    }

    #[test]
    fn epp_scrape_cases() {
        all_ok(&with(|_| {}, epp_scrape));
        expect(
            &with(|s| s.service_monitors.clear(), epp_scrape),
            Status::Error,
            "no ServiceMonitor selects",
        );
        expect(
            &with(
                |s| s.service_monitors[0].endpoints[0].port = Some("grpc".into()),
                epp_scrape,
            ),
            Status::Error,
            "no endpoint scrapes",
        );
        expect(
            &with(
                |s| s.service_monitors[0].endpoints[0].auth_secret = None,
                epp_scrape,
            ),
            Status::Warn,
            "without a bearer token",
        );
        expect(
            &with(
                |s| {
                    s.token_secrets
                        .retain(|t| t.name != "kserve-metrics-reader-sa-secret")
                },
                epp_scrape,
            ),
            Status::Error,
            "missing or holds no token",
        );
        expect(
            &with(
                |s| {
                    s.services
                        .retain(|x: &Service| !x.name.ends_with("epp-service"))
                },
                epp_scrape,
            ),
            Status::Skipped,
            "no EPP Service",
        );
    }

    #[test]
    fn live_checks() {
        let r = with(|_| {}, metric_names);
        expect(&r, Status::Skipped, "Thanos not queried");
        let live = |f: fn(&mut crate::cluster::model::LiveFacts)| {
            move |s: &mut crate::cluster::model::Snapshot| {
                let mut l = sample::healthy_live();
                f(&mut l);
                s.live = Some(l);
            }
        };
        let r = with(live(|_| {}), metric_names);
        all_ok(&r);
        assert!(
            r[0].message
                .starts_with("kserve_ prefix; vLLM current names")
        );
        expect(
            &with(
                live(|l| l.metric_names.retain(|n| !n.contains("vllm:"))),
                metric_names,
            ),
            Status::Error,
            "no vLLM metrics",
        );
        expect(
            &with(
                live(|l| l.metric_names.retain(|n| n.contains("vllm:"))),
                metric_names,
            ),
            Status::Warn,
            "no EPP metrics",
        );
        expect(
            &with(
                live(|l| l.metric_names = vec!["vllm:num_requests_running".into()]),
                metric_names,
            ),
            Status::Warn,
            "no prefix; vLLM metrics present but no EPP metrics",
        );
        // Both families (RHOAI 3.4 keeps the prefixed and the -default monitors).
        let r = with(
            live(|l| {
                l.metric_names
                    .push("vllm:e2e_request_latency_seconds_bucket".into())
            }),
            metric_names,
        );
        all_ok(&r);
        assert!(
            r[0].message
                .starts_with("both kserve_ and unprefixed names")
        );
        all_ok(&with(live(|_| {}), metrics_flowing));
        let r = with(
            live(|l| {
                l.series_per_pod.remove("demo/qwen-kserve-5f6b7c-bbbbb");
            }),
            metrics_flowing,
        );
        expect(&r, Status::Error, "qwen-kserve-5f6b7c-bbbbb");
        assert_eq!(r[0].subject, "demo/qwen");
        let r = with(
            live(|l| {
                l.series_per_pod
                    .insert("demo/qwen-kserve-router-scheduler-7d9f8-abcde".into(), 0);
            }),
            metrics_flowing,
        );
        expect(
            &r,
            Status::Error,
            "no series in Thanos for qwen-kserve-router-scheduler",
        );
        expect(
            &with(
                |s| {
                    s.live = Some(sample::healthy_live());
                    s.pods.retain(|p| !p.name.starts_with("qwen-kserve"));
                },
                metrics_flowing,
            ),
            Status::Skipped,
            "no pods",
        );
    }

    /// A missing series whose cause a static check already reports is not a second error.
    #[test]
    fn live_checks_do_not_cascade_static_failures() {
        let live_without = |f: fn(&mut crate::cluster::model::LiveFacts)| {
            move |s: &mut crate::cluster::model::Snapshot| {
                let mut l = sample::healthy_live();
                f(&mut l);
                s.live = Some(l);
            }
        };
        let nothing = |l: &mut crate::cluster::model::LiveFacts| {
            l.metric_names.clear();
            l.series_per_pod.clear();
            l.request_rates.clear();
        };
        // UWM off: nothing scraped, uwm-enabled reports it.
        let uwm_off = move |s: &mut crate::cluster::model::Snapshot| {
            live_without(nothing)(s);
            s.monitoring.uwm_enabled = Some(false);
        };
        expect(
            &with(uwm_off, metric_names),
            Status::Skipped,
            "user workload monitoring is off (see uwm-enabled)",
        );
        expect(
            &with(uwm_off, metrics_flowing),
            Status::Skipped,
            "user workload monitoring is off (see uwm-enabled)",
        );
        // No PodMonitor: vllm-scrape reports it.
        let no_podmonitor = move |s: &mut crate::cluster::model::Snapshot| {
            live_without(|l| {
                l.metric_names.retain(|n| !n.contains(VLLM_PREFIX));
                l.series_per_pod
                    .retain(|k, _| k.contains("router-scheduler"));
            })(s);
            s.pod_monitors.clear();
        };
        expect(
            &with(no_podmonitor, metric_names),
            Status::Skipped,
            "no vLLM pod is scraped (see vllm-scrape)",
        );
        let r = with(no_podmonitor, metrics_flowing);
        expect(&r, Status::Skipped, "not scraped (see vllm-scrape)");
        assert!(r[0].message.contains("qwen-kserve-5f6b7c-aaaaa"), "{r:#?}");
        // No ServiceMonitor: epp-scrape reports it; the vLLM side is still checked.
        let no_servicemonitor = move |s: &mut crate::cluster::model::Snapshot| {
            live_without(|l| {
                l.metric_names.retain(|n| n.contains(VLLM_PREFIX));
                l.series_per_pod
                    .retain(|k, _| !k.contains("router-scheduler"));
            })(s);
            s.service_monitors.clear();
        };
        let r = with(no_servicemonitor, metric_names);
        all_ok(&r);
        assert!(
            r[0].message
                .contains("the EPP is not scraped (see epp-scrape)")
        );
        expect(
            &with(no_servicemonitor, metrics_flowing),
            Status::Skipped,
            "not scraped (see epp-scrape)",
        );
        // A vLLM pod without series while its PodMonitor looks right is still an error.
        let r = with(
            move |s: &mut crate::cluster::model::Snapshot| {
                live_without(|l| {
                    l.series_per_pod.remove("demo/qwen-kserve-5f6b7c-aaaaa");
                })(s);
                s.service_monitors.clear();
            },
            metrics_flowing,
        );
        expect(
            &r,
            Status::Error,
            "no series in Thanos for qwen-kserve-5f6b7c-aaaaa",
        );
        assert!(!r[0].message.contains("router-scheduler"), "{r:#?}");
    }

    /// What doctor could not read is skipped with the reason, never an error.
    #[test]
    fn unreadable_inputs_are_skipped_with_the_reason() {
        let forbid = |key: &'static str| {
            move |s: &mut crate::cluster::model::Snapshot| {
                s.lists
                    .insert(key.into(), ListState::Forbidden("pods is forbidden".into()));
            }
        };
        expect(
            &with(forbid(keys::UWM_PODS), uwm_prometheus),
            Status::Skipped,
            "cannot list the pods: ",
        );
        expect(
            &with(forbid(keys::THANOS_SERVICE), thanos_querier),
            Status::Skipped,
            "cannot read the Service: ",
        );
        expect(
            &with(forbid(keys::THANOS_ROUTE), thanos_querier),
            Status::Warn,
            "Route not readable",
        );
        expect(
            &with(forbid(keys::PODMONITORS), vllm_scrape),
            Status::Skipped,
            "cannot list PodMonitors: ",
        );
        expect(
            &with(forbid(keys::SERVICEMONITORS), epp_scrape),
            Status::Skipped,
            "cannot list ServiceMonitors: ",
        );
        let r = with(forbid(keys::TOKEN_SECRETS), epp_scrape);
        all_ok(&r);
        assert!(r[0].message.contains("token not verified"), "{r:#?}");
        let plain = |s: &mut crate::cluster::model::Snapshot| {
            s.lists
                .insert(keys::CLUSTERVERSIONS.into(), ListState::NotInstalled);
            s.cluster.openshift_version = None;
        };
        expect(
            &with(plain, uwm_prometheus),
            Status::Skipped,
            "not OpenShift",
        );
        expect(
            &with(plain, thanos_querier),
            Status::Skipped,
            "not OpenShift",
        );
    }
}
