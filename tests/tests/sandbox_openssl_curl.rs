//! The real `sandbox` binary driven by the `openssl` CLI (signatures) and `curl` (HTTP): every
//! pay-in service, status by id and by order id, the three payouts, balance, info, 401 for a
//! tampered body / wrong key / wrong digest / unknown account, 400 shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use sandbox_support::{json as body_json, merchant, payment_body, start};
use serde_json::{Value, json};

/// The six RU-4 services: (service, answer has `url`, answer has requisites).
const SERVICES: [(&str, bool, bool); 6] = [
    ("payment_card_number_rub_hpp", true, false),
    ("payment_card_number_card", false, true),
    ("payment_card_sbp_rub_card", false, true),
    ("payment_card_sberpay_rub_card", true, true),
    ("virtual_account_rub_hpp", true, true),
    ("virtual_account_rub_card", false, true),
];

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[test]
fn every_pay_in_service_and_status_by_id_and_order_id() {
    let m = merchant();
    let sb = start(&m, &[]);
    for (i, (service, has_url, has_requisites)) in SERVICES.into_iter().enumerate() {
        let order = format!("ORD-{i}/curl");
        let (status, created) = sb.call(&m, "v1/payment", &payment_body(&order, service, &[]));
        assert_eq!(status, 200, "{service}: {created}\n{}", sb.daemon.report());
        assert_eq!(created["payment_status"], "wait");
        let id = created["id"].as_u64().unwrap();
        assert!(id >= 100_000_000, "{created}");
        let uuid = created["uuid"].as_str().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4", "a v4 uuid: {uuid}");
        assert_eq!(created["url"].is_string(), has_url, "{service}: {created}");
        if has_url {
            assert_eq!(created["url"], format!("{}/pay/{uuid}", sb.base));
        }
        assert_eq!(
            created.get("cardNumber").is_some(),
            has_requisites,
            "{service}: {created}"
        );
        if has_requisites {
            let number = created["cardNumber"].as_str().unwrap();
            match service {
                "payment_card_number_card" => {
                    assert!(number.len() == 16 && luhn(number), "{number}");
                }
                "payment_card_sbp_rub_card" | "payment_card_sberpay_rub_card" => {
                    assert!(number.len() == 11 && number.starts_with("79"), "{number}");
                }
                _ => assert!(
                    number.len() == 20 && number.starts_with("40817810"),
                    "{number}"
                ),
            }
            let holder = created["cardHolderName"].as_str().unwrap();
            assert!(
                holder.ends_with('.') && holder.split(' ').count() == 3,
                "{holder}"
            );
            assert!(created["bank"].is_string());
        }
        for lookup in [
            json!({"id": id}),
            json!({"id": id.to_string()}),
            json!({"order_id": order}),
        ] {
            let (status, found) = sb.call(&m, "v1/payment/status", &lookup.to_string());
            assert_eq!(status, 200, "{lookup}: {found}");
            assert_eq!(found["id"], id);
            assert_eq!(found["order_id"], order.as_str());
            assert_eq!(found["payment_status"], "wait");
            assert_eq!(found["amount"], "1500.00");
        }
    }
    let (status, missing) = sb.call(&m, "v1/payment/status", r#"{"order_id":"nope"}"#);
    assert_eq!((status, missing), (404, json!({"message": "Not found."})));
    // A live order id cannot be used twice.
    let (status, dup) = sb.call(
        &m,
        "v1/payment",
        &payment_body("ORD-0/curl", "payment_card_sbp_rub_card", &[]),
    );
    assert_eq!(status, 400);
    assert_eq!(
        dup["errors"]["order_id"][0],
        "The order id has already been taken."
    );
    assert_eq!(sb.payments_with_order("ORD-0/curl").len(), 1);
}

#[test]
fn payouts_balance_and_info() {
    let m = merchant();
    let sb = start(&m, &["--balance", "5000.00"]);
    let (status, balance) = sb.call(&m, "v1/account/balance", "[]");
    assert_eq!(status, 200, "{balance}");
    assert_eq!(
        balance,
        json!({"currency": "RUB", "balance": "5000.00000000", "hold": "0.00000000",
        "rolling_reserve": "0.00000000", "pending_payouts": "0.00000000"})
    );
    let payouts = [
        json!({"amount": "3000.00", "order_id": "PO-SBP", "service": "payment_card_sbp_rub",
            "number": "79031112233", "customer_code": "100000000111"}),
        json!({"amount": 1000, "order_id": "PO-ACC", "service": "virtual_account_rub",
            "number": "40817810099910004312", "customer_code": "100000000111", "bik_bank": "044525225"}),
        json!({"amount": "500.50", "order_id": "PO-CARD", "service": "payment_card_rub",
            "number": "4111111111111111"}),
    ];
    let mut ids = Vec::new();
    for body in &payouts {
        let (status, created) = sb.call(&m, "v1/payout", &body.to_string());
        assert_eq!(status, 200, "{body}: {created}");
        assert_eq!(created["payment_status"], "wait");
        ids.push(created["id"].as_u64().unwrap());
    }
    let (_, balance) = sb.call(&m, "v1/account/balance", "{}");
    assert_eq!(balance["balance"], "499.50000000");
    assert_eq!(balance["pending_payouts"], "4500.50000000");
    let (status, too_much) = sb.call(&m, "v1/payout", &json!({"amount": "500.00", "order_id": "PO-X",
        "service": "payment_card_sbp_rub", "number": "79031112233", "customer_code": "100000000111"}).to_string());
    assert_eq!(status, 400);
    assert_eq!(too_much["errors"]["amount"][0], "Insufficient funds.");

    let (status, _) = sb.control(
        "POST",
        &format!("control/payouts/{}/paid", ids[0]),
        Value::Null,
    );
    assert_eq!(status, 200);
    let (status, _) = sb.control(
        "POST",
        &format!("control/payouts/{}/fail", ids[1]),
        Value::Null,
    );
    assert_eq!(status, 200);
    for (lookup, expected) in [
        (json!({"id": ids[0]}), "paid"),
        (json!({"order_id": "PO-ACC"}), "fail"),
        (json!({"order_id": "PO-CARD"}), "wait"),
    ] {
        let (status, found) = sb.call(&m, "v1/payout/status", &lookup.to_string());
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["payment_status"], expected, "{found}");
    }
    let (_, card) = sb.call(&m, "v1/payout/status", &json!({"id": ids[2]}).to_string());
    assert_eq!(card["card_mask"], "411111******1111");
    let (_, balance) = sb.call(&m, "v1/account/balance", "");
    assert_eq!(
        balance["balance"], "1499.50000000",
        "the failed payout came back"
    );
    assert_eq!(balance["pending_payouts"], "500.50000000");

    let (status, info) = sb.call(&m, "v1/account/info", "[]");
    assert_eq!(status, 200);
    assert_eq!(info["is_allowed_payment"], true);
    let codes: Vec<&str> = info["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["service_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "payment_card_sbp_rub",
            "virtual_account_rub",
            "payment_card_rub"
        ]
    );
    assert_eq!(info["payments"].as_array().unwrap().len(), 6);
}

