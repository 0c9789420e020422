//! The HTTP surface: [`build_router`] over one [`AppState`].
//!
//! * merchant API (`Authorization: Bearer`): [`merchant`], [`payouts`], the events we send
//!   to the merchant's webhook: [`events_api`];
//! * widget API (token only, CORS, per-IP limits): [`widget`], SSE in [`events`];
//! * gateway notifications: [`webhooks`]; probes: [`health`]; Prometheus: [`metrics`];
//!   OpenAPI: [`openapi`];
//! * the merchant dashboard (`/dashboard/`, operators' session cookie): [`crate::dashboard`];
//! * sandbox mode: the demo shop's session endpoint ([`demo`]) and the emulator under
//!   `/sandbox/`; the widget's pages and assets are merged from [`crate::widget`].

pub mod caps;
pub mod demo;
pub mod events;
pub mod events_api;
pub mod extract;
pub mod health;
pub mod layers;
pub mod merchant;
pub mod metrics;
pub mod notify_guard;
pub mod openapi;
pub mod payouts;
pub mod webhooks;
pub mod widget;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::ApiKeys;
use crate::config::CorsOrigins;
use crate::error::ApiError;
use crate::notify::NotificationVerifier;
use crate::sessions::Sessions;
use extract::ClientIpPolicy;
use layers::RateLimiter;

/// Everything a handler may need, behind one `Arc`: every request clones the state several
/// times (each `from_fn_with_state` layer, the `State` extractor), and one counter to bump
/// costs less than one per service — on the load figures the per-field clones of the
/// services' handles were over a tenth of a status poll's CPU.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state over `shared`.
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// The checkout service.
    pub sessions: Sessions,
    /// Payouts and the gateway balance.
    pub payouts: crate::payouts::Payouts,
    /// The merchant's events (`/api/v1/events`).
    pub events: crate::outbox::Events,
    /// Merchant API keys.
    pub api_keys: Arc<ApiKeys>,
    /// Notification signatures.
    pub verifier: Arc<NotificationVerifier>,
    /// Whose `X-Forwarded-For` is believed.
    pub client_ip: Arc<ClientIpPolicy>,
    /// Per-IP limits on public endpoints.
    pub rate_limiter: Arc<RateLimiter>,
    /// Flips to `true` at shutdown (ends SSE streams).
    pub shutdown: watch::Receiver<bool>,
    /// HTTP settings and routers mounted beside ours.
    pub http: Arc<HttpSettings>,
    /// Prometheus metrics, rendered at `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// What `/readyz` checks.
    pub readiness: Arc<health::Readiness>,
    /// Open SSE streams, capped.
    pub stream_caps: Arc<caps::StreamCaps>,
    /// Gateway notifications received, applied and refused, for the dashboard.
    pub notifications: crate::notify::journal::Notifications,
    /// Limits of the notification endpoint.
    pub notify_guard: Arc<notify_guard::NotificationGuard>,
    /// The merchant dashboard's operators and settings.
    pub dashboard: Arc<crate::dashboard::Dashboard>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("sessions", &self.sessions)
            .field("api_keys", &self.api_keys)
            .finish_non_exhaustive()
    }
}

/// HTTP settings, and the routers mounted beside ours.
pub struct HttpSettings {
    /// Origins allowed to use the widget API from a browser.
    pub cors: CorsOrigins,
    /// Largest request body.
    pub body_limit: usize,
    /// Longest request.
    pub request_timeout: Duration,
    /// Send `Strict-Transport-Security` (the public URL is https).
    pub hsts: bool,
    /// Sandbox mode.
    pub test_mode: bool,
    /// `/metrics` answers without the API key (`metrics.public`).
    pub metrics_public: bool,
    /// The widget's pages and assets.
    pub widget: Router,
    /// The emulator, mounted at `/sandbox` in sandbox mode.
    pub sandbox: Option<Router>,
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("cors", &self.cors)
            .field("body_limit", &self.body_limit)
            .field("request_timeout", &self.request_timeout)
            .field("hsts", &self.hsts)
            .field("test_mode", &self.test_mode)
            .field("metrics_public", &self.metrics_public)
            .field("sandbox", &self.sandbox.is_some())
            .finish_non_exhaustive()
    }
}

