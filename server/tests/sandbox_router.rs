//! In-process tests of the sandbox router: authentication, every service, notifications with
//! retries verified through the PHP-compatible encoder, expiry by the clock, faults, the
//! hosted page under a nest prefix, and SQLite persistence across a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Query, State};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::{Value, json};
use server::sandbox::{DigestMode, Sandbox, SandboxConfig, SandboxStorage};
use server::signing::signed_text::{NotificationVariant, notification_text, redirect_text};
use server::signing::{Digest, GeneratedKeys};
use shared::AccountUuid;
use tower::ServiceExt as _;

struct Fixture {
    sandbox: Sandbox,
    router: Router,
    account: AccountUuid,
    payment: GeneratedKeys,
    payout: GeneratedKeys,
    notification: GeneratedKeys,
}

fn keys() -> GeneratedKeys {
    GeneratedKeys::generate(2048).unwrap()
}

async fn fixture_with(
    edit: impl FnOnce(&mut SandboxConfig),
    keys_from: Option<(AccountUuid, GeneratedKeys, GeneratedKeys, GeneratedKeys)>,
) -> Fixture {
    let (account, payment, payout, notification) = keys_from.unwrap_or_else(|| {
        (
            AccountUuid::from(uuid::Uuid::new_v4()),
            keys(),
            keys(),
            keys(),
        )
    });
    let mut config = SandboxConfig::single_account(
        account,
        payment.public_key().unwrap(),
        payout.public_key().unwrap(),
        notification.private_key().clone(),
    );
    config.faults.notify_retry_base_ms = 10;
    edit(&mut config);
    let sandbox = Sandbox::start(config).await.unwrap();
    let router = Router::new().nest("/sandbox", sandbox.router());
    Fixture {
        sandbox,
        router,
        account,
        payment,
        payout,
        notification,
    }
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}, None).await
}

impl Fixture {
    async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/sandbox{path}"))
            .header("host", "sandbox.test");
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        (
            status,
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
    }

    /// A signed gateway call with the role's key.
    async fn gateway(&self, path: &str, body: &str, digest: Digest) -> (StatusCode, Value) {
        let key = if path.starts_with("/v1/payment") {
            &self.payment
        } else {
            &self.payout
        };
        self.signed(path, body, key, digest).await
    }