#[test]
fn unauthenticated_for_tampered_body_wrong_key_wrong_digest_and_unknown_account() {
    let m = merchant();
    let sb = start(&m, &[]);
    let body = payment_body("AUTH-1", "payment_card_sbp_rub_card", &[]);
    let sign = sandbox_support::openssl_sign(&m.payment, "sha1", body.as_bytes());
    let tampered = body.replace("1500", "15");
    let answer = e2e::curl(
        "POST",
        &format!("{}/v1/payment", sb.base),
        &[("Account", &m.account), ("Sign", &sign)],
        Some(tampered.as_bytes()),
        30,
    );
    assert_eq!(answer.status, 401);
    assert_eq!(answer.text(), r#"{"message":"Unauthenticated."}"#);

    let wrong_key = sb.call_as(&m.account, "v1/payment", body.as_bytes(), &m.payout, "sha1");
    assert_eq!(wrong_key.status, 401);
    let hint = body_json(&wrong_key)["hint"].as_str().unwrap().to_owned();
    assert!(
        hint.contains("payout key") && hint.contains("payment key"),
        "{hint}"
    );

    let wrong_digest = sb.call_as(
        &m.account,
        "v1/payment",
        body.as_bytes(),
        &m.payment,
        "sha256",
    );
    assert_eq!(wrong_digest.status, 401);
    assert_eq!(
        body_json(&wrong_digest),
        json!({"message": "Unauthenticated.", "hint": "the signature verifies with SHA-256 but this gateway expects SHA-1"})
    );
    assert!(
        sb.daemon.stderr().contains("wrong digest"),
        "the log says so too"
    );

    let stranger = sandbox_support::random_uuid();
    let unknown = sb.call_as(&stranger, "v1/payment", body.as_bytes(), &m.payment, "sha1");
    assert_eq!(
        (unknown.status, unknown.text()),
        (401, r#"{"message":"Unauthenticated."}"#.to_owned())
    );
    let other = merchant();
    let foreign_key = sb.call_as(
        &m.account,
        "v1/account/balance",
        b"[]",
        &other.payout,
        "sha1",
    );
    assert_eq!(foreign_key.status, 401);
    assert!(
        sb.payments_with_order("AUTH-1").is_empty(),
        "nothing was created"
    );

    let sha256 = start(&m, &["--digest", "sha256"]);
    let answer = sha256.call_as(
        &m.account,
        "v1/payment",
        body.as_bytes(),
        &m.payment,
        "sha256",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let sha1 = sha256.call_as(&m.account, "v1/account/info", b"[]", &m.payout, "sha1");
    assert_eq!(
        body_json(&sha1)["hint"],
        "the signature verifies with SHA-1 but this gateway expects SHA-256"
    );
}

#[test]
fn validation_errors_in_the_laravel_shape() {
    let m = merchant();
    let sb = start(&m, &[]);
    let (status, missing) = sb.call(&m, "v1/payment", "{}");
    assert_eq!(status, 400);
    assert_eq!(
        missing,
        json!({"message": "The given data was invalid.", "errors": {
            "amount": ["The amount field is required."],
            "customer_ip": ["The customer ip field is required."],
            "customer_user_id": ["The customer user id field is required."],
            "order_id": ["The order id field is required."],
            "service": ["The service field is required."],
        }})
    );
    let malformed = json!({
        "amount": "15,00", "order_id": "x".repeat(129), "service": "payment_card_number_card",
        "customer_ip": "999.1.1.1", "customer_user_id": "u", "lifetime": 60,
        "notification_endpoint_url": "not a url",
    });
    let (status, errors) = sb.call(&m, "v1/payment", &malformed.to_string());
    assert_eq!(status, 400);
    assert_eq!(errors["message"], "The given data was invalid.");
    let first = |f: &str| errors["errors"][f][0].as_str().unwrap_or("").to_owned();
    assert_eq!(first("amount"), "The amount must be a number.");
    assert_eq!(
        first("order_id"),
        "The order id may not be greater than 128 characters."
    );
    assert_eq!(
        first("customer_ip"),
        "The customer ip must be a valid IP address."
    );
    assert_eq!(
        first("customer_code"),
        "The customer code field is required."
    );
    assert_eq!(
        first("lifetime"),
        "The lifetime must be between 900 and 3600."
    );
    assert_eq!(
        first("notification_endpoint_url"),
        "The notification endpoint url format is invalid."
    );
    let (status, errors) = sb.call(&m, "v1/payout", &json!({"amount": "1.00", "order_id": "P",
        "service": "virtual_account_rub", "number": "123", "customer_code": "sberbank", "bik_bank": "12"}).to_string());
    assert_eq!(status, 400);
    assert_eq!(
        errors["errors"]["number"][0],
        "The number must be 20 digits."
    );
    assert_eq!(
        errors["errors"]["bik_bank"][0],
        "The bik bank must be 9 digits."
    );
    let (status, errors) = sb.call(&m, "v1/payment/status", "[]");
    assert_eq!(status, 400);
    assert_eq!(
        errors["errors"]["id"][0],
        "The id field is required when order id is not present."
    );
}
