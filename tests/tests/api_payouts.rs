//! Payouts on the real `serve` binary in sandbox mode: SBP and account payouts to a final
//! status through the sandbox's controls, idempotency (same key and body → the same payout,
//! one gateway payout; other body → 409), lost answers and a crash between the stored row and
//! the gateway's answer — never a second payout at the gateway, no re-send while the gateway
//! says "no such payout" for less than the grace period, `unknown` (never `rejected`) after a
//! refused re-send, settled by a notification or a refresh — and the `payout` / `balance`
//! commands against the running server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::server::{Checkout, Reply, data_dir};
use serde_json::{Value, json};

/// A held answer becomes a timeout after 1 s; the reconciler wakes every 100 ms (its
/// schedule follows the sandbox clock, which the tests move). The payout grace period is the
/// default, 900 s.
const CONFIG: &str = "[gateway]\ntimeout_secs = 1\n[reconciler]\ntick_millis = 100\n";

fn sbp(amount: &str) -> Value {
    json!({"kind": "sbp", "amount": amount, "phone": "79031112233",
           "bank_member_id": "100000000111"})
}

fn account(amount: &str) -> Value {
    json!({"kind": "account", "amount": amount, "account": "40817810099910004312",
           "bic": "044525225", "holder": "Ivan Ivanov"})
}

/// `POST /api/v1/payouts` with the API key and `Idempotency-Key: key`.
fn create(app: &Checkout, key: &str, body: &Value) -> Reply {
    app.send(
        app.client()
            .post(format!("{}/api/v1/payouts", app.base))
            .bearer_auth(&app.api_key)
            .header("Idempotency-Key", key)
            .json(body),
    )
}

fn payout(app: &Checkout, id: &str) -> Value {
    let reply = app.merchant_get(&format!("/api/v1/payouts/{id}"));
    assert_eq!(reply.status, 200, "get payout: {}", reply.text);
    reply.json()
}

