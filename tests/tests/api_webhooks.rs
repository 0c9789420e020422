//! The real `serve` binary in sandbox mode sending events to a merchant receiver in this
//! process: signed as `docs/webhooks.md` says (checked with the `openssl` CLI), retried while
//! the receiver fails, in order per session, nothing lost across a crash mid-delivery,
//! listed and re-sent through the merchant API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::server::{Checkout, data_dir};
use e2e::{Capture, Captured, openssl};
use serde_json::Value;

const SECRET: &str = "whsec_e2e_0123456789abcdef";

/// `[webhooks]` pointing at `receiver`, with retries in about a second (the sandbox clock
/// drives the schedule; the receiver's answers drive the outcome).
fn config(receiver: &Capture, extra: &str) -> String {
    format!(
        "[webhooks]\nurl = \"{}\"\nsecret = \"{SECRET}\"\nendpoint_id = \"e2e\"\n\
         backoff_initial_secs = 1\nbackoff_max_secs = 2\ntick_millis = 50\n{extra}",
        receiver.url
    )
}

/// A session with a pending sberpay payment: (token, session id, gateway payment id).
fn pending(app: &Checkout, order: &str) -> (String, String, u64) {
    let created = app.create_session(order, "150.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let answer = app.pay(&token, "sberpay");
    assert_eq!(answer.status, 200, "{}", answer.text);
    let gid = answer.json()["gateway_payment_id"].as_u64().unwrap();
    (token, created["id"].as_str().unwrap().to_owned(), gid)
}

fn body(request: &Captured) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// Verifies `Checkout-Signature` exactly as the shell recipe in docs/webhooks.md does:
/// `printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$secret"`, then a 5-minute
/// tolerance on `t`.
fn assert_signed(request: &Captured) {
    let header = request.header("checkout-signature").expect("no signature");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value.to_owned()),
            Some(("v1", value)) => v1 = Some(value.to_owned()),
            _ => panic!("unexpected part {part:?} in {header:?}"),
        }
    }
    let (t, v1) = (t.expect("no t"), v1.expect("no v1"));
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(&request.body);
    let run = openssl(&["dgst", "-sha256", "-hmac", SECRET], &signed).assert_ok();
    let expected = run
        .stdout_text()
        .rsplit("= ")
        .next()
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(v1, expected, "v1 does not match openssl's HMAC");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t: u64 = t.parse().unwrap();
    assert!(
        now.abs_diff(t) <= 300,
        "t={t} is not within 5 minutes of {now}"
    );
}

