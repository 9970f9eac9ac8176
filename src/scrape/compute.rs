//! From two scrapes of each pod to the same [`Answers`] Prometheus would give (pure): counters and
//! histogram parts become per-second rates over the interval between the scrapes, gauges keep the
//! second scrape's value, and histogram quantiles interpolate linearly inside the bucket like
//! PromQL's `histogram_quantile`. Every series name comes from the naming table.

use std::collections::BTreeMap;

use super::exposition::{Exposition, Labels};
use crate::metrics::naming::{
    LLM_ISVC_NAME_LABEL, MODEL_NAME_LABEL, NAMESPACE_LABEL, POD_LABEL, POOL_LABEL,
};
use crate::metrics::{Concept, Naming};
use crate::prom::Sample;
use crate::stats::Answers;
use crate::stats::queries::{ATTEMPT_SUCCESS, FAILED_REASONS, JOB_LABEL, Stat, error_code_label};

/// What a scraped pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Vllm,
    Epp,
}

/// A scraped pod and the target labels its samples get (as a Prometheus scrape would add them).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub namespace: String,
    pub pod: String,
    /// The LLMInferenceService (`app.kubernetes.io/name`).
    pub service: String,
    pub kind: TargetKind,
}

/// Two scrapes of one pod, `seconds` apart.
#[derive(Debug, Clone)]
pub struct PodScrapes {
    pub target: Target,
    pub first: Exposition,
    pub second: Exposition,
    pub seconds: f64,
}

/// One series after the two scrapes: a rate for cumulative series, the latest value for gauges.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

/// Rates and gauges of every scraped series (pure). A counter that went down restarted: its rate
/// is the second value over the interval, as PromQL's reset handling would count it.
pub fn points(scrapes: &[PodScrapes]) -> Vec<Point> {
    let mut out = Vec::new();
    for s in scrapes {
        let earlier: BTreeMap<(&str, &Labels), f64> = s
            .first
            .samples
            .iter()
            .map(|x| ((x.name.as_str(), &x.labels), x.value))
            .collect();
        for x in &s.second.samples {
            let value = if s.second.is_cumulative(&x.name) {
                let Some(before) = earlier.get(&(x.name.as_str(), &x.labels)) else {
                    continue;
                };
                if s.seconds <= 0.0 {
                    continue;
                }
                let delta = if x.value >= *before {
                    x.value - before
                } else {
                    x.value
                };
                delta / s.seconds
            } else {
                x.value
            };
            out.push(Point {
                name: x.name.clone(),
                labels: with_target(&x.labels, &s.target),
                value,
            });
        }
    }
    out
}

