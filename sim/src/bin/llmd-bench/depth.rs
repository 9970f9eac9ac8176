//! Pure statistics over what the simulated servers logged: the sequential round-trip depth of a
//! request log and medians.

/// One request as a time interval, in milliseconds since any fixed origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub start_ms: f64,
    pub duration_ms: f64,
}

impl Interval {
    pub fn end_ms(&self) -> f64 {
        self.start_ms + self.duration_ms
    }
}

/// The longest chain of requests each of which started after the previous one ended: how many
/// round trips a client waited for one after the other. Requests sent concurrently overlap in
/// time and count once; a client that asks, waits, then asks again counts twice.
///
/// This is the maximum number of pairwise non-overlapping intervals, which the earliest-end-first
/// greedy choice finds exactly (the classic interval-scheduling argument: the chain ending first
/// leaves the most room for the rest). A request may start at the very instant the previous one
/// ended. Intervals with a non-finite or negative field are ignored.
pub fn sequential_depth(intervals: &[Interval]) -> usize {
    let mut valid: Vec<Interval> = intervals
        .iter()
        .copied()
        .filter(|i| i.start_ms.is_finite() && i.duration_ms.is_finite() && i.duration_ms >= 0.0)
        .collect();
    valid.sort_by(|a, b| a.end_ms().total_cmp(&b.end_ms()));
    let mut depth = 0;
    let mut last_end = f64::NEG_INFINITY;
    for interval in valid {
        if interval.start_ms >= last_end {
            depth += 1;
            last_end = interval.end_ms();
        }
    }
    depth
}

/// The median of `values` (the mean of the two middle values for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start_ms: f64, duration_ms: f64) -> Interval {
        Interval {
            start_ms,
            duration_ms,
        }
    }

    #[test]
    fn empty_log_has_depth_zero() {
        assert_eq!(sequential_depth(&[]), 0);
    }

    #[test]
    fn concurrent_requests_count_once() {
        let batch: Vec<Interval> = (0..10).map(|i| iv(f64::from(i) * 0.1, 20.0)).collect();
        assert_eq!(sequential_depth(&batch), 1);
    }

    #[test]
    fn requests_one_after_the_other_each_count() {
        let chain = [iv(0.0, 20.0), iv(21.0, 20.0), iv(45.0, 20.0)];
        assert_eq!(sequential_depth(&chain), 3);
        // Order in the log does not matter (the log is in completion order).
        let shuffled = [chain[2], chain[0], chain[1]];
        assert_eq!(sequential_depth(&shuffled), 3);
    }

    #[test]
    fn a_request_starting_exactly_at_the_previous_end_is_sequential() {
        assert_eq!(sequential_depth(&[iv(0.0, 20.0), iv(20.0, 5.0)]), 2);
    }

    #[test]
    fn discovery_then_a_concurrent_batch_then_one_more_is_three() {
        // /version → (10 lists in parallel) → one follow-up get.
        let mut log = vec![iv(0.0, 20.0)];
        log.extend((0..10).map(|i| iv(21.0 + f64::from(i) * 0.2, 20.0 + f64::from(i))));
        log.push(iv(55.0, 20.0));
        assert_eq!(sequential_depth(&log), 3);
    }

    #[test]
    fn a_long_request_does_not_hide_a_chain_beside_it() {
        // One 100 ms list alongside a chain of four short requests: the chain is the depth.
        let log = [
            iv(0.0, 100.0),
            iv(0.5, 10.0),
            iv(11.0, 10.0),
            iv(22.0, 10.0),
            iv(33.0, 10.0),
        ];
        assert_eq!(sequential_depth(&log), 4);
    }

    #[test]
    fn greedy_by_start_would_be_wrong_here() {
        // Earliest start is the long one; the best chain skips it.
        let log = [iv(0.0, 50.0), iv(1.0, 5.0), iv(7.0, 5.0), iv(13.0, 5.0)];
        assert_eq!(sequential_depth(&log), 3);
    }

    #[test]
    fn malformed_intervals_are_ignored() {
        let log = [iv(f64::NAN, 1.0), iv(0.0, -1.0), iv(0.0, 1.0)];
        assert_eq!(sequential_depth(&log), 1);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }
}
