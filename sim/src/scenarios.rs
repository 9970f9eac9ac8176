//! The scenario registry shipped in the binary: every simulated cluster `oc llmd demo` and the tests
//! can start, as the YAML texts to load in order.
//!
//! A scenario is plain multi-document Kubernetes YAML (see `scenarios/README.md`). Most failure
//! scenarios are small overlays: [`fixtures`] returns `crds.yaml`, then each base in turn, then the
//! overlay itself; a loader applies them in that order (a later document with the same identity
//! replaces an earlier one, `SimConfig.spec.remove` deletes earlier objects). The `large` scenario is
//! generated ([`large_fixture`]) rather than stored.
//!
//! Each scenario also states what `oc llmd doctor` must report for it ([`Scenario::expected`]), so
//! doctor's tests can run every scenario without repeating that table.

use std::fmt::Write as _;

/// The CRDs every OpenShift scenario loads first.
pub const CRDS: &str = include_str!("../../scenarios/crds.yaml");

/// Namespaces and LLMInferenceServices of the registered `large` scenario.
pub const LARGE_NAMESPACES: usize = 200;
pub const LARGE_SERVICES: usize = 120;

/// How doctor must rate the check named in an [`ExpectedFinding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedStatus {
    Error,
    Warning,
}

/// One result `oc llmd doctor` must report for a scenario (every other check passes or is skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedFinding {
    /// The doctor check id, e.g. `extproc-wiring`.
    pub check: &'static str,
    /// What the finding is about, as doctor names it: the LLMInferenceService, pool, gateway or
    /// object as `namespace/name`; empty for a cluster-wide finding.
    pub subject: &'static str,
    pub status: ExpectedStatus,
}

/// Where a scenario's own documents come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    File(&'static str),
    Large,
}

/// One registered scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// One line: what the scenario models.
    pub description: &'static str,
    /// The scenario this one is an overlay of, if any.
    pub base: Option<&'static str>,
    /// The file under `scenarios/` holding the scenario's own documents (`None` for generated ones).
    pub file: Option<&'static str>,
    /// Whether `crds.yaml` is loaded first (false for a self-contained file carrying its own CRDs).
    pub shared_crds: bool,
    /// What doctor must report; empty means "no error and no warning". The first entry is the failure
    /// the scenario is about; later ones are faithful consequences of it (for example KServe marking
    /// the service not Ready when a vLLM pod crash-loops).
    pub expected: &'static [ExpectedFinding],
    source: Source,
}

const fn finding(check: &'static str, subject: &'static str) -> ExpectedFinding {
    ExpectedFinding {
        check,
        subject,
        status: ExpectedStatus::Error,
    }
}

const fn warning(check: &'static str, subject: &'static str) -> ExpectedFinding {
    ExpectedFinding {
        check,
        subject,
        status: ExpectedStatus::Warning,
    }
}

/// Doctor names pool findings after the InferencePool itself.
const POOL: &str = "my-first-model/qwen3-0-6b-inference-pool";
/// Doctor names route findings after the HTTPRoute itself.
const ROUTE: &str = "my-first-model/qwen3-0-6b-kserve-route";
const MODEL: &str = "my-first-model/qwen3-0-6b";
const GATEWAY: &str = "openshift-ingress/openshift-ai-inference";
const CMC: &str = "openshift-monitoring/cluster-monitoring-config";
/// Doctor's subject for a cluster-wide finding (for example "no Grafana instance exists").
const CLUSTER_WIDE: &str = "";

macro_rules! overlay {
    ($name:literal, $base:literal, $desc:literal, [$($f:expr),* $(,)?]) => {
        Scenario {
            name: $name,
            description: $desc,
            base: Some($base),
            file: Some(concat!($name, ".yaml")),
            shared_crds: true,
            expected: &[$($f),*],
            source: Source::File(include_str!(concat!("../../scenarios/", $name, ".yaml"))),
        }
    };
}

