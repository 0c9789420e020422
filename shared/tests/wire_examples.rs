#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every JSON example of alikassa-api.md (and bodies built from its documented values)
//! round-trips through the gateway wire types: parse, serialize, parse again, compare.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::gateway::{
    BalanceResponse, HistoryRequest, HistoryResponse, InfoResponse, Notification, NotificationType,
    PaymentCreateRequest, PaymentCreateResponse, PaymentKind, PaymentStatusResponse,
    PayoutCreateRequest, PayoutCreateResponse, PayoutStatusResponse, PayoutTarget, StatusRequest,
    UnauthenticatedBody, ValidationErrorBody,
};
use shared::{Money, PaymentStatus, PayoutKind};

/// Parses `json`, writes it back, parses that again and checks both parses agree.
fn round_trip<T>(json: &str) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let first: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("parse {json}: {e}"));
    let written = serde_json::to_string(&first).unwrap();
    let second: T =
        serde_json::from_str(&written).unwrap_or_else(|e| panic!("re-parse {written}: {e}"));
    assert_eq!(first, second, "written as {written}");
    first
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn sbp_create_response_from_section_2_1() {
    let r: PaymentCreateResponse = round_trip(
        r#"{"url":null,"payment_status":"wait","id":200000017,"uuid":"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
 "success_redirect_url":null,"cardNumber":"79990001122","cardHolderName":"Ivan Ivanovich P."}"#,
    );
    assert_eq!(r.url, None);
    assert_eq!(r.payment_status, PaymentStatus::Wait);
    assert_eq!(r.id.get(), 200_000_017);
    assert_eq!(r.card_number.as_deref(), Some("79990001122"));
    assert_eq!(r.card_holder_name.as_deref(), Some("Ivan Ivanovich P."));
    let v = to_value(&r);
    assert_eq!(v["cardNumber"], "79990001122");
    assert_eq!(v["uuid"], "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f");
}

#[test]
fn hosted_form_create_response_ignores_unknown_fields() {
    let r: PaymentCreateResponse = round_trip(
        r#"{"url":"https://pay-merchant.alikassa.com/0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
            "payment_status":"wait","id":"108465371","uuid":"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
            "success_redirect_url":"https://shop.example.ru/ok","bank":"Sber","something_new":{"x":1}}"#,
    );
    assert_eq!(r.id.get(), 108_465_371);
    assert_eq!(r.bank.as_deref(), Some("Sber"));
    assert_eq!(r.card_number, None);
}

#[test]
fn vendor_style_create_request_with_numeric_amount() {
    let r: PaymentCreateRequest = round_trip(
        r#"{"amount":500,"order_id":"1730980738","service":"payment_card_number_card",
            "customer_ip":"203.0.113.7","customer_user_id":"user-42",
            "notification_endpoint_id":"1146",
            "notification_endpoint_url":"https://shop.example.ru/webhooks/alikassa",
            "customer_browser_user_agent":"Mozilla/5.0 (X11; Linux x86_64)",
            "customer_code":"100000000111","lifetime":900,"desc":"Order 1730980738",
            "customer_email":"ignored@example.ru"}"#,
    );
    assert_eq!(r.amount.kopecks(), 50_000);
    assert_eq!(r.notification_endpoint_id, Some(1146));
    let v = to_value(&r);
    assert_eq!(
        v["amount"], "500.00",
        "amounts are written as exact strings"
    );
    assert_eq!(v["lifetime"], 900);
    assert_eq!(v["customer_code"], "100000000111");
    assert!(
        v.get("success_redirect_url").is_none(),
        "absent optionals are skipped"
    );
    assert!(matches!(r.kind(), Ok(PaymentKind::CardTransfer { .. })));
}

#[test]
fn create_request_built_by_constructor() {
    let req = PaymentCreateRequest::new(
        PaymentKind::Sbp {
            customer_code: Some("100000000111".parse().unwrap()),
        },
        "1500.5".parse().unwrap(),
        "A-1".parse().unwrap(),
        "2001:db8::1".parse().unwrap(),
        "u1".parse().unwrap(),
    )
    .with_lifetime(shared::LifetimeSecs::new(1800).unwrap())
    .with_notification_url("https://shop.example.ru/cb".parse().unwrap());
    let json = serde_json::to_string(&req).unwrap();
    assert_eq!(
        json,
        r#"{"amount":"1500.50","order_id":"A-1","service":"payment_card_sbp_rub_card","customer_ip":"2001:db8::1","customer_user_id":"u1","notification_endpoint_url":"https://shop.example.ru/cb","lifetime":1800,"customer_code":"100000000111"}"#
    );
    let back: PaymentCreateRequest = round_trip(&json);
    assert_eq!(back, req);
}

