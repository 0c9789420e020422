#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests for the parsers.

use proptest::prelude::*;
use shared::api::{CreateSessionRequest, SessionToken};
use shared::gateway::{
    Notification, PaymentCreateRequest, PaymentStatusResponse, PayoutCreateRequest, StatusRequest,
};
use shared::{
    AccountNumber, AccountUuid, Amount, AmountError, BankCode, BankMemberId, Bic, CardNumber,
    CustomerIp, GatewayPaymentId, HttpUrl, Money, OrderId, Phone,
};

proptest! {
    #[test]
    fn amount_format_then_parse_is_identity(kopecks in 1..=Amount::MAX_KOPECKS) {
        let amount = Amount::from_kopecks(kopecks).unwrap();
        let text = amount.to_string();
        prop_assert_eq!(Amount::parse(&text), Ok(amount));
        let json = serde_json::to_string(&amount).unwrap();
        prop_assert_eq!(json, format!("\"{text}\""));
    }

    #[test]
    fn amount_parse_matches_integer_arithmetic(int in 0..=999_999_999u64, dd in 0..=99u64) {
        let expected = int * 100 + dd;
        let parsed = Amount::parse(&format!("{int}.{dd:02}"));
        if expected == 0 {
            prop_assert_eq!(parsed, Err(AmountError::Zero));
        } else {
            prop_assert_eq!(parsed.map(Amount::kopecks), Ok(expected));
        }
        // One decimal means tenths; no decimals means whole rubles.
        let d = dd % 10;
        let tenths = Amount::parse(&format!("{int}.{d}")).map(Amount::kopecks);
        prop_assert_eq!(tenths.ok(), Some(int * 100 + d * 10).filter(|k| *k > 0));
        let whole = Amount::parse(&int.to_string()).map(Amount::kopecks);
        prop_assert_eq!(whole.ok(), Some(int * 100).filter(|k| *k > 0));
    }

    #[test]
    fn amount_from_json_number_is_exact(kopecks in 1..=Amount::MAX_KOPECKS) {
        // The same digits a sender writes as a JSON number, not as a string.
        let number = format!("{}.{:02}", kopecks / 100, kopecks % 100);
        let parsed: Amount = serde_json::from_str(&number).unwrap();
        prop_assert_eq!(parsed.kopecks(), kopecks);
    }

    #[test]
    fn money_round_trips_with_gateway_padding(
        kopecks in -100_000_000_000_000_000_i64..=100_000_000_000_000_000,
        extra_zeros in 0usize..8,
    ) {
        let money = Money::from_kopecks(kopecks);
        let text = money.to_string();
        prop_assert_eq!(Money::parse(&text), Ok(money));
        let padded = format!("{text}{}", "0".repeat(extra_zeros));
        prop_assert_eq!(Money::parse(&padded), Ok(money));
    }

    #[test]
    fn phone_forms_normalise(d in "[0-9]{10}") {
        let expected = format!("7{d}");
        let forms = [
            format!("+7 ({}) {}-{}-{}", &d[0..3], &d[3..6], &d[6..8], &d[8..10]),
            format!("7{d}"),
            format!("+7 {} {} {} {}", &d[0..3], &d[3..6], &d[6..8], &d[8..10]),
        ];
        for form in &forms {
            let phone = Phone::parse(form).unwrap();
            prop_assert_eq!(phone.as_str(), expected.as_str());
            prop_assert_eq!(Phone::parse(&phone.display()).unwrap(), phone.clone());
            let json = serde_json::to_string(&phone).unwrap();
            prop_assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), phone);
        }
    }

    #[test]
    fn card_grouping_round_trips(d in "[0-9]{16}") {
        let card = CardNumber::parse(&d).unwrap();
        prop_assert_eq!(CardNumber::parse(&card.grouped()).unwrap(), card);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_text(s in any::<String>()) {
        check_all_parsers(&s);
    }

    #[test]
    fn parsers_never_panic_on_number_like_text(s in "[-+0-9. ()eE,]{0,24}") {
        check_all_parsers(&s);
    }

    #[test]
    fn wire_types_never_panic_on_arbitrary_json(s in any::<String>()) {
        check_all_wire_types(&s);
        check_all_wire_types(&format!("{{\"amount\":{s}}}"));
    }

    #[test]
    fn wire_types_never_panic_on_json_like_text(s in r#"[{}\[\]":,0-9a-z_. -]{0,60}"#) {
        check_all_wire_types(&s);
    }
}

/// Runs every text parser; the point is that none of them panics.
fn check_all_parsers(s: &str) {
    let _ = Amount::parse(s);
    let _ = Money::parse(s);
    let _ = OrderId::parse(s);
    let _ = Phone::parse(s).map(|p| p.display());
    let _ = BankMemberId::parse(s);
    let _ = Bic::parse(s);
    let _ = AccountNumber::parse(s);
    let _ = CardNumber::parse(s).map(|c| (c.grouped(), c.masked(), c.luhn_valid()));
    let _ = BankCode::parse(s);
    let _ = HttpUrl::parse(s).map(|u| u.is_https());
    let _ = CustomerIp::parse(s);
    let _ = s.parse::<GatewayPaymentId>();
    let _ = AccountUuid::parse(s);
    let _ = SessionToken::parse(s).map(|t| format!("{t:?}"));
}

/// Feeds `s` as JSON to every wire type; the point is that none of them panics.
fn check_all_wire_types(s: &str) {
    let _ = serde_json::from_str::<Amount>(s);
    let _ = serde_json::from_str::<Money>(s);
    let _ = serde_json::from_str::<PaymentCreateRequest>(s);
    let _ = serde_json::from_str::<PaymentStatusResponse>(s);
    let _ = serde_json::from_str::<PayoutCreateRequest>(s);
    let _ = serde_json::from_str::<StatusRequest>(s);
    let _ = serde_json::from_str::<Notification>(s);
    let _ = serde_json::from_str::<CreateSessionRequest>(s);
}