static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "seed-day0",
        description: "The blog's cluster before the blog: RHOAI 3.2, Istio 1.26.2, UWM off, no Grafana, \
                      no EnvoyFilter, EPP without TLS flags",
        base: None,
        file: Some("seed-day0.yaml"),
        shared_crds: true,
        expected: &[
            finding("uwm-enabled", CMC),
            finding("grafana-instance", CLUSTER_WIDE),
            finding("extproc-wiring", GATEWAY),
            finding("epp-tls", MODEL),
            // The EPP is bypassed here too, but with UWM off Thanos holds no request counters:
            // doctor's live epp-in-loop is skipped (the cause is reported by extproc-wiring).
        ],
        source: Source::File(include_str!("../../scenarios/seed-day0.yaml")),
    },
    Scenario {
        name: "healthy",
        description: "Everything right: seed-day0 after every fix and `oc llmd install-monitoring`",
        base: Some("seed-day0"),
        file: Some("healthy.yaml"),
        shared_crds: true,
        expected: &[],
        source: Source::File(include_str!("../../scenarios/healthy.yaml")),
    },
    overlay!(
        "pd-disaggregated",
        "healthy",
        "Prefill/decode disaggregation with a P/D-aware EndpointPickerConfig; healthy otherwise",
        []
    ),
    overlay!(
        "istio-1-27",
        "healthy",
        "OpenShift 4.21, RHOAI 3.4, OSSM 1.27: v1 InferencePools, no EnvoyFilter needed; healthy",
        []
    ),
    Scenario {
        name: "plain-kubernetes",
        description: "Upstream Kubernetes, upstream KServe + llm-d, Istio 1.28, unprefixed metrics via a \
                      plain PodMonitor; no OpenShift APIs",
        base: None,
        file: Some("plain-kubernetes.yaml"),
        shared_crds: false,
        expected: &[warning("openshift-ai", CLUSTER_WIDE)],
        source: Source::File(include_str!("../../scenarios/plain-kubernetes.yaml")),
    },
    Scenario {
        name: "large",
        description: "healthy plus 200 namespaces, 120 LLMInferenceServices and over 1,000 pods (generated)",
        base: Some("healthy"),
        file: None,
        shared_crds: true,
        expected: &[],
        source: Source::Large,
    },
    overlay!(
        "fail-uwm-off",
        "healthy",
        "User workload monitoring disabled: nothing scrapes vLLM or the EPP",
        [finding("uwm-enabled", CMC)]
    ),
    overlay!(
        "fail-no-grafana",
        "healthy",
        "The Grafana instance is gone; datasource and dashboards match no instance",
        [finding("grafana-instance", CLUSTER_WIDE)]
    ),
    overlay!(
        "fail-token-missing",
        "healthy",
        "The service-account token Secret the datasource reads does not exist",
        [
            finding("grafana-token", "llm-d-monitoring/grafana-thanos-token"),
            finding("grafana-datasource", "llm-d-monitoring/thanos-querier")
        ]
    ),
    overlay!(
        "fail-token-empty",
        "healthy",
        "The token Secret exists but its data.token is empty",
        [
            finding("grafana-token", "llm-d-monitoring/grafana-thanos-token"),
            finding("grafana-datasource", "llm-d-monitoring/thanos-querier")
        ]
    ),
    overlay!(
        "fail-rbac-missing",
        "healthy",
        "grafana-thanos is not bound to cluster-monitoring-view: Thanos answers 403",
        [finding("grafana-rbac", "llm-d-monitoring/grafana-thanos")]
    ),
    overlay!(
        "fail-datasource-stale-token",
        "healthy",
        "A literal Bearer token pasted into the datasource (the blog's sed) that is no longer the Secret's",
        [finding(
            "grafana-datasource",
            "llm-d-monitoring/thanos-querier"
        )]
    ),
    overlay!(
        "fail-dashboards-unprefixed",
        "healthy",
        "The vLLM dashboard queries vllm:* while Prometheus only has kserve_vllm:*",
        [finding(
            "grafana-dashboards",
            "llm-d-monitoring/vllm-latency-throughput-and-cache"
        )]
    ),
    overlay!(
        "fail-envoyfilter-full-duplex",
        "healthy",
        "The EnvoyFilter keeps request_body_mode FULL_DUPLEX_STREAMED: the body never reaches vLLM",
        [
            finding("extproc-wiring", GATEWAY),
            finding("epp-in-loop", MODEL)
        ]
    ),
    overlay!(
        "fail-envoyfilter-dummy-cluster",
        "healthy",
        "The EnvoyFilter leaves the ext_proc filter on cluster `dummy`: the EPP is never called",
        [
            finding("extproc-wiring", GATEWAY),
            finding("epp-in-loop", MODEL)
        ]
    ),
    overlay!(
        "fail-envoyfilter-route-only",
        "healthy",
        "Only the seed's HTTP_ROUTE-level EnvoyFilter (manifest 08): the listener filter still SKIPs",
        [
            finding("extproc-wiring", GATEWAY),
            finding("epp-in-loop", MODEL)
        ]
    ),
    overlay!(
        "fail-envoyfilter-missing-maas",
        "healthy",
        "A second gateway maas-gateway routes to the pool but has no EnvoyFilter",
        [finding("extproc-wiring", "openshift-ingress/maas-gateway")]
    ),
    overlay!(
        "fail-epp-tls-args",
        "healthy",
        "The scheduler lost --secure-serving/--cert-path while its DestinationRule expects TLS",
        [finding("epp-tls", MODEL), finding("epp-in-loop", MODEL)]
    ),
    overlay!(
        "fail-pd-no-profile-handler",
        "pd-disaggregated",
        "Prefill pods exist but the EndpointPickerConfig has no pd-profile-handler",
        [finding("pd-config", MODEL)]
    ),
    overlay!(
        "fail-pods-not-ready",
        "healthy",
        "One vLLM pod in CrashLoopBackOff (12 restarts, not Ready)",
        [finding("vllm-pods", MODEL), finding("llmisvc-ready", MODEL)]
    ),
    overlay!(
        "fail-epp-not-ready",
        "healthy",
        "The EPP pod is running but not Ready",
        [
            finding("epp-pod", MODEL),
            finding("llmisvc-ready", MODEL),
            finding("epp-in-loop", MODEL)
        ]
    ),
    overlay!(
        "fail-pool-not-accepted",
        "healthy",
        "The InferencePool was never picked up: only the Status/default pending parent",
        [finding(
            "inferencepool",
            "my-first-model/qwen3-0-6b-inference-pool"
        )]
    ),
    overlay!(
        "fail-route-not-accepted",
        "healthy",
        "The HTTPRoute is not Accepted by the gateway",
        [finding("httproute", ROUTE)]
    ),
    overlay!(
        "fail-cors-filter",
        "healthy",
        "A CORS filter on the pool rule drops Istio's per-route ext_proc config",
        [finding("httproute", ROUTE)]
    ),
    overlay!(
        "fail-no-podmonitor",
        "healthy",
        "The vLLM PodMonitor is gone: vLLM metrics are not scraped",
        [finding("vllm-scrape", MODEL)]
    ),
    overlay!(
        "fail-no-servicemonitor",
        "healthy",
        "The scheduler ServiceMonitor is gone: EPP metrics are not scraped",
        [finding("epp-scrape", MODEL)]
    ),
    overlay!(
        "fail-llmisvc-not-ready",
        "healthy",
        "The LLMInferenceService reports Ready False (router not ready)",
        [finding("llmisvc-ready", MODEL)]
    ),
    overlay!(
        "fail-gateway-no-address",
        "healthy",
        "The gateway has no address (load balancer pending) and is not Programmed",
        [finding("gateway-address", GATEWAY)]
    ),
    overlay!(
        "fail-istio-no-inference-flag",
        "healthy",
        "istiod runs without ENABLE_GATEWAY_API_INFERENCE_EXTENSION",
        [finding("istio-inference-support", GATEWAY)]
    ),
    overlay!(
        "fail-istio-126-v1-pool",
        "healthy",
        "Istio 1.26 (watches only v1alpha2 pools) with RHOAI 3.4-like v1 InferencePool only",
        [
            finding("istio-inference-support", GATEWAY),
            finding("inferencepool", POOL),
            finding("httproute", ROUTE)
        ]
    ),
    overlay!(
        "fail-prefix-caching-off",
        "healthy",
        "vLLM runs with --no-enable-prefix-caching while the EPP scores prefix-cache affinity",
        [warning("prefix-caching", MODEL)]
    ),
    overlay!(
        "fail-epp-bypassed",
        "healthy",
        "Traffic reaches vLLM without the EPP (round-robin): EPP request counters stay flat",
        [finding("epp-in-loop", MODEL)]
    ),
];

/// Every registered scenario.
pub fn all() -> &'static [Scenario] {
    SCENARIOS
}

