//! Grafana checks: operator, instance, the ServiceAccount token and its binding, the Thanos
//! datasource (current token, matched instance) and dashboards whose queries use metric names
//! that exist.

use super::{KSERVE_PREFIX, VLLM_PREFIX, expr_naming, is_openshift, naming};
use crate::cluster::Model;
use crate::cluster::model::{
    DashboardSource, GrafanaDatasource, ListState, TokenSecret, condition, keys,
};
use crate::doctor::report::{CheckResult, error, ok, skipped, warn};

const INSTALL: &str = "oc llmd install-monitoring";

pub fn grafana_operator(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-operator";
    match m.snap.list_state(keys::GRAFANAS) {
        ListState::NotInstalled if !super::is_openshift(m.snap) => {
            // Plain Kubernetes: the OpenShift monitoring path (Grafana Operator on Thanos) does
            // not apply; bring-your-own Grafana can import `oc llmd dashboards -o json`.
            return vec![crate::doctor::report::skipped(
                ID,
                "",
                "plain Kubernetes without the Grafana Operator: Grafana checks do not apply \
                 (import `oc llmd dashboards -o json` into your Grafana)",
            )];
        }
        ListState::NotInstalled => {
            return vec![error(ID, "", "Grafana Operator CRDs are not installed (grafanas.grafana.integreatly.org)")
                .fix(format!("{INSTALL} --install-operator"))
                .hint("doctor and install-monitoring manage Grafana through the Grafana Operator's CRs")];
        }
        ListState::Listed => {}
        other => {
            return vec![
                warn(
                    ID,
                    "",
                    format!(
                        "cannot list Grafana CRs: {}",
                        other.reason().unwrap_or_default()
                    ),
                )
                .fix("ask for list permission on grafanas.grafana.integreatly.org")
                .hint("the Grafana checks read these objects"),
            ];
        }
    }
    let csv = m
        .snap
        .operators
        .iter()
        .find(|c| c.name.starts_with("grafana-operator"));
    let deploy = m
        .snap
        .grafana
        .operator_deployments
        .iter()
        .find(|d| d.ready_replicas > 0);
    match (csv, deploy) {
        (Some(c), _) if c.phase.as_deref() == Some("Succeeded") => vec![ok(
            ID,
            format!("{}/{}", c.namespace, c.name),
            format!(
                "Grafana Operator {} (CSV Succeeded)",
                c.version.clone().unwrap_or_default()
            ),
        )],
        (_, Some(d)) => vec![ok(
            ID,
            format!("{}/{}", d.namespace, d.name),
            format!(
                "Grafana Operator running ({}/{} ready)",
                d.ready_replicas, d.replicas
            ),
        )],
        (Some(c), None) => vec![
            error(
                ID,
                format!("{}/{}", c.namespace, c.name),
                format!(
                    "Grafana Operator CSV is {}, not Succeeded",
                    c.phase.clone().unwrap_or_else(|| "without a phase".into())
                ),
            )
            .fix(format!("oc -n {} describe csv {}", c.namespace, c.name))
            .hint("the CRDs exist but nothing reconciles Grafana, datasource or dashboard CRs"),
        ],
        (None, None) => {
            match super::unreadable(m.snap, &[keys::CSVS, keys::OPERATOR_DEPLOYMENTS]) {
                // Could not look at the CSVs or Deployments: "not running" is not established.
                Some(gap) => vec![crate::doctor::report::skipped(ID, "", gap)],
                None => vec![
            error(
                ID,
                "",
                "Grafana CRDs are installed but no Grafana Operator is running",
            )
            .fix(format!("{INSTALL} --install-operator"))
            .hint("the CRDs exist but nothing reconciles Grafana, datasource or dashboard CRs"),
            ],
            }
        }
    }
}

