//! The real `serve` binary in sandbox mode: status by notification (GET query, POST form, POST
//! JSON) and by the reconciler; forged, tampered and unsigned notifications refused with
//! nothing changed; duplicates idempotent; final states never regress; the per-payment
//! upstream limit; expiry at the deadline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod notification_support;

use e2e::server::{Checkout, data_dir};
use notification_support::{fields, gateway_key, send_get, sign};
use serde_json::{Value, json};
use server::signing::signed_text::redirect_text;
use server::signing::{Digest, GeneratedKeys};

/// A session paying by SBP: (token, session id, gateway id).
fn pending(app: &Checkout, order: &str) -> (String, String, u64) {
    let created = app.create_session(order, "1500.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let answer = app.pay(&token, "sbp").json();
    let gid = answer["gateway_payment_id"].as_u64().unwrap();
    (token, created["id"].as_str().unwrap().to_owned(), gid)
}

fn history_len(app: &Checkout, id: &str) -> usize {
    app.session(id)["history"].as_array().unwrap().len()
}

#[test]
fn forged_tampered_and_unsigned_notifications_change_nothing() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "N-1");
    let before = app.session(&id);
    let key = gateway_key(&app);
    let paid = fields(&app, gid, "N-1-1", "paid");

    let forger = GeneratedKeys::generate(2048).unwrap();
    let forged = sign(&paid, forger.private_key());
    let mut tampered = sign(&fields(&app, gid, "N-1-1", "cancel"), key.private());
    tampered
        .iter_mut()
        .find(|(k, _)| k == "payment_status")
        .unwrap()
        .1 = "paid".into();
    let mut amount_changed = sign(&paid, key.private());
    amount_changed
        .iter_mut()
        .find(|(k, _)| k == "payment_amount")
        .unwrap()
        .1 = "15000.00".into();
    let unsigned = paid.clone();
    let mut garbage = paid.clone();
    garbage.push(("sign".into(), "AAAA".into()));
    for (name, attempt) in [
        ("forged", forged),
        ("tampered status", tampered),
        ("tampered amount", amount_changed),
        ("unsigned", unsigned),
        ("garbage sign", garbage),
    ] {
        let reply = send_get(&app, &attempt);
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (401, "invalid_signature"),
            "{name}"
        );
    }
    let after = app.session(&id);
    assert_eq!(after["status"], "pending");
    assert_eq!(after["history"], before["history"], "nothing changed");
    assert!(app.daemon.stderr().contains("notification refused"));

    // The genuine one is accepted with the gateway's plain "OK".
    let reply = send_get(&app, &sign(&paid, key.private()));
    assert_eq!((reply.status, reply.text.as_str()), (200, "OK"));
    app.wait_for_status(&token, "paid");
}

#[test]
fn notifications_arrive_by_query_form_or_json_and_duplicates_are_idempotent() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let key = gateway_key(&app);
    let url = format!("{}/webhooks/alikassa", app.base);

    // POST form.
    let (token, id, gid) = pending(&app, "F-1");
    let signed = sign(&fields(&app, gid, "F-1-1", "paid"), key.private());
    let reply = app.send(app.client().post(&url).form(&signed));
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    app.wait_for_status(&token, "paid");
    let len = history_len(&app, &id);
    // The same notification again (the gateway retries): 200, nothing new.
    for _ in 0..3 {
        let reply = app.send(app.client().post(&url).form(&signed));
        assert_eq!((reply.status, reply.text.as_str()), (200, "OK"));
    }
    assert_eq!(history_len(&app, &id), len);

    // POST JSON, with the id as a number as one integrator's gateway sends it.
    let (token, _, gid) = pending(&app, "J-1");
    let signed = sign(&fields(&app, gid, "J-1-1", "fail"), key.private());
    let mut body = serde_json::Map::new();
    for (k, v) in &signed {
        body.insert(k.clone(), Value::String(v.clone()));
    }
    let reply = app.send(app.client().post(&url).json(&Value::Object(body)));
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    app.wait_for_status(&token, "failed");

    // GET with the sign's '+' sent raw (decoded as a space by a form parser).
    let (token, _, gid) = pending(&app, "Q-1");
    let signed = sign(&fields(&app, gid, "Q-1-1", "paid"), key.private());
    let query: Vec<String> = signed
        .iter()
        .map(|(k, v)| {
            let v = if k == "sign" {
                v.replace('/', "%2F").replace('=', "%3D")
            } else {
                v.replace(' ', "%20")
            };
            format!("{k}={v}")
        })
        .collect();
    let reply = app.send(app.client().get(format!("{url}?{}", query.join("&"))));
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    app.wait_for_status(&token, "paid");
}