/// The scenario named `name`.
pub fn get(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The YAML texts of scenario `name` in load order: `crds.yaml` (unless the scenario carries its
/// own), each base from the bottom up, then the scenario's own documents (several texts for
/// `large`, each small enough for a YAML parser's default document and node budgets).
pub fn fixtures(name: &str) -> Option<Vec<String>> {
    let mut chain = Vec::new();
    let mut current = get(name)?;
    loop {
        chain.push(current);
        match current.base {
            Some(base) => current = get(base)?,
            None => break,
        }
    }
    let mut texts = Vec::new();
    if current.shared_crds {
        texts.push(CRDS.to_owned());
    }
    for scenario in chain.iter().rev() {
        match scenario.source {
            Source::File(text) => texts.push(text.to_owned()),
            Source::Large => texts.extend(large_fixture_parts(LARGE_NAMESPACES, LARGE_SERVICES)),
        }
    }
    Some(texts)
}

/// The generated part of `large` as one multi-document text (load it after `healthy`'s chain).
pub fn large_fixture(namespaces: usize, services: usize) -> String {
    large_fixture_parts(namespaces, services).concat()
}

/// Model families the generated services are named after (served name, Kubernetes name stem).
const LARGE_MODELS: &[(&str, &str)] = &[
    ("Qwen/Qwen3-8B", "qwen3-8b"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3-1-8b"),
    ("ibm-granite/granite-3.3-8b-instruct", "granite-3-3-8b"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b"),
    ("microsoft/Phi-4-mini-instruct", "phi-4-mini"),
    ("google/gemma-3-4b-it", "gemma-3-4b"),
];

/// GPUs per generated node.
const LARGE_GPUS_PER_NODE: usize = 8;

/// Documents per generated text, well under serde-saphyr's default budget of 1,024 documents.
const LARGE_DOCS_PER_PART: usize = 400;

/// One generated LLMInferenceService.
struct LargeService {
    namespace: String,
    name: String,
    model: &'static str,
    replicas: usize,
    index: usize,
}

fn large_services(namespaces: usize, services: usize) -> Vec<LargeService> {
    let namespaces = namespaces.max(1);
    (0..services)
        .map(|index| {
            let (model, stem) = LARGE_MODELS[index % LARGE_MODELS.len()];
            LargeService {
                namespace: format!("team-{:03}", index % namespaces),
                name: format!("{stem}-{index:03}"),
                model,
                // 4..=16 replicas, deterministic spread (mean about 10).
                replicas: 4 + (index * 7) % 13,
                index,
            }
        })
        .collect()
}

/// The generated part of `large` split into texts of at most a few hundred documents each.
pub fn large_fixture_parts(namespaces: usize, services: usize) -> Vec<String> {
    let services = large_services(namespaces, services);
    let vllm_pods: usize = services.iter().map(|s| s.replicas).sum();
    let nodes = vllm_pods.div_ceil(LARGE_GPUS_PER_NODE).max(1);

    let mut docs: Vec<String> = Vec::new();
    docs.push(large_sim_config(&services));
    for node in 0..nodes {
        docs.push(large_node(node));
    }
    for ns in 0..namespaces.max(1) {
        let namespace = format!("team-{ns:03}");
        let hosted: Vec<&LargeService> = services
            .iter()
            .filter(|s| s.namespace == namespace)
            .collect();
        docs.push(large_namespace(&namespace));
        if !hosted.is_empty() {
            docs.extend(large_namespace_monitoring(&namespace));
        }
    }
    let mut pod_counter = 0usize;
    for service in &services {
        docs.extend(large_service_docs(service, &mut pod_counter, nodes));
    }

    let mut parts = Vec::new();
    let mut current = String::new();
    let mut count = 0usize;
    for doc in docs {
        if count == LARGE_DOCS_PER_PART {
            parts.push(std::mem::take(&mut current));
            count = 0;
        }
        current.push_str("---\n");
        current.push_str(&doc);
        count += 1;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn large_sim_config(services: &[LargeService]) -> String {
    let mut out = String::from(
        "apiVersion: sim.oc-llmd.io/v1\nkind: SimConfig\nmetadata:\n  name: large\nspec:\n  \
         description: >-\n    healthy plus a large generated fleet: many namespaces, many \
         LLMInferenceServices and over a\n    thousand vLLM pods on one gateway. Doctor reports \
         no problem; used for benchmarks.\n  users:\n  - name: developer\n    token: \
         developer-token\n  - name: monitoring-viewer\n    token: monitoring-viewer-token\n  \
         traffic:\n  - llmInferenceService: my-first-model/qwen3-0-6b\n    requestsPerSecond: 5.0\n    \
         prefixHitRatio: 0.86\n    eppInLoop: true\n",
    );
    for s in services {
        let rps = 0.5 + (s.index % 10) as f64 * 0.75;
        let ttft = 0.05 + (s.index % 7) as f64 * 0.02;
        let _ = write!(
            out,
            "  - llmInferenceService: {}/{}\n    requestsPerSecond: {rps:.2}\n    ttftP50Seconds: \
             {ttft:.3}\n    ttftP95Seconds: {:.3}\n    prefixHitRatio: {:.2}\n    kvUsage: {:.2}\n    \
             eppInLoop: true\n",
            s.namespace,
            s.name,
            ttft * 4.0,
            0.3 + (s.index % 6) as f64 * 0.1,
            0.1 + (s.index % 8) as f64 * 0.08,
        );
    }
    out.push_str(
        "  metrics:\n    vllm: vllm-v1\n    epp: epp-inference-model\n  gateway:\n    \
         emulateExtprocGap: true\n",
    );
    out
}

fn large_node(node: usize) -> String {
    let ip = format!("10.0.{}.{}", 100 + node / 250, node % 250 + 2);
    format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-node-{node:03}\n  labels:\n    \
         kubernetes.io/hostname: gpu-node-{node:03}\n    kubernetes.io/os: linux\n    \
         node-role.kubernetes.io/worker: \"\"\n    node.kubernetes.io/instance-type: p4d.24xlarge\n    \
         nvidia.com/gpu.present: \"true\"\n    nvidia.com/gpu.product: NVIDIA-A100-SXM4-40GB\n\
         spec:\n  providerID: aws:///us-east-1a/i-0large{node:08}\nstatus:\n  addresses:\n  - address: \
         {ip}\n    type: InternalIP\n  capacity:\n    cpu: \"96\"\n    memory: 1152Gi\n    \
         nvidia.com/gpu: \"{LARGE_GPUS_PER_NODE}\"\n    pods: \"250\"\n  allocatable:\n    cpu: \
         95500m\n    memory: 1140Gi\n    nvidia.com/gpu: \"{LARGE_GPUS_PER_NODE}\"\n    pods: \"250\"\n  \
         conditions:\n  - type: Ready\n    status: \"True\"\n    reason: KubeletReady\n    \
         lastTransitionTime: \"2026-01-12T08:24:00Z\"\n"
    )
}

fn large_namespace(namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n  labels:\n    \
         kubernetes.io/metadata.name: {namespace}\n    opendatahub.io/dashboard: \"true\"\nspec:\n  \
         finalizers:\n  - kubernetes\nstatus:\n  phase: Active\n"
    )
}

const MONITOR_LABELS: &str = "  labels:\n    app.kubernetes.io/component: llm-monitoring\n    \
                              app.kubernetes.io/part-of: llminferenceservice\n    \
                              monitoring.opendatahub.io/scrape: \"true\"\n";

const PREFIX_RELABEL: &str = "    metricRelabelings:\n    - sourceLabels:\n      - __name__\n      \
                              action: replace\n      replacement: kserve_$1\n      targetLabel: \
                              __name__\n    relabelings:\n    - sourceLabels:\n      - \
                              __meta_kubernetes_pod_label_app_kubernetes_io_name\n      action: \
                              replace\n      targetLabel: llm_isvc_name\n    - sourceLabels:\n      - \
                              __meta_kubernetes_pod_label_app_kubernetes_io_component\n      action: \
                              replace\n      regex: llminferenceservice-(.*)\n      replacement: $1\n      \
                              targetLabel: llm_isvc_component\n";

fn large_namespace_monitoring(ns: &str) -> Vec<String> {
    vec![
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata:\n  name: \
             kserve-llm-isvc-vllm-engine\n  namespace: {ns}\n{MONITOR_LABELS}spec:\n  selector:\n    \
             matchLabels:\n      app.kubernetes.io/part-of: llminferenceservice\n    matchExpressions:\n    \
             - key: app.kubernetes.io/component\n      operator: In\n      values:\n      - \
             llminferenceservice-workload\n      - llminferenceservice-workload-prefill\n      - \
             llminferenceservice-workload-worker\n      - llminferenceservice-workload-leader\n      - \
             llminferenceservice-workload-leader-prefill\n      - \
             llminferenceservice-workload-worker-prefill\n  podMetricsEndpoints:\n  - targetPort: 8000\n    \
             scheme: https\n    tlsConfig:\n      insecureSkipVerify: true\n{PREFIX_RELABEL}"
        ),
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: \
             kserve-llm-isvc-scheduler\n  namespace: {ns}\n{MONITOR_LABELS}spec:\n  selector:\n    \
             matchLabels:\n      app.kubernetes.io/component: llminferenceservice-router-scheduler\n      \
             app.kubernetes.io/part-of: llminferenceservice\n  endpoints:\n  - port: metrics\n    \
             authorization:\n      credentials:\n        name: kserve-metrics-reader-sa-secret\n        \
             key: token\n{PREFIX_RELABEL}"
        ),
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: kserve-metrics-reader-sa\n  \
             namespace: {ns}\n  uid: {}\nautomountServiceAccountToken: false\n",
            large_uid("sa", ns, 0)
        ),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: kserve-metrics-reader-sa-secret\n  \
             namespace: {ns}\n  annotations:\n    kubernetes.io/service-account.name: \
             kserve-metrics-reader-sa\n    kubernetes.io/service-account.uid: {}\ntype: \
             kubernetes.io/service-account-token\ndata:\n  token: {}\n",
            large_uid("sa", ns, 0),
            base64(&format!("sim-sa-token.{ns}.kserve-metrics-reader-sa"))
        ),
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: \
             kserve-metrics-reader-role-binding-{ns}\nroleRef:\n  apiGroup: \
             rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: \
             kserve-metrics-reader-cluster-role\nsubjects:\n- kind: ServiceAccount\n  name: \
             kserve-metrics-reader-sa\n  namespace: {ns}\n"
        ),
    ]
}

