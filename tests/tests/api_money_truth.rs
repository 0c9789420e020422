//! Money truth on the real `serve` binary in sandbox mode: `paid` means the money arrived in
//! full, and every odd outcome is surfaced — a short payment is `underpaid` (never
//! `payment.paid`), more than asked is shown, a report for another payment under our order id
//! changes nothing, a cancelled transfer paid late and a second payment after the first are
//! events the merchant gets, a paid notification without an amount is confirmed first, and
//! the merchant lists what needs attention.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod notification_support;

use e2e::server::{Checkout, data_dir};
use notification_support::{fields, gateway_key, send_get, sign, with};
use serde_json::{Value, json};

/// A session of 1500.00 paying by `method`: (token, session id, gateway id).
fn pending(app: &Checkout, order: &str, method: &str) -> (String, String, u64) {
    let created = app.create_session(order, "1500.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let answer = app.pay(&token, method);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let gid = answer.json()["gateway_payment_id"].as_u64().unwrap();
    (token, created["id"].as_str().unwrap().to_owned(), gid)
}

/// `POST /sandbox/control/payments/{gid}/{action}`, answered 200.
fn finish(app: &Checkout, gid: u64, action: &str, amount: Option<&str>) {
    let body = amount.map(|a| json!({ "amount": a }));
    let reply = app.control(&format!("payments/{gid}/{action}"), body.as_ref());
    assert_eq!(reply.status, 200, "{action}: {}", reply.text);
}

/// The types of the merchant events about session `id`, oldest first.
fn event_types(app: &Checkout, id: &str) -> Vec<String> {
    let reply = app.merchant_get(&format!("/api/v1/events?subject_id={id}"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut types: Vec<String> = reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    types.reverse();
    types
}

/// The newest event about `id` of `kind`.
fn event(app: &Checkout, id: &str, kind: &str) -> Value {
    let reply = app.merchant_get(&format!("/api/v1/events?subject_id={id}&type={kind}"));
    reply.json()["items"][0].clone()
}

/// The last history entry of session `id`.
fn last_entry(app: &Checkout, id: &str) -> Value {
    app.session(id)["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

fn metric(app: &Checkout, line_prefix: &str) -> Option<f64> {
    let text = app.merchant_get("/metrics").text;
    text.lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|n| n.trim().parse().ok())
}

/// Ids of the sessions the merchant's needs-attention list holds.
fn needing_attention(app: &Checkout) -> Vec<String> {
    let reply = app.merchant_get("/api/v1/sessions?needs_attention=true");
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["needs_attention"], true, "{s}");
            s["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_partial_payment_is_underpaid_and_never_announced_as_paid() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "UP-1", "sbp");
    let (_, fine, fine_gid) = pending(&app, "UP-2", "card_transfer");
    finish(&app, gid, "paid", Some("1.00"));
    finish(&app, fine_gid, "paid", None);
    let status = app.wait_for_status(&token, "underpaid");
    assert_eq!(status["paid_amount"], "1.00");
    assert_eq!(status["payment_status"], "paid");

    let details = app.session(&id);
    assert_eq!(details["status"], "underpaid");
    assert_eq!(details["amount"], "1500.00");
    assert_eq!(details["paid_amount"], "1.00");
    assert!(details.get("overpaid_amount").is_none(), "{details}");
    assert_eq!(details["needs_attention"], true);
    assert_eq!(
        last_entry(&app, &id)["detail"],
        "partial payment: 1.00 of 1500.00"
    );
    app.wait_until("the underpaid event", || !event_types(&app, &id).is_empty());
    assert_eq!(event_types(&app, &id), ["payment.underpaid"]);
    let data = &event(&app, &id, "payment.underpaid")["data"];
    assert_eq!(data["status"], "underpaid");
    assert_eq!(data["paid_amount"], "1.00");
    // The widget's view says so too.
    let view = app.get(&format!("/api/v1/checkout/{token}")).json();
    assert_eq!(view["status"], "underpaid");
    assert_eq!(view["paid_amount"], "1.00");

    // Listed for the merchant, by status and by attention; the exact payment is not.
    assert_eq!(needing_attention(&app), std::slice::from_ref(&id));
    let underpaid = app.merchant_get("/api/v1/sessions?status=underpaid").json();
    assert_eq!(underpaid["items"].as_array().unwrap().len(), 1);
    let calm = app
        .merchant_get("/api/v1/sessions?needs_attention=false")
        .json();
    assert_eq!(calm["items"][0]["id"], fine.as_str());
    assert_eq!(
        metric(&app, "checkout_sessions{status=\"underpaid\"} "),
        Some(1.0)
    );
    assert_eq!(
        metric(&app, "checkout_sessions_needing_attention "),
        Some(1.0)
    );
}

#[test]
fn more_than_asked_is_paid_with_the_extra_shown() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "OP-1", "card_transfer");
    finish(&app, gid, "paid", Some("1600.00"));
    app.wait_for_status(&token, "paid");
    let details = app.session(&id);
    assert_eq!(details["paid_amount"], "1600.00");
    assert_eq!(details["overpaid_amount"], "100.00");
    assert_eq!(details["needs_attention"], true);
    app.wait_until("the paid event", || !event_types(&app, &id).is_empty());
    assert_eq!(event_types(&app, &id), ["payment.paid"]);
    let data = &event(&app, &id, "payment.paid")["data"];
    assert_eq!(data["paid_amount"], "1600.00");
    assert_eq!(data["overpaid_amount"], "100.00");
}

#[test]
fn a_report_for_another_payment_under_our_order_id_changes_nothing() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let key = gateway_key(&app);
    let (token, id, gid) = pending(&app, "MM-1", "sbp");
    // Signed by the gateway, naming our order id, but another payment id: never re-bound.
    let other = sign(&fields(&app, gid + 1000, "MM-1-1", "paid"), key.private());
    let reply = send_get(&app, &other);
    assert_eq!(reply.status, 200, "{}", reply.text);
    // Our payment id under another order id.
    let moved = sign(&fields(&app, gid, "ELSEWHERE-1", "paid"), key.private());
    assert_eq!(send_get(&app, &moved).status, 200);
    // Our payment, but another service family.
    let card = with(
        fields(&app, gid, "MM-1-1", "paid"),
        "service",
        "payment_card_number_card",
    );
    assert_eq!(send_get(&app, &sign(&card, key.private())).status, 200);

    let details = app.session(&id);
    assert_eq!(details["status"], "pending");
    assert_eq!(details["payment_status"], "wait");
    assert_eq!(details["gateway_payment_id"], gid);
    assert!(details.get("paid_amount").is_none(), "{details}");
    assert_eq!(details["needs_attention"], true);
    let history = details["history"].as_array().unwrap();
    let conflicts: Vec<&str> = history
        .iter()
        .filter_map(|h| h["detail"].as_str())
        .filter(|d| d.starts_with("conflict:"))
        .collect();
    assert_eq!(conflicts.len(), 3, "{history:?}");
    assert!(
        conflicts[0].contains(&(gid + 1000).to_string()) && conflicts[0].contains(&gid.to_string()),
        "both ids: {}",
        conflicts[0]
    );
    assert!(conflicts[1].contains("ELSEWHERE-1") && conflicts[1].contains("MM-1-1"));
    assert!(conflicts[2].contains("payment_card_number_card"));
    for field in ["gateway_id", "order_id", "service"] {
        assert_eq!(
            metric(
                &app,
                &format!("checkout_report_conflicts_total{{field=\"{field}\"}} ")
            ),
            Some(1.0),
            "{field}"
        );
    }
    assert!(event_types(&app, &id).is_empty());
    // The real payment still settles it.
    finish(&app, gid, "paid", None);
    app.wait_for_status(&token, "paid");
    assert_eq!(app.session(&id)["paid_amount"], "1500.00");
}

#[test]
fn a_cancelled_transfer_paid_late_makes_the_session_paid() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "LT-1", "card_transfer");
    finish(&app, gid, "cancel", None);
    app.wait_for_status(&token, "cancelled");
    // The transfer arrives after the gateway gave up on it.
    finish(&app, gid, "paid", None);
    app.wait_for_status(&token, "paid");
    let details = app.session(&id);
    assert_eq!(details["payment_status"], "paid");
    assert_eq!(details["paid_amount"], "1500.00");
    assert_eq!(details["needs_attention"], true);
    assert_eq!(
        last_entry(&app, &id)["detail"],
        "the gateway reported paid after cancel; paid after the session was cancelled"
    );
    app.wait_until("both events", || event_types(&app, &id).len() == 2);
    assert_eq!(
        event_types(&app, &id),
        ["payment.cancelled", "payment.paid"]
    );
    assert_eq!(needing_attention(&app), [id]);
}

