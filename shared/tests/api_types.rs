#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Our own API types: shapes on the wire, strictness of request types, round trips.

use serde_json::json;
use shared::api::{
    ApiErrorBody, CheckoutView, CreateSessionRequest, Locale, PayAnswer, PayRequest, Requisites,
    SessionCreated, StatusUpdate,
};
use shared::{FieldErrors, Method, PaymentStatus, SessionStatus};
use time::macros::datetime;

#[test]
fn create_session_request_minimal_and_full() {
    let minimal: CreateSessionRequest = serde_json::from_value(json!({
        "order_id": "A-1", "amount": "1500.00", "customer_user_id": "u1"
    }))
    .unwrap();
    assert_eq!(minimal.amount.kopecks(), 150_000);
    assert_eq!(minimal.methods, None);
    assert_eq!(
        serde_json::to_value(&minimal).unwrap(),
        json!({"order_id": "A-1", "amount": "1500.00", "customer_user_id": "u1"})
    );

    let full = json!({
        "order_id": "A-2", "amount": "99.9", "customer_user_id": "u2",
        "methods": ["sbp", "card_transfer"], "description": "Заказ №2", "locale": "en",
        "success_url": "https://shop.example.ru/ok", "fail_url": "https://shop.example.ru/fail",
        "lifetime_secs": 1800, "metadata": {"cart": 7, "tags": ["a"]}
    });
    let parsed: CreateSessionRequest = serde_json::from_value(full).unwrap();
    assert_eq!(
        parsed.methods,
        Some(vec![Method::Sbp, Method::CardTransfer])
    );
    assert_eq!(parsed.locale, Some(Locale::En));
    let again: CreateSessionRequest =
        serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
    assert_eq!(parsed, again);
    assert_eq!(serde_json::to_value(&parsed).unwrap()["amount"], "99.90");
}

#[test]
fn create_session_request_rejects_bad_bodies() {
    let base = || json!({"order_id": "A-1", "amount": "1500.00", "customer_user_id": "u1"});
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("unknown field", {
            let mut v = base();
            v["amount_rub"] = json!(1);
            v
        }),
        ("missing amount", {
            let mut v = base();
            v.as_object_mut().unwrap().remove("amount");
            v
        }),
        ("empty methods", {
            let mut v = base();
            v["methods"] = json!([]);
            v
        }),
        ("repeated method", {
            let mut v = base();
            v["methods"] = json!(["sbp", "sbp"]);
            v
        }),
        ("unknown method", {
            let mut v = base();
            v["methods"] = json!(["crypto"]);
            v
        }),
        ("bad locale", {
            let mut v = base();
            v["locale"] = json!("de");
            v
        }),
        ("short lifetime", {
            let mut v = base();
            v["lifetime_secs"] = json!(60);
            v
        }),
        ("ftp url", {
            let mut v = base();
            v["success_url"] = json!("ftp://x.ru");
            v
        }),
        ("long description", {
            let mut v = base();
            v["description"] = json!("x".repeat(129));
            v
        }),
        ("metadata not an object", {
            let mut v = base();
            v["metadata"] = json!([1]);
            v
        }),
        ("zero amount", {
            let mut v = base();
            v["amount"] = json!("0.00");
            v
        }),
    ];
    for (name, body) in cases {
        assert!(
            serde_json::from_value::<CreateSessionRequest>(body).is_err(),
            "{name} must be rejected"
        );
    }
}

#[test]
fn session_created_shape() {
    let created: SessionCreated = serde_json::from_value(json!({
        "id": "5b1c3f0e-8a4d-4e2f-9c6b-1d2e3f4a5b6c",
        "token": "q9Xr2mKd8Lp0Zt5Wv7Yb3N",
        "hosted_url": "http://127.0.0.1:8080/pay/q9Xr2mKd8Lp0Zt5Wv7Yb3N",
        "status": "open",
        "expires_at": "2026-11-27T22:00:00Z"
    }))
    .unwrap();
    assert_eq!(created.status, SessionStatus::Open);
    assert_eq!(created.expires_at, datetime!(2026-11-27 22:00:00 UTC));
    let v = serde_json::to_value(&created).unwrap();
    assert_eq!(v["expires_at"], "2026-11-27T22:00:00Z");
    assert_eq!(v["token"], "q9Xr2mKd8Lp0Zt5Wv7Yb3N");
}

