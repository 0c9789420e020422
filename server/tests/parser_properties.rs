#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests for the server's parsers of outside input: the PHP `json_encode` encoder
//! (literal PHP outputs for tricky strings, then properties), notification field reading and
//! verification, PEM / password files, and config values from a file or the environment.
//! Garbage never panics and always gives a typed error; case counts stay moderate.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use server::config::{ConfigError, Overrides, load_from};
use server::notify::{NotificationVerifier, NotifyError, RawNotification, json_fields};
use server::signing::php_json::{Flags, PhpValue, encode, encode_with};
use server::signing::signed_text::{NotificationVariant, notification_text};
use server::signing::{Digest, GeneratedKeys, KeySet, Password, PrivateKey, PublicKey};

// ---------------------------------------------------------------------------------------------
// PHP json_encode: expected outputs written by hand from PHP's rules for the default flags
// (ext/json/json_encoder.c): `/` → `\/`; every non-ASCII code point → `\uxxxx` (lower-case hex),
// above U+FFFF as a UTF-16 surrogate pair; `"` `\` → `\"` `\\`; \b \f \n \r \t short forms,
// other C0 controls → `\u00xx`; DEL (0x7f) and `<>&'` stay as they are.
// ---------------------------------------------------------------------------------------------

#[test]
fn php_json_encode_vectors() {
    let table: &[(&str, &str)] = &[
        // json_encode("</script>")
        ("</script>", r#""<\/script>""#),
        // a backslash before a slash: each escaped on its own
        ("\\/", r#""\\\/""#),
        ("//", r#""\/\/""#),
        (
            "https://shop.example.ru/ok?x=1&y=/2",
            r#""https:\/\/shop.example.ru\/ok?x=1&y=\/2""#,
        ),
        // quotes and backslashes
        ("\"\\\"", r#""\"\\\"""#),
        ("'single'", r#""'single'""#),
        // controls: the short forms, the rest as \u00xx, DEL kept
        ("a\u{0}b", r#""a\u0000b""#),
        (
            "\u{7}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}",
            r#""\u0007\b\t\n\u000b\f\r""#,
        ),
        ("\u{1f}\u{20}\u{7f}", "\"\\u001f \u{7f}\""),
        // the first non-ASCII code points; lower-case hex
        ("\u{80}", r#""\u0080""#),
        ("\u{ff}", r#""\u00ff""#),
        ("Ё", r#""\u0401""#),
        ("ЯЮЭ", r#""\u042f\u042e\u042d""#),
        ("\u{abcd}", r#""\uabcd""#),
        // above U+FFFF: surrogate pairs
        ("😀", r#""\ud83d\ude00""#),
        ("💳", r#""\ud83d\udcb3""#),
        ("𝄞", r#""\ud834\udd1e""#),
        // a ZWJ family: three pairs and two U+200D
        (
            "👨‍👩‍👧",
            r#""\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67""#,
        ),
        // a flag: two regional indicators
        ("🇷🇺", r#""\ud83c\uddf7\ud83c\uddfa""#),
        // a combining accent after ASCII
        ("e\u{301}", r#""e\u0301""#),
    ];
    for (input, expected) in table {
        assert_eq!(
            encode(&PhpValue::str(*input)),
            *expected,
            "json_encode({input:?})"
        );
    }
}

#[test]
fn php_json_encode_of_a_notification() {
    // json_encode(["type"=>"payment","id"=>(int)"100000123","order_id"=>"A/1",
    //   "payment_status"=>"paid","amount"=>"1500.00","payment_amount"=>"1500.00",
    //   "commission_amount"=>null,"is_partial_payment"=>"0","account"=>"x",
    //   "service"=>"s","desc"=>"Оплата \"ВИП\"\n😀"])
    let fields: Vec<(&str, &str)> = vec![
        ("type", "payment"),
        ("id", "100000123"),
        ("order_id", "A/1"),
        ("payment_status", "paid"),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("is_partial_payment", "0"),
        ("account", "x"),
        ("service", "s"),
        ("desc", "Оплата \"ВИП\"\n😀"),
    ];
    assert_eq!(
        notification_text(fields.as_slice(), NotificationVariant::Documented),
        concat!(
            r#"{"type":"payment","id":100000123,"order_id":"A\/1","payment_status":"paid","#,
            r#""amount":"1500.00","payment_amount":"1500.00","commission_amount":null,"#,
            r#""is_partial_payment":"0","account":"x","service":"s","#,
            r#""desc":"\u041e\u043f\u043b\u0430\u0442\u0430 \"\u0412\u0418\u041f\"\n\ud83d\ude00"}"#
        )
    );
}

/// PHP's escaping of one code point (the rules above), for the property below.
fn php_escape(c: char) -> String {
    match c {
        '"' => "\\\"".into(),
        '\\' => "\\\\".into(),
        '/' => "\\/".into(),
        '\u{8}' => "\\b".into(),
        '\u{c}' => "\\f".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
            let mut units = [0u16; 2];
            c.encode_utf16(&mut units)
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect()
        }
        c => c.to_string(),
    }
}

proptest! {
    #[test]
    fn php_json_strings_escape_code_point_by_code_point(s in any::<String>()) {
        let expected: String = std::iter::once("\"".to_owned())
            .chain(s.chars().map(php_escape))
            .chain(std::iter::once("\"".to_owned()))
            .collect();
        prop_assert_eq!(encode(&PhpValue::str(s.clone())), expected);
        // JSON_UNESCAPED_SLASHES changes exactly the slashes.
        let unescaped = encode_with(&PhpValue::str(s.clone()), Flags { unescaped_slashes: true });
        prop_assert_eq!(unescaped.replace('/', "\\/"), encode(&PhpValue::str(s)));
    }

    #[test]
    fn php_json_from_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(value) = PhpValue::from_json(&bytes) {
            let text = encode(&value);
            prop_assert!(text.is_ascii());
            // What PHP writes is JSON again.
            prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn php_json_from_json_like_text(s in r#"[\[\]{}":,0-9a-z\\/.eE+ -]{0,80}"#) {
        if let Ok(value) = PhpValue::from_json(s.as_bytes()) {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&encode(&value)).is_ok());
        }
    }
}

#[test]
fn php_json_deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(PhpValue::from_json(deep.as_bytes()).is_err());
    assert!(json_fields(deep.as_bytes()).is_none());
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(50_000), "}".repeat(50_000));
    assert!(json_fields(deep_object.as_bytes()).is_none());
}

// ---------------------------------------------------------------------------------------------
// Notifications: reading fields from query / form / JSON, and verifying.
// ---------------------------------------------------------------------------------------------

fn gateway_key() -> &'static GeneratedKeys {
    static KEY: OnceLock<GeneratedKeys> = OnceLock::new();
    KEY.get_or_init(|| GeneratedKeys::generate(2048).unwrap())
}

fn verifier() -> NotificationVerifier {
    NotificationVerifier::new(gateway_key().public_key().unwrap())
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("type".to_owned()),
        Just("id".to_owned()),
        Just("order_id".to_owned()),
        Just("payment_status".to_owned()),
        Just("payment_amount".to_owned()),
        Just("account".to_owned()),
        Just("sign".to_owned()),
        Just("is_partial_payment".to_owned()),
        any::<String>(),
    ]
}

/// Reads pairs the way the webhook route does for a query string or a form body.
fn form_pairs(text: &[u8]) -> Vec<(String, String)> {
    url_decode_pairs(text)
}

fn url_decode_pairs(text: &[u8]) -> Vec<(String, String)> {
    // The route uses form_urlencoded; an equivalent decoding is enough to feed odd text in.
    String::from_utf8_lossy(text)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.replace('+', " "), v.replace('+', " "))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn unsigned_or_garbled_notifications_are_refused(
        pairs in proptest::collection::vec((field_name(), any::<String>()), 0..14),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..120)),
        form in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let v = verifier();
        for raw in [
            RawNotification { fields: pairs.clone(), json_body: None },
            RawNotification { fields: form_pairs(&form), json_body: None },
            RawNotification { fields: vec![], json_body: body.clone() },
        ] {
            match v.verify(&raw) {
                Err(NotifyError::MissingSign | NotifyError::BadSignature { .. } | NotifyError::MalformedBody) => {}
                other => prop_assert!(false, "accepted or oddly refused: {other:?} for {raw:?}"),
            }
        }
        if let Some(body) = &body
            && let Some(fields) = json_fields(body)
        {
            // Every field of a JSON object is read; null is left out.
            let value: serde_json::Value = serde_json::from_slice(body).unwrap();
            let object = value.as_object().unwrap();
            prop_assert_eq!(fields.len(), object.values().filter(|v| !v.is_null()).count());
        }
    }

    #[test]
    fn signed_notifications_with_any_text_verify_and_read_back(
        order_id in "[a-zA-Z0-9/ _\"\\\\а-яё😀<>&-]{1,40}",
        desc in any::<String>(),
        service in any::<String>(),
        id in 1..=u32::MAX,
        digest in prop_oneof![Just(Digest::Sha1), Just(Digest::Sha256)],
        as_json in any::<bool>(),
    ) {
        prop_assume!(!order_id.trim().is_empty());
        let fields: Vec<(String, String)> = [
            ("type", "payment".to_owned()),
            ("id", id.to_string()),
            ("order_id", order_id.clone()),
            ("payment_status", "paid".to_owned()),
            ("amount", "10.00".to_owned()),
            ("payment_amount", "10.00".to_owned()),
            ("service", service),
            ("desc", desc),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let text = notification_text(fields.as_slice(), NotificationVariant::Documented);
        let sign = gateway_key().private_key().sign(text.as_bytes(), digest).unwrap();
        let mut signed = fields.clone();
        signed.push(("sign".to_owned(), sign));
        let raw = if as_json {
            let object: serde_json::Map<String, serde_json::Value> = signed
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            RawNotification {
                fields: vec![],
                json_body: Some(serde_json::to_vec(&object).unwrap()),
            }
        } else {
            RawNotification { fields: signed, json_body: None }
        };
        let verified = verifier().verify(&raw).unwrap();
        prop_assert_eq!(verified.id.get(), u64::from(id));
        prop_assert_eq!(verified.digest, digest);
        prop_assert_eq!(verified.order_id.map(|o| o.into_inner()), Some(order_id.clone()));
        // One changed character anywhere fails the signature.
        let mut tampered = raw.clone();
        match &mut tampered.json_body {
            Some(body) => {
                let text = String::from_utf8(body.clone()).unwrap();
                *body = text.replacen("\"paid\"", "\"fail\"", 1).into_bytes();
            }
            None => tampered.fields[3].1 = "fail".to_owned(),
        }
        let refused = matches!(verifier().verify(&tampered), Err(NotifyError::BadSignature { .. }));
        prop_assert!(refused);
    }
}

// ---------------------------------------------------------------------------------------------
// PEM and password files.
// ---------------------------------------------------------------------------------------------

const HEADERS: [&str; 5] = [
    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
    "-----BEGIN PRIVATE KEY-----\n",
    "-----BEGIN PUBLIC KEY-----\n",
    "-----BEGIN RSA PUBLIC KEY-----\n",
];

fn pem_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        (0..HEADERS.len(), "[A-Za-z0-9+/=\n]{0,400}", any::<bool>()).prop_map(|(h, body, end)| {
            let label = HEADERS[h].lines().next().unwrap().replace("BEGIN", "END");
            let tail = if end { label } else { String::new() };
            format!("{}{body}\n{tail}\n", HEADERS[h]).into_bytes()
        }),
    ]
}

fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)]) -> Vec<u8> {
    for (at, byte) in flips {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = *byte;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn garbage_pem_is_a_typed_error(pem in pem_like(), password in proptest::collection::vec(any::<u8>(), 0..40)) {
        let p = Path::new("private.pem");
        let pw = Password::new(password);
        prop_assert!(PrivateKey::from_pem(&pem, Some(&pw), p, Path::new("password.txt")).is_err());
        prop_assert!(PrivateKey::from_pem(&pem, None, p, Path::new("password.txt")).is_err());
        prop_assert!(PublicKey::from_pem(&pem, Path::new("public.pem")).is_err());
    }

    #[test]
    fn mutated_real_pem_never_panics(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let keys = gateway_key();
        let private = mutate(keys.private_pem().to_vec(), &flips);
        let public = mutate(keys.public_pem().to_vec(), &flips);
        // Either refused with a typed error or (a flip into an equivalent byte) still the key.
        if let Ok(key) = PrivateKey::from_pem(&private, Some(keys.password()), Path::new("p"), Path::new("w")) {
            prop_assert_eq!(key.bits(), 2048);
        }
        if let Ok(key) = PublicKey::from_pem(&public, Path::new("p")) {
            prop_assert!(key.bits() > 0);
        }
        // A wrong password never opens the key.
        let wrong = Password::new(b"not the password".to_vec());
        prop_assert!(PrivateKey::from_pem(keys.private_pem(), Some(&wrong), Path::new("p"), Path::new("w")).is_err());
    }

    #[test]
    fn key_set_dir_with_garbage_files_is_a_typed_error(
        private in pem_like(),
        password in proptest::collection::vec(any::<u8>(), 0..64),
        public in pem_like(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("private.pem"), &private).unwrap();
        std::fs::write(dir.path().join("password.txt"), &password).unwrap();
        std::fs::write(dir.path().join("public.pem"), &public).unwrap();
        let loaded = KeySet::load(dir.path());
        prop_assert!(loaded.is_err());
        prop_assert!(!loaded.unwrap_err().to_string().is_empty());
        // A password file holds any bytes.
        let read = Password::read(&dir.path().join("password.txt")).unwrap();
        prop_assert_eq!(read.expose(), password.as_slice());
    }
}

// ---------------------------------------------------------------------------------------------
// Config values from a file and from CHECKOUT_* variables.
// ---------------------------------------------------------------------------------------------

/// Every key a value can be set at (section, key).
const KEYS: &[(&str, &str)] = &[
    ("server", "listen"),
    ("server", "data_dir"),
    ("server", "public_url"),
    ("server", "trusted_proxies"),
    ("server", "cors_origins"),
    ("server", "api_key"),
    ("server", "api_key_hash"),
    ("server", "request_timeout_secs"),
    ("server", "body_limit_bytes"),
    ("server", "rate_limit_per_minute"),
    ("server", "rate_limit_burst"),
    ("server", "database_url"),
    ("server", "log_format"),
    ("gateway", "base_url"),
    ("gateway", "account"),
    ("gateway", "digest"),
    ("gateway", "timeout_secs"),
    ("sandbox", "digest"),
    ("checkout", "merchant_name"),
    ("checkout", "merchant_logo_url"),
    ("checkout", "methods"),
    ("checkout", "default_lifetime_secs"),
    ("checkout", "max_attempts"),
    ("checkout", "default_bank"),
    ("reconciler", "tick_millis"),
    ("reconciler", "first_poll_secs"),
    ("reconciler", "max_poll_secs"),
    ("reconciler", "min_call_interval_secs"),
    ("reconciler", "payout_grace_secs"),
    ("log", "format"),
    ("metrics", "public"),
];

/// Values on the edges of what the keys accept.
fn config_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("1e9".to_owned()),
        Just("true".to_owned()),
        Just("sbp,nope".to_owned()),
        Just("http://".to_owned()),
        Just("127.0.0.1:99999".to_owned()),
        Just("10.0.0.0/33".to_owned()),
        "[0-9]{1,25}",
    ]
}

fn check_error(result: &Result<server::config::Config, ConfigError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        let text = e.to_string();
        prop_assert!(text.starts_with("config error: "), "{text}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn config_env_values_never_panic(
        picks in proptest::collection::vec((0..KEYS.len(), config_value()), 1..4),
        odd_name in "CHECKOUT_[A-Z_]{0,12}",
        odd_value in any::<String>(),
    ) {
        let mut env: Vec<(String, String)> = picks
            .iter()
            .map(|(i, v)| {
                let (section, key) = KEYS[*i];
                (format!("CHECKOUT_{}__{}", section.to_uppercase(), key.to_uppercase()), v.clone())
            })
            .collect();
        env.push((odd_name, odd_value));
        let result = load_from(None, &env, &Overrides::default());
        check_error(&result)?;
    }

    #[test]
    fn config_file_values_never_panic(
        picks in proptest::collection::vec((0..KEYS.len(), config_value()), 1..4),
        raw in any::<String>(),
    ) {
        let mut text = String::new();
        for (i, v) in &picks {
            let (section, key) = KEYS[*i];
            let quoted = toml_string(v);
            text.push_str(&format!("[{section}]\n{key} = {quoted}\n"));
        }
        let file = Some((Path::new("checkout.toml"), text.as_str()));
        check_error(&load_from(file, &[], &Overrides::default()))?;
        let file = Some((Path::new("checkout.toml"), raw.as_str()));
        check_error(&load_from(file, &[], &Overrides::default()))?;
    }

    #[test]
    fn config_numbers_out_of_type_are_refused_with_their_key(
        i in 0..KEYS.len(),
        junk in "[a-z]{1,8}",
    ) {
        let (section, key) = KEYS[i];
        let numeric = key.ends_with("_secs") || key.ends_with("_bytes") || key.ends_with("_millis")
            || key.ends_with("_minute") || key.ends_with("_burst") || key == "max_attempts";
        prop_assume!(numeric);
        let env = vec![(
            format!("CHECKOUT_{}__{}", section.to_uppercase(), key.to_uppercase()),
            junk,
        )];
        let message = load_from(None, &env, &Overrides::default()).unwrap_err().to_string();
        let dotted = format!("{section}.{key}");
        prop_assert!(message.contains(&dotted), "{message}");
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
