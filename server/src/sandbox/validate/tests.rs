#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use shared::{AccountUuid, Money};

use super::*;
use crate::signing::GeneratedKeys;

fn account(services: Option<Vec<&str>>) -> SandboxAccount {
    // One key pair serves both roles here: validation never looks at keys.
    let key = GeneratedKeys::generate(2048).unwrap().public_key().unwrap();
    SandboxAccount {
        uuid: AccountUuid::from(uuid::Uuid::new_v4()),
        payment_key: key.clone(),
        payout_key: key,
        services: services.map(|s| s.into_iter().map(str::to_owned).collect()),
        balance: Money::ZERO,
    }
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn valid_payment() -> Value {
    json!({
        "amount": 500,
        "order_id": "A-1",
        "service": "payment_card_sbp_rub_card",
        "customer_ip": "203.0.113.7",
        "customer_user_id": "u-1",
    })
}

fn payment_errors(acc: &SandboxAccount, patch: Value) -> ValidationErrorBody {
    let mut body = valid_payment();
    for (k, v) in map(patch) {
        if v == json!("<absent>") {
            body.as_object_mut().unwrap().remove(&k);
        } else {
            body[k] = v;
        }
    }
    payment(&map(body), acc).expect_err("should be invalid")
}

#[test]
fn valid_payment_in_both_amount_forms_and_with_an_alias() {
    let acc = account(None);
    let p = payment(&map(valid_payment()), &acc).unwrap();
    assert_eq!(p.amount.to_string(), "500.00");
    assert_eq!(p.lifetime.secs(), 900);
    let mut body = valid_payment();
    body["amount"] = json!("1500.5");
    body["service"] = json!("payment_card_rub_hpp");
    body["order_id"] = json!(12345);
    body["lifetime"] = json!("3600");
    let p = payment(&map(body), &acc).unwrap();
    assert_eq!(p.amount.to_string(), "1500.50");
    assert_eq!(p.method, Method::CardForm);
    assert_eq!(p.order_id.as_str(), "12345");
    assert_eq!(p.lifetime.secs(), 3600);
}

#[test]
fn invalid_payment_fields_get_laravel_messages() {
    let acc = account(None);
    let long = |n: usize| json!("x".repeat(n));
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"amount": "<absent>"}),
            "amount",
            "The amount field is required.",
        ),
        (
            json!({"amount": ""}),
            "amount",
            "The amount field is required.",
        ),
        (
            json!({"amount": "abc"}),
            "amount",
            "The amount must be a number.",
        ),
        (
            json!({"amount": true}),
            "amount",
            "The amount must be a number.",
        ),
        (
            json!({"amount": 0}),
            "amount",
            "The amount must be greater than 0.",
        ),
        (
            json!({"amount": "-5"}),
            "amount",
            "The amount must be greater than 0.",
        ),
        (
            json!({"amount": "1.001"}),
            "amount",
            "The amount format is invalid.",
        ),
        (
            json!({"amount": "1000000000"}),
            "amount",
            "The amount may not be greater than 999999999.99.",
        ),
        (
            json!({"order_id": "<absent>"}),
            "order_id",
            "The order id field is required.",
        ),
        (
            json!({"order_id": long(129)}),
            "order_id",
            "The order id may not be greater than 128 characters.",
        ),
        (
            json!({"order_id": ["a"]}),
            "order_id",
            "The order id must be a string.",
        ),
        (
            json!({"order_id": "a\nb"}),
            "order_id",
            "The order id format is invalid.",
        ),
        (
            json!({"service": "nope"}),
            "service",
            "The selected service is invalid.",
        ),
        (
            json!({"service": long(101)}),
            "service",
            "The service may not be greater than 100 characters.",
        ),
        (
            json!({"customer_ip": "1.2.3"}),
            "customer_ip",
            "The customer ip must be a valid IP address.",
        ),
        (
            json!({"customer_ip": "<absent>"}),
            "customer_ip",
            "The customer ip field is required.",
        ),
        (
            json!({"customer_user_id": long(101)}),
            "customer_user_id",
            "The customer user id may not be greater than 100 characters.",
        ),
        (
            json!({"service": "payment_card_number_card"}),
            "customer_code",
            "The customer code field is required.",
        ),
        (
            json!({"customer_code": "Sber Bank"}),
            "customer_code",
            "The customer code format is invalid.",
        ),
        (
            json!({"lifetime": 899}),
            "lifetime",
            "The lifetime must be between 900 and 3600.",
        ),
        (
            json!({"lifetime": "soon"}),
            "lifetime",
            "The lifetime must be an integer.",
        ),
        (
            json!({"desc": long(129)}),
            "desc",
            "The desc may not be greater than 128 characters.",
        ),
        (
            json!({"notification_endpoint_url": "ftp://x"}),
            "notification_endpoint_url",
            "The notification endpoint url format is invalid.",
        ),
        (
            json!({"success_redirect_url": format!("https://x.ru/{}", "a".repeat(250))}),
            "success_redirect_url",
            "The success redirect url may not be greater than 255 characters.",
        ),
        (
            json!({"notification_endpoint_id": "x1"}),
            "notification_endpoint_id",
            "The notification endpoint id must be an integer.",
        ),
        (
            json!({"customer_email": long(51)}),
            "customer_email",
            "The customer email may not be greater than 50 characters.",
        ),
    ];
    for (patch, field, message) in cases {
        let errors = payment_errors(&acc, patch.clone());
        assert_eq!(errors.first(field), Some(message), "{patch}: {errors:?}");
        assert_eq!(errors.message, "The given data was invalid.");
    }
}