/// The sandbox's payouts under a gateway order id (all of them without one).
fn gateway_payouts(app: &Checkout, order_id: Option<&str>) -> Vec<Value> {
    let mut request = app
        .client()
        .get(format!("{}/sandbox/control/payouts", app.base));
    if let Some(order_id) = order_id {
        request = request.query(&[("order_id", order_id)]);
    }
    app.send(request).json()["payouts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn finish(app: &Checkout, gateway_id: u64, action: &str) {
    let reply = app.control(&format!("payouts/{gateway_id}/{action}"), None);
    assert_eq!(reply.status, 200, "{action}: {}", reply.text);
}

fn wait_for(app: &Checkout, id: &str, status: &str) -> Value {
    app.wait_until(&format!("payout {id} is {status}"), || {
        payout(app, id)["status"] == status
    });
    payout(app, id)
}

/// Moves the sandbox clock (our reconciler's schedule follows it).
fn advance(app: &Checkout, secs: u64) {
    let reply = app.send(
        app.client()
            .post(format!("{}/sandbox/control/clock/advance", app.base))
            .query(&[("secs", secs)]),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
}

fn metric(app: &Checkout, line_prefix: &str) -> Option<f64> {
    let text = app.merchant_get("/metrics").text;
    text.lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|n| n.trim().parse().ok())
}

#[test]
fn an_sbp_payout_is_paid_and_an_account_payout_fails() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);

    let reply = create(&app, "sbp-1", &sbp("1500.00"));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let created = reply.json();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["kind"], "sbp");
    assert_eq!(created["amount"], "1500.00");
    assert_eq!(created["phone"], "79031112233");
    let id = created["id"].as_str().unwrap().to_owned();
    let gid = created["gateway_payout_id"].as_u64().unwrap();
    let at_gateway = gateway_payouts(&app, created["gateway_order_id"].as_str());
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(at_gateway[0]["id"], gid);
    assert_eq!(at_gateway[0]["number"], "79031112233");
    assert_eq!(at_gateway[0]["customer_code"], "100000000111");
    assert_eq!(at_gateway[0]["amount"], "1500.00");

    finish(&app, gid, "paid");
    let paid = wait_for(&app, &id, "paid");
    assert_eq!(paid["gateway_status"], "paid");
    assert_eq!(paid["paid_amount"], "1500.00");
    assert!(paid["finished_at"].is_string());

    let reply = create(&app, "account-1", &account("250.50"));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let created = reply.json();
    assert_eq!(created["bic"], "044525225");
    assert_eq!(created["holder"], "Ivan Ivanov");
    let account_id = created["id"].as_str().unwrap().to_owned();
    let gid = created["gateway_payout_id"].as_u64().unwrap();
    let at_gateway = gateway_payouts(&app, created["gateway_order_id"].as_str());
    assert_eq!(at_gateway[0]["bik_bank"], "044525225");
    assert_eq!(at_gateway[0]["number"], "40817810099910004312");
    finish(&app, gid, "fail");
    let failed = wait_for(&app, &account_id, "failed");
    assert_eq!(failed["gateway_status"], "fail");

    // A final status stays final, whatever is reported later.
    let reply = app.control(&format!("payouts/{gid}/paid"), None);
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(payout(&app, &account_id)["status"], "failed");

    // The merchant events, one per final status.
    for (subject, kind) in [(&id, "payout.paid"), (&account_id, "payout.failed")] {
        let reply = app.merchant_get(&format!("/api/v1/events?subject_id={subject}"));
        assert_eq!(reply.status, 200, "{}", reply.text);
        let events = reply.json()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(kinds, [kind], "{}", reply.text);
        assert_eq!(events[0]["data"]["id"], subject.as_str());
    }

    // Listed newest first; counted by status.
    let list = app.merchant_get("/api/v1/payouts?limit=1").json();
    assert_eq!(list["items"][0]["id"], account_id.as_str());
    let cursor = list["next_cursor"].as_str().unwrap();
    let rest = app
        .merchant_get(&format!("/api/v1/payouts?limit=1&cursor={cursor}"))
        .json();
    assert_eq!(rest["items"][0]["id"], id.as_str());
    assert!(rest["next_cursor"].is_null());
    assert_eq!(
        metric(&app, "checkout_payouts{status=\"paid\"} "),
        Some(1.0)
    );
    assert_eq!(
        metric(&app, "checkout_payouts{status=\"failed\"} "),
        Some(1.0)
    );

    // The balance moved by exactly the paid payout (the failed one was refunded).
    let balance = app.merchant_get("/api/v1/balance");
    assert_eq!(balance.status, 200, "{}", balance.text);
    assert_eq!(balance.json()["balance"], "98500.00");
    assert_eq!(balance.json()["currency"], "RUB");
}

