//! The real `serve` binary in sandbox mode: Server-Sent Events deliver every status change of
//! one session and close after a final status; a restart keeps every session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};

/// Reads SSE `status` events on a thread; yields each event's data, then `None` at the end.
fn subscribe(app: &Checkout, token: &str) -> mpsc::Receiver<Option<Value>> {
    let response = app
        .client()
        .get(format!("{}/api/v1/checkout/{token}/events", app.base))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut event = None::<String>;
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { break };
            if let Some(name) = line.strip_prefix("event: ") {
                event = Some(name.to_owned());
            } else if let Some(data) = line.strip_prefix("data: ") {
                if event.as_deref() == Some("status") {
                    let _ = tx.send(Some(serde_json::from_str(data).unwrap()));
                }
            } else if line.is_empty() {
                event = None;
            }
        }
        let _ = tx.send(None);
    });
    rx
}

fn next(rx: &mpsc::Receiver<Option<Value>>) -> Option<Value> {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("no SSE event within 10 s")
}

#[test]
fn sse_delivers_each_change_and_closes_after_the_final_one() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let created = app.create_session("S-1", "99.00");
    let token = created["token"].as_str().unwrap();
    let watchers: Vec<_> = (0..3).map(|_| subscribe(&app, token)).collect();
    for rx in &watchers {
        assert_eq!(
            next(rx).unwrap()["status"],
            "open",
            "the first event is the current status"
        );
    }
    let answer = app.pay(token, "sberpay").json();
    for rx in &watchers {
        let event = next(rx).unwrap();
        assert_eq!(
            (event["status"].as_str(), event["payment_status"].as_str()),
            (Some("pending"), Some("wait"))
        );
    }
    let gid = answer["gateway_payment_id"].as_u64().unwrap();
    app.control(&format!("payments/{gid}/paid"), None);
    for rx in &watchers {
        assert_eq!(next(rx).unwrap()["status"], "paid");
        assert_eq!(next(rx), None, "the stream closes after a final status");
    }
    // Watching a finished session: one event, then the end.
    let late = subscribe(&app, token);
    assert_eq!(next(&late).unwrap()["status"], "paid");
    assert_eq!(next(&late), None);
    // Expiry is an event too.
    let other = app.create_session("S-2", "99.00");
    let rx = subscribe(&app, other["token"].as_str().unwrap());
    assert_eq!(next(&rx).unwrap()["status"], "open");
    app.control("clock/advance?secs=900", None);
    assert_eq!(next(&rx).unwrap()["status"], "expired");
    assert_eq!(next(&rx), None);
    let unknown = app.get(&format!("/api/v1/checkout/{}/events", "x".repeat(43)));
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "session_not_found")
    );
}

#[test]
fn a_restart_keeps_every_session() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let open = app.create_session("K-open", "10.00");
    let pending = app.create_session("K-pending", "20.00");
    let paid = app.create_session("K-paid", "30.00");
    let pending_answer = app
        .pay(pending["token"].as_str().unwrap(), "account_transfer")
        .json();
    let paid_answer = app.pay(paid["token"].as_str().unwrap(), "card_form").json();
    let paid_gid = paid_answer["gateway_payment_id"].as_u64().unwrap();
    app.control(&format!("payments/{paid_gid}/paid"), None);
    app.wait_for_status(paid["token"].as_str().unwrap(), "paid");
    let before: Vec<Value> = [&open, &pending, &paid]
        .iter()
        .map(|s| app.session(s["id"].as_str().unwrap()))
        .collect();

    let app = app.restart();
    for (session, was) in [&open, &pending, &paid].iter().zip(&before) {
        let now = app.session(session["id"].as_str().unwrap());
        assert_eq!(
            now, *was,
            "session {} changed across the restart",
            session["id"]
        );
    }
    assert_eq!(
        app.merchant_get("/api/v1/sessions").json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The restarted server carries on: same requisites on reload, payments, notifications.
    let token = pending["token"].as_str().unwrap();
    let again = app.pay(token, "account_transfer").json();
    assert_eq!(again["requisites"], pending_answer["requisites"]);
    let gid = again["gateway_payment_id"].as_u64().unwrap();
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(token, "paid");
    let open_token = open["token"].as_str().unwrap();
    assert_eq!(app.pay(open_token, "sbp").status, 200);
    assert_eq!(app.gateway_payments("K-pending-1"), 1);
    let _ = json!({});
}
