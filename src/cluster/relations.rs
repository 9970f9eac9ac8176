//! Derived relations, computed once per snapshot: for each LLMInferenceService its vLLM pods
//! (prefill/decode), EPP pods, Services, InferencePools (either API group), HTTPRoutes, Gateways,
//! the monitors selecting its pods, the scheduler args, the EndpointPickerConfig and the vLLM
//! flags that matter (prefix caching).
//!
//! Objects are matched the way KServe labels them (`app.kubernetes.io/part-of=llminferenceservice`,
//! `app.kubernetes.io/name=<llmisvc>`, component labels) and, where a name is fixed by KServe
//! (`<n>-inference-pool`, `<n>-kserve-route`, `<n>-epp-service`), by name as a fallback.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::*;

pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const PART_OF_VALUE: &str = "llminferenceservice";
pub const NAME: &str = "app.kubernetes.io/name";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const SCHEDULER_COMPONENT: &str = "llminferenceservice-router-scheduler";
pub const ROLE: &str = "llm-d.ai/role";

/// A pod of the vLLM workload (any of KServe's workload components).
pub fn is_workload_pod(labels: &BTreeMap<String, String>) -> bool {
    labels
        .get(COMPONENT)
        .is_some_and(|c| c.starts_with("llminferenceservice-workload"))
        || labels.get("kserve.io/component").map(String::as_str) == Some("workload")
}

pub fn is_prefill_pod(labels: &BTreeMap<String, String>) -> bool {
    labels.get(ROLE).map(String::as_str) == Some("prefill")
        || labels
            .get(COMPONENT)
            .is_some_and(|c| c.ends_with("-prefill"))
}

/// The parsed EndpointPickerConfig a scheduler runs with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EppConfig {
    /// Where it came from: `--config-text`, `inline`, or `default` (no config given).
    pub source: String,
    pub plugin_types: BTreeSet<String>,
    /// Profile name → plugin types used in it.
    pub profiles: BTreeMap<String, BTreeSet<String>>,
}

impl EppConfig {
    /// The EPP default when no config is given: one `default` profile with queue,
    /// kv-cache-utilization and prefix-cache scorers.
    pub fn builtin_default() -> Self {
        let plugins: BTreeSet<String> = [
            "queue-scorer",
            "kv-cache-utilization-scorer",
            "prefix-cache-scorer",
            "max-score-picker",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        Self {
            source: "default".into(),
            profiles: [("default".to_string(), plugins.clone())].into(),
            plugin_types: plugins,
        }
    }

    /// Parse EndpointPickerConfig YAML (or JSON) text.
    pub fn parse(text: &str, source: &str) -> Result<Self, String> {
        let v: Value = serde_saphyr::from_str(text)
            .map_err(|e| format!("EndpointPickerConfig does not parse: {e}"))?;
        let mut by_name = BTreeMap::new();
        let mut plugin_types = BTreeSet::new();
        for p in v
            .get("plugins")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(t) = p.get("type").and_then(Value::as_str) else {
                continue;
            };
            plugin_types.insert(t.to_string());
            let n = p.get("name").and_then(Value::as_str).unwrap_or(t);
            by_name.insert(n.to_string(), t.to_string());
        }
        let mut profiles = BTreeMap::new();
        for prof in v
            .get("schedulingProfiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = prof.get("name").and_then(Value::as_str) else {
                continue;
            };
            let used = prof
                .get("plugins")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("pluginRef").and_then(Value::as_str))
                .map(|r| by_name.get(r).cloned().unwrap_or_else(|| r.to_string()))
                .collect();
            profiles.insert(name.to_string(), used);
        }
        Ok(Self {
            source: source.into(),
            plugin_types,
            profiles,
        })
    }

    pub fn has_plugin(&self, t: &str) -> bool {
        self.plugin_types.contains(t)
    }

    /// A prefix-cache scorer is used by some profile (or declared, when no profiles are listed).
    pub fn uses_prefix_cache(&self) -> bool {
        let scorer = "prefix-cache-scorer";
        if self.profiles.is_empty() {
            self.has_plugin(scorer)
        } else {
            self.profiles.values().any(|p| p.contains(scorer))
        }
    }
}

/// The value of `--flag value` or `--flag=value` in an argument list (tokens may hold several
/// words when a shell command line is passed as one arg; those are split on whitespace).
pub fn flag_value(args: &[String], flag: &str) -> Option<String> {
    let prefix = format!("{flag}=");
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == flag {
            return iter.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&prefix) {
            return Some(v.to_string());
        }
    }
    None
}