#[test]
fn one_key_is_one_payout_and_another_body_is_a_conflict() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    let first = create(&app, "K-1", &sbp("100.00"));
    assert_eq!(first.status, 201, "{}", first.text);
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let order = first.json()["gateway_order_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The same request, written differently: the stored payout, nothing sent.
    let same = json!({"kind": "sbp", "amount": 100, "phone": "+7 (903) 111-22-33",
                      "bank_member_id": "100000000111"});
    let again = create(&app, "K-1", &same);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["id"], id.as_str());
    assert_eq!(gateway_payouts(&app, Some(&order)).len(), 1);
    assert_eq!(app.gateway_calls("v1/payout"), 1);

    let other = create(&app, "K-1", &sbp("100.01"));
    assert_eq!(
        (other.status, other.code().as_str()),
        (409, "idempotency_conflict"),
        "{}",
        other.text
    );
    assert_eq!(app.gateway_calls("v1/payout"), 1);

    // Concurrent requests with one new key: one payout, one gateway call.
    let replies: Vec<(u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let r = create(&app, "K-2", &account("10.00"));
                    (
                        r.status,
                        r.json()["id"].as_str().unwrap_or_default().to_owned(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        replies.iter().all(|(s, _)| *s == 200 || *s == 201),
        "{replies:?}"
    );
    assert_eq!(
        replies.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{replies:?}"
    );
    assert!(
        replies.iter().all(|(_, i)| *i == replies[0].1),
        "{replies:?}"
    );
    assert_eq!(app.gateway_calls("v1/payout"), 2);
    assert_eq!(gateway_payouts(&app, None).len(), 2);
}

#[test]
fn bad_requests_get_clear_stable_errors() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    // No key, or a malformed one.
    let reply = app.merchant_post("/api/v1/payouts", &sbp("1.00"));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (400, "invalid_idempotency_key")
    );
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    let long = "k".repeat(256);
    assert_eq!(
        create(&app, &long, &sbp("1.00")).code(),
        "invalid_idempotency_key"
    );
    // Every bad field, by name.
    let reply = create(
        &app,
        "bad-1",
        &json!({"kind": "sbp", "amount": "1.001", "phone": "12345", "bank_member_id": "x"}),
    );
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (422, "invalid_request"),
        "{}",
        reply.text
    );
    let details = reply.json()["error"]["details"].clone();
    for field in ["amount", "phone", "bank_member_id"] {
        assert!(details[field].is_array(), "{field}: {details}");
    }
    let reply = create(&app, "bad-2", &json!({"kind": "card", "amount": "1.00"}));
    assert!(
        reply.json()["error"]["details"]["kind"].is_array(),
        "{}",
        reply.text
    );
    let reply = create(
        &app,
        "bad-3",
        &json!({"kind": "sbp", "amount": "1", "iban": "x"}),
    );
    assert_eq!(reply.code(), "invalid_request", "{}", reply.text);
    // Nothing reached the gateway, and a bad request did not take its key.
    assert_eq!(app.gateway_calls("v1/payout"), 0);
    assert_eq!(create(&app, "bad-1", &sbp("1.00")).status, 201);
    // Without the API key; unknown payouts.
    let reply = app.send(
        app.client()
            .post(format!("{}/api/v1/payouts", app.base))
            .header("Idempotency-Key", "x")
            .json(&sbp("1.00")),
    );
    assert_eq!(reply.status, 401);
    let reply = app.merchant_get("/api/v1/payouts/5c0b6e38-7d6a-4d43-9d5e-0d1f8e7b2a10");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (404, "payout_not_found")
    );
    assert_eq!(
        app.merchant_get("/api/v1/payouts/nope").code(),
        "payout_not_found"
    );
    // More than the balance: the gateway refuses it; stored as rejected, replayed as stored.
    let reply = create(&app, "huge", &sbp("999999.00"));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (502, "gateway_rejected"),
        "{}",
        reply.text
    );
    let replay = create(&app, "huge", &sbp("999999.00"));
    assert_eq!(replay.status, 200, "{}", replay.text);
    assert_eq!(replay.json()["status"], "rejected");
    assert!(
        replay.json()["error_details"]["amount"].is_array(),
        "{}",
        replay.text
    );
}

