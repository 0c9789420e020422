//! Validation of `[webhooks]`.

use std::time::Duration;

use shared::HttpUrl;

use super::super::Secret;
use super::super::webhooks::{RawWebhooks, RetryPolicy, WebhookEndpoint, WebhooksConfig};
use super::{Result2, Validator};

/// Shortest secret accepted: an HMAC key an attacker cannot guess.
const MIN_SECRET_CHARS: usize = 16;

impl Validator<'_> {
    pub(super) fn webhooks(&self, raw: RawWebhooks) -> Result2<WebhooksConfig> {
        let defaults = WebhooksConfig::default();
        let endpoint = match (raw.url, raw.secret) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(self.err(
                    "webhooks.url",
                    "required when webhooks.secret is set (where should events go?)",
                ));
            }
            (Some(_), None) => {
                return Err(self.err(
                    "webhooks.secret",
                    "required when webhooks.url is set (or CHECKOUT_WEBHOOKS__SECRET)",
                ));
            }
            (Some(url), Some(secret)) => {
                let url = HttpUrl::parse(url.trim())
                    .map_err(|e| self.err("webhooks.url", e.to_string()))?;
                let secret = secret.trim();
                if secret.chars().count() < MIN_SECRET_CHARS {
                    return Err(self.err(
                        "webhooks.secret",
                        format!("must be at least {MIN_SECRET_CHARS} characters long"),
                    ));
                }
                let id = raw.endpoint_id.unwrap_or_else(|| "default".to_owned());
                let id = id.trim();
                if id.is_empty()
                    || id.len() > 64
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(self.err(
                        "webhooks.endpoint_id",
                        "expected 1 to 64 letters, digits, '-' or '_'",
                    ));
                }
                Some(WebhookEndpoint {
                    id: id.to_owned(),
                    url: url.as_str().to_owned(),
                    secret: Secret::new(secret),
                })
            }
        };
        let d = defaults.retry;
        let secs = |d: Duration| d.as_secs();
        let max_attempts = self.num(
            "webhooks.max_attempts",
            raw.max_attempts,
            u64::from(d.max_attempts),
            (1, 1000),
        )?;
        let initial = self.num(
            "webhooks.backoff_initial_secs",
            raw.backoff_initial_secs,
            secs(d.initial),
            (1, 86_400),
        )?;
        let max = self.num(
            "webhooks.backoff_max_secs",
            raw.backoff_max_secs,
            secs(d.max),
            (1, 7 * 86_400),
        )?;
        if max < initial {
            return Err(self.err(
                "webhooks.backoff_max_secs",
                format!("must be at least webhooks.backoff_initial_secs ({initial})"),
            ));
        }
        let max_age = self.num(
            "webhooks.max_age_secs",
            raw.max_age_secs,
            secs(d.max_age),
            (60, 30 * 86_400),
        )?;
        let timeout = self.num(
            "webhooks.timeout_secs",
            raw.timeout_secs,
            secs(defaults.timeout),
            (1, 300),
        )?;
        let concurrency = self.num(
            "webhooks.concurrency",
            raw.concurrency,
            u64::from(defaults.concurrency),
            (1, 256),
        )?;
        let tick = self.num(
            "webhooks.tick_millis",
            raw.tick_millis,
            u64::try_from(defaults.tick.as_millis()).unwrap_or(1000),
            (10, 60_000),
        )?;
        let lease_margin = self.num(
            "webhooks.lease_margin_secs",
            raw.lease_margin_secs,
            defaults.lease_margin.as_secs(),
            (1, 3600),
        )?;
        Ok(WebhooksConfig {
            endpoint,
            retry: RetryPolicy {
                max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
                initial: Duration::from_secs(initial),
                max: Duration::from_secs(max),
                max_age: Duration::from_secs(max_age),
            },
            timeout: Duration::from_secs(timeout),
            concurrency: u32::try_from(concurrency).unwrap_or(u32::MAX),
            tick: Duration::from_millis(tick),
            lease_margin: Duration::from_secs(lease_margin),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::path::Path;
    use std::time::Duration;

    use crate::config::{Config, ConfigError, Overrides, RetryPolicy, load_from};

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        load_from(
            Some((Path::new("checkout.toml"), file)),
            &env,
            &Overrides::default(),
        )
    }

    #[test]
    fn off_by_default_with_the_documented_schedule() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.webhooks.endpoint, None);
        assert_eq!(
            config.webhooks.retry,
            RetryPolicy {
                max_attempts: 100,
                initial: Duration::from_secs(10),
                max: Duration::from_secs(3600),
                max_age: Duration::from_secs(259_200),
            }
        );
        assert_eq!(config.webhooks.timeout, Duration::from_secs(10));
        assert_eq!(config.webhooks.concurrency, 8);
    }

    #[test]
    fn url_from_the_file_secret_from_the_environment() {
        let config = load(
            "[webhooks]\nurl = \"https://shop.example.ru/hooks\"\nbackoff_initial_secs = 5\n",
            &[("CHECKOUT_WEBHOOKS__SECRET", "s3cret-s3cret-s3cret")],
        )
        .unwrap();
        let endpoint = config.webhooks.endpoint.unwrap();
        assert_eq!(endpoint.url, "https://shop.example.ru/hooks");
        assert_eq!(endpoint.secret.expose(), "s3cret-s3cret-s3cret");
        assert_eq!(endpoint.id, "default");
        assert_eq!(config.webhooks.retry.initial, Duration::from_secs(5));
        assert!(!format!("{:?}", endpoint.secret).contains("s3cret"));
    }

    #[test]
    fn mistakes_name_their_key() {
        let cases = [
            (
                "[webhooks]\nurl = \"https://a.ru/h\"\n",
                "webhooks.secret: required",
            ),
            (
                "[webhooks]\nsecret = \"s3cret-s3cret-s3cret\"\n",
                "webhooks.url: required",
            ),
            (
                "[webhooks]\nurl = \"ftp://a.ru\"\nsecret = \"s3cret-s3cret-s3cret\"\n",
                "webhooks.url",
            ),
            (
                "[webhooks]\nurl = \"https://a.ru/h\"\nsecret = \"short\"\n",
                "webhooks.secret: must be at least 16",
            ),
            (
                "[webhooks]\nurl = \"https://a.ru/h\"\nsecret = \"s3cret-s3cret-s3cret\"\nendpoint_id = \"a b\"\n",
                "webhooks.endpoint_id",
            ),
            (
                "[webhooks]\nbackoff_initial_secs = 60\nbackoff_max_secs = 10\n",
                "webhooks.backoff_max_secs: must be at least",
            ),
            ("[webhooks]\nmax_attempts = 0\n", "webhooks.max_attempts"),
            ("[webhooks]\nretries = 3\n", "retries"),
        ];
        for (file, expected) in cases {
            let message = load(file, &[]).expect_err(file).to_string();
            assert!(message.contains(expected), "{file}: {message}");
        }
    }
}
