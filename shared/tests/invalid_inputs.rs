#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Table-driven invalid inputs: every row names the exact error a newtype must give.

use shared::api::{
    Locale, Metadata, MetadataError, SessionId, SessionIdError, SessionToken, SessionTokenError,
};
use shared::gateway::{PayoutCreateRequest, StatusRequest};
use shared::{
    AccountNumber, AccountUuid, Amount, AmountError, BankCode, BankCodeError, BankMemberId, Bic,
    CardNumber, CustomerIp, CustomerUserId, Description, DigitsError, GatewayPaymentId,
    GatewayPaymentIdError, HttpUrl, LifetimeError, LifetimeSecs, Method, Money, MoneyError,
    OrderId, PaymentStatus, Phone, PhoneError, SessionStatus, TextError, UrlError, UserAgent,
};

#[test]
fn amount() {
    use AmountError::*;
    let rows: &[(&str, AmountError)] = &[
        ("", Empty),
        ("abc", NotANumber),
        ("1,50", NotANumber),
        ("1 500", NotANumber),
        (" 1500", NotANumber),
        ("1500 ", NotANumber),
        ("+1500", NotANumber),
        ("1e3", NotANumber),
        ("1E3", NotANumber),
        (".50", NotANumber),
        ("1500.", NotANumber),
        ("1.2.3", NotANumber),
        ("0x10", NotANumber),
        ("NaN", NotANumber),
        ("inf", NotANumber),
        ("١٢", NotANumber),
        ("-", NotANumber),
        ("-1500.00", Negative),
        ("-0", Negative),
        ("0", Zero),
        ("0.00", Zero),
        ("000.0", Zero),
        ("1.001", TooManyDecimals { decimals: 3 }),
        ("1.000", TooManyDecimals { decimals: 3 }),
        ("0.0000001", TooManyDecimals { decimals: 7 }),
        ("1000000000", TooLarge),
        ("1000000000.00", TooLarge),
        ("99999999999", TooLarge),
    ];
    for (text, want) in rows {
        assert_eq!(Amount::parse(text), Err(*want), "{text:?}");
    }
    assert_eq!(Amount::from_kopecks(0), Err(Zero));
    assert_eq!(Amount::from_kopecks(Amount::MAX_KOPECKS + 1), Err(TooLarge));
}

#[test]
fn amount_from_json_numbers() {
    let rows: &[(&str, &str)] = &[
        ("0", "greater than zero"),
        ("-5", "positive"),
        ("-5.5", "positive"),
        ("0.001", "decimals"),
        ("1e10", "too large"),
        ("1000000000", "too large"),
        ("18446744073709551615", "too large"),
        ("true", "amount"),
        ("null", "amount"),
    ];
    for (json, fragment) in rows {
        let err = serde_json::from_str::<Amount>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(fragment), "{json}: {err}");
    }
}

#[test]
fn money() {
    use MoneyError::*;
    let rows: &[(&str, MoneyError)] = &[
        ("", Empty),
        ("1,5", NotANumber),
        ("--1", NotANumber),
        ("+1", NotANumber),
        ("1e2", NotANumber),
        (" 1", NotANumber),
        ("1.", NotANumber),
        ("1.005", SubKopeck),
        ("93.840000001", SubKopeck),
        ("-0.001", SubKopeck),
        ("12345678901234567", TooLarge),
    ];
    for (text, want) in rows {
        assert_eq!(Money::parse(text), Err(*want), "{text:?}");
    }
}

#[test]
fn bounded_texts() {
    let long = |n: usize| "x".repeat(n);
    let order_rows: Vec<(String, TextError)> = vec![
        (String::new(), TextError::Empty { field: "order_id" }),
        ("   ".into(), TextError::Empty { field: "order_id" }),
        (
            long(129),
            TextError::TooLong {
                field: "order_id",
                max: 128,
                len: 129,
            },
        ),
        (
            "a\nb".into(),
            TextError::ControlCharacter {
                field: "order_id",
                position: 2,
            },
        ),
        (
            "\u{0}".into(),
            TextError::ControlCharacter {
                field: "order_id",
                position: 1,
            },
        ),
        (
            "ab\u{7f}".into(),
            TextError::ControlCharacter {
                field: "order_id",
                position: 3,
            },
        ),
    ];
    for (text, want) in order_rows {
        assert_eq!(OrderId::parse(text.clone()), Err(want), "{text:?}");
    }
    assert!(OrderId::parse(long(128)).is_ok());

    let field = "customer_user_id";
    assert_eq!(CustomerUserId::parse(""), Err(TextError::Empty { field }));
    assert_eq!(
        CustomerUserId::parse(long(101)),
        Err(TextError::TooLong {
            field,
            max: 100,
            len: 101
        })
    );
    assert!(CustomerUserId::parse(long(100)).is_ok());

    let field = "description";
    assert_eq!(
        Description::parse("я".repeat(129)),
        Err(TextError::TooLong {
            field,
            max: 128,
            len: 129
        })
    );
    assert_eq!(
        Description::parse("tab\there"),
        Err(TextError::ControlCharacter { field, position: 4 })
    );

    let field = "customer_browser_user_agent";
    assert_eq!(
        UserAgent::parse(long(2001)),
        Err(TextError::TooLong {
            field,
            max: 2000,
            len: 2001
        })
    );
}