#[test]
fn a_lost_answer_is_looked_up_and_never_sent_twice() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);

    // The gateway made it, then answered 5xx: found by its order id.
    app.faults(&json!({"fail_next": 1, "fail_next_after_commit": true}));
    let reply = create(&app, "L-1", &sbp("10.00"));
    assert_eq!(reply.status, 201, "{}", reply.text);
    let found = reply.json();
    assert_eq!(found["status"], "pending");
    assert_eq!(
        gateway_payouts(&app, found["gateway_order_id"].as_str()).len(),
        1
    );

    // The answer was held past our timeout: found too.
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 3000}));
    let reply = create(&app, "L-2", &sbp("11.00"));
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        gateway_payouts(&app, reply.json()["gateway_order_id"].as_str()).len(),
        1
    );

    // 5xx before anything was made: `creating`; the reconciler looks again, then sends with
    // the same order id — once.
    app.faults(&json!({"fail_next": 1, "fail_next_after_commit": false}));
    let reply = create(&app, "L-3", &sbp("12.00"));
    assert_eq!(reply.status, 202, "{}", reply.text);
    let pending = reply.json();
    assert_eq!(pending["status"], "creating");
    assert!(
        pending["error"].as_str().unwrap().contains("HTTP 50"),
        "{pending}"
    );
    let order = pending["gateway_order_id"].as_str().unwrap().to_owned();
    let id = pending["id"].as_str().unwrap().to_owned();
    assert!(gateway_payouts(&app, Some(&order)).is_empty());
    // A retry with the key answers what is stored, without a gateway call.
    let calls = app.gateway_calls("v1/payout");
    assert_eq!(create(&app, "L-3", &sbp("12.00")).status, 200);
    assert_eq!(app.gateway_calls("v1/payout"), calls);
    // "No such payout" for less than the grace period: looked up again, not sent.
    let lookups = app.gateway_calls("v1/payout/status");
    advance(&app, 15);
    app.wait_until("the reconciler looked again", || {
        app.gateway_calls("v1/payout/status") > lookups
    });
    assert_eq!(payout(&app, &id)["status"], "creating");
    assert_eq!(app.gateway_calls("v1/payout"), calls);
    advance(&app, 900);
    let sent = wait_for(&app, &id, "pending");
    assert_eq!(sent["gateway_order_id"], order.as_str());
    let at_gateway = gateway_payouts(&app, Some(&order));
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(sent["gateway_payout_id"], at_gateway[0]["id"]);
    assert_eq!(app.gateway_calls("v1/payout"), calls + 1);
    // Its notification was lost: the reconciler's poll finds it paid.
    app.faults(&json!({"drop_notifications": 1}));
    finish(&app, at_gateway[0]["id"].as_u64().unwrap(), "paid");
    advance(&app, 30);
    wait_for(&app, &id, "paid");
    assert_eq!(gateway_payouts(&app, None).len(), 3);
}

#[test]
fn a_crash_between_the_stored_row_and_the_answer_is_recovered_by_lookup() {
    let dir = data_dir();
    // A long gateway timeout: the create stays in flight while the process dies.
    let app = Checkout::start(dir.path(), "[gateway]\ntimeout_secs = 30\n");
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 20000}));
    let url = format!("{}/api/v1/payouts", app.base);
    let key = app.api_key.clone();
    let in_flight = std::thread::spawn(move || {
        // Its answer never comes: the server dies first.
        let _ = reqwest::blocking::Client::new()
            .post(url)
            .bearer_auth(key)
            .header("Idempotency-Key", "CR-1")
            .json(&sbp("300.00"))
            .timeout(std::time::Duration::from_secs(40))
            .send();
    });
    app.wait_until("the payout is stored before the call", || {
        app.merchant_get("/api/v1/payouts").json()["items"][0]["status"] == "creating"
    });
    app.wait_until("the gateway made the payout", || {
        gateway_payouts(&app, None).len() == 1
    });
    let stored = app.merchant_get("/api/v1/payouts").json()["items"][0].clone();
    let id = stored["id"].as_str().unwrap().to_owned();
    let app = app.crash_and_restart();
    in_flight.join().unwrap();

    // Start-up recovery looked the order id up and took the gateway's payout over.
    let recovered = wait_for(&app, &id, "pending");
    let at_gateway = gateway_payouts(&app, stored["gateway_order_id"].as_str());
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(recovered["gateway_payout_id"], at_gateway[0]["id"]);
    // The merchant's retry gets that payout; nothing is sent again.
    let retry = create(&app, "CR-1", &sbp("300.00"));
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json()["id"], id.as_str());
    assert_eq!(
        app.gateway_calls("v1/payout"),
        0,
        "no create after the restart"
    );
    assert_eq!(gateway_payouts(&app, None).len(), 1);
    finish(&app, at_gateway[0]["id"].as_u64().unwrap(), "paid");
    wait_for(&app, &id, "paid");
}

