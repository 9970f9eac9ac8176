//! The install plan: a PURE function from options and pre-flight facts to the ordered objects.
//!
//! What gets created (namespace `N`, default `llm-d-monitoring`), in this order:
//!
//! | step | object | notes |
//! |---|---|---|
//! | operator | `Subscription grafana-operator` (openshift-operators) | only with `--install-operator` when the CRDs are missing |
//! | uwm | `ConfigMap cluster-monitoring-config` (openshift-monitoring) | only with `--enable-uwm` when off; see [`super::cmo`] |
//! | namespace | `Namespace N` | only when absent (or already ours); a foreign namespace is left alone |
//! | credentials | `Secret llm-d-grafana-admin` | generated once; an existing Secret is kept as is |
//! | credentials | `ServiceAccount grafana-thanos`, `Secret grafana-thanos-token` | SA token Secret (`kubernetes.io/service-account-token`) |
//! | access | `ClusterRoleBinding grafana-thanos-cluster-monitoring-view` | tenant mode: `RoleBinding grafana-thanos-view` → ClusterRole `view` in the tenant namespace |
//! | access | `ConfigMap grafana-thanos-service-ca` | annotated `service.beta.openshift.io/inject-cabundle: "true"` |
//! | grafana | `Grafana llm-d-grafana` | label `dashboards: llm-d-grafana`, edge Route, admin from the Secret |
//! | datasource | `GrafanaDatasource thanos-querier` | token and CA via `valuesFrom`, never inline |
//! | dashboards | one `GrafanaDashboard` per input dashboard | JSON inline in `spec.json` |
//! | extra | `extra_manifests` (e.g. the EnvoyFilter of `--envoyfilter-fix`) | |
//!
//! Admin password mechanism (Grafana Operator v5 "credential secret" pattern): the Grafana CR sets
//! `spec.disableDefaultAdminSecret: true` and the `grafana` container's env
//! `GF_SECURITY_ADMIN_USER` / `GF_SECURITY_ADMIN_PASSWORD` from `secretKeyRef`s on our Secret. The
//! operator reads the same env references to log in, so the password is never in the CR.
//!
//! Datasource secrets: `secureJsonData.httpHeaderValue1: "Bearer ${token}"` and
//! `secureJsonData.tlsCACert: "${service-ca.crt}"` are placeholders the operator fills from
//! `valuesFrom` (Secret `grafana-thanos-token` key `token`; ConfigMap `grafana-thanos-service-ca`
//! key `service-ca.crt`, injected by OpenShift's service CA operator). TLS is verified
//! (`jsonData.tlsAuthWithCACert: true`), never skipped.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Value, json};

use super::cmo::{self, CmoChange, CurrentCmo};
use crate::apply::{Desired, ObjectKey};
use crate::error::{Error, Result};

pub const DEFAULT_NAMESPACE: &str = "llm-d-monitoring";
pub const GRAFANA_NAME: &str = "llm-d-grafana";
/// The label the Grafana carries and every datasource/dashboard selects.
pub const INSTANCE_LABEL_KEY: &str = "dashboards";
pub const INSTANCE_LABEL_VALUE: &str = "llm-d-grafana";
/// The Route the operator creates for `spec.route` (`<grafana-name>-route`).
pub const ROUTE_NAME: &str = "llm-d-grafana-route";
pub const ADMIN_SECRET: &str = "llm-d-grafana-admin";
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_USER_KEY: &str = "GF_SECURITY_ADMIN_USER";
pub const ADMIN_PASSWORD_KEY: &str = "GF_SECURITY_ADMIN_PASSWORD";
pub const THANOS_SERVICE_ACCOUNT: &str = "grafana-thanos";
pub const TOKEN_SECRET: &str = "grafana-thanos-token";
pub const CLUSTER_ROLE_BINDING: &str = "grafana-thanos-cluster-monitoring-view";
pub const CLUSTER_ROLE: &str = "cluster-monitoring-view";
pub const TENANT_ROLE_BINDING: &str = "grafana-thanos-view";
pub const TENANT_CLUSTER_ROLE: &str = "view";
pub const SERVICE_CA_CONFIGMAP: &str = "grafana-thanos-service-ca";
pub const SERVICE_CA_KEY: &str = "service-ca.crt";
pub const DATASOURCE_NAME: &str = "thanos-querier";
/// The datasource uid every dashboard references. The datasource's display name is the same
/// string, so `${DS_PROMETHEUS}`-style name mappings and uid references both resolve.
pub const DATASOURCE_UID: &str = "llm-d-thanos";
/// The input name mapped to our datasource in every dashboard (`spec.datasources`).
pub const DATASOURCE_INPUT: &str = "DS_PROMETHEUS";
pub const THANOS_URL: &str = "https://thanos-querier.openshift-monitoring.svc:9091";
pub const THANOS_TENANCY_URL: &str = "https://thanos-querier.openshift-monitoring.svc:9092";
pub const DASHBOARD_FOLDER: &str = "llm-d";
pub const OPERATOR_NAMESPACE: &str = "openshift-operators";
pub const OPERATOR_PACKAGE: &str = "grafana-operator";
pub const OPERATOR_CHANNEL: &str = "v5";
pub const OPERATOR_SOURCE: &str = "community-operators";
pub const OPERATOR_SOURCE_NAMESPACE: &str = "openshift-marketplace";
const GRAFANA_API: &str = "grafana.integreatly.org/v1beta1";

