//! Widget API, addressed by the session token only: view, pay, status, check.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shared::api::{CheckoutView, PayAnswer, PayRequest, StatusUpdate};

use super::AppState;
use super::extract::{ApiJson, ClientIp, session_token, user_agent};
use crate::error::ApiError;
use crate::sessions::Payer;

/// What the widget shows for a session (including the payment already started).
#[utoipa::path(get, path = "/api/v1/checkout/{token}", tag = "widget",
    params(("token" = String, Path, description = "Session token")),
    responses(
        (status = 200, description = "The session", body = shared::api::CheckoutView),
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited` (per IP)", body = shared::api::ApiErrorBody),
    ))]
pub async fn view(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<CheckoutView>, ApiError> {
    Ok(Json(state.sessions.view(&session_token(&token)?).await?))
}

/// Start paying with a method: requisites or a redirect URL, the deadline and the server's
/// clock. Idempotent: the same method answers the same payment; another method while the
/// payment waits starts a new attempt (recorded).
#[utoipa::path(post, path = "/api/v1/checkout/{token}/pay", tag = "widget",
    params(("token" = String, Path, description = "Session token")),
    request_body = shared::api::PayRequest,
    responses(
        (status = 200, description = "What the buyer must do", body = shared::api::PayAnswer),
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
        (status = 409, description = "`session_closed`, `too_many_attempts`", body = shared::api::ApiErrorBody),
        (status = 410, description = "`session_expired`", body = shared::api::ApiErrorBody),
        (status = 422, description = "`invalid_request`, `method_not_offered`", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited`", body = shared::api::ApiErrorBody),
        (status = 502, description = "`gateway_rejected`, `gateway_unavailable`, `gateway_auth_failed`", body = shared::api::ApiErrorBody),
        (status = 504, description = "`gateway_timeout`: try again; no second payment is created", body = shared::api::ApiErrorBody),
    ))]
pub async fn pay(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PayRequest>,
) -> Result<Json<PayAnswer>, ApiError> {
    let token = session_token(&token)?;
    let payer = Payer {
        ip: ip.customer_ip(),
        user_agent: user_agent(&headers),
    };
    Ok(Json(
        state.sessions.pay(&token, request.method, payer).await?,
    ))
}

/// The current status, from the store (cheap; poll it or use `…/events`).
#[utoipa::path(get, path = "/api/v1/checkout/{token}/status", tag = "widget",
    params(("token" = String, Path, description = "Session token")),
    responses(
        (status = 200, description = "Status", body = shared::api::StatusUpdate),
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited`", body = shared::api::ApiErrorBody),
    ))]
pub async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<StatusUpdate>, ApiError> {
    let (_, update) = state.sessions.status(&session_token(&token)?).await?;
    Ok(Json(update))
}

/// "I've paid": one immediate upstream status check. At most one upstream call per payment
/// per 10 s (shared with the reconciler): within that window the stored status is answered
/// with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/checkout/{token}/check", tag = "widget",
    params(("token" = String, Path, description = "Session token")),
    responses(
        (status = 200, description = "Status after the check (with `Retry-After` when no upstream call was made)", body = shared::api::StatusUpdate),
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited`", body = shared::api::ApiErrorBody),
    ))]
pub async fn check(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let (update, wait) = state.sessions.check(&session_token(&token)?).await?;
    let mut response = Json(update).into_response();
    if let Some(wait) = wait {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    Ok(response)
}

/// `GET /widget/v1/origin`: whether the calling page's origin may use the widget API. Served
/// to any origin (like the widget's files), so a widget refused by CORS can tell the shop's
/// developer why instead of reporting a network error.
pub async fn origin(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let allowed = origin.is_empty()
        || super::layers::origin_allowed(&state.http.cors, state.http.test_mode, &origin);
    let mut response = Json(serde_json::json!({
        "origin": origin,
        "allowed": allowed,
        "test_mode": state.http.test_mode,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
