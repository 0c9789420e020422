//! Gateway calls by path and outcome: counters of calls and failures, and a latency histogram
//! (exposed at `/metrics` once [`GatewayMetrics::register`]ed).

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use super::GatewayError;
use crate::metrics::{Metrics, MetricsError};

/// Buckets of gateway call durations (seconds): up to the longest per-call timeout.
const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Calls and failures of one gateway path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallCount {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (any [`GatewayError`]).
    pub failures: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Path {
    path: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PathOutcome {
    path: &'static str,
    outcome: &'static str,
}

/// Per-path call counters and per path and outcome latencies. Cheap to clone; clones share
/// the numbers.
#[derive(Debug, Clone)]
pub struct GatewayMetrics {
    calls: Family<Path, Counter>,
    failures: Family<Path, Counter>,
    latency: Family<PathOutcome, Histogram, fn() -> Histogram>,
}

impl Default for GatewayMetrics {
    fn default() -> GatewayMetrics {
        GatewayMetrics {
            calls: Family::default(),
            failures: Family::default(),
            latency: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
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
    /// Exposes the three families on `metrics`.
    pub fn register(&self, metrics: &Metrics) -> Result<(), MetricsError> {
        metrics.register(
            "checkout_gateway_calls",
            "Signed calls to the gateway, by path",
            self.calls.clone(),
        )?;
        metrics.register(
            "checkout_gateway_failures",
            "Gateway calls that failed, by path",
            self.failures.clone(),
        )?;
        metrics.register(
            "checkout_gateway_request_duration_seconds",
            "Gateway call latency (signing excluded), by path and outcome",
            self.latency.clone(),
        )
    }

    pub(super) fn record(
        &self,
        path: &'static str,
        error: Option<&GatewayError>,
        elapsed: Duration,
    ) {
        let labels = Path { path };
        self.calls.get_or_create(&labels).inc();
        // Created at 0 with the first call, so every path called shows its failures.
        let failures = self.failures.get_or_create(&labels);
        if error.is_some() {
            failures.inc();
        }
        self.latency
            .get_or_create(&PathOutcome {
                path,
                outcome: outcome(error),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counters of `path` (e.g. `v1/payment/status`).
    pub fn get(&self, path: &'static str) -> CallCount {
        let labels = Path { path };
        let count = |family: &Family<Path, Counter>| family.get(&labels).map_or(0, |c| c.get());
        CallCount {
            calls: count(&self.calls),
            failures: count(&self.failures),
        }
    }
}
