//! The emulated gateway paths. Each handler: authenticate over the raw body, validate, call
//! one sandbox operation, answer the gateway's shape. Fault switches wrap them all.

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use shared::gateway::paths;

use super::auth::{KeyRole, authenticate};
use super::config::SandboxAccount;
use super::error::GatewayError;
use super::faults::CallFault;
use super::{Sandbox, validate, wire};

/// The gateway routes, with the fault switches applied to each call.
pub(super) fn routes(sandbox: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/v1/payment", post(create_payment))
        .route("/v1/payment/status", post(payment_status))
        .route("/v1/payment/history", post(payment_history))
        .route("/v1/payout", post(create_payout))
        .route("/v1/payout/status", post(payout_status))
        .route("/v1/account/balance", post(balance))
        .route("/v1/account/info", post(info))
        .route_layer(middleware::from_fn_with_state(sandbox, apply_faults))
}

type Answer<T> = Result<Json<T>, GatewayError>;

impl Sandbox {
    fn auth(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        role: KeyRole,
        path: &str,
    ) -> Result<&SandboxAccount, GatewayError> {
        authenticate(
            self.accounts(),
            self.inner.digest,
            headers,
            body,
            role,
            path,
        )
    }
}

/// A stored record could not be shown (it always can; this is the guard, not a path).
fn unshowable() -> GatewayError {
    GatewayError::Internal("a stored record does not fit the wire types".to_owned())
}

async fn create_payment(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    body: Bytes,
) -> Answer<shared::gateway::PaymentCreateResponse> {
    let account = sb.auth(&headers, &body, KeyRole::Payment, paths::PAYMENT)?;
    let new = validate::payment(&validate::fields(&body), account)?;
    let base = sb.base_url(&headers, &original, &uri);
    let payment = sb.create_payment(account.uuid, new, &base).await?;
    wire::payment_created(&payment)
        .map(Json)
        .ok_or_else(unshowable)
}

async fn payment_status(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<shared::gateway::PaymentStatusResponse> {
    let account = sb.auth(&headers, &body, KeyRole::Payment, paths::PAYMENT_STATUS)?;
    let lookup = validate::status(&validate::fields(&body))?;
    let ledger = sb.ledger().await;
    let payment = ledger
        .find_payment(&account.uuid, &lookup)
        .ok_or(GatewayError::NotFound)?;
    payment.status_response().map(Json).ok_or_else(unshowable)
}

async fn payment_history(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
    uri: Uri,
    body: Bytes,
) -> Answer<wire::HistoryBody> {
    let account = sb.auth(&headers, &body, KeyRole::Payment, paths::PAYMENT_HISTORY)?;
    let query = validate::history(&validate::fields(&body))?;
    let path = format!(
        "{}/{}",
        sb.base_url(&headers, &original, &uri),
        paths::PAYMENT_HISTORY
    );
    let ledger = sb.ledger().await;
    let (items, total) = ledger.history(&account.uuid, &query);
    Ok(Json(wire::history(&items, total, &query, &path)))
}

async fn create_payout(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<shared::gateway::PayoutCreateResponse> {
    let account = sb.auth(&headers, &body, KeyRole::Payout, paths::PAYOUT)?;
    let new = validate::payout(&validate::fields(&body), account)?;
    let payout = sb.create_payout(account.uuid, new).await?;
    wire::payout_created(&payout)
        .map(Json)
        .ok_or_else(unshowable)
}

async fn payout_status(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<shared::gateway::PayoutStatusResponse> {
    let account = sb.auth(&headers, &body, KeyRole::Payout, paths::PAYOUT_STATUS)?;
    let lookup = validate::status(&validate::fields(&body))?;
    let ledger = sb.ledger().await;
    let payout = ledger
        .find_payout(&account.uuid, &lookup)
        .ok_or(GatewayError::NotFound)?;
    if matches!(lookup, validate::Lookup::OrderId(_))
        && sb
            .faults()
            .hides_payout(payout.created_at_ms, sb.clock().now_ms())
    {
        sb.record_fault(
            "hide_payout",
            paths::PAYOUT_STATUS,
            format!("payout {} answered as not found", payout.id),
        );
        return Err(GatewayError::NotFound);
    }
    payout.status_response().map(Json).ok_or_else(unshowable)
}

/// The body is ignored (`[]`, `{}` or empty), as the gateway's examples send `[]`.
async fn balance(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<wire::BalanceBody> {
    let account = sb.auth(&headers, &body, KeyRole::Payout, paths::ACCOUNT_BALANCE)?;
    let balance = sb.ledger().await.balance(&account.uuid);
    Ok(Json(wire::balance(balance)))
}

async fn info(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer<wire::InfoBody> {
    let account = sb.auth(&headers, &body, KeyRole::Payout, paths::ACCOUNT_INFO)?;
    Ok(Json(wire::info(account)))
}

/// Applies the fault switches to one gateway call.
async fn apply_faults(State(sb): State<Sandbox>, request: Request, next: Next) -> Response {
    let faults = sb.faults().take_call();
    let path = request.uri().path().to_owned();
    if !faults.latency.is_zero() {
        sb.record_fault(
            "latency",
            &path,
            format!("{} ms", faults.latency.as_millis()),
        );
        tokio::time::sleep(faults.latency).await;
    }
    match faults.outcome {
        None => next.run(request).await,
        Some(CallFault::Fail {
            status,
            after_commit,
        }) => {
            if after_commit {
                let outcome = next.run(request).await.status();
                sb.record_fault(
                    "fail_after_commit",
                    &path,
                    format!("answered {status} after the call took effect ({outcome})"),
                );
            } else {
                sb.record_fault("fail", &path, format!("answered {status}; nothing done"));
            }
            server_error(status)
        }
        Some(CallFault::Timeout { hold }) => {
            let response = next.run(request).await;
            sb.record_fault(
                "timeout",
                &path,
                format!(
                    "took effect ({}), answer held for {} ms",
                    response.status(),
                    hold.as_millis()
                ),
            );
            tokio::select! {
                () = tokio::time::sleep(hold) => {}
                () = sb.shutting_down() => {}
            }
            response
        }
        Some(CallFault::Malformed) => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            // Half of a JSON object is never valid JSON.
            let cut = bytes.slice(..bytes.len() / 2);
            sb.record_fault(
                "malformed",
                &path,
                format!(
                    "took effect ({}), answered 200 with {} of {} bytes",
                    parts.status,
                    cut.len(),
                    bytes.len()
                ),
            );
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
    }
}

/// What a failing Laravel app (500) or its nginx front (502, 503) answers.
fn server_error(status: u16) -> Response {
    match status {
        502 | 503 => {
            let text = if status == 502 {
                "502 Bad Gateway"
            } else {
                "503 Service Temporarily Unavailable"
            };
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (
                code,
                [(header::CONTENT_TYPE, "text/html")],
                format!(
                    "<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                ),
            )
                .into_response()
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({"message": "Server Error"})),
        )
            .into_response(),
    }
}
