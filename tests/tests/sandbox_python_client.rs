//! The real `sandbox` binary driven by a vendor-style Python client
//! (`tests/clients/vendor_client.py`, `cryptography`): `json.dumps` with its default
//! separators — spaces after `:` and `,` — signed and sent byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use sandbox_support::{merchant, python, start};
use serde_json::json;

#[test]
fn vendor_style_client_creates_queries_and_pays_out() {
    let m = merchant();
    let sb = start(&m, &[]);
    let services = [
        "payment_card_number_rub_hpp",
        "payment_card_rub_hpp",
        "payment_card_number_card",
        "payment_card_number_rub_card",
        "payment_card_sbp_rub_card",
        "payment_card_sberpay_rub_card",
        "virtual_account_rub_hpp",
        "virtual_account_rub_card",
    ];
    for (i, service) in services.into_iter().enumerate() {
        // The vendor sample's shape: amount as a JSON number, the service-specific extras.
        let params = json!({
            "amount": 500, "order_id": format!("py-{i}"), "service": service,
            "customer_ip": "127.0.0.1", "customer_user_id": "1",
            "customer_code": "sberbank", "customer_browser_user_agent": "Python",
            "notification_endpoint_url": "https://shop.test/notify",
            "success_redirect_url": "https://shop.test/ok", "fail_redirect_url": "https://shop.test/fail",
        });
        let (status, created, sent) = python(
            &sb,
            &m.account,
            &m.payment,
            "v1/payment",
            &params.to_string(),
            &[],
        );
        assert!(
            sent.contains("\"amount\": 500, "),
            "signed as json.dumps writes it: {sent}"
        );
        assert_eq!(status, 200, "{service}: {created}\n{}", sb.daemon.report());
        assert_eq!(created["payment_status"], "wait");
        let id = created["id"].as_u64().unwrap();
        let (status, by_id, _) = python(
            &sb,
            &m.account,
            &m.payment,
            "v1/payment/status",
            &json!({"id": id}).to_string(),
            &[],
        );
        assert_eq!(
            (status, &by_id["order_id"]),
            (200, &json!(format!("py-{i}")))
        );
        assert_eq!(by_id["service_code"], service);
        let (status, by_order, _) = python(
            &sb,
            &m.account,
            &m.payment,
            "v1/payment/status",
            &json!({"order_id": format!("py-{i}")}).to_string(),
            &[],
        );
        assert_eq!((status, by_order["id"].as_u64()), (200, Some(id)));
    }
    let (status, payout, _) = python(
        &sb,
        &m.account,
        &m.payout,
        "v1/payout",
        &json!({
        "amount": "3000.00", "order_id": "py-payout", "service": "payment_card_sbp_rub",
        "number": "79031112233", "customer_code": "100000000111"})
        .to_string(),
        &[],
    );
    assert_eq!(
        (status, &payout["payment_status"]),
        (200, &json!("wait")),
        "{payout}"
    );
    let (status, payout, _) = python(
        &sb,
        &m.account,
        &m.payout,
        "v1/payout",
        &json!({
        "amount": "10.00", "order_id": "py-payout-acc", "service": "virtual_account_rub",
        "number": "40817810099910004312", "customer_code": "100000000111", "bik_bank": "044525225"})
        .to_string(),
        &[],
    );
    assert_eq!(status, 200, "{payout}");
    let (status, balance, sent) =
        python(&sb, &m.account, &m.payout, "v1/account/balance", "[]", &[]);
    assert_eq!(sent, "[]");
    assert_eq!(status, 200);
    assert_eq!(balance["pending_payouts"], "3010.00000000");
    let (status, info, _) = python(&sb, &m.account, &m.payout, "v1/account/info", "[]", &[]);
    assert_eq!(status, 200);
    assert_eq!(info["is_allowed_payout"], true);
    let (status, history, _) = python(
        &sb,
        &m.account,
        &m.payment,
        "v1/payment/history",
        r#"{"page": 1, "paginate": 3}"#,
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(history["meta"]["total"], 8);
    assert_eq!(history["data"].as_array().unwrap().len(), 3);
    assert_eq!(history["data"][0]["amount"], "500.000000000");
}

#[test]
fn vendor_style_client_gets_401_for_tampering_wrong_key_and_digest() {
    let m = merchant();
    let sb = start(&m, &[]);
    let params =
        json!({"amount": 100, "order_id": "py-401", "service": "payment_card_sbp_rub_card",
        "customer_ip": "127.0.0.1", "customer_user_id": "1"})
        .to_string();
    let (status, body, _) = python(
        &sb,
        &m.account,
        &m.payment,
        "v1/payment",
        &params,
        &["--tamper"],
    );
    assert_eq!(
        (status, body),
        (401, json!({"message": "Unauthenticated."}))
    );
    let (status, body, _) = python(&sb, &m.account, &m.payout, "v1/payment", &params, &[]);
    assert_eq!(status, 401);
    assert!(
        body["hint"].as_str().unwrap().contains("payout key"),
        "{body}"
    );
    let (status, body, _) = python(
        &sb,
        &m.account,
        &m.payment,
        "v1/payment",
        &params,
        &["--digest", "sha256"],
    );
    assert_eq!(status, 401);
    assert_eq!(
        body["hint"],
        "the signature verifies with SHA-256 but this gateway expects SHA-1"
    );

    // The vendor's SHA-256 samples work against a sandbox that accepts either digest.
    let lenient = start(&m, &["--digest", "any"]);
    let (status, created, _) = python(
        &lenient,
        &m.account,
        &m.payment,
        "v1/payment",
        &params,
        &["--digest", "sha256"],
    );
    assert_eq!(status, 200, "{created}");
}
