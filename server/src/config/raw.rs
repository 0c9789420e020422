//! The configuration as written (file and environment merged), before validation: every key
//! optional, unknown keys refused, numbers and lists also accepted as text (environment
//! values are always text).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawConfig {
    pub server: RawServer,
    pub gateway: RawGateway,
    pub sandbox: RawSandbox,
    pub checkout: RawCheckout,
    pub reconciler: RawReconciler,
    pub log: RawLog,
    pub metrics: RawMetrics,
    pub webhooks: super::webhooks::RawWebhooks,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawLog {
    pub format: Option<String>,
}

/// `[metrics]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawMetrics {
    pub public: Option<Flag>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawServer {
    pub listen: Option<String>,
    pub data_dir: Option<String>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<List>,
    pub cors_origins: Option<List>,
    pub api_key: Option<String>,
    pub api_key_hash: Option<String>,
    pub request_timeout_secs: Option<Num>,
    pub body_limit_bytes: Option<Num>,
    pub rate_limit_per_minute: Option<Num>,
    pub rate_limit_burst: Option<Num>,
    pub dist_dir: Option<String>,
    pub log_format: Option<String>,
    pub database_url: Option<String>,
    pub sandbox_public: Option<Flag>,
    pub sse_max_per_session: Option<Num>,
    pub sse_max_per_ip: Option<Num>,
    pub sse_max_total: Option<Num>,
    pub notification_concurrency: Option<Num>,
    pub notification_max_refusals: Option<Num>,
}

/// `[gateway]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawGateway {
    pub base_url: Option<String>,
    pub account: Option<String>,
    pub payment_keys_dir: Option<String>,
    pub payout_keys_dir: Option<String>,
    pub notification_public_key: Option<String>,
    pub digest: Option<String>,
    pub timeout_secs: Option<Num>,
}

/// `[sandbox]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawSandbox {
    pub digest: Option<String>,
}

/// `[checkout]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawCheckout {
    pub merchant_name: Option<String>,
    pub merchant_logo_url: Option<String>,
    pub methods: Option<List>,
    pub services: Option<std::collections::BTreeMap<String, String>>,
    pub default_lifetime_secs: Option<Num>,
    pub max_attempts: Option<Num>,
    pub default_bank: Option<String>,
}

/// `[reconciler]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawReconciler {
    pub tick_millis: Option<Num>,
    pub first_poll_secs: Option<Num>,
    pub max_poll_secs: Option<Num>,
    pub min_call_interval_secs: Option<Num>,
    pub payout_grace_secs: Option<Num>,
}

/// A whole number written as a number or as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Num(pub u64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NumVisitor;
        impl Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                u64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom(format!("expected a whole number, got {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                v.trim()
                    .parse()
                    .map(Num)
                    .map_err(|_| E::custom(format!("expected a whole number, got {v:?}")))
            }
        }
        d.deserialize_any(NumVisitor)
    }
}

/// A boolean written as `true` / `false` or as that text (environment values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                match v.trim() {
                    "true" => Ok(Flag(true)),
                    "false" => Ok(Flag(false)),
                    other => Err(E::custom(format!("expected true or false, got {other:?}"))),
                }
            }
        }
        d.deserialize_any(FlagVisitor)
    }
}

/// A list written as an array of strings or as comma-separated text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings or comma-separated text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<List, E> {
                Ok(List(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(List(items))
            }
        }
        d.deserialize_any(ListVisitor)
    }
}
