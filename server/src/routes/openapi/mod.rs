//! The OpenAPI document of every endpoint, at `GET /api/openapi.json` (utoipa).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod parts;

/// The document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "alikassa-checkout",
        description = "Self-hosted checkout for the AliKassa gateway: merchant API (API key), widget API (session token), gateway notifications. Errors are `{\"error\":{\"code\",\"message\",\"details\"?}}` with stable codes."
    ),
    paths(
        super::merchant::create,
        super::merchant::list,
        super::merchant::details,
        super::payouts::create,
        super::payouts::list,
        super::payouts::details,
        super::payouts::refresh,
        super::payouts::balance,
        super::events_api::list,
        super::events_api::details,
        super::events_api::resend,
        super::widget::view,
        super::widget::pay,
        super::widget::status,
        super::events::events,
        super::widget::check,
        super::webhooks::notification,
        super::health::healthz,
        super::health::readyz,
        super::metrics::metrics,
        super::demo::create,
        document,
    ),
    components(schemas(
        shared::api::ApiErrorBody,
        shared::api::ApiError,
        crate::payouts::PayoutBody,
        crate::payouts::PayoutView,
        crate::payouts::PayoutList,
        crate::payouts::PayoutStatus,
        crate::payouts::BalanceView,
        shared::api::CreateSessionRequest,
        shared::api::SessionCreated,
        shared::api::SessionDetails,
        shared::api::SessionList,
        shared::api::PaymentAttempt,
        shared::api::AttemptState,
        shared::api::StatusChange,
        shared::api::StatusSource,
        shared::api::CheckoutView,
        shared::api::PayRequest,
        shared::api::PayAnswer,
        shared::api::Requisites,
        shared::api::StatusUpdate,
        shared::Method,
        shared::SessionStatus,
        shared::PaymentStatus,
        shared::api::Locale,
        super::health::Health,
        super::health::Ready,
        super::events_api::Event,
        super::events_api::Delivery,
        super::events_api::Attempt,
        super::events_api::EventList,
        super::health::ReadyChecks,
    )),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "merchant", description = "Merchant API: `Authorization: Bearer <api key>`"),
        (name = "widget", description = "Widget API: addressed by the session token; CORS allow-list; per-IP limits"),
        (name = "gateway", description = "Notifications from the AliKassa gateway"),
        (name = "operations", description = "Liveness, readiness, Prometheus metrics"),
        (name = "sandbox", description = "Sandbox mode only"),
    )
)]
pub struct ApiDoc;

/// Declares the `api_key` bearer scheme.
struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "api_key",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document as JSON text (pretty, stable key order).
pub fn json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests;
