//! One delivery attempt: POST the stored body, signed now, and say what came back.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use time::OffsetDateTime;

use super::signature;
use crate::config::WebhookEndpoint;
use crate::store::outbox::{DeliveryAttempt, EventRecord};

/// `User-Agent` of our requests.
pub const DELIVERY_USER_AGENT: &str =
    concat!("alikassa-checkout-webhooks/", env!("CARGO_PKG_VERSION"));

/// How much of a failing answer's body is kept with the attempt (for the merchant's eyes).
const ERROR_BODY_BYTES: usize = 256;

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("webhook HTTP client: {0}")]
pub struct ClientError(#[from] reqwest::Error);

/// Sends events to one endpoint.
#[derive(Debug, Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    endpoint: WebhookEndpoint,
}

/// An attempt's record and whether it counts as delivered.
#[derive(Debug, Clone)]
pub struct Sent {
    /// What to store.
    pub attempt: DeliveryAttempt,
    /// 2xx.
    pub ok: bool,
}

impl Deliverer {
    /// A sender to `endpoint`, each request bounded by `timeout`.
    pub fn new(endpoint: WebhookEndpoint, timeout: Duration) -> Result<Deliverer, ClientError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            // A redirect is an answer, not a delivery: following it would POST the signed
            // event to a host the merchant did not configure.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Deliverer { client, endpoint })
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &WebhookEndpoint {
        &self.endpoint
    }

    /// Sends `event` once as its attempt number `number`, at `started_at` (for the record).
    pub async fn send(&self, event: &EventRecord, number: u32, started_at: OffsetDateTime) -> Sent {
        let clock = Instant::now();
        let outcome = self.post(event, number).await;
        let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status_code, error, ok) = match outcome {
            Ok((status, _)) if status.is_success() => (Some(status.as_u16()), None, true),
            Ok((status, body)) => {
                let mut error = format!("answered {status}");
                if !body.is_empty() {
                    error.push_str(": ");
                    error.push_str(&body);
                }
                (Some(status.as_u16()), Some(error), false)
            }
            Err(error) => (None, Some(error), false),
        };
        Sent {
            attempt: DeliveryAttempt {
                number,
                endpoint_id: self.endpoint.id.clone(),
                url: self.endpoint.url.clone(),
                started_at,
                duration_ms,
                status_code,
                error,
            },
            ok,
        }
    }

    async fn post(
        &self,
        event: &EventRecord,
        number: u32,
    ) -> Result<(reqwest::StatusCode, String), String> {
        // Signed with the wall clock, not the sandbox's: the receiver checks `t` against its own.
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let signature = signature::header(
            self.endpoint.secret.expose().as_bytes(),
            t,
            event.body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(DELIVERY_USER_AGENT));
        let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
        headers.insert(signature::HEADER, value(&signature)?);
        headers.insert("Checkout-Event-Id", value(&event.id)?);
        headers.insert("Checkout-Event-Type", value(event.kind.as_str())?);
        headers.insert("Checkout-Delivery-Attempt", value(&number.to_string())?);
        let mut response = self
            .client
            .post(&self.endpoint.url)
            .headers(headers)
            .body(event.body.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        let mut body = Vec::new();
        if !status.is_success() {
            // A little of the answer helps the merchant see why; never the whole of it.
            while body.len() < ERROR_BODY_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            body.truncate(ERROR_BODY_BYTES);
        }
        Ok((status, String::from_utf8_lossy(&body).trim().to_owned()))
    }
}

/// A transport failure in a few words (reqwest's Display hides the cause).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