#[test]
fn a_crash_before_the_gateway_got_it_is_sent_once_after_lookups() {
    let dir = data_dir();
    let app = Checkout::start(
        dir.path(),
        "[gateway]\ntimeout_secs = 30\n[reconciler]\ntick_millis = 100\n",
    );
    // The gateway is slow to even look at the call: the process dies before it does.
    app.faults(&json!({"latency_ms": 20000}));
    let url = format!("{}/api/v1/payouts", app.base);
    let key = app.api_key.clone();
    let in_flight = std::thread::spawn(move || {
        let _ = reqwest::blocking::Client::new()
            .post(url)
            .bearer_auth(key)
            .header("Idempotency-Key", "CR-2")
            .json(&account("40.00"))
            .timeout(std::time::Duration::from_secs(40))
            .send();
    });
    app.wait_until("the payout is stored before the call", || {
        app.merchant_get("/api/v1/payouts").json()["items"][0]["status"] == "creating"
    });
    let stored = app.merchant_get("/api/v1/payouts").json()["items"][0].clone();
    let id = stored["id"].as_str().unwrap().to_owned();
    let order = stored["gateway_order_id"].as_str().unwrap().to_owned();
    let app = app.crash_and_restart();
    in_flight.join().unwrap();
    assert!(gateway_payouts(&app, None).is_empty());

    // Recovery looked it up and found nothing: nothing is sent while the old send could still
    // be in flight (its timeout and a grace) …
    app.wait_until("recovery looked the order id up", || {
        app.gateway_calls("v1/payout/status") >= 1
    });
    assert_eq!(payout(&app, &id)["status"], "creating");
    assert_eq!(app.gateway_calls("v1/payout"), 0);
    // … nor while the gateway has said "no such payout" for less than the grace period …
    advance(&app, 61);
    app.wait_until("the reconciler looked again", || {
        app.gateway_calls("v1/payout/status") >= 2
    });
    assert_eq!(payout(&app, &id)["status"], "creating");
    assert_eq!(app.gateway_calls("v1/payout"), 0);
    // … then it is sent, with the same order id, once.
    advance(&app, 900);
    let sent = wait_for(&app, &id, "pending");
    assert_eq!(sent["gateway_order_id"], order.as_str());
    let at_gateway = gateway_payouts(&app, None);
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(at_gateway[0]["order_id"], order.as_str());
    assert_eq!(sent["gateway_payout_id"], at_gateway[0]["id"]);
    assert_eq!(app.gateway_calls("v1/payout"), 1);
    let retry = create(&app, "CR-2", &account("40.00"));
    assert_eq!((retry.status, retry.json()["id"].clone()), (200, json!(id)));
    assert_eq!(gateway_payouts(&app, None).len(), 1);
}

/// The merchant event types of `subject`, oldest first.
fn event_types(app: &Checkout, subject: &str) -> Vec<String> {
    let reply = app.merchant_get(&format!("/api/v1/events?subject_id={subject}"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut types: Vec<String> = reply.json()["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    types.reverse();
    types
}

/// Moves the clock by `secs` and waits until the reconciler has made another lookup; the
/// payout is then still `status` and nothing more was sent.
fn look_again(app: &Checkout, id: &str, secs: u64, status: &str, creates: u64) {
    let lookups = app.gateway_calls("v1/payout/status");
    advance(app, secs);
    app.wait_until("the reconciler looked the payout up again", || {
        app.gateway_calls("v1/payout/status") > lookups
    });
    assert_eq!(payout(app, id)["status"], status);
    assert_eq!(app.gateway_calls("v1/payout"), creates);
}

#[test]
fn a_lost_create_the_gateway_hides_for_a_minute_is_sent_once_and_paid() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    // The create takes effect but its answer is held past our timeout, and for a minute
    // `v1/payout/status` by order id says "no such payout".
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 3000,
                       "hide_payouts_from_lookup_ms": 60_000}));
    let reply = create(&app, "H-1", &sbp("500.00"));
    assert_eq!(reply.status, 202, "{}", reply.text);
    let stored = reply.json();
    assert_eq!(stored["status"], "creating");
    let id = stored["id"].as_str().unwrap().to_owned();
    let order = stored["gateway_order_id"].as_str().unwrap().to_owned();
    assert_eq!(gateway_payouts(&app, Some(&order)).len(), 1, "recorded");
    assert_eq!(app.gateway_calls("v1/payout"), 1);

    // A minute of "not found": looked up again (backoff 10 s, 20 s, 40 s …), never sent
    // again, never rejected.
    look_again(&app, &id, 15, "creating", 1);
    look_again(&app, &id, 25, "creating", 1);
    let hidden = app.send(
        app.client()
            .get(format!("{}/sandbox/control/faults/log", app.base)),
    );
    assert!(hidden.text.contains("hide_payout"), "{}", hidden.text);
    // Once the gateway shows it, the lookup takes it over.
    advance(&app, 45);
    let pending = wait_for(&app, &id, "pending");
    let at_gateway = gateway_payouts(&app, Some(&order));
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(pending["gateway_payout_id"], at_gateway[0]["id"]);
    assert_eq!(app.gateway_calls("v1/payout"), 1, "exactly one create");

    // The gateway's signed notification settles it.
    finish(&app, at_gateway[0]["id"].as_u64().unwrap(), "paid");
    let paid = wait_for(&app, &id, "paid");
    assert_eq!(paid["paid_amount"], "500.00");
    assert_eq!(event_types(&app, &id), ["payout.paid"]);
    assert_eq!(gateway_payouts(&app, None).len(), 1);
}

