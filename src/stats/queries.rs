//! The PromQL `stats` sends, built from the detected [`Naming`] (pure): one query per statistic,
//! each already grouped by what the summary needs (namespace + service, + pod, or + pool), so one
//! concurrent batch answers everything (REPORT.md §5).

use crate::metrics::naming::{MODEL_NAME_LABEL, NAMESPACE_LABEL, POD_LABEL, POOL_LABEL};
use crate::metrics::{Concept, Naming, Prefix};

/// EPP series carry the Service that was scraped in `job`; pools and their request counters meet on it.
pub const JOB_LABEL: &str = "job";
/// vLLM's finish-reason values that count as failed requests.
pub const FAILED_REASONS: &str = "error|abort";
/// The EPP's successful scheduling attempts.
pub const ATTEMPT_SUCCESS: &str = "success";

/// What one query measures; the summary looks answers up by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stat {
    /// (namespace, service) → completed requests/s.
    SvcRequests,
    /// (namespace, service) → failed requests/s.
    SvcErrors,
    SvcTtft(u8),
    SvcItl(u8),
    SvcE2e(u8),
    SvcPromptTokens,
    SvcGenerationTokens,
    SvcRunning,
    SvcWaiting,
    SvcKvCache,
    SvcPrefixHit,
    SvcPreemptions,
    /// (namespace, service, model_name) → series count: the served model of each service.
    SvcModels,
    /// (namespace, service) under the other prefix: services whose series carry the wrong prefix.
    SvcOtherPrefix,
    PodRequests,
    PodRunning,
    PodWaiting,
    PodKvCache,
    PodPrefixHit,
    /// (namespace, backend pod) → successful scheduling decisions/s as the EPP counts them.
    PodEppShare,
    PoolReady,
    PoolKvCache,
    PoolQueue,
    /// (namespace, pool, job, backend pod): which vLLM pods a pool holds.
    PoolBackends,
    /// (namespace, job) → requests/s the EPP received.
    PoolRequests,
    PoolSchedulingLatency(u8),
    PoolSchedulingFailures,
    /// (namespace, job, error_code) → errors/s.
    PoolErrors,
}

/// One query of the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct StatQuery {
    pub stat: Stat,
    pub promql: String,
}

/// Escape a label value for a PromQL string literal.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Builds selectors and aggregations for one naming, window and namespace scope.
struct Builder<'a> {
    naming: &'a Naming,
    window: &'a str,
    namespace: Option<&'a str>,
    out: Vec<StatQuery>,
}

impl Builder<'_> {
    /// `{namespace="ns",extra…}` (empty braces are omitted).
    fn selector(&self, extra: &[(&str, &str, &str)]) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(ns) = self.namespace {
            parts.push(format!("{NAMESPACE_LABEL}=\"{}\"", escape(ns)));
        }
        for (label, op, value) in extra {
            parts.push(format!("{label}{op}\"{}\"", escape(value)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", parts.join(","))
        }
    }

    fn push(&mut self, stat: Stat, promql: Option<String>) {
        if let Some(promql) = promql {
            self.out.push(StatQuery { stat, promql });
        }
    }

    /// `agg by (by) (rate(series{sel}[W]))` for a counter concept.
    fn rate(&self, concept: Concept, by: &[&str], extra: &[(&str, &str, &str)]) -> Option<String> {
        let series = self.naming.series(concept)?;
        Some(format!(
            "sum by ({}) (rate({series}{}[{}]))",
            by.join(", "),
            self.selector(extra),
            self.window
        ))
    }

    /// `agg by (by) (series{sel})` for a gauge concept.
    fn gauge(&self, agg: &str, concept: Concept, by: &[&str]) -> Option<String> {
        let series = self.naming.series(concept)?;
        Some(format!(
            "{agg} by ({}) ({series}{})",
            by.join(", "),
            self.selector(&[])
        ))
    }

    /// `histogram_quantile(q, sum by (by, le) (rate(series_bucket{sel}[W])))`.
    fn quantile(&self, concept: Concept, percent: u8, by: &[&str]) -> Option<String> {
        let series = self.naming.series(concept)?;
        let mut labels: Vec<&str> = by.to_vec();
        labels.push("le");
        Some(format!(
            "histogram_quantile({}, sum by ({}) (rate({series}_bucket{}[{}])))",
            f64::from(percent) / 100.0,
            labels.join(", "),
            self.selector(&[]),
            self.window
        ))
    }

    /// Prefix-cache hit ratio: hits/queries (V1) or the mean of the V0 hit-rate gauge.
    fn hit_ratio(&self, by: &[&str]) -> Option<String> {
        match (
            self.rate(Concept::VllmPrefixCacheHits, by, &[]),
            self.rate(Concept::VllmPrefixCacheQueries, by, &[]),
        ) {
            (Some(hits), Some(queries)) => Some(format!("{hits} / {queries}")),
            _ => self.gauge("avg", Concept::VllmPrefixCacheHitRate, by),
        }
    }
}

