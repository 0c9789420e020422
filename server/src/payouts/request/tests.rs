#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;

fn body(value: serde_json::Value) -> PayoutBody {
    serde_json::from_value(value).unwrap()
}

fn sbp() -> serde_json::Value {
    json!({"kind": "sbp", "amount": "1500.00", "phone": "79031112233",
           "bank_member_id": "100000000111"})
}

fn account() -> serde_json::Value {
    json!({"kind": "account", "amount": "250.50", "account": "40817810099910004312",
           "bic": "044525225"})
}

#[test]
fn valid_bodies_become_typed_requests() {
    let r = body(sbp()).validate().unwrap();
    assert_eq!(r.amount.kopecks(), 150_000);
    assert_eq!(r.recipient.kind(), PayoutKind::Sbp);
    let r = body(account()).validate().unwrap();
    match r.recipient {
        Recipient::Account {
            account,
            bic,
            bank,
            holder,
        } => {
            assert_eq!(account.as_str(), "40817810099910004312");
            assert_eq!(bic.as_str(), "044525225");
            assert_eq!((bank, holder), (None, None));
        }
        other => panic!("{other:?}"),
    }
}

/// Every invalid input names its field, with all problems of a body reported at once.
#[test]
fn invalid_inputs_are_refused_by_field() {
    let cases: Vec<(serde_json::Value, &[&str])> = vec![
        (json!({}), &["amount", "kind"]),
        (json!({"kind": "card", "amount": "1"}), &["kind"]),
        (
            json!({"kind": "sbp", "amount": "1500.00"}),
            &["bank_member_id", "phone"],
        ),
        (
            json!({"kind": "sbp", "amount": "0", "phone": "8903", "bank_member_id": "12"}),
            &["amount", "bank_member_id", "phone"],
        ),
        (
            json!({"kind": "sbp", "amount": "1.005", "phone": "79031112233",
                   "bank_member_id": "100000000111"}),
            &["amount"],
        ),
        (
            json!({"kind": "sbp", "amount": "-5", "phone": "79031112233",
                   "bank_member_id": "100000000111"}),
            &["amount"],
        ),
        (
            json!({"kind": "sbp", "amount": "1", "phone": "79031112233",
                   "bank_member_id": "100000000111", "bic": "044525225"}),
            &["bic"],
        ),
        (
            json!({"kind": "account", "amount": "1"}),
            &["account", "bic"],
        ),
        (
            json!({"kind": "account", "amount": "1", "account": "4081781009991000431",
                   "bic": "04452522X"}),
            &["account", "bic"],
        ),
        (
            json!({"kind": "account", "amount": "1", "account": "40817810099910004312",
                   "bic": "044525225", "phone": "79031112233", "holder": ""}),
            &["holder", "phone"],
        ),
        (
            json!({"kind": "account", "amount": "1", "account": "40817810099910004312",
                   "bic": "044525225", "bank": "no such bank!"}),
            &["bank"],
        ),
        (
            json!({"kind": "sbp", "amount": "1", "phone": "79031112233",
                   "bank_member_id": "100000000111", "order_id": "", "description": "x".repeat(129)}),
            &["description", "order_id"],
        ),
    ];
    for (value, fields) in cases {
        let errors = body(value.clone()).validate().unwrap_err();
        let got: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(got, fields, "{value}: {errors:?}");
        assert!(errors.values().flatten().all(|m| !m.is_empty()));
    }
}

#[test]
fn unknown_fields_are_refused() {
    assert!(serde_json::from_value::<PayoutBody>(json!({"kind": "sbp", "amont": "1"})).is_err());
}

#[test]
fn the_hash_is_over_the_normalised_request() {
    let a = body(sbp()).validate().unwrap().hash();
    let same = body(
        json!({"kind": "sbp", "amount": 1500, "phone": "+7 (903) 111-22-33",
                           "bank_member_id": "100000000111"}),
    )
    .validate()
    .unwrap()
    .hash();
    assert_eq!(a, same);
    assert_eq!(a.len(), 64);
    let other_amount = body(
        json!({"kind": "sbp", "amount": "1500.01", "phone": "79031112233",
                                   "bank_member_id": "100000000111"}),
    )
    .validate()
    .unwrap()
    .hash();
    assert_ne!(a, other_amount);
    let with_reference = body(
        json!({"kind": "sbp", "amount": "1500.00", "phone": "79031112233",
                                     "bank_member_id": "100000000111", "order_id": "R-1"}),
    )
    .validate()
    .unwrap()
    .hash();
    assert_ne!(a, with_reference);
    // The same digits in another field are another request.
    assert_ne!(
        body(account()).validate().unwrap().hash(),
        body(
            json!({"kind": "account", "amount": "250.50", "account": "40817810099910004312",
                    "bic": "044525225", "holder": "I. Ivanov"})
        )
        .validate()
        .unwrap()
        .hash()
    );
}

#[test]
fn idempotency_keys_are_printable_and_bounded() {
    assert_eq!(IdempotencyKey::parse(b"k-1").unwrap().as_str(), "k-1");
    assert!(IdempotencyKey::parse(&[b'a'; 255]).is_ok());
    for bad in [
        &b""[..],
        b"   ",
        &[b'a'; 256],
        b"a\tb",
        b"\xd0\xb9",
        b"a\x7f",
    ] {
        assert_eq!(
            IdempotencyKey::parse(bad),
            Err(IdempotencyKeyError::Invalid),
            "{bad:?}"
        );
    }
}
