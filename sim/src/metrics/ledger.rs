//! Keeps counters monotonic when a pod's share of the traffic changes while the simulation runs
//! (the EPP joining the loop after `oc llmd fix envoyfilter`, the split turning from round-robin
//! to the EPP's choice).
//!
//! [`super::pod_metrics`] renders every counter as `rate × share × t`: right while the share is
//! constant, but a share that drops would make a counter go down (a reset to Prometheus). The
//! ledger integrates each share over time instead — `∫ share dt`, the first value seen assumed
//! since the start — and hands the renderer the time-averaged share (`∫ share dt / t`), so
//! `rate × share × t` is the integral and `rate()` shows the current share at once. One small map
//! entry per pod (and per EPP endpoint); one lookup per render. A change is noticed at the next
//! render (a scrape or a pod-proxy read), which is when anyone can observe it.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{PodKind, PodMetricsInput, WARMUP_SECS};

#[derive(Debug, Clone, Copy)]
struct Entry {
    value: f64,
    since: f64,
    acc: f64,
    /// Latest time asked about (time never runs backwards for a counter).
    seen: f64,
}

/// Share integrals per key (`ns/pod`, `ns/pod#endpoint`).
#[derive(Debug, Default)]
pub struct CounterLedger {
    entries: Mutex<HashMap<String, Entry>>,
}

impl CounterLedger {
    /// `∫ value dt` up to `t` for `key`; a new key starts at `initial`.
    fn integrate(&self, key: String, value: f64, t: f64, initial: f64) -> f64 {
        let mut map = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let e = map.entry(key).or_insert(Entry {
            value,
            since: t,
            acc: initial,
            seen: t,
        });
        let t = t.max(e.seen);
        e.seen = t;
        if value != e.value {
            e.acc += e.value * (t - e.since);
            e.since = t;
            e.value = value;
        }
        e.acc + e.value * (t - e.since)
    }

    /// Rewrite `input` so that [`super::pod_metrics`] at `elapsed_secs` renders integrated
    /// counters (see the module docs).
    pub fn apply(&self, input: &mut PodMetricsInput, kind: PodKind, elapsed_secs: f64) {
        let t = elapsed_secs.max(0.0) + WARMUP_SECS;
        let ns = input
            .pod
            .pointer("/metadata/namespace")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let name = input
            .pod
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let key = format!("{ns}/{name}");
        match kind {
            PodKind::Decode | PodKind::Prefill => {
                let share = input.share.max(0.0);
                let integral = self.integrate(key, share, t, share * t);
                input.share = integral / t;
            }
            PodKind::Epp => {
                let on = if input.profile.epp_in_loop { 1.0 } else { 0.0 };
                let initial = |v: f64| if on > 0.0 { v * t } else { v * WARMUP_SECS };
                // Seconds counted: the warm-up while bypassed, all the time in the loop.
                let counted = self.integrate(key.clone(), on, t, initial(1.0));
                input.epp_counted_secs = Some(counted);
                if let Some(pool) = &mut input.pool {
                    for e in &mut pool.endpoints {
                        let k = format!("{key}#{}/{}", e.namespace, e.pod_name);
                        let integral = self.integrate(k, on * e.share, t, initial(e.share));
                        e.share = if counted > 0.0 {
                            integral / counted
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrals_are_continuous_and_follow_the_new_value() {
        let l = CounterLedger::default();
        assert_eq!(l.integrate("a".into(), 0.5, 700.0, 350.0), 350.0);
        assert_eq!(l.integrate("a".into(), 0.5, 710.0, 0.0), 355.0);
        // Share drops: the integral keeps growing, now at the new slope.
        assert_eq!(l.integrate("a".into(), 0.25, 720.0, 0.0), 360.0);
        assert_eq!(l.integrate("a".into(), 0.25, 724.0, 0.0), 361.0);
        // Time never runs backwards.
        assert_eq!(l.integrate("a".into(), 0.25, 600.0, 0.0), 361.0);
    }
}
