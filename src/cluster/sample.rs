//! A complete, healthy snapshot (OpenShift 4.19, RHOAI 3.2, Istio 1.26.2 with the ext_proc
//! EnvoyFilter workaround, UWM on, Grafana wired to Thanos Querier, one LLMInferenceService
//! `demo/qwen` with two vLLM pods). Tests start from it and break one thing at a time; every
//! doctor check passes on it (a test asserts that).

use std::collections::BTreeMap;

use super::model::*;
use super::parse::fingerprint;

pub const NS: &str = "demo";
pub const NAME: &str = "qwen";
pub const GATEWAY: &str = "openshift-ai-inference";
pub const GRAFANA_NS: &str = "llm-d-monitoring";
pub const TOKEN: &str = "sample-sa-token";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Labels KServe puts on the vLLM pods of `name`.
pub fn workload_labels(name: &str, prefill: bool) -> BTreeMap<String, String> {
    map(&[
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/part-of", "llminferenceservice"),
        (
            "app.kubernetes.io/component",
            if prefill {
                "llminferenceservice-workload-prefill"
            } else {
                "llminferenceservice-workload"
            },
        ),
        ("kserve.io/component", "workload"),
        ("llm-d.ai/role", if prefill { "prefill" } else { "both" }),
    ])
}

pub fn scheduler_labels(name: &str) -> BTreeMap<String, String> {
    map(&[
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/part-of", "llminferenceservice"),
        (
            "app.kubernetes.io/component",
            "llminferenceservice-router-scheduler",
        ),
    ])
}

