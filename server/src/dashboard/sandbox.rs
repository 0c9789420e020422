//! Sandbox mode: the emulator's scenario controls from the dashboard (finish a payment or a
//! payout, move the clock). They go to the emulator's own control routes, as a request, like
//! every other call the checkout makes to its gateway.

use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::Request;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use shared::api::SessionId;
use tower::ServiceExt as _;

use super::DashError;
use super::auth::Signed;
use crate::routes::AppState;

#[derive(Debug, Deserialize)]
pub struct FinishForm {
    csrf: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    amount: String,
}

/// `POST path` (JSON `body`) to the emulator's control routes.
async fn control(
    state: &AppState,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<(), DashError> {
    let Some(sandbox) = state.http.sandbox.clone() else {
        return Err(DashError::NotFound);
    };
    let request = Request::post(path)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .map_err(|e| DashError::Internal(e.to_string()))?;
    let response = sandbox
        .oneshot(request)
        .await
        .map_err(|e| DashError::Internal(e.to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        let status = response.status();
        let text = axum::body::to_bytes(response.into_body(), 16 * 1024)
            .await
            .unwrap_or_default();
        Err(DashError::BadRequest(format!(
            "the sandbox refused ({status}): {}",
            String::from_utf8_lossy(&text)
        )))
    }
}

/// `POST /dashboard/sessions/{id}/sandbox` (`action` = paid | partial | cancel | fail).
pub async fn finish_payment(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<FinishForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let id = SessionId::parse(&id).map_err(|_| DashError::NotFound)?;
    let session = state
        .sessions
        .details(id)
        .await
        .map_err(|_| DashError::NotFound)?;
    let gateway_id = session.gateway_payment_id.ok_or(DashError::NotFound)?;
    let (action, body) = match form.action.as_str() {
        "paid" => ("paid", None),
        "cancel" => ("cancel", None),
        "fail" => ("fail", None),
        "partial" => {
            let amount = if form.amount.trim().is_empty() {
                shared::Amount::from_kopecks(session.amount.kopecks() / 2)
                    .map_err(|e| DashError::BadRequest(e.to_string()))?
            } else {
                shared::Amount::parse(form.amount.trim().replace(',', ".").as_str())
                    .map_err(|e| DashError::BadRequest(format!("amount: {e}")))?
            };
            ("paid", Some(json!({ "amount": amount.to_string() })))
        }
        _ => {
            return Err(DashError::BadRequest(
                "action: paid, partial, cancel or fail".into(),
            ));
        }
    };
    control(
        &state,
        &format!("/control/payments/{gateway_id}/{action}"),
        body,
    )
    .await?;
    // The emulator notifies us in the background; ask at once so the page shows the result.
    let _ = state.sessions.refresh(id).await;
    Ok(Redirect::to(&format!("/dashboard/sessions/{id}?done=sandbox")).into_response())
}

/// `POST /dashboard/payouts/{id}/sandbox` (`action` = paid | fail).
pub async fn finish_payout(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<FinishForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let payout = state.payouts.get(&id).await?;
    let gateway_id = payout.gateway_payout_id.ok_or(DashError::NotFound)?;
    let action = match form.action.as_str() {
        "paid" => "paid",
        "fail" => "fail",
        _ => return Err(DashError::BadRequest("action: paid or fail".into())),
    };
    control(
        &state,
        &format!("/control/payouts/{gateway_id}/{action}"),
        None,
    )
    .await?;
    let _ = state.payouts.refresh(&payout.id).await;
    Ok(Redirect::to(&format!("/dashboard/payouts/{}?done=sandbox", payout.id)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ClockForm {
    csrf: Option<String>,
    #[serde(default)]
    minutes: String,
}

/// `POST /dashboard/sandbox/clock`: moves the sandbox clock forward.
pub async fn advance_clock(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<ClockForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let minutes: u64 = form
        .minutes
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=7 * 24 * 60).contains(m))
        .ok_or_else(|| DashError::BadRequest("minutes: 1 to 10080".into()))?;
    control(
        &state,
        &format!("/control/clock/advance?secs={}", minutes * 60),
        None,
    )
    .await?;
    Ok(Redirect::to("/dashboard/system?done=clock").into_response())
}
