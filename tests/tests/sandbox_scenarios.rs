//! Scenarios against the real `sandbox` binary: notifications with retries verified with the
//! notification public key through the PHP-compatible encoder, expiry by the controllable
//! clock, partial payment, the hosted page, every fault switch (control endpoint and CLI
//! flags), `--db` persistence across a SIGTERM restart, several accounts from `--config`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{Receiver, arg, curl, write};
use sandbox_support::{Merchant, Sandbox, merchant, payment_body, start};
use serde_json::{Value, json};
use server::signing::signed_text::{NotificationVariant, notification_text, redirect_text};
use server::signing::{Digest, PublicKey};

/// Notification retries every 20 ms, so tests never wait for the real schedule.
const FAST: [&str; 2] = ["--notify-retry-base-ms", "20"];

fn create(sb: &Sandbox, m: &Merchant, order: &str, service: &str, extra: &[(&str, Value)]) -> u64 {
    let (status, created) = sb.call(m, "v1/payment", &payment_body(order, service, extra));
    assert_eq!(status, 200, "{created}\n{}", sb.daemon.report());
    created["id"].as_u64().unwrap()
}

fn status_of(sb: &Sandbox, m: &Merchant, id: u64) -> Value {
    let (status, found) = sb.call(m, "v1/payment/status", &json!({"id": id}).to_string());
    assert_eq!(status, 200, "{found}");
    found
}

fn notification_key(sb: &Sandbox) -> PublicKey {
    PublicKey::load(&sb.notification_public_key).unwrap()
}

/// Verifies a received notification the way a merchant's PHP sample does.
fn verify(key: &PublicKey, hit: &e2e::Hit) {
    let text = notification_text(&hit.query, NotificationVariant::Documented);
    key.verify(text.as_bytes(), hit.get("sign").unwrap(), Digest::Sha1)
        .unwrap_or_else(|e| panic!("{e}: {text}"));
}

