//! The real `serve` binary in sandbox mode with the sandbox's fault switches on create: a
//! timeout, a 5xx (before or after the payment was made) and a garbled answer each give the
//! buyer a clear error, and never a second gateway payment for one attempt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};

/// Gateway timeout of these suites: a held answer becomes a timeout after 1 s.
const CONFIG: &str = "[gateway]\ntimeout_secs = 1\n";

/// Every attempt of a session has at most one gateway payment; returns the attempts.
fn one_payment_per_attempt(app: &Checkout, id: &str) -> Vec<Value> {
    let attempts = app.session(id)["attempts"].as_array().unwrap().clone();
    for attempt in &attempts {
        let order = attempt["gateway_order_id"].as_str().unwrap();
        let n = app.gateway_payments(order);
        assert!(n <= 1, "{n} gateway payments for {order}");
    }
    attempts
}

#[test]
fn a_timeout_on_create_is_a_clear_error_and_never_a_duplicate() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    let created = app.create_session("T-1", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 5000}));
    let reply = app.pay(token, "card_form");
    // The payment was made but the answer was lost: the lookup by order id finds it, and a
    // hosted form can be shown from its URL; other methods lose their requisites.
    assert!(
        reply.status == 200 || (reply.status, reply.code().as_str()) == (504, "gateway_timeout"),
        "{} {}",
        reply.status,
        reply.text
    );
    assert_eq!(app.gateway_payments("T-1-1"), 1);
    let second = app.pay(token, "card_form");
    assert_eq!(second.status, 200, "{}", second.text);
    one_payment_per_attempt(&app, id);

    // An H2H method: the requisites are lost with the answer → a clear error, then a new
    // attempt with its own order id.
    let created = app.create_session("T-2", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    app.faults(&json!({"timeout_next": 1}));
    let reply = app.pay(token, "sbp");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (504, "gateway_timeout"),
        "{}",
        reply.text
    );
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    assert_eq!(app.gateway_payments("T-2-1"), 1);
    let retry = app.pay(token, "sbp");
    assert_eq!(retry.status, 200, "{}", retry.text);
    let attempts = one_payment_per_attempt(&app, id);
    assert_eq!(attempts[0]["state"], "abandoned");
    assert_eq!(attempts[1]["state"], "created");
}

#[test]
fn a_5xx_on_create_is_a_clear_error_and_never_a_duplicate() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    // Failed before anything was made: the retry reuses the same order id.
    let created = app.create_session("X-1", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    app.faults(&json!({"fail_next": 1, "fail_next_after_commit": false}));
    let reply = app.pay(token, "account_transfer");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (502, "gateway_unavailable"),
        "{}",
        reply.text
    );
    assert_eq!(app.gateway_payments("X-1-1"), 0);
    assert_eq!(app.session(id)["attempts"][0]["state"], "unknown");
    let retry = app.pay(token, "account_transfer");
    assert_eq!(retry.status, 200, "{}", retry.text);
    let attempts = one_payment_per_attempt(&app, id);
    assert_eq!(
        attempts.len(),
        1,
        "the same attempt and order id were reused"
    );
    assert_eq!(app.gateway_payments("X-1-1"), 1);

    // Failed after the payment was made: found by order id, never created again.
    let created = app.create_session("X-2", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    app.faults(&json!({"fail_next": 1, "fail_next_after_commit": true}));
    let reply = app.pay(token, "card_transfer");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (502, "gateway_unavailable"),
        "{}",
        reply.text
    );
    assert_eq!(app.gateway_payments("X-2-1"), 1);
    assert_eq!(app.pay(token, "card_transfer").status, 200);
    one_payment_per_attempt(&app, id);
}

