//! Events to the merchant's backend (our webhooks): a persistent outbox and its delivery.
//!
//! A final status of a session or payout writes an event into the outbox in the same
//! transaction ([`crate::store::outbox`]), so it can never be lost between the change and
//! the send. The [`worker`] delivers it: a POST of the stored JSON to `webhooks.url`, signed
//! ([`signature`]), in order per stream (a session's events never overtake each other),
//! different streams in parallel; 2xx is delivered, anything else retried with
//! [`backoff`] until the attempt or age limit, then `failed` (kept, re-sendable through
//! `POST /api/v1/events/{id}/resend`). Delivery is at-least-once: a process that dies
//! mid-request sends that event again after a restart, so receivers de-duplicate by the
//! event id.

pub mod backoff;
pub mod deliver;
mod events;
pub mod signature;
mod worker;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::WebhooksConfig;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::metrics::{Metrics, MetricsError};
use crate::store::Store;
use crate::store::outbox::NextStep;

pub use deliver::{DELIVERY_USER_AGENT, Deliverer};
pub use events::Events;

/// The outbox's metrics: the depth gauge (computed at scrape time) and the attempts counter
/// the worker bumps. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct OutboxMetrics {
    attempts: Option<Family<AttemptOutcome, Counter>>,
}

/// The `outcome` label of a delivery attempt: `delivered`, `retry`, `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AttemptOutcome {
    outcome: &'static str,
}

impl AttemptOutcome {
    /// Every outcome, shown at 0 before the first attempt.
    const ALL: [&'static str; 3] = ["delivered", "retry", "failed"];
}

impl OutboxMetrics {
    /// Registers `checkout_outbox_pending_events` (the outbox depth) and
    /// `checkout_webhook_attempts_total{outcome}` on `metrics`.
    pub fn register(metrics: &Metrics, store: &Store) -> Result<OutboxMetrics, MetricsError> {
        let depth = store.clone();
        metrics.gauge_fn(
            "checkout_outbox_pending_events",
            "Events for the merchant's webhook not yet delivered nor given up (counted at scrape time)",
            move || {
                let store = depth.clone();
                async move {
                    let n = store.pending_event_count().await.map_err(|e| e.to_string())?;
                    Ok(vec![(Vec::new(), i64::try_from(n).unwrap_or(i64::MAX))])
                }
            },
        )?;
        let attempts = Family::<AttemptOutcome, Counter>::default();
        for outcome in AttemptOutcome::ALL {
            attempts
                .get_or_create(&AttemptOutcome { outcome })
                .inc_by(0);
        }
        metrics.register(
            "checkout_webhook_attempts",
            "Webhook delivery attempts by what followed: delivered, retry, failed",
            attempts.clone(),
        )?;
        Ok(OutboxMetrics {
            attempts: Some(attempts),
        })
    }

    /// Counts one delivery attempt by what follows it.
    fn attempted(&self, next: NextStep) {
        let outcome = match next {
            NextStep::Delivered => "delivered",
            NextStep::RetryAt(_) => "retry",
            NextStep::GiveUp => "failed",
        };
        if let Some(attempts) = &self.attempts {
            attempts.get_or_create(&AttemptOutcome { outcome }).inc();
        }
    }
}

/// Starts the delivery worker (or, without `webhooks.url`, nothing: events are still
/// recorded and listed, and sent once a URL is configured and the server restarted).
pub fn spawn(
    store: Store,
    config: WebhooksConfig,
    clock: Clock,
    metrics: OutboxMetrics,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let Some(endpoint) = config.endpoint.clone() else {
        tracing::info!("webhooks.url is not set: events are recorded but not sent");
        return tokio::spawn(async {});
    };
    let deliverer = match Deliverer::new(endpoint, config.timeout) {
        Ok(deliverer) => Arc::new(deliverer),
        Err(error) => {
            tracing::error!(%error, "webhooks are not sent");
            return tokio::spawn(async {});
        }
    };
    tracing::info!(
        url = %deliverer.endpoint().url,
        endpoint = %deliverer.endpoint().id,
        "sending events to the merchant's webhook"
    );
    let worker = worker::Worker {
        store,
        clock,
        deliverer,
        config,
        metrics,
    };
    tokio::spawn(worker.run(shutdown))
}