/// Series labels plus target labels; clashing series labels become `exported_<name>`.
fn with_target(labels: &Labels, t: &Target) -> Labels {
    let mut out = Labels::new();
    for (k, v) in labels {
        if [NAMESPACE_LABEL, POD_LABEL, JOB_LABEL, LLM_ISVC_NAME_LABEL].contains(&k.as_str()) {
            out.insert(format!("exported_{k}"), v.clone());
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert(NAMESPACE_LABEL.into(), t.namespace.clone());
    out.insert(POD_LABEL.into(), t.pod.clone());
    out.insert(LLM_ISVC_NAME_LABEL.into(), t.service.clone());
    if t.kind == TargetKind::Epp {
        out.insert(JOB_LABEL.into(), t.service.clone());
    }
    out
}

/// A label condition.
#[derive(Debug, Clone, Copy)]
enum Cond<'a> {
    Eq(&'a str, &'a str),
    Ne(&'a str, &'a str),
    /// One of `|`-separated values.
    OneOf(&'a str, &'a str),
}

impl Cond<'_> {
    fn holds(&self, labels: &Labels) -> bool {
        let get = |k: &str| labels.get(k).map(String::as_str).unwrap_or("");
        match self {
            Cond::Eq(k, v) => get(k) == *v,
            Cond::Ne(k, v) => get(k) != *v,
            Cond::OneOf(k, vs) => vs.split('|').any(|v| v == get(k)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Agg {
    Sum,
    Avg,
    Max,
    Count,
}

fn key(labels: &Labels, by: &[&str]) -> Labels {
    by.iter()
        .filter_map(|k| labels.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

fn sample(metric: Labels, value: f64) -> Sample {
    Sample {
        metric,
        timestamp: 0.0,
        value,
    }
}

struct Eval<'a> {
    points: &'a [Point],
    naming: &'a Naming,
}

impl Eval<'_> {
    fn aggregate(&self, name: &str, agg: Agg, by: &[&str], conds: &[Cond]) -> Vec<Sample> {
        let mut groups: BTreeMap<Labels, (f64, f64, usize)> = BTreeMap::new();
        for p in self.points.iter().filter(|p| p.name == name) {
            if !conds.iter().all(|c| c.holds(&p.labels)) {
                continue;
            }
            let g = groups
                .entry(key(&p.labels, by))
                .or_insert((0.0, f64::NEG_INFINITY, 0));
            g.0 += p.value;
            g.1 = g.1.max(p.value);
            g.2 += 1;
        }
        groups
            .into_iter()
            .map(|(k, (sum, max, n))| {
                let v = match agg {
                    Agg::Sum => sum,
                    Agg::Avg => sum / n as f64,
                    Agg::Max => max,
                    Agg::Count => n as f64,
                };
                sample(k, v)
            })
            .collect()
    }

    fn rate(&self, concept: Concept, by: &[&str], conds: &[Cond]) -> Option<Vec<Sample>> {
        let name = self.naming.series(concept)?;
        Some(self.aggregate(&name, Agg::Sum, by, conds))
    }

    fn gauge(&self, agg: Agg, concept: Concept, by: &[&str]) -> Option<Vec<Sample>> {
        let name = self.naming.series(concept)?;
        Some(self.aggregate(&name, agg, by, &[]))
    }

    fn quantile(&self, concept: Concept, percent: u8, by: &[&str]) -> Option<Vec<Sample>> {
        let name = format!("{}_bucket", self.naming.series(concept)?);
        let mut with_le: Vec<&str> = by.to_vec();
        with_le.push("le");
        let buckets = self.aggregate(&name, Agg::Sum, &with_le, &[]);
        let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for b in buckets {
            let Some(le) = b.metric.get("le").and_then(|l| parse_le(l)) else {
                continue;
            };
            let mut k = b.metric.clone();
            k.remove("le");
            groups.entry(k).or_default().push((le, b.value));
        }
        Some(
            groups
                .into_iter()
                .map(|(k, mut bs)| sample(k, bucket_quantile(f64::from(percent) / 100.0, &mut bs)))
                .collect(),
        )
    }

    fn ratio(&self, num: Vec<Sample>, den: Vec<Sample>) -> Vec<Sample> {
        num.into_iter()
            .filter_map(|n| {
                let d = den.iter().find(|d| d.metric == n.metric)?;
                Some(sample(n.metric, n.value / d.value))
            })
            .collect()
    }

    fn hit_ratio(&self, by: &[&str]) -> Option<Vec<Sample>> {
        match (
            self.rate(Concept::VllmPrefixCacheHits, by, &[]),
            self.rate(Concept::VllmPrefixCacheQueries, by, &[]),
        ) {
            (Some(h), Some(q)) => Some(self.ratio(h, q)),
            _ => self.gauge(Agg::Avg, Concept::VllmPrefixCacheHitRate, by),
        }
    }
}

fn parse_le(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        _ => text.parse().ok(),
    }
}

/// PromQL's `histogram_quantile` over cumulative `(le, count)` buckets (pure): the bucket holding
/// rank `q × total`, interpolated linearly; the highest finite bound when the rank is in `+Inf`;
/// `NaN` without observations or without a `+Inf` bucket.
pub fn bucket_quantile(q: f64, buckets: &mut [(f64, f64)]) -> f64 {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(last_le, total)) = buckets.last() else {
        return f64::NAN;
    };
    if last_le != f64::INFINITY || buckets.len() < 2 || total <= 0.0 || !q.is_finite() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let rank = q * total;
    let i = buckets
        .iter()
        .position(|(_, c)| *c >= rank)
        .unwrap_or(buckets.len() - 1);
    if i == buckets.len() - 1 {
        return buckets[buckets.len() - 2].0;
    }
    let (end, count) = buckets[i];
    let (start, below) = if i == 0 {
        (if end > 0.0 { 0.0 } else { end }, 0.0)
    } else {
        buckets[i - 1]
    };
    if i == 0 && end <= 0.0 {
        return end;
    }
    let in_bucket = count - below;
    if in_bucket <= 0.0 {
        return end;
    }
    start + (end - start) * ((rank - below) / in_bucket)
}

/// The answers the Prometheus queries would give, computed from the scrapes (pure). vLLM answers
/// name the service in `llm_isvc_name`, taken from the pod's labels.
pub fn answers(naming: &Naming, points: &[Point]) -> Answers {
    let e = Eval { points, naming };
    let svc = LLM_ISVC_NAME_LABEL;
    let by_svc = [NAMESPACE_LABEL, svc];
    let by_pod = [NAMESPACE_LABEL, svc, POD_LABEL];
    let by_pool = [NAMESPACE_LABEL, POOL_LABEL, JOB_LABEL];
    let by_job = [NAMESPACE_LABEL, JOB_LABEL];
    let reason = Concept::VllmRequestSuccess
        .labels()
        .first()
        .copied()
        .unwrap_or("finished_reason");
    let mut out = Answers::new();
    let mut put = |stat: Stat, v: Option<Vec<Sample>>| {
        if let Some(v) = v {
            out.insert(stat, v);
        }
    };
    put(
        Stat::SvcRequests,
        e.rate(Concept::VllmRequestSuccess, &by_svc, &[]),
    );
    put(
        Stat::SvcErrors,
        e.rate(
            Concept::VllmRequestSuccess,
            &by_svc,
            &[Cond::OneOf(reason, FAILED_REASONS)],
        ),
    );
    for q in [50, 95, 99] {
        put(Stat::SvcTtft(q), e.quantile(Concept::VllmTtft, q, &by_svc));
        put(Stat::SvcE2e(q), e.quantile(Concept::VllmE2e, q, &by_svc));
    }
    for q in [50, 95] {
        put(Stat::SvcItl(q), e.quantile(Concept::VllmItl, q, &by_svc));
    }
    put(
        Stat::SvcPromptTokens,
        e.rate(Concept::VllmPromptTokens, &by_svc, &[]),
    );
    put(
        Stat::SvcGenerationTokens,
        e.rate(Concept::VllmGenerationTokens, &by_svc, &[]),
    );
    put(
        Stat::SvcRunning,
        e.gauge(Agg::Sum, Concept::VllmRunning, &by_svc),
    );
    put(
        Stat::SvcWaiting,
        e.gauge(Agg::Sum, Concept::VllmWaiting, &by_svc),
    );
    put(
        Stat::SvcKvCache,
        e.gauge(Agg::Avg, Concept::VllmKvCacheUsage, &by_svc),
    );
    put(Stat::SvcPrefixHit, e.hit_ratio(&by_svc));
    put(
        Stat::SvcPreemptions,
        e.rate(Concept::VllmPreemptions, &by_svc, &[]),
    );
    put(
        Stat::SvcModels,
        e.gauge(
            Agg::Count,
            Concept::VllmRunning,
            &[NAMESPACE_LABEL, svc, MODEL_NAME_LABEL],
        ),
    );
    put(
        Stat::PodRequests,
        e.rate(Concept::VllmRequestSuccess, &by_pod, &[]),
    );
    put(
        Stat::PodRunning,
        e.gauge(Agg::Sum, Concept::VllmRunning, &by_pod),
    );
    put(
        Stat::PodWaiting,
        e.gauge(Agg::Sum, Concept::VllmWaiting, &by_pod),
    );
    put(
        Stat::PodKvCache,
        e.gauge(Agg::Avg, Concept::VllmKvCacheUsage, &by_pod),
    );
    put(Stat::PodPrefixHit, e.hit_ratio(&by_pod));
    if let Some(backend) = naming.pod_label(Concept::EppSchedulerAttempts) {
        let status = Concept::EppSchedulerAttempts
            .labels()
            .first()
            .copied()
            .unwrap_or("status");
        put(
            Stat::PodEppShare,
            e.rate(
                Concept::EppSchedulerAttempts,
                &[NAMESPACE_LABEL, backend],
                &[Cond::Eq(status, ATTEMPT_SUCCESS)],
            ),
        );
        put(
            Stat::PoolSchedulingFailures,
            e.rate(
                Concept::EppSchedulerAttempts,
                &by_job,
                &[Cond::Ne(status, ATTEMPT_SUCCESS)],
            ),
        );
    }
    put(
        Stat::PoolReady,
        e.gauge(Agg::Max, Concept::EppPoolReadyPods, &by_pool),
    );
    put(
        Stat::PoolKvCache,
        e.gauge(Agg::Max, Concept::EppPoolAvgKvCache, &by_pool),
    );
    put(
        Stat::PoolQueue,
        e.gauge(Agg::Max, Concept::EppPoolAvgQueue, &by_pool),
    );
    if let Some(backend) = naming.pod_label(Concept::EppPerPodQueue) {
        put(
            Stat::PoolBackends,
            e.gauge(
                Agg::Count,
                Concept::EppPerPodQueue,
                &[NAMESPACE_LABEL, POOL_LABEL, JOB_LABEL, backend],
            ),
        );
    }
    put(
        Stat::PoolRequests,
        e.rate(Concept::EppRequests, &by_job, &[]),
    );
    for q in [50, 99] {
        put(
            Stat::PoolSchedulingLatency(q),
            e.quantile(Concept::EppSchedulerE2e, q, &by_job),
        );
    }
    put(
        Stat::PoolErrors,
        e.rate(
            Concept::EppRequestErrors,
            &[NAMESPACE_LABEL, JOB_LABEL, error_code_label()],
            &[],
        ),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::exposition::parse;

    #[test]
    fn quantile_interpolates_like_promql() {
        let mut b = vec![
            (0.1, 10.0),
            (0.5, 60.0),
            (1.0, 90.0),
            (f64::INFINITY, 100.0),
        ];
        // rank 50 lies in (0.1, 0.5]: 0.1 + 0.4 × 40/50.
        assert!((bucket_quantile(0.5, &mut b) - 0.42).abs() < 1e-9);
        // rank 5 in the first bucket: from 0.
        assert!((bucket_quantile(0.05, &mut b) - 0.05).abs() < 1e-9);
        // rank 95 is in +Inf: the highest finite bound.
        assert_eq!(bucket_quantile(0.95, &mut b), 1.0);
        assert!(bucket_quantile(0.5, &mut [(f64::INFINITY, 0.0), (1.0, 0.0)]).is_nan());
        assert!(bucket_quantile(0.5, &mut [(1.0, 3.0)]).is_nan());
    }

    fn target(pod: &str) -> Target {
        Target {
            namespace: "llm".into(),
            pod: pod.into(),
            service: "qwen".into(),
            kind: TargetKind::Vllm,
        }
    }

    #[test]
    fn rates_gauges_and_resets_from_two_scrapes() {
        let a0 = parse(
            "# TYPE vllm:request_success_total counter\n\
             vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 100\n\
             vllm:request_success_total{finished_reason=\"error\",model_name=\"m\"} 10\n\
             vllm:num_requests_running{model_name=\"m\",namespace=\"inner\"} 1\n",
        )
        .unwrap();
        let a1 = parse(
            "# TYPE vllm:request_success_total counter\n\
             vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 130\n\
             vllm:request_success_total{finished_reason=\"error\",model_name=\"m\"} 2\n\
             vllm:num_requests_running{model_name=\"m\",namespace=\"inner\"} 3\n",
        )
        .unwrap();
        let scrapes = vec![PodScrapes {
            target: target("p1"),
            first: a0,
            second: a1,
            seconds: 10.0,
        }];
        let pts = points(&scrapes);
        let running = pts
            .iter()
            .find(|p| p.name == "vllm:num_requests_running")
            .unwrap();
        assert_eq!(running.value, 3.0);
        assert_eq!(running.labels["namespace"], "llm");
        assert_eq!(running.labels["exported_namespace"], "inner");
        let naming: Naming = "plain-v1-epp-none".parse().unwrap();
        let ans = answers(&naming, &pts);
        // 30 stop in 10 s + a reset error counter counted from 0: 2 in 10 s.
        assert!((ans[&Stat::SvcRequests][0].value - 3.2).abs() < 1e-9);
        assert!((ans[&Stat::SvcErrors][0].value - 0.2).abs() < 1e-9);
        assert_eq!(ans[&Stat::SvcRequests][0].metric["llm_isvc_name"], "qwen");
        assert_eq!(ans[&Stat::SvcModels][0].metric["model_name"], "m");
        assert!(!ans.contains_key(&Stat::PoolReady));
    }
}
