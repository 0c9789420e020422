//! Gateway calls by path and outcome: counters of calls and failures, and a latency histogram
//! (exposed at `/metrics` through [`Collector`]).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use super::GatewayError;
use crate::metrics::histogram::UPSTREAM_BUCKETS;
use crate::metrics::{Collector, Exposition, Histogram, Kind};

/// Calls and failures of one gateway path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallCount {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (any [`GatewayError`]).
    pub failures: u64,
}

/// The families this collector writes.
pub const FAMILIES: [&str; 3] = [
    "checkout_gateway_calls_total",
    "checkout_gateway_failures_total",
    "checkout_gateway_request_duration_seconds",
];

#[derive(Debug, Default)]
struct Counts {
    calls: BTreeMap<&'static str, CallCount>,
    latency: BTreeMap<(&'static str, &'static str), Histogram>,
}

/// Per-path call counters and per path and outcome latencies.
#[derive(Debug, Default)]
pub struct GatewayMetrics {
    counts: Mutex<Counts>,
}

/// The `outcome` label of a call: `ok`, or what kind of failure.
pub fn outcome(error: Option<&GatewayError>) -> &'static str {
    match error {
        None => "ok",
        Some(GatewayError::Validation(_)) => "validation",
        Some(GatewayError::Unauthenticated { .. }) => "unauthenticated",
        Some(GatewayError::NotFound) => "not_found",
        Some(GatewayError::Upstream { .. }) => "upstream_error",
        Some(GatewayError::Timeout { .. }) => "timeout",
        Some(GatewayError::Malformed { .. }) => "malformed",
        Some(GatewayError::Transport { .. }) => "transport",
        Some(GatewayError::Local { .. }) => "local",
    }
}

impl GatewayMetrics {
    pub(super) fn record(
        &self,
        path: &'static str,
        error: Option<&GatewayError>,
        elapsed: Duration,
    ) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let count = counts.calls.entry(path).or_default();
        count.calls += 1;
        if error.is_some() {
            count.failures += 1;
        }
        counts
            .latency
            .entry((path, outcome(error)))
            .or_insert_with(|| Histogram::new(UPSTREAM_BUCKETS))
            .observe(elapsed);
    }

    /// Counters of `path` (e.g. `v1/payment/status`).
    pub fn get(&self, path: &str) -> CallCount {
        self.counts
            .lock()
            .ok()
            .and_then(|c| c.calls.get(path).copied())
            .unwrap_or_default()
    }

    /// Every path's counters, sorted by path.
    pub fn snapshot(&self) -> Vec<(&'static str, CallCount)> {
        self.counts
            .lock()
            .map(|c| c.calls.iter().map(|(p, c)| (*p, *c)).collect())
            .unwrap_or_default()
    }
}

impl Collector for GatewayMetrics {
    fn collect(&self, out: &mut Exposition) {
        let Ok(counts) = self.counts.lock() else {
            return;
        };
        let [calls, failures, duration] = FAMILIES;
        out.family(
            calls,
            "Signed calls to the gateway, by path.",
            Kind::Counter,
        );
        for (path, count) in &counts.calls {
            out.sample(calls, &[("path", path)], count.calls as f64);
        }
        out.family(
            failures,
            "Gateway calls that failed, by path.",
            Kind::Counter,
        );
        for (path, count) in &counts.calls {
            out.sample(failures, &[("path", path)], count.failures as f64);
        }
        out.family(
            duration,
            "Gateway call latency (signing excluded), by path and outcome.",
            Kind::Histogram,
        );
        for ((path, outcome), histogram) in &counts.latency {
            out.histogram(duration, &[("path", path), ("outcome", outcome)], histogram);
        }
    }
}
