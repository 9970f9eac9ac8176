//! The checks, one module per category. Each check is a pure function `fn(&Model) ->
//! Vec<CheckResult>`; facts shared by several checks (Istio line, OpenShift or not, metric
//! naming in use) are derived here once.

pub mod cluster;
pub mod gateway;
pub mod grafana;
pub mod monitoring;
pub mod serving;

use crate::cluster::Model;
use crate::cluster::model::{Gateway, ListState, PoolApi, Snapshot, keys};

/// The snapshot says this is OpenShift: the ClusterVersion API exists (a 403 proves it exists too).
pub fn is_openshift(snap: &Snapshot) -> bool {
    snap.cluster.openshift_version.is_some()
        || !matches!(
            snap.list_state(keys::CLUSTERVERSIONS),
            ListState::NotInstalled
        )
}

/// Why doctor cannot tell whether something exists: the first of `keys` whose list was refused
/// (403) or failed, as "cannot list <key>: <reason>". A 404 is not a gap (the API is not
/// installed: a fact). Checks use it to report "could not check" instead of a false "missing".
pub fn unreadable(snap: &Snapshot, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match snap.list_state(key) {
        state @ (ListState::Forbidden(_) | ListState::Failed(_)) => state
            .reason()
            .map(|reason| format!("cannot list {key}: {reason}")),
        ListState::Listed | ListState::NotInstalled => None,
    })
}

/// The InferencePool lists (both API groups).
pub const POOL_KEYS: &[&str] = &[keys::POOL_V1ALPHA2, keys::POOL_V1];

/// Which Istio build runs a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IstioFlavour {
    /// OpenShift Service Mesh (the fork shipped with OpenShift's Gateway API).
    Ossm,
    Upstream,
}

/// The Istio behind the gateways, as far as the snapshot tells.
#[derive(Debug, Clone, PartialEq)]
pub struct IstioInfo {
    /// (major, minor, patch)
    pub version: Option<(u32, u32, u32)>,
    pub version_text: String,
    pub flavour: IstioFlavour,
    /// Where the version was read.
    pub source: String,
    /// istiod's ENABLE_GATEWAY_API_INFERENCE_EXTENSION (None: no istiod seen).
    pub inference_extension: Option<bool>,
    /// `namespace/name` of the istiod Deployment read.
    pub istiod: Option<String>,
}

impl IstioInfo {
    /// `Istio 1.26.2 (OSSM)`
    pub fn label(&self) -> String {
        let flavour = match self.flavour {
            IstioFlavour::Ossm => "OSSM",
            IstioFlavour::Upstream => "upstream",
        };
        format!("Istio {} ({flavour})", self.version_text)
    }

    pub fn minor(&self) -> Option<(u32, u32)> {
        self.version.map(|(a, b, _)| (a, b))
    }

    /// The single InferencePool API this Istio watches (None: no InferencePool support).
    pub fn watched_pool_api(&self) -> Option<PoolApi> {
        match (self.minor()?, self.flavour) {
            ((1, 26), IstioFlavour::Ossm) => Some(PoolApi::XK8sV1alpha2),
            ((1, 26), IstioFlavour::Upstream) => None,
            ((1, 27), IstioFlavour::Ossm) => Some(PoolApi::K8sV1),
            ((1, 27), IstioFlavour::Upstream) => Some(PoolApi::XK8sV1alpha2),
            ((1, m), _) if m >= 28 => Some(PoolApi::K8sV1),
            ((major, _), _) if major > 1 => Some(PoolApi::K8sV1),
            _ => None,
        }
    }

    /// Istio 1.26–1.28 drop the EPP per-route override when a rule has a CORS/fault policy.
    pub fn drops_override_on_cors(&self) -> bool {
        matches!(self.minor(), Some((1, 26..=28)))
    }
}

/// Parse `v1.26.2`, `1.26`, `1.27-latest` into numbers.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, minor, patch))
}

