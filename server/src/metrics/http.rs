//! Our own HTTP requests: a counter by route template, method and status, and a duration
//! histogram by route template and method. Labels come from the matched route template
//! (`/api/v1/checkout/{token}`), never from the raw path, so no token or id reaches them and
//! the number of series stays bounded.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;

use super::Collector;
use super::histogram::{HTTP_BUCKETS, Histogram};
use super::text::{Exposition, Kind};

/// The `route` label of requests that matched no route (404s, probes of random paths).
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug)]
struct Series {
    by_status: BTreeMap<u16, u64>,
    durations: Histogram,
}

/// Request counters and durations; recorded by the request layer.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    series: Mutex<BTreeMap<(String, &'static str), Series>>,
}

impl HttpMetrics {
    /// Records one answered request. `route` is the matched template (`None`: no route
    /// matched).
    pub fn record(&self, route: Option<&str>, method: &Method, status: u16, elapsed: Duration) {
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let key = (route.unwrap_or(UNMATCHED).to_owned(), method_label(method));
        let entry = series.entry(key).or_insert_with(|| Series {
            by_status: BTreeMap::new(),
            durations: Histogram::new(HTTP_BUCKETS),
        });
        *entry.by_status.entry(status).or_default() += 1;
        entry.durations.observe(elapsed);
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

impl Collector for HttpMetrics {
    fn collect(&self, out: &mut Exposition) {
        let Ok(series) = self.series.lock() else {
            return;
        };
        out.family(
            "checkout_http_requests_total",
            "HTTP requests answered, by route template, method and status code.",
            Kind::Counter,
        );
        for ((route, method), s) in series.iter() {
            for (status, n) in &s.by_status {
                let status = status.to_string();
                out.sample(
                    "checkout_http_requests_total",
                    &[("route", route), ("method", method), ("status", &status)],
                    *n as f64,
                );
            }
        }
        out.family(
            "checkout_http_request_duration_seconds",
            "Time to answer a request (until the response head; streams excluded), by route template and method.",
            Kind::Histogram,
        );
        for ((route, method), s) in series.iter() {
            out.histogram(
                "checkout_http_request_duration_seconds",
                &[("route", route), ("method", method)],
                &s.durations,
            );
        }
    }
}
