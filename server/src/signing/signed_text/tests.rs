use super::*;

fn sample() -> Vec<(&'static str, &'static str)> {
    vec![
        ("type", "payment"),
        ("id", "100000123"),
        ("order_id", "order/42"),
        ("payment_status", "paid"),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("commission_amount", "45.00"),
        ("is_partial_payment", "0"),
        ("account", "0d6c5a7e-1b2c-4d3e-8f9a-0b1c2d3e4f50"),
        ("service", "payment_card_sbp_rub_card"),
        ("desc", "Оплата/заказ"),
        ("sign", "ignored"),
    ]
}

const SAMPLE_TAIL: &str = r#""account":"0d6c5a7e-1b2c-4d3e-8f9a-0b1c2d3e4f50","service":"payment_card_sbp_rub_card","desc":"\u041e\u043f\u043b\u0430\u0442\u0430\/\u0437\u0430\u043a\u0430\u0437""#;

#[test]
fn documented_variant_a() {
    assert_eq!(
        notification_text(&sample(), NotificationVariant::Documented),
        format!(
            r#"{{"type":"payment","id":100000123,"order_id":"order\/42","payment_status":"paid","amount":"1500.00","payment_amount":"1500.00","commission_amount":"45.00","is_partial_payment":"0",{SAMPLE_TAIL}}}"#
        )
    );
}

#[test]
fn variant_b_drops_commission() {
    let text = notification_text(&sample(), NotificationVariant::WithoutCommission);
    assert!(!text.contains("commission_amount"));
    assert!(text.contains(r#""payment_amount":"1500.00","is_partial_payment":"0","#));
}

#[test]
fn variant_c_types_partial_flag_and_appends_card_brand() {
    let text = notification_text(&sample(), NotificationVariant::TypedPartial);
    assert!(text.contains(r#""is_partial_payment":false,"#), "{text}");
    assert!(text.ends_with(r#""card_brand":null}"#), "{text}");
    let no_brand = notification_text(&sample(), NotificationVariant::TypedPartialNoBrand);
    assert!(
        no_brand.ends_with(r#"\u0437\u0430\u043a\u0430\u0437"}"#),
        "{no_brand}"
    );
    let mut with_brand = sample();
    with_brand.push(("card_brand", "MIR"));
    with_brand.push(("is_partial_payment", "TRUE"));
    let text = notification_text(&with_brand, NotificationVariant::TypedPartial);
    assert!(text.ends_with(r#""card_brand":"MIR"}"#), "{text}");
    assert!(text.contains(r#""is_partial_payment":true,"#), "{text}");
}

#[test]
fn missing_fields_are_null_and_missing_id_is_zero_in_a_but_null_in_c() {
    let fields: BTreeMap<String, String> = BTreeMap::new();
    assert_eq!(
        notification_text(&fields, NotificationVariant::Documented),
        r#"{"type":null,"id":0,"order_id":null,"payment_status":null,"amount":null,"payment_amount":null,"commission_amount":null,"is_partial_payment":null,"account":null,"service":null,"desc":null}"#
    );
    assert!(
        notification_text(&fields, NotificationVariant::TypedPartial)
            .starts_with(r#"{"type":null,"id":null,"#)
    );
}

#[test]
fn id_uses_php_int_cast() {
    for (raw, expected) in [("", "0"), ("  42abc", "42"), ("abc", "0"), ("-7", "-7")] {
        let fields = vec![("id", raw)];
        let text = notification_text(&fields, NotificationVariant::Documented);
        assert!(
            text.starts_with(&format!(r#"{{"type":null,"id":{expected},"#)),
            "{raw:?} -> {text}"
        );
    }
}

#[test]
fn redirect() {
    let mut fields = HashMap::new();
    fields.insert("order_id".to_owned(), "A/1".to_owned());
    fields.insert("uuid".to_owned(), "1f0e-…".to_owned());
    fields.insert("sign".to_owned(), "x".to_owned());
    assert_eq!(
        redirect_text(&fields),
        r#"{"order_id":"A\/1","uuid":"1f0e-\u2026"}"#
    );
    assert_eq!(
        redirect_text(&Vec::<(String, String)>::new()),
        r#"{"order_id":null,"uuid":null}"#
    );
}

#[test]
fn json_body_minus_sign_keeps_order_and_types() {
    let body = br#"{"id":5,"sign":"abc","is_partial_payment":false,"desc":"a/b","amount":"1.00"}"#;
    assert_eq!(
        json_body_text(body, Flags::default()).unwrap(),
        r#"{"id":5,"is_partial_payment":false,"desc":"a\/b","amount":"1.00"}"#
    );
    assert_eq!(
        json_body_text(
            body,
            Flags {
                unescaped_slashes: true
            }
        )
        .unwrap(),
        r#"{"id":5,"is_partial_payment":false,"desc":"a/b","amount":"1.00"}"#
    );
    assert!(json_body_text(b"not json", Flags::default()).is_err());
}

#[test]
fn last_repeated_pair_wins() {
    let fields = vec![("order_id", "first"), ("order_id", "second")];
    assert_eq!(
        redirect_text(&fields),
        r#"{"order_id":"second","uuid":null}"#
    );
}

#[test]
fn candidates_cover_variants_and_slash_twins_without_duplicates() {
    let body = br#"{"type":"payment","id":1,"order_id":"o","payment_status":"paid","sign":"s","desc":"x/y"}"#;
    let candidates = notification_candidates(&sample(), Some(body));
    let labels: Vec<&str> = candidates.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "a:documented",
            "a:documented/unescaped_slashes",
            "b:without_commission",
            "b:without_commission/unescaped_slashes",
            "c:typed_partial",
            "c:typed_partial/unescaped_slashes",
            "c:typed_partial_no_brand",
            "c:typed_partial_no_brand/unescaped_slashes",
            "d:json_body",
            "d:json_body/unescaped_slashes",
        ]
    );
    assert_eq!(
        candidates[0].text,
        notification_text(&sample(), NotificationVariant::Documented)
    );
    // A body without every notification field (a redirect's `{order_id, uuid}`, signed
    // with the same key) is never tried as a whole.
    for body in [
        &br#"{"order_id":"o","uuid":"u","sign":"s"}"#[..],
        br#"{"type":"payment","id":1,"order_id":"o","payment_status":null,"sign":"s"}"#,
        br#"["type","id","order_id","payment_status"]"#,
    ] {
        assert!(
            notification_candidates(&sample(), Some(body))
                .iter()
                .all(|c| !c.label.starts_with("d:")),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // Without slashes in any value the twins collapse.
    let plain = vec![("type", "payment"), ("card_brand", "VISA")];
    let labels: Vec<String> = notification_candidates(&plain, None)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(
        labels,
        ["a:documented", "b:without_commission", "c:typed_partial"]
    );
}