#[test]
fn empty_or_non_object_bodies_report_every_required_field() {
    let acc = account(None);
    for body in [&b""[..], b"[]", b"not json", b"{}"] {
        let errors = payment(&fields(body), &acc).unwrap_err();
        let names: Vec<&str> = errors.errors.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "amount",
                "customer_ip",
                "customer_user_id",
                "order_id",
                "service"
            ]
        );
    }
}

#[test]
fn services_are_limited_to_the_account() {
    let acc = account(Some(vec![
        "payment_card_sbp_rub_card",
        "payment_card_sbp_rub",
    ]));
    assert!(payment(&map(valid_payment()), &acc).is_ok());
    let errors = payment_errors(&acc, json!({"service": "virtual_account_rub_card"}));
    assert_eq!(
        errors.first("service"),
        Some("The selected service is invalid.")
    );
    let payout_body = json!({"amount": "10.00", "order_id": "P", "service": "virtual_account_rub",
        "number": "40817810000000000001", "customer_code": "sberbank", "bik_bank": "044525225"});
    let errors = payout(&map(payout_body), &acc).unwrap_err();
    assert_eq!(
        errors.first("service"),
        Some("The selected service is invalid.")
    );
}

#[test]
fn payouts_of_every_kind() {
    let acc = account(None);
    let sbp = payout(
        &map(
            json!({"amount": "3000.00", "order_id": "P-1", "service": "payment_card_sbp_rub",
            "number": "79031112233", "customer_code": "100000000111"}),
        ),
        &acc,
    )
    .unwrap();
    assert_eq!(
        (sbp.kind, sbp.number.as_str()),
        (PayoutKind::Sbp, "79031112233")
    );
    let account_payout = payout(
        &map(json!({"amount": 10, "order_id": "P-2", "service": "virtual_account_rub",
            "number": "40817810000000000001", "customer_code": "100000000111", "bik_bank": "044525225"})),
        &acc,
    )
    .unwrap();
    assert_eq!(account_payout.bik_bank.as_deref(), Some("044525225"));
    let card = payout(
        &map(
            json!({"amount": "1000.44", "order_id": "P-3", "service": "payment_card_rub",
            "number": "4111111111111111", "extra": {"card_holder": "IVAN P"}}),
        ),
        &acc,
    )
    .unwrap();
    assert_eq!(card.kind, PayoutKind::Card);
}

