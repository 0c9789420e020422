//! Typed configuration of `serve`, layered defaults → `checkout.toml` (or `--config FILE`) →
//! `CHECKOUT_*` environment → command-line flags, failing fast with the exact key that is
//! wrong (`config error: gateway.digest: expected "sha1" or "sha256", got "md5"`).
//!
//! Environment names: `CHECKOUT_<SECTION>__<KEY>` (double underscore between levels), e.g.
//! `CHECKOUT_SERVER__LISTEN`, `CHECKOUT_GATEWAY__DIGEST`,
//! `CHECKOUT_CHECKOUT__SERVICES__CARD_TRANSFER`; lists are comma-separated. Two short names
//! from the product contract: `CHECKOUT_API_KEY` (= `server.api_key`) and `DATABASE_URL`.
//! `docs/merchant-api.md` lists every key.

mod layers;
mod load;
mod net;
mod raw;
mod validate;
mod webhooks;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use shared::{AccountUuid, BankCode, HttpUrl, LifetimeSecs, Method};

use crate::signing::Digest;
use crate::signing::DigestMode;

pub use layers::ConfigError;
pub use load::{Overrides, load, load_from};
pub use net::{IpNet, IpNetError};
pub use webhooks::{RetryPolicy, WebhookEndpoint, WebhooksConfig};

/// Everything `serve` runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// HTTP server, storage location and the merchant API key.
    pub server: ServerConfig,
    /// The real gateway, or the in-process sandbox.
    pub gateway: GatewayMode,
    /// What buyers are offered.
    pub checkout: CheckoutConfig,
    /// The background status poller.
    pub reconciler: ReconcilerConfig,
    /// `/metrics`.
    pub metrics: MetricsConfig,
    /// Events to the merchant's backend.
    pub webhooks: WebhooksConfig,
}

/// `[metrics]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsConfig {
    /// Serve `/metrics` without the API key (`metrics.public`, default `false`): for
    /// operators who restrict it at the network level instead.
    pub public: bool,
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Where the database, generated keys and sandbox state live (`./data`).
    pub data_dir: PathBuf,
    /// The URL buyers and the gateway reach this server at, without a trailing slash; `None`
    /// = `http://<listen address>`.
    pub public_url: Option<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed to call the widget API and load the widget from a browser.
    pub cors_origins: CorsOrigins,
    /// The merchant API key, if configured.
    pub api_key: Option<ApiKeySetting>,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Per-IP limit on widget endpoints.
    pub rate_limit: RateLimitConfig,
    /// The widget's trunk build (`./dist`).
    pub dist_dir: PathBuf,
    /// Log line format on stderr (`log.format`; `server.log_format` is its older name;
    /// `--log-format` overrides both).
    pub log_format: LogFormat,
    /// Storage location (`DATABASE_URL`, default `sqlite://<data_dir>/checkout.db`).
    pub database: DatabaseLocation,
    /// Sandbox mode may listen on a non-loopback address (`server.sandbox_public`,
    /// `--sandbox-public`; default `false`): its controls are unauthenticated.
    pub sandbox_public: bool,
    /// Caps that keep floods bounded.
    pub floods: FloodLimits,
}

/// Caps on what unauthenticated clients can hold open or make the server do at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// Open SSE streams per session token (`server.sse_max_per_session`, default 8).
    pub sse_per_session: usize,
    /// Open SSE streams per client address, IPv6 grouped by /64 (`server.sse_max_per_ip`,
    /// default 64).
    pub sse_per_ip: usize,
    /// Open SSE streams in total (`server.sse_max_total`, default 5000).
    pub sse_total: usize,
    /// Gateway notifications whose signatures are checked at once, off the async threads
    /// (`server.notification_concurrency`, default 4); as many more may wait for a turn.
    pub notification_concurrency: usize,
    /// Refused notifications per client address per minute before its notifications are
    /// answered `429` unread (`server.notification_max_refusals`, default 20).
    pub notification_max_refusals: u32,
}

impl Default for FloodLimits {
    fn default() -> FloodLimits {
        FloodLimits {
            sse_per_session: 8,
            sse_per_ip: 64,
            sse_total: 5000,
            notification_concurrency: 4,
            notification_max_refusals: 20,
        }
    }
}

/// Where sessions are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://user:password@host:port/db?…`), shared by replicas.
    Postgres(String),
}

/// Browser origins allowed by CORS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// These exact origins (`https://shop.example.ru`); empty = same-origin only.
    List(Vec<String>),
    /// Any origin (`"*"`): the widget API is token-addressed, but prefer a list.
    Any,
}

