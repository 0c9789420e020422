//! The one signed client of the AliKassa gateway: it owns the pooled HTTP client, the base
//! URL, the Account UUID, the payment and payout keys and the digest, and signs in exactly one
//! place ([`GatewayClient::call`]): serialise once → sign those bytes → send those bytes.
//!
//! Creating a payment is the one call whose failure is dangerous: after a timeout, a 5xx, a
//! garbled answer or a broken connection the payment may exist. [`GatewayClient::create_payment`]
//! then asks `v1/payment/status` by `order_id` before reporting, so the caller never creates
//! the same payment twice (see [`CreateOutcome`]).

mod error;
mod metrics;
mod payouts;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::gateway::{
    BalanceResponse, InfoResponse, PaymentCreateRequest, PaymentCreateResponse,
    PaymentStatusResponse, StatusRequest, ValidationErrorBody, paths,
};
use shared::{AccountUuid, OrderId};

pub use error::{GatewayError, UNAUTHENTICATED_HINT};
pub use metrics::{CallCount, GatewayMetrics};
pub use payouts::PayoutOutcome;

use crate::signing::{Digest, PrivateKey};
use crate::telemetry::RequestId;

/// The `User-Agent` every vendor sample sends (alikassa-api.md §1.3).
const GATEWAY_USER_AGENT: &str = "AliKassa2.0 API";

/// What the client is built from.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// API base ending in `/`, e.g. `https://api-merchant.alikassa.com/`.
    pub base_url: String,
    /// The merchant's Account UUID (`Account` header).
    pub account: AccountUuid,
    /// Signs pay-in calls.
    pub payment_key: PrivateKey,
    /// Signs payout, balance and info calls.
    pub payout_key: PrivateKey,
    /// Digest of the signatures.
    pub digest: Digest,
    /// Per-call timeout.
    pub timeout: Duration,
}

/// Which key signs a call (alikassa-api.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Payment,
    Payout,
}

/// The gateway client. Cheap to clone; clones share the connection pool.
#[derive(Debug, Clone)]
pub struct GatewayClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    settings: GatewaySettings,
    metrics: GatewayMetrics,
}

/// How a create ended.
#[derive(Debug, Clone)]
pub enum CreateOutcome {
    /// Created; the answer carries the requisites.
    Created(PaymentCreateResponse),
    /// Refused (400 / 401 / a local problem): nothing exists upstream.
    Refused(GatewayError),
    /// The create's outcome was unknown (`cause`), and the status lookup by `order_id` found
    /// the payment: it exists, but its requisites came only with the lost answer.
    Found {
        /// What the lookup returned.
        status: PaymentStatusResponse,
        /// Why the create's answer was lost.
        cause: GatewayError,
    },
    /// The outcome is unknown and the lookup found nothing (or failed too). Before trying
    /// again, look the order id up again; resend only with the same `order_id`.
    Unknown {
        /// Why the create's answer was lost.
        cause: GatewayError,
        /// The lookup's failure, if it failed rather than found nothing.
        lookup: Option<GatewayError>,
    },
}