pub fn grafana_instance(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-instance";
    let g = &m.snap.grafana;
    if let Some(reason) = m.snap.list_state(keys::GRAFANAS).reason()
        && g.instances.is_empty()
    {
        // Could not look: absence is not established (the permissions check names the gap).
        return vec![crate::doctor::report::skipped(
            ID,
            "",
            format!("cannot list Grafana instances: {reason}"),
        )];
    }
    if g.instances.is_empty() {
        return vec![
            error(ID, "", "no Grafana instance exists")
                .fix(INSTALL)
                .hint("dashboards and datasources need a Grafana instance to land in"),
        ];
    }
    let openshift = is_openshift(m.snap);
    g.instances
        .iter()
        .map(|i| {
            let subject = format!("{}/{}", i.namespace, i.name);
            if i.external {
                return ok(ID, &subject, "external Grafana (spec.external)");
            }
            if !i.ready() {
                return error(ID, &subject, format!(
                    "not ready: stage {} {}",
                    i.stage.clone().unwrap_or_else(|| "unknown".into()),
                    i.stage_status.clone().unwrap_or_else(|| "unknown".into())
                ))
                .fix(format!("oc -n {} describe grafana {}; oc -n {} get pods", i.namespace, i.name, i.namespace))
                .hint("the operator reports the stage it is stuck at in the Grafana's status");
            }
            if !openshift {
                return ok(ID, &subject, "ready");
            }
            if !i.wants_route {
                return warn(ID, &subject, "ready, but spec.route is unset: no Route to reach it")
                    .fix(format!("oc -n {} patch grafana {} --type=merge -p '{{\"spec\":{{\"route\":{{\"spec\":{{}}}}}}}}'", i.namespace, i.name))
                    .hint("on OpenShift the operator creates <name>-route only when spec.route is set");
            }
            let route = format!("{}/{}-route", i.namespace, i.name);
            let routes_key = format!("{}@{}", keys::GRAFANA_ROUTES, i.namespace);
            let routes_gap = super::unreadable(m.snap, &[routes_key.as_str()]);
            match (g.routes.get(&route), routes_gap) {
                (Some(host), _) => ok(ID, &subject, format!("ready at https://{host}")),
                (None, Some(gap)) => {
                    warn(ID, &subject, format!("ready; Route {route} unknown: {gap}"))
                        .fix(format!("oc -n {} get routes", i.namespace))
                        .hint("users reach Grafana through that Route")
                }
                (None, None) => warn(ID, &subject, format!("ready, but Route {route} does not exist yet"))
                    .fix(format!("oc -n {} get routes; oc -n {} describe grafana {}", i.namespace, i.namespace, i.name))
                    .hint("users reach Grafana through that Route"),
            }
        })
        .collect()
}

/// Datasources pointing at Thanos Querier.
fn thanos_datasources<'a>(m: &'a Model) -> Vec<&'a GrafanaDatasource> {
    m.snap
        .grafana
        .datasources
        .iter()
        .filter(|d| d.url.contains("thanos-querier"))
        .collect()
}

/// The token Secret(s) Grafana uses: referenced by the Thanos datasources' `valuesFrom`, else the
/// ServiceAccount token Secrets in the Grafana namespaces. (secret ref, found).
fn grafana_token_secrets<'a>(m: &'a Model) -> Vec<(String, String, Option<&'a TokenSecret>)> {
    let snap = m.snap;
    let find = |ns: &str, name: &str| {
        snap.token_secrets
            .iter()
            .find(|t| t.namespace == ns && t.name == name)
    };
    let mut out: Vec<(String, String, Option<&TokenSecret>)> = Vec::new();
    for d in thanos_datasources(m) {
        for (_, secret, _) in &d.secret_values {
            if !out
                .iter()
                .any(|(ns, n, _)| *ns == d.namespace && n == secret)
            {
                out.push((
                    d.namespace.clone(),
                    secret.clone(),
                    find(&d.namespace, secret),
                ));
            }
        }
    }
    if out.is_empty() {
        let namespaces: Vec<&str> = snap
            .grafana
            .instances
            .iter()
            .map(|i| i.namespace.as_str())
            .chain(thanos_datasources(m).iter().map(|d| d.namespace.as_str()))
            .collect();
        for t in snap
            .token_secrets
            .iter()
            .filter(|t| namespaces.contains(&t.namespace.as_str()))
        {
            if !out
                .iter()
                .any(|(ns, n, _)| *ns == t.namespace && *n == t.name)
            {
                out.push((t.namespace.clone(), t.name.clone(), Some(t)));
            }
        }
    }
    out
}

