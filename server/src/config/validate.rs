//! Validation of the merged raw values into a typed [`Config`], naming the key of the first
//! problem.
//!
//! Long (one method per config section, ~550 lines) on purpose: every key's rule, default and
//! range reads in one place, in the order of `docs/merchant-api.md`'s table; the webhooks
//! section, with rules of its own, is [`webhooks`].

mod webhooks;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use shared::{AccountUuid, BankCode, HttpUrl, LifetimeSecs, Method};

use super::layers::{ConfigError, Layers};
use super::raw::{
    List, Num, RawCheckout, RawConfig, RawGateway, RawMetrics, RawReconciler, RawServer,
};
use super::{
    ApiKeySetting, CheckoutConfig, Config, CorsOrigins, DatabaseLocation, FloodLimits, GatewayMode,
    IpNet, LogFormat, MetricsConfig, RateLimitConfig, ReconcilerConfig, RemoteGateway,
    SandboxSettings, Secret, ServerConfig,
};
use crate::signing::Digest;
use crate::signing::DigestMode;

/// Turns the raw values into typed ones, naming the key of the first problem.
pub(super) struct Validator<'a> {
    layers: &'a Layers,
}

type Result2<T> = Result<T, ConfigError>;

impl<'a> Validator<'a> {
    pub(super) fn new(layers: &'a Layers) -> Validator<'a> {
        Validator { layers }
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        self.layers.error(key, message)
    }

    pub(super) fn config(&self, raw: RawConfig) -> Result2<Config> {
        let gateway = self.gateway(raw.gateway, raw.sandbox.digest)?;
        let sandbox = gateway.is_sandbox();
        let mut server = self.server(raw.server)?;
        if let Some(format) = raw.log.format {
            server.log_format = self.log_format("log.format", &format)?;
        }
        self.mode_rules(&server, &gateway)?;
        Ok(Config {
            server,
            metrics: self.metrics(raw.metrics),
            checkout: self.checkout(raw.checkout, sandbox)?,
            reconciler: self.reconciler(raw.reconciler)?,
            webhooks: self.webhooks(raw.webhooks)?,
            gateway,
        })
    }

    /// Test money stays on this machine unless the operator says otherwise, and the API key
    /// carries the prefix of the mode.
    fn mode_rules(&self, server: &ServerConfig, gateway: &GatewayMode) -> Result2<()> {
        let mode = gateway.mode();
        if gateway.is_sandbox() && !server.listen.ip().is_loopback() && !server.sandbox_public {
            return Err(self.err(
                "server.listen",
                format!(
                    "{} is not a loopback address, and with no gateway configured this is \
                     sandbox mode, whose controls (/sandbox/control/…) are unauthenticated: \
                     anyone who reaches this address could mark a payment paid. Listen on \
                     127.0.0.1, configure [gateway], or pass --sandbox-public \
                     (server.sandbox_public = true, CHECKOUT_SERVER__SANDBOX_PUBLIC=true) to \
                     expose the sandbox anyway",
                    server.listen
                ),
            ));
        }
        if let Some(ApiKeySetting::Plain(key)) = &server.api_key {
            let prefix = mode.key_prefix();
            if !key.expose().starts_with(prefix) {
                let why = match mode {
                    crate::auth::Mode::Test => {
                        "no gateway is configured, so this is sandbox mode (test money)"
                    }
                    crate::auth::Mode::Live => {
                        "a gateway is configured, so this is live mode (real money)"
                    }
                };
                return Err(self.err(
                    "server.api_key",
                    format!(
                        "must start with {prefix}: {why}, and keys are namespaced by mode \
                         so a key of one mode is never taken for the other (e.g. \
                         {prefix}<32+ random characters>)"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn num(&self, key: &str, value: Option<Num>, default: u64, range: (u64, u64)) -> Result2<u64> {
        let v = value.map_or(default, |n| n.0);
        if v < range.0 || v > range.1 {
            return Err(self.err(
                key,
                format!("must be between {} and {}, got {v}", range.0, range.1),
            ));
        }
        Ok(v)
    }

    fn server(&self, raw: RawServer) -> Result2<ServerConfig> {
        let floods = self.floods(&raw)?;
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen: SocketAddr = listen_text.trim().parse().map_err(|_| {
            self.err(
                "server.listen",
                format!("expected an address such as 127.0.0.1:8080, got {listen_text:?}"),
            )
        })?;
        let data_dir = PathBuf::from(raw.data_dir.unwrap_or_else(|| "./data".to_owned()));
        if data_dir.as_os_str().is_empty() {
            return Err(self.err("server.data_dir", "must not be empty"));
        }
        let public_url = match raw.public_url {
            None => None,
            Some(text) => {
                let url = HttpUrl::parse(text.trim())
                    .map_err(|e| self.err("server.public_url", e.to_string()))?;
                Some(url.as_str().trim_end_matches('/').to_owned())
            }
        };
        let trusted_proxies = raw
            .trusted_proxies
            .unwrap_or_default()
            .0
            .iter()
            .map(|p| p.parse::<IpNet>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err("server.trusted_proxies", e.to_string()))?;
        let cors_origins = self.cors(raw.cors_origins.unwrap_or_default())?;
        let api_key = match (raw.api_key, raw.api_key_hash) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    "server.api_key_hash",
                    "set either server.api_key (CHECKOUT_API_KEY) or server.api_key_hash, not both",
                ));
            }
            (Some(key), None) => {
                if key.trim().chars().count() < 16 {
                    return Err(self.err("server.api_key", "must be at least 16 characters long"));
                }
                Some(ApiKeySetting::Plain(Secret::new(key.trim())))
            }
            (None, Some(hash)) => Some(ApiKeySetting::Sha256(parse_sha256(&hash).ok_or_else(
                || {
                    self.err(
                        "server.api_key_hash",
                        "expected 64 hex digits (the SHA-256 of the key)",
                    )
                },
            )?)),
            (None, None) => None,
        };
        let request_timeout = self.num(
            "server.request_timeout_secs",
            raw.request_timeout_secs,
            60,
            (1, 3600),
        )?;
        let body_limit = self.num(
            "server.body_limit_bytes",
            raw.body_limit_bytes,
            64 * 1024,
            (1024, 16 * 1024 * 1024),
        )?;
        let per_minute = self.num(
            "server.rate_limit_per_minute",
            raw.rate_limit_per_minute,
            300,
            (0, 1_000_000),
        )?;
        let burst = self.num(
            "server.rate_limit_burst",
            raw.rate_limit_burst,
            60,
            (1, 1_000_000),
        )?;
        let log_format = match raw.log_format {
            None => LogFormat::Text,
            Some(text) => self.log_format("server.log_format", &text)?,
        };
        let database = self.database(raw.database_url, &data_dir)?;
        Ok(ServerConfig {
            sandbox_public: raw.sandbox_public.is_some_and(|f| f.0),
            floods,
            listen,
            public_url,
            trusted_proxies,
            cors_origins,
            api_key,
            request_timeout: Duration::from_secs(request_timeout),
            body_limit: usize::try_from(body_limit).unwrap_or(usize::MAX),
            rate_limit: RateLimitConfig {
                per_minute: u32::try_from(per_minute).unwrap_or(u32::MAX),
                burst: u32::try_from(burst).unwrap_or(u32::MAX),
            },
            dist_dir: PathBuf::from(raw.dist_dir.unwrap_or_else(|| "./dist".to_owned())),
            log_format,
            database,
            data_dir,
        })
    }

    fn floods(&self, raw: &RawServer) -> Result2<FloodLimits> {
        let d = FloodLimits::default();
        let size = |key: &str, value: Option<Num>, default: usize, max: u64| -> Result2<usize> {
            let v = self.num(key, value, default as u64, (1, max))?;
            Ok(usize::try_from(v).unwrap_or(default))
        };
        Ok(FloodLimits {
            sse_per_session: size(
                "server.sse_max_per_session",
                raw.sse_max_per_session,
                d.sse_per_session,
                10_000,
            )?,
            sse_per_ip: size(
                "server.sse_max_per_ip",
                raw.sse_max_per_ip,
                d.sse_per_ip,
                1_000_000,
            )?,
            sse_total: size(
                "server.sse_max_total",
                raw.sse_max_total,
                d.sse_total,
                1_000_000,
            )?,
            notification_concurrency: size(
                "server.notification_concurrency",
                raw.notification_concurrency,
                d.notification_concurrency,
                1024,
            )?,
            notification_max_refusals: u32::try_from(self.num(
                "server.notification_max_refusals",
                raw.notification_max_refusals,
                u64::from(d.notification_max_refusals),
                (1, 1_000_000),
            )?)
            .unwrap_or(d.notification_max_refusals),
        })
    }

    fn log_format(&self, key: &str, text: &str) -> Result2<LogFormat> {
        text.parse()
            .map_err(|message: String| self.err(key, message))
    }

    fn metrics(&self, raw: RawMetrics) -> MetricsConfig {
        MetricsConfig {
            public: raw.public.is_some_and(|f| f.0),
        }
    }

    fn database(&self, url: Option<String>, data_dir: &Path) -> Result2<DatabaseLocation> {
        let Some(url) = url else {
            return Ok(DatabaseLocation::Sqlite(data_dir.join("checkout.db")));
        };
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(self.err("server.database_url", "sqlite URL names no file"));
            }
            return Ok(DatabaseLocation::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Parsed here so a typo fails at start-up with the key named, not at first use.
            if let Err(e) = url.parse::<sqlx::postgres::PgConnectOptions>() {
                return Err(self.err(
                    "server.database_url",
                    format!("not a usable PostgreSQL URL: {e}"),
                ));
            }
            return Ok(DatabaseLocation::Postgres(url.to_owned()));
        }
        Err(self.err(
            "server.database_url",
            "expected sqlite://FILE or postgres://USER:PASSWORD@HOST:PORT/DATABASE",
        ))
    }

    fn cors(&self, list: List) -> Result2<CorsOrigins> {
        let key = "server.cors_origins";
        if list.0.iter().any(|o| o.trim() == "*") {
            if list.0.len() > 1 {
                return Err(self.err(key, "\"*\" must be the only entry"));
            }
            return Ok(CorsOrigins::Any);
        }
        let mut origins = Vec::new();
        for origin in list.0 {
            let origin = origin.trim().trim_end_matches('/').to_owned();
            let url = HttpUrl::parse(origin.as_str()).map_err(|e| self.err(key, e.to_string()))?;
            let after_scheme = url.as_str().split_once("://").map_or("", |(_, r)| r);
            if after_scheme.contains(['/', '?', '#']) {
                return Err(self.err(
                    key,
                    format!("{origin:?} is not an origin (scheme://host[:port], no path)"),
                ));
            }
            origins.push(origin);
        }
        Ok(CorsOrigins::List(origins))
    }

    fn digest(&self, key: &str, value: Option<String>) -> Result2<Digest> {
        match value {
            None => Ok(Digest::default()),
            Some(text) => match text.trim() {
                "sha1" => Ok(Digest::Sha1),
                "sha256" => Ok(Digest::Sha256),
                _ => Err(self.err(
                    key,
                    format!("expected \"sha1\" or \"sha256\", got {text:?}"),
                )),
            },
        }
    }

    fn gateway(&self, raw: RawGateway, sandbox_digest: Option<String>) -> Result2<GatewayMode> {
        let digest = self.digest("gateway.digest", raw.digest)?;
        let timeout = Duration::from_secs(self.num(
            "gateway.timeout_secs",
            raw.timeout_secs,
            20,
            (1, 300),
        )?);
        let Some(base_url) = raw.base_url else {
            for key in [
                "account",
                "payment_keys_dir",
                "payout_keys_dir",
                "notification_public_key",
            ] {
                let key = format!("gateway.{key}");
                if self.layers.is_set(&key) {
                    return Err(self.err(
                        "gateway.base_url",
                        format!(
                            "required when {key} is set (leave [gateway] without base_url for sandbox mode)"
                        ),
                    ));
                }
            }
            let accepts = match sandbox_digest.as_deref().map(str::trim) {
                None => DigestMode::from(digest),
                Some("sha1") => DigestMode::Sha1,
                Some("sha256") => DigestMode::Sha256,
                Some("any") => DigestMode::Any,
                Some(other) => {
                    return Err(self.err(
                        "sandbox.digest",
                        format!("expected \"sha1\", \"sha256\" or \"any\", got {other:?}"),
                    ));
                }
            };
            return Ok(GatewayMode::Sandbox(SandboxSettings {
                digest,
                timeout,
                accepts,
            }));
        };
        if sandbox_digest.is_some() {
            return Err(self.err(
                "sandbox.digest",
                "only used in sandbox mode, but gateway.base_url is set",
            ));
        }
        let mut base = base_url.trim().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let base_url =
            HttpUrl::parse(base).map_err(|e| self.err("gateway.base_url", e.to_string()))?;
        let required = |key: &str, value: Option<String>| -> Result2<String> {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| self.err(key, "required when gateway.base_url is set"))
        };
        let account_text = required("gateway.account", raw.account)?;
        let account = AccountUuid::parse(account_text.trim())
            .map_err(|e| self.err("gateway.account", e.to_string()))?;
        Ok(GatewayMode::Remote(RemoteGateway {
            base_url,
            account,
            payment_keys_dir: required("gateway.payment_keys_dir", raw.payment_keys_dir)?.into(),
            payout_keys_dir: required("gateway.payout_keys_dir", raw.payout_keys_dir)?.into(),
            notification_public_key: required(
                "gateway.notification_public_key",
                raw.notification_public_key,
            )?
            .into(),
            digest,
            timeout,
        }))
    }

    fn checkout(&self, raw: RawCheckout, sandbox: bool) -> Result2<CheckoutConfig> {
        let merchant_name = match raw.merchant_name.map(|n| n.trim().to_owned()) {
            Some(name) if !name.is_empty() => name,
            Some(_) => return Err(self.err("checkout.merchant_name", "must not be empty")),
            None if sandbox => "Demo shop".to_owned(),
            None => {
                return Err(self.err(
                    "checkout.merchant_name",
                    "required outside sandbox mode (the shop name buyers see)",
                ));
            }
        };
        let merchant_logo_url = match raw.merchant_logo_url {
            None => None,
            Some(url) => Some(
                HttpUrl::parse(url.trim())
                    .map_err(|e| self.err("checkout.merchant_logo_url", e.to_string()))?
                    .to_string(),
            ),
        };
        let methods = match raw.methods {
            None => Method::ALL.to_vec(),
            Some(list) => {
                let mut methods = Vec::new();
                for name in &list.0 {
                    let method: Method = name.parse().map_err(|e: shared::MethodParseError| {
                        self.err("checkout.methods", e.to_string())
                    })?;
                    if methods.contains(&method) {
                        return Err(
                            self.err("checkout.methods", format!("{method} is listed twice"))
                        );
                    }
                    methods.push(method);
                }
                if methods.is_empty() {
                    return Err(self.err("checkout.methods", "must list at least one method"));
                }
                methods
            }
        };
        let mut services = Vec::new();
        for (name, service) in raw.services.unwrap_or_default() {
            let key = format!("checkout.services.{name}");
            let method: Method = name
                .parse()
                .map_err(|e: shared::MethodParseError| self.err(&key, e.to_string()))?;
            let service = service.trim().to_owned();
            if service.is_empty() || service.len() > 100 {
                return Err(self.err(&key, "must be a service code of 1 to 100 characters"));
            }
            services.push((method, service));
        }
        let lifetime = self.num(
            "checkout.default_lifetime_secs",
            raw.default_lifetime_secs,
            u64::from(LifetimeSecs::DEFAULT.secs()),
            (0, u64::MAX),
        )?;
        let default_lifetime = LifetimeSecs::new(lifetime)
            .map_err(|e| self.err("checkout.default_lifetime_secs", e.to_string()))?;
        let max_attempts = self.num("checkout.max_attempts", raw.max_attempts, 5, (1, 20))?;
        let bank = raw
            .default_bank
            .unwrap_or_else(|| "100000000111".to_owned());
        let default_bank = BankCode::parse(bank.trim())
            .map_err(|e| self.err("checkout.default_bank", e.to_string()))?;
        Ok(CheckoutConfig {
            default_bank,
            merchant_name,
            merchant_logo_url,
            methods,
            services,
            default_lifetime,
            max_attempts: u32::try_from(max_attempts).unwrap_or(5),
        })
    }

    fn reconciler(&self, raw: RawReconciler) -> Result2<ReconcilerConfig> {
        let tick = self.num(
            "reconciler.tick_millis",
            raw.tick_millis,
            1000,
            (10, 60_000),
        )?;
        let first = self.num(
            "reconciler.first_poll_secs",
            raw.first_poll_secs,
            10,
            (1, 3600),
        )?;
        let max = self.num(
            "reconciler.max_poll_secs",
            raw.max_poll_secs,
            300,
            (1, 86_400),
        )?;
        if max < first {
            return Err(self.err(
                "reconciler.max_poll_secs",
                format!("must be at least reconciler.first_poll_secs ({first})"),
            ));
        }
        let min_call = self.num(
            "reconciler.min_call_interval_secs",
            raw.min_call_interval_secs,
            10,
            (1, 3600),
        )?;
        let grace = self.num(
            "reconciler.payout_grace_secs",
            raw.payout_grace_secs,
            900,
            (60, 604_800),
        )?;
        Ok(ReconcilerConfig {
            tick: Duration::from_millis(tick),
            first_poll: Duration::from_secs(first),
            max_poll: Duration::from_secs(max),
            min_call_interval: Duration::from_secs(min_call),
            payout_grace: Duration::from_secs(grace),
        })
    }
}

/// 64 hex digits → 32 bytes.
fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
