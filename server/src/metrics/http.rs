//! Our own HTTP requests: a counter by route template, method and status, and a duration
//! histogram by route template and method. Labels come from the matched route template
//! (`/api/v1/checkout/{token}`), never from the raw path, so no token or id reaches them and
//! the number of series stays bounded.

use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use super::{Metrics, MetricsError};

/// The `route` label of requests that matched no route (404s, probes of random paths).
pub const UNMATCHED: &str = "unmatched";

/// Buckets of our own request durations (seconds).
pub const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Answered {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Timed {
    route: String,
    method: &'static str,
}

/// Request counters and durations; recorded by the request layer.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    requests: Family<Answered, Counter>,
    durations: Family<Timed, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> HttpMetrics {
        HttpMetrics {
            requests: Family::default(),
            durations: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
}

impl HttpMetrics {
    /// Registers both families on `metrics`.
    pub(super) fn register(&self, metrics: &Metrics) -> Result<(), MetricsError> {
        metrics.register(
            "checkout_http_requests",
            "HTTP requests answered, by route template, method and status code",
            self.requests.clone(),
        )?;
        metrics.register(
            "checkout_http_request_duration_seconds",
            "Time to answer a request (until the response head; streams excluded), by route template and method",
            self.durations.clone(),
        )
    }

    /// Records one answered request. `route` is the matched template (`None`: no route
    /// matched).
    pub fn record(&self, route: Option<&str>, method: &Method, status: u16, elapsed: Duration) {
        let route = route.unwrap_or(UNMATCHED).to_owned();
        let method = method_label(method);
        self.durations
            .get_or_create(&Timed {
                route: route.clone(),
                method,
            })
            .observe(elapsed.as_secs_f64());
        self.requests
            .get_or_create(&Answered {
                route,
                method,
                status,
            })
            .inc();
    }
}

/// The method as a label; anything unusual is `other` (clients choose methods freely).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "other",
    }
}
