//! PromQL builders for dashboard panels. Every series name comes from the naming table; every
//! function returns `None` when the naming has no series for the concept.
//!
//! Conventions (REPORT.md §5): counters (with `_total`) only inside `rate()`; quantiles as
//! `histogram_quantile(q, sum by (le[, …]) (rate(x_bucket[$__rate_interval])))`; means as
//! `rate(_sum)/rate(_count)`; ratios of rates, never lifetime ratios. Selectors use regex matchers on
//! template variables whose "All" value is `.*`, which also matches series without the label.

use crate::metrics::{Component, Concept, MetricType, Naming, naming};

/// Grafana's rate window variable.
pub const RATE_WINDOW: &str = "$__rate_interval";
/// Template variable names.
pub const VAR_NAMESPACE: &str = "namespace";
pub const VAR_SERVICE: &str = "llmisvc";
pub const VAR_POD: &str = "pod";

/// Query builder bound to one naming.
#[derive(Debug, Clone, Copy)]
pub struct Queries<'a> {
    pub naming: &'a Naming,
}

impl<'a> Queries<'a> {
    pub fn new(naming: &'a Naming) -> Self {
        Self { naming }
    }

    /// The label to group by for "which LLMInferenceService".
    pub fn service(&self) -> &'static str {
        self.naming.service_label()
    }

    /// The backend-pod label of a concept (`pod` on vLLM series).
    pub fn pod_label(&self, concept: Concept) -> Option<&'static str> {
        self.naming.pod_label(concept)
    }

    /// Dashboard-variable matchers for a concept's series, plus `extra` matchers.
    fn matchers(&self, concept: Concept, extra: &str) -> String {
        let mut m = vec![format!("{}=~\"${VAR_NAMESPACE}\"", naming::NAMESPACE_LABEL)];
        let service = self.service();
        let has_service = match concept.component() {
            Component::Vllm => true,
            // With OpenShift AI relabelling every EPP series carries llm_isvc_name; otherwise only
            // request-level EPP series carry model_name.
            Component::Epp => {
                service == naming::LLM_ISVC_NAME_LABEL
                    || concept.labels().contains(&naming::MODEL_NAME_LABEL)
            }
        };
        if has_service {
            m.push(format!("{service}=~\"${VAR_SERVICE}\""));
        }
        if let Some(pod) = self.pod_label(concept) {
            m.push(format!("{pod}=~\"${VAR_POD}\""));
        }
        if !extra.is_empty() {
            m.push(extra.to_string());
        }
        m.join(", ")
    }

    /// `name{matchers}` for a gauge or counter; `suffix` picks a histogram series (`_bucket`…).
    pub fn selector(&self, concept: Concept, suffix: &str, extra: &str) -> Option<String> {
        let name = self.naming.series(concept)?;
        Some(format!(
            "{name}{suffix}{{{}}}",
            self.matchers(concept, extra)
        ))
    }

    /// A selector without dashboard-variable matchers (for `label_values` of the first variable).
    pub fn bare(&self, concept: Concept) -> Option<String> {
        self.naming.series(concept)
    }

    /// `rate(x[$__rate_interval])` of a counter, or of a histogram's `_count`.
    pub fn rate(&self, concept: Concept, extra: &str) -> Option<String> {
        let suffix = if concept.metric_type() == MetricType::Histogram {
            "_count"
        } else {
            ""
        };
        Some(format!(
            "rate({}[{RATE_WINDOW}])",
            self.selector(concept, suffix, extra)?
        ))
    }

    /// `sum by (by) (rate(x[…]))` (plain `sum` when `by` is empty).
    pub fn sum_rate(&self, concept: Concept, by: &[&str], extra: &str) -> Option<String> {
        Some(format!("{} ({})", sum_by(by), self.rate(concept, extra)?))
    }

    /// `agg by (by) (x{…})` of a gauge.
    pub fn gauge(&self, agg: &str, concept: Concept, by: &[&str], extra: &str) -> Option<String> {
        let sel = self.selector(concept, "", extra)?;
        Some(if by.is_empty() {
            format!("{agg}({sel})")
        } else {
            format!("{agg} by ({}) ({sel})", by.join(", "))
        })
    }

    /// `histogram_quantile(q, sum by (le, by) (rate(x_bucket[…])))`.
    pub fn quantile(&self, q: f64, concept: Concept, by: &[&str]) -> Option<String> {
        let sel = self.selector(concept, "_bucket", "")?;
        let mut group = vec!["le"];
        group.extend_from_slice(by);
        Some(format!(
            "histogram_quantile({q}, sum by ({}) (rate({sel}[{RATE_WINDOW}])))",
            group.join(", ")
        ))
    }

    /// Mean of a histogram: `sum by (by) (rate(x_sum[…])) / sum by (by) (rate(x_count[…]))`.
    pub fn mean(&self, concept: Concept, by: &[&str]) -> Option<String> {
        let sum = self.selector(concept, "_sum", "")?;
        let count = self.selector(concept, "_count", "")?;
        let agg = sum_by(by);
        Some(format!(
            "{agg} (rate({sum}[{RATE_WINDOW}])) / {agg} (rate({count}[{RATE_WINDOW}]))"
        ))
    }

    /// Ratio of two rates: `sum by (by) (rate(num)) / sum by (by) (rate(den))`.
    pub fn rate_ratio(
        &self,
        num: Concept,
        num_extra: &str,
        den: Concept,
        by: &[&str],
    ) -> Option<String> {
        Some(format!(
            "{} / {}",
            self.sum_rate(num, by, num_extra)?,
            self.sum_rate(den, by, "")?
        ))
    }

    /// Like [`Self::rate_ratio`] without grouping, but a missing numerator counts as 0 (error
    /// counters only appear after the first error).
    pub fn error_ratio(&self, num: Concept, num_extra: &str, den: Concept) -> Option<String> {
        Some(format!(
            "({} or vector(0)) / {}",
            self.sum_rate(num, &[], num_extra)?,
            self.sum_rate(den, &[], "")?
        ))
    }

    /// Share of each `label` value in a rate: `sum by (label) (rate(x)) / ignoring (label) group_left sum(rate(x))`.
    pub fn share(&self, concept: Concept, label: &str, extra: &str) -> Option<String> {
        Some(format!(
            "{} / ignoring ({label}) group_left {}",
            self.sum_rate(concept, &[label], extra)?,
            self.sum_rate(concept, &[], extra)?
        ))
    }

    /// Share by `label` of a numerator rate over a denominator total (error ratio by reason/code).
    pub fn share_of(
        &self,
        num: Concept,
        label: &str,
        num_extra: &str,
        den: Concept,
    ) -> Option<String> {
        Some(format!(
            "{} / ignoring ({label}) group_left {}",
            self.sum_rate(num, &[label], num_extra)?,
            self.sum_rate(den, &[], "")?
        ))
    }

    /// `label_values(<series>{<matchers of earlier variables>}, label)` for a template variable.
    pub fn label_values(
        &self,
        concept: Concept,
        label: &str,
        after: &[(&str, &str)],
    ) -> Option<String> {
        let name = self.bare(concept)?;
        if after.is_empty() {
            return Some(format!("label_values({name}, {label})"));
        }
        let m: Vec<String> = after
            .iter()
            .map(|(l, var)| format!("{l}=~\"${var}\""))
            .collect();
        Some(format!("label_values({name}{{{}}}, {label})", m.join(", ")))
    }
}