/// A deterministic UUID-shaped uid for generated objects.
fn large_uid(kind: &str, key: &str, n: usize) -> String {
    // FNV-1a over the inputs: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in kind.bytes().chain(key.bytes()).chain(n.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let low = hash.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        hash >> 32,
        (hash >> 16) & 0xffff,
        hash & 0xfff,
        low & 0xfff,
        low >> 16
    )
}

/// A deterministic pod-template-hash-like suffix of `len` characters derived from all of `key`.
fn large_hash(key: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hash: u64 = 0x1469_598d_f3a1_c2b7;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..len)
        .map(|_| {
            // splitmix64 step: every character depends on the whole key.
            hash = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = hash;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            ALPHABET[(z % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

fn base64(input: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> String {
    format!(
        "  ownerReferences:\n  - apiVersion: {api_version}\n    kind: {kind}\n    name: {name}\n    \
         uid: {uid}\n    controller: true\n    blockOwnerDeletion: true\n"
    )
}

fn labels(indent: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(String::new(), |mut out, (k, v)| {
        let _ = writeln!(out, "{indent}{k}: {v}");
        out
    })
}

const RUNNING_CONDITIONS: &str = "  conditions:\n  - type: PodScheduled\n    status: \"True\"\n    \
                                  lastTransitionTime: \"2026-02-01T10:00:00Z\"\n  - type: Initialized\n    \
                                  status: \"True\"\n    lastTransitionTime: \"2026-02-01T10:02:00Z\"\n  - \
                                  type: ContainersReady\n    status: \"True\"\n    lastTransitionTime: \
                                  \"2026-02-01T10:04:00Z\"\n  - type: Ready\n    status: \"True\"\n    \
                                  lastTransitionTime: \"2026-02-01T10:04:00Z\"\n";

const VLLM_IMAGE: &str = "registry.redhat.io/rhoai/odh-vllm-cuda-rhel9@sha256:\
                          7b8e6b1c2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b94";
const EPP_IMAGE: &str = "registry.redhat.io/rhoai/odh-llm-d-inference-scheduler-rhel9@sha256:\
                         8c9e6b1c2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b95";

fn deployment_status(replicas: usize, rs: &str) -> String {
    format!(
        "status:\n  observedGeneration: 1\n  replicas: {replicas}\n  readyReplicas: {replicas}\n  \
         availableReplicas: {replicas}\n  updatedReplicas: {replicas}\n  conditions:\n  - type: \
         Available\n    status: \"True\"\n    reason: MinimumReplicasAvailable\n    \
         lastTransitionTime: \"2026-02-01T10:04:00Z\"\n  - type: Progressing\n    status: \"True\"\n    \
         reason: NewReplicaSetAvailable\n    message: ReplicaSet \"{rs}\" has successfully progressed.\n    \
         lastTransitionTime: \"2026-02-01T10:00:00Z\"\n"
    )
}

fn pod_ip(counter: usize) -> String {
    format!(
        "10.{}.{}.{}",
        128 + counter / 62_500,
        (counter / 250) % 250,
        counter % 250 + 2
    )
}

/// Everything KServe (RHOAI 3.2) and Istio create for one generated LLMInferenceService.
fn large_service_docs(s: &LargeService, pod_counter: &mut usize, nodes: usize) -> Vec<String> {
    let (ns, name) = (s.namespace.as_str(), s.name.as_str());
    let isvc_uid = large_uid("llmisvc", ns, s.index);
    let isvc_owner = owner(
        "serving.kserve.io/v1alpha1",
        "LLMInferenceService",
        name,
        &isvc_uid,
    );
    let workload = [
        (
            "app.kubernetes.io/component",
            "llminferenceservice-workload",
        ),
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/part-of", "llminferenceservice"),
        ("kserve.io/component", "workload"),
        ("llm-d.ai/role", "both"),
    ];
    let scheduler = [
        (
            "app.kubernetes.io/component",
            "llminferenceservice-router-scheduler",
        ),
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/part-of", "llminferenceservice"),
    ];
    let pool = format!("{name}-inference-pool");
    let epp_svc = format!("{name}-epp-service");
    let mut docs = Vec::new();

    docs.push(format!(
        "apiVersion: serving.kserve.io/v1alpha1\nkind: LLMInferenceService\nmetadata:\n  name: {name}\n  \
         namespace: {ns}\n  uid: {isvc_uid}\n  generation: 1\nspec:\n  model:\n    uri: hf://{model}\n    \
         name: {model}\n  replicas: {replicas}\n  router:\n    gateway: {{}}\n    route: {{}}\n    \
         scheduler:\n      template:\n        containers:\n        - name: main\n          args:\n{args}\
         status:\n  url: http://a7f3c91d2e4b54f0a9c8d7e6f5a4b3c2-1234567890.us-east-1.elb.amazonaws.com/\
         {ns}/{name}\n  observedGeneration: 1\n  conditions:\n{conds}",
        model = s.model,
        replicas = s.replicas,
        args = epp_args("          ", ns, name),
        conds = [
            "HTTPRoutesReady",
            "InferencePoolReady",
            "MainWorkloadReady",
            "Ready",
            "RouterReady",
            "SchedulerWorkloadReady",
            "WorkloadsReady"
        ]
        .iter()
        .fold(String::new(), |mut out, t| {
            let _ = write!(
                out,
                "  - type: {t}\n    status: \"True\"\n    lastTransitionTime: \"2026-02-01T10:04:00Z\"\n"
            );
            out
        }),
    ));

    // vLLM workload.
    let deploy = format!("{name}-kserve");
    let deploy_uid = large_uid("deploy", ns, s.index);
    let rs_hash = large_hash(&format!("{ns}/{deploy}"), 10);
    let rs = format!("{deploy}-{rs_hash}");
    let rs_uid = large_uid("rs", ns, s.index);
    docs.push(format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {deploy}\n  namespace: {ns}\n  uid: \
         {deploy_uid}\n  generation: 1\n  labels:\n{l2}{isvc_owner}spec:\n  replicas: {r}\n  selector:\n    \
         matchLabels:\n{l6}  template:\n    metadata:\n      labels:\n{l8}    spec:\n      containers:\n      \
         - name: main\n        image: {VLLM_IMAGE}\n{dstatus}",
        l2 = labels("    ", &workload),
        l6 = labels("      ", &workload),
        l8 = labels("        ", &workload),
        r = s.replicas,
        dstatus = deployment_status(s.replicas, &rs),
    ));
    let mut rs_labels = workload.to_vec();
    rs_labels.push(("pod-template-hash", &rs_hash));
    docs.push(format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {rs}\n  namespace: {ns}\n  uid: {rs_uid}\n  \
         labels:\n{l2}{o}spec:\n  replicas: {r}\n  selector:\n    matchLabels:\n{l6}status:\n  replicas: {r}\n  \
         fullyLabeledReplicas: {r}\n  readyReplicas: {r}\n  availableReplicas: {r}\n",
        l2 = labels("    ", &rs_labels),
        l6 = labels("      ", &rs_labels),
        o = owner("apps/v1", "Deployment", &deploy, &deploy_uid),
        r = s.replicas,
    ));
    for replica in 0..s.replicas {
        let pod = format!("{rs}-{}", large_hash(&format!("{rs}/{replica}"), 5));
        let counter = *pod_counter;
        *pod_counter += 1;
        let node = (counter / LARGE_GPUS_PER_NODE) % nodes;
        let ip = pod_ip(counter);
        docs.push(format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: {ns}\n  uid: {uid}\n  labels:\n\
             {l2}{o}spec:\n  containers:\n  - name: main\n    image: {VLLM_IMAGE}\n    command:\n    - /bin/bash\n    \
             - -c\n    args:\n    - eval \"vllm serve /mnt/models --served-model-name \\\"{model}\\\" --port 8000 \
             --disable-log-requests ${{VLLM_ADDITIONAL_ARGS}} --enable-ssl-refresh --ssl-certfile \
             /var/run/kserve/tls/tls.crt --ssl-keyfile /var/run/kserve/tls/tls.key\"\n    env:\n    - name: \
             VLLM_ADDITIONAL_ARGS\n      value: --max-model-len=8192\n    ports:\n    - containerPort: 8000\n      \
             protocol: TCP\n    resources:\n      limits:\n        nvidia.com/gpu: \"1\"\n  nodeName: \
             gpu-node-{node:03}\nstatus:\n  phase: Running\n  podIP: {ip}\n  podIPs:\n  - ip: {ip}\n  startTime: \
             \"2026-02-01T10:00:00Z\"\n  qosClass: Burstable\n{RUNNING_CONDITIONS}  containerStatuses:\n  - name: \
             main\n    image: {VLLM_IMAGE}\n    ready: true\n    started: true\n    restartCount: 0\n    \
             state:\n      running:\n        startedAt: \"2026-02-01T10:02:00Z\"\n",
            uid = large_uid("pod", &pod, replica),
            l2 = labels("    ", &rs_labels),
            o = owner("apps/v1", "ReplicaSet", &rs, &rs_uid),
            model = s.model,
        ));
    }

    // Scheduler (EPP).
    let sched = format!("{name}-kserve-router-scheduler");
    let sched_uid = large_uid("sched", ns, s.index);
    let srs_hash = large_hash(&format!("{ns}/{sched}"), 10);
    let srs = format!("{sched}-{srs_hash}");
    let srs_uid = large_uid("srs", ns, s.index);
    let mut srs_labels = scheduler.to_vec();
    srs_labels.push(("pod-template-hash", &srs_hash));
    docs.push(format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {sched}\n  namespace: {ns}\n  uid: \
         {sched_uid}\n  generation: 1\n  labels:\n{l2}{isvc_owner}spec:\n  replicas: 1\n  selector:\n    \
         matchLabels:\n{l6}  template:\n    metadata:\n      labels:\n{l8}    spec:\n      containers:\n      \
         - name: main\n        image: {EPP_IMAGE}\n        args:\n{args}{dstatus}",
        l2 = labels("    ", &scheduler),
        l6 = labels("      ", &scheduler),
        l8 = labels("        ", &scheduler),
        args = epp_args("        ", ns, name),
        dstatus = deployment_status(1, &srs),
    ));
    docs.push(format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {srs}\n  namespace: {ns}\n  uid: {srs_uid}\n  \
         labels:\n{l2}{o}spec:\n  replicas: 1\n  selector:\n    matchLabels:\n{l6}status:\n  replicas: 1\n  \
         fullyLabeledReplicas: 1\n  readyReplicas: 1\n  availableReplicas: 1\n",
        l2 = labels("    ", &srs_labels),
        l6 = labels("      ", &srs_labels),
        o = owner("apps/v1", "Deployment", &sched, &sched_uid),
    ));
    let epp_pod = format!("{srs}-{}", large_hash(&format!("{srs}/0"), 5));
    let epp_ip = pod_ip(*pod_counter);
    *pod_counter += 1;
    docs.push(format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {epp_pod}\n  namespace: {ns}\n  uid: {uid}\n  labels:\n\
         {l2}{o}spec:\n  serviceAccountName: {name}-epp-sa\n  containers:\n  - name: main\n    image: {EPP_IMAGE}\n    \
         args:\n{args}    ports:\n    - containerPort: 9002\n      name: grpc\n      protocol: TCP\n    - \
         containerPort: 9003\n      name: grpc-health\n      protocol: TCP\n    - containerPort: 9090\n      name: \
         metrics\n      protocol: TCP\n  nodeName: gpu-node-{node:03}\nstatus:\n  phase: Running\n  podIP: \
         {epp_ip}\n  podIPs:\n  - ip: {epp_ip}\n  startTime: \"2026-02-01T10:00:00Z\"\n  qosClass: Burstable\n\
         {RUNNING_CONDITIONS}  containerStatuses:\n  - name: main\n    image: {EPP_IMAGE}\n    ready: true\n    \
         started: true\n    restartCount: 0\n    state:\n      running:\n        startedAt: \
         \"2026-02-01T10:01:00Z\"\n",
        uid = large_uid("pod", &epp_pod, 0),
        l2 = labels("    ", &srs_labels),
        o = owner("apps/v1", "ReplicaSet", &srs, &srs_uid),
        args = epp_args("    ", ns, name),
        node = s.index % nodes,
    ));

    // Services, pool, model, route, destination rules, TLS secret.
    let svc_labels_workload = labels("    ", &workload[..3]);
    docs.push(format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}-kserve-workload-svc\n  namespace: {ns}\n  \
         labels:\n{svc_labels_workload}{isvc_owner}spec:\n  type: ClusterIP\n  ports:\n  - name: https\n    port: \
         8000\n    protocol: TCP\n    targetPort: 8000\n    appProtocol: https\n  selector:\n    \
         app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: llminferenceservice\n    \
         kserve.io/component: workload\n"
    ));
    docs.push(format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {epp_svc}\n  namespace: {ns}\n  labels:\n{l2}\
         {isvc_owner}spec:\n  type: ClusterIP\n  ports:\n  - name: grpc\n    port: 9002\n    protocol: TCP\n    \
         targetPort: 9002\n  - name: grpc-health\n    port: 9003\n    protocol: TCP\n    targetPort: 9003\n  - \
         name: metrics\n    port: 9090\n    protocol: TCP\n    targetPort: 9090\n  selector:\n{l4}",
        l2 = labels("    ", &scheduler),
        l4 = labels("    ", &scheduler),
    ));
    docs.push(format!(
        "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferencePool\nmetadata:\n  name: {pool}\n  \
         namespace: {ns}\n  uid: {uid}\n  generation: 1\n  labels:\n{l2}{isvc_owner}spec:\n  extensionRef:\n    \
         failureMode: FailOpen\n    kind: Service\n    name: {epp_svc}\n  selector:\n    app.kubernetes.io/name: \
         {name}\n    app.kubernetes.io/part-of: llminferenceservice\n    kserve.io/component: workload\n  \
         targetPortNumber: 8000\nstatus:\n  parent:\n  - parentRef:\n      group: gateway.networking.k8s.io\n      \
         kind: Gateway\n      name: openshift-ai-inference\n      namespace: openshift-ingress\n    conditions:\n    \
         - type: Accepted\n      status: \"True\"\n      reason: Accepted\n      message: Referenced by an \
         HTTPRoute accepted by the parentRef Gateway\n      lastTransitionTime: \"2026-02-01T10:00:10Z\"\n    - \
         type: ResolvedRefs\n      status: \"True\"\n      reason: ResolvedRefs\n      message: Resolved \
         ExtensionRef\n      lastTransitionTime: \"2026-02-01T10:00:10Z\"\n",
        uid = large_uid("pool", ns, s.index),
        l2 = labels("    ", &scheduler),
    ));
    docs.push(format!(
        "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceModel\nmetadata:\n  name: \
         {name}-inference-model\n  namespace: {ns}\n  labels:\n{l2}{isvc_owner}spec:\n  criticality: Critical\n  \
         modelName: {model}\n  poolRef:\n    group: inference.networking.x-k8s.io\n    kind: InferencePool\n    \
         name: {pool}\n",
        l2 = labels("    ", &scheduler),
        model = s.model,
    ));
    let pool_rule = |path: &str| {
        format!(
            "  - backendRefs:\n    - group: inference.networking.x-k8s.io\n      kind: InferencePool\n      name: \
             {pool}\n      port: 8000\n      weight: 1\n    matches:\n    - path:\n        type: PathPrefix\n        \
             value: /{ns}/{name}{path}\n    filters:\n    - type: URLRewrite\n      urlRewrite:\n        path:\n          \
             type: ReplacePrefixMatch\n          replacePrefixMatch: {path}\n"
        )
    };
    docs.push(format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: {name}-kserve-route\n  \
         namespace: {ns}\n  generation: 1\n  labels:\n    app.kubernetes.io/component: \
         llminferenceservice-router\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: \
         llminferenceservice\n{isvc_owner}spec:\n  parentRefs:\n  - group: gateway.networking.k8s.io\n    kind: \
         Gateway\n    name: openshift-ai-inference\n    namespace: openshift-ingress\n  rules:\n{r0}{r1}  - \
         backendRefs:\n    - kind: Service\n      name: {name}-kserve-workload-svc\n      port: 8000\n      weight: \
         1\n    matches:\n    - path:\n        type: PathPrefix\n        value: /{ns}/{name}\n    filters:\n    - \
         type: URLRewrite\n      urlRewrite:\n        path:\n          type: ReplacePrefixMatch\n          \
         replacePrefixMatch: /\nstatus:\n  parents:\n  - parentRef:\n      group: gateway.networking.k8s.io\n      \
         kind: Gateway\n      name: openshift-ai-inference\n      namespace: openshift-ingress\n    \
         controllerName: openshift.io/gateway-controller/v1\n    conditions:\n    - type: Accepted\n      status: \
         \"True\"\n      reason: Accepted\n      message: Route was valid\n      lastTransitionTime: \
         \"2026-02-01T10:00:08Z\"\n    - type: ResolvedRefs\n      status: \"True\"\n      reason: ResolvedRefs\n      \
         message: All references resolved\n      lastTransitionTime: \"2026-02-01T10:00:08Z\"\n",
        r0 = pool_rule("/v1/completions"),
        r1 = pool_rule("/v1/chat/completions"),
    ));
    for (dr, host) in [
        ("kserve-workload-svc", format!("{name}-kserve-workload-svc")),
        ("kserve-scheduler", epp_svc.clone()),
    ] {
        docs.push(format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: {name}-{dr}\n  \
             namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: \
             llminferenceservice\n    llm-d.ai/managed: \"true\"\n{isvc_owner}spec:\n  host: \
             {host}.{ns}.svc.cluster.local\n  trafficPolicy:\n    tls:\n      insecureSkipVerify: true\n      \
             mode: SIMPLE\n"
        ));
    }
    docs.push(format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}-epp-sa\n  namespace: {ns}\n  \
         labels:\n{l2}{isvc_owner}",
        l2 = labels("    ", &scheduler),
    ));
    docs.push(format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}-kserve-self-signed-certs\n  namespace: {ns}\n\
         {isvc_owner}type: kubernetes.io/tls\ndata:\n  tls.crt: {crt}\n  tls.key: {key}\n",
        crt = base64(&format!("-----BEGIN CERTIFICATE-----\nsimulated {ns}/{name}\n-----END CERTIFICATE-----\n")),
        key = base64("-----BEGIN PRIVATE KEY-----\nsimulated\n-----END PRIVATE KEY-----\n"),
    ));
    docs
}

