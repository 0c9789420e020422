//! Prometheus metrics on the `prometheus-client` crate: one [`Metrics`] handle in the app state,
//! rendered by `GET /metrics` in the Prometheus text format 0.0.4 ([`CONTENT_TYPE`]).
//!
//! Two kinds of families are registered on the handle:
//! * metrics that live in memory and are bumped where things happen (counters and histograms
//!   of the crate, usually in a [`Family`] by labels): [`Metrics::register`]. Our own HTTP
//!   requests ([`HttpMetrics`]) are registered by [`Metrics::new`];
//! * gauges counted at scrape time by an async callback (sessions by status from the store,
//!   SSE subscribers): [`Metrics::gauge_fn`]. They go into a registry made for each scrape, so
//!   a gauge whose callback failed is simply absent rather than stale.
//!
//! Names must be valid Prometheus names and unique; registration fails otherwise, so a clash
//! shows at start-up rather than as a broken scrape.

pub mod http;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use futures_util::future::join_all;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry};

pub use http::HttpMetrics;
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Label pairs of one gauge sample (names as registered, values as counted).
pub type GaugeLabels = Vec<(&'static str, String)>;

/// Samples of a gauge: label pairs and value.
pub type GaugeSamples = Vec<(GaugeLabels, i64)>;

/// The future a gauge callback returns.
pub type GaugeFuture = Pin<Box<dyn Future<Output = Result<GaugeSamples, String>> + Send>>;

type GaugeCallback = Arc<dyn Fn() -> GaugeFuture + Send + Sync>;

/// A registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// Not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    #[error("invalid metric name {0:?}")]
    InvalidName(String),
    /// Another family already has this name.
    #[error("metric {0:?} is already registered")]
    Duplicate(String),
}

/// The registry. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpMetrics,
    registry: RwLock<Registry>,
    names: Mutex<BTreeSet<String>>,
    gauges: RwLock<Vec<ScrapeGauge>>,
}

#[derive(Clone)]
struct ScrapeGauge {
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

/// Exposed when a gauge callback failed during this scrape (its family is then left out).
const COLLECT_ERRORS: &str = "checkout_metrics_collect_errors";

impl Metrics {
    /// A registry with the HTTP request metrics in it.
    pub fn new() -> Metrics {
        let metrics = Metrics {
            inner: Arc::new(Inner {
                http: HttpMetrics::default(),
                registry: RwLock::new(Registry::default()),
                names: Mutex::new(BTreeSet::from([COLLECT_ERRORS.to_owned()])),
                gauges: RwLock::new(Vec::new()),
            }),
        };
        // Fixed, valid and distinct names: this cannot fail.
        let _ = metrics.inner.http.register(&metrics);
        metrics
    }

    /// Our HTTP requests (recorded by the request layer).
    pub fn http(&self) -> &HttpMetrics {
        &self.inner.http
    }

    /// Adds a metric kept in memory (a counter, a histogram, a [`Family`] of them). `name` is
    /// the family's name as the crate takes it: a counter's without `_total`, which the
    /// exposition adds. `help` is one sentence without the final period (the crate adds it).
    pub fn register(
        &self,
        name: &'static str,
        help: &'static str,
        metric: impl Metric,
    ) -> Result<(), MetricsError> {
        self.claim(name)?;
        if let Ok(mut registry) = self.inner.registry.write() {
            registry.register(name, help, metric);
        }
        Ok(())
    }

    /// Adds a gauge computed at every scrape by `callback` (e.g. a `COUNT(*)` query). When it
    /// fails, the scrape leaves the family out, logs why, and counts it in
    /// `checkout_metrics_collect_errors`.
    ///
    /// ```ignore
    /// let store = store.clone();
    /// metrics.gauge_fn("checkout_payouts", "Payouts by status", move || {
    ///     let store = store.clone();
    ///     async move {
    ///         let counts = store.payout_counts().await.map_err(|e| e.to_string())?;
    ///         Ok(counts.into_iter().map(|(s, n)| (vec![("status", s)], n)).collect())
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
        self.claim(name)?;
        let callback: GaugeCallback = Arc::new(move || Box::pin(callback()) as GaugeFuture);
        if let Ok(mut gauges) = self.inner.gauges.write() {
            gauges.push(ScrapeGauge {
                name,
                help,
                callback,
            });
        }
        Ok(())
    }

    /// The exposition of everything registered, gauges computed now.
    pub async fn render(&self) -> String {
        let gauges: Vec<ScrapeGauge> = self
            .inner
            .gauges
            .read()
            .map(|g| g.clone())
            .unwrap_or_default();
        let values = join_all(gauges.iter().map(|g| (g.callback)())).await;
        let mut scrape = Registry::default();
        let mut errors = 0_i64;
        for (gauge, value) in gauges.iter().zip(values) {
            match value {
                Ok(samples) => {
                    let family = Family::<GaugeLabels, Gauge>::default();
                    for (labels, value) in &samples {
                        family.get_or_create(labels).set(*value);
                    }
                    scrape.register(gauge.name, gauge.help, family);
                }
                Err(error) => {
                    errors += 1;
                    tracing::warn!(metric = gauge.name, %error, "metrics: gauge left out of this scrape");
                }
            }
        }
        let collect_errors = Gauge::<i64>::default();
        collect_errors.set(errors);
        scrape.register(
            COLLECT_ERRORS,
            "Gauges that could not be computed in this scrape (left out)",
            collect_errors,
        );

        let mut text = String::new();
        // Writing into a String cannot fail.
        if let Ok(registry) = self.inner.registry.read() {
            let _ = prometheus_text::encode(&mut text, &registry);
        }
        let _ = prometheus_text::encode(&mut text, &scrape);
        text
    }

    /// Reserves `name`, or says why not.
    fn claim(&self, name: &str) -> Result<(), MetricsError> {
        if !valid_name(name) {
            return Err(MetricsError::InvalidName(name.to_owned()));
        }
        let Ok(mut taken) = self.inner.names.lock() else {
            return Ok(());
        };
        if !taken.insert(name.to_owned()) {
            return Err(MetricsError::Duplicate(name.to_owned()));
        }
        Ok(())
    }
}

/// One sample per value of `label`: every `known` one (0 when absent from `counts`), then
/// any other value counted (so a value added later still shows).
pub fn with_zeros<'a>(
    label: &'static str,
    known: impl IntoIterator<Item = &'a str>,
    counts: Vec<(String, i64)>,
) -> GaugeSamples {
    let mut samples: GaugeSamples = known
        .into_iter()
        .map(|value| {
            let n = counts
                .iter()
                .find(|(v, _)| v == value)
                .map_or(0, |(_, n)| *n);
            (vec![(label, value.to_owned())], n)
        })
        .collect();
    for (value, n) in counts {
        if !samples.iter().any(|(labels, _)| labels[0].1 == value) {
            samples.push((vec![(label, value)], n));
        }
    }
    samples
}

/// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}
