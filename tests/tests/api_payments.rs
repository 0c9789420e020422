//! The real `serve` binary in sandbox mode: each of the six methods end to end to `paid`,
//! `cancel` and `fail` (driven through `/sandbox/control/…`, delivered by notification),
//! double-click idempotency (exactly one gateway payment), method switching.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};

/// Our method → the requisites kind the widget gets.
const METHODS: [(&str, &str); 6] = [
    ("card_form", "redirect"),
    ("card_transfer", "card"),
    ("sbp", "phone"),
    ("sberpay", "sberpay"),
    ("account_form", "redirect"),
    ("account_transfer", "account"),
];

/// Sandbox action → our session status.
const OUTCOMES: [(&str, &str, &str); 3] = [
    ("paid", "paid", "paid"),
    ("cancel", "cancelled", "cancel"),
    ("fail", "failed", "fail"),
];

fn gateway_id(answer: &Value) -> u64 {
    answer["gateway_payment_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no gateway_payment_id in {answer}"))
}

#[test]
fn each_method_reaches_paid_cancelled_and_failed() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    for (method, kind) in METHODS {
        for (action, status, payment_status) in OUTCOMES {
            let order = format!("{method}-{action}");
            let created = app.create_session(&order, "1234.50");
            let token = created["token"].as_str().unwrap();
            let id = created["id"].as_str().unwrap();

            let reply = app.pay(token, method);
            assert_eq!(reply.status, 200, "{order}: {}", reply.text);
            let answer = reply.json();
            assert_eq!(answer["method"], method);
            assert_eq!(answer["requisites"]["kind"], kind, "{order}: {answer}");
            assert_eq!(answer["amount"], "1234.50");
            assert_eq!(answer["status"], "pending");
            assert!(answer["expires_at"].is_string() && answer["server_time"].is_string());
            let view = app.get(&format!("/api/v1/checkout/{token}")).json();
            assert_eq!(
                view["payment"]["requisites"], answer["requisites"],
                "a reload shows the same"
            );

            let finished = app.control(&format!("payments/{}/{action}", gateway_id(&answer)), None);
            assert_eq!(finished.status, 200, "{order}: {}", finished.text);
            let update = app.wait_for_status(token, status);
            assert_eq!(update["payment_status"], payment_status);

            let details = app.session(id);
            assert_eq!(details["status"], status);
            assert_eq!(details["method"], method);
            assert_eq!(
                details["attempts"][0]["gateway_order_id"],
                format!("{order}-1")
            );
            let last = details["history"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .clone();
            assert_eq!(last["source"], "notification", "{order}: {details}");
            // Final: nothing can be paid any more.
            let again = app.pay(token, method);
            assert_eq!(
                (again.status, again.code().as_str()),
                (409, "session_closed"),
                "{order}"
            );
            assert_eq!(app.gateway_payments(&format!("{order}-1")), 1, "{order}");
        }
    }
}

#[test]
fn double_clicks_create_exactly_one_gateway_payment() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    // Slow the gateway down so the clicks really overlap.
    app.faults(&json!({"latency_ms": 300}));
    let created = app.create_session("DBL-1", "500.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let app = &app;
                let token = token.clone();
                scope.spawn(move || {
                    let reply = app.pay(&token, "card_transfer");
                    assert_eq!(reply.status, 200, "{}", reply.text);
                    reply.json()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = gateway_id(&answers[0]);
    for answer in &answers {
        assert_eq!(gateway_id(answer), first);
        assert_eq!(answer["requisites"], answers[0]["requisites"]);
    }
    assert_eq!(app.gateway_payments("DBL-1-1"), 1);
    assert_eq!(app.gateway_payments("DBL-1-2"), 0);
    assert_eq!(app.gateway_calls("v1/payment"), 1);
    let details = app.session(created["id"].as_str().unwrap());
    assert_eq!(details["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn switching_method_is_allowed_recorded_and_paid_on_any_attempt() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let created = app.create_session("SW-1", "700.00");
    let token = created["token"].as_str().unwrap();
    let sbp = app.pay(token, "sbp").json();
    let card = app.pay(token, "card_transfer").json();
    assert_ne!(gateway_id(&sbp), gateway_id(&card));
    // Back to SBP: the same waiting payment, no third one.
    let sbp_again = app.pay(token, "sbp").json();
    assert_eq!(gateway_id(&sbp_again), gateway_id(&sbp));
    let details = app.session(created["id"].as_str().unwrap());
    let attempts = details["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["gateway_order_id"], "SW-1-1");
    assert_eq!(attempts[1]["gateway_order_id"], "SW-1-2");
    assert_eq!(details["method"], "sbp");
    // The buyer paid the card shown before switching back: still paid.
    app.control(&format!("payments/{}/paid", gateway_id(&card)), None);
    app.wait_for_status(token, "paid");
    let details = app.session(created["id"].as_str().unwrap());
    assert_eq!(details["method"], "card_transfer");
    // The other attempt's later cancel does not undo it.
    app.control(&format!("payments/{}/cancel", gateway_id(&sbp)), None);
    let id = created["id"].as_str().unwrap();
    app.wait_until("the first attempt is cancelled", || {
        app.session(id)["attempts"][0]["payment_status"] == "cancel"
    });
    assert_eq!(
        app.get(&format!("/api/v1/checkout/{token}/status")).json()["status"],
        "paid"
    );
}

#[test]
fn a_partial_payment_is_underpaid_and_recorded() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let created = app.create_session("PART-1", "1000.00");
    let token = created["token"].as_str().unwrap();
    let answer = app.pay(token, "account_transfer").json();
    let reply = app.control(
        &format!("payments/{}/paid", gateway_id(&answer)),
        Some(&json!({"amount": "600.00"})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    app.wait_for_status(token, "underpaid");
    let details = app.session(created["id"].as_str().unwrap());
    assert_eq!(details["paid_amount"], "600.00");
    assert_eq!(details["attempts"][0]["paid_amount"], "600.00");
    let last = details["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["detail"], "partial payment: 600.00 of 1000.00");
}