#[test]
fn payment_status_response_with_documented_values() {
    let r: PaymentStatusResponse = round_trip(
        r#"{"order_id":"1730980738","id":108465371,"url":null,"payment_status":"paid",
            "card_mask":"220220******1234","amount":"300.00","payment_amount":"300.00",
            "is_partial_payment":false,"hold_amount":"","hold_at":null,
            "account_payment_amount":"290","commission_amount":10,
            "service_code":"payment_card_sbp_rub_card",
            "account_old_balance":"93.84000000","account_new_balance":"383.84000000"}"#,
    );
    assert_eq!(r.amount, Some(Money::from_kopecks(30_000)));
    assert_eq!(r.account_payment_amount, Some(Money::from_kopecks(29_000)));
    assert_eq!(r.commission_amount, Some(Money::from_kopecks(1_000)));
    assert_eq!(r.hold_amount, None, "empty string reads as absent");
    assert_eq!(r.is_partial_payment, Some(false));
    assert_eq!(to_value(&r)["account_payment_amount"], "290.00");
}

#[test]
fn payout_status_response_with_rrn() {
    let r: PayoutStatusResponse = round_trip(
        r#"{"order_id":"payout-7","id":110586876,"payment_status":"paid","card_mask":null,
            "amount":"300.00","payment_amount":"300.00","is_partial_payment":false,
            "account_payment_amount":"290","commission_amount":"10.00",
            "service_code":"payment_card_sbp_rub","RRN":"123456789012",
            "account_old_balance":"1000.00000000","account_new_balance":"700.00000000"}"#,
    );
    assert_eq!(r.rrn.as_deref(), Some("123456789012"));
    assert_eq!(r.account_new_balance, Some(Money::from_kopecks(70_000)));
    assert_eq!(to_value(&r)["RRN"], "123456789012");
}

#[test]
fn balance_with_eight_decimals() {
    let r: BalanceResponse = round_trip(
        r#"{"currency":"RUB","balance":"93.84000000","hold":"0.00000000",
            "rolling_reserve":"0.00000000","pending_payouts":"-5.00000000"}"#,
    );
    assert_eq!(r.balance.to_string(), "93.84");
    assert_eq!(r.pending_payouts, Some(Money::from_kopecks(-500)));
    assert_eq!(to_value(&r)["balance"], "93.84");
}

#[test]
fn history_page_with_nine_decimals_and_null_commission() {
    let r: HistoryResponse = round_trip(
        r#"{"data":[
            {"created_at":"2024-11-07 14:05:38","id":100000536,"order_id":"1730980738",
             "amount":"5000.000000000","commission_amount":null,"currency":"RUB","status":"fail"},
            {"created_at":"2024-11-07 14:07:02","id":100000537,"order_id":"1730980738",
             "amount":"5000.000000000","commission_amount":"150.000000000","currency":"RUB","status":"paid"}],
           "links":{"first":"https://api-merchant.alikassa.com/v1/payment/history?page=1",
                    "last":"https://api-merchant.alikassa.com/v1/payment/history?page=1",
                    "prev":null,"next":null},
           "meta":{"current_page":1,"from":1,"last_page":1,
                   "path":"https://api-merchant.alikassa.com/v1/payment/history",
                   "per_page":"15","to":2,"total":2}}"#,
    );
    assert_eq!(r.data.len(), 2);
    assert_eq!(r.data[0].amount, Money::from_kopecks(500_000));
    assert_eq!(r.data[0].commission_amount, None);
    assert_eq!(r.data[1].status, PaymentStatus::Paid);
    assert_eq!(r.meta.per_page, Some(15));
    assert_eq!(to_value(&r)["data"][0]["created_at"], "2024-11-07 14:05:38");
}

#[test]
fn history_request_dates() {
    let r: HistoryRequest =
        round_trip(r#"{"date_from":"2024-11-01","date_to":"2024-11-07","page":1,"paginate":15}"#);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"date_from":"2024-11-01","date_to":"2024-11-07","page":1,"paginate":15}"#
    );
    let empty: HistoryRequest = round_trip("{}");
    assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
}

#[test]
fn info_with_payment_card_service() {
    let r: InfoResponse = round_trip(
        r#"{"is_allowed_payment":true,"is_allowed_payout":1,
            "payments":[{"method":"payment_card","currency":"RUB",
                         "service_code":"payment_card_rub_hpp","status":"active"}],
            "payouts":[]}"#,
    );
    assert!(r.payment_service_active("payment_card_rub_hpp"));
    assert!(!r.payment_service_active("payment_card_sbp_rub_card"));
    assert_eq!(r.is_allowed_payout, Some(true));
}

#[test]
fn payout_create_response() {
    let r: PayoutCreateResponse = round_trip(r#"{"payment_status":"wait","id":123}"#);
    assert_eq!(r.id.get(), 123);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"payment_status":"wait","id":123}"#
    );
}