#[test]
fn final_states_never_regress() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let key = gateway_key(&app);
    let (token, id, gid) = pending(&app, "R-1");
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(&token, "paid");
    let cancel = sign(&fields(&app, gid, "R-1-1", "cancel"), key.private());
    let reply = send_get(&app, &cancel);
    assert_eq!(
        reply.status, 200,
        "a verified conflicting final is acknowledged"
    );
    let details = app.session(&id);
    assert_eq!(details["status"], "paid");
    assert_eq!(details["payment_status"], "paid");
    let last = details["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["detail"],
        "ignored: gateway reported cancel after paid"
    );
    assert_eq!(last["status"], "paid");
}

#[test]
fn the_reconciler_finds_a_status_whose_notification_was_lost() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, id, gid) = pending(&app, "L-1");
    app.faults(&json!({"drop_notifications": 1}));
    app.control(&format!("payments/{gid}/paid"), None);
    // No notification comes; the first poll is due 10 s after the payment was created.
    let status = app.get(&format!("/api/v1/checkout/{token}/status")).json();
    assert_eq!(status["status"], "pending");
    assert_eq!(app.gateway_calls("v1/payment/status"), 0);
    app.control("clock/advance?secs=11", None);
    app.wait_for_status(&token, "paid");
    let details = app.session(&id);
    let last = details["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["source"], "reconciler");
    assert_eq!(app.gateway_calls("v1/payment/status"), 1);
}

#[test]
fn at_most_one_upstream_status_call_per_payment_per_ten_seconds() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let (token, _, gid) = pending(&app, "C-1");
    let check = |app: &Checkout| app.post(&format!("/api/v1/checkout/{token}/check"), &json!({}));
    // Many browsers, many clicks, at once.
    let replies: Vec<e2e::server::Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16).map(|_| scope.spawn(|| check(&app))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        replies
            .iter()
            .all(|r| r.status == 200 && r.json()["status"] == "pending")
    );
    let limited = replies
        .iter()
        .filter(|r| r.header("retry-after").is_some())
        .count();
    assert_eq!(limited, 15, "all but one were answered from the store");
    assert_eq!(app.gateway_calls("v1/payment/status"), 1);

    // Paid, notification lost; within the window the buyer's check does not call upstream.
    app.faults(&json!({"drop_notifications": 1}));
    app.control(&format!("payments/{gid}/paid"), None);
    let reply = check(&app);
    assert_eq!(reply.json()["status"], "pending");
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    assert_eq!(app.gateway_calls("v1/payment/status"), 1);

    // Ten seconds later (sandbox clock), one more call finds it paid.
    app.control("clock/advance?secs=10", None);
    let reply = check(&app);
    app.wait_for_status(&token, "paid");
    assert!(reply.header("retry-after").is_none() || reply.json()["status"] == "paid");
    assert_eq!(app.gateway_calls("v1/payment/status"), 2);
}