pub fn grafana_token(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-token";
    if let Some(reason) = m.snap.list_state(keys::TOKEN_SECRETS).reason() {
        return vec![skipped(
            ID,
            "",
            format!("cannot list ServiceAccount token Secrets: {reason}"),
        )];
    }
    let secrets = grafana_token_secrets(m);
    if secrets.is_empty() {
        return vec![error(ID, "", "no ServiceAccount token Secret for Grafana (none referenced by a Thanos datasource, none in the Grafana namespaces)")
            .fix(INSTALL)
            .hint("Grafana authenticates to Thanos Querier with a long-lived ServiceAccount token kept in a Secret")];
    }
    secrets
        .into_iter()
        .map(|(ns, name, found)| {
            let subject = format!("{ns}/{name}");
            match found {
                None => error(ID, &subject, "Secret not found (or not of type kubernetes.io/service-account-token)")
                    .fix(INSTALL)
                    .hint("the datasource's valuesFrom reads the token from this Secret"),
                Some(t) if t.token_fingerprint.is_none() => {
                    let sa = t.service_account.clone().unwrap_or_else(|| "<unset>".into());
                    error(ID, &subject, format!("Secret holds no token (ServiceAccount {sa})"))
                        .fix(format!("oc -n {ns} get serviceaccount {sa}  # the token controller fills the Secret only when the ServiceAccount exists; or run {INSTALL}"))
                        .hint("an empty token makes every Grafana query to Thanos fail with 401")
                }
                Some(t) => ok(ID, &subject, format!(
                    "holds a token for ServiceAccount {}",
                    t.service_account.clone().unwrap_or_else(|| "<unset>".into())
                )),
            }
        })
        .collect()
}

pub fn grafana_rbac(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-rbac";
    if let Some(reason) = m.snap.list_state(keys::CLUSTERROLEBINDINGS).reason() {
        return vec![skipped(
            ID,
            "",
            format!("cannot list ClusterRoleBindings: {reason}"),
        )];
    }
    let mut sas: Vec<(String, String)> = grafana_token_secrets(m)
        .into_iter()
        .filter_map(|(ns, _, t)| Some((ns, t?.service_account.clone()?)))
        .collect();
    sas.sort();
    sas.dedup();
    if sas.is_empty() {
        return vec![skipped(
            ID,
            "",
            "no Grafana token ServiceAccount known (see grafana-token)",
        )];
    }
    sas.into_iter()
        .map(|(ns, sa)| {
            let subject = format!("{ns}/{sa}");
            match m
                .snap
                .monitoring_view_bindings
                .iter()
                .find(|b| b.subjects.contains(&subject))
            {
                Some(b) => ok(ID, &subject, format!("bound to cluster-monitoring-view by {}", b.name)),
                None => error(ID, &subject, "ServiceAccount is not bound to cluster-monitoring-view")
                    .fix(format!("oc adm policy add-cluster-role-to-user cluster-monitoring-view -z {sa} -n {ns}"))
                    .hint("Thanos Querier's port 9091 authorizes a token only if its user may get prometheuses/api (cluster-monitoring-view)"),
            }
        })
        .collect()
}

