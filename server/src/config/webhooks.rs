//! `[webhooks]`: where events for the merchant's backend go and how hard we try.
//!
//! ```toml
//! [webhooks]
//! url = "https://shop.example.ru/hooks/checkout"
//! secret = "…"            # or CHECKOUT_WEBHOOKS__SECRET
//! endpoint_id = "primary" # recorded with every attempt
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::Secret;
use super::raw::Num;

/// `[webhooks]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawWebhooks {
    pub url: Option<String>,
    pub secret: Option<String>,
    pub endpoint_id: Option<String>,
    pub max_attempts: Option<Num>,
    pub backoff_initial_secs: Option<Num>,
    pub backoff_max_secs: Option<Num>,
    pub max_age_secs: Option<Num>,
    pub timeout_secs: Option<Num>,
    pub concurrency: Option<Num>,
    pub tick_millis: Option<Num>,
    pub lease_margin_secs: Option<Num>,
}

/// `[webhooks]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhooksConfig {
    /// Where events are sent; `None`: events are recorded (and listed by the API) but not
    /// sent until a URL is configured.
    pub endpoint: Option<WebhookEndpoint>,
    /// Delivery schedule.
    pub retry: RetryPolicy,
    /// Per-request timeout (`timeout_secs`, default 10).
    pub timeout: Duration,
    /// Most deliveries in flight at once, each to a different stream (`concurrency`, default 8).
    pub concurrency: u32,
    /// How often the worker looks for due events (`tick_millis`, default 1000).
    pub tick: Duration,
    /// How long past `timeout` a claimed delivery stays its replica's (`lease_margin_secs`,
    /// default 30): a replica that dies mid-delivery leaves its events to the others this
    /// long after the request would have timed out.
    pub lease_margin: Duration,
}

impl Default for WebhooksConfig {
    fn default() -> WebhooksConfig {
        WebhooksConfig {
            endpoint: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            concurrency: 8,
            tick: Duration::from_secs(1),
            lease_margin: Duration::from_secs(30),
        }
    }
}

/// The merchant's receiving endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// A stable name recorded with each attempt (`endpoint_id`, default `default`): after
    /// moving the URL or rotating the secret under a new id, the attempts show which
    /// endpoint got what.
    pub id: String,
    /// `http(s)://…` to POST to.
    pub url: String,
    /// The HMAC-SHA256 key (`secret` or `CHECKOUT_WEBHOOKS__SECRET`), at least 16 characters.
    pub secret: Secret,
}

/// When to try again and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per delivery before it is `failed` (`max_attempts`, default 100: with the
    /// default backoff the 3-day age limit comes first).
    pub max_attempts: u32,
    /// Delay after the first failure (`backoff_initial_secs`, default 10); doubles each time.
    pub initial: Duration,
    /// Largest delay (`backoff_max_secs`, default 3600).
    pub max: Duration,
    /// Give up this long after the delivery was queued (`max_age_secs`, default 3 days).
    pub max_age: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 100,
            initial: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            max_age: Duration::from_secs(3 * 24 * 3600),
        }
    }
}