#[test]
fn phone() {
    use PhoneError::*;
    let rows: &[(&str, PhoneError)] = &[
        ("", Empty),
        ("   ", Empty),
        ("8 903 111 22 33", DomesticPrefix),
        ("89031112233", DomesticPrefix),
        ("+8 903 111 22 33", NotRussian),
        ("+1 212 555 1234", NotRussian),
        ("+44 20 7946 0958", NotRussian),
        ("19031112233", NotRussian),
        ("+7 903 111 22 3", WrongLength { digits: 10 }),
        ("+7 903 111 22 333", WrongLength { digits: 12 }),
        ("9031112233", WrongLength { digits: 10 }),
        ("+", WrongLength { digits: 0 }),
        ("()", WrongLength { digits: 0 }),
        (
            "+7 903 111.22.33",
            InvalidCharacter {
                found: '.',
                position: 11,
            },
        ),
        (
            "+7 903 111-22-3x",
            InvalidCharacter {
                found: 'x',
                position: 16,
            },
        ),
        (
            "+7\t9031112233",
            InvalidCharacter {
                found: '\t',
                position: 3,
            },
        ),
        ("7+9031112233", MisplacedPlus { position: 2 }),
        ("++79031112233", MisplacedPlus { position: 2 }),
        ("(+7) 903 111 22 33", MisplacedPlus { position: 2 }),
    ];
    for (text, want) in rows {
        assert_eq!(Phone::parse(text), Err(*want), "{text:?}");
    }
}

#[test]
fn fixed_digit_strings() {
    let member = "bank member id";
    let rows: &[(&str, DigitsError)] = &[
        ("", DigitsError::Empty { field: member }),
        (
            "10000000011",
            DigitsError::WrongLength {
                field: member,
                expected: 12,
                actual: 11,
            },
        ),
        (
            "1000000001111",
            DigitsError::WrongLength {
                field: member,
                expected: 12,
                actual: 13,
            },
        ),
        (
            "10000000011a",
            DigitsError::NotADigit {
                field: member,
                found: 'a',
                position: 12,
            },
        ),
        (
            "100000000 111",
            DigitsError::NotADigit {
                field: member,
                found: ' ',
                position: 10,
            },
        ),
    ];
    for (text, want) in rows {
        assert_eq!(BankMemberId::parse(text), Err(*want), "{text:?}");
    }

    let bic = "BIC";
    assert_eq!(Bic::parse(" "), Err(DigitsError::Empty { field: bic }));
    assert_eq!(
        Bic::parse("04452522"),
        Err(DigitsError::WrongLength {
            field: bic,
            expected: 9,
            actual: 8
        })
    );
    assert_eq!(
        Bic::parse("04452522O"),
        Err(DigitsError::NotADigit {
            field: bic,
            found: 'O',
            position: 9
        })
    );

    let account = "account number";
    assert_eq!(
        AccountNumber::parse("4081781000000000000"),
        Err(DigitsError::WrongLength {
            field: account,
            expected: 20,
            actual: 19
        })
    );
    assert_eq!(
        AccountNumber::parse("40817-810000000000001"),
        Err(DigitsError::NotADigit {
            field: account,
            found: '-',
            position: 6
        })
    );
    assert!(AccountNumber::parse("40817 810 0000 0000 0001").is_ok());

    let card = "card number";
    assert_eq!(
        CardNumber::parse("4111 1111 1111 111"),
        Err(DigitsError::WrongLength {
            field: card,
            expected: 16,
            actual: 15
        })
    );
    assert_eq!(
        CardNumber::parse("4111111111111111111"),
        Err(DigitsError::WrongLength {
            field: card,
            expected: 16,
            actual: 19
        })
    );
    assert_eq!(
        CardNumber::parse("4111/1111/1111/1111"),
        Err(DigitsError::NotADigit {
            field: card,
            found: '/',
            position: 5
        })
    );
}

