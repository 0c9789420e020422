#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OpenAPI snapshot (exact; `UPDATE_SNAPSHOTS=1` rewrites it) and the conformance of real
//! `shared` values to the documented schemas.

use std::path::PathBuf;

use serde_json::{Value, json};
use shared::api::{
    ApiErrorBody, AttemptState, CheckoutView, CreateSessionRequest, Locale, PayAnswer,
    PaymentAttempt, Requisites, SessionCreated, SessionDetails, SessionList, StatusChange,
    StatusSource, StatusUpdate,
};
use shared::{
    AccountNumber, Amount, Bic, CardNumber, FieldErrors, GatewayPaymentId, HttpUrl, Method,
    OrderId, PaymentStatus, Phone, SessionStatus,
};
use time::macros::datetime;

use super::json;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

#[test]
fn openapi_matches_the_snapshot() {
    let current = json();
    let path = snapshot_path();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, format!("{current}\n")).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_SNAPSHOTS=1", path.display()));
    assert_eq!(
        stored.trim_end(),
        current,
        "the OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1"
    );
}

/// Checks `value` against `schema` of `doc`: every key documented, every required key present,
/// recursively (through `$ref`, `oneOf`, arrays, maps).
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|o| conforms(doc, o, value, at).err())
                .collect();
            return if errors.len() < options.len() {
                Ok(())
            } else {
                Err(format!("{at}: matches no alternative: {errors:?}"))
            };
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        return all.iter().try_for_each(|s| conforms(doc, s, value, at));
    }
    if value.is_null() {
        let nullable = schema["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "null"))
            || schema["type"] == "null";
        return if nullable {
            Ok(())
        } else {
            Err(format!("{at}: null where the schema has none"))
        };
    }
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, v) in map {
                    let property = properties
                        .get(key)
                        .ok_or_else(|| format!("{at}.{key}: not documented"))?;
                    conforms(doc, property, v, &format!("{at}.{key}"))?;
                }
                for required in schema["required"].as_array().into_iter().flatten() {
                    let key = required.as_str().unwrap_or_default();
                    if !map.contains_key(key) {
                        return Err(format!("{at}.{key}: required but absent"));
                    }
                }
            } else if let Some(values) = schema.get("additionalProperties") {
                for (key, v) in map {
                    conforms(doc, values, v, &format!("{at}.{key}"))?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| conforms(doc, &schema["items"], v, &format!("{at}[{i}]"))),
        Value::String(s) => match schema.get("enum").and_then(Value::as_array) {
            Some(options) if !options.iter().any(|o| o == s) => {
                Err(format!("{at}: {s:?} is not one of {options:?}"))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn samples() -> Vec<(&'static str, Value)> {
    let t = datetime!(2026-11-27 12:00:00 UTC);
    let id = GatewayPaymentId::new(100_000_001).unwrap();
    let url = HttpUrl::parse("https://pay.example/x").unwrap();
    let kinds = vec![
        Requisites::Card {
            card_number: CardNumber::parse("2200123412341234").unwrap(),
            holder: Some("Ivan P.".into()),
            bank: Some("Sber".into()),
        },
        Requisites::Phone {
            phone: Phone::parse("79990001122").unwrap(),
            holder: None,
            bank: None,
        },
        Requisites::Account {
            account: AccountNumber::parse("40817810099910004312").unwrap(),
            bic: Some(Bic::parse("044525225").unwrap()),
            holder: Some("Ivan P.".into()),
            bank: Some("Sber".into()),
        },
        Requisites::Redirect { url: url.clone() },
        Requisites::Sberpay {
            url: url.clone(),
            phone: Some(Phone::parse("79990001122").unwrap()),
            holder: None,
        },
    ];
    let answer = |requisites: Requisites| PayAnswer {
        method: Method::Sbp,
        requisites,
        amount: Amount::parse("1500.00").unwrap(),
        expires_at: t,
        server_time: t,
        status: SessionStatus::Pending,
        gateway_payment_id: Some(id),
    };
    let token =
        shared::api::SessionToken::parse("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde").unwrap();
    let sid = shared::api::SessionId::from(uuid::Uuid::nil());
    let mut request = CreateSessionRequest::new(
        OrderId::parse("A-1").unwrap(),
        Amount::parse("10.00").unwrap(),
        shared::CustomerUserId::parse("u").unwrap(),
    );
    request.methods = Some(vec![Method::Sbp]);
    request.locale = Some(Locale::En);
    request.success_url = Some(url.clone());
    request.metadata = Some(serde_json::from_value(json!({"cart": 7})).unwrap());
    let details = SessionDetails {
        id: sid,
        token: token.clone(),
        order_id: OrderId::parse("A-1").unwrap(),
        amount: Amount::parse("10.00").unwrap(),
        customer_user_id: shared::CustomerUserId::parse("u").unwrap(),
        status: SessionStatus::Paid,
        paid_amount: Some(Amount::parse("20.00").unwrap()),
        overpaid_amount: Some(Amount::parse("10.00").unwrap()),
        needs_attention: true,
        livemode: false,
        methods: vec![Method::Sbp],
        method: Some(Method::Sbp),
        gateway_payment_id: Some(id),
        payment_status: Some(PaymentStatus::Paid),
        description: None,
        hosted_url: url.clone(),
        metadata: request.metadata.clone(),
        created_at: t,
        updated_at: t,
        expires_at: t,
        requisites: Some(kinds[1].clone()),
        attempts: vec![PaymentAttempt {
            number: 1,
            method: Method::Sbp,
            gateway_order_id: OrderId::parse("A-1-1").unwrap(),
            state: AttemptState::Created,
            gateway_payment_id: Some(id),
            payment_status: Some(PaymentStatus::Paid),
            paid_amount: Some(Amount::parse("10.00").unwrap()),
            created_at: t,
        }],
        history: vec![StatusChange {
            status: SessionStatus::Paid,
            payment_status: Some(PaymentStatus::Paid),
            gateway_payment_id: Some(id),
            source: StatusSource::Notification,
            detail: Some("x".into()),
            at: t,
        }],
    };
    let mut details_json = serde_json::to_value(&details).unwrap();
    details_json["description"] = Value::Null;
    let mut out: Vec<(&'static str, Value)> = kinds
        .into_iter()
        .map(|r| ("PayAnswer", serde_json::to_value(answer(r)).unwrap()))
        .collect();
    let view = CheckoutView {
        order_id: OrderId::parse("A-1").unwrap(),
        amount: Amount::parse("10.00").unwrap(),
        description: None,
        methods: Method::ALL.to_vec(),
        status: SessionStatus::Underpaid,
        paid_amount: Some(Amount::parse("1.00").unwrap()),
        locale: Locale::Ru,
        merchant_name: "Shop".into(),
        expires_at: t,
        server_time: t,
        test_mode: true,
        payment: Some(answer(Requisites::Redirect { url: url.clone() })),
        success_url: Some(url.clone()),
        fail_url: None,
    };
    let mut errors = FieldErrors::new();
    errors.insert("amount".into(), vec!["bad".into()]);
    out.extend([
        ("CheckoutView", serde_json::to_value(&view).unwrap()),
        (
            "CreateSessionRequest",
            serde_json::to_value(&request).unwrap(),
        ),
        ("SessionDetails", details_json),
        (
            "SessionList",
            serde_json::to_value(SessionList {
                items: vec![details],
                next_cursor: Some("c".into()),
            })
            .unwrap(),
        ),
        (
            "SessionCreated",
            serde_json::to_value(SessionCreated {
                id: sid,
                token,
                hosted_url: url,
                status: SessionStatus::Open,
                expires_at: t,
            })
            .unwrap(),
        ),
        (
            "StatusUpdate",
            serde_json::to_value(StatusUpdate {
                status: SessionStatus::Underpaid,
                payment_status: Some(PaymentStatus::Paid),
                paid_amount: Some(Amount::parse("1.00").unwrap()),
                updated_at: t,
            })
            .unwrap(),
        ),
        (
            "ApiErrorBody",
            serde_json::to_value(ApiErrorBody::new("invalid_request", "m").with_details(errors))
                .unwrap(),
        ),
        ("PayRequest", json!({"method": "sberpay"})),
    ]);
    out
}

#[test]
fn real_values_conform_to_the_documented_schemas() {
    let doc: Value = serde_json::from_str(&json()).unwrap();
    for (name, value) in samples() {
        let schema = &doc["components"]["schemas"][name];
        assert!(schema.is_object(), "no schema {name}");
        conforms(&doc, schema, &value, name).unwrap_or_else(|e| panic!("{e}\n{value:#}"));
    }
    // The checker itself can fail.
    let bad = json!({"status": "open", "updated_at": "x", "surprise": 1});
    assert!(
        conforms(
            &doc,
            &doc["components"]["schemas"]["StatusUpdate"],
            &bad,
            "x"
        )
        .is_err()
    );
    let bad = json!({"status": "done", "updated_at": "x"});
    assert!(
        conforms(
            &doc,
            &doc["components"]["schemas"]["StatusUpdate"],
            &bad,
            "x"
        )
        .is_err()
    );
}

#[test]
fn every_error_code_is_documented_somewhere() {
    let doc = json();
    for code in crate::error::ApiError::CODES {
        let documented = doc.contains(&format!("`{code}`"))
            || [
                "internal",
                "request_timeout",
                "payload_too_large",
                "invalid_json",
                "unsupported_media_type",
                "not_found",
                "method_not_allowed",
                "invalid_query",
            ]
            .contains(&code);
        assert!(documented, "{code}");
    }
}

#[test]
fn the_payout_refresh_route_and_the_unknown_status_are_documented() {
    let doc: Value = serde_json::from_str(&json()).unwrap();
    let refresh = &doc["paths"]["/api/v1/payouts/{id}/refresh"]["post"];
    assert!(refresh.is_object(), "{:#}", doc["paths"]);
    assert_eq!(refresh["security"][0]["api_key"], json!([]));
    assert_eq!(
        refresh["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PayoutView"
    );
    for status in ["404", "502", "504"] {
        assert!(refresh["responses"][status].is_object(), "{status}");
    }
    let statuses = &doc["components"]["schemas"]["PayoutStatus"];
    let unknown = json!("unknown");
    let documented = statuses["enum"]
        .as_array()
        .into_iter()
        .chain(statuses["oneOf"].as_array())
        .flatten()
        .any(|s| *s == unknown || s["enum"].as_array().is_some_and(|e| e.contains(&unknown)));
    assert!(documented, "{statuses:#}");
}