#[test]
fn a_second_payment_after_the_first_is_double_paid() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, first) = pending(&app, "DP-1", "sbp");
    // The buyer switches method, pays there, and then pays the first requisites too.
    let second = app.pay(&token, "card_transfer");
    assert_eq!(second.status, 200, "{}", second.text);
    let second = second.json()["gateway_payment_id"].as_u64().unwrap();
    finish(&app, second, "paid", None);
    app.wait_for_status(&token, "paid");
    finish(&app, first, "paid", None);
    app.wait_until("the double payment", || {
        app.session(&id)["paid_amount"] == "3000.00"
    });
    let details = app.session(&id);
    assert_eq!(details["status"], "paid");
    assert_eq!(details["overpaid_amount"], "1500.00");
    assert_eq!(details["needs_attention"], true);
    assert_eq!(
        details["gateway_payment_id"], second,
        "the first money stays shown"
    );
    let attempts = details["attempts"].as_array().unwrap();
    assert!(
        attempts
            .iter()
            .all(|a| a["payment_status"] == "paid" && a["paid_amount"] == "1500.00"),
        "{attempts:?}"
    );
    app.wait_until("both events", || event_types(&app, &id).len() == 2);
    assert_eq!(
        event_types(&app, &id),
        ["payment.paid", "payment.double_paid"]
    );
    let data = &event(&app, &id, "payment.double_paid")["data"];
    assert_eq!(data["paid_amount"], "3000.00");
    assert_eq!(data["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(needing_attention(&app), [id]);
}

#[test]
fn a_paid_notification_without_an_amount_is_confirmed_first() {
    let dir = data_dir();
    // No poll before the end of the test: only the notification can settle it.
    let app = Checkout::start(
        dir.path(),
        "[reconciler]\nfirst_poll_secs = 1200\nmax_poll_secs = 1200\n",
    );
    let key = gateway_key(&app);
    let (token, id, gid) = pending(&app, "NA-1", "sbp");
    let calls = app.gateway_calls("v1/payment/status");
    // Says paid, gives no amount; the gateway itself still has it waiting.
    let bare = with(fields(&app, gid, "NA-1-1", "paid"), "payment_amount", "");
    let reply = send_get(&app, &sign(&bare, key.private()));
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        app.gateway_calls("v1/payment/status"),
        calls + 1,
        "asked once"
    );
    let details = app.session(&id);
    assert_eq!(details["status"], "pending", "not taken for paid");
    assert_eq!(details["payment_status"], "wait");
    // Once the gateway has it paid, the same kind of notification is confirmed and applied.
    app.faults(&json!({"drop_notifications": 1}));
    finish(&app, gid, "paid", None);
    let reply = send_get(&app, &sign(&bare, key.private()));
    assert_eq!(reply.status, 200, "{}", reply.text);
    app.wait_for_status(&token, "paid");
    assert_eq!(app.session(&id)["paid_amount"], "1500.00");
}
