//! The real `serve` binary in sandbox mode: merchant API authentication, every bad input → 4xx
//! with a stable code, reads and lists, safety headers, the OpenAPI snapshot, config errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};

fn body() -> Value {
    json!({"order_id": "A-1", "amount": "1500.00", "customer_user_id": "u1"})
}

#[test]
fn merchant_api_requires_the_api_key() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let url = |p: &str| format!("{}{p}", app.base);
    let client = app.client();
    let requests = [
        ("POST", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions"),
        (
            "GET",
            "/api/v1/sessions/0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
        ),
        ("GET", "/metrics"),
    ];
    for (method, path) in requests {
        let build = |auth: Option<&str>| {
            let r = match method {
                "POST" => client.post(url(path)).json(&body()),
                _ => client.get(url(path)),
            };
            match auth {
                Some(value) => r.header("Authorization", value),
                None => r,
            }
        };
        for auth in [
            None,
            Some("Bearer sk_test_wrong-key-wrong-key"),
            Some("Basic Zm9vOmJhcg=="),
            Some("Bearer"),
        ] {
            let reply = app.send(build(auth));
            assert_eq!(
                reply.status, 401,
                "{method} {path} {auth:?}: {}",
                reply.text
            );
            assert_eq!(reply.code(), "unauthorized");
            assert!(
                reply
                    .header("www-authenticate")
                    .unwrap()
                    .starts_with("Bearer")
            );
        }
        let key = format!("Bearer {}", app.api_key);
        assert_ne!(app.send(build(Some(&key))).status, 401, "{method} {path}");
    }
}

#[test]
fn every_bad_input_is_a_4xx_with_a_stable_code() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let with = |field: &str, value: Value| {
        let mut b = body();
        b[field] = value;
        b
    };
    let without = |field: &str| {
        let mut b = body();
        b.as_object_mut().unwrap().remove(field);
        b
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("missing amount", without("amount"), "amount"),
        ("missing order id", without("order_id"), "order_id"),
        (
            "missing customer",
            without("customer_user_id"),
            "customer_user_id",
        ),
        ("amount text", with("amount", json!("abc")), "amount"),
        ("amount zero", with("amount", json!("0")), "amount"),
        ("amount negative", with("amount", json!("-5")), "amount"),
        (
            "amount 3 decimals",
            with("amount", json!("1.005")),
            "amount",
        ),
        (
            "amount too large",
            with("amount", json!("1000000000")),
            "amount",
        ),
        ("amount bool", with("amount", json!(true)), "amount"),
        ("empty order id", with("order_id", json!("")), "order_id"),
        (
            "order id 121 chars",
            with("order_id", json!("x".repeat(121))),
            "order_id",
        ),
        (
            "order id control char",
            with("order_id", json!("a\nb")),
            "order_id",
        ),
        (
            "customer 101 chars",
            with("customer_user_id", json!("u".repeat(101))),
            "customer_user_id",
        ),
        (
            "unknown method",
            with("methods", json!(["card"])),
            "methods[0]",
        ),
        ("empty methods", with("methods", json!([])), "methods"),
        (
            "repeated method",
            with("methods", json!(["sbp", "sbp"])),
            "methods",
        ),
        ("bad locale", with("locale", json!("de")), "locale"),
        (
            "relative url",
            with("success_url", json!("/ok")),
            "success_url",
        ),
        ("ftp url", with("fail_url", json!("ftp://x.ru")), "fail_url"),
        (
            "lifetime too short",
            with("lifetime_secs", json!(60)),
            "lifetime_secs",
        ),
        (
            "lifetime too long",
            with("lifetime_secs", json!(7200)),
            "lifetime_secs",
        ),
        (
            "description too long",
            with("description", json!("d".repeat(129))),
            "description",
        ),
        (
            "metadata not an object",
            with("metadata", json!([1])),
            "metadata",
        ),
        ("unknown field", with("amount_rub", json!(1)), "amount_rub"),
    ];
    for (name, body, field) in cases {
        let reply = app.merchant_post("/api/v1/sessions", &body);
        assert_eq!(reply.status, 422, "{name}: {}", reply.text);
        assert_eq!(reply.code(), "invalid_request", "{name}");
        let details = &reply.json()["error"]["details"];
        assert!(
            details.get(field).is_some(),
            "{name}: expected details.{field} in {details}"
        );
    }

    // Not JSON at all, wrong content type, too large.
    let url = format!("{}/api/v1/sessions", app.base);
    let raw = |content_type: &str, bytes: Vec<u8>| {
        app.send(
            app.client()
                .post(&url)
                .bearer_auth(&app.api_key)
                .header("content-type", content_type)
                .body(bytes),
        )
    };
    let reply = raw("application/json", b"{\"order_id\":".to_vec());
    assert_eq!((reply.status, reply.code().as_str()), (400, "invalid_json"));
    let reply = raw("text/plain", serde_json::to_vec(&body()).unwrap());
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (415, "unsupported_media_type")
    );
    let mut big = body();
    big["description"] = json!("x".repeat(70_000));
    let reply = raw("application/json", serde_json::to_vec(&big).unwrap());
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (413, "payload_too_large")
    );

    // Widget side: bad tokens, bad methods.
    let created = app.create_session("W-1", "10.00");
    let token = created["token"].as_str().unwrap();
    for path in [
        "/api/v1/checkout/short".to_owned(),
        format!("/api/v1/checkout/{}", "A".repeat(43)),
        "/api/v1/checkout/has%20space-aaaaaaaaaaaaaaaaaaaaaa".to_owned(),
    ] {
        let reply = app.get(&path);
        assert_eq!(
            (reply.status, reply.code().as_str()),
            (404, "session_not_found"),
            "{path}"
        );
    }
    let pay = |body: Value| app.post(&format!("/api/v1/checkout/{token}/pay"), &body);
    let reply = pay(json!({"method": "bitcoin"}));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (422, "invalid_request")
    );
    let reply = pay(json!({"method": "sbp", "amount": "1.00"}));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (422, "invalid_request"),
        "the browser cannot set the amount"
    );
    let reply = pay(json!({}));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (422, "invalid_request")
    );

    // A session offering only some methods refuses the others.
    let limited = app.merchant_post(
        "/api/v1/sessions",
        &json!({"order_id": "W-2", "amount": "10.00", "customer_user_id": "u", "methods": ["sbp"]}),
    );
    let token = limited.json()["token"].as_str().unwrap().to_owned();
    let reply = app.pay(&token, "card_form");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (422, "method_not_offered")
    );

    // Reads: unknown and malformed ids, unknown routes and methods, bad list queries.
    let reply = app.merchant_get("/api/v1/sessions/0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (404, "session_not_found")
    );
    let reply = app.merchant_get("/api/v1/sessions/not-a-uuid");
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (404, "session_not_found")
    );
    let reply = app.get("/api/v1/nothing-here");
    assert_eq!((reply.status, reply.code().as_str()), (404, "not_found"));
    let reply = app.send(app.client().delete(format!("{}/api/v1/sessions", app.base)));
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (405, "method_not_allowed")
    );
    for query in [
        "status=done",
        "limit=0",
        "limit=500",
        "created_from=yesterday",
        "cursor=zzz",
        "colour=red",
    ] {
        let reply = app.merchant_get(&format!("/api/v1/sessions?{query}"));
        assert!(
            matches!(
                (reply.status, reply.code().as_str()),
                (400, "invalid_query") | (422, "invalid_request")
            ),
            "{query}: {} {}",
            reply.status,
            reply.text
        );
    }
}

