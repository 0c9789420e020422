#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every missing / bad / tampered input, and every accepted transport shape.

use std::sync::OnceLock;

use super::*;
use crate::signing::GeneratedKeys;
use crate::signing::signed_text::{NotificationVariant, json_body_text, notification_text};

fn gateway_key() -> &'static GeneratedKeys {
    static KEY: OnceLock<GeneratedKeys> = OnceLock::new();
    KEY.get_or_init(|| GeneratedKeys::generate(2048).unwrap())
}

fn verifier() -> NotificationVerifier {
    NotificationVerifier::new(gateway_key().public_key().unwrap())
}

fn fields() -> Vec<(String, String)> {
    [
        ("type", "payment"),
        ("id", "100000123"),
        ("order_id", "A-7/1-1"),
        ("payment_status", "paid"),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("commission_amount", "45.00"),
        ("is_partial_payment", "0"),
        ("account", "0d6c5a7e-1b2c-4d3e-8f9a-0b1c2d3e4f50"),
        ("service", "payment_card_sbp_rub_card"),
        ("desc", "Заказ"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn signed(fields: &[(String, String)], digest: Digest) -> Vec<(String, String)> {
    let text = notification_text(fields, NotificationVariant::Documented);
    let sign = gateway_key()
        .private_key()
        .sign(text.as_bytes(), digest)
        .unwrap();
    let mut out = fields.to_vec();
    out.push(("sign".into(), sign));
    out
}

fn raw(fields: Vec<(String, String)>) -> RawNotification {
    RawNotification {
        fields,
        json_body: None,
    }
}

#[test]
fn documented_get_notification_verifies_with_either_digest() {
    for digest in Digest::ALL {
        let v = verifier().verify(&raw(signed(&fields(), digest))).unwrap();
        assert_eq!(v.id.get(), 100_000_123);
        assert_eq!(v.status, PaymentStatus::Paid);
        assert_eq!(v.order_id.unwrap().as_str(), "A-7/1-1");
        assert_eq!(v.paid_amount, Some(Money::from_kopecks(150_000)));
        assert_eq!(v.partial, Some(false));
        assert_eq!(v.digest, digest);
        assert_eq!(v.variant, "a:documented");
    }
}

#[test]
fn a_plus_that_arrived_as_a_space_still_verifies() {
    // Find a signature with a '+' (about 3 in 4 of 344-character base64 strings have one).
    let mut f = fields();
    for n in 0..50 {
        f[1].1 = format!("{}", 100_000_000 + n);
        let mut s = signed(&f, Digest::Sha1);
        let sign = s.last().unwrap().1.clone();
        if sign.contains('+') {
            s.last_mut().unwrap().1 = sign.replace('+', " ");
            assert!(verifier().verify(&raw(s)).is_ok());
            return;
        }
    }
    panic!("no signature with '+' in 50 tries");
}

#[test]
fn tampered_forged_and_unsigned_notifications_are_refused() {
    // Tampered: any signed field changed.
    for field in [
        "id",
        "payment_status",
        "amount",
        "payment_amount",
        "order_id",
        "account",
    ] {
        let mut s = signed(&fields(), Digest::Sha1);
        let entry = s.iter_mut().find(|(k, _)| k == field).unwrap();
        entry.1 = if field == "payment_status" {
            "cancel".into()
        } else {
            format!("{}9", entry.1)
        };
        assert!(
            matches!(
                verifier().verify(&raw(s)),
                Err(NotifyError::BadSignature { .. })
            ),
            "{field}"
        );
    }
    // Forged: signed by another key.
    let other = GeneratedKeys::generate(2048).unwrap();
    let text = notification_text(&fields(), NotificationVariant::Documented);
    let mut forged = fields();
    forged.push((
        "sign".into(),
        other
            .private_key()
            .sign(text.as_bytes(), Digest::Sha1)
            .unwrap(),
    ));
    assert!(matches!(
        verifier().verify(&raw(forged)),
        Err(NotifyError::BadSignature { .. })
    ));
    // Garbage and missing signatures.
    let mut garbage = fields();
    garbage.push(("sign".into(), "not base64!".into()));
    assert!(matches!(
        verifier().verify(&raw(garbage)),
        Err(NotifyError::BadSignature { .. })
    ));
    assert_eq!(
        verifier().verify(&raw(fields())),
        Err(NotifyError::MissingSign)
    );
    let mut empty = fields();
    empty.push(("sign".into(), " ".into()));
    assert_eq!(
        verifier().verify(&raw(empty)),
        Err(NotifyError::MissingSign)
    );
}

#[test]
fn json_body_signed_as_a_whole_verifies() {
    let body = br#"{"type":"payment","id":100000124,"order_id":"A-2-1","payment_status":"fail","amount":"10.00","is_partial_payment":false}"#;
    let text = json_body_text(body, Default::default()).unwrap();
    let sign = gateway_key()
        .private_key()
        .sign(text.as_bytes(), Digest::Sha256)
        .unwrap();
    // The signed key order is kept: `sign` is appended as a sender would.
    let text = String::from_utf8(body.to_vec()).unwrap();
    let body = format!("{},\"sign\":\"{sign}\"}}", text.trim_end_matches('}')).into_bytes();
    let v = verifier()
        .verify(&RawNotification {
            fields: json_fields(&body).unwrap(),
            json_body: Some(body),
        })
        .unwrap();
    assert_eq!(v.status, PaymentStatus::Fail);
    assert_eq!(v.variant, "d:json_body");
}

#[test]
fn verified_but_unusable_is_its_own_error() {
    let mut f = fields();
    f.retain(|(k, _)| k != "payment_status");
    assert!(matches!(
        verifier().verify(&raw(signed(&f, Digest::Sha1))),
        Err(NotifyError::Invalid(_))
    ));
}

#[test]
fn the_same_content_has_the_same_dedupe_key() {
    let a = verifier()
        .verify(&raw(signed(&fields(), Digest::Sha1)))
        .unwrap();
    let b = verifier()
        .verify(&raw(signed(&fields(), Digest::Sha1)))
        .unwrap();
    assert_eq!(a.dedupe_key, b.dedupe_key);
    let mut f = fields();
    f[3].1 = "cancel".into();
    let c = verifier().verify(&raw(signed(&f, Digest::Sha1))).unwrap();
    assert_ne!(a.dedupe_key, c.dedupe_key);
}

/// The text of a success/fail redirect signed with the notification key (§4.5), as a buyer
/// gets it from the sandbox's redirect form by cancelling.
fn redirect_sign(order_id: &str, uuid: &str) -> String {
    let pairs = vec![
        ("order_id".to_owned(), order_id.to_owned()),
        ("uuid".to_owned(), uuid.to_owned()),
    ];
    let text = crate::signing::signed_text::redirect_text(&pairs);
    gateway_key()
        .private_key()
        .sign(text.as_bytes(), Digest::Sha1)
        .unwrap()
}

#[test]
fn a_redirect_signature_is_never_a_notification() {
    let uuid = "9b1d2c3e-4f50-4a6b-8c7d-0e1f2a3b4c5d";
    let sign = redirect_sign("A-7/1-1", uuid);
    let body = serde_json::json!({"order_id": "A-7/1-1", "uuid": uuid, "sign": sign})
        .to_string()
        .into_bytes();
    // As the webhook reads it (the body alone), and as a merging reader would have: the
    // body's fields plus unsigned `type`, `id`, `payment_status` from the query.
    let mut merged = vec![
        ("type".to_owned(), "payment".to_owned()),
        ("id".to_owned(), "100000123".to_owned()),
        ("payment_status".to_owned(), "paid".to_owned()),
        ("payment_amount".to_owned(), "1500.00".to_owned()),
    ];
    merged.extend(json_fields(&body).unwrap());
    for fields in [json_fields(&body).unwrap(), merged.clone()] {
        let refused = verifier().verify(&RawNotification {
            fields,
            json_body: Some(body.clone()),
        });
        assert!(
            matches!(refused, Err(NotifyError::BadSignature { .. })),
            "{refused:?}"
        );
    }
    // Nor as a query / form (no JSON body to re-encode).
    assert!(matches!(
        verifier().verify(&raw(merged)),
        Err(NotifyError::BadSignature { .. })
    ));
}

#[test]
fn a_json_body_is_read_alone_whatever_else_was_received() {
    let body = br#"{"type":"payment","id":100000124,"order_id":"A-2-1","payment_status":"wait"}"#;
    let text = json_body_text(body, Default::default()).unwrap();
    let sign = gateway_key()
        .private_key()
        .sign(text.as_bytes(), Digest::Sha1)
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let body = format!("{},\"sign\":\"{sign}\"}}", text.trim_end_matches('}')).into_bytes();
    let mut fields = json_fields(&body).unwrap();
    fields.push(("payment_status".into(), "paid".into()));
    fields.push(("id".into(), "999".into()));
    let v = verifier()
        .verify(&RawNotification {
            fields,
            json_body: Some(body),
        })
        .unwrap();
    assert_eq!(v.status, PaymentStatus::Wait, "the signed value wins");
    assert_eq!(v.id.get(), 100_000_124);
}

#[test]
fn a_json_body_without_the_notification_fields_is_not_tried_as_whole() {
    // Signed as a whole, but lacking `type`: not a notification.
    let body = br#"{"id":100000124,"order_id":"A-2-1","payment_status":"paid"}"#;
    let text = json_body_text(body, Default::default()).unwrap();
    let sign = gateway_key()
        .private_key()
        .sign(text.as_bytes(), Digest::Sha1)
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let body = format!("{},\"sign\":\"{sign}\"}}", text.trim_end_matches('}')).into_bytes();
    let refused = verifier().verify(&RawNotification {
        fields: json_fields(&body).unwrap(),
        json_body: Some(body),
    });
    assert!(
        matches!(refused, Err(NotifyError::BadSignature { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_present_but_malformed_account_is_refused_not_ignored() {
    let mut f = fields();
    f.iter_mut().find(|(k, _)| k == "account").unwrap().1 = "not-a-uuid".into();
    assert!(matches!(
        verifier().verify(&raw(signed(&f, Digest::Sha1))),
        Err(NotifyError::Invalid(_))
    ));
    // Absent (or empty) is "not said": accepted, the account check has nothing to compare.
    f.iter_mut().find(|(k, _)| k == "account").unwrap().1 = String::new();
    let v = verifier().verify(&raw(signed(&f, Digest::Sha1))).unwrap();
    assert_eq!(v.account, None);
}
