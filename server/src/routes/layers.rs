//! Layers of our own: request ids, request metrics, security headers, a per-IP token bucket
//! for the public (widget, demo) endpoints, and a request timeout answering in our error
//! shape.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::extract::client_ip;
use tower::{Layer as _, ServiceExt as _};
use tower_http::cors::CorsLayer;

use crate::config::{CorsOrigins, RateLimitConfig};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::telemetry::request_id::{self, RequestId};

/// Gives every request an id: the client's `X-Request-Id` when sane, else a new UUID. It is
/// put back on the request (the trace span reads it), made current for gateway calls made
/// while serving it, and echoed on the response.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = RequestId::from_header(
        req.headers()
            .get(request_id::HEADER)
            .map(HeaderValue::as_bytes),
    );
    let value = HeaderValue::from_str(id.as_str()).ok();
    if let Some(value) = &value {
        req.headers_mut().insert(request_id::HEADER, value.clone());
    }
    req.extensions_mut().insert(id.clone());
    let mut response = id.scope(next.run(req)).await;
    if let Some(value) = value {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    response
}

/// Counts the request and times it, labelled by the matched route template (never the raw
/// path: it may hold a session token).
pub async fn track_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    record_request(&state.metrics, req, next).await
}

/// [`track_metrics`] over any registry (tests build routers without an [`AppState`]).
pub async fn record_request(metrics: &Metrics, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.http().record(
        route.as_deref(),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Adds `X-Content-Type-Options`, `Referrer-Policy` (the hosted page URL holds the token),
/// `X-Frame-Options: DENY` except on the widget assets (embedded by merchants), HSTS when the
/// public URL is https, and `Cache-Control: no-store` on API answers, metrics and probes.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !path.starts_with("/widget/") {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if state.http.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let api = [
        "/api/",
        "/webhooks/",
        "/demo/api/",
        "/metrics",
        "/healthz",
        "/readyz",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Paths browsers on merchant sites may call: the widget API, the demo.
const CORS_PREFIXES: [&str; 2] = ["/api/v1/checkout/", "/demo/api/"];

/// Applies the CORS allow-list to the widget API only (never the merchant API). The widget's
/// files (`/widget/…`) are public, token-free and the same for everyone, so any origin may
/// load them: the script then runs on a shop the list does not name and can say so in its
/// own box instead of leaving it blank (the API stays closed to that shop).
///
/// Why `Access-Control-Allow-Origin: *` there is safe: everything under `/widget/` is public —
/// the build's files, `manifest.json`, and `/widget/v1/origin` (which tells a page only its own
/// origin, whether it is allowed, and whether this is a sandbox); no token, session or account
/// data lives there. `*` never goes with `Access-Control-Allow-Credentials`, so a browser sends
/// no cookies or HTTP auth with these requests (and the server sets no cookies at all). The
/// prefix is matched on the same raw path the router sees, so no other route can get `*`:
/// everything else is the allow-list or nothing (routes::tests::only_the_widget_files_are_open_to_any_origin).
pub async fn cors(layer: Option<CorsLayer>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let layer = if path.starts_with("/widget/") {
        Some(
            CorsLayer::new()
                .allow_origin(tower_http::cors::AllowOrigin::any())
                .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD])
                .max_age(std::time::Duration::from_secs(600)),
        )
    } else if CORS_PREFIXES.iter().any(|p| path.starts_with(p)) {
        layer
    } else {
        None
    };
    match layer {
        Some(layer) => match layer.layer(next).oneshot(req).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        },
        None => next.run(req).await,
    }
}

/// Whether a browser page of `origin` may call the widget API: listed (or `*`), or, in
/// sandbox mode, any loopback origin (`localhost`, `127.0.0.1`, `[::1]`, any port).
pub fn origin_allowed(origins: &CorsOrigins, test_mode: bool, origin: &str) -> bool {
    let listed = match origins {
        CorsOrigins::Any => true,
        CorsOrigins::List(list) => list.iter().any(|o| o == origin),
    };
    listed || (test_mode && is_loopback_origin(origin))
}

/// `http(s)://localhost|127.0.0.1|[::1][:port]`.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next().unwrap_or_default()
    } else {
        rest.split(':').next().unwrap_or_default()
    };
    let port_ok = match &rest[host.len()..] {
        "" => true,
        port => port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
    };
    port_ok && (host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]")
}

/// Compresses HTML and JSON answers on the fly for clients that accept it (never the event
/// stream: each event must reach the buyer when sent, not when a compressor block fills).
/// Answers that already carry a `Content-Encoding` (the widget's precompressed files) pass.
pub fn compression() -> tower_http::compression::CompressionLayer<
    tower_http::compression::predicate::And<
        tower_http::compression::DefaultPredicate,
        tower_http::compression::predicate::NotForContentType,
    >,
> {
    use tower_http::compression::predicate::{NotForContentType, Predicate as _};
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
        .no_deflate()
        .no_zstd()
        .compress_when(
            tower_http::compression::DefaultPredicate::new()
                .and(NotForContentType::const_new("text/event-stream")),
        )
}

/// Fails a request that takes longer than `server.request_timeout_secs` (streams only need
/// their headers in time).
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.http.request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}

/// Applies the per-IP limit.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let ip = client_ip(&parts, &state.client_ip);
    if let Err(retry_after_secs) = state.rate_limiter.check(ip) {
        tracing::info!(%ip, "rate limited");
        return ApiError::RateLimited { retry_after_secs }.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A token bucket per client IP.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before full ones are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    /// A limiter; `per_minute == 0` lets everything through.
    pub fn new(config: RateLimitConfig) -> RateLimiter {
        RateLimiter {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip`, or says how many seconds until one is available.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.config.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.config.per_minute) / 60.0;
        let burst = f64::from(self.config.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= SWEEP_AT {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refilled = bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = refilled.min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err(Duration::from_secs_f64(wait).as_secs().max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let limiter = RateLimiter::new(RateLimitConfig {
            per_minute: 60,
            burst: 3,
        });
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        let other: IpAddr = "203.0.113.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(ip, t0).is_ok());
        }
        assert_eq!(limiter.check_at(ip, t0), Err(1));
        assert!(limiter.check_at(other, t0).is_ok());
        assert!(
            limiter
                .check_at(ip, t0 + Duration::from_millis(1_001))
                .is_ok()
        );
        assert!(
            limiter
                .check_at(ip, t0 + Duration::from_millis(1_002))
                .is_err()
        );
    }

    #[test]
    fn sandbox_allows_loopback_origins_only() {
        let list = CorsOrigins::List(vec!["https://shop.example.ru".into()]);
        for origin in [
            "http://localhost:3000",
            "http://localhost",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://LOCALHOST:8443",
        ] {
            assert!(origin_allowed(&list, true, origin), "{origin}");
            assert!(!origin_allowed(&list, false, origin), "live: {origin}");
        }
        for origin in [
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "http://evil.example:3000",
            "http://localhost:80x",
            "http://[::1]evil",
            "file://localhost",
            "null",
        ] {
            assert!(!origin_allowed(&list, true, origin), "{origin}");
        }
        assert!(origin_allowed(&list, false, "https://shop.example.ru"));
        assert!(origin_allowed(
            &CorsOrigins::Any,
            false,
            "https://any.example"
        ));
    }

    #[test]
    fn zero_rate_disables() {
        let limiter = RateLimiter::new(RateLimitConfig {
            per_minute: 0,
            burst: 1,
        });
        let ip: IpAddr = "::1".parse().unwrap();
        for _ in 0..100 {
            assert!(limiter.check(ip).is_ok());
        }
    }
}
