//! `/webhooks/alikassa`: gateway notifications by GET query, POST form or POST JSON.
//!
//! The signature is verified over the raw received values before anything touches state;
//! unverifiable → 401 (logged, nothing changes). A redelivery is answered `200 OK` without
//! effect; the body is always `OK` on success, as the gateway's plugins expect.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::api::StatusSource;
use shared::gateway::NotificationType;

use super::AppState;
use super::extract::{is_json, read_body};
use crate::error::ApiError;
use crate::notify::{RawNotification, json_fields};
use crate::sessions::{Applied, StatusReport};

/// Receive a gateway notification.
#[utoipa::path(method(get, post), path = "/webhooks/alikassa", tag = "gateway",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Notification fields (§4.2 of the gateway docs), also accepted as a GET query or a JSON object"),
    responses(
        (status = 200, description = "Accepted (or a redelivery): body `OK`", content_type = "text/plain"),
        (status = 401, description = "`invalid_signature`: nothing changed", body = super::openapi::schemas::ApiErrorBody),
    ))]
pub async fn notification(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let raw = read_notification(request, &state).await?;
    let verified = match state.verifier.verify(&raw) {
        Ok(v) => v,
        Err(e) => {
            let id = raw
                .fields
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.as_str());
            tracing::warn!(error = %e, gateway_payment_id = ?id, "notification refused");
            return Err(ApiError::InvalidSignature);
        }
    };
    tracing::info!(gateway_payment_id = %verified.id, status = %verified.status,
        variant = verified.variant, digest = %verified.digest, "notification verified");
    if verified.kind != NotificationType::Payment {
        tracing::info!(gateway_payment_id = %verified.id, "payout notification ignored (no payouts here)");
        return Ok(ok());
    }
    let ours = state.sessions.gateway().account();
    if verified.account.is_some_and(|a| a != ours) {
        tracing::warn!(account = ?verified.account, "notification for another account ignored");
        return Ok(ok());
    }
    let store = state.sessions.store();
    let now = state.sessions.clock().now();
    let first = store
        .record_receipt(
            &verified.dedupe_key,
            Some(verified.id),
            Some(verified.status),
            "received",
            now,
        )
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !first {
        tracing::info!(gateway_payment_id = %verified.id, "duplicate notification");
        return Ok(ok());
    }
    let report = StatusReport {
        gateway_payment_id: verified.id,
        gateway_order_id: verified.order_id.clone(),
        status: verified.status,
        paid_amount: verified.paid_amount,
        partial: verified.partial,
    };
    match state
        .sessions
        .apply_report(&report, StatusSource::Notification)
        .await
    {
        Ok(Applied::UnknownPayment) => {
            tracing::warn!(gateway_payment_id = %verified.id, "notification for a payment we do not know");
            Ok(ok())
        }
        Ok(_) => Ok(ok()),
        Err(e) => {
            // Let the gateway deliver it again.
            let _ = store.forget_receipt(&verified.dedupe_key).await;
            Err(e.into())
        }
    }
}

fn ok() -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        "OK",
    )
        .into_response()
}

/// The fields from the query string and, for a POST, the form or JSON body (body wins).
async fn read_notification(
    request: Request,
    state: &AppState,
) -> Result<RawNotification, ApiError> {
    let mut fields: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let mut json_body = None;
    if request.method() == Method::POST {
        let json = is_json(request.headers());
        let body = read_body(request, state).await?;
        if json || body.first() == Some(&b'{') {
            let parsed = json_fields(&body)
                .ok_or_else(|| ApiError::InvalidJson("expected a JSON object".into()))?;
            fields.extend(parsed);
            json_body = Some(body.to_vec());
        } else {
            fields.extend(form_urlencoded::parse(&body).into_owned());
        }
    }
    Ok(RawNotification { fields, json_body })
}