#[test]
fn create_is_idempotent_per_order_and_reads_list_and_filter() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let first = app.create_session("ORD-1", "1500.00");
    assert_eq!(first["status"], "open");
    let token = first["token"].as_str().unwrap();
    assert!(token.len() >= 43, "token has ≥ 256 bits: {token}");
    assert!(
        first["hosted_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/pay/{token}"))
    );

    // The same order again: the same session, 200.
    let again = app.merchant_post(
        "/api/v1/sessions",
        &json!({"order_id": "ORD-1", "amount": "1500.00", "customer_user_id": "buyer-1"}),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], first["id"]);
    // Other values under the same order id: a conflict.
    let conflict = app.merchant_post(
        "/api/v1/sessions",
        &json!({"order_id": "ORD-1", "amount": "99.00", "customer_user_id": "buyer-1"}),
    );
    assert_eq!(
        (conflict.status, conflict.code().as_str()),
        (409, "order_id_conflict")
    );

    for i in 2..=5 {
        app.create_session(&format!("ORD-{i}"), "10.00");
    }
    let paid_one = app.create_session("ORD-PAID", "10.00");
    let t = paid_one["token"].as_str().unwrap();
    let id = app.pay(t, "sbp").json()["gateway_payment_id"]
        .as_u64()
        .unwrap();
    app.control(&format!("payments/{id}/paid"), None);
    app.wait_for_status(t, "paid");

    let page = app.merchant_get("/api/v1/sessions?limit=2").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["order_id"], "ORD-PAID", "newest first");
    assert!(
        page["items"][0].get("history").is_none(),
        "list items carry no history"
    );
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sessions?limit=2&cursor={c}"),
            None => "/api/v1/sessions?limit=2".to_owned(),
        };
        let page = app.merchant_get(&path).json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["order_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    let paid = app.merchant_get("/api/v1/sessions?status=paid").json();
    assert_eq!(paid["items"].as_array().unwrap().len(), 1);
    let by_order = app.merchant_get("/api/v1/sessions?order_id=ORD-3").json();
    assert_eq!(by_order["items"][0]["order_id"], "ORD-3");
    let details = app.session(paid_one["id"].as_str().unwrap());
    assert_eq!(details["status"], "paid");
    assert_eq!(details["gateway_payment_id"], id);
    assert_eq!(details["requisites"]["kind"], "phone");
    let sources: Vec<&str> = details["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["created", "pay", "notification"]);
}

#[test]
fn health_headers_request_ids_and_cors() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "cors_origins = [\"https://shop.example.ru\"]\n");
    let health = app.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    assert_eq!(health.json()["mode"], "sandbox");
    for h in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ] {
        assert_eq!(health.header(h.0).as_deref(), Some(h.1), "{}", h.0);
    }
    assert!(
        health
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 32)
    );
    let mine = app.send(
        app.client()
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", "trace-me-123"),
    );
    assert_eq!(mine.header("x-request-id").as_deref(), Some("trace-me-123"));
    let created = app.create_session("C-1", "10.00");
    let token = created["token"].as_str().unwrap();
    let view = app.get(&format!("/api/v1/checkout/{token}"));
    assert_eq!(view.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(view.json()["test_mode"], true);

    // CORS: the allowed origin gets the headers (also on a preflight), others do not.
    let preflight = |origin: &str| {
        app.send(
            app.client()
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/api/v1/checkout/{token}/pay", app.base),
                )
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type"),
        )
    };
    let ok = preflight("https://shop.example.ru");
    assert_eq!(
        ok.header("access-control-allow-origin").as_deref(),
        Some("https://shop.example.ru")
    );
    let evil = preflight("https://evil.example");
    assert_eq!(evil.header("access-control-allow-origin"), None);
    let merchant = app.send(
        app.client()
            .get(format!("{}/api/v1/sessions", app.base))
            .header("origin", "https://shop.example.ru")
            .bearer_auth(&app.api_key),
    );
    assert_eq!(
        merchant.header("access-control-allow-origin"),
        None,
        "merchant API is not for browsers"
    );
    // Tokens never reach the logs.
    assert!(
        !app.daemon.stderr().contains(token),
        "token leaked into the logs"
    );
    assert!(
        !app.daemon.stderr().contains(&app.api_key),
        "API key leaked into the logs"
    );
}