/// A dashboard to install (rendered by the dashboards module for the cluster's metric names).
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardManifest {
    pub uid: String,
    pub title: String,
    pub json: Value,
}

/// What the user asked for.
#[derive(Debug, Default)]
pub struct InstallOptions {
    /// Install namespace (`-n`, default [`DEFAULT_NAMESPACE`]).
    pub namespace: String,
    /// `--tenant NS`: Thanos tenancy port, `namespace=NS`, RoleBinding instead of ClusterRoleBinding.
    pub tenant: Option<String>,
    pub enable_uwm: bool,
    pub install_operator: bool,
    /// Objects applied last, as ours (e.g. the EnvoyFilter for `--envoyfilter-fix`).
    pub extra_manifests: Vec<Value>,
    /// The password for a NEW admin Secret. The caller generates it (see [`super::password`])
    /// only when `facts.admin_secret_exists` is false; None in dry runs and `-o yaml`.
    pub admin_password: Option<SecretString>,
}

/// Whether the install namespace exists and whether it is ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NamespaceState {
    #[default]
    Absent,
    /// Exists with our labels.
    Ours,
    /// Exists, made by someone else: we put objects in it but never label or delete it.
    Foreign,
}

/// `cluster-monitoring-config` as pre-flight found it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CmoState {
    #[default]
    Absent,
    Present(CurrentCmo),
    /// Could not be read (message).
    Unreadable(String),
}

/// Something pre-flight could only partly determine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Presence {
    Present,
    #[default]
    Absent,
    Unknown(String),
}

/// The Grafana Operator as seen in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperatorFacts {
    /// The Grafana Operator CRDs (grafanas, grafanadatasources, grafanadashboards) not served.
    pub missing_crds: Vec<String>,
    /// CSV name and phase in openshift-operators (None: no grafana-operator CSV found).
    pub csv: Option<(String, String)>,
    pub subscription_exists: bool,
}

impl OperatorFacts {
    pub fn installed(&self) -> bool {
        self.missing_crds.is_empty()
    }
}

/// Everything install needs to know about the cluster, read before the first write.
#[derive(Debug, Clone, Default)]
pub struct PreflightFacts {
    pub namespace: NamespaceState,
    pub admin_secret_exists: bool,
    pub operator: OperatorFacts,
    pub cmo: CmoState,
    pub uwm_enabled: bool,
    pub thanos_querier: Presence,
    /// Objects carrying our labels in the install namespace (for stale-object notes).
    pub existing_ours: Vec<ObjectKey>,
    /// Grafana Operator objects in the install namespace WITHOUT our labels (e.g. left by the
    /// blog's setup.sh), with what matters about them.
    pub foreign: Vec<ForeignObject>,
    /// The dashboards to install (input: rendered by the dashboards module).
    pub dashboards: Vec<DashboardManifest>,
}

/// A Grafana Operator object in the install namespace that oc-llmd did not create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignObject {
    pub key: ObjectKey,
    /// A Grafana CR carrying `spec.config.security.admin_password` in plain text.
    pub plaintext_admin_password: bool,
}