#[test]
fn invalid_payout_fields() {
    let acc = account(None);
    let base = |service: &str| {
        json!({"amount": "10.00", "order_id": "P", "service": service,
            "number": "79031112233", "customer_code": "100000000111", "bik_bank": "044525225"})
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"number": "+79031112233"}),
            "number",
            "The number format is invalid.",
        ),
        (
            json!({"number": "89031112233"}),
            "number",
            "The number format is invalid.",
        ),
        (
            json!({"customer_code": "sberbank"}),
            "customer_code",
            "The customer code must be 12 digits.",
        ),
        (
            json!({"customer_code": null}),
            "customer_code",
            "The customer code field is required.",
        ),
        (
            json!({"number": null}),
            "number",
            "The number field is required.",
        ),
    ];
    for (patch, field, message) in cases {
        let mut body = base("payment_card_sbp_rub");
        for (k, v) in map(patch.clone()) {
            body[k] = v;
        }
        let errors = payout(&map(body), &acc).unwrap_err();
        assert_eq!(errors.first(field), Some(message), "{patch}: {errors:?}");
    }
    let account_cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"number": "4081781000000000000"}),
            "number",
            "The number must be 20 digits.",
        ),
        (
            json!({"number": "40817 810000000000001"}),
            "number",
            "The number must be 20 digits.",
        ),
        (
            json!({"bik_bank": "04452522"}),
            "bik_bank",
            "The bik bank must be 9 digits.",
        ),
        (
            json!({"bik_bank": ""}),
            "bik_bank",
            "The bik bank field is required.",
        ),
        (
            json!({"customer_code": "Sber!"}),
            "customer_code",
            "The customer code format is invalid.",
        ),
    ];
    for (patch, field, message) in account_cases {
        let mut body = base("virtual_account_rub");
        body["number"] = json!("40817810000000000001");
        for (k, v) in map(patch.clone()) {
            body[k] = v;
        }
        let errors = payout(&map(body), &acc).unwrap_err();
        assert_eq!(errors.first(field), Some(message), "{patch}: {errors:?}");
    }
    for (number, message) in [
        ("4111111111111112", "The number format is invalid."),
        ("411111111111111", "The number must be 16 digits."),
    ] {
        let mut body = base("payment_card_rub");
        body["number"] = json!(number);
        let errors = payout(&map(body), &acc).unwrap_err();
        assert_eq!(errors.first("number"), Some(message), "{number}");
    }
    let mut body = base("payment_card_rub");
    body["number"] = json!("4111111111111111");
    body["extra"] = json!("x");
    assert_eq!(
        payout(&map(body), &acc).unwrap_err().first("extra"),
        Some("The extra must be an array.")
    );
}

#[test]
fn status_and_history_bodies() {
    assert_eq!(
        status(&map(json!({"id": 100000001}))),
        Ok(Lookup::Id(100000001))
    );
    assert_eq!(
        status(&map(json!({"id": "100000001"}))),
        Ok(Lookup::Id(100000001))
    );
    assert_eq!(status(&map(json!({"id": "abc"}))), Ok(Lookup::Nothing));
    assert_eq!(
        status(&map(json!({"order_id": "A-1"}))),
        Ok(Lookup::OrderId("A-1".to_owned()))
    );
    let errors = status(&Map::new()).unwrap_err();
    assert_eq!(
        errors.first("id"),
        Some("The id field is required when order id is not present.")
    );
    let q = history(&map(
        json!({"date_from": "2026-01-01", "page": "2", "paginate": 5}),
    ))
    .unwrap();
    assert_eq!((q.page, q.per_page), (2, 5));
    assert_eq!(
        q.date_from.map(|d| d.to_string()).as_deref(),
        Some("2026-01-01")
    );
    let errors = history(&map(
        json!({"date_to": "01.01.2026", "page": 0, "paginate": 1000}),
    ))
    .unwrap_err();
    assert_eq!(
        errors.first("date_to"),
        Some("The date to does not match the format Y-m-d.")
    );
    assert_eq!(errors.first("page"), Some("The page must be at least 1."));
    assert_eq!(
        errors.first("paginate"),
        Some("The paginate must be between 1 and 100.")
    );
}