#[test]
fn per_ip_rate_limit_answers_429_with_retry_after() {
    let dir = data_dir();
    let app = Checkout::start(
        dir.path(),
        "rate_limit_per_minute = 1\nrate_limit_burst = 3\n",
    );
    let created = app.create_session("R-1", "10.00");
    let token = created["token"].as_str().unwrap();
    let statuses: Vec<u16> = (0..5)
        .map(|_| app.get(&format!("/api/v1/checkout/{token}/status")).status)
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let limited = app.get(&format!("/api/v1/checkout/{token}/status"));
    assert_eq!(limited.code(), "rate_limited");
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // The merchant API is not limited per IP.
    assert_eq!(app.merchant_get("/api/v1/sessions").status, 200);
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let served = app.get("/api/openapi.json").json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../server/tests/snapshots/openapi.json");
    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        served, stored,
        "regenerate with UPDATE_SNAPSHOTS=1 cargo test -p server openapi"
    );
    for path in [
        "/api/v1/sessions",
        "/api/v1/sessions/{id}",
        "/api/v1/checkout/{token}",
        "/api/v1/checkout/{token}/pay",
        "/api/v1/checkout/{token}/status",
        "/api/v1/checkout/{token}/events",
        "/api/v1/checkout/{token}/check",
        "/webhooks/alikassa",
        "/healthz",
        "/api/openapi.json",
        "/metrics",
        "/demo/api/sessions",
    ] {
        assert!(
            served["paths"].get(path).is_some(),
            "{path} missing from the document"
        );
    }
}

#[test]
fn bad_configuration_fails_fast_naming_the_key() {
    let dir = data_dir();
    let dir_arg = dir.path().to_str().unwrap();
    let run = e2e::run_env(
        e2e::bin(),
        &["serve", "--listen", "127.0.0.1:0", "--data-dir", dir_arg],
        b"",
        &[("CHECKOUT_GATEWAY__DIGEST", "md5")],
    )
    .assert_code(1);
    assert!(
        run.stderr
            .contains(r#"config error: gateway.digest: expected "sha1" or "sha256", got "md5""#),
        "{run}"
    );
    let run = e2e::run(
        e2e::bin(),
        &["serve", "--listen", "nowhere", "--data-dir", dir_arg],
        b"",
    )
    .assert_code(1);
    assert!(
        run.stderr.contains("config error: server.listen: "),
        "{run}"
    );
}
