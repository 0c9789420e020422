//! A fixed-bucket histogram of durations (seconds), kept behind its owner's lock.

use std::time::Duration;

/// Buckets of our own request durations (seconds).
pub const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of gateway call durations (seconds): up to the longest per-call timeout.
pub const UPSTREAM_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Observation counts per bucket (upper bounds ascending, plus `+Inf`), sum and count.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Per bucket, not cumulative; one more than `bounds` (the `+Inf` bucket).
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    /// An empty histogram over `bounds` (ascending upper bounds, `+Inf` implied).
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    /// Records one duration.
    pub fn observe(&mut self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let bucket = self
            .bounds
            .iter()
            .position(|bound| secs <= *bound)
            .unwrap_or(self.bounds.len());
        if let Some(n) = self.counts.get_mut(bucket) {
            *n += 1;
        }
        self.sum += secs;
        self.count += 1;
    }

    /// `(upper bound, observations ≤ bound)` for every bucket, the last one `+Inf`.
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        self.bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(&self.counts)
            .map(|(bound, n)| {
                total += n;
                (bound, total)
            })
            .collect()
    }

    /// Sum of the observations, seconds.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// How many observations.
    pub fn count(&self) -> u64 {
        self.count
    }
}