/// Every whitespace-separated word of an argument list.
pub fn words(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|a| a.split_whitespace())
        .map(str::to_string)
        .collect()
}

/// `--flag`, `--flag=true` ⇒ Some(true); `--flag=false` ⇒ Some(false); absent ⇒ None.
pub fn bool_flag(args: &[String], flag: &str) -> Option<bool> {
    let eq = format!("{flag}=");
    words(args).iter().rev().find_map(|w| {
        if w == flag {
            Some(true)
        } else {
            w.strip_prefix(&eq).map(|v| v != "false")
        }
    })
}

/// Whether vLLM runs with prefix caching, from its flags and env.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixCaching {
    On,
    Off,
}

pub fn vllm_prefix_caching(c: &Container) -> (PrefixCaching, &'static str) {
    let mut all = c.args.clone();
    if let Some(extra) = c.env.get("VLLM_ADDITIONAL_ARGS") {
        all.push(extra.clone());
    }
    let w = words(&all);
    // The last of the two flags wins, as in argparse.
    for word in w.iter().rev() {
        if word == "--no-enable-prefix-caching" || word == "--enable-prefix-caching=false" {
            return (PrefixCaching::Off, "--no-enable-prefix-caching");
        }
        if word == "--enable-prefix-caching" || word == "--enable-prefix-caching=true" {
            return (PrefixCaching::On, "--enable-prefix-caching");
        }
    }
    if c.env.get("VLLM_USE_V1").map(String::as_str) == Some("0") {
        (
            PrefixCaching::Off,
            "vLLM V0 (VLLM_USE_V1=0) without --enable-prefix-caching",
        )
    } else {
        (PrefixCaching::On, "vLLM V1 default")
    }
}

/// The container doing the work in a pod: named `main`, else the first.
pub fn main_container(p: &Pod) -> Option<&Container> {
    p.containers
        .iter()
        .find(|c| c.name == "main")
        .or(p.containers.first())
}

/// Everything belonging to one LLMInferenceService.
#[derive(Debug, Clone)]
pub struct ServiceRelations<'a> {
    pub isvc: &'a LlmIsvc,
    pub vllm_pods: Vec<&'a Pod>,
    pub prefill_pods: Vec<&'a Pod>,
    pub epp_pods: Vec<&'a Pod>,
    pub pools: Vec<&'a InferencePool>,
    /// EPP Services named by the pools (or `<n>-epp-service`); None entries: not found.
    pub epp_services: Vec<(String, Option<&'a Service>)>,
    pub routes: Vec<&'a HttpRoute>,
    /// Gateways the routes attach to (`None` when the Gateway object is not in the snapshot).
    pub gateways: Vec<(ObjectRef, Option<&'a Gateway>)>,
    pub pod_monitors: Vec<&'a Monitor>,
    pub service_monitors: Vec<&'a Monitor>,
    /// Scheduler command + args (from a running EPP pod, else the LLMInferenceService spec).
    pub scheduler_args: Vec<String>,
    /// The EndpointPickerConfig, or why it is unknown.
    pub epp_config: Result<EppConfig, String>,
}

impl ServiceRelations<'_> {
    pub fn subject(&self) -> String {
        self.isvc.object_ref().to_string()
    }
    /// Every vLLM pod (decode/both and prefill).
    pub fn all_vllm_pods(&self) -> impl Iterator<Item = &Pod> {
        self.vllm_pods
            .iter()
            .chain(self.prefill_pods.iter())
            .copied()
    }
    /// Pools that routes point at; all pools when no route points at one.
    pub fn active_pools(&self) -> Vec<&InferencePool> {
        let routed: Vec<&InferencePool> = self
            .pools
            .iter()
            .copied()
            .filter(|p| {
                self.routes.iter().any(|r| {
                    r.rules
                        .iter()
                        .flat_map(|rule| &rule.backends)
                        .any(|b| backend_is_pool(b, p))
                })
            })
            .collect();
        if routed.is_empty() {
            self.pools.clone()
        } else {
            routed
        }
    }
}

/// A route backend names this pool (group decides the API version; empty group = none).
pub fn backend_is_pool(b: &BackendRef, p: &InferencePool) -> bool {
    b.is_pool() && b.name == p.name && b.namespace == p.namespace && b.group == p.api.group()
}

