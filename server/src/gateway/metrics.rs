//! Counters of gateway calls by path and outcome.

use std::sync::Mutex;

use super::GatewayError;

/// Calls and failures of one gateway path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallCount {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (any [`GatewayError`]).
    pub failures: u64,
}

/// Per-path call counters.
#[derive(Debug, Default)]
pub struct GatewayMetrics {
    counts: Mutex<Vec<(&'static str, CallCount)>>,
}

impl GatewayMetrics {
    pub(super) fn record(&self, path: &'static str, error: Option<&GatewayError>) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let index = match counts.iter().position(|(p, _)| *p == path) {
            Some(i) => i,
            None => {
                counts.push((path, CallCount::default()));
                counts.len() - 1
            }
        };
        let count = &mut counts[index].1;
        count.calls += 1;
        if error.is_some() {
            count.failures += 1;
        }
    }

    /// Counters of `path` (e.g. `v1/payment/status`).
    pub fn get(&self, path: &str) -> CallCount {
        self.counts
            .lock()
            .ok()
            .and_then(|c| c.iter().find(|(p, _)| *p == path).map(|(_, c)| *c))
            .unwrap_or_default()
    }

    /// Every path's counters, sorted by path.
    pub fn snapshot(&self) -> Vec<(&'static str, CallCount)> {
        let mut all = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        all.sort_by_key(|(p, _)| *p);
        all
    }
}
