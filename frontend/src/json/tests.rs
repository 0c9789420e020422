use super::*;

#[test]
fn writes_objects() {
    let text = Writer::new()
        .str("a", "x\"y\\z\n\u{1}")
        .opt_str("b", None)
        .bool("c", true)
        .u64("d", 1_084_653_710)
        .str_list("e", ["p", "q"])
        .finish();
    assert_eq!(
        text,
        r#"{"a":"x\"y\\z\n\u0001","b":null,"c":true,"d":1084653710,"e":["p","q"]}"#
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["a"], "x\"y\\z\n\u{1}");
    assert_eq!(Writer::new().finish(), "{}");
}

#[test]
fn rfc3339_like_time() {
    use time::format_description::well_known::Rfc3339;
    for text in [
        "2026-01-02T03:04:05Z",
        "2026-12-31T23:59:59.5Z",
        "2026-06-07T08:09:10.123Z",
        "2026-06-07T08:09:10.000000001Z",
        "1999-02-03T04:05:06.120000000Z",
        "2026-06-07T11:09:10+03:00",
    ] {
        let t = OffsetDateTime::parse(text, &Rfc3339).unwrap();
        let utc = t.to_offset(time::UtcOffset::UTC);
        assert_eq!(rfc3339_utc(t), utc.format(&Rfc3339).unwrap(), "{text}");
    }
}

#[test]
fn digits() {
    for n in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
        let mut s = String::new();
        push_u64(&mut s, n);
        assert_eq!(s, n.to_string());
    }
}
