//! `POST /demo/api/sessions` (sandbox mode only, no API key): a session for the demo shop's
//! fixed cart with a random order id, so the demo page can start a checkout by itself.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::{CreateSessionRequest, SessionCreated};
use shared::{Amount, CustomerUserId, Description, OrderId};

use super::AppState;
use crate::error::ApiError;

/// The demo cart's price.
pub const DEMO_AMOUNT_KOPECKS: u64 = 150_000;

/// Create a session for the demo cart.
#[utoipa::path(post, path = "/demo/api/sessions", tag = "sandbox",
    responses(
        (status = 201, description = "A session for the demo cart", body = shared::api::SessionCreated),
        (status = 429, description = "`rate_limited`", body = shared::api::ApiErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let order_id = OrderId::parse(format!("demo-{}", &suffix[..12])).map_err(|e| internal(&e))?;
    let mut request = CreateSessionRequest::new(
        order_id,
        Amount::from_kopecks(DEMO_AMOUNT_KOPECKS).map_err(|e| internal(&e))?,
        CustomerUserId::parse("demo-buyer").map_err(|e| internal(&e))?,
    );
    request.description = Some(
        Description::parse("Demo order: 1 × alikassa-checkout T-shirt")
            .map_err(|e| internal(&e))?,
    );
    let (created, _) = state.sessions.create(request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