/// The snapshot plus its relations, built once and read by every check.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    pub snap: &'a Snapshot,
    pub services: Vec<ServiceRelations<'a>>,
}

impl<'a> Model<'a> {
    pub fn new(snap: &'a Snapshot) -> Self {
        let services = snap.llmisvcs.iter().map(|i| relate(snap, i)).collect();
        Self { snap, services }
    }

    /// Gateways that route to an InferencePool, each once, with the services behind them.
    pub fn pool_gateways(
        &self,
    ) -> Vec<(ObjectRef, Option<&'a Gateway>, Vec<&ServiceRelations<'a>>)> {
        let mut out: Vec<(ObjectRef, Option<&'a Gateway>, Vec<&ServiceRelations<'a>>)> = Vec::new();
        for s in &self.services {
            for r in &s.routes {
                if !r
                    .rules
                    .iter()
                    .flat_map(|x| &x.backends)
                    .any(BackendRef::is_pool)
                {
                    continue;
                }
                for pr in r.parent_refs.iter().filter(|p| p.kind == "Gateway") {
                    let key = ObjectRef::new(&pr.namespace, &pr.name);
                    match out.iter_mut().find(|(k, _, _)| *k == key) {
                        Some((_, _, list)) => {
                            if !list.iter().any(|x| x.isvc == s.isvc) {
                                list.push(s)
                            }
                        }
                        None => {
                            let gw = self
                                .snap
                                .gateways
                                .iter()
                                .find(|g| g.namespace == key.namespace && g.name == key.name);
                            out.push((key, gw, vec![s]));
                        }
                    }
                }
            }
        }
        out
    }
}

fn owned_by(labels: &BTreeMap<String, String>, isvc: &LlmIsvc) -> bool {
    labels.get(PART_OF).map(String::as_str) == Some(PART_OF_VALUE)
        && labels.get(NAME) == Some(&isvc.name)
}

fn relate<'a>(snap: &'a Snapshot, isvc: &'a LlmIsvc) -> ServiceRelations<'a> {
    let ns = &isvc.namespace;
    let mine = |labels: &BTreeMap<String, String>, o_ns: &str| o_ns == ns && owned_by(labels, isvc);
    let mut vllm_pods = Vec::new();
    let mut prefill_pods = Vec::new();
    let mut epp_pods = Vec::new();
    for p in snap.pods.iter().filter(|p| mine(&p.labels, &p.namespace)) {
        if p.labels.get(COMPONENT).map(String::as_str) == Some(SCHEDULER_COMPONENT) {
            epp_pods.push(p);
        } else if is_workload_pod(&p.labels) {
            if is_prefill_pod(&p.labels) {
                prefill_pods.push(p);
            } else {
                vllm_pods.push(p);
            }
        }
    }
    let pool_name = isvc
        .pool_ref
        .clone()
        .unwrap_or_else(|| format!("{}-inference-pool", isvc.name));
    let pools: Vec<&InferencePool> = snap
        .pools
        .iter()
        .filter(|p| p.namespace == *ns && (p.name == pool_name || owned_by(&p.labels, isvc)))
        .collect();
    let mut epp_names: Vec<String> = pools
        .iter()
        .filter_map(|p| p.epp.as_ref())
        .filter(|e| e.kind == "Service" || e.kind.is_empty())
        .map(|e| e.name.clone())
        .collect();
    if epp_names.is_empty() {
        epp_names.push(format!("{}-epp-service", isvc.name));
    }
    epp_names.sort();
    epp_names.dedup();
    let epp_services = epp_names
        .into_iter()
        .map(|n| {
            let svc = snap
                .services
                .iter()
                .find(|s| s.namespace == *ns && s.name == n);
            (n, svc)
        })
        .collect();
    let route_name = format!("{}-kserve-route", isvc.name);
    let routes: Vec<&HttpRoute> = snap
        .routes
        .iter()
        .filter(|r| {
            r.namespace == *ns
                && (r.name == route_name
                    || isvc.route_refs.contains(&r.name)
                    || owned_by(&r.labels, isvc)
                    || r.rules
                        .iter()
                        .flat_map(|x| &x.backends)
                        .any(|b| pools.iter().any(|p| backend_is_pool(b, p))))
        })
        .collect();
    let mut gateways: Vec<(ObjectRef, Option<&Gateway>)> = Vec::new();
    for pr in routes.iter().flat_map(|r| &r.parent_refs) {
        if pr.kind != "Gateway" {
            continue;
        }
        let key = ObjectRef::new(&pr.namespace, &pr.name);
        if gateways.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let gw = snap
            .gateways
            .iter()
            .find(|g| g.namespace == key.namespace && g.name == key.name);
        gateways.push((key, gw));
    }
    let vllm_all: Vec<&Pod> = vllm_pods
        .iter()
        .chain(prefill_pods.iter())
        .copied()
        .collect();
    let pod_monitors = snap
        .pod_monitors
        .iter()
        .filter(|m| m.namespace == *ns && vllm_all.iter().any(|p| m.selector.matches(&p.labels)))
        .collect();
    let epp_service_labels: Vec<&BTreeMap<String, String>> = snap
        .services
        .iter()
        .filter(|s| {
            s.namespace == *ns
                && (owned_by(&s.labels, isvc)
                    && s.labels.get(COMPONENT).map(String::as_str) == Some(SCHEDULER_COMPONENT))
        })
        .map(|s| &s.labels)
        .collect();
    let service_monitors = snap
        .service_monitors
        .iter()
        .filter(|m| m.namespace == *ns && epp_service_labels.iter().any(|l| m.selector.matches(l)))
        .collect();
    let scheduler_args = epp_pods
        .iter()
        .find_map(|p| main_container(p).map(|c| c.args.clone()))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| isvc.scheduler_args.clone());
    let epp_config = match (
        &isvc.scheduler_config_ref,
        flag_value(&scheduler_args, "--config-text"),
    ) {
        (Some(r), None) => Err(format!(
            "the EndpointPickerConfig comes from ConfigMap {r}, which doctor does not read"
        )),
        _ => scheduler_config(&scheduler_args, isvc.scheduler_config_inline.as_deref()),
    };
    ServiceRelations {
        isvc,
        vllm_pods,
        prefill_pods,
        epp_pods,
        pools,
        epp_services,
        routes,
        gateways,
        pod_monitors,
        service_monitors,
        scheduler_args,
        epp_config,
    }
}