pub fn grafana_datasource(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-datasource";
    let ds = thanos_datasources(m);
    if let (true, Some(gap)) = (
        ds.is_empty(),
        super::unreadable(m.snap, &[keys::GRAFANA_DATASOURCES]),
    ) {
        return vec![crate::doctor::report::skipped(ID, "", gap)];
    }
    if ds.is_empty() {
        let others = m.snap.grafana.datasources.len();
        return vec![error(ID, "", format!(
            "no GrafanaDatasource points at Thanos Querier ({others} other datasource(s))"
        ))
        .fix(INSTALL)
        .hint("dashboards query Thanos Querier through a datasource: https://thanos-querier.openshift-monitoring.svc:9091")];
    }
    let secrets_listed = m.snap.list_state(keys::TOKEN_SECRETS).is_listed();
    ds.into_iter()
        .map(|d| {
            let subject = format!("{}/{}", d.namespace, d.name);
            if d.no_matching_instances == Some(true) {
                return error(ID, &subject, "matches no Grafana instance (status.NoMatchingInstances)")
                    .fix(format!("make spec.instanceSelector match the Grafana's labels (immutable: oc -n {} delete grafanadatasource {} and recreate it, or run {INSTALL})", d.namespace, d.name))
                    .hint("the operator only pushes a datasource into instances its selector matches");
            }
            if d.url.contains(":9092") && !d.query_parameters.as_deref().unwrap_or("").contains("namespace=") {
                return error(ID, &subject, format!("{} is the tenancy port but jsonData.customQueryParameters has no namespace=", d.url))
                    .fix(format!("{INSTALL} --tenant NAMESPACE"))
                    .hint("Thanos' tenancy port 9092 rejects queries without ?namespace=");
            }
            if !d.url.contains(":9091") && !d.url.contains(":9092") {
                return warn(ID, &subject, format!("url {} is not Thanos Querier's web port 9091", d.url))
                    .fix(INSTALL)
                    .hint("the in-cluster URL is https://thanos-querier.openshift-monitoring.svc:9091");
            }
            if let Some(c) = condition(&d.conditions, "DatasourceSynchronized").filter(|c| c.status == "False") {
                return error(ID, &subject, format!(
                    "not synchronized to Grafana: {}",
                    c.message.clone().or(c.reason.clone()).unwrap_or_default()
                ))
                .fix(format!("oc -n {} describe grafanadatasource {}", d.namespace, d.name))
                .hint("the operator could not apply the datasource to the Grafana instance");
            }
            if let Some(fp) = &d.literal_token {
                if !secrets_listed {
                    return warn(ID, &subject, "a literal bearer token is pasted in secureJsonData (could not compare it with the token Secrets)")
                        .fix(INSTALL)
                        .hint("a pasted token goes stale when the Secret is recreated; valuesFrom keeps it current");
                }
                let current = m.snap.token_secrets.iter().find(|t| t.token_fingerprint.as_ref() == Some(fp));
                return match current {
                    Some(t) => warn(ID, &subject, format!(
                        "the bearer token is pasted in plain text in secureJsonData (it is the current token of {}/{})",
                        t.namespace, t.name
                    ))
                    .fix(INSTALL)
                    .hint("a token in a CR is a plain-text secret and goes stale when the Secret is recreated; valuesFrom reads it from the Secret"),
                    None => error(ID, &subject, "stale token: the bearer token pasted in secureJsonData matches no current ServiceAccount token Secret")
                        .fix(INSTALL)
                        .hint("Thanos Querier rejects the old token with 401, so every panel shows No data"),
                };
            }
            if !d.token_placeholder {
                return error(ID, &subject, "no Authorization header: Thanos Querier will answer 401")
                    .fix(INSTALL)
                    .hint("port 9091 requires a bearer token of a user bound to cluster-monitoring-view");
            }
            let refs: Vec<&str> = d.secret_values.iter().map(|(_, s, _)| s.as_str()).collect();
            if refs.is_empty() {
                return error(ID, &subject, "the Authorization header uses a ${…} placeholder but valuesFrom names no Secret")
                    .fix(INSTALL)
                    .hint("the operator substitutes placeholders only from valuesFrom");
            }
            if secrets_listed {
                let empty: Vec<&str> = refs
                    .iter()
                    .copied()
                    .filter(|s| !m.snap.token_secrets.iter().any(|t| t.namespace == d.namespace && t.name == *s && t.token_fingerprint.is_some()))
                    .collect();
                if !empty.is_empty() {
                    return error(ID, &subject, format!("valuesFrom reads Secret {} which is missing or holds no token", empty.join(", ")))
                        .fix(INSTALL)
                        .hint("the operator substitutes an empty value, so Thanos answers 401");
                }
            }
            ok(ID, &subject, format!("{} with the token from Secret {}", d.url, refs.join(", ")))
        })
        .collect()
}

