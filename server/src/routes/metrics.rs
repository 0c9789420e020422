//! `GET /metrics`: the Prometheus exposition (text format 0.0.4) of
//! [`crate::metrics::Metrics`]. Behind the merchant API key unless `metrics.public = true` (for
//! operators who restrict it at the network level instead).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::AppState;
use super::extract::Merchant;
use crate::error::ApiError;
use crate::metrics::CONTENT_TYPE;

/// Prometheus metrics.
///
/// HTTP requests by route template and status, request and gateway call latency histograms,
/// gateway calls by path, sessions and payment attempts by status, SSE subscribers (see the
/// operations section of docs/merchant-api.md). Behind the API key unless
/// `metrics.public = true`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    security(("api_key" = []), ()),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
        (status = 401, description = "`unauthorized` (unless `metrics.public = true`)", body = shared::api::ApiErrorBody),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    merchant: Result<Merchant, ApiError>,
) -> Result<impl IntoResponse, ApiError> {
    if !state.http.metrics_public {
        merchant?;
    }
    let body = state.metrics.render().await;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body))
}