/// The gateway is implemented by Istio (OpenShift's controller or upstream's).
pub fn gateway_controller<'a>(m: &'a Model, gw: &Gateway) -> Option<&'a str> {
    m.snap
        .gateway_classes
        .iter()
        .find(|c| c.name == gw.class)
        .map(|c| c.controller.as_str())
}

pub fn is_istio_controller(controller: &str) -> bool {
    controller == "openshift.io/gateway-controller/v1"
        || controller == "istio.io/gateway-controller"
}

/// The Istio facts: Sail `Istio` CR `openshift-gateway` (else any with a version), else the istiod
/// Deployment label `app.kubernetes.io/version`, else an upstream image tag.
pub fn istio_info(m: &Model) -> Option<IstioInfo> {
    let snap = m.snap;
    let cp = snap
        .istio
        .control_planes
        .iter()
        .filter(|c| c.version.is_some())
        .min_by_key(|c| c.name != "openshift-gateway");
    let istiod = match cp.and_then(|c| c.namespace.as_deref()) {
        Some(ns) => snap
            .istio
            .istiods
            .iter()
            .find(|d| d.namespace == ns)
            .or(snap.istio.istiods.first()),
        None => snap
            .istio
            .istiods
            .iter()
            .min_by_key(|d| d.namespace != "openshift-ingress"),
    };
    let (version_text, source) = if let Some(c) = cp {
        (
            c.version.clone().unwrap_or_default(),
            format!("Istio CR {}", c.name),
        )
    } else if let Some(d) = istiod {
        if let Some(v) = d.labels.get("app.kubernetes.io/version") {
            (
                v.clone(),
                format!("istiod {}/{} label", d.namespace, d.name),
            )
        } else {
            let tag = d
                .containers
                .first()
                .and_then(|c| c.image.rsplit_once(':'))
                .map(|(_, t)| t.to_string())
                .filter(|t| parse_version(t).is_some())?;
            (tag, format!("istiod {}/{} image", d.namespace, d.name))
        }
    } else {
        return None;
    };
    let image_is_ossm = istiod.is_some_and(|d| {
        d.containers.iter().any(|c| {
            c.image.contains("openshift-service-mesh") || c.image.contains("registry.redhat.io")
        })
    });
    let flavour = if cp.is_some_and(|c| c.name == "openshift-gateway")
        || image_is_ossm
        || m.snap
            .gateway_classes
            .iter()
            .any(|c| c.controller == "openshift.io/gateway-controller/v1")
    {
        IstioFlavour::Ossm
    } else {
        IstioFlavour::Upstream
    };
    let inference_extension = istiod.map(|d| {
        d.containers.iter().any(|c| {
            c.env
                .get("ENABLE_GATEWAY_API_INFERENCE_EXTENSION")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        })
    });
    Some(IstioInfo {
        version: parse_version(&version_text),
        version_text: version_text.trim_start_matches('v').to_string(),
        flavour,
        source,
        inference_extension,
        istiod: istiod.map(|d| format!("{}/{}", d.namespace, d.name)),
    })
}

/// Which vLLM metric name families the cluster stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Naming {
    /// `kserve_vllm:*` exists.
    pub prefixed: bool,
    /// `vllm:*` exists.
    pub plain: bool,
    /// Decided from live metrics (else from the monitors).
    pub live: bool,
}

/// vLLM's metric namespace and OpenShift AI's relabelling prefix, from the one naming table.
pub const VLLM_PREFIX: &str = crate::metrics::naming::VLLM_NAME_PREFIX;
pub const KSERVE_PREFIX: &str = crate::metrics::naming::KSERVE_PREFIX;