fn sum_by(by: &[&str]) -> String {
    if by.is_empty() {
        "sum".to_string()
    } else {
        format!("sum by ({})", by.join(", "))
    }
}

/// Replace Grafana variables so a panel query can run against Prometheus directly: `$namespace`,
/// `$llmisvc` and `$pod` become `.*` (the "All" value), `$__rate_interval`, `$__range` and
/// `$__interval` become `window` (e.g. `5m`).
pub fn expand_grafana_vars(expr: &str, window: &str) -> String {
    expr.replace("$__rate_interval", window)
        .replace("$__range", window)
        .replace("$__interval", window)
        .replace(&format!("${VAR_NAMESPACE}"), ".*")
        .replace(&format!("${VAR_SERVICE}"), ".*")
        .replace(&format!("${VAR_POD}"), ".*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_sums_by_le_and_rates_buckets() {
        let n: Naming = "plain-v1-epp-objective".parse().unwrap();
        let q = Queries::new(&n);
        assert_eq!(
            q.quantile(0.95, Concept::VllmTtft, &["model_name"])
                .unwrap(),
            "histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket\
             {namespace=~\"$namespace\", model_name=~\"$llmisvc\", pod=~\"$pod\"}[$__rate_interval])))"
        );
        assert_eq!(
            q.sum_rate(Concept::VllmPreemptions, &[], "").unwrap(),
            "sum (rate(vllm:num_preemptions_total{namespace=~\"$namespace\", model_name=~\"$llmisvc\", \
             pod=~\"$pod\"}[$__rate_interval]))"
        );
    }

    #[test]
    fn epp_matchers_follow_the_naming() {
        let plain: Naming = "plain-v1-epp-llmd".parse().unwrap();
        let kserve: Naming = "kserve-v1-epp-llmd".parse().unwrap();
        // Pool gauges have no model_name: no service matcher without OpenShift AI relabelling.
        assert_eq!(
            Queries::new(&plain)
                .gauge("max", Concept::EppPoolAvgKvCache, &["name"], "")
                .unwrap(),
            "max by (name) (llm_d_epp_average_kv_cache_utilization{namespace=~\"$namespace\"})"
        );
        assert_eq!(
            Queries::new(&kserve)
                .gauge("max", Concept::EppPoolAvgKvCache, &[], "")
                .unwrap(),
            "max(kserve_llm_d_epp_average_kv_cache_utilization{namespace=~\"$namespace\", llm_isvc_name=~\"$llmisvc\"})"
        );
        let per_pod = Queries::new(&plain)
            .selector(Concept::EppSchedulerAttempts, "", "")
            .unwrap();
        assert!(per_pod.contains("endpoint_name=~\"$pod\""), "{per_pod}");
    }

    #[test]
    fn variables_expand_for_direct_queries() {
        assert_eq!(
            expand_grafana_vars(
                "rate(x{namespace=~\"$namespace\", pod=~\"$pod\"}[$__rate_interval])",
                "5m"
            ),
            "rate(x{namespace=~\".*\", pod=~\".*\"}[5m])"
        );
    }
}