#[test]
fn payout_requests_of_each_kind() {
    let sbp: PayoutCreateRequest = round_trip(
        r#"{"amount":"3000.00","order_id":"p-1","service":"payment_card_sbp_rub",
            "number":"79031112233","customer_code":"100000000111",
            "notification_endpoint_url":"https://shop.example.ru/cb"}"#,
    );
    assert_eq!(sbp.kind(), PayoutKind::Sbp);
    assert_eq!(
        serde_json::to_string(&sbp).unwrap(),
        r#"{"amount":"3000.00","order_id":"p-1","service":"payment_card_sbp_rub","number":"79031112233","customer_code":"100000000111","notification_endpoint_url":"https://shop.example.ru/cb"}"#
    );

    let account: PayoutCreateRequest = round_trip(
        r#"{"amount":"3000.00","order_id":"p-2","service":"virtual_account_rub",
            "number":"40817810000000000001","customer_code":"100000000111","bik_bank":"044525225"}"#,
    );
    assert!(matches!(account.target, PayoutTarget::Account { .. }));

    let card: PayoutCreateRequest = round_trip(
        r#"{"service":"payment_card_rub","number":"4111111111111111","amount":"1000.44",
            "order_id":"p-3","extra":{"card_exp_year":"27","card_exp_month":"09",
            "card_holder":"IVAN PETROV","card_country":"RU"}}"#,
    );
    assert_eq!(card.kind(), PayoutKind::Card);
    assert_eq!(to_value(&card)["extra"]["card_holder"], "IVAN PETROV");

    // An unknown (configured) service: the kind is inferred from the fields present.
    let custom: PayoutCreateRequest = round_trip(
        r#"{"amount":3000,"order_id":"p-4","service":"my_sbp","number":79031112233,
            "customer_code":"100000000111"}"#,
    );
    assert_eq!(custom.kind(), PayoutKind::Sbp);
    assert_eq!(custom.service, "my_sbp");
}

#[test]
fn status_requests() {
    let by_number: StatusRequest = round_trip(r#"{"id":108465371}"#);
    let by_string: StatusRequest = round_trip(r#"{"id":"108465371"}"#);
    assert_eq!(by_number, by_string);
    assert_eq!(
        serde_json::to_string(&by_string).unwrap(),
        r#"{"id":108465371}"#
    );
    let by_order: StatusRequest = round_trip(r#"{"order_id":"1730980738"}"#);
    assert_eq!(
        serde_json::to_string(&by_order).unwrap(),
        r#"{"order_id":"1730980738"}"#
    );
    assert!(serde_json::from_str::<StatusRequest>("{}").is_err());
    assert!(serde_json::from_str::<StatusRequest>(r#"{"id":1,"order_id":"a"}"#).is_err());
}

#[test]
fn validation_error_body_of_section_5() {
    let r: ValidationErrorBody = round_trip(
        r#"{"message":"The given data was invalid.","errors":{"order_id":["The order id has already been taken."],"amount":["The amount field is required."]}}"#,
    );
    assert_eq!(
        r.first("order_id"),
        Some("The order id has already been taken.")
    );
    // Field order is deterministic: sorted by name.
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"message":"The given data was invalid.","errors":{"amount":["The amount field is required."],"order_id":["The order id has already been taken."]}}"#
    );
    let mut built = ValidationErrorBody::new();
    built.add("amount", "The amount field is required.");
    assert_eq!(built.message, ValidationErrorBody::MESSAGE);
    assert!(!built.is_empty());
}

#[test]
fn unauthenticated_body() {
    let r: UnauthenticatedBody = round_trip(r#"{"message":"Unauthenticated."}"#);
    assert_eq!(r, UnauthenticatedBody::default());
}

#[test]
fn notification_from_query_values() {
    let n: Notification = round_trip(
        r#"{"type":"payment","id":"108465371","order_id":"1730980738","payment_status":"paid",
            "amount":"300.00","payment_amount":"300.00","commission_amount":"10.00",
            "is_partial_payment":"0","account":"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f",
            "service":"payment_card_sbp_rub_card","desc":"Order / №1","sign":"c2lnbg=="}"#,
    );
    assert_eq!(n.amount.as_deref(), Some("300.00"), "raw text kept");
    assert_eq!(n.notification_type().unwrap(), NotificationType::Payment);
    assert_eq!(n.gateway_id().unwrap().get(), 108_465_371);
    assert_eq!(n.status().unwrap(), PaymentStatus::Paid);
    assert_eq!(n.amount_money().unwrap(), Money::from_kopecks(30_000));
    assert_eq!(n.partial_payment().unwrap(), Some(false));
    assert_eq!(n.card_brand, None);
    assert!(n.account_uuid().is_ok());
}

#[test]
fn notification_from_json_body_keeps_scalars_as_text() {
    let n: Notification = round_trip(
        r#"{"type":"payout","id":110586876,"order_id":"p-1","payment_status":"fail",
            "amount":"3000.00","is_partial_payment":false,"commission_amount":null,
            "card_brand":"MIR","extra_field":"ignored"}"#,
    );
    assert_eq!(n.id.as_deref(), Some("110586876"));
    assert_eq!(n.is_partial_payment.as_deref(), Some("false"));
    assert_eq!(n.commission_amount, None);
    assert_eq!(n.partial_payment().unwrap(), Some(false));
    assert!(n.account_uuid().is_err());
}
