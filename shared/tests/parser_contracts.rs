#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests for the parsers of outside input, beyond "never panics"
//! (`properties.rs`): whatever a parser accepts has the documented shape and reads back to the
//! same value (`parse(display(x)) == x`), and what must be refused is refused with a typed
//! error. Case counts stay moderate (proptest's default 256) so the run takes seconds.

use proptest::prelude::*;
use shared::api::SessionToken;
use shared::{
    AccountNumber, AccountUuid, Amount, AmountError, BankCode, BankMemberId, Bic, CardNumber,
    CustomerIp, CustomerUserId, Description, DigitsError, GatewayPaymentId, HttpUrl, LifetimeSecs,
    Method, Money, MoneyError, OrderId, PaymentStatus, PayoutKind, Phone, PhoneError,
    SessionStatus, TextError, UrlError,
};

/// Text built from characters that sit on the edges of the parsers: digits, signs, dots,
/// separators, Unicode digits and spaces, control characters, letters.
fn edgy_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('0'),
            Just('7'),
            Just('8'),
            Just('9'),
            Just('-'),
            Just('+'),
            Just('.'),
            Just(','),
            Just(' '),
            Just('('),
            Just(')'),
            Just('e'),
            Just('\u{0}'),
            Just('\n'),
            Just('\u{a0}'),
            Just('\u{661}'),  // ARABIC-INDIC DIGIT ONE
            Just('\u{ff11}'), // FULLWIDTH DIGIT ONE
            Just('a'),
            Just('/'),
            Just(':'),
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn is_canonical_amount_input(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && (s.find('.').is_none() || (1..=2).contains(&frac.len()))
        && frac.bytes().all(|b| b.is_ascii_digit())
}