#[test]
fn notifications_are_signed_and_retried_until_the_receiver_answers_200() {
    let m = merchant();
    let sb = start(&m, &FAST);
    let receiver = Receiver::start(&[500, 500]);
    let id = create(
        &sb,
        &m,
        "N/1",
        "payment_card_sbp_rub_card",
        &[
            ("notification_endpoint_url", json!(receiver.url)),
            ("desc", json!("Оплата заказа №1")),
        ],
    );
    assert!(receiver.hits().is_empty(), "nothing is sent while waiting");
    let (status, _) = sb.control("POST", &format!("control/payments/{id}/paid"), Value::Null);
    assert_eq!(status, 200);
    let hits = receiver.wait_for(3);
    assert_eq!(
        hits.iter().map(|h| h.status).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    let key = notification_key(&sb);
    for hit in &hits {
        assert_eq!(hit.method, "GET");
        verify(&key, hit);
    }
    let last = &hits[2];
    let expected = [
        ("type", "payment"),
        ("order_id", "N/1"),
        ("payment_status", "paid"),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("commission_amount", "45.00"),
        ("is_partial_payment", "0"),
        ("service", "payment_card_sbp_rub_card"),
        ("desc", "Оплата заказа №1"),
    ];
    for (name, value) in expected {
        assert_eq!(last.get(name), Some(value), "{name}: {last:?}");
    }
    assert_eq!(last.get("id"), Some(id.to_string().as_str()));
    assert_eq!(last.get("account"), Some(m.account.as_str()));
    // A forged copy does not verify.
    let mut forged = last.clone();
    forged
        .query
        .iter_mut()
        .filter(|(k, _)| k == "amount")
        .for_each(|(_, v)| *v = "1.00".into());
    let text = notification_text(&forged.query, NotificationVariant::Documented);
    assert!(
        key.verify(text.as_bytes(), last.get("sign").unwrap(), Digest::Sha1)
            .is_err()
    );

    let outcomes: Vec<String> = sb
        .deliveries(id)
        .iter()
        .map(|d| d["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["retrying", "retrying", "delivered"]);
    let log = sb.daemon.stderr();
    assert!(
        log.matches("sandbox notification try").count() >= 3,
        "each try is logged"
    );

    // Payouts notify too, with `type=payout`; a receiver that never says 200 gets at most
    // --notify-max-attempts tries.
    let stubborn = Receiver::start(&[503; 10]);
    let (_, payout) = sb.call(
        &m,
        "v1/payout",
        &json!({"amount": "10.00", "order_id": "N-PO",
        "service": "payment_card_sbp_rub", "number": "79031112233", "customer_code": "100000000111",
        "notification_endpoint_url": stubborn.url})
        .to_string(),
    );
    let payout_id = payout["id"].as_u64().unwrap();
    sb.control(
        "POST",
        &format!("control/payouts/{payout_id}/cancel"),
        Value::Null,
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while sb
        .deliveries(payout_id)
        .last()
        .map(|d| d["outcome"].clone())
        != Some(json!("gave_up"))
    {
        assert!(Instant::now() < deadline, "{:?}", sb.deliveries(payout_id));
        std::thread::sleep(Duration::from_millis(20));
    }
    let hits = stubborn.hits();
    assert_eq!(hits.len(), 8, "the default --notify-max-attempts");
    assert_eq!(hits[0].get("type"), Some("payout"));
    assert_eq!(hits[0].get("payment_status"), Some("cancel"));
    verify(&key, &hits[0]);
}

#[test]
fn expiry_through_the_controllable_clock() {
    let m = merchant();
    let sb = start(&m, &FAST);
    let receiver = Receiver::start(&[]);
    let short = create(
        &sb,
        &m,
        "EXP-1",
        "virtual_account_rub_card",
        &[("notification_endpoint_url", json!(receiver.url))],
    );
    let long = create(
        &sb,
        &m,
        "EXP-2",
        "payment_card_sbp_rub_card",
        &[("lifetime", json!(3600))],
    );
    let (_, clock) = sb.control("POST", "control/clock/advance?secs=880", Value::Null);
    assert_eq!(clock["expired"], 0);
    assert_eq!(status_of(&sb, &m, short)["payment_status"], "wait");
    // Real seconds pass between the calls too, so the steps keep a margin; the exact
    // boundary is covered by the ledger's unit tests with a fixed clock.
    let (_, clock) = sb.control("POST", "control/clock/advance?secs=20", Value::Null);
    assert_eq!(clock["expired"], 1);
    assert_eq!(clock["offset_secs"], 900);
    assert_eq!(status_of(&sb, &m, short)["payment_status"], "cancel");
    assert_eq!(status_of(&sb, &m, long)["payment_status"], "wait");
    let hit = &receiver.wait_for(1)[0];
    assert_eq!(hit.get("payment_status"), Some("cancel"));
    verify(&notification_key(&sb), hit);
    let (status, refused) = sb.control(
        "POST",
        &format!("control/payments/{short}/fail"),
        Value::Null,
    );
    assert_eq!(status, 409, "final states never change: {refused}");
    assert_eq!(refused["error"]["code"], "already_final");
    // The order id is free again once its payment is no longer live.
    create(&sb, &m, "EXP-1", "virtual_account_rub_card", &[]);
    sb.control("POST", "control/clock/advance?secs=2700", Value::Null);
    assert_eq!(status_of(&sb, &m, long)["payment_status"], "cancel");
    let (_, clock) = sb.control("GET", "control/clock", Value::Null);
    assert_eq!(clock["offset_secs"], 3600);
}

#[test]
fn partial_payment() {
    let m = merchant();
    let sb = start(&m, &FAST);
    let receiver = Receiver::start(&[]);
    let id = create(
        &sb,
        &m,
        "PART-1",
        "payment_card_number_card",
        &[("notification_endpoint_url", json!(receiver.url))],
    );
    let (status, _) = sb.control(
        "POST",
        &format!("control/payments/{id}/paid"),
        json!({"amount": "700.00"}),
    );
    assert_eq!(status, 200);
    let found = status_of(&sb, &m, id);
    assert_eq!(found["payment_status"], "paid");
    assert_eq!(found["amount"], "1500.00");
    assert_eq!(found["payment_amount"], "700.00");
    assert_eq!(found["is_partial_payment"], true);
    assert_eq!(found["commission_amount"], "21.00");
    assert_eq!(found["account_payment_amount"], "679.00");
    assert!(found["card_mask"].as_str().unwrap().contains("******"));
    let hit = &receiver.wait_for(1)[0];
    assert_eq!(hit.get("is_partial_payment"), Some("1"));
    assert_eq!(hit.get("payment_amount"), Some("700.00"));
    verify(&notification_key(&sb), hit);
    let (_, balance) = sb.call(&m, "v1/account/balance", "[]");
    assert_eq!(balance["balance"], "100679.00000000");
}

#[test]
fn hosted_page_pays_and_posts_the_signed_redirect_form() {
    let m = merchant();
    let sb = start(&m, &FAST);
    let receiver = Receiver::start(&[]);
    let (_, created) = sb.call(
        &m,
        "v1/payment",
        &payment_body(
            "PAGE-1",
            "payment_card_number_rub_hpp",
            &[
                (
                    "success_redirect_url",
                    json!("https://shop.test/ok?x=1&y=2"),
                ),
                ("fail_redirect_url", json!("https://shop.test/fail")),
                ("notification_endpoint_url", json!(receiver.url)),
            ],
        ),
    );
    let url = created["url"].as_str().unwrap();
    let uuid = created["uuid"].as_str().unwrap();
    let page = curl("GET", url, &[], None, 30);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("1500.00 RUB") && html.contains("PAGE-1"),
        "{html}"
    );
    for action in ["paid", "cancel", "fail"] {
        assert!(
            html.contains(&format!("action=\"{uuid}/{action}\"")),
            "{html}"
        );
    }
    let done = curl(
        "POST",
        &format!("{url}/paid"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b""),
        30,
    );
    assert_eq!(done.status, 200);
    let html = done.text();
    assert!(
        html.contains("action=\"https://shop.test/ok?x=1&amp;y=2\""),
        "{html}"
    );
    assert!(html.contains("data-autosubmit=\"true\"") && html.contains("../assets/redirect.js"));
    let sign = html
        .split("name=\"sign\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let text = redirect_text(&[("order_id", "PAGE-1"), ("uuid", uuid)][..]);
    notification_key(&sb)
        .verify(text.as_bytes(), sign, Digest::Sha1)
        .unwrap();
    let js = curl(
        "GET",
        &format!("{}/pay/assets/redirect.js", sb.base),
        &[],
        None,
        30,
    );
    assert!(js.text().contains("submit()"));
    assert_eq!(receiver.wait_for(1)[0].get("payment_status"), Some("paid"));
}

#[test]
fn fault_switches_through_the_control_endpoint() {
    let m = merchant();
    let sb = start(&m, &FAST);
    let body = |order: &str| payment_body(order, "payment_card_sbp_rub_card", &[]);

    // latency: every call takes at least that long.
    sb.control("POST", "control/faults", json!({"latency_ms": 300}));
    let started = Instant::now();
    assert_eq!(sb.call(&m, "v1/account/info", "[]").0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sb.control("POST", "control/faults", json!({"latency_ms": 0}));

    // fail_next: 5xx and nothing done.
    sb.control("POST", "control/faults", json!({"fail_next": 2}));
    let first = sb.call_as(
        &m.account,
        "v1/payment",
        body("F-1").as_bytes(),
        &m.payment,
        "sha1",
    );
    assert_eq!(first.status, 500);
    assert_eq!(first.text(), r#"{"message":"Server Error"}"#);
    let second = sb.call_as(
        &m.account,
        "v1/payment",
        body("F-2").as_bytes(),
        &m.payment,
        "sha1",
    );
    assert_eq!(second.status, 502);
    assert!(second.text().contains("502 Bad Gateway"), "an nginx page");
    assert!(sb.payments_with_order("F-1").is_empty() && sb.payments_with_order("F-2").is_empty());
    assert_eq!(
        sb.call(&m, "v1/payment", &body("F-1")).0,
        200,
        "the switch ran out"
    );

    // fail_next_after_commit: 5xx, but the payment exists — status by order_id finds it.
    sb.control(
        "POST",
        "control/faults",
        json!({"fail_next": 1, "fail_next_after_commit": true}),
    );
    assert_eq!(sb.call(&m, "v1/payment", &body("F-3")).0, 503);
    assert_eq!(sb.payments_with_order("F-3").len(), 1);
    let (status, found) = sb.call(&m, "v1/payment/status", r#"{"order_id":"F-3"}"#);
    assert_eq!((status, &found["payment_status"]), (200, &json!("wait")));

    // timeout_next: the client gives up, the payment exists.
    sb.control("POST", "control/faults", json!({"timeout_next": 1}));
    let sign = sandbox_support::openssl_sign(&m.payment, "sha1", body("T-1").as_bytes());
    let held = curl(
        "POST",
        &format!("{}/v1/payment", sb.base),
        &[("Account", &m.account), ("Sign", &sign)],
        Some(body("T-1").as_bytes()),
        2,
    );
    assert_eq!(held.run.code, Some(28), "curl timed out: {}", held.run);
    assert_eq!(sb.payments_with_order("T-1").len(), 1);
    assert_eq!(
        sb.call(&m, "v1/payment/status", r#"{"order_id":"T-1"}"#).0,
        200
    );

    // malformed_next: 200 with broken JSON, the payment exists.
    sb.control("POST", "control/faults", json!({"malformed_next": 1}));
    let garbled = sb.call_as(
        &m.account,
        "v1/payment",
        body("M-1").as_bytes(),
        &m.payment,
        "sha1",
    );
    assert_eq!(garbled.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&garbled.body).is_err(),
        "{}",
        garbled.text()
    );
    assert!(garbled.text().starts_with("{\"url\""), "{}", garbled.text());
    assert_eq!(sb.payments_with_order("M-1").len(), 1);

    // drop_notifications / duplicate_notifications.
    let receiver = Receiver::start(&[]);
    let hook = [("notification_endpoint_url", json!(receiver.url))];
    sb.control(
        "POST",
        "control/faults",
        json!({"drop_notifications": 1, "duplicate_notifications": 1}),
    );
    let dropped = create(&sb, &m, "D-1", "payment_card_sbp_rub_card", &hook);
    let doubled = create(&sb, &m, "D-2", "payment_card_sbp_rub_card", &hook);
    sb.control(
        "POST",
        &format!("control/payments/{dropped}/paid"),
        Value::Null,
    );
    sb.control(
        "POST",
        &format!("control/payments/{doubled}/fail"),
        Value::Null,
    );
    // The queue is first in, first out: once both copies of the second arrived, the first
    // was already decided on — and dropped.
    let hits = receiver.wait_for(2);
    assert!(
        hits.iter()
            .all(|h| h.get("id") == Some(doubled.to_string().as_str())),
        "{hits:?}"
    );
    let dropped_log = sb.deliveries(dropped);
    assert_eq!(dropped_log.len(), 1, "{dropped_log:?}");
    assert_eq!(
        (
            dropped_log[0]["outcome"].as_str(),
            dropped_log[0]["attempt"].as_u64()
        ),
        (Some("dropped"), Some(0))
    );
    let doubled_log = sb.deliveries(doubled);
    assert_eq!(
        doubled_log
            .iter()
            .filter(|d| d["outcome"] == "delivered")
            .count(),
        2
    );
    assert_eq!(
        doubled_log
            .iter()
            .filter(|d| d["duplicate"] == true)
            .count(),
        1
    );
    assert!(
        receiver
            .hits()
            .iter()
            .all(|h| h.get("id") != Some(dropped.to_string().as_str()))
    );

    let (_, settings) = sb.control("GET", "control/faults", Value::Null);
    for counter in [
        "fail_next",
        "timeout_next",
        "malformed_next",
        "drop_notifications",
        "duplicate_notifications",
    ] {
        assert_eq!(settings[counter], 0, "{counter} ran out: {settings}");
    }
    let (_, log) = sb.control("GET", "control/faults/log", Value::Null);
    let kinds: Vec<&str> = log["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "latency",
        "fail",
        "fail_after_commit",
        "timeout",
        "malformed",
        "drop_notification",
        "duplicate_notification",
    ] {
        assert!(kinds.contains(&kind), "{kind} logged: {kinds:?}");
    }
    assert!(sb.daemon.stderr().contains("sandbox fault applied"));
}

#[test]
fn fault_switches_from_cli_flags() {
    let m = merchant();
    let sb = start(
        &m,
        &[
            "--fail-next",
            "1",
            "--fail-next-after-commit",
            "--malformed-next",
            "1",
        ],
    );
    let body = payment_body("CLI-1", "payment_card_sbp_rub_card", &[]);
    assert_eq!(sb.call(&m, "v1/payment", &body).0, 500);
    assert_eq!(sb.payments_with_order("CLI-1").len(), 1, "after commit");
    let body = payment_body("CLI-2", "payment_card_sbp_rub_card", &[]);
    let garbled = sb.call_as(
        &m.account,
        "v1/payment",
        body.as_bytes(),
        &m.payment,
        "sha1",
    );
    assert_eq!(garbled.status, 200);
    assert!(serde_json::from_slice::<Value>(&garbled.body).is_err());
    assert_eq!(
        sb.call(&m, "v1/account/info", "[]").0,
        200,
        "back to normal"
    );
}

#[test]
fn db_keeps_state_across_a_graceful_restart() {
    let m = merchant();
    let db = m.dir.path().join("sandbox.db");
    let flags = ["--db", arg(&db)];
    let sb = start(&m, &flags);
    let paid = create(&sb, &m, "DB-1", "payment_card_sbp_rub_card", &[]);
    let waiting = create(&sb, &m, "DB-2", "virtual_account_rub_card", &[]);
    sb.control(
        "POST",
        &format!("control/payments/{paid}/paid"),
        Value::Null,
    );
    let (_, payout) = sb.call(&m, "v1/payout", &json!({"amount": "100.00", "order_id": "DB-PO",
        "service": "payment_card_sbp_rub", "number": "79031112233", "customer_code": "100000000111"}).to_string());
    sb.control("POST", "control/clock/advance?secs=300", Value::Null);
    let (_, balance) = sb.call(&m, "v1/account/balance", "[]");
    let exit = sb.daemon.terminate();
    assert!(exit.success(), "SIGTERM is a graceful shutdown: {exit:?}");

    let sb = start(&m, &flags);
    assert_eq!(status_of(&sb, &m, paid)["payment_status"], "paid");
    assert_eq!(status_of(&sb, &m, waiting)["payment_status"], "wait");
    let (status, found) = sb.call(
        &m,
        "v1/payout/status",
        &json!({"id": payout["id"]}).to_string(),
    );
    assert_eq!((status, &found["payment_status"]), (200, &json!("wait")));
    assert_eq!(sb.call(&m, "v1/account/balance", "[]").1, balance);
    let next = create(&sb, &m, "DB-3", "payment_card_sbp_rub_card", &[]);
    assert_eq!(
        next,
        payout["id"].as_u64().unwrap() + 1,
        "the id counter continues"
    );
    let (_, clock) = sb.control("GET", "control/clock", Value::Null);
    assert_eq!(clock["offset_secs"], 300, "the clock does not go back");
    let (_, clock) = sb.control("POST", "control/clock/advance?secs=600", Value::Null);
    assert_eq!(
        clock["expired"], 1,
        "the restored live payment still expires"
    );
}

#[test]
fn several_accounts_from_a_config_file() {
    let first = merchant();
    let second = merchant();
    let config = first.dir.path().join("sandbox.toml");
    let rel = |m: &Merchant, role: &str| -> String {
        let p = Path::new(match role {
            "payment" => &m.payment,
            _ => &m.payout,
        })
        .join("public.pem");
        arg(&p).to_owned()
    };
    write(
        &config,
        format!(
            "[[accounts]]\nuuid = \"{}\"\npayment_public_key = \"{}\"\npayout_public_key = \"{}\"\n\n\
             [[accounts]]\nuuid = \"{}\"\npayment_public_key = \"{}\"\npayout_public_key = \"{}\"\n\
             services = [\"payment_card_sbp_rub_card\", \"payment_card_sbp_rub\"]\nbalance = \"10.00\"\n",
            first.account,
            rel(&first, "payment"),
            rel(&first, "payout"),
            second.account,
            rel(&second, "payment"),
            rel(&second, "payout"),
        ),
    );
    let notification_dir = first.dir.path().join("notification");
    let daemon = e2e::Instance::start_until(
        &[
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--config",
            arg(&config),
            "--notification-key-dir",
            arg(&notification_dir),
        ],
        &[],
        |lines| lines.iter().filter(|l| l.starts_with("account: ")).count() == 2,
    );
    let base = daemon.base.clone();
    let sb = Sandbox {
        notification_public_key: notification_dir.join("public.pem"),
        daemon,
        base,
    };
    assert_eq!(
        sb.call(
            &first,
            "v1/payment",
            &payment_body("C-1", "virtual_account_rub_card", &[])
        )
        .0,
        200
    );
    let (status, refused) = sb.call(
        &second,
        "v1/payment",
        &payment_body("C-1", "virtual_account_rub_card", &[]),
    );
    assert_eq!(status, 400);
    assert_eq!(
        refused["errors"]["service"][0],
        "The selected service is invalid."
    );
    assert_eq!(
        sb.call(
            &second,
            "v1/payment",
            &payment_body("C-1", "payment_card_sbp_rub_card", &[])
        )
        .0,
        200,
        "order ids are per account"
    );
    let (_, info) = sb.call(&second, "v1/account/info", "[]");
    assert_eq!(info["payments"].as_array().unwrap().len(), 1);
    let (_, balance) = sb.call(&second, "v1/account/balance", "[]");
    assert_eq!(balance["balance"], "10.00000000");
    // One account's key does not open the other.
    let cross = sb.call_as(
        &second.account,
        "v1/account/info",
        b"[]",
        &first.payout,
        "sha1",
    );
    assert_eq!(cross.status, 401);
}