#[test]
fn sessions_expire_at_their_deadline() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let open = app.create_session("E-1", "10.00");
    let open_token = open["token"].as_str().unwrap();
    let (pending_token, pending_id, _) = pending(&app, "E-2");
    app.control("clock/advance?secs=901", None);
    app.wait_for_status(open_token, "expired");
    app.wait_for_status(&pending_token, "expired");
    // The gateway's own cancel of the expired payment does not change that.
    app.wait_until("the gateway cancelled the payment", || {
        app.session(&pending_id)["payment_status"] == "cancel"
    });
    assert_eq!(app.session(&pending_id)["status"], "expired");
    let reply = app.pay(open_token, "sbp");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (410, "session_expired")
    );
}

/// The sandbox's record of the payment sent under `order`.
fn gateway_payment(app: &Checkout, order: &str) -> Value {
    let reply = app.send(
        app.client()
            .get(format!("{}/sandbox/control/payments", app.base))
            .query(&[("order_id", order)]),
    );
    reply.json()["payments"][0].clone()
}

#[test]
fn a_redirect_signature_replayed_as_a_notification_is_refused() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let key = gateway_key(&app);
    let (token, id, gid) = pending(&app, "X-1");
    let before = app.session(&id);
    let uuid = gateway_payment(&app, "X-1-1")["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    // What the buyer's redirect form carries (§4.5): {order_id, uuid} signed with the
    // notification key.
    let redirect = vec![
        ("order_id".to_owned(), "X-1-1".to_owned()),
        ("uuid".to_owned(), uuid.clone()),
    ];
    let sign = key
        .private()
        .sign(redirect_text(&redirect).as_bytes(), Digest::Sha1)
        .unwrap();
    let account = std::fs::read_to_string(app.data_dir.join("sandbox/account")).unwrap();
    let gid_text = gid.to_string();
    let extra = [
        ("type", "payment"),
        ("id", gid_text.as_str()),
        ("payment_status", "paid"),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("account", account.trim()),
    ];
    let url = format!("{}/webhooks/alikassa", app.base);
    // The reported attack: the signed redirect as a JSON body, the notification fields in the
    // query string.
    let json_body = json!({"order_id": "X-1-1", "uuid": uuid, "sign": sign});
    let reply = app.send(app.client().post(&url).query(&extra).json(&json_body));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (401, "invalid_signature"),
        "json body: {}",
        reply.text
    );
    // The same as a form body, and everything in a GET query.
    let form = [
        ("order_id", "X-1-1"),
        ("uuid", uuid.as_str()),
        ("sign", sign.as_str()),
    ];
    let reply = app.send(app.client().post(&url).query(&extra).form(&form));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (401, "invalid_signature"),
        "form"
    );
    let reply = app.send(app.client().get(&url).query(&extra).query(&form));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (401, "invalid_signature"),
        "get"
    );

    let after = app.session(&id);
    assert_eq!(after["status"], "pending");
    assert_eq!(after["history"], before["history"], "nothing changed");
    let status = app.get(&format!("/api/v1/checkout/{token}/status")).json();
    assert_eq!(status["status"], "pending");
}

#[test]
fn unsigned_query_fields_never_override_a_signed_notification() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let key = gateway_key(&app);
    let url = format!("{}/webhooks/alikassa", app.base);
    let (token, id, gid) = pending(&app, "U-1");
    let gid_text = gid.to_string();
    let contradicting = [
        ("payment_status", "paid"),
        ("payment_amount", "1500.00"),
        ("id", gid_text.as_str()),
    ];
    // A genuine `wait` notification as a form body, and as a JSON body, with `paid` in the
    // query: the signed `wait` is what counts (nothing changes).
    let wait = sign(&fields(&app, gid, "U-1-1", "wait"), key.private());
    let before = app.session(&id);
    let reply = app.send(app.client().post(&url).query(&contradicting).form(&wait));
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    let mut body = serde_json::Map::new();
    for (k, v) in &wait {
        body.insert(k.clone(), Value::String(v.clone()));
    }
    let reply = app.send(
        app.client()
            .post(&url)
            .query(&contradicting)
            .json(&Value::Object(body)),
    );
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    // In a GET, a repeated name after the signed one is what a PHP reader would take: the
    // signature no longer verifies.
    let mut repeated = wait.clone();
    repeated.push(("payment_status".into(), "paid".into()));
    let reply = send_get(&app, &repeated);
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (401, "invalid_signature")
    );
    let after = app.session(&id);
    assert_eq!(after["status"], "pending");
    assert_eq!(after["payment_status"], "wait");
    assert_eq!(after["history"], before["history"]);

    // A POST whose body is empty is read from its query.
    let paid = sign(&fields(&app, gid, "U-1-1", "paid"), key.private());
    let reply = app.send(app.client().post(&url).query(&paid));
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (200, "OK"),
        "{}",
        reply.text
    );
    app.wait_for_status(&token, "paid");
}