/// The `Sign` header of gateway calls (never logged).
const SIGN: HeaderName = HeaderName::from_static("sign");

/// All routes with their layers.
pub fn build_router(state: AppState) -> Router {
    let http = Arc::clone(&state.http);
    // Outside the routing, so preflights reach it before method matching.
    let cors = cors_layer(&http.cors, http.test_mode);
    let merchant = Router::new()
        .route(
            "/api/v1/sessions",
            post(merchant::create).get(merchant::list),
        )
        .route("/api/v1/sessions/{id}", get(merchant::details))
        .route("/api/v1/events", get(events_api::list))
        .route("/api/v1/events/{id}", get(events_api::details))
        .route("/api/v1/events/{id}/resend", post(events_api::resend))
        .route("/api/v1/payouts", post(payouts::create).get(payouts::list))
        .route("/api/v1/payouts/{id}", get(payouts::details))
        .route("/api/v1/payouts/{id}/refresh", post(payouts::refresh))
        .route("/api/v1/balance", get(payouts::balance));
    let mut public = Router::new()
        .route("/api/v1/checkout/{token}", get(widget::view))
        .route("/api/v1/checkout/{token}/pay", post(widget::pay))
        .route("/api/v1/checkout/{token}/status", get(widget::status))
        .route("/api/v1/checkout/{token}/events", get(events::events))
        .route("/api/v1/checkout/{token}/check", post(widget::check))
        .route("/widget/v1/origin", get(widget::origin));
    if http.test_mode {
        public = public.route("/demo/api/sessions", post(demo::create));
    }
    let public: Router = public
        .route_layer(from_fn_with_state(state.clone(), layers::rate_limit))
        .with_state(state.clone())
        .merge(http.widget.clone());
    let mut router: Router = Router::new()
        .merge(merchant)
        .route(
            "/webhooks/alikassa",
            get(webhooks::notification).post(webhooks::notification),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::document))
        .with_state(state.clone())
        .merge(public)
        .merge(crate::dashboard::routes().with_state(state.clone()));
    if let Some(sandbox) = &http.sandbox {
        router = router.nest("/sandbox", sandbox.clone());
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(http.body_limit))
        .layer(from_fn_with_state(state.clone(), layers::timeout))
        .layer(from_fn_with_state(state.clone(), layers::security_headers))
        .layer(from_fn(move |req, next| {
            layers::cors(cors.clone(), req, next)
        }))
        .layer(layers::compression())
        .layer(from_fn_with_state(state, layers::track_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            AUTHORIZATION,
            COOKIE,
            SIGN,
        ]))
        .layer(from_fn(layers::request_id))
}

/// CORS for the widget API (see [`layers::cors`]): the configured origins, and in sandbox
/// mode any loopback origin; `None` = same-origin only.
fn cors_layer(origins: &CorsOrigins, test_mode: bool) -> Option<CorsLayer> {
    if !test_mode && matches!(origins, CorsOrigins::List(list) if list.is_empty()) {
        return None;
    }
    let origins = origins.clone();
    let allow = AllowOrigin::predicate(move |origin: &HeaderValue, _| {
        origin
            .to_str()
            .is_ok_and(|o| layers::origin_allowed(&origins, test_mode, o))
    });
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([CONTENT_TYPE, HeaderName::from_static("last-event-id")])
            .max_age(Duration::from_secs(600)),
    )
}

/// The span of one request: method, path with tokens masked, request id (set and
/// sanitised by [`layers::request_id`] before this runs).
fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %redact_path(req.uri().path()),
        request_id,
    )
}

/// The path with every token-like segment (22+ URL-safe base64 characters, not a UUID) masked: session
/// tokens are bearer capabilities and must not reach the logs.
pub fn redact_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let token_like = segment.len() >= 22
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && uuid::Uuid::try_parse(segment).is_err();
            if token_like {
                format!("{}…", &segment[..4])
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests;
