//! The merchant dashboard at `/dashboard/`: server-rendered pages for the shop's operators
//! (see `crate::operators` for who gets in). Plain Rust over the one escaper
//! (`crate::html`), one CSS file and no script: every page works without JavaScript, under a
//! strict Content-Security-Policy, in Russian and English, light and dark, from 375 px wide.
//!
//! Handlers call the services (`Sessions`, `Payouts`, `outbox::Events`, `Operators`) like the
//! API's do. Reading needs a signed-in operator of any role; every change is a POST with the
//! session's CSRF token and needs the `operator` role (a viewer gets 403 and sees no button).

mod auth;
mod chart;
mod export;
mod layout;
mod login;
mod notifications;
mod overview;
mod payouts;
mod sandbox;
mod sessions;
mod system;
mod webhooks;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use auth::{SESSION_COOKIE, session_cookie};
pub use layout::Lang;

use crate::operators::Operators;
use crate::routes::AppState;

/// What the dashboard needs besides the services in [`AppState`].
#[derive(Debug)]
pub struct Dashboard {
    /// Operators and their sign-ins.
    pub operators: Operators,
    /// Mark the session cookie `Secure` (the public URL is https).
    pub secure_cookie: bool,
    /// The configuration without secrets, for the system page: `(key, value)`.
    pub config_summary: Vec<(String, String)>,
    /// The merchant's webhook endpoint: its URL and the last characters of its secret.
    pub webhook_endpoint: Option<(String, String)>,
}

/// The dashboard's routes (merged into the app's router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/dashboard",
            get(|| async { Redirect::permanent("/dashboard/") }),
        )
        .route("/dashboard/", get(overview::page))
        .route("/dashboard/login", get(login::form).post(login::submit))
        .route("/dashboard/logout", post(login::logout))
        .route("/dashboard/lang", get(layout::switch_language))
        .route("/dashboard/assets/dashboard.css", get(stylesheet))
        .route("/dashboard/sessions", get(sessions::list))
        .route("/dashboard/sessions.csv", get(export::sessions_csv))
        .route("/dashboard/sessions/{id}", get(sessions::details))
        .route("/dashboard/sessions/{id}/refresh", post(sessions::refresh))
        .route(
            "/dashboard/sessions/{id}/sandbox",
            post(sandbox::finish_payment),
        )
        .route("/dashboard/events/{id}/resend", post(webhooks::resend))
        .route("/dashboard/webhooks", get(webhooks::list))
        .route(
            "/dashboard/payouts",
            get(payouts::list).post(payouts::create),
        )
        .route("/dashboard/payouts/new", get(payouts::form))
        .route("/dashboard/payouts/confirm", post(payouts::confirm))
        .route("/dashboard/payouts/{id}", get(payouts::details))
        .route("/dashboard/payouts/{id}/refresh", post(payouts::refresh))
        .route(
            "/dashboard/payouts/{id}/sandbox",
            post(sandbox::finish_payout),
        )
        .route("/dashboard/system", get(system::page))
        .route("/dashboard/sandbox/clock", post(sandbox::advance_clock))
        .layer(from_fn(headers))
}

/// No inline script or style anywhere, nothing cached, never framed.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("dashboard.css"),
    )
        .into_response()
}

/// Why a dashboard request failed, as a page.
#[derive(Debug)]
pub enum DashError {
    /// Not signed in: to the login page, then back to `next`.
    SignIn {
        /// Where to go after signing in.
        next: String,
    },
    /// The operator's role does not allow this, or the CSRF token is missing or wrong.
    Forbidden(&'static str),
    /// No such thing.
    NotFound,
    /// A malformed request (bad filter, bad id).
    BadRequest(String),
    /// Something failed inside (logged).
    Internal(String),
}

macro_rules! internal_from {
    ($($error:ty),*) => {$(
        impl From<$error> for DashError {
            fn from(e: $error) -> DashError {
                DashError::Internal(e.to_string())
            }
        }
    )*};
}
internal_from!(
    crate::store::StoreError,
    crate::sessions::SessionError,
    crate::operators::OperatorError
);

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        use axum::http::StatusCode;
        let (status, en, ru, detail) = match self {
            DashError::SignIn { next } => {
                let to = format!(
                    "/dashboard/login?next={}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&to).into_response();
            }
            DashError::Forbidden(why) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Недостаточно прав",
                why.to_owned(),
            ),
            DashError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "Не найдено",
                String::new(),
            ),
            DashError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                "Неверный запрос",
                why,
            ),
            DashError::Internal(cause) => {
                tracing::error!(%cause, "dashboard request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Что-то пошло не так",
                    "The error is logged.".to_owned(),
                )
            }
        };
        (status, layout::error_page(status.as_u16(), en, ru, &detail)).into_response()
    }
}