/// Groups of plan items; progress and results are shown per step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Operator,
    Uwm,
    Namespace,
    Credentials,
    Access,
    Grafana,
    Datasource,
    Dashboards,
    Extra,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Operator => "Grafana Operator subscription",
            Step::Uwm => "user-workload monitoring",
            Step::Namespace => "namespace",
            Step::Credentials => "credentials",
            Step::Access => "access to Thanos Querier",
            Step::Grafana => "Grafana instance",
            Step::Datasource => "Thanos datasource",
            Step::Dashboards => "dashboards",
            Step::Extra => "extra objects",
        }
    }
}

/// What to do with one object.
#[derive(Debug, Clone)]
pub enum PlanAction {
    Apply(Desired),
    /// Leave the existing object as it is (e.g. the admin Secret, a foreign namespace).
    Keep {
        key: ObjectKey,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct PlanItem {
    pub step: Step,
    pub action: PlanAction,
}

impl PlanItem {
    pub fn key(&self) -> Result<ObjectKey> {
        match &self.action {
            PlanAction::Apply(d) => d.key(),
            PlanAction::Keep { key, .. } => Ok(key.clone()),
        }
    }

    /// True for Secrets whose data must never be printed.
    pub fn is_secret(&self) -> bool {
        self.key()
            .is_ok_and(|k| k.kind.group.is_empty() && k.kind.kind == "Secret")
    }
}

/// The ordered plan.
#[derive(Debug, Clone)]
pub struct InstallPlan {
    pub namespace: String,
    pub tenant: Option<String>,
    pub items: Vec<PlanItem>,
    /// Objects of ours found in the namespace that the plan no longer contains.
    pub stale: Vec<ObjectKey>,
}

impl InstallPlan {
    /// Refuse to apply a plan whose new admin Secret has no password.
    pub fn check_applicable(&self) -> Result<()> {
        for (_, desired) in self.applies() {
            let is_admin = desired.manifest.pointer("/metadata/name") == Some(&json!(ADMIN_SECRET))
                && desired.manifest.get("kind") == Some(&json!("Secret"));
            if is_admin && desired.manifest.get("data").is_none() {
                return Err(Error::failed(
                    "internal error: the admin Secret must be created but no password was generated",
                ));
            }
        }
        Ok(())
    }

    /// The objects to apply, in order.
    pub fn applies(&self) -> impl Iterator<Item = (Step, &Desired)> {
        self.items.iter().filter_map(|i| match &i.action {
            PlanAction::Apply(d) => Some((i.step, d)),
            PlanAction::Keep { .. } => None,
        })
    }
}

/// Build the plan. Pure: the same inputs always give the same plan.
///
/// Without `opts.admin_password` a new admin Secret is planned without data (enough to print the
/// plan); [`InstallPlan::check_applicable`] refuses to apply such a plan. Fails when
/// `--enable-uwm` meets a `cluster-monitoring-config` that cannot be read or parsed.
pub fn plan(opts: &InstallOptions, facts: &PreflightFacts) -> Result<InstallPlan> {
    let ns = opts.namespace.as_str();
    let mut items = Vec::new();
    let apply = |step: Step, manifest: Value| PlanItem {
        step,
        action: PlanAction::Apply(Desired::ours(manifest)),
    };
    let keep = |step: Step, manifest: Value, reason: &str| -> Result<PlanItem> {
        Ok(PlanItem {
            step,
            action: PlanAction::Keep {
                key: ObjectKey::of_manifest(&manifest)?,
                reason: reason.to_string(),
            },
        })
    };

    if opts.install_operator {
        let sub = subscription();
        if facts.operator.installed() {
            items.push(keep(
                Step::Operator,
                sub,
                "the Grafana Operator is already installed",
            )?);
        } else if facts.operator.subscription_exists {
            items.push(keep(
                Step::Operator,
                sub,
                "a Subscription already exists; waiting for its CSV",
            )?);
        } else {
            items.push(apply(Step::Operator, sub));
        }
    }

    if opts.enable_uwm {
        let current = match &facts.cmo {
            CmoState::Absent => None,
            CmoState::Present(c) => Some(c),
            CmoState::Unreadable(why) => {
                return Err(Error::failed(format!(
                    "cannot read {}/{}: {why}",
                    cmo::CMO_NAMESPACE,
                    cmo::CMO_CONFIGMAP
                )));
            }
        };
        match cmo::enable_uwm(current)? {
            CmoChange::AlreadyEnabled => items.push(keep(
                Step::Uwm,
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                    "name": cmo::CMO_CONFIGMAP, "namespace": cmo::CMO_NAMESPACE}}),
                "enableUserWorkload is already true",
            )?),
            CmoChange::Apply { manifest, .. } => items.push(PlanItem {
                step: Step::Uwm,
                action: PlanAction::Apply(Desired::foreign_fields(manifest)),
            }),
        }
    }

    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
    match facts.namespace {
        NamespaceState::Foreign => items.push(keep(
            Step::Namespace,
            namespace,
            "exists and was not created by oc-llmd: left as it is",
        )?),
        NamespaceState::Absent | NamespaceState::Ours => {
            items.push(apply(Step::Namespace, namespace))
        }
    }

    if facts.admin_secret_exists {
        items.push(keep(
            Step::Credentials,
            admin_secret(ns, None),
            "exists: the admin password is kept",
        )?);
    } else {
        items.push(apply(
            Step::Credentials,
            admin_secret(ns, opts.admin_password.as_ref()),
        ));
    }
    items.push(apply(Step::Credentials, service_account(ns)));
    items.push(apply(Step::Credentials, token_secret(ns)));
    items.push(apply(
        Step::Access,
        thanos_binding(ns, opts.tenant.as_deref()),
    ));
    items.push(apply(Step::Access, service_ca_configmap(ns)));
    items.push(apply(Step::Grafana, grafana(ns)));
    items.push(apply(
        Step::Datasource,
        datasource(ns, opts.tenant.as_deref()),
    ));
    for (index, dashboard) in facts.dashboards.iter().enumerate() {
        items.push(apply(
            Step::Dashboards,
            grafana_dashboard(ns, index, dashboard)?,
        ));
    }
    for extra in &opts.extra_manifests {
        ObjectKey::of_manifest(extra)?;
        items.push(apply(Step::Extra, extra.clone()));
    }

    let planned: Vec<ObjectKey> = items.iter().filter_map(|i| i.key().ok()).collect();
    let stale = facts
        .existing_ours
        .iter()
        .filter(|k| !planned.contains(k))
        .cloned()
        .collect();
    Ok(InstallPlan {
        namespace: ns.to_string(),
        tenant: opts.tenant.clone(),
        items,
        stale,
    })
}