#[test]
fn a_refused_resend_makes_the_payout_unknown_until_the_gateway_reports_it() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    // Made at the gateway, answer lost, and hidden from lookups by order id for a day.
    app.faults(&json!({"timeout_next": 1, "timeout_hold_ms": 3000,
                       "hide_payouts_from_lookup_ms": 86_400_000}));
    let reply = create(&app, "U-1", &account("800.00"));
    assert_eq!(reply.status, 202, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let order = reply.json()["gateway_order_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Inside the grace period (900 s of "no such payout"): exactly one create.
    look_again(&app, &id, 450, "creating", 1);
    look_again(&app, &id, 440, "creating", 1);
    // Past it: sent once more with the same order id; the gateway refuses that ("taken"),
    // which does not prove that nothing was made — `unknown`, never `rejected`.
    advance(&app, 45);
    let unknown = wait_for(&app, &id, "unknown");
    assert_eq!(unknown["gateway_order_id"], order.as_str());
    assert!(unknown["gateway_payout_id"].is_null(), "{unknown}");
    assert!(unknown["finished_at"].is_null(), "{unknown}");
    assert_eq!(app.gateway_calls("v1/payout"), 2);
    let at_gateway = gateway_payouts(&app, Some(&order));
    assert_eq!(at_gateway.len(), 1, "one payout at the gateway");
    assert_eq!(event_types(&app, &id), ["payout.unknown"]);
    assert_eq!(
        metric(&app, "checkout_payouts{status=\"unknown\"} "),
        Some(1.0)
    );

    // Still looked up, never sent again; a refresh asks now and changes nothing yet.
    look_again(&app, &id, 3_000, "unknown", 2);
    let env = [("CHECKOUT_API_KEY", app.api_key.as_str())];
    let bin = e2e::bin();
    let status_args = [
        "payout",
        "status",
        id.as_str(),
        "--url",
        app.base.as_str(),
        "--refresh",
    ];
    let run = e2e::run_env(&bin, &status_args, b"", &env).assert_ok();
    let out = run.stdout_text();
    assert!(out.contains(&format!("payout {id} unknown")), "{run}");
    assert!(out.contains("do not pay it again"), "{run}");

    // Paid at the gateway, its notification lost: a refresh once the gateway shows it.
    app.faults(&json!({"drop_notifications": 1, "hide_payouts_from_lookup_ms": 0}));
    finish(&app, at_gateway[0]["id"].as_u64().unwrap(), "paid");
    let lookups = app.gateway_calls("v1/payout/status");
    let reply = app.send(
        app.client()
            .post(format!("{}/api/v1/payouts/{id}/refresh", app.base))
            .bearer_auth(&app.api_key),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["status"], "paid");
    assert_eq!(reply.json()["gateway_payout_id"], at_gateway[0]["id"]);
    assert_eq!(app.gateway_calls("v1/payout/status"), lookups + 1);
    assert_eq!(event_types(&app, &id), ["payout.unknown", "payout.paid"]);
    assert_eq!(app.gateway_calls("v1/payout"), 2);
    let run = e2e::run_env(&bin, &status_args, b"", &env).assert_ok();
    assert!(
        run.stdout_text().contains(&format!("payout {id} paid")),
        "{run}"
    );
    // A refresh of an unknown payout id, and without the key.
    let missing = app.send(
        app.client()
            .post(format!(
                "{}/api/v1/payouts/5c0b6e38-7d6a-4d43-9d5e-0d1f8e7b2a10/refresh",
                app.base
            ))
            .bearer_auth(&app.api_key),
    );
    assert_eq!(missing.code(), "payout_not_found");
    let anonymous = app.send(
        app.client()
            .post(format!("{}/api/v1/payouts/{id}/refresh", app.base)),
    );
    assert_eq!(anonymous.status, 401);
}

#[test]
fn the_payout_and_balance_commands_use_the_running_server() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), CONFIG);
    let env = [("CHECKOUT_API_KEY", app.api_key.as_str())];
    let bin = e2e::bin();
    let sbp_args = [
        "payout",
        "sbp",
        "--url",
        app.base.as_str(),
        "--phone",
        "79031112233",
        "--bank-member-id",
        "100000000111",
        "--amount",
        "700.00",
        "--idempotency-key",
        "cli-1",
    ];
    let run = e2e::run_env(&bin, &sbp_args, b"", &env).assert_ok();
    let out = run.stdout_text();
    assert!(out.starts_with("payout "), "{run}");
    assert!(out.contains(" pending"), "{run}");
    assert!(out.contains("idempotency key:   cli-1"), "{run}");
    // The same command again: the same payout, nothing sent.
    let again = e2e::run_env(&bin, &sbp_args, b"", &env).assert_ok();
    assert!(
        again.stdout_text().contains("nothing was sent again"),
        "{again}"
    );
    assert_eq!(app.gateway_calls("v1/payout"), 1);

    // `--json` prints the server's JSON; `--api-key` works as well as the environment.
    let run = e2e::run(
        &bin,
        &[
            "payout",
            "account",
            "--url",
            app.base.as_str(),
            "--api-key",
            app.api_key.as_str(),
            "--account",
            "40817810099910004312",
            "--bic",
            "044525225",
            "--amount",
            "50",
            "--json",
        ],
        b"",
    )
    .assert_ok();
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["kind"], "account");
    assert_eq!(json["amount"], "50.00");

    // A refusal exits 1 with the server's message and the bad field.
    let run = e2e::run_env(
        &bin,
        &[
            "payout",
            "account",
            "--url",
            app.base.as_str(),
            "--account",
            "1",
            "--bic",
            "044525225",
            "--amount",
            "1",
        ],
        b"",
        &env,
    )
    .assert_code(1);
    assert!(run.stderr.contains("invalid_request"), "{run}");
    assert!(run.stderr.contains("account:"), "{run}");
    // A wrong API key.
    let run = e2e::run(
        &bin,
        &[
            "balance",
            "--url",
            app.base.as_str(),
            "--api-key",
            "sk_test_wrong",
        ],
        b"",
    )
    .assert_code(1);
    assert!(run.stderr.contains("unauthorized"), "{run}");

    let run = e2e::run_env(&bin, &["balance", "--url", app.base.as_str()], b"", &env).assert_ok();
    // 100 000.00 less the two payouts still pending.
    assert!(
        run.stdout_text().contains("balance:          99250.00 RUB"),
        "{run}"
    );
    assert!(
        run.stdout_text().contains("pending payouts:  750.00 RUB"),
        "{run}"
    );
    let run = e2e::run_env(
        &bin,
        &["balance", "--url", app.base.as_str(), "--json"],
        b"",
        &env,
    )
    .assert_ok();
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["balance"], "99250.00");
}
