//! The configuration as the dashboard's system page shows it: every setting that explains
//! behaviour, never a secret (keys, passwords, API keys, the database URL's credentials).

use crate::config::{ApiKeySetting, Config, CorsOrigins, DatabaseLocation, GatewayMode};

/// `(key, value)` pairs, in the order of `docs/merchant-api.md`'s list.
pub fn config_summary(config: &Config, base_url: &str) -> Vec<(String, String)> {
    let s = &config.server;
    let c = &config.checkout;
    let mut out: Vec<(String, String)> = vec![
        ("server.listen".into(), s.listen.to_string()),
        ("server.public_url".into(), base_url.to_owned()),
        (
            "database".into(),
            match &s.database {
                DatabaseLocation::Sqlite(path) => format!("SQLite {}", path.display()),
                DatabaseLocation::Postgres(_) => "PostgreSQL (DATABASE_URL, not shown)".into(),
            },
        ),
        (
            "server.api_key".into(),
            match &s.api_key {
                Some(ApiKeySetting::Plain(_)) => "set (not shown)".into(),
                Some(ApiKeySetting::Sha256(_)) => "set as a SHA-256 hash".into(),
                None => "generated / stored".into(),
            },
        ),
        (
            "server.cors_origins".into(),
            match &s.cors_origins {
                CorsOrigins::Any => "*".into(),
                CorsOrigins::List(list) if list.is_empty() => "(none: hosted page only)".into(),
                CorsOrigins::List(list) => list.join(", "),
            },
        ),
        (
            "server.rate_limit".into(),
            format!(
                "{}/min, burst {}",
                s.rate_limit.per_minute, s.rate_limit.burst
            ),
        ),
        (
            "server.request_timeout".into(),
            format!("{:?}", s.request_timeout),
        ),
    ];
    match &config.gateway {
        GatewayMode::Sandbox(sb) => {
            out.push(("gateway".into(), "sandbox (in-process emulator)".into()));
            out.push(("gateway.digest".into(), sb.digest.to_string()));
        }
        GatewayMode::Remote(r) => {
            out.push(("gateway.base_url".into(), r.base_url.to_string()));
            out.push(("gateway.account".into(), r.account.to_string()));
            out.push(("gateway.digest".into(), r.digest.to_string()));
            out.push(("gateway.timeout".into(), format!("{:?}", r.timeout)));
        }
    }
    out.extend([
        ("checkout.merchant_name".into(), c.merchant_name.clone()),
        (
            "checkout.methods".into(),
            c.methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "checkout.default_lifetime".into(),
            format!("{} s", c.default_lifetime),
        ),
        ("checkout.max_attempts".into(), c.max_attempts.to_string()),
        ("checkout.default_bank".into(), c.default_bank.to_string()),
        (
            "webhooks.url".into(),
            config
                .webhooks
                .endpoint
                .as_ref()
                .map_or_else(|| "(not set)".to_owned(), |e| e.url.clone()),
        ),
        (
            "webhooks.retry".into(),
            format!(
                "{} attempts, {:?} … {:?}",
                config.webhooks.retry.max_attempts,
                config.webhooks.retry.initial,
                config.webhooks.retry.max
            ),
        ),
        ("metrics.public".into(), config.metrics.public.to_string()),
    ]);
    out
}