impl GatewayClient {
    /// A client with a pooled HTTP connection set.
    pub fn new(settings: GatewaySettings) -> Result<GatewayClient, GatewayError> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(60))
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| GatewayError::Local {
                detail: format!("HTTP client: {e}"),
            })?;
        Ok(GatewayClient {
            inner: Arc::new(Inner {
                http,
                settings,
                metrics: GatewayMetrics::default(),
            }),
        })
    }

    /// The Account UUID.
    pub fn account(&self) -> AccountUuid {
        self.inner.settings.account
    }

    /// Call counters and latencies, for `/metrics` and tests.
    pub fn metrics(&self) -> &GatewayMetrics {
        &self.inner.metrics
    }

    /// `POST v1/payment`; on an unknown outcome, looks the `order_id` up before answering.
    pub async fn create_payment(&self, request: &PaymentCreateRequest) -> CreateOutcome {
        match self
            .call::<_, PaymentCreateResponse>(paths::PAYMENT, KeyKind::Payment, request)
            .await
        {
            Ok(created) => CreateOutcome::Created(created),
            Err(cause) if !cause.outcome_unknown() => CreateOutcome::Refused(cause),
            Err(cause) => {
                tracing::warn!(order_id = request.order_id.as_str(), error = %cause,
                    "payment create outcome unknown; looking the order id up before any retry");
                match self.find_payment(&request.order_id).await {
                    Ok(Some(status)) => CreateOutcome::Found { status, cause },
                    Ok(None) => CreateOutcome::Unknown {
                        cause,
                        lookup: None,
                    },
                    Err(lookup) => CreateOutcome::Unknown {
                        cause,
                        lookup: Some(lookup),
                    },
                }
            }
        }
    }

    /// `POST v1/payment/status`.
    pub async fn payment_status(
        &self,
        request: &StatusRequest,
    ) -> Result<PaymentStatusResponse, GatewayError> {
        self.call(paths::PAYMENT_STATUS, KeyKind::Payment, request)
            .await
    }

    /// The payment created under `order_id`, or `None` if the gateway knows none.
    pub async fn find_payment(
        &self,
        order_id: &OrderId,
    ) -> Result<Option<PaymentStatusResponse>, GatewayError> {
        match self
            .payment_status(&StatusRequest::OrderId(order_id.clone()))
            .await
        {
            Ok(status) => Ok(Some(status)),
            Err(GatewayError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST v1/account/balance` (payout key, body `[]`).
    pub async fn balance(&self) -> Result<BalanceResponse, GatewayError> {
        self.call(paths::ACCOUNT_BALANCE, KeyKind::Payout, &[(); 0])
            .await
    }

    /// `POST v1/account/info` (payout key, body `[]`).
    pub async fn account_info(&self) -> Result<InfoResponse, GatewayError> {
        self.call(paths::ACCOUNT_INFO, KeyKind::Payout, &[(); 0])
            .await
    }

    /// Serialises `body` once, signs exactly those bytes, sends them, maps the answer.
    async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        path: &'static str,
        key: KeyKind,
        body: &Req,
    ) -> Result<Resp, GatewayError> {
        let settings = &self.inner.settings;
        let bytes = serde_json::to_vec(body).map_err(|e| GatewayError::Local {
            detail: format!("encoding {path}: {e}"),
        })?;
        let key = match key {
            KeyKind::Payment => settings.payment_key.clone(),
            KeyKind::Payout => settings.payout_key.clone(),
        };
        // An RSA signature is most of a millisecond of CPU: on the blocking pool, so the
        // async workers go on serving (and the store's writer is not kept waiting on them).
        let digest = settings.digest;
        let (sign, bytes) = tokio::task::spawn_blocking(move || (key.sign(&bytes, digest), bytes))
            .await
            .map_err(|e| GatewayError::Local {
                detail: format!("signing task: {e}"),
            })?;
        let sign = sign.map_err(|e| GatewayError::Local {
            detail: e.to_string(),
        })?;
        let sign = HeaderValue::from_str(&sign).map_err(|e| GatewayError::Local {
            detail: format!("Sign header: {e}"),
        })?;
        let url = format!("{}{path}", settings.base_url);
        // The id of the request being served, or a new one for background calls (reconciler),
        // so every upstream call can be matched with the gateway's records and our logs.
        let request_id = RequestId::current().unwrap_or_else(RequestId::generate);
        let started = std::time::Instant::now();
        let result = self.send(&url, bytes, sign, &request_id).await;
        let result = match result {
            Ok((status, answer)) => map_answer(status, &answer),
            Err(e) => Err(e),
        };
        let elapsed = started.elapsed();
        let outcome = metrics::outcome(result.as_ref().err());
        self.inner
            .metrics
            .record(path, result.as_ref().err(), elapsed);
        tracing::info!(
            path,
            outcome,
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            request_id = %request_id,
            "gateway call"
        );
        result
    }

    async fn send(
        &self,
        url: &str,
        body: Vec<u8>,
        sign: HeaderValue,
        request_id: &RequestId,
    ) -> Result<(StatusCode, axum::body::Bytes), GatewayError> {
        let settings = &self.inner.settings;
        let timeout = settings.timeout;
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                GatewayError::Timeout {
                    secs: timeout.as_secs(),
                }
            } else {
                GatewayError::Transport {
                    detail: without_url(&e),
                }
            }
        };
        let response = self
            .inner
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, GATEWAY_USER_AGENT)
            .header("Account", settings.account.to_string())
            .header("Sign", sign)
            .header("X-Request-Id", request_id.as_str())
            .body(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let answer = response.bytes().await.map_err(transport)?;
        Ok((status, answer))
    }
}

/// Maps a status and body to the typed result.
fn map_answer<Resp: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Resp, GatewayError> {
    let malformed = |e: serde_json::Error| GatewayError::Malformed {
        detail: e.to_string(),
    };
    match status.as_u16() {
        200..=299 => serde_json::from_slice(body).map_err(malformed),
        400 | 422 => {
            let body: ValidationErrorBody = serde_json::from_slice(body).map_err(malformed)?;
            // Laravel's `exists` rule on a status lookup means "no such payment".
            let lookup_miss = !body.errors.is_empty()
                && body.errors.keys().all(|k| k == "id" || k == "order_id")
                && body
                    .errors
                    .values()
                    .flatten()
                    .all(|m| m.contains("invalid") || m.contains("not found"));
            if lookup_miss {
                Err(GatewayError::NotFound)
            } else {
                Err(GatewayError::Validation(body))
            }
        }
        401 | 403 => Err(GatewayError::Unauthenticated {
            hint: UNAUTHENTICATED_HINT,
        }),
        404 => Err(GatewayError::NotFound),
        other => Err(GatewayError::Upstream { status: other }),
    }
}

/// A reqwest error's text without the URL (kept short in logs and answers).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<gateway>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