#[test]
fn a_garbled_answer_on_create_is_a_clear_error_and_never_a_duplicate() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    let created = app.create_session("M-1", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    app.faults(&json!({"malformed_next": 1}));
    let reply = app.pay(token, "account_transfer");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (502, "gateway_unavailable"),
        "{}",
        reply.text
    );
    assert_eq!(app.gateway_payments("M-1-1"), 1);
    // Retried (a double click in the middle too): still one payment per order id.
    let replies: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| app.pay(token, "account_transfer").status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(replies.iter().all(|s| *s == 200), "{replies:?}");
    let attempts = one_payment_per_attempt(&app, id);
    assert_eq!(attempts.len(), 2);
    assert_eq!(app.gateway_calls("v1/payment"), 2);
}

#[test]
fn a_crash_during_create_is_recovered_by_lookup_not_by_a_second_create() {
    let dir = data_dir();
    // A long gateway timeout: the create stays in flight while the process dies.
    let app = Checkout::start(dir.path(), "[gateway]\ntimeout_secs = 30\n");
    let created = app.create_session("CR-1", "100.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 20000}));
    let url = format!("{}/api/v1/checkout/{token}/pay", app.base);
    let in_flight = std::thread::spawn(move || {
        // Its answer never comes: the server dies first.
        let _ = reqwest::blocking::Client::new()
            .post(url)
            .json(&json!({"method": "card_form"}))
            .timeout(std::time::Duration::from_secs(40))
            .send();
    });
    app.wait_until("the attempt is committed before the call", || {
        app.session(&id)["attempts"][0]["state"] == "creating"
    });
    app.wait_until("the gateway made the payment", || {
        app.gateway_payments("CR-1-1") == 1
    });
    let app = app.crash_and_restart();
    in_flight.join().unwrap();
    // Start-up recovery looked the order id up and adopted the payment.
    app.wait_until("recovery adopted the payment", || {
        app.session(&id)["attempts"][0]["state"] == "created"
    });
    let details = app.session(&id);
    assert_eq!(details["status"], "pending");
    assert_eq!(
        details["history"].as_array().unwrap().last().unwrap()["source"],
        "recovery"
    );
    let answer = app.pay(&token, "card_form");
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["requisites"]["kind"], "redirect");
    assert_eq!(app.gateway_payments("CR-1-1"), 1);
    assert_eq!(app.gateway_payments("CR-1-2"), 0);
}

#[test]
fn a_lost_payment_found_paid_ends_the_session_without_a_second_payment() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    let created = app.create_session("T-9", "100.00");
    let (token, id) = (
        created["token"].as_str().unwrap(),
        created["id"].as_str().unwrap(),
    );
    // The create answer is lost and so is the status lookup after it: the attempt stays
    // `unknown` …
    app.faults(&json!({"timeout_next": 2, "timeout_hold_ms": 5000}));
    let reply = app.pay(token, "sbp");

    assert_eq!(
        (reply.status, reply.code().as_str()),
        (504, "gateway_timeout"),
        "{}",
        reply.text
    );
    assert_eq!(app.session(id)["attempts"][0]["state"], "unknown");
    // … and the payment gets paid anyway; its notification is lost.
    let reply = app.send(
        app.client()
            .get(format!("{}/sandbox/control/payments", app.base))
            .query(&[("order_id", "T-9-1")]),
    );
    let gid = reply.json()["payments"][0]["id"].as_u64().unwrap();
    app.faults(&json!({"drop_notifications": 1}));
    app.control(&format!("payments/{gid}/paid"), None);

    // The retry looks the order id up, finds it paid: the session is paid and stays paid —
    // no second gateway payment, no `pending` written over it.
    let retry = app.pay(token, "sbp");
    assert_eq!(
        (retry.status, retry.code().as_str()),
        (409, "session_closed"),
        "{}",
        retry.text
    );
    assert_eq!(app.gateway_payments("T-9-2"), 0);
    let details = app.session(id);
    assert_eq!(details["status"], "paid", "{details}");
    assert_eq!(details["payment_status"], "paid");
    assert_eq!(
        details["history"].as_array().unwrap().last().unwrap()["status"],
        "paid"
    );
    let again = app.pay(token, "card_form");
    assert_eq!(again.code(), "session_closed");
    assert_eq!(app.session(id)["status"], "paid");
    one_payment_per_attempt(&app, id);
}