/// The scheduler args of a healthy RHOAI 3.2 EPP (TLS flags on), as a YAML list at `indent`.
fn epp_args(indent: &str, ns: &str, name: &str) -> String {
    [
        "--pool-name",
        &format!("{name}-inference-pool"),
        "--pool-namespace",
        ns,
        "--pool-group",
        "inference.networking.x-k8s.io",
        "--zap-encoder",
        "json",
        "--grpc-port",
        "\"9002\"",
        "--grpc-health-port",
        "\"9003\"",
        "--secure-serving",
        "--cert-path",
        "/var/run/kserve/tls",
        "--model-server-metrics-scheme",
        "https",
        "--model-server-metrics-https-insecure-skip-verify",
    ]
    .iter()
    .fold(String::new(), |mut out, arg| {
        let _ = writeln!(out, "{indent}- {arg}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    use std::sync::{Arc, Mutex, OnceLock};

    /// Groups whose kinds Kubernetes serves without a CRD.
    const BUILT_IN_GROUPS: &[&str] = &[
        "",
        "apps",
        "batch",
        "rbac.authorization.k8s.io",
        "apiextensions.k8s.io",
        "networking.k8s.io",
        "policy",
        "storage.k8s.io",
        "coordination.k8s.io",
        "autoscaling",
    ];

    /// Parses a multi-document text once per test binary (the shared texts recur in every chain).
    fn parse(text: &str) -> Arc<Vec<Value>> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<Value>>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(docs) = cache.lock().expect("cache lock").get(text) {
            return Arc::clone(docs);
        }
        let docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("scenario YAML parses");
        let docs = Arc::new(
            docs.into_iter()
                .filter(|d| !d.is_null())
                .collect::<Vec<_>>(),
        );
        cache
            .lock()
            .expect("cache lock")
            .insert(text.to_owned(), Arc::clone(&docs));
        docs
    }

    fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
        path.iter()
            .try_fold(v, |v, k| v.get(k))
            .and_then(Value::as_str)
    }

    fn group_of(api_version: &str) -> &str {
        api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    fn is_sim(doc: &Value) -> bool {
        str_at(doc, &["kind"]) == Some("SimConfig")
    }

    /// `apiVersion/kind/namespace/name` (cluster-scoped: `apiVersion/kind/name`); the group only,
    /// not the version, identifies the object.
    fn identity(doc: &Value) -> String {
        let api = str_at(doc, &["apiVersion"]).unwrap_or_default();
        let kind = str_at(doc, &["kind"]).unwrap_or_default();
        let name = str_at(doc, &["metadata", "name"]).unwrap_or_default();
        match str_at(doc, &["metadata", "namespace"]) {
            Some(ns) => format!("{}/{kind}/{ns}/{name}", group_of(api)),
            None => format!("{}/{kind}/{name}", group_of(api)),
        }
    }

    fn removal_identity(entry: &str) -> String {
        let parts: Vec<&str> = entry.split('/').collect();
        // core group entries start with "v1/"; grouped ones with "group/version/".
        let rest = if parts.first() == Some(&"v1") {
            &parts[1..]
        } else {
            &parts[2..]
        };
        let group = if parts.first() == Some(&"v1") {
            ""
        } else {
            parts[0]
        };
        format!("{group}/{}", rest.join("/"))
    }

    /// The cluster a loader builds from the texts: objects by identity, plus the last SimConfig.
    struct Cluster {
        objects: BTreeMap<String, Value>,
        sim: Option<Value>,
    }

    fn apply(cluster: &mut Cluster, text: &str) {
        for doc in parse(text).iter().cloned() {
            if is_sim(&doc) {
                for entry in doc["spec"]["remove"].as_array().into_iter().flatten() {
                    let id = removal_identity(entry.as_str().expect("remove entries are strings"));
                    assert!(
                        cluster.objects.remove(&id).is_some(),
                        "remove of absent object {id}"
                    );
                }
                cluster.sim = Some(doc);
            } else {
                cluster.objects.insert(identity(&doc), doc);
            }
        }
    }

    fn load(texts: &[String]) -> Cluster {
        let mut cluster = Cluster {
            objects: BTreeMap::new(),
            sim: None,
        };
        for text in texts {
            apply(&mut cluster, text);
        }
        cluster
    }

    fn own_text(scenario: &Scenario) -> Vec<String> {
        match scenario.source {
            Source::File(text) => vec![text.to_owned()],
            Source::Large => large_fixture_parts(LARGE_NAMESPACES, LARGE_SERVICES),
        }
    }

    fn is_dns1123_label(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-')
    }

    fn is_dns1123_subdomain(name: &str) -> bool {
        name.len() <= 253 && name.split('.').all(is_dns1123_label)
    }

    #[test]
    fn registry_names_are_unique_and_resolvable() {
        let mut seen = BTreeSet::new();
        for s in all() {
            assert!(seen.insert(s.name), "duplicate scenario {}", s.name);
            assert!(is_dns1123_label(s.name), "scenario name {}", s.name);
            assert!(!s.description.is_empty());
            let texts = fixtures(s.name).expect("fixtures resolve");
            assert!(!texts.is_empty());
            assert_eq!(get(s.name).map(|g| g.name), Some(s.name));
        }
        assert!(get("no-such-scenario").is_none());
        assert!(fixtures("no-such-scenario").is_none());
    }

    #[test]
    fn fixtures_come_in_load_order() {
        let texts = fixtures("fail-pd-no-profile-handler").expect("registered");
        assert_eq!(texts.len(), 5);
        assert_eq!(texts[0], CRDS);
        assert!(texts[1].contains("name: seed-day0"));
        assert!(texts[2].contains("name: healthy"));
        assert!(texts[3].contains("name: pd-disaggregated"));
        assert!(texts[4].contains("name: fail-pd-no-profile-handler"));
        let plain = fixtures("plain-kubernetes").expect("registered");
        assert_eq!(plain.len(), 1, "plain-kubernetes carries its own CRDs");
    }

    #[test]
    fn every_document_is_a_named_object() {
        for s in all() {
            for text in fixtures(s.name).expect("registered") {
                let parsed = parse(&text);
                let objects: Vec<&Value> = parsed.iter().filter(|d| !is_sim(d)).collect();
                let unique: BTreeSet<String> = objects.iter().map(|d| identity(d)).collect();
                assert_eq!(
                    unique.len(),
                    objects.len(),
                    "{}: an object appears twice in one text",
                    s.name
                );
                for doc in parse(&text).iter() {
                    let doc = doc.clone();
                    let api = str_at(&doc, &["apiVersion"]);
                    let kind = str_at(&doc, &["kind"]);
                    let name = str_at(&doc, &["metadata", "name"]);
                    assert!(
                        api.is_some() && kind.is_some() && name.is_some(),
                        "{}: document without apiVersion/kind/metadata.name: {doc}",
                        s.name
                    );
                    let name = name.unwrap_or_default();
                    assert!(is_dns1123_subdomain(name), "{}: name {name:?}", s.name);
                    if let Some(ns) = str_at(&doc, &["metadata", "namespace"]) {
                        assert!(is_dns1123_label(ns), "{}: namespace {ns:?}", s.name);
                    }
                    if matches!(kind, Some("Namespace" | "Service")) {
                        assert!(is_dns1123_label(name), "{}: {kind:?} {name:?}", s.name);
                    }
                }
            }
        }
    }

    #[test]
    fn every_custom_kind_has_its_crd() {
        let shared = parse(CRDS);
        for s in all() {
            let texts = fixtures(s.name).expect("registered");
            let docs: Vec<Value> = texts.iter().flat_map(|t| parse(t).to_vec()).collect();
            let crds: Vec<&Value> = docs
                .iter()
                .filter(|d| str_at(d, &["kind"]) == Some("CustomResourceDefinition"))
                .collect();
            let served = |group: &str, version: &str, kind: &str| {
                crds.iter().any(|crd| {
                    str_at(crd, &["spec", "group"]) == Some(group)
                        && str_at(crd, &["spec", "names", "kind"]) == Some(kind)
                        && crd["spec"]["versions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|v| {
                                v["name"].as_str() == Some(version)
                                    && v["served"].as_bool() == Some(true)
                            })
                })
            };
            for doc in docs.iter().filter(|d| !is_sim(d)) {
                let api = str_at(doc, &["apiVersion"]).unwrap_or_default();
                let kind = str_at(doc, &["kind"]).unwrap_or_default();
                let group = group_of(api);
                if BUILT_IN_GROUPS.contains(&group) {
                    continue;
                }
                let version = api.rsplit('/').next().unwrap_or_default();
                assert!(
                    served(group, version, kind),
                    "{}: no CRD serves {api} {kind}",
                    s.name
                );
                // crds.yaml alone covers every kind an OpenShift scenario uses, except where a
                // scenario replaces a CRD to serve a newer version.
                if s.shared_crds {
                    assert!(
                        shared
                            .iter()
                            .any(|crd| str_at(crd, &["spec", "group"]) == Some(group)
                                && str_at(crd, &["spec", "names", "kind"]) == Some(kind)),
                        "{}: crds.yaml lacks {group} {kind}",
                        s.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_overlay_changes_something() {
        for s in all().iter().filter(|s| s.base.is_some()) {
            let base = load(&fixtures(s.base.unwrap_or_default()).expect("base registered"));
            let mut changes = 0usize;
            for text in own_text(s) {
                for doc in parse(&text).iter() {
                    if is_sim(doc) {
                        let strip = |v: &Value| {
                            let mut spec = v["spec"].clone();
                            if let Some(map) = spec.as_object_mut() {
                                map.remove("description");
                            }
                            spec
                        };
                        let base_spec = base.sim.as_ref().map(strip);
                        if Some(strip(doc)) != base_spec {
                            changes += 1;
                        }
                        continue;
                    }
                    let id = identity(doc);
                    match base.objects.get(&id) {
                        Some(old) => {
                            assert_ne!(old, doc, "{}: {id} repeats its base unchanged", s.name);
                            changes += 1;
                        }
                        None => changes += 1,
                    }
                }
            }
            assert!(
                changes > 0,
                "{} changes nothing against {:?}",
                s.name,
                s.base
            );
            // Applying the overlay on its base must succeed (every removal names a real object).
            let _ = load(&fixtures(s.name).expect("registered"));
        }
    }

    #[test]
    fn every_scenario_has_one_effective_sim_config_with_a_description() {
        for s in all() {
            let cluster = load(&fixtures(s.name).expect("registered"));
            let sim = cluster
                .sim
                .unwrap_or_else(|| panic!("{} has no SimConfig", s.name));
            let config: crate::config::SimConfig =
                serde_json::from_value(sim["spec"].clone()).expect("SimConfig spec deserializes");
            assert!(
                !config.description.trim().is_empty(),
                "{}: empty description",
                s.name
            );
            assert_eq!(
                str_at(&sim, &["metadata", "name"]),
                Some(s.name),
                "{}: SimConfig name",
                s.name
            );
            for t in &config.traffic {
                let (ns, name) = t
                    .llm_inference_service
                    .split_once('/')
                    .expect("namespace/name");
                let id = format!("serving.kserve.io/LLMInferenceService/{ns}/{name}");
                assert!(
                    cluster.objects.contains_key(&id),
                    "{}: traffic for missing {id}",
                    s.name
                );
                for pod in t.split.keys() {
                    let pod_id = format!("/Pod/{ns}/{pod}");
                    assert!(
                        cluster.objects.contains_key(&pod_id),
                        "{}: split names missing {pod_id}",
                        s.name
                    );
                }
            }
        }
    }

    #[test]
    fn owner_references_and_uids_are_consistent() {
        for s in all() {
            let cluster = load(&fixtures(s.name).expect("registered"));
            let mut uids = BTreeMap::new();
            let mut by_name = BTreeMap::new();
            for (id, obj) in &cluster.objects {
                if let Some(uid) = str_at(obj, &["metadata", "uid"])
                    && let Some(other) = uids.insert(uid.to_owned(), id.clone())
                {
                    panic!("{}: uid {uid} used by {id} and {other}", s.name);
                }
                let kind = str_at(obj, &["kind"]).unwrap_or_default();
                let ns = str_at(obj, &["metadata", "namespace"]).unwrap_or_default();
                let name = str_at(obj, &["metadata", "name"]).unwrap_or_default();
                let group = group_of(str_at(obj, &["apiVersion"]).unwrap_or_default());
                by_name.insert(
                    (format!("{group}/{kind}"), ns.to_owned(), name.to_owned()),
                    obj,
                );
            }
            for (id, obj) in &cluster.objects {
                let ns = str_at(obj, &["metadata", "namespace"]).unwrap_or_default();
                for owner in obj["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let group = group_of(owner["apiVersion"].as_str().unwrap_or_default());
                    let kind = format!("{group}/{}", owner["kind"].as_str().unwrap_or_default());
                    let name = owner["name"].as_str().unwrap_or_default().to_owned();
                    let target = by_name
                        .get(&(kind.clone(), ns.to_owned(), name.clone()))
                        .or_else(|| by_name.get(&(kind.clone(), String::new(), name.clone())))
                        .unwrap_or_else(|| {
                            panic!("{}: {id} owned by missing {kind} {name}", s.name)
                        });
                    assert_eq!(
                        str_at(target, &["metadata", "uid"]),
                        owner["uid"].as_str(),
                        "{}: {id} owner uid",
                        s.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_pod_of_a_service_matches_its_selectors() {
        // vLLM pods must be selected by the pool, the workload Service and the PodMonitor selector.
        for s in all() {
            let cluster = load(&fixtures(s.name).expect("registered"));
            let pools = cluster
                .objects
                .values()
                .filter(|o| str_at(o, &["kind"]) == Some("InferencePool"));
            for pool in pools {
                let ns = str_at(pool, &["metadata", "namespace"]).unwrap_or_default();
                let selector = if pool["spec"]["selector"]["matchLabels"].is_object() {
                    &pool["spec"]["selector"]["matchLabels"]
                } else {
                    &pool["spec"]["selector"]
                };
                let selected = cluster
                    .objects
                    .values()
                    .filter(|o| str_at(o, &["kind"]) == Some("Pod"))
                    .filter(|o| str_at(o, &["metadata", "namespace"]) == Some(ns))
                    .filter(|o| {
                        selector
                            .as_object()
                            .into_iter()
                            .flatten()
                            .all(|(k, v)| o["metadata"]["labels"][k.as_str()] == *v)
                    })
                    .count();
                assert!(
                    selected > 0,
                    "{}: pool {} selects no pod",
                    s.name,
                    identity(pool)
                );
            }
        }
    }

    #[test]
    fn failure_files_name_the_check_the_registry_expects() {
        for s in all().iter().filter(|s| s.name.starts_with("fail-")) {
            let Source::File(text) = s.source else {
                panic!("{} is not a file", s.name)
            };
            let first = s
                .expected
                .first()
                .unwrap_or_else(|| panic!("{} expects nothing", s.name));
            let line = if first.subject.is_empty() {
                format!(
                    "# Expected doctor result: check `{}` fails cluster-wide.",
                    first.check
                )
            } else {
                format!(
                    "# Expected doctor result: check `{}` fails for `{}`.",
                    first.check, first.subject
                )
            };
            assert!(text.contains(&line), "{}: header lacks {line:?}", s.name);
        }
        for s in all()
            .iter()
            .filter(|s| !s.name.starts_with("fail-") && s.name != "seed-day0")
        {
            assert!(
                s.expected
                    .iter()
                    .all(|f| f.status == ExpectedStatus::Warning),
                "{} is meant to have no error",
                s.name
            );
        }
    }

    #[test]
    fn large_meets_its_minimums_and_is_deterministic() {
        let parts = large_fixture_parts(200, 100);
        assert_eq!(
            parts,
            large_fixture_parts(200, 100),
            "generation is deterministic"
        );
        assert_eq!(large_fixture(200, 100), parts.concat());
        let docs: Vec<Value> = parts.iter().flat_map(|p| parse(p).to_vec()).collect();
        let count = |kind: &str| {
            docs.iter()
                .filter(|d| str_at(d, &["kind"]) == Some(kind))
                .count()
        };
        assert!(
            count("Namespace") >= 200,
            "namespaces: {}",
            count("Namespace")
        );
        assert!(count("LLMInferenceService") >= 100);
        assert_eq!(count("InferencePool"), 100);
        assert_eq!(count("HTTPRoute"), 100);
        assert!(count("Pod") >= 1000, "pods: {}", count("Pod"));
        let identities: BTreeSet<String> = docs.iter().map(identity).collect();
        assert_eq!(
            identities.len(),
            docs.len(),
            "generated objects have unique identities"
        );
        for part in &parts {
            assert!(parse(part).len() <= LARGE_DOCS_PER_PART);
        }
        let registered = load(&fixtures("large").expect("registered"));
        let pods = registered
            .objects
            .keys()
            .filter(|k| k.starts_with("/Pod/"))
            .count();
        assert!(pods >= 1000, "registered large has {pods} pods");
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(""), "");
        assert_eq!(base64("f"), "Zg==");
        assert_eq!(base64("fo"), "Zm8=");
        assert_eq!(base64("foo"), "Zm9v");
        assert_eq!(base64("my-first-model"), "bXktZmlyc3QtbW9kZWw=");
    }

    #[test]
    fn generated_hashes_look_like_kubernetes_suffixes() {
        let h = large_hash("team-001/qwen3-8b-000-kserve", 10);
        assert_eq!(h.len(), 10);
        assert!(is_dns1123_label(&h));
        assert_eq!(large_hash("ab", 5).len(), 5);
        assert_ne!(large_hash("a", 5), large_hash("b", 5));
        assert_ne!(
            large_hash("same-long-prefix/0", 5),
            large_hash("same-long-prefix/1", 5)
        );
        assert_ne!(large_uid("pod", "x", 0), large_uid("pod", "x", 1));
    }
}