#[test]
fn bank_code() {
    let member = "bank member id";
    let rows: &[(&str, BankCodeError)] = &[
        ("", BankCodeError::Empty),
        (
            "1234",
            BankCodeError::MemberId(DigitsError::WrongLength {
                field: member,
                expected: 12,
                actual: 4,
            }),
        ),
        (
            "Sberbank",
            BankCodeError::InvalidSlug {
                found: 'S',
                position: 1,
            },
        ),
        (
            "sber bank",
            BankCodeError::InvalidSlug {
                found: ' ',
                position: 5,
            },
        ),
        (
            "-sber",
            BankCodeError::InvalidSlug {
                found: '-',
                position: 1,
            },
        ),
        (
            "1sber",
            BankCodeError::InvalidSlug {
                found: '1',
                position: 1,
            },
        ),
        (
            "сбер",
            BankCodeError::InvalidSlug {
                found: 'с',
                position: 1,
            },
        ),
    ];
    for (text, want) in rows {
        assert_eq!(BankCode::parse(text), Err(*want), "{text:?}");
    }
    assert_eq!(
        BankCode::parse(&"a".repeat(101)),
        Err(BankCodeError::TooLong { len: 101 })
    );
    for ok in ["sberbank", "t-bank", "alfa_bank2", "100000000111"] {
        assert!(BankCode::parse(ok).is_ok(), "{ok}");
    }
}

#[test]
fn http_url() {
    use UrlError::*;
    let too_long = format!("https://x.ru/{}", "a".repeat(243));
    let rows: Vec<(&str, UrlError)> = vec![
        ("", Empty),
        (too_long.as_str(), TooLong { len: 256 }),
        ("https://x.ru/a b", InvalidCharacter { position: 15 }),
        ("https://x.ru/\n", InvalidCharacter { position: 14 }),
        ("x.ru/path", NotAbsolute),
        ("/relative", NotAbsolute),
        ("ftp://x.ru", UnsupportedScheme("ftp".into())),
        ("javascript://x.ru", UnsupportedScheme("javascript".into())),
        ("https://user:pw@x.ru", UserInfo),
        ("https://", InvalidHost),
        ("https:///path", InvalidHost),
        ("https://:8080", InvalidHost),
        ("https://x<y.ru", InvalidHost),
        ("https://[::1", InvalidHost),
        ("https://[zz]/", InvalidHost),
        ("https://x.ru:", InvalidPort),
        ("https://x.ru:0", InvalidPort),
        ("https://x.ru:65536", InvalidPort),
        ("https://x.ru:80a", InvalidPort),
        ("https://[::1]8080", InvalidPort),
    ];
    for (text, want) in rows {
        assert_eq!(HttpUrl::parse(text), Err(want), "{text:?}");
    }
    let exactly_255 = format!("https://x.ru/{}", "a".repeat(242));
    assert!(HttpUrl::parse(exactly_255).is_ok());
}

#[test]
fn customer_ip() {
    for bad in [
        "",
        "256.0.0.1",
        "1.2.3",
        "localhost",
        "::1::",
        "1.2.3.4:80",
        " 1.2.3.4",
        "[::1]",
    ] {
        assert!(CustomerIp::parse(bad).is_err(), "{bad:?}");
    }
    for ok in ["203.0.113.7", "::1", "2001:db8::1", "::ffff:1.2.3.4"] {
        assert!(CustomerIp::parse(ok).is_ok(), "{ok:?}");
    }
}

#[test]
fn gateway_payment_id() {
    use GatewayPaymentIdError::*;
    let rows: &[(&str, GatewayPaymentIdError)] = &[
        ("", Empty),
        ("0", Zero),
        ("000", Zero),
        ("-1", NotANumber("-1".into())),
        ("+1", NotANumber("+1".into())),
        ("1.0", NotANumber("1.0".into())),
        ("12a", NotANumber("12a".into())),
        (
            "18446744073709551616",
            NotANumber("18446744073709551616".into()),
        ),
    ];
    for (text, want) in rows {
        assert_eq!(
            text.parse::<GatewayPaymentId>(),
            Err(want.clone()),
            "{text:?}"
        );
    }
    assert_eq!(GatewayPaymentId::new(0), Err(Zero));
}

#[test]
fn lifetime() {
    for secs in [0, 899, 3601, u64::MAX] {
        assert_eq!(
            LifetimeSecs::new(secs),
            Err(LifetimeError::OutOfRange { secs })
        );
    }
    for json in ["\"\"", "\"9oo\"", "-900", "\"-900\""] {
        let err = serde_json::from_str::<LifetimeSecs>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("whole number"), "{json}: {err}");
    }
}