/// Naming from live metric names if queried, else from the PodMonitors selecting vLLM pods
/// (a `kserve_` metricRelabeling ⇒ prefixed; a monitor without one ⇒ plain). None: unknown.
pub fn naming(m: &Model) -> Option<Naming> {
    if let Some(live) = &m.snap.live {
        let prefixed = live.metric_names.iter().any(|n| {
            n.strip_prefix(KSERVE_PREFIX)
                .is_some_and(|rest| rest.starts_with(VLLM_PREFIX))
        });
        let plain = live.metric_names.iter().any(|n| n.starts_with(VLLM_PREFIX));
        return Some(Naming {
            prefixed,
            plain,
            live: true,
        });
    }
    let mut monitors: Vec<_> = m
        .services
        .iter()
        .flat_map(|s| s.pod_monitors.iter().copied())
        .collect();
    if monitors.is_empty() {
        monitors = m
            .snap
            .pod_monitors
            .iter()
            .filter(|p| p.name.starts_with("kserve-llm-isvc-vllm-engine"))
            .collect();
    }
    if monitors.is_empty() {
        return None;
    }
    Some(Naming {
        prefixed: monitors.iter().any(|p| p.adds_kserve_prefix),
        plain: monitors.iter().any(|p| !p.adds_kserve_prefix),
        live: false,
    })
}

/// Does a PromQL expression use unprefixed `vllm:` names / `kserve_vllm:` names?
pub fn expr_naming(expr: &str) -> (bool, bool) {
    let mut plain = false;
    let mut prefixed = false;
    for (i, _) in expr.match_indices(VLLM_PREFIX) {
        let before = &expr[..i];
        if before.ends_with(KSERVE_PREFIX) {
            prefixed = true;
        } else if !before
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            plain = true;
        }
    }
    (plain, prefixed)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Helpers for the per-category unit tests.
    use crate::cluster::model::Snapshot;
    use crate::cluster::{Model, sample};
    use crate::doctor::report::{CheckResult, Status};

    pub fn run(snap: &Snapshot, f: fn(&Model) -> Vec<CheckResult>) -> Vec<CheckResult> {
        f(&Model::new(snap))
    }

    /// Run on a modified healthy snapshot.
    pub fn with(
        change: impl FnOnce(&mut Snapshot),
        f: fn(&Model) -> Vec<CheckResult>,
    ) -> Vec<CheckResult> {
        let mut snap = sample::healthy();
        change(&mut snap);
        run(&snap, f)
    }

    /// Exactly one result with this status whose message contains `needle`.
    pub fn expect(results: &[CheckResult], status: Status, needle: &str) {
        assert!(
            results
                .iter()
                .any(|r| r.status == status && r.message.contains(needle)),
            "expected {status:?} containing {needle:?} in {results:#?}"
        );
    }

    pub fn all_ok(results: &[CheckResult]) {
        assert!(!results.is_empty());
        assert!(
            results.iter().all(|r| r.status == Status::Ok),
            "{results:#?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_watched_apis() {
        assert_eq!(parse_version("v1.26.2"), Some((1, 26, 2)));
        assert_eq!(parse_version("1.27-latest"), Some((1, 27, 0)));
        assert_eq!(parse_version("latest"), None);
        let info = |v: &str, f| IstioInfo {
            version: parse_version(v),
            version_text: v.into(),
            flavour: f,
            source: String::new(),
            inference_extension: Some(true),
            istiod: None,
        };
        use IstioFlavour::*;
        assert_eq!(
            info("1.26.2", Ossm).watched_pool_api(),
            Some(PoolApi::XK8sV1alpha2)
        );
        assert_eq!(info("1.26.2", Upstream).watched_pool_api(), None);
        assert_eq!(
            info("1.27.3", Ossm).watched_pool_api(),
            Some(PoolApi::K8sV1)
        );
        assert_eq!(
            info("1.27.3", Upstream).watched_pool_api(),
            Some(PoolApi::XK8sV1alpha2)
        );
        assert_eq!(
            info("1.28.0", Upstream).watched_pool_api(),
            Some(PoolApi::K8sV1)
        );
        assert!(info("1.28.1", Ossm).drops_override_on_cors());
        assert!(!info("1.29.0", Ossm).drops_override_on_cors());
    }

    #[test]
    fn expr_naming_detects_prefix() {
        assert_eq!(expr_naming("rate(vllm:x[1m])"), (true, false));
        assert_eq!(expr_naming("rate(kserve_vllm:x[1m])"), (false, true));
        assert_eq!(expr_naming("a{job=\"x\"}"), (false, false));
    }
}