/// GIE deleted its dashboard from main; URLs on main 404 now.
const DEAD_URL: &str = "gateway-api-inference-extension/refs/heads/main/tools/dashboards";

pub fn grafana_dashboards(m: &Model) -> Vec<CheckResult> {
    const ID: &str = "grafana-dashboards";
    let dashboards = &m.snap.grafana.dashboards;
    if let (true, Some(gap)) = (
        dashboards.is_empty(),
        super::unreadable(m.snap, &[keys::GRAFANA_DASHBOARDS]),
    ) {
        return vec![crate::doctor::report::skipped(ID, "", gap)];
    }
    if dashboards.is_empty() {
        return vec![warn(ID, "", "no GrafanaDashboard exists")
            .fix(INSTALL)
            .hint("install-monitoring adds vLLM and EPP dashboards adapted to this cluster's metric names")];
    }
    let naming = naming(m);
    dashboards
        .iter()
        .map(|d| {
            let subject = format!("{}/{}", d.namespace, d.name);
            if d.no_matching_instances == Some(true) {
                return error(ID, &subject, "matches no Grafana instance (status.NoMatchingInstances)")
                    .fix(format!("make spec.instanceSelector match the Grafana's labels (immutable: oc -n {} delete grafanadashboard {} and recreate it, or run {INSTALL})", d.namespace, d.name))
                    .hint("the operator only loads a dashboard into instances its selector matches");
            }
            if let Some(c) = condition(&d.conditions, "DashboardSynchronized").filter(|c| c.status == "False") {
                return error(ID, &subject, format!(
                    "not synchronized to Grafana: {}",
                    c.message.clone().or(c.reason.clone()).unwrap_or_default()
                ))
                .fix(format!("oc -n {} describe grafanadashboard {}", d.namespace, d.name))
                .hint("the operator could not load the dashboard");
            }
            if let DashboardSource::Url { url } = &d.source
                && url.contains(DEAD_URL)
            {
                return error(ID, &subject, format!("loads {url}, which no longer exists (deleted from GIE main)"))
                    .fix(INSTALL)
                    .hint("the operator cannot fetch a 404 URL; pin a released tag or use our dashboards");
            }
            let Some(exprs) = &d.exprs else {
                return ok(ID, &subject, format!(
                    "content not inspected ({})",
                    d.content_error.clone().unwrap_or_default()
                ));
            };
            let (plain, prefixed) = exprs.iter().fold((false, false), |(a, b), e| {
                let (p, k) = expr_naming(e);
                (a || p, b || k)
            });
            let Some(n) = naming else {
                return ok(ID, &subject, format!("{} queries (metric naming of the cluster unknown)", exprs.len()));
            };
            let from = if n.live { "Thanos" } else { "the KServe PodMonitors" };
            let unprefixed = format!("{VLLM_PREFIX}*");
            let kserve = format!("{KSERVE_PREFIX}{VLLM_PREFIX}*");
            if plain && !n.plain && n.prefixed {
                return error(ID, &subject, format!(
                    "queries {unprefixed} but this cluster stores {kserve} (per {from}): its panels show No data"
                ))
                .fix(INSTALL)
                .hint("KServe's monitors rename every scraped series with a kserve_ prefix; dashboards must query those names");
            }
            if prefixed && !n.prefixed && n.plain {
                return error(ID, &subject, format!(
                    "queries {kserve} but this cluster stores {unprefixed} (per {from}): its panels show No data"
                ))
                .fix(INSTALL)
                .hint("only the prefixed monitors rename series to kserve_*; this cluster keeps the upstream names");
            }
            let names = match (prefixed, plain) {
                (true, false) => kserve,
                (false, true) => unprefixed,
                (true, true) => format!("{unprefixed} and {kserve}"),
                (false, false) => "no vLLM".to_string(),
            };
            ok(ID, &subject, format!("{} queries on {names} names, which exist", exprs.len()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{Condition, OperatorCsv};
    use crate::cluster::parse::fingerprint;
    use crate::cluster::sample;
    use crate::doctor::checks::test_support::*;
    use crate::doctor::report::Status;

    #[test]
    fn instance_unknown_when_grafanas_cannot_be_listed() {
        let r = with(
            |s| {
                s.grafana.instances.clear();
                s.lists
                    .insert(keys::GRAFANAS.into(), ListState::Forbidden("no".into()));
            },
            grafana_instance,
        );
        assert_eq!(r[0].status, Status::Skipped, "{r:?}");
    }

    #[test]
    fn operator_cases() {
        all_ok(&with(|_| {}, grafana_operator));
        let r = with(
            |s| {
                s.lists
                    .insert(keys::GRAFANAS.into(), ListState::NotInstalled);
            },
            grafana_operator,
        );
        expect(&r, Status::Error, "CRDs are not installed");
        assert_eq!(
            r[0].fix.as_deref(),
            Some("oc llmd install-monitoring --install-operator")
        );
        let r = with(
            |s| {
                s.operators
                    .retain(|c: &OperatorCsv| !c.name.starts_with("grafana"));
                s.grafana.operator_deployments.clear();
            },
            grafana_operator,
        );
        expect(&r, Status::Error, "no Grafana Operator is running");
        let r = with(
            |s| {
                s.operators[0].phase = Some("Failed".into());
                s.grafana.operator_deployments.clear();
            },
            grafana_operator,
        );
        expect(&r, Status::Error, "CSV is Failed");
        // A running Deployment without OLM is fine.
        all_ok(&with(|s| s.operators.clear(), grafana_operator));
    }

    #[test]
    fn instance_cases() {
        all_ok(&with(|_| {}, grafana_instance));
        expect(
            &with(|s| s.grafana.instances.clear(), grafana_instance),
            Status::Error,
            "no Grafana instance",
        );
        expect(
            &with(
                |s| s.grafana.instances[0].stage_status = Some("failed".into()),
                grafana_instance,
            ),
            Status::Error,
            "not ready: stage complete failed",
        );
        expect(
            &with(
                |s| s.grafana.instances[0].wants_route = false,
                grafana_instance,
            ),
            Status::Warn,
            "spec.route is unset",
        );
        expect(
            &with(|s| s.grafana.routes.clear(), grafana_instance),
            Status::Warn,
            "does not exist yet",
        );
        all_ok(&with(
            |s| {
                s.grafana.instances[0].stage = None;
                s.grafana.instances[0].conditions = vec![Condition::new("GrafanaReady", "True")];
            },
            grafana_instance,
        ));
    }

    #[test]
    fn token_cases() {
        all_ok(&with(|_| {}, grafana_token));
        let r = with(
            |s| s.token_secrets.retain(|t| t.name != "grafana-thanos-token"),
            grafana_token,
        );
        expect(&r, Status::Error, "Secret not found");
        assert_eq!(r[0].subject, "llm-d-monitoring/grafana-thanos-token");
        expect(
            &with(
                |s| s.token_secrets[0].token_fingerprint = None,
                grafana_token,
            ),
            Status::Error,
            "holds no token",
        );
        // Without valuesFrom, token Secrets in the Grafana namespace are the candidates.
        let r = with(
            |s| {
                s.grafana.datasources[0].secret_values.clear();
                s.token_secrets
                    .retain(|t| t.namespace != sample::GRAFANA_NS);
            },
            grafana_token,
        );
        expect(&r, Status::Error, "no ServiceAccount token Secret");
        let r = with(
            |s| {
                s.lists
                    .insert(keys::TOKEN_SECRETS.into(), ListState::Forbidden("x".into()));
            },
            grafana_token,
        );
        expect(&r, Status::Skipped, "not permitted");
    }

    #[test]
    fn rbac_cases() {
        all_ok(&with(|_| {}, grafana_rbac));
        let r = with(|s| s.monitoring_view_bindings.clear(), grafana_rbac);
        expect(&r, Status::Error, "not bound to cluster-monitoring-view");
        assert_eq!(
            r[0].fix.as_deref(),
            Some(
                "oc adm policy add-cluster-role-to-user cluster-monitoring-view -z grafana-thanos -n llm-d-monitoring"
            )
        );
        expect(
            &with(|s| s.token_secrets.clear(), grafana_rbac),
            Status::Skipped,
            "no Grafana token ServiceAccount",
        );
    }

    #[test]
    fn datasource_cases() {
        all_ok(&with(|_| {}, grafana_datasource));
        expect(
            &with(|s| s.grafana.datasources.clear(), grafana_datasource),
            Status::Error,
            "no GrafanaDatasource points at Thanos",
        );
        expect(
            &with(
                |s| s.grafana.datasources[0].no_matching_instances = Some(true),
                grafana_datasource,
            ),
            Status::Error,
            "matches no Grafana instance",
        );
        let stale = |s: &mut crate::cluster::model::Snapshot| {
            let d = &mut s.grafana.datasources[0];
            d.token_placeholder = false;
            d.secret_values.clear();
            d.literal_token = Some(fingerprint("an-old-token"));
        };
        expect(
            &with(stale, grafana_datasource),
            Status::Error,
            "stale token",
        );
        let current = |s: &mut crate::cluster::model::Snapshot| {
            let d = &mut s.grafana.datasources[0];
            d.token_placeholder = false;
            d.secret_values.clear();
            d.literal_token = Some(fingerprint(sample::TOKEN));
        };
        expect(
            &with(current, grafana_datasource),
            Status::Warn,
            "plain text",
        );
        expect(
            &with(
                |s| s.grafana.datasources[0].token_placeholder = false,
                grafana_datasource,
            ),
            Status::Error,
            "no Authorization header",
        );
        expect(
            &with(
                |s| s.token_secrets[0].token_fingerprint = None,
                grafana_datasource,
            ),
            Status::Error,
            "holds no token",
        );
        expect(
            &with(
                |s| {
                    s.grafana.datasources[0].url =
                        "https://thanos-querier.openshift-monitoring.svc:9092".into()
                },
                grafana_datasource,
            ),
            Status::Error,
            "tenancy port",
        );
        expect(
            &with(
                |s| {
                    s.grafana.datasources[0].url =
                        "http://thanos-querier.openshift-monitoring.svc:9090".into()
                },
                grafana_datasource,
            ),
            Status::Warn,
            "not Thanos Querier's web port",
        );
        expect(
            &with(
                |s| {
                    s.grafana.datasources[0].conditions = vec![Condition {
                        message: Some("boom".into()),
                        ..Condition::new("DatasourceSynchronized", "False")
                    }]
                },
                grafana_datasource,
            ),
            Status::Error,
            "boom",
        );
    }

    #[test]
    fn dashboard_cases() {
        all_ok(&with(|_| {}, grafana_dashboards));
        expect(
            &with(|s| s.grafana.dashboards.clear(), grafana_dashboards),
            Status::Warn,
            "no GrafanaDashboard",
        );
        let r = with(
            |s| {
                s.grafana.dashboards = vec![sample::dashboard(
                    "d",
                    "vllm:e2e_request_latency_seconds_bucket",
                )]
            },
            grafana_dashboards,
        );
        expect(
            &r,
            Status::Error,
            "queries vllm:* but this cluster stores kserve_vllm:* (per the KServe PodMonitors)",
        );
        let r = with(
            |s| s.pod_monitors[0].adds_kserve_prefix = false,
            grafana_dashboards,
        );
        expect(
            &r,
            Status::Error,
            "queries kserve_vllm:* but this cluster stores vllm:*",
        );
        // Both monitors (RHOAI 3.4+): both names exist, both dashboards are fine.
        all_ok(&with(
            |s| {
                s.pod_monitors.push(sample::vllm_pod_monitor(
                    sample::NS,
                    "kserve-llm-isvc-vllm-engine-default",
                    false,
                ));
                s.grafana.dashboards.push(sample::dashboard("d", "vllm:x"));
            },
            grafana_dashboards,
        ));
        // Live facts decide when present.
        let r = with(
            |s| {
                let mut l = sample::healthy_live();
                l.metric_names = vec!["vllm:x".into()];
                s.live = Some(l);
            },
            grafana_dashboards,
        );
        expect(&r, Status::Error, "(per Thanos)");
        expect(
            &with(
                |s| s.grafana.dashboards[0].no_matching_instances = Some(true),
                grafana_dashboards,
            ),
            Status::Error,
            "matches no Grafana instance",
        );
        expect(
            &with(
                |s| {
                    s.grafana.dashboards[0].source = DashboardSource::Url {
                        url: format!(
                            "https://raw.githubusercontent.com/kubernetes-sigs/{DEAD_URL}/inference_gateway.json"
                        ),
                    }
                },
                grafana_dashboards,
            ),
            Status::Error,
            "no longer exists",
        );
        expect(
            &with(
                |s| {
                    s.grafana.dashboards[0].conditions =
                        vec![Condition::new("DashboardSynchronized", "False")]
                },
                grafana_dashboards,
            ),
            Status::Error,
            "not synchronized",
        );
    }

    /// Unreadable inputs, plain Kubernetes, and dashboards doctor cannot judge.
    #[test]
    fn remaining_grafana_branches() {
        let forbid = |key: &'static str| {
            move |s: &mut crate::cluster::model::Snapshot| {
                s.lists
                    .insert(key.into(), ListState::Forbidden("forbidden".into()));
            }
        };
        expect(
            &with(forbid(keys::GRAFANAS), grafana_operator),
            Status::Warn,
            "cannot list Grafana CRs: not permitted (forbidden)",
        );
        expect(
            &with(
                |s| {
                    s.lists
                        .insert(keys::GRAFANAS.into(), ListState::NotInstalled);
                    s.lists
                        .insert(keys::CLUSTERVERSIONS.into(), ListState::NotInstalled);
                    s.cluster.openshift_version = None;
                },
                grafana_operator,
            ),
            Status::Skipped,
            "plain Kubernetes without the Grafana Operator",
        );
        expect(
            &with(forbid(keys::TOKEN_SECRETS), grafana_token),
            Status::Skipped,
            "cannot list ServiceAccount token Secrets: not permitted (forbidden)",
        );
        expect(
            &with(forbid(keys::CLUSTERROLEBINDINGS), grafana_rbac),
            Status::Skipped,
            "cannot list ClusterRoleBindings: not permitted (forbidden)",
        );
        expect(
            &with(
                |s| {
                    forbid(keys::TOKEN_SECRETS)(s);
                    let d = &mut s.grafana.datasources[0];
                    d.token_placeholder = false;
                    d.secret_values.clear();
                    d.literal_token = Some(fingerprint("some-token"));
                },
                grafana_datasource,
            ),
            Status::Warn,
            "could not compare it with the token Secrets",
        );
        expect(
            &with(
                |s| s.grafana.datasources[0].secret_values.clear(),
                grafana_datasource,
            ),
            Status::Error,
            "placeholder but valuesFrom names no Secret",
        );
        let r = with(
            |s| {
                s.grafana.dashboards[0].exprs = None;
                s.grafana.dashboards[0].content_error = Some("configMapRef not readable".into());
            },
            grafana_dashboards,
        );
        expect(
            &r,
            Status::Ok,
            "content not inspected (configMapRef not readable)",
        );
        expect(
            &with(|s| s.pod_monitors.clear(), grafana_dashboards),
            Status::Ok,
            "metric naming of the cluster unknown",
        );
    }
}
