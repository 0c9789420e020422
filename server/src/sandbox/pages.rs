//! The hosted payment page of form services and SberPay, `/pay/{uuid}`: a plain HTML page
//! (no inline script or style) showing the amount, order and service with Pay / Cancel /
//! Fail buttons. A button finalises the payment (the notification fires) and answers a page
//! whose form POSTs `order_id`, `uuid` and `sign` (§4.5) to the success or fail URL,
//! auto-submitted by `/pay/assets/redirect.js` with a visible button as fallback. All links
//! are relative, so the pages work wherever the sandbox is nested.

use std::fmt::Write as _;

use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use shared::{Amount, PaymentStatus};
use uuid::Uuid;

use super::Sandbox;
use super::control::action_status;
use super::model::Payment;
use crate::html::escape;
use crate::signing::signed_text::redirect_text;

const STYLESHEET: &str = "\
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0002}
.badge{display:inline-block;background:#ffe08a;border-radius:4px;padding:.1rem .5rem;font-size:.8rem}
.amount{font-size:2rem;font-weight:700;margin:.5rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#667}dd{margin:0;word-break:break-all}
form{display:inline-block;margin:.5rem .5rem 0 0}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:8px;border:0;cursor:pointer}
.pay{background:#1a7f37;color:#fff}.cancel{background:#d0d7de}.fail{background:#cf222e;color:#fff}
input{font-size:1rem;padding:.4rem;width:8rem}
.status{font-weight:700}
";

const REDIRECT_JS: &str = "\
// Sends the payer on to the shop, as the gateway does after a payment (POST form, §4.5).
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('redirect');
  if (form && form.dataset.autosubmit === 'true') { form.submit(); }
});
";

/// The page routes.
pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/pay/assets/sandbox.css", get(stylesheet))
        .route("/pay/assets/redirect.js", get(script))
        .route("/pay/{uuid}", get(show))
        .route("/pay/{uuid}/{action}", post(act))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        REDIRECT_JS,
    )
}

/// A whole page; `depth` is how many path segments below `/pay/` it is served at.
fn page(title: &str, depth: usize, body: &str, script: bool) -> Html<String> {
    let up = "../".repeat(depth);
    let js = if script {
        format!("<script src=\"{up}assets/redirect.js\"></script>")
    } else {
        String::new()
    };
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{up}assets/sandbox.css\">{js}</head>\
         <body><main><span class=\"badge\">AliKassa sandbox — test payment</span>{body}</main></body></html>",
        escape(title)
    ))
}

fn not_found(depth: usize) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            "Payment not found",
            depth,
            "<h1>Payment not found</h1><p>This payment page does not exist.</p>",
            false,
        ),
    )
        .into_response()
}

fn summary(p: &Payment) -> String {
    let mut html = format!(
        "<p class=\"amount\" data-testid=\"amount\">{} RUB</p><dl>\
         <dt>Order</dt><dd data-testid=\"order_id\">{}</dd>\
         <dt>Service</dt><dd>{}</dd>",
        escape(&p.amount.to_string()),
        escape(&p.order_id),
        escape(&p.service)
    );
    if let Some(desc) = &p.desc {
        let _ = write!(html, "<dt>Description</dt><dd>{}</dd>", escape(desc));
    }
    if let Some(r) = &p.requisites {
        let _ = write!(
            html,
            "<dt>Pay to</dt><dd>{}</dd><dt>Holder</dt><dd>{}</dd><dt>Bank</dt><dd>{}</dd>",
            escape(&r.card_number),
            escape(&r.holder),
            escape(&r.bank)
        );
    }
    let _ = write!(
        html,
        "<dt>Status</dt><dd class=\"status\" data-testid=\"status\" data-status=\"{0}\">{0}</dd></dl>",
        p.status.as_str()
    );
    html
}