/// Every query of one `stats` run (pure). Concepts the naming lacks are left out.
pub fn build(naming: &Naming, window: &str, namespace: Option<&str>) -> Vec<StatQuery> {
    let mut b = Builder {
        naming,
        window,
        namespace,
        out: Vec::new(),
    };
    let svc = naming.service_label();
    let by_svc = [NAMESPACE_LABEL, svc];
    let by_pod = [NAMESPACE_LABEL, svc, POD_LABEL];

    b.push(
        Stat::SvcRequests,
        b.rate(Concept::VllmRequestSuccess, &by_svc, &[]),
    );
    let reason = Concept::VllmRequestSuccess
        .labels()
        .first()
        .copied()
        .unwrap_or("finished_reason");
    b.push(
        Stat::SvcErrors,
        b.rate(
            Concept::VllmRequestSuccess,
            &by_svc,
            &[(reason, "=~", FAILED_REASONS)],
        ),
    );
    for q in [50, 95, 99] {
        b.push(Stat::SvcTtft(q), b.quantile(Concept::VllmTtft, q, &by_svc));
        b.push(Stat::SvcE2e(q), b.quantile(Concept::VllmE2e, q, &by_svc));
    }
    for q in [50, 95] {
        b.push(Stat::SvcItl(q), b.quantile(Concept::VllmItl, q, &by_svc));
    }
    b.push(
        Stat::SvcPromptTokens,
        b.rate(Concept::VllmPromptTokens, &by_svc, &[]),
    );
    b.push(
        Stat::SvcGenerationTokens,
        b.rate(Concept::VllmGenerationTokens, &by_svc, &[]),
    );
    b.push(
        Stat::SvcRunning,
        b.gauge("sum", Concept::VllmRunning, &by_svc),
    );
    b.push(
        Stat::SvcWaiting,
        b.gauge("sum", Concept::VllmWaiting, &by_svc),
    );
    b.push(
        Stat::SvcKvCache,
        b.gauge("avg", Concept::VllmKvCacheUsage, &by_svc),
    );
    b.push(Stat::SvcPrefixHit, b.hit_ratio(&by_svc));
    b.push(
        Stat::SvcPreemptions,
        b.rate(Concept::VllmPreemptions, &by_svc, &[]),
    );
    let models: Vec<&str> = if svc == MODEL_NAME_LABEL {
        by_svc.to_vec()
    } else {
        vec![NAMESPACE_LABEL, svc, MODEL_NAME_LABEL]
    };
    b.push(
        Stat::SvcModels,
        b.gauge("count", Concept::VllmRunning, &models),
    );
    let other = Naming {
        prefix: match naming.prefix {
            Prefix::None => Prefix::Kserve,
            Prefix::Kserve => Prefix::None,
        },
        ..*naming
    };
    let other_running = other.series(Concept::VllmRunning).map(|series| {
        format!(
            "count by ({NAMESPACE_LABEL}, {}) ({series}{})",
            other.service_label(),
            b.selector(&[])
        )
    });
    b.push(Stat::SvcOtherPrefix, other_running);

    b.push(
        Stat::PodRequests,
        b.rate(Concept::VllmRequestSuccess, &by_pod, &[]),
    );
    b.push(
        Stat::PodRunning,
        b.gauge("sum", Concept::VllmRunning, &by_pod),
    );
    b.push(
        Stat::PodWaiting,
        b.gauge("sum", Concept::VllmWaiting, &by_pod),
    );
    b.push(
        Stat::PodKvCache,
        b.gauge("avg", Concept::VllmKvCacheUsage, &by_pod),
    );
    b.push(Stat::PodPrefixHit, b.hit_ratio(&by_pod));
    if let Some(backend) = naming.pod_label(Concept::EppSchedulerAttempts) {
        let status = Concept::EppSchedulerAttempts
            .labels()
            .first()
            .copied()
            .unwrap_or("status");
        b.push(
            Stat::PodEppShare,
            b.rate(
                Concept::EppSchedulerAttempts,
                &[NAMESPACE_LABEL, backend],
                &[(status, "=", ATTEMPT_SUCCESS)],
            ),
        );
        b.push(
            Stat::PoolSchedulingFailures,
            b.rate(
                Concept::EppSchedulerAttempts,
                &[NAMESPACE_LABEL, JOB_LABEL],
                &[(status, "!=", ATTEMPT_SUCCESS)],
            ),
        );
    }

    let by_pool = [NAMESPACE_LABEL, POOL_LABEL, JOB_LABEL];
    let by_job = [NAMESPACE_LABEL, JOB_LABEL];
    b.push(
        Stat::PoolReady,
        b.gauge("max", Concept::EppPoolReadyPods, &by_pool),
    );
    b.push(
        Stat::PoolKvCache,
        b.gauge("max", Concept::EppPoolAvgKvCache, &by_pool),
    );
    b.push(
        Stat::PoolQueue,
        b.gauge("max", Concept::EppPoolAvgQueue, &by_pool),
    );
    if let Some(backend) = naming.pod_label(Concept::EppPerPodQueue) {
        b.push(
            Stat::PoolBackends,
            b.gauge(
                "count",
                Concept::EppPerPodQueue,
                &[NAMESPACE_LABEL, POOL_LABEL, JOB_LABEL, backend],
            ),
        );
    }
    b.push(
        Stat::PoolRequests,
        b.rate(Concept::EppRequests, &by_job, &[]),
    );
    for q in [50, 99] {
        b.push(
            Stat::PoolSchedulingLatency(q),
            b.quantile(Concept::EppSchedulerE2e, q, &by_job),
        );
    }
    let code = error_code_label();
    b.push(
        Stat::PoolErrors,
        b.rate(
            Concept::EppRequestErrors,
            &[NAMESPACE_LABEL, JOB_LABEL, code],
            &[],
        ),
    );
    b.out
}

