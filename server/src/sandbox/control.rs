//! Scenario controls (not part of the gateway's API; no authentication — the sandbox is for
//! test machines): finish payments and payouts, move the clock, switch faults, read the
//! notification log. Answers are JSON; errors are `{"error":{"code","message"}}`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::{Amount, PaymentStatus};

use super::faults::FaultPatch;
use super::ledger::FinishError;
use super::model::{Payment, Payout};
use super::{Finish, Sandbox, wire};

/// The control routes.
pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/control/payments", get(list_payments))
        .route("/control/payments/{id}", get(show_payment))
        .route("/control/payments/{id}/{action}", post(finish_payment))
        .route("/control/payouts", get(list_payouts))
        .route("/control/payouts/{id}", get(show_payout))
        .route("/control/payouts/{id}/{action}", post(finish_payout))
        .route("/control/accounts", get(accounts))
        .route("/control/clock", get(clock))
        .route("/control/clock/advance", post(advance_clock))
        .route("/control/faults", get(faults).post(set_faults))
        .route("/control/faults/log", get(fault_log))
        .route("/control/notifications", get(notifications))
}

/// A control error.
#[derive(Debug)]
pub(super) struct ControlError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ControlError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ControlError {
        ControlError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
    }
}

impl From<Finish> for ControlError {
    fn from(e: Finish) -> Self {
        let status = match &e {
            Finish::Refused(FinishError::NotFound(_)) => StatusCode::NOT_FOUND,
            Finish::Refused(FinishError::AlreadyFinal(_)) => StatusCode::CONFLICT,
            Finish::Refused(
                FinishError::NotFinal
                | FinishError::AmountWithoutPaid
                | FinishError::AmountTooLarge { .. },
            ) => StatusCode::BAD_REQUEST,
            Finish::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let code = match &e {
            Finish::Refused(FinishError::NotFound(_)) => "not_found",
            Finish::Refused(FinishError::AlreadyFinal(_)) => "already_final",
            Finish::Refused(FinishError::NotFinal) => "not_final",
            Finish::Refused(FinishError::AmountWithoutPaid) => "amount_without_paid",
            Finish::Refused(FinishError::AmountTooLarge { .. }) => "amount_too_large",
            Finish::Storage(_) => "storage",
        };
        ControlError::new(status, code, e.to_string())
    }
}

type Answer = Result<Json<Value>, ControlError>;

fn rfc3339(ms: i64) -> Value {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map_or(Value::Null, Value::String)
}

/// The control view of a payment: everything the sandbox knows.
pub(super) fn payment_view(p: &Payment) -> Value {
    let s = p.settlement.as_ref();
    json!({
        "type": "payment",
        "id": p.id,
        "uuid": p.uuid,
        "account": p.account,
        "order_id": p.order_id,
        "service": p.service,
        "method": p.method,
        "payment_status": p.status,
        "amount": p.amount,
        "payment_amount": s.map(|s| s.payment_amount),
        "commission_amount": s.map(|s| s.commission),
        "is_partial_payment": s.map(|s| s.partial),
        "url": p.url,
        "requisites": p.requisites.as_ref().map(|r| json!({
            "cardNumber": r.card_number, "cardHolderName": r.holder, "bank": r.bank
        })),
        "customer_ip": p.customer_ip,
        "customer_user_id": p.customer_user_id,
        "customer_code": p.customer_code,
        "desc": p.desc,
        "notification_endpoint_url": p.notification_url,
        "notification_endpoint_id": p.notification_endpoint_id,
        "success_redirect_url": p.success_url,
        "fail_redirect_url": p.fail_url,
        "created_at": rfc3339(p.created_at_ms),
        "expires_at": rfc3339(p.expires_at_ms),
        "finished_at": s.map_or(Value::Null, |s| rfc3339(s.finished_at_ms)),
    })
}

fn payout_view(p: &Payout) -> Value {
    let s = p.settlement.as_ref();
    json!({
        "type": "payout",
        "id": p.id,
        "account": p.account,
        "order_id": p.order_id,
        "service": p.service,
        "kind": p.kind,
        "payment_status": p.status,
        "amount": p.amount,
        "payment_amount": s.map(|s| s.payment_amount),
        "is_partial_payment": s.map(|s| s.partial),
        "number": p.number,
        "customer_code": p.customer_code,
        "bik_bank": p.bik_bank,
        "notification_endpoint_url": p.notification_url,
        "created_at": rfc3339(p.created_at_ms),
        "finished_at": s.map_or(Value::Null, |s| rfc3339(s.finished_at_ms)),
    })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    order_id: Option<String>,
}

async fn list_payments(State(sb): State<Sandbox>, Query(q): Query<ListQuery>) -> Json<Value> {
    let ledger = sb.ledger().await;
    let payments: Vec<Value> = ledger
        .payments(q.order_id.as_deref())
        .into_iter()
        .map(payment_view)
        .collect();
    Json(json!({ "payments": payments }))
}

async fn list_payouts(State(sb): State<Sandbox>, Query(q): Query<ListQuery>) -> Json<Value> {
    let ledger = sb.ledger().await;
    let payouts: Vec<Value> = ledger
        .payouts(q.order_id.as_deref())
        .into_iter()
        .map(payout_view)
        .collect();
    Json(json!({ "payouts": payouts }))
}

fn not_found(what: &str, id: u64) -> ControlError {
    ControlError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no {what} {id}"),
    )
}

