//! Prometheus metrics: one [`Metrics`] handle in the app state, rendered by `GET /metrics` in
//! the text exposition format ([`text`]).
//!
//! What is exposed comes from three kinds of sources, all registered on the handle:
//! * [`Collector`]s keep their own numbers and write them at scrape time (our HTTP requests,
//!   [`http::HttpMetrics`]; the gateway client's calls and latencies);
//! * gauges computed at scrape time by a callback, possibly async (sessions by status from
//!   the store, SSE subscribers): [`Metrics::gauge_fn`];
//! * counters other modules bump: [`Metrics::counter`] returns a [`Counter`].
//!
//! Names must be valid Prometheus names and unique; registration fails otherwise, so a clash
//! shows at start-up rather than as a broken scrape.

pub mod checkout;
pub mod histogram;
pub mod http;
pub mod text;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use futures_util::future::join_all;

pub use histogram::Histogram;
pub use http::HttpMetrics;
pub use text::{CONTENT_TYPE, Exposition, Kind};

/// Writes metric families into a scrape. Implementations keep their numbers in memory; a
/// scrape must not block on I/O (use [`Metrics::gauge_fn`] for that).
pub trait Collector: Send + Sync + fmt::Debug {
    /// Writes this collector's families (each family contiguous, headers first).
    fn collect(&self, out: &mut Exposition);
}

/// Samples of a gauge: label pairs (names as registered) and value.
pub type GaugeSamples = Vec<(Vec<(&'static str, String)>, f64)>;

/// The future a gauge callback returns.
pub type GaugeFuture = Pin<Box<dyn Future<Output = Result<GaugeSamples, String>> + Send>>;

type GaugeCallback = Arc<dyn Fn() -> GaugeFuture + Send + Sync>;

/// A registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// Not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    #[error("invalid metric or label name {0:?}")]
    InvalidName(String),
    /// Another source already exposes this name.
    #[error("metric {0:?} is already registered")]
    Duplicate(String),
}

/// The registry. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    http: Arc<HttpMetrics>,
    names: Mutex<Vec<String>>,
    collectors: RwLock<Vec<Arc<dyn Collector>>>,
    gauges: RwLock<Vec<Gauge>>,
}

#[derive(Clone)]
struct Gauge {
    name: &'static str,
    help: &'static str,
    callback: GaugeCallback,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.inner.names.lock().map(|n| n.len()).unwrap_or_default();
        f.debug_struct("Metrics")
            .field("families", &names)
            .finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// Families of the HTTP collector (registered by [`Metrics::new`]).
const HTTP_FAMILIES: [&str; 2] = [
    "checkout_http_requests_total",
    "checkout_http_request_duration_seconds",
];

/// Exposed when a gauge callback failed during this scrape (its family is then left out).
const COLLECT_ERRORS: &str = "checkout_metrics_collect_errors";

impl Metrics {
    /// A registry with the HTTP request metrics in it.
    pub fn new() -> Metrics {
        let metrics = Metrics {
            inner: Arc::new(Inner::default()),
        };
        let http: Arc<dyn Collector> = metrics.inner.http.clone();
        // Fixed, valid and distinct names: this cannot fail.
        let _ = metrics.register(&HTTP_FAMILIES, http);
        metrics
    }

    /// Our HTTP requests (recorded by the request layer).
    pub fn http(&self) -> &HttpMetrics {
        &self.inner.http
    }

    /// Adds a collector exposing the families `names`.
    pub fn register(
        &self,
        names: &[&str],
        collector: Arc<dyn Collector>,
    ) -> Result<(), MetricsError> {
        self.claim(names)?;
        if let Ok(mut collectors) = self.inner.collectors.write() {
            collectors.push(collector);
        }
        Ok(())
    }

    /// Adds a gauge computed at every scrape by `callback` (e.g. a `COUNT(*)` query). When it
    /// fails, the scrape leaves the family out, logs why, and counts it in
    /// `checkout_metrics_collect_errors`.
    ///
    /// ```ignore
    /// let store = store.clone();
    /// metrics.gauge_fn("checkout_payouts", "Payouts by status.", move || {
    ///     let store = store.clone();
    ///     async move {
    ///         let counts = store.payout_counts().await.map_err(|e| e.to_string())?;
    ///         Ok(counts.into_iter().map(|(s, n)| (vec![("status", s)], n as f64)).collect())
    ///     }
    /// })?;
    /// ```
    pub fn gauge_fn<F, Fut>(
        &self,
        name: &'static str,
        help: &'static str,
        callback: F,
    ) -> Result<(), MetricsError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GaugeSamples, String>> + Send + 'static,
    {
        self.claim(&[name])?;
        let callback: GaugeCallback = Arc::new(move || Box::pin(callback()) as GaugeFuture);
        if let Ok(mut gauges) = self.inner.gauges.write() {
            gauges.push(Gauge {
                name,
                help,
                callback,
            });
        }
        Ok(())
    }