fn instance_selector() -> Value {
    json!({"matchLabels": {INSTANCE_LABEL_KEY: INSTANCE_LABEL_VALUE}})
}

/// The OLM Subscription for the Grafana Operator (community catalog, v5 channel).
pub fn subscription() -> Value {
    json!({
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "Subscription",
        "metadata": {"name": OPERATOR_PACKAGE, "namespace": OPERATOR_NAMESPACE},
        "spec": {
            "channel": OPERATOR_CHANNEL,
            "name": OPERATOR_PACKAGE,
            "source": OPERATOR_SOURCE,
            "sourceNamespace": OPERATOR_SOURCE_NAMESPACE,
            "installPlanApproval": "Automatic",
        },
    })
}

/// The admin Secret; with `password` None it has no data (a reference for printing only).
fn admin_secret(ns: &str, password: Option<&SecretString>) -> Value {
    let mut manifest = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": ADMIN_SECRET, "namespace": ns},
        "type": "Opaque",
    });
    if let Some(password) = password {
        let data: BTreeMap<String, ByteString> = [
            (
                ADMIN_USER_KEY.to_string(),
                ByteString(ADMIN_USER.as_bytes().to_vec()),
            ),
            (
                ADMIN_PASSWORD_KEY.to_string(),
                ByteString(password.expose_secret().as_bytes().to_vec()),
            ),
        ]
        .into_iter()
        .collect();
        let secret = Secret {
            data: Some(data),
            ..Secret::default()
        };
        // ByteString serialises as base64, the form Secret.data takes.
        if let Ok(Value::Object(encoded)) = serde_json::to_value(&secret)
            && let Some(data) = encoded.get("data")
        {
            manifest["data"] = data.clone();
        }
    }
    manifest
}

fn service_account(ns: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": THANOS_SERVICE_ACCOUNT, "namespace": ns},
    })
}

fn token_secret(ns: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": TOKEN_SECRET,
            "namespace": ns,
            "annotations": {"kubernetes.io/service-account.name": THANOS_SERVICE_ACCOUNT},
        },
        "type": "kubernetes.io/service-account-token",
    })
}