fn answer(requisites: Requisites, method: Method) -> PayAnswer {
    PayAnswer {
        method,
        requisites,
        amount: "1500.00".parse().unwrap(),
        expires_at: datetime!(2026-11-27 22:15:00 UTC),
        server_time: datetime!(2026-11-27 22:00:00 UTC),
        status: SessionStatus::Pending,
        gateway_payment_id: None,
    }
}

#[test]
fn requisites_are_tagged_by_kind() {
    let cases = [
        (
            Requisites::Card {
                card_number: "2202 2000 0000 0004".parse().unwrap(),
                holder: Some("Ivan P.".into()),
                bank: None,
            },
            json!({"kind": "card", "card_number": "2202200000000004", "holder": "Ivan P."}),
        ),
        (
            Requisites::Phone {
                phone: "+7 999 000-11-22".parse().unwrap(),
                holder: Some("Ivan P.".into()),
                bank: Some("Sber".into()),
            },
            json!({"kind": "phone", "phone": "79990001122", "holder": "Ivan P.", "bank": "Sber"}),
        ),
        (
            Requisites::Account {
                account: "40817810000000000001".parse().unwrap(),
                bic: Some("044525225".parse().unwrap()),
                holder: None,
                bank: None,
            },
            json!({"kind": "account", "account": "40817810000000000001", "bic": "044525225"}),
        ),
        (
            Requisites::Redirect {
                url: "https://pay-merchant.alikassa.com/abc".parse().unwrap(),
            },
            json!({"kind": "redirect", "url": "https://pay-merchant.alikassa.com/abc"}),
        ),
        (
            Requisites::Sberpay {
                url: "https://p2p.cloudpaypro.com/abc".parse().unwrap(),
                phone: None,
                holder: None,
            },
            json!({"kind": "sberpay", "url": "https://p2p.cloudpaypro.com/abc"}),
        ),
    ];
    for (requisites, expected) in cases {
        assert_eq!(serde_json::to_value(&requisites).unwrap(), expected);
        let back: Requisites = serde_json::from_value(expected).unwrap();
        assert_eq!(back, requisites);
    }
}

#[test]
fn checkout_view_round_trips_with_payment() {
    let view = CheckoutView {
        order_id: "A-1".parse().unwrap(),
        amount: "1500.00".parse().unwrap(),
        description: Some("Заказ".parse().unwrap()),
        methods: Method::ALL.to_vec(),
        status: SessionStatus::Pending,
        paid_amount: None,
        locale: Locale::Ru,
        merchant_name: "Demo shop".into(),
        expires_at: datetime!(2026-11-27 22:15:00 UTC),
        server_time: datetime!(2026-11-27 22:00:00.5 UTC),
        test_mode: true,
        payment: Some(answer(
            Requisites::Redirect {
                url: "https://pay-merchant.alikassa.com/abc".parse().unwrap(),
            },
            Method::CardForm,
        )),
        success_url: None,
        fail_url: None,
    };
    let v = serde_json::to_value(&view).unwrap();
    assert_eq!(v["server_time"], "2026-11-27T22:00:00.5Z");
    assert_eq!(v["payment"]["requisites"]["kind"], "redirect");
    assert_eq!(v["methods"][0], "card_form");
    let back: CheckoutView = serde_json::from_value(v).unwrap();
    assert_eq!(back, view);
}