    /// A counter other modules bump, with these label names (may be empty).
    pub fn counter(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Result<Counter, MetricsError> {
        if let Some(bad) = labels.iter().find(|l| !text::valid_name(l) || **l == "le") {
            return Err(MetricsError::InvalidName((*bad).to_owned()));
        }
        let counter = Counter {
            inner: Arc::new(CounterInner {
                name,
                help,
                labels,
                values: Mutex::new(BTreeMap::new()),
            }),
        };
        self.register(&[name], Arc::new(counter.clone()))?;
        Ok(counter)
    }

    /// The exposition of everything registered, gauges computed now.
    pub async fn render(&self) -> String {
        let gauges: Vec<Gauge> = self
            .inner
            .gauges
            .read()
            .map(|g| g.clone())
            .unwrap_or_default();
        let values = join_all(gauges.iter().map(|g| (g.callback)())).await;
        let mut out = Exposition::new();
        let collectors: Vec<Arc<dyn Collector>> = self
            .inner
            .collectors
            .read()
            .map(|c| c.clone())
            .unwrap_or_default();
        for collector in &collectors {
            collector.collect(&mut out);
        }
        let mut errors = 0_u32;
        for (gauge, value) in gauges.iter().zip(values) {
            match value {
                Ok(samples) => {
                    out.family(gauge.name, gauge.help, Kind::Gauge);
                    for (labels, value) in &samples {
                        let labels: Vec<(&str, &str)> =
                            labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        out.sample(gauge.name, &labels, *value);
                    }
                }
                Err(error) => {
                    errors += 1;
                    tracing::warn!(metric = gauge.name, %error, "metrics: gauge left out of this scrape");
                }
            }
        }
        out.family(
            COLLECT_ERRORS,
            "Gauges that could not be computed in this scrape (left out).",
            Kind::Gauge,
        );
        out.sample(COLLECT_ERRORS, &[], f64::from(errors));
        out.finish()
    }

    /// Reserves `names`, or says why not.
    fn claim(&self, names: &[&str]) -> Result<(), MetricsError> {
        if let Some(bad) = names.iter().find(|n| !text::valid_name(n)) {
            return Err(MetricsError::InvalidName((*bad).to_owned()));
        }
        let Ok(mut taken) = self.inner.names.lock() else {
            return Ok(());
        };
        for name in names {
            if *name == COLLECT_ERRORS || taken.iter().any(|t| t == name) {
                return Err(MetricsError::Duplicate((*name).to_owned()));
            }
        }
        taken.extend(names.iter().map(|n| (*n).to_owned()));
        Ok(())
    }
}

/// A counter registered with [`Metrics::counter`]. Cheap to clone.
#[derive(Clone)]
pub struct Counter {
    inner: Arc<CounterInner>,
}

struct CounterInner {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    values: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

impl Counter {
    /// Adds one to the series with these label values (one per registered label name, in
    /// order; keep their set small and never put ids or tokens in them).
    pub fn inc(&self, label_values: &[&str]) {
        self.inc_by(label_values, 1);
    }

    /// Adds `n`.
    pub fn inc_by(&self, label_values: &[&str], n: u64) {
        debug_assert_eq!(label_values.len(), self.inner.labels.len());
        if let Ok(mut values) = self.inner.values.lock() {
            let key = label_values.iter().map(|v| (*v).to_owned()).collect();
            *values.entry(key).or_default() += n;
        }
    }

    /// The current value of one series (0 when never bumped).
    pub fn get(&self, label_values: &[&str]) -> u64 {
        let key: Vec<String> = label_values.iter().map(|v| (*v).to_owned()).collect();
        self.inner
            .values
            .lock()
            .ok()
            .and_then(|v| v.get(&key).copied())
            .unwrap_or_default()
    }
}

impl Collector for Counter {
    fn collect(&self, out: &mut Exposition) {
        let inner = &self.inner;
        out.family(inner.name, inner.help, Kind::Counter);
        let Ok(values) = inner.values.lock() else {
            return;
        };
        for (label_values, n) in values.iter() {
            let labels: Vec<(&str, &str)> = inner
                .labels
                .iter()
                .copied()
                .zip(label_values.iter().map(String::as_str))
                .collect();
            out.sample(inner.name, &labels, *n as f64);
        }
    }
}