#[test]
fn a_late_paid_after_expiry_is_found_and_shown() {
    let dir = data_dir();
    // The first poll comes only after the deadline, so the session expires unpaid first.
    let app = Checkout::start(
        dir.path(),
        "[reconciler]\nfirst_poll_secs = 1200\nmax_poll_secs = 1200\n",
    );
    let (token, id, gid) = pending(&app, "LP-1");
    app.faults(&json!({"drop_notifications": 1}));
    app.control(&format!("payments/{gid}/paid"), None);
    app.control("clock/advance?secs=901", None);
    app.wait_for_status(&token, "expired");
    assert_eq!(app.gateway_calls("v1/payment/status"), 0);
    // The gateway payment waited past the session's end as far as we know: it is still
    // polled, and its `paid` makes the session paid, visibly late.
    app.control("clock/advance?secs=300", None);
    app.wait_for_status(&token, "paid");
    let details = app.session(&id);
    assert_eq!(details["status"], "paid");
    assert_eq!(details["payment_status"], "paid");
    let last = details["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["detail"], "paid after expiry");
    assert_eq!(last["source"], "reconciler");
    assert_eq!(last["status"], "paid");
    assert_eq!(app.gateway_calls("v1/payment/status"), 1);
}

#[test]
fn a_payment_made_late_in_the_session_moves_the_deadline_to_its_own() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let created = app.create_session("D-1", "1500.00");
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    // 300 s left, but the gateway's minimum lifetime is 900 s.
    app.control("clock/advance?secs=600", None);
    let answer = app.pay(token, "sbp");
    assert_eq!(answer.status, 200, "{}", answer.text);
    let answer = answer.json();
    let payment = gateway_payment(&app, "D-1-1");
    assert_ne!(answer["expires_at"], created["expires_at"]);
    let ends = utc_millis(&answer["expires_at"]);
    // The sandbox starts the payment's lifetime when it receives the call, a moment later.
    let gateway_ends = utc_millis(&payment["expires_at"]);
    assert!(
        (0..2000).contains(&(gateway_ends - ends)),
        "the countdown ends with the payment: {} vs {}",
        answer["expires_at"],
        payment["expires_at"]
    );
    assert!(
        ends - utc_millis(&created["expires_at"]) >= 599_000,
        "moved by ~600 s"
    );
    assert_eq!(utc_millis(&app.session(id)["expires_at"]), ends);
    // What the widget counts down from.
    let view = app.get(&format!("/api/v1/checkout/{token}")).json();
    assert_eq!(utc_millis(&view["expires_at"]), ends, "{view}");
}

/// Milliseconds since the epoch of an RFC 3339 UTC time (`2026-11-27T23:49:36.015Z`).
fn utc_millis(v: &Value) -> i64 {
    let text = v.as_str().unwrap().trim_end_matches('Z');
    let (date, clock) = text.split_once('T').unwrap();
    let mut d = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().unwrap());
    let (h, min, sec) = (t.next().unwrap(), t.next().unwrap(), t.next().unwrap());
    let ms: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + h) * 60 + min) * 60_000 + sec * 1000 + ms
}