#[test]
fn pay_request_is_strict() {
    let ok: PayRequest = serde_json::from_str(r#"{"method":"sbp"}"#).unwrap();
    assert_eq!(ok.method, Method::Sbp);
    assert!(serde_json::from_str::<PayRequest>(r#"{"method":"sbp","x":1}"#).is_err());
    assert!(serde_json::from_str::<PayRequest>(r#"{"method":"SBP"}"#).is_err());
    assert!(serde_json::from_str::<PayRequest>("{}").is_err());
}

#[test]
fn status_update_shape() {
    let update = StatusUpdate {
        status: SessionStatus::Paid,
        payment_status: Some(PaymentStatus::Paid),
        paid_amount: None,
        updated_at: datetime!(2026-11-27 22:03:00 +03:00),
    };
    let v = serde_json::to_value(update).unwrap();
    assert_eq!(
        v,
        json!({"status": "paid", "payment_status": "paid", "updated_at": "2026-11-27T22:03:00+03:00"})
    );
    assert_eq!(serde_json::from_value::<StatusUpdate>(v).unwrap(), update);
    let short = StatusUpdate {
        status: SessionStatus::Underpaid,
        paid_amount: Some("1.00".parse().unwrap()),
        ..update
    };
    let v = serde_json::to_value(short).unwrap();
    assert_eq!(
        v,
        json!({"status": "underpaid", "payment_status": "paid", "paid_amount": "1.00",
               "updated_at": "2026-11-27T22:03:00+03:00"})
    );
    assert_eq!(serde_json::from_value::<StatusUpdate>(v).unwrap(), short);
}

#[test]
fn api_error_body_shape() {
    let plain = ApiErrorBody::new("session_not_found", "No such checkout session.");
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        json!({"error": {"code": "session_not_found", "message": "No such checkout session."}})
    );
    let mut details = FieldErrors::new();
    details.insert(
        "amount".into(),
        vec!["amount must be greater than zero".into()],
    );
    let detailed =
        ApiErrorBody::new("invalid_request", "The request body is invalid.").with_details(details);
    let v = serde_json::to_value(&detailed).unwrap();
    assert_eq!(
        v["error"]["details"]["amount"][0],
        "amount must be greater than zero"
    );
    assert_eq!(serde_json::from_value::<ApiErrorBody>(v).unwrap(), detailed);
}

#[test]
fn requisites_from_gateway_create_response() {
    use shared::api::RequisitesError;
    use shared::gateway::PaymentCreateResponse;

    let response = |json: serde_json::Value| -> PaymentCreateResponse {
        let mut base = json!({
            "url": null, "payment_status": "wait", "id": 200000017,
            "uuid": "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f", "success_redirect_url": null
        });
        for (k, v) in json.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    };

    let sbp = response(json!({"cardNumber": "79990001122", "cardHolderName": "Ivan Ivanovich P."}));
    assert_eq!(
        Requisites::from_gateway(Method::Sbp, &sbp).unwrap(),
        Requisites::Phone {
            phone: "79990001122".parse().unwrap(),
            holder: Some("Ivan Ivanovich P.".into()),
            bank: None,
        }
    );

    let card =
        response(json!({"cardNumber": "2202200000000004", "cardHolderName": "", "bank": "Sber"}));
    assert_eq!(
        Requisites::from_gateway(Method::CardTransfer, &card).unwrap(),
        Requisites::Card {
            card_number: "2202200000000004".parse().unwrap(),
            holder: None,
            bank: Some("Sber".into()),
        }
    );

    let account =
        response(json!({"cardNumber": "40817810000000000001", "cardHolderName": "OOO Romashka"}));
    assert!(matches!(
        Requisites::from_gateway(Method::AccountTransfer, &account).unwrap(),
        Requisites::Account { bic: None, .. }
    ));

    let hosted = response(json!({"url": "https://pay-merchant.alikassa.com/0f9c2d1e"}));
    for method in [Method::CardForm, Method::AccountForm] {
        assert_eq!(
            Requisites::from_gateway(method, &hosted).unwrap(),
            Requisites::Redirect {
                url: "https://pay-merchant.alikassa.com/0f9c2d1e"
                    .parse()
                    .unwrap()
            }
        );
    }

    let sberpay =
        response(json!({"url": "https://p2p.cloudpaypro.com/x", "cardNumber": "79990001122"}));
    assert!(matches!(
        Requisites::from_gateway(Method::Sberpay, &sberpay).unwrap(),
        Requisites::Sberpay {
            phone: Some(_),
            holder: None,
            ..
        }
    ));

    // What each method cannot do without.
    assert_eq!(
        Requisites::from_gateway(Method::CardForm, &sbp),
        Err(RequisitesError::MissingUrl)
    );
    assert_eq!(
        Requisites::from_gateway(Method::Sbp, &hosted),
        Err(RequisitesError::MissingRequisites)
    );
    assert!(matches!(
        Requisites::from_gateway(Method::CardTransfer, &sbp),
        Err(RequisitesError::InvalidNumber(_))
    ));
    assert!(matches!(
        Requisites::from_gateway(Method::Sbp, &card),
        Err(RequisitesError::InvalidPhone(_))
    ));
    let bad_url = response(json!({"url": "javascript://x"}));
    assert!(matches!(
        Requisites::from_gateway(Method::CardForm, &bad_url),
        Err(RequisitesError::InvalidUrl(_))
    ));
}