proptest! {
    #[test]
    fn amount_accepts_only_plain_decimals_and_reads_back(s in prop_oneof![edgy_text(), any::<String>()]) {
        match Amount::parse(&s) {
            Ok(amount) => {
                prop_assert!(is_canonical_amount_input(&s), "accepted {s:?}");
                let shown = amount.to_string();
                prop_assert_eq!(Amount::parse(&shown), Ok(amount));
                prop_assert!(amount.kopecks() >= 1 && amount.kopecks() <= Amount::MAX_KOPECKS);
            }
            Err(e) => {
                // A refusal is typed; a plain decimal is refused only for its value.
                if is_canonical_amount_input(&s) {
                    prop_assert!(
                        matches!(e, AmountError::Zero | AmountError::TooLarge),
                        "{s:?} refused as {e:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn amount_rejects_negative_sub_kopeck_and_too_large(int in 0..=999_999_999u64, frac in "[0-9]{3,6}") {
        prop_assert_eq!(Amount::parse(&format!("-{int}.50")), Err(AmountError::Negative));
        prop_assert_eq!(
            Amount::parse(&format!("{int}.{frac}")),
            Err(AmountError::TooManyDecimals { decimals: frac.len() })
        );
        prop_assert_eq!(Amount::parse(&format!("1{int:09}.00")), Err(AmountError::TooLarge));
    }

    #[test]
    fn amount_from_json_numbers_matches_text(rubles in 0..=2_000_000_000u64) {
        let parsed = serde_json::from_str::<Amount>(&rubles.to_string()).ok();
        let expected = Amount::parse(&rubles.to_string()).ok();
        prop_assert_eq!(parsed, expected);
        let negative = format!("-{}", rubles + 1);
        prop_assert!(serde_json::from_str::<Amount>(&negative).is_err());
    }

    #[test]
    fn money_accepted_text_reads_back(s in prop_oneof![edgy_text(), any::<String>()]) {
        if let Ok(money) = Money::parse(&s) {
            let body = s.strip_prefix('-').unwrap_or(&s);
            prop_assert!(body.bytes().all(|b| b.is_ascii_digit() || b == b'.'), "accepted {s:?}");
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
            let json = serde_json::to_string(&money).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
        }
    }

    #[test]
    fn money_refuses_sub_kopeck_digits(k in any::<i32>(), d in 1..=9u8) {
        let text = format!("{}{d}", Money::from_kopecks(i64::from(k)));
        prop_assert_eq!(Money::parse(&text), Err(MoneyError::SubKopeck));
    }

    #[test]
    fn phone_accepted_is_eleven_digits_from_seven(s in prop_oneof![edgy_text(), any::<String>()]) {
        if let Ok(phone) = Phone::parse(&s) {
            prop_assert_eq!(phone.as_str().len(), 11);
            prop_assert!(phone.as_str().starts_with('7'));
            prop_assert!(phone.as_str().bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(Phone::parse(&phone.display()), Ok(phone.clone()));
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone));
        }
    }

    #[test]
    fn phone_refuses_domestic_foreign_and_short(d in "[0-9]{10}", short in "[0-9]{1,9}") {
        prop_assert_eq!(Phone::parse(&format!("8{d}")), Err(PhoneError::DomesticPrefix));
        prop_assert_eq!(Phone::parse(&format!("+1{d}")), Err(PhoneError::NotRussian));
        prop_assert_eq!(
            Phone::parse(&format!("+7{short}")),
            Err(PhoneError::WrongLength { digits: short.len() + 1 })
        );
        let misplaced = Phone::parse(&format!("7{}+{}", &d[..5], &d[5..]));
        prop_assert!(
            matches!(misplaced, Err(PhoneError::MisplacedPlus { .. })),
            "{misplaced:?}"
        );
    }

    #[test]
    fn digit_newtypes_accept_exactly_their_length(s in prop_oneof![edgy_text(), "[0-9 -]{0,30}"]) {
        fn check<T: PartialEq + std::fmt::Debug>(
            s: &str,
            len: usize,
            seps: &[char],
            parse: fn(&str) -> Result<T, DigitsError>,
            digits: fn(&T) -> &str,
        ) -> Result<(), TestCaseError> {
            let expected: String = s.chars().filter(char::is_ascii_digit).collect();
            let only_allowed = s.chars().all(|c| c.is_ascii_digit() || seps.contains(&c));
            match parse(s) {
                Ok(value) => {
                    prop_assert!(only_allowed && expected.len() == len, "accepted {s:?}");
                    prop_assert_eq!(digits(&value), expected.as_str());
                    prop_assert_eq!(parse(digits(&value)), Ok(value));
                }
                Err(e) => prop_assert!(
                    !only_allowed || expected.len() != len || s.trim().is_empty(),
                    "{s:?} refused as {e:?}"
                ),
            }
            Ok(())
        }
        check(&s, 12, &[], BankMemberId::parse, BankMemberId::as_str)?;
        check(&s, 9, &[], Bic::parse, Bic::as_str)?;
        check(&s, 20, &[' '], AccountNumber::parse, AccountNumber::as_str)?;
        check(&s, 16, &[' ', '-'], CardNumber::parse, CardNumber::as_str)?;
    }

    #[test]
    fn card_masks_and_groups_any_valid_number(d in "[0-9]{16}") {
        let card = CardNumber::parse(&d).unwrap();
        prop_assert_eq!(card.masked(), format!("{}******{}", &d[..6], &d[12..]));
        let debug = format!("{card:?}");
        prop_assert!(!debug.contains(&d[6..12]));
        prop_assert_eq!(CardNumber::parse(&card.grouped()), Ok(card));
    }

    #[test]
    fn bank_code_round_trips(s in prop_oneof![edgy_text(), "[a-z][a-z0-9_-]{0,110}", "[0-9]{10,14}"]) {
        if let Ok(code) = BankCode::parse(&s) {
            prop_assert_eq!(code.as_str(), s.as_str());
            prop_assert_eq!(BankCode::parse(code.as_str()), Ok(code.clone()));
            prop_assert_eq!(code.member_id().is_some(), s.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn bounded_texts_accept_exactly_the_documented_set(s in prop_oneof![edgy_text(), any::<String>(), ".{120,140}"]) {
        let blank = s.trim().is_empty();
        let control = s.chars().any(char::is_control);
        let len = s.chars().count();
        for (max, result) in [
            (OrderId::MAX_CHARS, OrderId::parse(s.clone()).map(OrderId::into_inner)),
            (CustomerUserId::MAX_CHARS, CustomerUserId::parse(s.clone()).map(CustomerUserId::into_inner)),
            (Description::MAX_CHARS, Description::parse(s.clone()).map(Description::into_inner)),
        ] {
            match result {
                Ok(kept) => {
                    prop_assert!(!blank && !control && len <= max, "accepted {s:?}");
                    prop_assert_eq!(&kept, &s);
                }
                Err(TextError::Empty { .. }) => prop_assert!(blank),
                Err(TextError::ControlCharacter { .. }) => prop_assert!(control),
                Err(TextError::TooLong { len: l, .. }) => prop_assert!(l == len && len > max),
            }
        }
    }

    #[test]
    fn urls_accepted_are_http_and_read_back(s in prop_oneof![
        any::<String>(),
        "(https?|ftp|HTTP)://[a-z0-9.:@\\[\\]-]{0,20}(/[a-z0-9%?#=&/ ]{0,20})?",
        "https://[a-z]{1,10}\\.ru/.{200,260}",
    ]) {
        match HttpUrl::parse(s.clone()) {
            Ok(url) => {
                let lower = s.to_ascii_lowercase();
                prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"));
                prop_assert!(s.chars().count() <= HttpUrl::MAX_CHARS);
                prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
                prop_assert_eq!(url.as_str(), s.as_str());
                prop_assert_eq!(HttpUrl::parse(url.as_str()), Ok(url));
            }
            Err(UrlError::TooLong { len }) => prop_assert!(len > HttpUrl::MAX_CHARS),
            Err(_) => {}
        }
    }

    #[test]
    fn ids_round_trip(id in 1..=u64::MAX, bytes in any::<[u8; 16]>(), s in any::<String>()) {
        let gid = GatewayPaymentId::new(id).unwrap();
        prop_assert_eq!(gid.to_string().parse::<GatewayPaymentId>(), Ok(gid));
        prop_assert_eq!(serde_json::from_str::<GatewayPaymentId>(&format!("\"{id}\"")).unwrap(), gid);
        let uuid = AccountUuid::from(uuid::Uuid::from_bytes(bytes));
        prop_assert_eq!(AccountUuid::parse(&uuid.to_string()), Ok(uuid));
        if let Ok(parsed) = s.parse::<GatewayPaymentId>() {
            prop_assert!(s.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(parsed.to_string(), s.trim_start_matches('0'));
        }
    }

    #[test]
    fn tokens_ips_lifetimes_and_enums_read_back(s in any::<String>(), secs in any::<u64>(), ip in any::<std::net::IpAddr>()) {
        if let Ok(token) = SessionToken::parse(s.clone()) {
            prop_assert_eq!(SessionToken::parse(token.as_str()).map(|t| t.as_str().to_owned()), Ok(s.clone()));
        }
        let customer = CustomerIp::from(ip);
        prop_assert_eq!(CustomerIp::parse(&ip.to_string()), Ok(customer));
        match LifetimeSecs::new(secs) {
            Ok(l) => prop_assert_eq!(u64::from(l.secs()), secs),
            Err(_) => prop_assert!(!(900..=3600).contains(&secs)),
        }
        for m in Method::ALL {
            prop_assert_eq!(m.as_str().parse::<Method>().ok(), Some(m));
        }
        for k in PayoutKind::ALL {
            prop_assert_eq!(k.as_str().parse::<PayoutKind>().ok(), Some(k));
        }
        for st in PaymentStatus::ALL {
            prop_assert_eq!(st.as_str().parse::<PaymentStatus>().ok(), Some(st));
        }
        for st in SessionStatus::ALL {
            prop_assert_eq!(st.as_str().parse::<SessionStatus>().ok(), Some(st));
        }
        // Arbitrary text names a variant only when it is that variant's name.
        if let Ok(m) = s.parse::<Method>() {
            prop_assert_eq!(m.as_str(), s.as_str());
        }
    }
}