/// The label carrying the error code on EPP error series.
pub fn error_code_label() -> &'static str {
    Concept::EppRequestErrors
        .labels()
        .iter()
        .copied()
        .find(|l| l.ends_with("code"))
        .unwrap_or("error_code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_naming_builds_parseable_distinct_queries() {
        for naming in Naming::variants() {
            let qs = build(&naming, "5m", Some("llm"));
            let mut stats: Vec<Stat> = qs.iter().map(|q| q.stat).collect();
            stats.sort();
            stats.dedup();
            assert_eq!(stats.len(), qs.len(), "{naming}: a stat twice");
            for q in &qs {
                assert!(q.promql.contains("namespace=\"llm\""), "{}", q.promql);
                assert_eq!(
                    q.promql.matches('(').count(),
                    q.promql.matches(')').count(),
                    "{}",
                    q.promql
                );
            }
            let has_epp = qs.iter().any(|q| q.stat == Stat::PoolReady);
            assert_eq!(
                has_epp,
                naming.epp != crate::metrics::EppGeneration::Absent,
                "{naming}"
            );
        }
    }

    #[test]
    fn queries_follow_the_naming() {
        let kserve: Naming = "kserve-v0-epp-model".parse().unwrap();
        let qs = build(&kserve, "2m", None);
        let find = |s: Stat| qs.iter().find(|q| q.stat == s).map(|q| q.promql.clone());
        assert_eq!(
            find(Stat::SvcTtft(95)).unwrap(),
            "histogram_quantile(0.95, sum by (namespace, llm_isvc_name, le) \
             (rate(kserve_vllm:time_to_first_token_seconds_bucket[2m])))"
        );
        assert_eq!(
            find(Stat::SvcPrefixHit).unwrap(),
            "avg by (namespace, llm_isvc_name) (kserve_vllm:gpu_prefix_cache_hit_rate)"
        );
        assert_eq!(
            find(Stat::SvcOtherPrefix).unwrap(),
            "count by (namespace, model_name) (vllm:num_requests_running)"
        );
        // The oldest EPP era has no per-pod scheduling counter: shares come from vLLM.
        assert!(find(Stat::PodEppShare).is_none());

        let plain: Naming = "plain-v1-epp-llmd".parse().unwrap();
        let qs = build(&plain, "5m", Some("a\"b"));
        let find = |s: Stat| qs.iter().find(|q| q.stat == s).map(|q| q.promql.clone());
        assert_eq!(
            find(Stat::PodEppShare).unwrap(),
            "sum by (namespace, endpoint_name) (rate(llm_d_epp_scheduler_attempts_total\
             {namespace=\"a\\\"b\",status=\"success\"}[5m]))"
        );
        assert!(
            find(Stat::SvcPrefixHit)
                .unwrap()
                .contains("vllm:prefix_cache_hits_total")
        );
        assert_eq!(
            find(Stat::SvcErrors).unwrap(),
            "sum by (namespace, model_name) (rate(vllm:request_success_total\
             {namespace=\"a\\\"b\",finished_reason=~\"error|abort\"}[5m]))"
        );
    }
}