async fn show_payment(State(sb): State<Sandbox>, Path(id): Path<u64>) -> Answer {
    let ledger = sb.ledger().await;
    let payment = ledger.payment(id).ok_or_else(|| not_found("payment", id))?;
    Ok(Json(payment_view(payment)))
}

async fn show_payout(State(sb): State<Sandbox>, Path(id): Path<u64>) -> Answer {
    let ledger = sb.ledger().await;
    let payout = ledger.payout(id).ok_or_else(|| not_found("payout", id))?;
    Ok(Json(payout_view(payout)))
}

/// Optional body of a finish control: `{"amount":"700.00"}` for a partial payment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FinishBody {
    amount: Option<Amount>,
}

/// The final status an action names.
pub(super) fn action_status(action: &str) -> Result<PaymentStatus, ControlError> {
    match action {
        "paid" => Ok(PaymentStatus::Paid),
        "cancel" => Ok(PaymentStatus::Cancel),
        "fail" => Ok(PaymentStatus::Fail),
        other => Err(ControlError::new(
            StatusCode::NOT_FOUND,
            "unknown_action",
            format!("unknown action {other:?}: use paid, cancel or fail"),
        )),
    }
}

fn finish_body(body: &[u8]) -> Result<Option<Amount>, ControlError> {
    if body.trim_ascii().is_empty() {
        return Ok(None);
    }
    serde_json::from_slice::<FinishBody>(body)
        .map(|b| b.amount)
        .map_err(|e| {
            ControlError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("expected {{\"amount\":\"700.00\"}} or no body: {e}"),
            )
        })
}

async fn finish_payment(
    State(sb): State<Sandbox>,
    Path((id, action)): Path<(u64, String)>,
    body: Bytes,
) -> Answer {
    let status = action_status(&action)?;
    let amount = finish_body(&body)?;
    let payment = sb.finish_payment(id, status, amount).await?;
    Ok(Json(payment_view(&payment)))
}

async fn finish_payout(
    State(sb): State<Sandbox>,
    Path((id, action)): Path<(u64, String)>,
    body: Bytes,
) -> Answer {
    let status = action_status(&action)?;
    let amount = finish_body(&body)?;
    let payout = sb.finish_payout(id, status, amount).await?;
    Ok(Json(payout_view(&payout)))
}

async fn accounts(State(sb): State<Sandbox>) -> Json<Value> {
    let ledger = sb.ledger().await;
    let accounts: Vec<Value> = sb
        .accounts()
        .iter()
        .map(|a| {
            json!({
                "account": a.uuid,
                "balance": wire::balance(ledger.balance(&a.uuid)),
                "services": wire::info(a),
            })
        })
        .collect();
    Json(json!({ "accounts": accounts }))
}

fn clock_view(sb: &Sandbox) -> Value {
    let clock = sb.clock();
    json!({
        "now": sb.now_rfc3339(),
        "unix_ms": clock.now_ms(),
        "offset_secs": clock.offset_ms() / 1000,
    })
}

async fn clock(State(sb): State<Sandbox>) -> Json<Value> {
    Json(clock_view(&sb))
}

#[derive(Debug, Deserialize)]
struct AdvanceQuery {
    secs: u64,
}

/// Moves the clock and cancels what expired before answering.
async fn advance_clock(State(sb): State<Sandbox>, Query(q): Query<AdvanceQuery>) -> Json<Value> {
    let expired = sb.advance_and_expire(q.secs).await;
    sb.save_clock().await;
    tracing::info!(secs = q.secs, expired, "sandbox clock advanced");
    let mut view = clock_view(&sb);
    view["expired"] = json!(expired);
    Json(view)
}

async fn faults(State(sb): State<Sandbox>) -> Json<Value> {
    Json(json!(sb.faults().settings()))
}

async fn set_faults(State(sb): State<Sandbox>, body: Bytes) -> Answer {
    let patch: FaultPatch = serde_json::from_slice(&body)
        .map_err(|e| ControlError::new(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()))?;
    Ok(Json(json!(sb.faults().update(patch))))
}

async fn fault_log(State(sb): State<Sandbox>) -> Json<Value> {
    Json(json!({ "faults": sb.faults().log() }))
}

#[derive(Debug, Deserialize)]
struct NotificationQuery {
    id: Option<u64>,
}

async fn notifications(
    State(sb): State<Sandbox>,
    Query(q): Query<NotificationQuery>,
) -> Json<Value> {
    Json(json!({ "deliveries": sb.notifier().log(q.id) }))
}
