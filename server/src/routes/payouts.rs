//! Merchant API (`Authorization: Bearer <api key>`): payouts and the gateway balance.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::AppState;
use super::extract::{ApiJson, Merchant};
use super::openapi::parts::{InvalidQuery, PageParams, Unauthorized};
use crate::error::ApiError;
use crate::page::ListQuery;
use crate::payouts::{
    BalanceView, IdempotencyKey, IdempotencyKeyError, PayoutBody, PayoutError, PayoutList,
    PayoutStatus, PayoutView,
};

/// The `Idempotency-Key` header, checked before the body is read.
#[derive(Debug, Clone)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get("idempotency-key")
            .ok_or(PayoutError::IdempotencyKey(IdempotencyKeyError::Missing))?;
        let key = IdempotencyKey::parse(value.as_bytes()).map_err(PayoutError::IdempotencyKey)?;
        Ok(IdempotencyKeyHeader(key))
    }
}

/// Create a payout (SBP or bank account).
///
/// Send a new `Idempotency-Key` for every new payout and the same one to retry it: the same
/// key with the same request answers the stored payout (`200`) without sending anything; with
/// another request it is a `409 idempotency_conflict`. A payout whose gateway answer was lost
/// is answered `202` in status `creating`: it is looked up at the gateway by its order id, and
/// sent again with the same order id only once the gateway has said for a whole grace period
/// that it has none; if the outcome stays unknown it becomes `unknown` — never a second payout.
#[utoipa::path(post, path = "/api/v1/payouts", tag = "merchant",
    request_body = PayoutBody,
    params(("Idempotency-Key" = String, Header, description = "1–255 printable ASCII characters; one per payout")),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Sent: `pending` (or already final)", body = PayoutView),
        (status = 202, description = "Stored, the gateway's answer was lost: `creating`, resolved in the background", body = PayoutView),
        (status = 200, description = "A retry with the same key and request: the stored payout, nothing sent", body = PayoutView),
        (status = 400, description = "`invalid_idempotency_key` (missing or malformed header), `invalid_json`", body = shared::api::ApiErrorBody),
        Unauthorized,
        (status = 409, description = "`idempotency_conflict`: the key was used for another request", body = shared::api::ApiErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = shared::api::ApiErrorBody),
        (status = 422, description = "Invalid fields (`invalid_request`, with `details` by field)", body = shared::api::ApiErrorBody),
        (status = 502, description = "`gateway_rejected` (the gateway refused it: nothing was sent; the payout is stored `rejected`), `gateway_auth_failed`", body = shared::api::ApiErrorBody),
    ))]
pub async fn create(
    _: Merchant,
    State(state): State<AppState>,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(body): ApiJson<PayoutBody>,
) -> Result<(StatusCode, Json<PayoutView>), ApiError> {
    let created = state.payouts.create(key, &body, "merchant API").await?;
    let status = match (created.replayed, created.payout.status) {
        (true, _) => StatusCode::OK,
        (false, PayoutStatus::Creating | PayoutStatus::Unknown) => StatusCode::ACCEPTED,
        (false, _) => StatusCode::CREATED,
    };
    Ok((status, Json(created.payout)))
}

/// Read a payout.
#[utoipa::path(get, path = "/api/v1/payouts/{id}", tag = "merchant",
    params(("id" = String, Path, description = "Payout id (UUID)")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The payout", body = PayoutView),
        Unauthorized,
        (status = 404, description = "`payout_not_found`", body = shared::api::ApiErrorBody),
    ))]
pub async fn details(
    _: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PayoutView>, ApiError> {
    Ok(Json(state.payouts.get(&id).await?))
}

/// Ask the gateway about a payout now and apply its answer.
///
/// Looks the payout up by the gateway's id when known, else by its order id, and applies what
/// the gateway says exactly as a notification or the background checks would (a `creating`
/// or `unknown` payout the gateway holds becomes `pending`, `paid` or `failed`). A final payout
/// is answered as stored, without a call.
#[utoipa::path(post, path = "/api/v1/payouts/{id}/refresh", tag = "merchant",
    params(("id" = String, Path, description = "Payout id (UUID)")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The payout after the gateway's answer", body = PayoutView),
        Unauthorized,
        (status = 404, description = "`payout_not_found`", body = shared::api::ApiErrorBody),
        (status = 502, description = "`gateway_unavailable`, `gateway_auth_failed`: the gateway did not answer usably; the payout is unchanged", body = shared::api::ApiErrorBody),
        (status = 504, description = "`gateway_timeout`", body = shared::api::ApiErrorBody),
    ))]
pub async fn refresh(
    _: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PayoutView>, ApiError> {
    Ok(Json(state.payouts.refresh(&id).await?))
}

/// List payouts, newest first; pages follow `next_cursor`.
#[utoipa::path(get, path = "/api/v1/payouts", tag = "merchant",
    params(
        PageParams,
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = PayoutList),
        InvalidQuery,
        Unauthorized,
    ))]
pub async fn list(
    _: Merchant,
    State(state): State<AppState>,
    query: ListQuery,
) -> Result<Json<PayoutList>, ApiError> {
    if let Some((name, _)) = query.filters.first() {
        return Err(super::extract::unknown_parameter(name));
    }
    let after = query
        .after(super::extract::is_uuid)
        .map_err(ApiError::InvalidQuery)?;
    Ok(Json(state.payouts.list(query.limit, after).await?))
}

/// The gateway balance of the merchant's Account, to the kopeck.
#[utoipa::path(get, path = "/api/v1/balance", tag = "merchant",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The balance", body = BalanceView),
        Unauthorized,
        (status = 502, description = "`gateway_unavailable`, `gateway_auth_failed`", body = shared::api::ApiErrorBody),
        (status = 504, description = "`gateway_timeout`", body = shared::api::ApiErrorBody),
    ))]
pub async fn balance(
    _: Merchant,
    State(state): State<AppState>,
) -> Result<Json<BalanceView>, ApiError> {
    Ok(Json(state.payouts.balance().await?))
}