/// A running, ready vLLM pod.
pub fn vllm_pod(ns: &str, isvc: &str, pod: &str, prefill: bool) -> Pod {
    Pod {
        namespace: ns.into(),
        name: pod.into(),
        labels: workload_labels(isvc, prefill),
        phase: "Running".into(),
        ready: true,
        containers: vec![Container {
            name: "main".into(),
            image: "registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2".into(),
            args: strings(&[
                "vllm",
                "serve",
                "/mnt/models",
                "--port",
                "8000",
                "--ssl-certfile",
                "/etc/ssl/certs/tls.crt",
            ]),
            ports: vec![NamedPort {
                name: "https".into(),
                port: 8000,
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The scheduler args of the RHOAI preset, TLS included.
pub fn scheduler_args(ns: &str, isvc: &str) -> Vec<String> {
    let pool = format!("{isvc}-inference-pool");
    strings(&[
        "--pool-name",
        &pool,
        "--pool-namespace",
        ns,
        "--pool-group",
        "inference.networking.x-k8s.io",
        "--grpc-port",
        "9002",
        "--grpc-health-port",
        "9003",
        "--secure-serving",
        "--model-server-metrics-scheme",
        "https",
        "--cert-path",
        "/var/run/kserve/tls",
    ])
}

pub fn epp_pod(ns: &str, isvc: &str) -> Pod {
    Pod {
        namespace: ns.into(),
        name: format!("{isvc}-kserve-router-scheduler-7d9f8-abcde"),
        labels: scheduler_labels(isvc),
        phase: "Running".into(),
        ready: true,
        containers: vec![Container {
            name: "main".into(),
            image: "quay.io/opendatahub/llm-d-inference-scheduler:odh-v2.33".into(),
            args: scheduler_args(ns, isvc),
            own_args: scheduler_args(ns, isvc),
            ports: vec![
                NamedPort {
                    name: "grpc".into(),
                    port: 9002,
                },
                NamedPort {
                    name: "metrics".into(),
                    port: 9090,
                },
            ],
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub fn epp_service(ns: &str, isvc: &str) -> Service {
    Service {
        namespace: ns.into(),
        name: format!("{isvc}-epp-service"),
        labels: scheduler_labels(isvc),
        selector: scheduler_labels(isvc),
        ports: [("grpc", 9002), ("grpc-health", 9003), ("metrics", 9090)]
            .into_iter()
            .map(|(n, p)| ServicePort {
                name: n.into(),
                port: p,
                target_port: Some(p.to_string()),
            })
            .collect(),
    }
}

pub fn pool(ns: &str, isvc: &str, api: PoolApi) -> InferencePool {
    InferencePool {
        api,
        namespace: ns.into(),
        name: format!("{isvc}-inference-pool"),
        labels: scheduler_labels(isvc),
        selector: map(&[
            ("app.kubernetes.io/name", isvc),
            ("app.kubernetes.io/part-of", "llminferenceservice"),
            ("kserve.io/component", "workload"),
        ]),
        target_ports: vec![8000],
        epp: Some(EppRef {
            name: format!("{isvc}-epp-service"),
            kind: "Service".into(),
            port: Some(9002),
            failure_mode: Some("FailOpen".into()),
        }),
        parents: vec![PoolParent {
            kind: "Gateway".into(),
            namespace: "openshift-ingress".into(),
            name: GATEWAY.into(),
            conditions: vec![
                Condition::new("Accepted", "True"),
                Condition::new("ResolvedRefs", "True"),
            ],
        }],
    }
}

/// KServe's default route: two rules to the pool, one to the workload Service.
pub fn route(ns: &str, isvc: &str, gateway: &str, api: PoolApi) -> HttpRoute {
    let pool_backend = BackendRef {
        group: api.group().into(),
        kind: "InferencePool".into(),
        namespace: ns.into(),
        name: format!("{isvc}-inference-pool"),
        port: Some(8000),
    };
    let gw = ParentRef {
        kind: "Gateway".into(),
        namespace: "openshift-ingress".into(),
        name: gateway.into(),
    };
    HttpRoute {
        namespace: ns.into(),
        name: format!("{isvc}-kserve-route"),
        labels: map(&[
            ("app.kubernetes.io/name", isvc),
            ("app.kubernetes.io/part-of", "llminferenceservice"),
            ("app.kubernetes.io/component", "llminferenceservice-router"),
        ]),
        parent_refs: vec![gw.clone()],
        rules: vec![
            RouteRule {
                backends: vec![pool_backend.clone()],
                filters: strings(&["URLRewrite"]),
                paths: vec![format!("/{ns}/{isvc}/v1/completions")],
                ..Default::default()
            },
            RouteRule {
                backends: vec![pool_backend],
                filters: strings(&["URLRewrite"]),
                paths: vec![format!("/{ns}/{isvc}/v1/chat/completions")],
                ..Default::default()
            },
            RouteRule {
                backends: vec![BackendRef {
                    kind: "Service".into(),
                    namespace: ns.into(),
                    name: format!("{isvc}-kserve-workload-svc"),
                    port: Some(8000),
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
        parents: vec![RouteParentStatus {
            parent: gw,
            controller: "openshift.io/gateway-controller/v1".into(),
            conditions: vec![
                Condition::new("Accepted", "True"),
                Condition::new("ResolvedRefs", "True"),
            ],
        }],
    }
}

pub fn gateway(name: &str) -> Gateway {
    Gateway {
        namespace: "openshift-ingress".into(),
        name: name.into(),
        class: "openshift-default".into(),
        addresses: vec!["10.0.0.10".into()],
        conditions: vec![Condition::new("Programmed", "True")],
        listeners: vec![GatewayListener {
            name: "http".into(),
            port: 80,
            protocol: "HTTP".into(),
            hostname: None,
        }],
    }
}

/// The HTTP_FILTER EnvoyFilter workaround for one gateway and one EPP service.
pub fn envoy_filter(gateway: &str, ns: &str, isvc: &str) -> EnvoyFilter {
    EnvoyFilter {
        namespace: "openshift-ingress".into(),
        name: format!("{gateway}-extproc-fix"),
        workload_selector: Some(map(&[("gateway.networking.k8s.io/gateway-name", gateway)])),
        target_refs: vec![],
        patches: vec![EnvoyPatch {
            apply_to: "HTTP_FILTER".into(),
            operation: "MERGE".into(),
            sub_filter: Some("envoy.filters.http.ext_proc".into()),
            route_name: None,
            cluster_name: Some(format!(
                "outbound|9002||{isvc}-epp-service.{ns}.svc.cluster.local"
            )),
            request_body_mode: Some("STREAMED".into()),
        }],
    }
}

pub fn vllm_pod_monitor(ns: &str, name: &str, prefixed: bool) -> Monitor {
    Monitor {
        namespace: ns.into(),
        name: name.into(),
        labels: map(&[
            ("app.kubernetes.io/component", "llm-monitoring"),
            ("app.kubernetes.io/part-of", "llminferenceservice"),
        ]),
        selector: LabelSelector {
            match_labels: map(&[("app.kubernetes.io/part-of", "llminferenceservice")]),
            match_expressions: vec![SelectorRequirement {
                key: "app.kubernetes.io/component".into(),
                operator: "In".into(),
                values: strings(&[
                    "llminferenceservice-workload",
                    "llminferenceservice-workload-prefill",
                    "llminferenceservice-workload-worker",
                    "llminferenceservice-workload-leader",
                    "llminferenceservice-workload-leader-prefill",
                    "llminferenceservice-workload-worker-prefill",
                ]),
            }],
        },
        endpoints: vec![MonitorEndpoint {
            target_port: Some("8000".into()),
            scheme: Some("https".into()),
            ..Default::default()
        }],
        adds_kserve_prefix: prefixed,
    }
}

pub fn scheduler_service_monitor(ns: &str, name: &str, prefixed: bool) -> Monitor {
    Monitor {
        namespace: ns.into(),
        name: name.into(),
        labels: map(&[("app.kubernetes.io/component", "llm-monitoring")]),
        selector: LabelSelector::from_labels(&[
            (
                "app.kubernetes.io/component",
                "llminferenceservice-router-scheduler",
            ),
            ("app.kubernetes.io/part-of", "llminferenceservice"),
        ]),
        endpoints: vec![MonitorEndpoint {
            port: Some("metrics".into()),
            scheme: Some("http".into()),
            auth_secret: Some(("kserve-metrics-reader-sa-secret".into(), "token".into())),
            ..Default::default()
        }],
        adds_kserve_prefix: prefixed,
    }
}

/// A dashboard querying the given vLLM metric name.
pub fn dashboard(name: &str, metric: &str) -> GrafanaDashboard {
    GrafanaDashboard {
        namespace: GRAFANA_NS.into(),
        name: name.into(),
        instance_selector: LabelSelector::from_labels(&[("dashboards", "llm-d-grafana")]),
        no_matching_instances: Some(false),
        conditions: vec![Condition::new("DashboardSynchronized", "True")],
        source: DashboardSource::Inline,
        exprs: Some(vec![format!(
            "histogram_quantile(0.95, sum by (le) (rate({metric}[5m])))"
        )]),
        content_error: None,
    }
}

/// The healthy snapshot.
pub fn healthy() -> Snapshot {
    let api = PoolApi::XK8sV1alpha2;
    Snapshot {
        cluster: ClusterInfo {
            server: "https://api.sample.example:6443".into(),
            reachable: true,
            error: None,
            kubernetes_version: Some("v1.32.5".into()),
            openshift_version: Some("4.19.9".into()),
            rhoai_version: Some("3.2.0".into()),
        },
        scope: None,
        llmisvcs: vec![LlmIsvc {
            namespace: NS.into(),
            name: NAME.into(),
            api_version: "serving.kserve.io/v1alpha1".into(),
            model_name: Some("Qwen/Qwen3-0.6B".into()),
            conditions: vec![
                Condition::new("Ready", "True"),
                Condition::new("WorkloadsReady", "True"),
                Condition::new("RouterReady", "True"),
            ],
            replicas: Some(2),
            ..Default::default()
        }],
        pods: vec![
            vllm_pod(NS, NAME, "qwen-kserve-5f6b7c-aaaaa", false),
            vllm_pod(NS, NAME, "qwen-kserve-5f6b7c-bbbbb", false),
            epp_pod(NS, NAME),
        ],
        services: vec![
            epp_service(NS, NAME),
            Service {
                namespace: NS.into(),
                name: format!("{NAME}-kserve-workload-svc"),
                labels: workload_labels(NAME, false),
                selector: map(&[
                    ("app.kubernetes.io/name", NAME),
                    ("app.kubernetes.io/part-of", "llminferenceservice"),
                    ("kserve.io/component", "workload"),
                ]),
                ports: vec![ServicePort {
                    name: "https".into(),
                    port: 8000,
                    target_port: Some("8000".into()),
                }],
            },
        ],
        pools: vec![pool(NS, NAME, api)],
        routes: vec![route(NS, NAME, GATEWAY, api)],
        gateways: vec![gateway(GATEWAY)],
        gateway_classes: vec![GatewayClass {
            name: "openshift-default".into(),
            controller: "openshift.io/gateway-controller/v1".into(),
        }],
        destination_rules: vec![DestinationRule {
            namespace: NS.into(),
            name: format!("{NAME}-kserve-scheduler"),
            host: format!("{NAME}-epp-service.{NS}.svc.cluster.local"),
            tls_mode: Some("SIMPLE".into()),
        }],
        envoy_filters: vec![envoy_filter(GATEWAY, NS, NAME)],
        pod_monitors: vec![vllm_pod_monitor(NS, "kserve-llm-isvc-vllm-engine", true)],
        service_monitors: vec![scheduler_service_monitor(
            NS,
            "kserve-llm-isvc-scheduler",
            true,
        )],
        monitoring: MonitoringFacts {
            cluster_config_present: true,
            uwm_enabled: Some(true),
            cluster_config_error: None,
            uwm_config_present: true,
            uwm_prometheus_pods: (0..2)
                .map(|i| Pod {
                    namespace: "openshift-user-workload-monitoring".into(),
                    name: format!("prometheus-user-workload-{i}"),
                    labels: map(&[("app.kubernetes.io/name", "prometheus")]),
                    phase: "Running".into(),
                    ready: true,
                    ..Default::default()
                })
                .collect(),
            thanos_service: Some(Service {
                namespace: "openshift-monitoring".into(),
                name: "thanos-querier".into(),
                ports: vec![ServicePort {
                    name: "web".into(),
                    port: 9091,
                    target_port: Some("web".into()),
                }],
                ..Default::default()
            }),
            thanos_route_host: Some(
                "thanos-querier-openshift-monitoring.apps.sample.example".into(),
            ),
        },
        grafana: GrafanaFacts {
            instances: vec![GrafanaInstance {
                namespace: GRAFANA_NS.into(),
                name: "llm-d-grafana".into(),
                labels: map(&[("dashboards", "llm-d-grafana")]),
                stage: Some("complete".into()),
                stage_status: Some("success".into()),
                wants_route: true,
                ..Default::default()
            }],
            datasources: vec![GrafanaDatasource {
                namespace: GRAFANA_NS.into(),
                name: "thanos-querier".into(),
                url: "https://thanos-querier.openshift-monitoring.svc:9091".into(),
                type_: "prometheus".into(),
                instance_selector: LabelSelector::from_labels(&[("dashboards", "llm-d-grafana")]),
                no_matching_instances: Some(false),
                conditions: vec![Condition::new("DatasourceSynchronized", "True")],
                secret_values: vec![(
                    "secureJsonData.httpHeaderValue1".into(),
                    "grafana-thanos-token".into(),
                    "token".into(),
                )],
                token_placeholder: true,
                ..Default::default()
            }],
            dashboards: vec![dashboard(
                "vllm-latency-throughput-and-cache",
                "kserve_vllm:e2e_request_latency_seconds_bucket",
            )],
            operator_deployments: vec![Deployment {
                namespace: "openshift-operators".into(),
                name: "grafana-operator-controller-manager-v5".into(),
                labels: map(&[("app.kubernetes.io/name", "grafana-operator")]),
                replicas: 1,
                ready_replicas: 1,
                containers: vec![],
            }],
            routes: [(
                format!("{GRAFANA_NS}/llm-d-grafana-route"),
                "llm-d-grafana-route-llm-d-monitoring.apps.sample.example".to_string(),
            )]
            .into(),
        },
        istio: IstioFacts {
            control_planes: vec![IstioControlPlane {
                name: "openshift-gateway".into(),
                version: Some("v1.26.2".into()),
                namespace: Some("openshift-ingress".into()),
                state: Some("Healthy".into()),
            }],
            istiods: vec![Deployment {
                namespace: "openshift-ingress".into(),
                name: "istiod-openshift-gateway".into(),
                labels: map(&[("app", "istiod"), ("app.kubernetes.io/version", "1.26.2")]),
                replicas: 1,
                ready_replicas: 1,
                containers: vec![Container {
                    name: "discovery".into(),
                    env: map(&[("ENABLE_GATEWAY_API_INFERENCE_EXTENSION", "true")]),
                    ..Default::default()
                }],
            }],
        },
        token_secrets: vec![
            TokenSecret {
                namespace: GRAFANA_NS.into(),
                name: "grafana-thanos-token".into(),
                service_account: Some("grafana-thanos".into()),
                token_fingerprint: Some(fingerprint(TOKEN)),
            },
            TokenSecret {
                namespace: NS.into(),
                name: "kserve-metrics-reader-sa-secret".into(),
                service_account: Some("kserve-metrics-reader-sa".into()),
                token_fingerprint: Some(fingerprint("metrics-reader-token")),
            },
        ],
        monitoring_view_bindings: vec![ClusterRoleBinding {
            name: "grafana-thanos-cluster-monitoring-view".into(),
            role: "cluster-monitoring-view".into(),
            subjects: vec![format!("{GRAFANA_NS}/grafana-thanos")],
        }],
        operators: vec![
            OperatorCsv {
                namespace: "openshift-operators".into(),
                name: "grafana-operator.v5.18.0".into(),
                version: Some("5.18.0".into()),
                phase: Some("Succeeded".into()),
            },
            OperatorCsv {
                namespace: "redhat-ods-operator".into(),
                name: "rhods-operator.3.2.0".into(),
                version: Some("3.2.0".into()),
                phase: Some("Succeeded".into()),
            },
        ],
        live: None,
        live_reason: Some("no Prometheus gatherer in this build".into()),
        ..Default::default()
    }
}

/// Live facts matching the healthy snapshot (prefixed names, series for every pod, EPP in loop).
pub fn healthy_live() -> LiveFacts {
    LiveFacts {
        source: "https://thanos-querier-openshift-monitoring.apps.sample.example".into(),
        metric_names: strings(&[
            "kserve_vllm:e2e_request_latency_seconds_bucket",
            "kserve_vllm:kv_cache_usage_perc",
            "kserve_vllm:num_requests_running",
            "kserve_inference_pool_ready_pods",
            "kserve_inference_model_request_total",
        ]),
        series_per_pod: [
            (format!("{NS}/qwen-kserve-5f6b7c-aaaaa"), 120),
            (format!("{NS}/qwen-kserve-5f6b7c-bbbbb"), 118),
            (format!("{NS}/qwen-kserve-router-scheduler-7d9f8-abcde"), 40),
        ]
        .into(),
        request_rates: [(
            format!("{NS}/{NAME}"),
            RequestRates {
                epp_per_second: Some(4.0),
                vllm_per_second: [
                    ("qwen-kserve-5f6b7c-aaaaa".to_string(), 3.1),
                    ("qwen-kserve-5f6b7c-bbbbb".to_string(), 0.9),
                ]
                .into(),
            },
        )]
        .into(),
    }
}