/// The EndpointPickerConfig from `--config-text`, an inline spec config, or the EPP default.
pub fn scheduler_config(args: &[String], inline: Option<&str>) -> Result<EppConfig, String> {
    if let Some(text) = flag_value(args, "--config-text") {
        return EppConfig::parse(&text, "--config-text");
    }
    if let Some(path) = flag_value(args, "--config-file") {
        return Err(format!(
            "the scheduler reads its EndpointPickerConfig from the file {path}, which doctor cannot see"
        ));
    }
    if let Some(text) = inline {
        return EppConfig::parse(text, "spec.router.scheduler.config.inline");
    }
    Ok(EppConfig::builtin_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_both_spellings() {
        let args: Vec<String> = ["--a", "1", "--b=2", "--secure-serving=false"]
            .map(String::from)
            .to_vec();
        assert_eq!(flag_value(&args, "--a").as_deref(), Some("1"));
        assert_eq!(flag_value(&args, "--b").as_deref(), Some("2"));
        assert_eq!(bool_flag(&args, "--secure-serving"), Some(false));
        assert_eq!(bool_flag(&args, "--cert-path"), None);
    }

    #[test]
    fn epp_config_profiles_resolve_plugin_names() {
        let c = EppConfig::parse(
            "plugins:\n- type: prefix-cache-scorer\n  name: pc\n- type: pd-profile-handler\n\
             schedulingProfiles:\n- name: decode\n  plugins:\n  - pluginRef: pc\n",
            "t",
        )
        .unwrap();
        assert!(c.uses_prefix_cache());
        assert!(c.has_plugin("pd-profile-handler"));
        assert!(EppConfig::parse("plugins: [", "t").is_err());
    }

    #[test]
    fn prefix_caching_flags() {
        let mut c = Container::default();
        assert_eq!(vllm_prefix_caching(&c).0, PrefixCaching::On);
        c.env.insert("VLLM_USE_V1".into(), "0".into());
        assert_eq!(vllm_prefix_caching(&c).0, PrefixCaching::Off);
        c.env.insert(
            "VLLM_ADDITIONAL_ARGS".into(),
            "--enable-prefix-caching --block-size=16".into(),
        );
        assert_eq!(vllm_prefix_caching(&c).0, PrefixCaching::On);
        c.args = vec!["vllm serve /mnt/models --no-enable-prefix-caching".into()];
        c.env.remove("VLLM_ADDITIONAL_ARGS");
        assert_eq!(vllm_prefix_caching(&c).0, PrefixCaching::Off);
    }
}