#[test]
fn a_paid_session_sends_one_signed_payment_paid_event() {
    let receiver = Capture::start(&[]);
    let dir = data_dir();
    let app = Checkout::start(dir.path(), &config(&receiver, ""));
    let (token, id, gid) = pending(&app, "W-1");
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(&token, "paid");

    let requests = receiver.wait_for(1, 30);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/hooks");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("alikassa-checkout-webhooks/"),
        "{request:?}"
    );
    assert_signed(request);
    let event = body(request);
    assert!(event["id"].as_str().unwrap().starts_with("evt_"), "{event}");
    assert_eq!(request.header("checkout-event-id"), event["id"].as_str());
    assert_eq!(event["type"], "payment.paid");
    assert!(event["created_at"].as_str().unwrap().ends_with('Z'));
    // `data` is the session as the merchant API shows it.
    assert_eq!(event["data"], app.session(&id));
    assert_eq!(event["data"]["status"], "paid");

    // Delivered once, recorded with its attempt.
    let id = event["id"].as_str().unwrap();
    app.wait_until("the event is delivered", || {
        app.merchant_get(&format!("/api/v1/events/{id}")).json()["delivery"]["state"] == "delivered"
    });
    let stored = app.merchant_get(&format!("/api/v1/events/{id}")).json();
    let attempts = stored["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{stored}");
    assert_eq!(attempts[0]["status_code"], 200);
    assert_eq!(attempts[0]["endpoint_id"], "e2e");
    assert_eq!(attempts[0]["url"], receiver.url.as_str());
    assert_eq!(stored["data"], event["data"]);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn retries_while_the_receiver_fails_and_never_reorders_a_sessions_events() {
    // The expired event meets three failures; the late `paid` that follows must wait.
    let receiver = Capture::start(&[500, 503, 500]);
    let dir = data_dir();
    let app = Checkout::start(
        dir.path(),
        &config(
            &receiver,
            "[reconciler]\nfirst_poll_secs = 1200\nmax_poll_secs = 1200\n",
        ),
    );
    let (token, id, gid) = pending(&app, "W-2");
    app.faults(&serde_json::json!({"drop_notifications": 1}));
    app.control(&format!("payments/{gid}/paid"), None);
    app.control("clock/advance?secs=901", None);
    app.wait_for_status(&token, "expired");
    // Not while an attempt is in flight: a jump past its lease would have it sent twice
    // (at-least-once), and this test counts the requests.
    app.wait_until("the first attempt at the expired event is recorded", || {
        app.merchant_get("/api/v1/events?type=payment.expired")
            .json()["items"][0]["delivery"]["attempts"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    // The reconciler's next poll finds the money: `paid` after `expired`, same session.
    app.control("clock/advance?secs=300", None);
    app.wait_for_status(&token, "paid");

    let requests = receiver.wait_for(5, 60);
    let kinds: Vec<String> = requests
        .iter()
        .map(|r| body(r)["type"].as_str().unwrap().to_owned())
        .collect();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(
        kinds,
        [
            "payment.expired",
            "payment.expired",
            "payment.expired",
            "payment.expired",
            "payment.paid"
        ],
        "{statuses:?}"
    );
    assert_eq!(statuses, [500, 503, 500, 200, 200]);
    // Every retry is the same event, byte for byte, signed afresh.
    for r in &requests[1..4] {
        assert_eq!(r.body, requests[0].body);
        assert_eq!(
            r.header("checkout-event-id"),
            requests[0].header("checkout-event-id")
        );
    }
    for r in &requests {
        assert_signed(r);
        assert_eq!(body(r)["data"]["id"], id.as_str());
    }
    let expired_id = body(&requests[0])["id"].as_str().unwrap().to_owned();
    let stored = app
        .merchant_get(&format!("/api/v1/events/{expired_id}"))
        .json();
    assert_eq!(stored["delivery"]["state"], "delivered");
    let codes: Vec<u64> = stored["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [500, 503, 500, 200]);
    assert!(
        stored["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("answered 500"),
        "{stored}"
    );
}

#[test]
fn a_crash_mid_delivery_loses_nothing() {
    let receiver = Capture::start(&[]);
    receiver.hold();
    let dir = data_dir();
    let app = Checkout::start(dir.path(), &config(&receiver, ""));
    let (token, _, gid) = pending(&app, "W-3");
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(&token, "paid");
    // The request is in flight, unanswered, when the server dies.
    let held = receiver.wait_for(1, 30);
    let app = app.crash_and_restart();
    receiver.release();
    // On SQLite the restarted process frees the dead one's claim at once; on PostgreSQL the
    // claim may belong to another live replica, so it runs out (request timeout + 30 s of
    // the checkout's clock): move the sandbox clock past it instead of waiting.
    app.control("clock/advance?secs=60", None);

    let requests = receiver.wait_for(2, 30);
    let again = &requests[1];
    assert_eq!(again.body, held[0].body, "the same event, byte for byte");
    assert_eq!(
        again.header("checkout-event-id"),
        held[0].header("checkout-event-id")
    );
    assert_signed(again);
    let id = body(again)["id"].as_str().unwrap().to_owned();
    app.wait_until("the event is delivered after the restart", || {
        app.merchant_get(&format!("/api/v1/events/{id}")).json()["delivery"]["state"] == "delivered"
    });
    let list = app.merchant_get("/api/v1/events").json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

#[test]
fn events_are_listed_filtered_paged_and_resent() {
    let receiver = Capture::start(&[]);
    let dir = data_dir();
    let app = Checkout::start(dir.path(), &config(&receiver, ""));
    let (token, paid_id, gid) = pending(&app, "W-4");
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(&token, "paid");
    // Delivered before the clock jumps 15 minutes: a delivery still in flight then would
    // outlive its lease and be sent twice (at-least-once), which this test does not count on.
    app.wait_until("the paid event is delivered", || {
        app.merchant_get("/api/v1/events?state=delivered").json()["items"]
            .as_array()
            .is_some_and(|items| items.len() == 1)
    });
    let other = app.create_session("W-5", "10.00");
    let other_id = other["id"].as_str().unwrap().to_owned();
    app.control("clock/advance?secs=901", None);
    app.wait_for_status(other["token"].as_str().unwrap(), "expired");
    receiver.wait_for(2, 30);
    app.wait_until("both events are delivered", || {
        app.merchant_get("/api/v1/events?state=delivered").json()["items"]
            .as_array()
            .is_some_and(|items| items.len() == 2)
    });

    let all = app.merchant_get("/api/v1/events").json();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "payment.expired", "newest first");
    assert_eq!(items[1]["type"], "payment.paid");
    assert!(
        items[0].get("attempts").is_none(),
        "attempts only on the detail"
    );
    let by_type = app.merchant_get("/api/v1/events?type=payment.paid").json();
    assert_eq!(by_type["items"][0]["subject_id"], paid_id.as_str());
    assert_eq!(by_type["items"].as_array().unwrap().len(), 1);
    let by_subject = app
        .merchant_get(&format!("/api/v1/events?subject_id={other_id}"))
        .json();
    assert_eq!(by_subject["items"][0]["type"], "payment.expired");
    let first = app.merchant_get("/api/v1/events?limit=1").json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .merchant_get(&format!("/api/v1/events?limit=1&cursor={cursor}"))
        .json();
    assert_eq!(second["items"][0]["id"], items[1]["id"]);
    assert!(second["next_cursor"].is_null() || second.get("next_cursor").is_none());
    assert_eq!(
        app.merchant_get("/api/v1/events?state=failed").json()["items"],
        Value::Array(Vec::new())
    );
    assert_eq!(
        app.merchant_get("/api/v1/events?type=nope").code(),
        "invalid_query"
    );

    // Re-send the paid event: the same id and body, a fresh signature, one more attempt.
    let paid_event = items[1]["id"].as_str().unwrap();
    let before = receiver.requests();
    let original = before
        .iter()
        .find(|r| r.header("checkout-event-id") == Some(paid_event))
        .unwrap()
        .clone();
    let reply = app.merchant_post(&format!("/api/v1/events/{paid_event}/resend"), &Value::Null);
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.json()["id"], paid_event);
    let requests = receiver.wait_for(before.len() + 1, 30);
    let resent = requests.last().unwrap();
    assert_eq!(resent.header("checkout-event-id"), Some(paid_event));
    assert_eq!(resent.body, original.body);
    assert_signed(resent);
    app.wait_until("the re-send is recorded", || {
        app.merchant_get(&format!("/api/v1/events/{paid_event}"))
            .json()["attempts"]
            .as_array()
            .is_some_and(|a| a.len() == 2)
    });
    let stored = app
        .merchant_get(&format!("/api/v1/events/{paid_event}"))
        .json();
    assert_eq!(stored["delivery"]["state"], "delivered");

    let missing = app.merchant_post("/api/v1/events/evt_nope/resend", &Value::Null);
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "event_not_found")
    );
    assert_eq!(app.merchant_get("/api/v1/events/evt_nope").status, 404);
    assert_eq!(app.get("/api/v1/events").status, 401);
    // The outbox depth is exposed.
    let metrics = app.merchant_get("/metrics").text;
    assert!(
        metrics.contains("checkout_outbox_pending_events 0"),
        "{metrics}"
    );
    assert!(metrics.contains("checkout_webhook_attempts_total{outcome=\"delivered\"} 3"));
}

#[test]
fn without_a_url_events_are_recorded_not_sent() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "W-6");
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(&token, "paid");
    let list = app.merchant_get("/api/v1/events").json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["subject_id"], id.as_str());
    assert_eq!(items[0]["delivery"]["state"], "pending");
    assert_eq!(items[0]["delivery"]["attempts"], 0);
}