    async fn signed(
        &self,
        path: &str,
        body: &str,
        key: &GeneratedKeys,
        digest: Digest,
    ) -> (StatusCode, Value) {
        let sign = key.private_key().sign(body.as_bytes(), digest).unwrap();
        let (status, bytes) = self
            .raw(
                "POST",
                path,
                &[("account", self.account.to_string()), ("sign", sign)],
                body.as_bytes().to_vec(),
            )
            .await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let body = if body.is_null() {
            vec![]
        } else {
            body.to_string().into_bytes()
        };
        let (status, bytes) = self.raw(method, path, &[], body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

fn payment_body(order: &str, service: &str, extra: Value) -> String {
    let mut body = json!({
        "amount": "1500.00", "order_id": order, "service": service,
        "customer_ip": "203.0.113.7", "customer_user_id": "user-1", "customer_code": "100000000111",
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    body.to_string()
}

#[tokio::test]
async fn authentication_refuses_every_bad_signature_and_hints_at_the_likely_mistake() {
    let f = fixture().await;
    let body = payment_body("A-1", "payment_card_sbp_rub_card", json!({}));
    let sign = f
        .payment
        .private_key()
        .sign(body.as_bytes(), Digest::Sha1)
        .unwrap();
    let cases: Vec<(Vec<(&str, String)>, String)> = vec![
        (vec![("sign", sign.clone())], body.clone()),
        (
            vec![
                ("account", uuid::Uuid::new_v4().to_string()),
                ("sign", sign.clone()),
            ],
            body.clone(),
        ),
        (
            vec![("account", "not-a-uuid".into()), ("sign", sign.clone())],
            body.clone(),
        ),
        (vec![("account", f.account.to_string())], body.clone()),
        (
            vec![
                ("account", f.account.to_string()),
                ("sign", "bm90IGEgc2lnbg==".into()),
            ],
            body.clone(),
        ),
        (
            vec![("account", f.account.to_string()), ("sign", sign.clone())],
            body.replace("1500.00", "1.00"),
        ),
    ];
    for (headers, body) in cases {
        let (status, bytes) = f
            .raw("POST", "/v1/payment", &headers, body.into_bytes())
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(bytes, br#"{"message":"Unauthenticated."}"#);
    }
    let (status, answer) = f.gateway("/v1/payment", &body, Digest::Sha256).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer["hint"],
        "the signature verifies with SHA-256 but this gateway expects SHA-1"
    );
    let (status, answer) = f
        .signed("/v1/payment", &body, &f.payout, Digest::Sha1)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["hint"].as_str().unwrap().contains("payout key"),
        "{answer}"
    );
    let (status, _) = f
        .signed("/v1/account/balance", "[]", &f.payment, Digest::Sha1)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn digest_any_accepts_both() {
    let f = fixture_with(|c| c.digest = DigestMode::Any, None).await;
    for (i, digest) in Digest::ALL.into_iter().enumerate() {
        let body = payment_body(&format!("D-{i}"), "payment_card_sbp_rub_card", json!({}));
        assert_eq!(
            f.gateway("/v1/payment", &body, digest).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn every_service_creates_with_its_shape_and_status_finds_it() {
    let f = fixture().await;
    for (i, method) in shared::Method::ALL.into_iter().enumerate() {
        let order = format!("S-{i}");
        let body = payment_body(&order, method.default_service(), json!({}));
        let (status, created) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
        assert_eq!(status, StatusCode::OK, "{method}: {created}");
        assert_eq!(created["payment_status"], "wait");
        let id = created["id"].as_u64().unwrap();
        assert!(id >= 100_000_000);
        let has_url = matches!(
            method,
            shared::Method::CardForm | shared::Method::AccountForm | shared::Method::Sberpay
        );
        assert_eq!(created["url"].is_string(), has_url, "{method}: {created}");
        if has_url {
            let uuid = created["uuid"].as_str().unwrap();
            assert_eq!(
                created["url"],
                format!("http://sandbox.test/sandbox/pay/{uuid}")
            );
        }
        assert_eq!(
            created.get("cardNumber").is_some(),
            method != shared::Method::CardForm,
            "{method}: {created}"
        );
        for lookup in [json!({"id": id}), json!({"order_id": order})] {
            let (status, found) = f
                .gateway("/v1/payment/status", &lookup.to_string(), Digest::Sha1)
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(found["id"], id);
            assert_eq!(found["amount"], "1500.00");
            assert_eq!(found["service_code"], method.default_service());
        }
    }
    let (status, answer) = f
        .gateway("/v1/payment/status", r#"{"id":"999"}"#, Digest::Sha1)
        .await;
    assert_eq!(
        (status, answer),
        (StatusCode::NOT_FOUND, json!({"message": "Not found."}))
    );
}

/// A receiver that answers the statuses in `script` in turn (200 after it runs out).
async fn receiver(script: Vec<u16>) -> (String, Arc<Mutex<Vec<BTreeMap<String, String>>>>) {
    type Seen = Arc<Mutex<Vec<BTreeMap<String, String>>>>;
    let seen: Seen = Arc::default();
    let script = Arc::new(Mutex::new(script.into_iter()));
    async fn hit(
        State((seen, script)): State<(Seen, Arc<Mutex<std::vec::IntoIter<u16>>>)>,
        Query(q): Query<BTreeMap<String, String>>,
    ) -> StatusCode {
        seen.lock().unwrap().push(q);
        let code = script.lock().unwrap().next().unwrap_or(200);
        StatusCode::from_u16(code).unwrap()
    }
    let app = Router::new()
        .route("/hook", get(hit))
        .with_state((Arc::clone(&seen), script));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

async fn wait_for(mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn notification_is_retried_until_200_and_verifies_with_the_notification_key() {
    let f = fixture().await;
    let (url, seen) = receiver(vec![500, 500]).await;
    let body = payment_body(
        "N-1",
        "payment_card_sbp_rub_card",
        json!({"notification_endpoint_url": url, "desc": "Заказ/1"}),
    );
    let (_, created) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
    let id = created["id"].as_u64().unwrap();
    let (status, _) = f
        .control(
            "POST",
            &format!("/control/payments/{id}/paid"),
            json!({"amount": "700.00"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    wait_for(|| seen.lock().unwrap().len() >= 3).await;
    let hits = seen.lock().unwrap().clone();
    assert_eq!(hits.len(), 3);
    let q = &hits[2];
    assert_eq!(q["payment_status"], "paid");
    assert_eq!(q["payment_amount"], "700.00");
    assert_eq!(q["is_partial_payment"], "1");
    assert_eq!(q["desc"], "Заказ/1");
    let text = notification_text(q, NotificationVariant::Documented);
    let public = f.notification.public_key().unwrap();
    public
        .verify(text.as_bytes(), &q["sign"], Digest::Sha1)
        .unwrap();
    let mut forged = q.clone();
    forged.insert("amount".into(), "1.00".into());
    let forged_text = notification_text(&forged, NotificationVariant::Documented);
    assert!(
        public
            .verify(forged_text.as_bytes(), &q["sign"], Digest::Sha1)
            .is_err()
    );

    // The receiver answers before the sandbox records the outcome: wait for the third entry.
    let deadline = Instant::now() + Duration::from_secs(10);
    let outcomes: Vec<String> = loop {
        let (_, log) = f
            .control(
                "GET",
                &format!("/control/notifications?id={id}"),
                Value::Null,
            )
            .await;
        let outcomes: Vec<String> = log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["outcome"].as_str().unwrap().to_owned())
            .collect();
        if outcomes.len() >= 3 || Instant::now() > deadline {
            break outcomes;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(outcomes, ["retrying", "retrying", "delivered"]);
}

#[tokio::test]
async fn clock_advance_expires_waiting_payments() {
    let f = fixture().await;
    let (url, seen) = receiver(vec![]).await;
    let body = payment_body(
        "E-1",
        "virtual_account_rub_card",
        json!({"lifetime": 1200, "notification_endpoint_url": url}),
    );
    let (_, created) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
    let (_, clock) = f
        .control("POST", "/control/clock/advance?secs=1180", Value::Null)
        .await;
    assert_eq!(clock["expired"], 0);
    let (_, clock) = f
        .control("POST", "/control/clock/advance?secs=20", Value::Null)
        .await;
    assert_eq!(clock["expired"], 1);
    assert_eq!(clock["offset_secs"], 1200);
    let lookup = json!({"id": created["id"]}).to_string();
    let (_, found) = f.gateway("/v1/payment/status", &lookup, Digest::Sha1).await;
    assert_eq!(found["payment_status"], "cancel");
    wait_for(|| !seen.lock().unwrap().is_empty()).await;
    assert_eq!(seen.lock().unwrap()[0]["payment_status"], "cancel");
    // In-process clock moves wake the expiry task too.
    let body = payment_body("E-2", "virtual_account_rub_card", json!({}));
    let (_, created) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
    f.sandbox.clock().advance(900);
    let lookup = json!({"id": created["id"]}).to_string();
    let sandbox_view = format!("/control/payments/{}", created["id"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, p) = f.control("GET", &sandbox_view, Value::Null).await;
        if p["payment_status"] == "cancel" {
            break;
        }
        assert!(Instant::now() < deadline, "{p}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        f.gateway("/v1/payment/status", &lookup, Digest::Sha1)
            .await
            .1["payment_status"],
        "cancel"
    );
}

#[tokio::test]
async fn fail_next_before_and_after_commit() {
    let f = fixture().await;
    f.control("POST", "/control/faults", json!({"fail_next": 2}))
        .await;
    for (order, expected) in [("F-1", 500), ("F-2", 502)] {
        let body = payment_body(order, "payment_card_sbp_rub_card", json!({}));
        let (status, _) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
        assert_eq!(status.as_u16(), expected);
        let (_, list) = f
            .control(
                "GET",
                &format!("/control/payments?order_id={order}"),
                Value::Null,
            )
            .await;
        assert!(
            list["payments"].as_array().unwrap().is_empty(),
            "not committed"
        );
    }
    f.control(
        "POST",
        "/control/faults",
        json!({"fail_next": 1, "fail_next_after_commit": true}),
    )
    .await;
    let body = payment_body("F-3", "payment_card_sbp_rub_card", json!({}));
    assert_eq!(
        f.gateway("/v1/payment", &body, Digest::Sha1)
            .await
            .0
            .as_u16(),
        503
    );
    let (_, list) = f
        .control("GET", "/control/payments?order_id=F-3", Value::Null)
        .await;
    assert_eq!(list["payments"].as_array().unwrap().len(), 1, "committed");
    let (_, log) = f.control("GET", "/control/faults/log", Value::Null).await;
    let kinds: Vec<&str> = log["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["fail", "fail", "fail_after_commit"]);
    let (status, answer) = f
        .control("POST", "/control/faults", json!({"fail_nxt": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "invalid_body");
}

#[tokio::test]
async fn malformed_and_held_answers_still_take_effect() {
    let f = fixture().await;
    f.control(
        "POST",
        "/control/faults",
        json!({"malformed_next": 1, "timeout_next": 1, "timeout_hold_ms": 60_000}),
    )
    .await;
    // timeout first (priority), released by shutdown instead of waiting a minute.
    let held = {
        let f_router = f.router.clone();
        let body = payment_body("T-1", "payment_card_sbp_rub_card", json!({}));
        let sign = f
            .payment
            .private_key()
            .sign(body.as_bytes(), Digest::Sha1)
            .unwrap();
        let request = Request::post("/sandbox/v1/payment")
            .header("account", f.account.to_string())
            .header("sign", sign)
            .body(Body::from(body))
            .unwrap();
        tokio::spawn(async move { f_router.oneshot(request).await.unwrap().status() })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, list) = f
            .control("GET", "/control/payments?order_id=T-1", Value::Null)
            .await;
        if list["payments"].as_array().unwrap().len() == 1 {
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!held.is_finished(), "the answer is held");
    let body = payment_body("M-1", "payment_card_sbp_rub_card", json!({}));
    let sign = f
        .payment
        .private_key()
        .sign(body.as_bytes(), Digest::Sha1)
        .unwrap();
    let (status, bytes) = f
        .raw(
            "POST",
            "/v1/payment",
            &[("account", f.account.to_string()), ("sign", sign)],
            body.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        serde_json::from_slice::<Value>(&bytes).is_err(),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let (_, list) = f
        .control("GET", "/control/payments?order_id=M-1", Value::Null)
        .await;
    assert_eq!(list["payments"].as_array().unwrap().len(), 1);
    f.sandbox.shutdown();
    assert_eq!(held.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn latency_is_added() {
    let f = fixture_with(|c| c.faults.latency_ms = 150, None).await;
    let started = Instant::now();
    let (status, _) = f.gateway("/v1/account/info", "[]", Digest::Sha1).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn hosted_page_finalises_and_posts_a_signed_form_back() {
    let f = fixture().await;
    let body = payment_body(
        "H-<1>",
        "payment_card_number_rub_hpp",
        json!({"success_redirect_url": "https://shop.test/ok", "fail_redirect_url": "https://shop.test/fail"}),
    );
    let (_, created) = f.gateway("/v1/payment", &body, Digest::Sha1).await;
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let (status, page) = f.raw("GET", &format!("/pay/{uuid}"), &[], vec![]).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("1500.00 RUB") && page.contains("H-&lt;1&gt;"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"{uuid}/paid\"")), "{page}");
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "no inline script or style"
    );
    let (status, done) = f
        .raw(
            "POST",
            &format!("/pay/{uuid}/paid"),
            &[("content-type", "application/x-www-form-urlencoded".into())],
            b"amount=1500.00".to_vec(),
        )
        .await;
    let done = String::from_utf8(done).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(done.contains("action=\"https://shop.test/ok\""), "{done}");
    assert!(done.contains("src=\"../assets/redirect.js\""), "{done}");
    let sign = done
        .split("name=\"sign\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let text = redirect_text(&[("order_id", "H-<1>"), ("uuid", uuid.as_str())][..]);
    f.notification
        .public_key()
        .unwrap()
        .verify(text.as_bytes(), sign, Digest::Sha1)
        .unwrap();
    let (_, again) = f
        .raw("POST", &format!("/pay/{uuid}/cancel"), &[], vec![])
        .await;
    assert!(
        String::from_utf8(again)
            .unwrap()
            .contains("data-status=\"paid\""),
        "final stays final"
    );
    let (status, css) = f.raw("GET", "/pay/assets/sandbox.css", &[], vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!css.is_empty());
    assert_eq!(
        f.raw("GET", "/pay/not-a-uuid", &[], vec![]).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sqlite_keeps_state_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    let (account, payment, payout, notification) = (
        AccountUuid::from(uuid::Uuid::new_v4()),
        keys(),
        keys(),
        keys(),
    );
    let storage = SandboxStorage::Sqlite(db.clone());
    let first = fixture_with(
        |c| c.storage = storage.clone(),
        Some((account, payment, payout, notification)),
    )
    .await;
    let body = payment_body("P-1", "payment_card_sbp_rub_card", json!({}));
    let (_, created) = first.gateway("/v1/payment", &body, Digest::Sha1).await;
    let id = created["id"].as_u64().unwrap();
    first
        .control("POST", &format!("/control/payments/{id}/paid"), Value::Null)
        .await;
    let payout_body =
        json!({"amount": "100.00", "order_id": "Q-1", "service": "payment_card_sbp_rub",
        "number": "79031112233", "customer_code": "100000000111"})
        .to_string();
    assert_eq!(
        first
            .gateway("/v1/payout", &payout_body, Digest::Sha1)
            .await
            .0,
        StatusCode::OK
    );
    first
        .control("POST", "/control/clock/advance?secs=60", Value::Null)
        .await;
    let (_, balance_before) = first
        .gateway("/v1/account/balance", "[]", Digest::Sha1)
        .await;
    let Fixture {
        sandbox,
        router,
        payment,
        payout,
        notification,
        ..
    } = first;
    sandbox.shutdown();
    drop((sandbox, router));

    let second = fixture_with(
        |c| c.storage = storage,
        Some((account, payment, payout, notification)),
    )
    .await;
    let lookup = json!({"order_id": "P-1"}).to_string();
    let (status, found) = second
        .gateway("/v1/payment/status", &lookup, Digest::Sha1)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["payment_status"], "paid");
    let (_, balance_after) = second
        .gateway("/v1/account/balance", "[]", Digest::Sha1)
        .await;
    assert_eq!(balance_before, balance_after);
    assert_eq!(balance_after["pending_payouts"], "100.00000000");
    assert_eq!(
        second
            .gateway("/v1/payout", &payout_body, Digest::Sha1)
            .await
            .0,
        StatusCode::BAD_REQUEST,
        "order id still taken"
    );
    let (_, next) = second
        .gateway(
            "/v1/payment",
            &payment_body("P-2", "payment_card_sbp_rub_card", json!({})),
            Digest::Sha1,
        )
        .await;
    assert_eq!(
        next["id"].as_u64().unwrap(),
        id + 2,
        "the counter continues"
    );
    let (_, clock) = second.control("GET", "/control/clock", Value::Null).await;
    assert_eq!(clock["offset_secs"], 60);
}

#[tokio::test]
async fn history_balance_and_info_shapes() {
    let f = fixture().await;
    for i in 0..3 {
        let body = payment_body(&format!("HI-{i}"), "payment_card_sbp_rub_card", json!({}));
        f.gateway("/v1/payment", &body, Digest::Sha1).await;
    }
    let (status, page) = f
        .gateway(
            "/v1/payment/history",
            r#"{"page":2,"paginate":2}"#,
            Digest::Sha1,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0]["amount"], "1500.000000000");
    assert_eq!(page["meta"]["total"], 3);
    assert_eq!(page["meta"]["last_page"], 2);
    assert_eq!(page["meta"]["from"], 3);
    assert_eq!(
        page["links"]["prev"],
        "http://sandbox.test/sandbox/v1/payment/history?page=1"
    );
    assert!(page["links"]["next"].is_null());
    for body in ["[]", "{}", ""] {
        let (status, balance) = f.gateway("/v1/account/balance", body, Digest::Sha1).await;
        assert_eq!(status, StatusCode::OK, "{body:?}");
        assert_eq!(balance["balance"], "100000.00000000");
        assert_eq!(balance["currency"], "RUB");
    }
    let (_, info) = f.gateway("/v1/account/info", "[]", Digest::Sha1).await;
    assert_eq!(info["payments"].as_array().unwrap().len(), 6);
    assert_eq!(info["payouts"].as_array().unwrap().len(), 3);
}