fn thanos_binding(ns: &str, tenant: Option<&str>) -> Value {
    let subjects =
        json!([{"kind": "ServiceAccount", "name": THANOS_SERVICE_ACCOUNT, "namespace": ns}]);
    match tenant {
        None => json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": CLUSTER_ROLE_BINDING},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": CLUSTER_ROLE},
            "subjects": subjects,
        }),
        Some(tenant) => json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": TENANT_ROLE_BINDING, "namespace": tenant},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                "name": TENANT_CLUSTER_ROLE},
            "subjects": subjects,
        }),
    }
}

fn service_ca_configmap(ns: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": SERVICE_CA_CONFIGMAP,
            "namespace": ns,
            "annotations": {"service.beta.openshift.io/inject-cabundle": "true"},
        },
    })
}

fn grafana(ns: &str) -> Value {
    let env_from_secret = |name: &str| json!({"name": name, "valueFrom": {"secretKeyRef": {"name": ADMIN_SECRET, "key": name}}});
    json!({
        "apiVersion": GRAFANA_API,
        "kind": "Grafana",
        "metadata": {
            "name": GRAFANA_NAME,
            "namespace": ns,
            "labels": {INSTANCE_LABEL_KEY: INSTANCE_LABEL_VALUE},
        },
        "spec": {
            "disableDefaultAdminSecret": true,
            "config": {
                "log": {"mode": "console"},
                "auth": {"disable_login_form": "false"},
            },
            "route": {"spec": {"tls": {
                "termination": "edge",
                "insecureEdgeTerminationPolicy": "Redirect",
            }}},
            "deployment": {"spec": {"template": {"spec": {"containers": [{
                "name": "grafana",
                "env": [env_from_secret(ADMIN_USER_KEY), env_from_secret(ADMIN_PASSWORD_KEY)],
            }]}}}},
        },
    })
}

fn datasource(ns: &str, tenant: Option<&str>) -> Value {
    let mut json_data = json!({
        "httpMethod": "POST",
        "timeInterval": "30s",
        "queryTimeout": "60s",
        "httpHeaderName1": "Authorization",
        "tlsAuthWithCACert": true,
        // Explicitly false: we own the field, so a `true` left by another tool is overwritten.
        "tlsSkipVerify": false,
    });
    let url = match tenant {
        None => THANOS_URL,
        Some(t) => {
            json_data["customQueryParameters"] = Value::String(format!("namespace={t}"));
            THANOS_TENANCY_URL
        }
    };
    json!({
        "apiVersion": GRAFANA_API,
        "kind": "GrafanaDatasource",
        "metadata": {"name": DATASOURCE_NAME, "namespace": ns},
        "spec": {
            "instanceSelector": instance_selector(),
            "uid": DATASOURCE_UID,
            "valuesFrom": [
                {"targetPath": "secureJsonData.httpHeaderValue1",
                 "valueFrom": {"secretKeyRef": {"name": TOKEN_SECRET, "key": "token"}}},
                {"targetPath": "secureJsonData.tlsCACert",
                 "valueFrom": {"configMapKeyRef": {"name": SERVICE_CA_CONFIGMAP,
                    "key": SERVICE_CA_KEY}}},
            ],
            "datasource": {
                "name": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": url,
                "isDefault": true,
                "editable": false,
                "jsonData": json_data,
                "secureJsonData": {
                    "httpHeaderValue1": "Bearer ${token}",
                    "tlsCACert": format!("${{{SERVICE_CA_KEY}}}"),
                },
            },
        },
    })
}

