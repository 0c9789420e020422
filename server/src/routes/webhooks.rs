//! `/webhooks/alikassa`: gateway notifications by GET query, POST form or POST JSON.
//!
//! The signature is verified over the raw received values before anything touches state;
//! unverifiable → 401 (logged, nothing changes). The verified notification goes to its
//! service (`Sessions` or `Payouts`, `apply_notification`), which applies it at most once: a
//! redelivery is answered `200 OK` without effect; the body is always `OK` on success, as the
//! gateway's plugins expect.
//!
//! Every notification applied, and every refused one within the journal's bounds, is recorded
//! by the notifications service ([`crate::notify::journal`]) for the dashboard's timelines.
//!
//! Under a flood ([`super::notify_guard`]): signatures are checked off the async threads a
//! few at a time (over the queue: `503 server_busy` + `Retry-After`, the gateway retries), and
//! an address refused too often is answered `429 rate_limited` unread until its window ends.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::gateway::NotificationType;

use super::AppState;
use super::caps::ClientGroup;
use super::extract::{ClientIp, is_json, read_body};
use crate::error::ApiError;
use crate::notify::journal::{Claim, Refusal};
use crate::notify::receipts::Receipt;
use crate::notify::{RawNotification, Verified, json_fields};

/// Receive a gateway notification.
#[utoipa::path(method(get, post), path = "/webhooks/alikassa", tag = "gateway",
    request_body(content_type = "application/x-www-form-urlencoded", description = "Notification fields (§4.2 of the gateway docs), also accepted as a GET query or a JSON object"),
    responses(
        (status = 200, description = "Accepted (or a redelivery): body `OK`", content_type = "text/plain"),
        (status = 401, description = "`invalid_signature`: nothing changed", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited`: too many refused notifications from this address lately; `Retry-After`", body = shared::api::ApiErrorBody),
        (status = 503, description = "`server_busy`: too many notifications being verified; `Retry-After`", body = shared::api::ApiErrorBody),
    ))]
pub async fn notification(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
) -> Result<Response, ApiError> {
    let guard = &state.notify_guard;
    if let Err(retry_after_secs) = guard.admit(ip) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    let journal = &state.notifications;
    let at = journal.now();
    let client = ClientGroup::from(ip).to_string();
    let raw = match read_notification(request, &state).await {
        Ok(raw) => raw,
        Err((e, head)) => {
            guard.refused(ip, &e);
            journal
                .refused(at, &client, Refusal::MalformedBody, &Claim::of_body(&head))
                .await;
            return Err(e);
        }
    };
    let verifier = std::sync::Arc::clone(&state.verifier);
    let (raw, checked) = guard
        .verify(move || {
            let checked = verifier.verify(&raw);
            (raw, checked)
        })
        .await?;
    let verified = match checked {
        Ok(v) => v,
        Err(e) => {
            let claim = match raw.json_body.as_deref() {
                Some(body) => {
                    json_fields(body).map_or_else(|| Claim::of_body(body), |f| Claim::of_fields(&f))
                }
                None => Claim::of_fields(&raw.fields),
            };
            guard.refused(
                ip,
                &format_args!(
                    "{e} (gateway_payment_id {})",
                    claim
                        .gateway_id
                        .map_or_else(|| "-".to_owned(), |id| id.to_string())
                ),
            );
            journal.refused(at, &client, Refusal::of(&e), &claim).await;
            return Err(ApiError::InvalidSignature);
        }
    };
    tracing::info!(gateway_payment_id = %verified.id, status = %verified.status,
        variant = verified.variant, digest = %verified.digest, "notification verified");
    let receipt = match verified.kind {
        NotificationType::Payout => state.payouts.apply_notification(&verified).await?,
        NotificationType::Payment => state.sessions.apply_notification(&verified).await?,
    };
    // `duplicate`: a redelivery of what was applied; `concurrent`: applied once while a
    // redelivery raced it.
    let concurrent = matches!(receipt, Receipt::Recorded { first: false, .. });
    tracing::info!(gateway_payment_id = %verified.id, kind = ?verified.kind,
        outcome = receipt.outcome(), concurrent, "notification handled");
    match receipt {
        // Kept once, by the delivery that applied it.
        Receipt::Recorded {
            outcome,
            first: true,
        } => {
            journal.accepted(at, &client, &verified, outcome).await;
        }
        Receipt::NotRecorded { outcome } => {
            let claim = claim_of_verified(&verified);
            journal
                .refused(
                    at,
                    &client,
                    Refusal::of_outcome(verified.kind, outcome),
                    &claim,
                )
                .await;
        }
        Receipt::Recorded { first: false, .. } | Receipt::Duplicate => {}
    }
    Ok(ok())
}

/// What a verified notification names.
fn claim_of_verified(verified: &Verified) -> Claim {
    Claim {
        kind: Some(verified.kind),
        gateway_id: i64::try_from(verified.id.get()).ok(),
        order_id: verified.order_id.as_ref().map(|o| o.as_str().to_owned()),
        excerpt: None,
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

/// The fields of exactly one source: a GET's query; a POST's JSON or form body; the query of
/// a POST whose body is empty. Sources are never merged: the signature covers one set of
/// values, and a field taken from another source (an unsigned query parameter next to a
/// signed body) would let anyone choose what the checkout reads.
/// A body that cannot be read is refused with its first bytes (for the journal's excerpt).
async fn read_notification(
    request: Request,
    state: &AppState,
) -> Result<RawNotification, (ApiError, Vec<u8>)> {
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    if request.method() != Method::POST {
        return Ok(RawNotification {
            fields: query,
            json_body: None,
        });
    }
    let json = is_json(request.headers());
    let body = read_body(request, state)
        .await
        .map_err(|e| (e, Vec::new()))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        // Some senders POST with everything in the query string and no body.
        return Ok(RawNotification {
            fields: query,
            json_body: None,
        });
    }
    if json || body.first() == Some(&b'{') {
        let fields = json_fields(&body).ok_or_else(|| {
            let head = body[..body.len().min(1024)].to_vec();
            (ApiError::InvalidJson("expected a JSON object".into()), head)
        })?;
        return Ok(RawNotification {
            fields,
            json_body: Some(body.to_vec()),
        });
    }
    Ok(RawNotification {
        fields: form_urlencoded::parse(&body).into_owned().collect(),
        json_body: None,
    })
}
