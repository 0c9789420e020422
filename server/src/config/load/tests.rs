#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use shared::Method;

use super::*;
use crate::config::{ApiKeySetting, CorsOrigins, DatabaseLocation, GatewayMode};
use crate::signing::Digest;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn load_text(file: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    load_from(
        Some((Path::new("checkout.toml"), file)),
        &env(pairs),
        &Overrides::default(),
    )
}

fn message(result: Result<Config, ConfigError>) -> String {
    result.expect_err("expected a config error").to_string()
}

#[test]
fn defaults_are_sandbox_mode_on_localhost() {
    let config = load_from(None, &[], &Overrides::default()).unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.server.data_dir, Path::new("./data"));
    assert_eq!(
        config.server.database,
        DatabaseLocation::Sqlite(Path::new("./data").join("checkout.db"))
    );
    assert!(config.gateway.is_sandbox());
    assert_eq!(config.checkout.methods, Method::ALL.to_vec());
    assert_eq!(config.checkout.merchant_name, "Demo shop");
    assert_eq!(config.reconciler.min_call_interval, Duration::from_secs(10));
    assert_eq!(config.reconciler.first_poll, Duration::from_secs(10));
    assert_eq!(config.reconciler.max_poll, Duration::from_secs(300));
    assert_eq!(config.reconciler.payout_grace, Duration::from_secs(900));
    assert_eq!(config.server.body_limit, 64 * 1024);
    assert!(config.server.api_key.is_none());
}