async fn show(State(sb): State<Sandbox>, Path(uuid): Path<String>) -> Response {
    let Ok(uuid) = Uuid::parse_str(&uuid) else {
        return not_found(0);
    };
    let Some(payment) = sb.ledger().await.payment_by_uuid(&uuid).cloned() else {
        return not_found(0);
    };
    let mut body = summary(&payment);
    if payment.status == PaymentStatus::Wait {
        let id = payment.uuid;
        let _ = write!(
            body,
            "<form method=\"post\" action=\"{id}/paid\"><label>Paid amount \
             <input name=\"amount\" value=\"{}\" inputmode=\"decimal\"></label> \
             <button class=\"pay\" data-testid=\"pay\">Pay</button></form>\
             <form method=\"post\" action=\"{id}/cancel\"><button class=\"cancel\" data-testid=\"cancel\">Cancel</button></form>\
             <form method=\"post\" action=\"{id}/fail\"><button class=\"fail\" data-testid=\"fail\">Fail</button></form>",
            payment.amount
        );
    } else {
        body.push_str(&redirect_form(&sb, &payment, false));
    }
    page("Test payment", 0, &body, false).into_response()
}

/// Optional form field of the Pay button: the amount actually paid (partial payment).
#[derive(Debug, Default, Deserialize)]
struct PayForm {
    amount: Option<String>,
}

async fn act(
    State(sb): State<Sandbox>,
    Path((uuid, action)): Path<(String, String)>,
    form: Result<Form<PayForm>, FormRejection>,
) -> Response {
    let (Ok(uuid), Ok(status)) = (Uuid::parse_str(&uuid), action_status(&action)) else {
        return not_found(1);
    };
    let Some(id) = sb.ledger().await.payment_by_uuid(&uuid).map(|p| p.id) else {
        return not_found(1);
    };
    let amount_text = form
        .ok()
        .and_then(|Form(f)| f.amount)
        .filter(|a| !a.trim().is_empty() && status == PaymentStatus::Paid);
    let amount = match amount_text.as_deref().map(|a| Amount::parse(a.trim())) {
        None => None,
        Some(Ok(amount)) => Some(amount),
        Some(Err(e)) => {
            let body = format!("<h1>Invalid amount</h1><p>{}</p>", escape(&e.to_string()));
            return (
                StatusCode::BAD_REQUEST,
                page("Invalid amount", 1, &body, false),
            )
                .into_response();
        }
    };
    // A second click on a finished payment just shows where it stands.
    let payment = match sb.finish_payment(id, status, amount).await {
        Ok(payment) => payment,
        Err(super::Finish::Refused(super::ledger::FinishError::AlreadyFinal(_))) => {
            match sb.ledger().await.payment(id).cloned() {
                Some(payment) => payment,
                None => return not_found(1),
            }
        }
        Err(e) => {
            let body = format!("<h1>Not possible</h1><p>{}</p>", escape(&e.to_string()));
            return (
                StatusCode::BAD_REQUEST,
                page("Not possible", 1, &body, false),
            )
                .into_response();
        }
    };
    let mut body = summary(&payment);
    body.push_str(&redirect_form(&sb, &payment, true));
    page("Payment finished", 1, &body, true).into_response()
}

/// The signed POST form back to the shop (§4.5), or a closing note without a URL.
fn redirect_form(sb: &Sandbox, p: &Payment, autosubmit: bool) -> String {
    let target = match p.status {
        PaymentStatus::Paid => p.success_url.as_deref(),
        PaymentStatus::Cancel | PaymentStatus::Fail => p.fail_url.as_deref(),
        PaymentStatus::Wait => None,
    };
    let Some(target) = target else {
        return format!(
            "<h1 data-testid=\"completed\">Payment {}</h1><p>The payment is complete; you can close this page.</p>",
            p.status.as_str()
        );
    };
    let uuid = p.uuid.to_string();
    let fields = [("order_id", p.order_id.as_str()), ("uuid", uuid.as_str())];
    let sign = match sb.notifier().sign_text(&redirect_text(&fields[..])) {
        Ok(sign) => sign,
        Err(e) => {
            tracing::error!(error = %e, "sandbox: cannot sign the redirect");
            String::new()
        }
    };
    format!(
        "<form id=\"redirect\" method=\"post\" action=\"{}\" data-autosubmit=\"{autosubmit}\">\
         <input type=\"hidden\" name=\"order_id\" value=\"{}\">\
         <input type=\"hidden\" name=\"uuid\" value=\"{}\">\
         <input type=\"hidden\" name=\"sign\" value=\"{}\">\
         <button type=\"submit\" data-testid=\"return\">Return to the shop</button></form>",
        escape(target),
        escape(&p.order_id),
        escape(&uuid),
        escape(&sign)
    )
}