/// How the merchant API key is configured.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiKeySetting {
    /// The key itself (`CHECKOUT_API_KEY`); only its hash is kept in memory.
    Plain(Secret),
    /// Its SHA-256, hex (`server.api_key_hash`).
    Sha256([u8; 32]),
}

impl fmt::Debug for ApiKeySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiKeySetting::Plain(_) => f.write_str("ApiKeySetting::Plain(***)"),
            ApiKeySetting::Sha256(_) => f.write_str("ApiKeySetting::Sha256(…)"),
        }
    }
}

/// A secret string that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A token bucket per client IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Sustained requests per minute; 0 disables the limit.
    pub per_minute: u32,
    /// Requests allowed in a burst.
    pub burst: u32,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    /// `text` or `json`.
    fn from_str(text: &str) -> Result<LogFormat, String> {
        match text.trim() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected \"text\" or \"json\", got {other:?}")),
        }
    }
}

/// `[gateway]`: with a `base_url` the real gateway, without one the sandbox.
#[derive(Debug, Clone)]
pub enum GatewayMode {
    /// The in-process emulator under `/sandbox/`, keys made in the data dir.
    Sandbox(SandboxSettings),
    /// A real gateway.
    Remote(RemoteGateway),
}

impl GatewayMode {
    /// Whether this is sandbox mode.
    pub fn is_sandbox(&self) -> bool {
        matches!(self, GatewayMode::Sandbox(_))
    }

    /// Test money in sandbox mode, real money with a gateway.
    pub fn mode(&self) -> crate::auth::Mode {
        match self {
            GatewayMode::Sandbox(_) => crate::auth::Mode::Test,
            GatewayMode::Remote(_) => crate::auth::Mode::Live,
        }
    }
}

/// Sandbox mode settings.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    /// Digest our client signs with (`gateway.digest`).
    pub digest: Digest,
    /// Per-call timeout of our client (`gateway.timeout_secs`).
    pub timeout: Duration,
    /// What the emulator accepts (`sandbox.digest`, default = `gateway.digest`).
    pub accepts: DigestMode,
}

/// A real gateway.
#[derive(Debug, Clone)]
pub struct RemoteGateway {
    /// API base, e.g. `https://api-merchant.alikassa.com/`.
    pub base_url: HttpUrl,
    /// The merchant's Account UUID.
    pub account: AccountUuid,
    /// Key set signing pay-in calls (private.pem, password.txt, public.pem).
    pub payment_keys_dir: PathBuf,
    /// Key set signing payout, balance and info calls.
    pub payout_keys_dir: PathBuf,
    /// The gateway's notification `public.pem`.
    pub notification_public_key: PathBuf,
    /// Digest of our signatures.
    pub digest: Digest,
    /// Per-call timeout.
    pub timeout: Duration,
}

/// `[checkout]`.
#[derive(Debug, Clone)]
pub struct CheckoutConfig {
    /// The shop's name shown to buyers.
    pub merchant_name: String,
    /// Optional logo on the hosted page.
    pub merchant_logo_url: Option<String>,
    /// Methods offered when a session does not list its own, in display order.
    pub methods: Vec<Method>,
    /// Gateway service per method (defaults from [`Method::default_service`]).
    pub services: Vec<(Method, String)>,
    /// Session lifetime when the merchant gives none.
    pub default_lifetime: LifetimeSecs,
    /// Most payment attempts (method switches) per session.
    pub max_attempts: u32,
    /// The payer's bank sent as `customer_code` where the gateway requires one
    /// (`card_transfer`); the widget does not ask the buyer yet.
    pub default_bank: BankCode,
}

impl CheckoutConfig {
    /// The gateway service for `method`.
    pub fn service(&self, method: Method) -> &str {
        self.services
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(method.default_service(), |(_, s)| s.as_str())
    }
}

/// `[reconciler]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcilerConfig {
    /// How often the reconciler wakes up.
    pub tick: Duration,
    /// First status poll of a new payment, after its creation.
    pub first_poll: Duration,
    /// Largest gap between polls (the backoff doubles up to it).
    pub max_poll: Duration,
    /// Fewest seconds between two upstream status calls for one payment, shared by the
    /// reconciler and the buyer's "I've paid" check (default 10).
    pub min_call_interval: Duration,
    /// How long the gateway must keep saying it has no payout under a lost payout's order id
    /// before that payout is sent again (`payout_grace_secs`, default 900).
    pub payout_grace: Duration,
}