/// A DNS-1123 object name for a dashboard uid (`llm-d-` prefixed, at most 63 characters).
pub fn dashboard_object_name(uid: &str, index: usize) -> String {
    let mut name = String::new();
    for c in uid.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches('-');
    let base = if name.is_empty() {
        format!("dashboard-{index}")
    } else {
        name.to_string()
    };
    let full = if base.starts_with("llm-d") {
        base
    } else {
        format!("llm-d-{base}")
    };
    full.chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

fn grafana_dashboard(ns: &str, index: usize, d: &DashboardManifest) -> Result<Value> {
    let text = serde_json::to_string(&d.json)
        .map_err(|e| Error::failed(format!("cannot encode dashboard {}: {e}", d.title)))?;
    Ok(json!({
        "apiVersion": GRAFANA_API,
        "kind": "GrafanaDashboard",
        "metadata": {
            "name": dashboard_object_name(&d.uid, index),
            "namespace": ns,
            "annotations": {"oc-llmd/title": d.title},
        },
        "spec": {
            "instanceSelector": instance_selector(),
            "uid": d.uid,
            "folder": DASHBOARD_FOLDER,
            "datasources": [{"inputName": DATASOURCE_INPUT, "datasourceName": DATASOURCE_UID}],
            "json": text,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::labels;

    const PASSWORD: &str = "Zq9xVb3kLm2Np8Rt4Wy6Ac1De5Fg7Hj0";

    fn dashboard() -> DashboardManifest {
        DashboardManifest {
            uid: "llmd-vllm".into(),
            title: "vLLM latency".into(),
            json: json!({"uid": "llmd-vllm", "title": "vLLM latency", "panels": [
                {"type": "timeseries", "datasource": {"uid": DATASOURCE_UID},
                 "targets": [{"expr": "rate(vllm:request_success_total[5m])"}]}]}),
        }
    }

    fn options(tenant: Option<&str>) -> InstallOptions {
        InstallOptions {
            namespace: DEFAULT_NAMESPACE.into(),
            tenant: tenant.map(String::from),
            admin_password: Some(SecretString::from(PASSWORD.to_string())),
            ..InstallOptions::default()
        }
    }

    fn facts() -> PreflightFacts {
        PreflightFacts {
            thanos_querier: Presence::Present,
            uwm_enabled: true,
            dashboards: vec![dashboard()],
            ..PreflightFacts::default()
        }
    }

    fn names(plan: &InstallPlan) -> Vec<String> {
        plan.items
            .iter()
            .map(|i| {
                let k = i.key().unwrap();
                format!("{}/{}", k.kind.kind, k.name)
            })
            .collect()
    }

    fn applied(plan: &InstallPlan, kind: &str, name: &str) -> Value {
        plan.applies()
            .map(|(_, d)| d.prepared())
            .find(|m| m["kind"] == kind && m["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind}/{name} not applied"))
    }

    #[test]
    fn default_plan_has_the_objects_in_order() {
        let plan = plan(&options(None), &facts()).unwrap();
        assert_eq!(
            names(&plan),
            [
                "Namespace/llm-d-monitoring",
                "Secret/llm-d-grafana-admin",
                "ServiceAccount/grafana-thanos",
                "Secret/grafana-thanos-token",
                "ClusterRoleBinding/grafana-thanos-cluster-monitoring-view",
                "ConfigMap/grafana-thanos-service-ca",
                "Grafana/llm-d-grafana",
                "GrafanaDatasource/thanos-querier",
                "GrafanaDashboard/llm-d-llmd-vllm",
            ]
        );
        let crb = applied(&plan, "ClusterRoleBinding", CLUSTER_ROLE_BINDING);
        assert_eq!(crb["roleRef"]["name"], "cluster-monitoring-view");
        assert_eq!(crb["subjects"][0]["namespace"], DEFAULT_NAMESPACE);
        assert!(plan.check_applicable().is_ok());
    }

    #[test]
    fn every_object_carries_both_labels() {
        let plan = plan(&options(None), &facts()).unwrap();
        for (_, d) in plan.applies() {
            let m = d.prepared();
            assert_eq!(
                m["metadata"]["labels"][labels::MANAGED_BY_KEY],
                "oc-llmd",
                "{m}"
            );
            assert_eq!(
                m["metadata"]["labels"][labels::PART_OF_KEY],
                "llm-d-monitoring"
            );
        }
        let g = applied(&plan, "Grafana", GRAFANA_NAME);
        assert_eq!(g["metadata"]["labels"]["dashboards"], "llm-d-grafana");
        assert_eq!(g["spec"]["route"]["spec"]["tls"]["termination"], "edge");
    }

    #[test]
    fn no_secret_value_in_any_custom_resource() {
        let plan = plan(&options(None), &facts()).unwrap();
        let mut admin_seen = false;
        for (_, d) in plan.applies() {
            let m = d.prepared();
            let text = m.to_string();
            if m["kind"] == "Secret" && m["metadata"]["name"] == ADMIN_SECRET {
                admin_seen = true;
                // Stored base64-encoded in the Secret, nowhere else.
                assert!(!text.contains(PASSWORD));
                let encoded = m["data"][ADMIN_PASSWORD_KEY].as_str().unwrap();
                let decoded = crate::kube::config::base64_decode(encoded).unwrap();
                assert_eq!(decoded, PASSWORD.as_bytes());
                continue;
            }
            assert!(!text.contains(PASSWORD), "password in {text}");
            assert!(!text.contains("admin123"));
            assert!(!text.contains("\"tlsSkipVerify\":true"));
        }
        assert!(admin_seen);
        let g = applied(&plan, "Grafana", GRAFANA_NAME);
        assert_eq!(g["spec"]["disableDefaultAdminSecret"], true);
        let env = &g["spec"]["deployment"]["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(env[1]["name"], ADMIN_PASSWORD_KEY);
        assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["name"], ADMIN_SECRET);
        assert!(g["spec"]["config"].get("security").is_none());
    }

    #[test]
    fn datasource_takes_token_and_ca_from_values_from() {
        let plan = plan(&options(None), &facts()).unwrap();
        let ds = applied(&plan, "GrafanaDatasource", DATASOURCE_NAME);
        let spec = &ds["spec"];
        assert_eq!(spec["uid"], DATASOURCE_UID);
        assert_eq!(
            spec["instanceSelector"]["matchLabels"]["dashboards"],
            "llm-d-grafana"
        );
        assert_eq!(spec["datasource"]["url"], THANOS_URL);
        assert_eq!(spec["datasource"]["jsonData"]["httpMethod"], "POST");
        assert_eq!(
            spec["datasource"]["jsonData"]["httpHeaderName1"],
            "Authorization"
        );
        assert_eq!(spec["datasource"]["jsonData"]["tlsAuthWithCACert"], true);
        assert_eq!(
            spec["datasource"]["secureJsonData"]["httpHeaderValue1"],
            "Bearer ${token}"
        );
        assert_eq!(
            spec["datasource"]["secureJsonData"]["tlsCACert"],
            "${service-ca.crt}"
        );
        let vf = spec["valuesFrom"].as_array().unwrap();
        assert_eq!(vf[0]["targetPath"], "secureJsonData.httpHeaderValue1");
        assert_eq!(
            vf[0]["valueFrom"]["secretKeyRef"],
            json!({"name": TOKEN_SECRET, "key": "token"})
        );
        assert_eq!(vf[1]["targetPath"], "secureJsonData.tlsCACert");
        assert_eq!(
            vf[1]["valueFrom"]["configMapKeyRef"],
            json!({"name": SERVICE_CA_CONFIGMAP, "key": "service-ca.crt"})
        );
        let ca = applied(&plan, "ConfigMap", SERVICE_CA_CONFIGMAP);
        assert_eq!(
            ca["metadata"]["annotations"]["service.beta.openshift.io/inject-cabundle"],
            "true"
        );
        let token = applied(&plan, "Secret", TOKEN_SECRET);
        assert_eq!(token["type"], "kubernetes.io/service-account-token");
        assert_eq!(
            token["metadata"]["annotations"]["kubernetes.io/service-account.name"],
            THANOS_SERVICE_ACCOUNT
        );
        assert!(token.get("data").is_none());
    }

    #[test]
    fn tenant_mode_uses_the_tenancy_port_and_a_role_binding() {
        let plan = plan(&options(Some("team-a")), &facts()).unwrap();
        let ds = applied(&plan, "GrafanaDatasource", DATASOURCE_NAME);
        assert_eq!(ds["spec"]["datasource"]["url"], THANOS_TENANCY_URL);
        assert_eq!(
            ds["spec"]["datasource"]["jsonData"]["customQueryParameters"],
            "namespace=team-a"
        );
        let rb = applied(&plan, "RoleBinding", TENANT_ROLE_BINDING);
        assert_eq!(rb["metadata"]["namespace"], "team-a");
        assert_eq!(rb["roleRef"]["name"], "view");
        assert_eq!(rb["subjects"][0]["namespace"], DEFAULT_NAMESPACE);
        assert!(
            !names(&plan)
                .iter()
                .any(|n| n.starts_with("ClusterRoleBinding"))
        );
    }

    #[test]
    fn dashboards_are_inline_and_select_our_grafana() {
        let plan = plan(&options(None), &facts()).unwrap();
        let d = applied(&plan, "GrafanaDashboard", "llm-d-llmd-vllm");
        assert_eq!(d["spec"]["uid"], "llmd-vllm");
        assert_eq!(
            d["spec"]["instanceSelector"]["matchLabels"]["dashboards"],
            "llm-d-grafana"
        );
        let inner: Value = serde_json::from_str(d["spec"]["json"].as_str().unwrap()).unwrap();
        assert_eq!(inner, dashboard().json);
        assert!(d["spec"].get("url").is_none());
        assert_eq!(DATASOURCE_UID, "llm-d-thanos");
    }

    #[test]
    fn existing_admin_secret_and_foreign_namespace_are_kept() {
        let mut f = facts();
        f.admin_secret_exists = true;
        f.namespace = NamespaceState::Foreign;
        let opts = InstallOptions {
            admin_password: None,
            ..options(None)
        };
        let plan = plan(&opts, &f).unwrap();
        let kept: Vec<String> = plan
            .items
            .iter()
            .filter_map(|i| match &i.action {
                PlanAction::Keep { key, .. } => Some(key.name.clone()),
                PlanAction::Apply(_) => None,
            })
            .collect();
        assert_eq!(kept, [DEFAULT_NAMESPACE, ADMIN_SECRET]);
        assert!(plan.check_applicable().is_ok());
    }

    #[test]
    fn a_new_admin_secret_without_password_cannot_be_applied() {
        let opts = InstallOptions {
            admin_password: None,
            ..options(None)
        };
        let plan = plan(&opts, &facts()).unwrap();
        assert!(plan.check_applicable().is_err());
    }

    #[test]
    fn operator_uwm_and_extra_objects_when_asked() {
        let mut opts = options(None);
        opts.install_operator = true;
        opts.enable_uwm = true;
        opts.extra_manifests = vec![json!({"apiVersion": "networking.istio.io/v1alpha3",
            "kind": "EnvoyFilter", "metadata": {"name": "ef", "namespace": "openshift-ingress"}})];
        let mut f = facts();
        f.operator.missing_crds = vec!["grafanas.grafana.integreatly.org".into()];
        f.cmo = CmoState::Present(CurrentCmo {
            resource_version: Some("7".into()),
            config_yaml: Some("prometheusK8s: {retention: 2d}".into()),
        });
        let plan = plan(&opts, &f).unwrap();
        let n = names(&plan);
        assert_eq!(n[0], "Subscription/grafana-operator");
        assert_eq!(n[1], "ConfigMap/cluster-monitoring-config");
        assert_eq!(n.last().unwrap(), "EnvoyFilter/ef");
        let sub = applied(&plan, "Subscription", "grafana-operator");
        assert_eq!(sub["spec"]["channel"], "v5");
        assert_eq!(sub["spec"]["source"], "community-operators");
        assert_eq!(sub["metadata"]["namespace"], "openshift-operators");
        let cm = applied(&plan, "ConfigMap", "cluster-monitoring-config");
        assert!(
            cm["metadata"].get("labels").is_none(),
            "foreign ConfigMap got labels"
        );
        let text = cm["data"]["config.yaml"].as_str().unwrap();
        assert!(cmo::uwm_enabled(Some(text)));
        // Installed operator: the Subscription is kept, not applied.
        f.operator.missing_crds.clear();
        let plan = super::plan(&opts, &f).unwrap();
        assert!(matches!(plan.items[0].action, PlanAction::Keep { .. }));
    }

    #[test]
    fn stale_objects_are_reported() {
        let mut f = facts();
        let old = ObjectKey::of_manifest(
            &json!({"apiVersion": GRAFANA_API, "kind": "GrafanaDashboard",
            "metadata": {"name": "llm-d-old", "namespace": DEFAULT_NAMESPACE}}),
        )
        .unwrap();
        let current = ObjectKey::of_manifest(&applied(
            &plan(&options(None), &f).unwrap(),
            "Grafana",
            GRAFANA_NAME,
        ))
        .unwrap();
        f.existing_ours = vec![old.clone(), current];
        let plan = plan(&options(None), &f).unwrap();
        assert_eq!(plan.stale, vec![old]);
    }

    #[test]
    fn dashboard_names_are_dns_labels() {
        assert_eq!(
            dashboard_object_name("vLLM_Overview v2", 0),
            "llm-d-vllm-overview-v2"
        );
        assert_eq!(dashboard_object_name("llm-d-epp", 0), "llm-d-epp");
        assert_eq!(dashboard_object_name("???", 3), "llm-d-dashboard-3");
        assert!(dashboard_object_name(&"x".repeat(100), 0).len() <= 63);
    }
}