#[test]
fn env_overrides_file_and_flags_override_env() {
    let file = r#"
        [server]
        listen = "127.0.0.1:9000"
        cors_origins = ["https://shop.example.ru"]
        [checkout]
        methods = ["sbp", "card_form"]
        [checkout.services]
        card_transfer = "payment_card_number_rub_card"
        [reconciler]
        first_poll_secs = 2
    "#;
    let config = load_text(
        file,
        &[
            ("CHECKOUT_SERVER__LISTEN", "127.0.0.1:9001"),
            ("CHECKOUT_CHECKOUT__METHODS", "account_form, sbp"),
            ("CHECKOUT_API_KEY", "sk_test_0123456789abcdef-key"),
            ("CHECKOUT_RECONCILER__TICK_MILLIS", "50"),
            ("CHECKOUT_RECONCILER__PAYOUT_GRACE_SECS", "1200"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:9001");
    assert_eq!(
        config.checkout.methods,
        vec![Method::AccountForm, Method::Sbp]
    );
    assert_eq!(
        config.checkout.service(Method::CardTransfer),
        "payment_card_number_rub_card"
    );
    assert_eq!(
        config.checkout.service(Method::Sbp),
        "payment_card_sbp_rub_card"
    );
    assert_eq!(config.reconciler.first_poll, Duration::from_secs(2));
    assert_eq!(config.reconciler.tick, Duration::from_millis(50));
    assert_eq!(config.reconciler.payout_grace, Duration::from_secs(1200));
    assert_eq!(
        config.server.cors_origins,
        CorsOrigins::List(vec!["https://shop.example.ru".into()])
    );
    assert!(matches!(
        config.server.api_key,
        Some(ApiKeySetting::Plain(_))
    ));

    let flags = Overrides {
        config_file: None,
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some("/tmp/elsewhere".into()),
        sandbox_public: false,
    };
    let config = load_from(
        Some((Path::new("checkout.toml"), file)),
        &env(&[("CHECKOUT_SERVER__LISTEN", "127.0.0.1:9001")]),
        &flags,
    )
    .unwrap();
    assert_eq!(config.server.listen.port(), 0);
    assert_eq!(
        config.server.database,
        DatabaseLocation::Sqlite(Path::new("/tmp/elsewhere/checkout.db").to_owned())
    );
}

#[test]
fn errors_name_the_exact_key_and_its_origin() {
    let cases: Vec<(Result<Config, ConfigError>, &str)> = vec![
        (
            load_text("", &[("CHECKOUT_GATEWAY__DIGEST", "md5")]),
            r#"config error: gateway.digest: expected "sha1" or "sha256", got "md5" (set by CHECKOUT_GATEWAY__DIGEST)"#,
        ),
        (
            load_text("[gateway]\ndigest = \"md5\"\n", &[]),
            r#"config error: gateway.digest: expected "sha1" or "sha256", got "md5" (set by checkout.toml)"#,
        ),
        (
            load_text("", &[("CHECKOUT_SERVER__LISTEN", "localhost")]),
            "config error: server.listen: expected an address such as 127.0.0.1:8080",
        ),
        (
            load_text("[server]\nlistn = \"x\"\n", &[]),
            "config error: server.listn: unknown field `listn`",
        ),
        (
            load_text("", &[("CHECKOUT_CHECKOUT__METHODS", "card,sbp")]),
            "config error: checkout.methods: unknown payment method \"card\"",
        ),
        (
            load_text("[checkout]\ndefault_lifetime_secs = 60\n", &[]),
            "config error: checkout.default_lifetime_secs: lifetime must be between 900 and 3600",
        ),
        (
            load_text("", &[("CHECKOUT_RECONCILER__FIRST_POLL_SECS", "soon")]),
            "config error: reconciler.first_poll_secs: expected a whole number, got \"soon\"",
        ),
        (
            load_text(
                "[gateway]\naccount = \"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f\"\n",
                &[],
            ),
            "config error: gateway.base_url: required when gateway.account is set",
        ),
        (
            load_text(
                "[gateway]\nbase_url = \"https://api-merchant.alikassa.com\"\n",
                &[],
            ),
            "config error: gateway.account: required when gateway.base_url is set",
        ),
        (
            load_text("", &[("CHECKOUT_API_KEY", "short")]),
            "config error: server.api_key: must be at least 16 characters long (set by CHECKOUT_API_KEY)",
        ),
        (
            load_text(
                "",
                &[(
                    "CHECKOUT_SERVER__CORS_ORIGINS",
                    "https://shop.example.ru/checkout",
                )],
            ),
            "config error: server.cors_origins: \"https://shop.example.ru/checkout\" is not an origin",
        ),
        (
            load_text("", &[("CHECKOUT_SERVER__TRUSTED_PROXIES", "10.0.0.0/40")]),
            "config error: server.trusted_proxies: expected an IP address or CIDR block",
        ),
        (
            load_text("", &[("DATABASE_URL", "mysql://db/checkout")]),
            "config error: server.database_url: expected sqlite://FILE or postgres://",
        ),
        (
            load_text("", &[("DATABASE_URL", "postgres://db:notaport/checkout")]),
            "config error: server.database_url: not a usable PostgreSQL URL",
        ),
        (
            load_text("[checkout.services]\ncard = \"x\"\n", &[]),
            "config error: checkout.services.card: unknown payment method",
        ),
        (
            load_text("[reconciler]\nmax_poll_secs = 5\n", &[]),
            "config error: reconciler.max_poll_secs: must be at least reconciler.first_poll_secs (10)",
        ),
        (
            load_text("[reconciler]\npayout_grace_secs = 5\n", &[]),
            "config error: reconciler.payout_grace_secs: must be between 60 and 604800, got 5",
        ),
        (
            load_text("", &[("CHECKOUT_SERVER__LISTEN__X", "1")]),
            "config error: server.listen: invalid type: map, expected a string",
        ),
    ];
    for (result, expected) in cases {
        let text = message(result);
        assert!(
            text.starts_with(expected),
            "got:      {text}\nexpected: {expected}…"
        );
    }
}

#[test]
fn bad_file_syntax_names_the_file() {
    let text = message(load_text("[server\nlisten = 1", &[]));
    assert!(text.starts_with("config error: checkout.toml: "), "{text}");
}

#[test]
fn remote_gateway_needs_every_key_and_a_merchant_name() {
    let file = r#"
        [gateway]
        base_url = "https://api-merchant.alikassa.com"
        account = "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
        payment_keys_dir = "/etc/checkout/payment"
        payout_keys_dir = "/etc/checkout/payout"
        notification_public_key = "/etc/checkout/notification.pem"
        digest = "sha256"
        timeout_secs = 7
    "#;
    let text = message(load_text(file, &[]));
    assert!(
        text.starts_with("config error: checkout.merchant_name: required outside sandbox mode"),
        "{text}"
    );
    let config = load_text(file, &[("CHECKOUT_CHECKOUT__MERCHANT_NAME", "Shop")]).unwrap();
    let GatewayMode::Remote(remote) = &config.gateway else {
        panic!("expected a remote gateway");
    };
    assert_eq!(
        remote.base_url.as_str(),
        "https://api-merchant.alikassa.com/"
    );
    assert_eq!(remote.digest, Digest::Sha256);
    assert_eq!(remote.timeout, Duration::from_secs(7));
}

#[test]
fn api_key_hash_and_secret_masking() {
    let hash = "a".repeat(64);
    let config = load_text(&format!("[server]\napi_key_hash = \"{hash}\"\n"), &[]).unwrap();
    assert!(matches!(config.server.api_key, Some(ApiKeySetting::Sha256(d)) if d == [0xaa; 32]));
    let text = message(load_text("[server]\napi_key_hash = \"zz\"\n", &[]));
    assert!(
        text.starts_with("config error: server.api_key_hash: expected 64 hex digits"),
        "{text}"
    );
    let config = load_text("", &[("CHECKOUT_API_KEY", "sk_test_super-secret-key-123")]).unwrap();
    assert!(!format!("{config:?}").contains("super-secret"));
}

#[test]
fn a_postgres_url_selects_postgres_storage() {
    let config = load_text(
        "",
        &[(
            "DATABASE_URL",
            "postgres://checkout:secret@127.0.0.1:5432/checkout",
        )],
    )
    .unwrap();
    assert_eq!(
        config.server.database,
        DatabaseLocation::Postgres("postgres://checkout:secret@127.0.0.1:5432/checkout".into())
    );
}

#[test]
fn sandbox_mode_stays_on_loopback_unless_told_otherwise() {
    let text = message(load_text(
        "",
        &[("CHECKOUT_SERVER__LISTEN", "0.0.0.0:8080")],
    ));
    assert!(
        text.starts_with("config error: server.listen: 0.0.0.0:8080 is not a loopback address"),
        "{text}"
    );
    assert!(
        text.contains("anyone who reaches this address could mark a payment paid"),
        "{text}"
    );
    assert!(text.contains("--sandbox-public"), "{text}");
    assert!(text.ends_with("(set by CHECKOUT_SERVER__LISTEN)"), "{text}");
    let text = message(load_text("[server]\nlisten = \"[::]:8080\"\n", &[]));
    assert!(text.contains("not a loopback address"), "{text}");

    for (file, envs, flag) in [
        ("[server]\nsandbox_public = true\n", vec![], false),
        ("", vec![("CHECKOUT_SERVER__SANDBOX_PUBLIC", "true")], false),
        ("", vec![], true),
    ] {
        let mut pairs = vec![("CHECKOUT_SERVER__LISTEN", "0.0.0.0:8080")];
        pairs.extend(envs);
        let overrides = Overrides {
            sandbox_public: flag,
            ..Overrides::default()
        };
        let config = load_from(
            Some((Path::new("checkout.toml"), file)),
            &env(&pairs),
            &overrides,
        )
        .unwrap();
        assert!(config.server.sandbox_public);
    }
    assert!(load_text("[server]\nlisten = \"[::1]:8080\"\n", &[]).is_ok());
    // With a gateway, any address is fine (and the flag means nothing).
    let live = format!(
        "[server]\nlisten = \"0.0.0.0:8080\"\napi_key = \"sk_live_0123456789abcdef\"\n{GATEWAY}"
    );
    assert!(load_text(&live, &[]).is_ok());
}

/// A complete `[gateway]` section (live mode) and the shop name it requires.
const GATEWAY: &str = "[gateway]\nbase_url = \"https://api-merchant.alikassa.com\"\n\
    account = \"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f\"\npayment_keys_dir = \"k/payment\"\n\
    payout_keys_dir = \"k/payout\"\nnotification_public_key = \"k/public.pem\"\n\
    [checkout]\nmerchant_name = \"Shop\"\n";

#[test]
fn the_api_key_carries_the_prefix_of_the_mode() {
    let text = message(load_text(
        "",
        &[("CHECKOUT_API_KEY", "sk_live_0123456789abcdef")],
    ));
    assert!(
        text.starts_with(
            "config error: server.api_key: must start with sk_test_: no gateway is configured"
        ),
        "{text}"
    );
    let text = message(load_text(
        GATEWAY,
        &[("CHECKOUT_API_KEY", "sk_test_0123456789abcdef")],
    ));
    assert!(
        text.starts_with(
            "config error: server.api_key: must start with sk_live_: a gateway is configured"
        ),
        "{text}"
    );
    let text = message(load_text(
        GATEWAY,
        &[("CHECKOUT_API_KEY", "0123456789abcdef0123")],
    ));
    assert!(text.contains("must start with sk_live_"), "{text}");
    assert!(load_text(GATEWAY, &[("CHECKOUT_API_KEY", "sk_live_0123456789abcdef")]).is_ok());
    assert!(load_text("", &[("CHECKOUT_API_KEY", "sk_test_0123456789abcdef")]).is_ok());
}

#[test]
fn flood_limits_have_defaults_and_bounds() {
    let config = load_text("", &[]).unwrap();
    assert_eq!(config.server.floods, crate::config::FloodLimits::default());
    assert_eq!(config.server.floods.sse_per_session, 8);
    assert_eq!(config.server.floods.sse_per_ip, 64);
    assert_eq!(config.server.floods.sse_total, 5000);
    assert_eq!(config.server.floods.notification_concurrency, 4);
    assert_eq!(config.server.floods.notification_max_refusals, 20);
    let config = load_text(
        "[server]\nsse_max_per_session = 2\nsse_max_total = 100\n",
        &[("CHECKOUT_SERVER__SSE_MAX_PER_IP", "3")],
    )
    .unwrap();
    assert_eq!(
        (
            config.server.floods.sse_per_session,
            config.server.floods.sse_per_ip,
            config.server.floods.sse_total
        ),
        (2, 3, 100)
    );
    assert_eq!(
        message(load_text("[server]\nsse_max_total = 0\n", &[])),
        "config error: server.sse_max_total: must be between 1 and 1000000, got 0 (set by checkout.toml)"
    );
}
