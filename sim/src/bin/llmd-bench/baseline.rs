//! The baseline: how the seed blog's user answers doctor's questions by hand — one `kubectl`
//! process per question, in the order the blog, its setup script and its request-flow guide ask
//! them. Each entry cites where it comes from:
//! - "blog" = the seed post (/work/shared/seed/, "How We Built an Observability Stack for llm-d on
//!   OpenShift AI");
//! - "setup.sh" / "guide" = its companion repository as summarised in
//!   /work/shared/reference/seed-repo/NOTES.md ("setup.sh, step by step"; "The guide's manual
//!   checks").
//!
//! The blog uses `oc`; `kubectl` sends the same requests (no `oc` client exists on this machine).
//! What the guide checks by other means than `kubectl get` — Envoy's admin stats through
//! `oc exec`, an end-to-end request through the gateway, prefix-cache hits in Grafana — is left
//! out, so the baseline is a lower bound of the seed's cost. It also looks at one model
//! (`my-first-model`, the blog's namespace) where a question needs a namespace, while doctor
//! covers every namespace.

/// One question and the `kubectl` arguments that answer it.
#[derive(Debug, Clone, Copy)]
pub struct Question {
    pub asks: &'static str,
    pub source: &'static str,
    pub args: &'static [&'static str],
}

/// The questions, in the order the seed's user asks them.
pub const QUESTIONS: &[Question] = &[
    Question {
        asks: "am I logged in",
        source: "setup.sh pre-flight: `oc whoami`",
        args: &["auth", "whoami"],
    },
    Question {
        asks: "is the Grafana Operator's CRD there",
        source: "setup.sh pre-flight: CRD grafanas.grafana.integreatly.org exists",
        args: &["get", "crd", "grafanas.grafana.integreatly.org"],
    },
    Question {
        asks: "is the Grafana Operator installed",
        source: "blog, Try It Yourself: \"the Grafana Operator installed\"",
        args: &["get", "clusterserviceversions", "-n", "openshift-operators"],
    },
    Question {
        asks: "is User Workload Monitoring enabled",
        source: "blog, Try It Yourself: \"User Workload Monitoring enabled\"",
        args: &[
            "get",
            "configmap",
            "cluster-monitoring-config",
            "-n",
            "openshift-monitoring",
            "-o",
            "yaml",
        ],
    },
    Question {
        asks: "is the UWM Prometheus running",
        source: "blog, The Monitoring Architecture: prometheus-user-workload-0/1",
        args: &["get", "pods", "-n", "openshift-user-workload-monitoring"],
    },
    Question {
        asks: "where is Thanos Querier",
        source: "blog, The Monitoring Architecture: thanos-querier in openshift-monitoring",
        args: &[
            "get",
            "route",
            "thanos-querier",
            "-n",
            "openshift-monitoring",
        ],
    },
    Question {
        asks: "do the vLLM PodMonitor and EPP ServiceMonitor exist",
        source: "blog, Who Scrapes What: kserve-llm-isvc-vllm-engine / kserve-llm-isvc-scheduler",
        args: &["get", "podmonitors,servicemonitors", "-A"],
    },
    Question {
        asks: "is Grafana running",
        source: "setup.sh step 2: polls for a Running pod app=grafana",
        args: &["get", "pods", "-n", "llm-d-monitoring", "-l", "app=grafana"],
    },
    Question {
        asks: "are the Grafana, datasource and dashboards there",
        source: "setup.sh steps 2, 5, 6, 7 (Grafana, GrafanaDatasource, GrafanaDashboard CRs)",
        args: &[
            "get",
            "grafanas,grafanadatasources,grafanadashboards",
            "-n",
            "llm-d-monitoring",
        ],
    },
    Question {
        asks: "does the datasource token exist",
        source: "blog, Step 5: `oc get secret grafana-thanos-token -o jsonpath='{.data.token}'`",
        args: &[
            "get",
            "secret",
            "grafana-thanos-token",
            "-n",
            "llm-d-monitoring",
            "-o",
            "jsonpath={.data.token}",
        ],
    },
    Question {
        asks: "may the token read cluster metrics",
        source: "blog, Step 4 / setup.sh step 4: the cluster-monitoring-view binding",
        args: &[
            "get",
            "clusterrolebinding",
            "grafana-thanos-cluster-monitoring-view",
        ],
    },
    Question {
        asks: "are the gateway pods running",
        source: "guide's manual checks: gateway pods running",
        args: &["get", "pods", "-n", "openshift-ingress"],
    },
    Question {
        asks: "does the Gateway have an address",
        source: "guide's manual checks: Gateway has an address",
        args: &["get", "gateways", "-n", "openshift-ingress"],
    },
    Question {
        asks: "are the HTTPRoutes Accepted",
        source: "guide's manual checks: HTTPRoutes Accepted",
        args: &["get", "httproutes", "-A", "-o", "yaml"],
    },
    Question {
        asks: "does the InferencePool exist and is it Accepted",
        source: "guide's manual checks: InferencePool exists and Accepted",
        args: &["get", "inferencepools", "-A", "-o", "yaml"],
    },
    Question {
        asks: "is the EPP pod running",
        source: "guide's manual checks: EPP pod running",
        args: &[
            "get",
            "pods",
            "-A",
            "-l",
            "app.kubernetes.io/component=llminferenceservice-router-scheduler",
        ],
    },
    Question {
        asks: "is the EPP serving gRPC",
        source: "guide's manual checks: EPP log line \"gRPC server listening … 9002\"",
        args: &[
            "logs",
            "-n",
            "my-first-model",
            "-l",
            "app.kubernetes.io/component=llminferenceservice-router-scheduler",
        ],
    },
    Question {
        asks: "are the vLLM pods running",
        source: "guide's manual checks: vLLM pods running",
        args: &["get", "pods", "-A", "-l", "kserve.io/component=workload"],
    },
    Question {
        asks: "is the ext_proc EnvoyFilter there with applyTo HTTP_FILTER",
        source: "guide's manual checks: EnvoyFilter present and applyTo: HTTP_FILTER (bugs 1, 2)",
        args: &[
            "get",
            "envoyfilters",
            "-n",
            "openshift-ingress",
            "-o",
            "yaml",
        ],
    },
    Question {
        asks: "EPP TLS args, P/D EndpointPickerConfig, prefix caching",
        source: "guide's manual checks: EPP TLS flags, P/D-aware config, prefix caching (bugs 3, 4)",
        args: &["get", "llminferenceservices", "-A", "-o", "yaml"],
    },
];

/// One line per question: number, the command, what it asks and where it comes from.
pub fn listing() -> String {
    QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(
                "{:>2}. kubectl {}\n    {} — {}\n",
                i + 1,
                q.args.join(" "),
                q.asks,
                q.source
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_is_one_kubectl_read_with_a_source() {
        assert!(QUESTIONS.len() >= 15);
        for q in QUESTIONS {
            assert!(!q.source.is_empty() && !q.asks.is_empty(), "{q:?}");
            assert!(
                matches!(q.args.first(), Some(&"get" | &"logs" | &"auth")),
                "only reads: {q:?}"
            );
        }
        let listing = listing();
        assert_eq!(listing.lines().count(), 2 * QUESTIONS.len());
        assert!(
            listing.starts_with(" 1. kubectl auth whoami\n"),
            "{listing}"
        );
    }
}
