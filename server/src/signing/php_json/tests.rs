//! Expected bytes are written by hand from PHP's rules (ext/json, default flags).

use proptest::prelude::*;

use super::*;

fn map(entries: &[(&str, PhpValue)]) -> PhpValue {
    PhpValue::Map(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

#[test]
fn cyrillic_slash_and_emoji() {
    // json_encode(["desc" => "Оплата/заказ 😀"])
    let value = map(&[("desc", PhpValue::str("Оплата/заказ 😀"))]);
    assert_eq!(
        encode(&value),
        r#"{"desc":"\u041e\u043f\u043b\u0430\u0442\u0430\/\u0437\u0430\u043a\u0430\u0437 \ud83d\ude00"}"#
    );
}

#[test]
fn string_escapes() {
    let table: &[(&str, &str)] = &[
        ("", r#""""#),
        ("plain ASCII 123", r#""plain ASCII 123""#),
        ("a\"b\\c", r#""a\"b\\c""#),
        ("http://x/y", r#""http:\/\/x\/y""#),
        ("\u{8}\u{c}\n\r\t", r#""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1b}\u{1f}", r#""\u0000\u0001\u001b\u001f""#),
        ("\u{7f}", "\"\u{7f}\""),
        ("<>&'", r#""<>&'""#),
        ("é", r#""\u00e9""#),
        ("\u{a0}", r#""\u00a0""#),
        ("\u{2028}\u{2029}", r#""\u2028\u2029""#),
        ("\u{feff}", r#""\ufeff""#),
        ("\u{ffff}", r#""\uffff""#),
        ("\u{10000}", r#""\ud800\udc00""#),
        ("\u{10ffff}", r#""\udbff\udfff""#),
        ("₽", r#""\u20bd""#),
    ];
    for (input, expected) in table {
        assert_eq!(encode(&PhpValue::str(*input)), *expected, "input {input:?}");
    }
}

#[test]
fn unescaped_slashes_flag() {
    let flags = Flags {
        unescaped_slashes: true,
    };
    assert_eq!(
        encode_with(&PhpValue::str("a/b\\/é"), flags),
        r#""a/b\\/\u00e9""#
    );
}

#[test]
fn scalars_and_arrays() {
    let table: Vec<(PhpValue, &str)> = vec![
        (PhpValue::Null, "null"),
        (PhpValue::Bool(true), "true"),
        (PhpValue::Bool(false), "false"),
        (PhpValue::Int(0), "0"),
        (PhpValue::Int(-5), "-5"),
        (PhpValue::Int(i64::MAX), "9223372036854775807"),
        (PhpValue::List(vec![]), "[]"),
        // An empty PHP array is a list.
        (PhpValue::Map(vec![]), "[]"),
        (
            PhpValue::List(vec![
                PhpValue::Int(1),
                PhpValue::str("x"),
                PhpValue::List(vec![]),
            ]),
            r#"[1,"x",[]]"#,
        ),
        (
            map(&[
                ("a", PhpValue::Null),
                ("b", PhpValue::Bool(true)),
                ("c", PhpValue::Int(2)),
            ]),
            r#"{"a":null,"b":true,"c":2}"#,
        ),
        // Keys 0..n in order: PHP writes a list.
        (
            map(&[("0", PhpValue::str("a")), ("1", PhpValue::str("b"))]),
            r#"["a","b"]"#,
        ),
        (
            map(&[("1", PhpValue::str("a")), ("0", PhpValue::str("b"))]),
            r#"{"1":"a","0":"b"}"#,
        ),
        (map(&[("k/é", PhpValue::Int(1))]), r#"{"k\/\u00e9":1}"#),
    ];
    for (value, expected) in table {
        assert_eq!(encode(&value), expected, "{value:?}");
    }
}

#[test]
fn floats_like_php_serialize_precision_minus_one() {
    let table: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (10.0, "10"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (0.30000000000000004, "0.30000000000000004"),
        (1500.5, "1500.5"),
        (0.0001, "0.0001"),
        (0.00001, "1.0e-5"),
        (1.5e-7, "1.5e-7"),
        (1e16, "10000000000000000"),
        (1e17, "1.0e+17"),
        (1.2345678901234568e17, "1.2345678901234568e+17"),
        (1e25, "1.0e+25"),
        (0.0, "0"),
        (-0.0, "-0"),
    ];
    for (value, expected) in table {
        assert_eq!(encode(&PhpValue::Float(*value)), *expected, "{value:e}");
    }
}

#[test]
fn php_int_cast() {
    let table: &[(&str, i64)] = &[
        ("", 0),
        ("0", 0),
        ("123", 123),
        ("100000123", 100_000_123),
        ("007", 7),
        ("  42", 42),
        ("\t\n\r\u{b}\u{c}7", 7),
        (" 1 ", 1),
        ("+5", 5),
        ("-5", -5),
        ("12abc", 12),
        ("abc", 0),
        ("abc12", 0),
        ("- 5", 0),
        ("+-5", 0),
        ("1.9", 1),
        ("-1.9", -1),
        ("1e3", 1000),
        ("2.5E2", 250),
        ("1e", 1),
        ("1e+", 1),
        (".5", 0),
        ("5.", 5),
        (".", 0),
        ("0x1A", 0),
        ("１２", 0),
        ("9223372036854775807", i64::MAX),
        ("9223372036854775808", i64::MAX),
        ("-9223372036854775808", i64::MIN),
        ("-9223372036854775809", i64::MIN),
    ];
    for (input, expected) in table {
        assert_eq!(php_int(input), *expected, "(int){input:?}");
    }
}

#[test]
fn from_json_keeps_order_types_and_php_duplicate_rule() {
    let value = PhpValue::from_json(
        br#"{"b":1,"a":"x","b":2,"big":18446744073709551615,"f":1.25,"n":null,"l":[true],"o":{}}"#,
    )
    .unwrap();
    assert_eq!(
        encode(&value),
        r#"{"b":2,"a":"x","big":1.8446744073709552e+19,"f":1.25,"n":null,"l":[true],"o":[]}"#
    );
}

#[test]
fn remove_key() {
    let mut value = map(&[("sign", PhpValue::str("s")), ("id", PhpValue::Int(1))]);
    assert!(value.remove_key("sign"));
    assert!(!value.remove_key("sign"));
    assert_eq!(encode(&value), r#"{"id":1}"#);
}

proptest! {
    #[test]
    fn any_string_encodes_to_ascii_json_that_decodes_back(s in any::<String>()) {
        let text = encode(&PhpValue::str(s.clone()));
        prop_assert!(text.bytes().all(|b| (0x20..=0x7f).contains(&b)));
        prop_assert_eq!(serde_json::from_str::<String>(&text).unwrap(), s);
    }

    #[test]
    fn php_int_of_any_integer_text_is_that_integer(i in any::<i64>(), pad in "[ \t]{0,3}", tail in "[a-z ]{0,3}") {
        prop_assert_eq!(php_int(&format!("{pad}{i}{tail}")), i);
    }

    #[test]
    fn floats_round_trip_through_php_text(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = encode(&PhpValue::Float(f));
        let back: f64 = text.parse().unwrap();
        prop_assert_eq!(back, f);
    }
}