#[test]
fn uuids_tokens_and_enums() {
    assert!(AccountUuid::parse("0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2").is_err());
    assert!(AccountUuid::parse("").is_err());
    assert_eq!(SessionId::parse("nope"), Err(SessionIdError));

    let rows: Vec<(String, SessionTokenError)> = vec![
        (String::new(), SessionTokenError::TooShort { len: 0 }),
        ("a".repeat(21), SessionTokenError::TooShort { len: 21 }),
        ("a".repeat(129), SessionTokenError::TooLong { len: 129 }),
        (
            format!("{}=", "a".repeat(22)),
            SessionTokenError::InvalidCharacter { position: 23 },
        ),
        (
            format!("{}/", "a".repeat(22)),
            SessionTokenError::InvalidCharacter { position: 23 },
        ),
        (
            "aaaaaaaaaa aaaaaaaaaaaa".into(),
            SessionTokenError::InvalidCharacter { position: 11 },
        ),
    ];
    for (text, want) in rows {
        assert_eq!(SessionToken::parse(text.clone()), Err(want), "{text:?}");
    }

    for bad in ["", "card", "SBP", "sbp "] {
        assert!(bad.parse::<Method>().is_err(), "{bad:?}");
    }
    for bad in ["", "Wait", "waiting", "canceled"] {
        assert!(bad.parse::<PaymentStatus>().is_err(), "{bad:?}");
    }
    for bad in ["", "cancel", "canceled", "OPEN"] {
        assert!(bad.parse::<SessionStatus>().is_err(), "{bad:?}");
    }
    for bad in ["", "RU", "de"] {
        assert!(bad.parse::<Locale>().is_err(), "{bad:?}");
    }
}

#[test]
fn metadata() {
    let map = |pairs: Vec<(String, serde_json::Value)>| pairs.into_iter().collect();
    let many = (0..51)
        .map(|i| (format!("k{i}"), serde_json::Value::Null))
        .collect();
    assert_eq!(
        Metadata::new(map(many)),
        Err(MetadataError::TooManyKeys { count: 51 })
    );
    assert_eq!(
        Metadata::new(map(vec![(String::new(), 1.into())])),
        Err(MetadataError::BadKey { key: String::new() })
    );
    assert_eq!(
        Metadata::new(map(vec![("k".repeat(41), 1.into())])),
        Err(MetadataError::BadKey {
            key: "k".repeat(41)
        })
    );
    let big = map(vec![("blob".into(), "x".repeat(4096).into())]);
    assert!(matches!(
        Metadata::new(big),
        Err(MetadataError::TooLarge { .. })
    ));
}

#[test]
fn gateway_request_bodies() {
    let rows: &[(&str, &str)] = &[
        (r#"{}"#, "id field is required"),
        (r#"{"id":1,"order_id":"a"}"#, "not both"),
        (r#"{"id":0}"#, "greater than zero"),
        (r#"{"order_id":""}"#, "must not be empty"),
    ];
    for (json, fragment) in rows {
        let err = serde_json::from_str::<StatusRequest>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(fragment), "{json}: {err}");
    }

    let payouts: &[(&str, &str)] = &[
        (
            r#"{"amount":"1","order_id":"p","service":"payment_card_sbp_rub","number":"89031112233","customer_code":"100000000111"}"#,
            "starts with 8",
        ),
        (
            r#"{"amount":"1","order_id":"p","service":"payment_card_sbp_rub","number":"79031112233"}"#,
            "customer code field is required",
        ),
        (
            r#"{"amount":"1","order_id":"p","service":"virtual_account_rub","number":"40817810000000000001","customer_code":"100000000111"}"#,
            "bik bank field is required",
        ),
        (
            r#"{"amount":"1","order_id":"p","service":"virtual_account_rub","number":"40817810000000000001","customer_code":"100000000111","bik_bank":"12"}"#,
            "BIC must have exactly 9 digits",
        ),
        (
            r#"{"amount":"1","order_id":"p","service":"payment_card_rub","number":"4111"}"#,
            "card number must have exactly 16 digits",
        ),
        (
            r#"{"amount":"0","order_id":"p","service":"payment_card_rub","number":"4111111111111111"}"#,
            "greater than zero",
        ),
        (
            r#"{"amount":"1","order_id":"p","service":"payment_card_rub"}"#,
            "missing field `number`",
        ),
    ];
    for (json, fragment) in payouts {
        let err = serde_json::from_str::<PayoutCreateRequest>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(fragment), "{json}: {err}");
    }
}
