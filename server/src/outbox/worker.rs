//! The delivery loop: claim due events (one per stream, at most `concurrency` in flight),
//! send each, record the attempt, repeat.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::OutboxMetrics;
use super::backoff;
use super::deliver::Deliverer;
use crate::clock::Clock;
use crate::config::{RetryPolicy, WebhooksConfig};
use crate::store::Store;
use crate::store::outbox::{AttemptResult, Claimed, NextStep};

/// Everything a delivery task needs.
#[derive(Clone)]
pub(super) struct Worker {
    pub store: Store,
    pub clock: Clock,
    pub deliverer: Arc<Deliverer>,
    pub config: WebhooksConfig,
    pub metrics: OutboxMetrics,
}

impl Worker {
    /// Runs until `shutdown` turns `true`, then waits for the requests in flight (each bounded
    /// by the timeout) so their outcome is recorded.
    pub(super) async fn run(self, mut shutdown: watch::Receiver<bool>) {
        match self.store.release_event_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                events = n,
                "webhook deliveries interrupted by the last stop are due again"
            ),
            Err(error) => tracing::warn!(%error, "cannot release webhook leases"),
        }
        let capacity = self.config.concurrency.max(1);
        // How long a claim stays ours: a replica that died mid-delivery gives its events up this
        // long after the request would have timed out.
        let lease = self.config.timeout + self.config.lease_margin;
        let mut in_flight: JoinSet<()> = JoinSet::new();
        loop {
            let free = capacity.saturating_sub(u32::try_from(in_flight.len()).unwrap_or(u32::MAX));
            let mut claimed_any = false;
            if free > 0 {
                match self
                    .store
                    .claim_due_events(self.clock.now(), lease, free)
                    .await
                {
                    Ok(claimed) => {
                        claimed_any = !claimed.is_empty();
                        for claim in claimed {
                            let worker = self.clone();
                            in_flight.spawn(async move { worker.deliver(claim).await });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot claim webhook events"),
                }
            }
            if claimed_any && in_flight.len() < capacity as usize {
                // Other streams may have more due right now.
                continue;
            }
            tokio::select! {
                _ = shutdown.changed() => break,
                // A finished delivery may have unblocked the next event of its stream.
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = tokio::time::sleep(self.config.tick) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        while in_flight.join_next().await.is_some() {}
    }

    async fn deliver(&self, claim: Claimed) {
        let Claimed { event, lease_owner } = claim;
        let started_at = self.clock.now();
        // The attempt number across deliveries is assigned by the store; this one is the
        // number within the current delivery, which is what the header reports.
        let number = event.attempts.saturating_add(1);
        let sent = self.deliverer.send(&event, number, started_at).await;
        let next = backoff::next_step(
            &self.config.retry,
            sent.ok,
            number,
            event.queued_at,
            self.clock.now(),
            rand::random::<f64>(),
        );
        self.metrics.attempted(next);
        log_attempt(&event.id, &sent.attempt, next, &self.config.retry);
        let result = AttemptResult {
            attempt: sent.attempt,
            next,
        };
        if let Err(error) = self
            .store
            .record_event_attempt(&event.id, &lease_owner, &result)
            .await
        {
            // The lease runs out and the event is sent again: at-least-once.
            tracing::warn!(event = %event.id, %error, "cannot record a webhook attempt");
        }
    }
}

fn log_attempt(
    id: &str,
    attempt: &crate::store::outbox::DeliveryAttempt,
    next: NextStep,
    policy: &RetryPolicy,
) {
    let status = attempt
        .status_code
        .map(|c| c.to_string())
        .unwrap_or_default();
    let error = attempt.error.as_deref().unwrap_or_default();
    match next {
        NextStep::Delivered => tracing::debug!(
            event = id,
            status,
            ms = attempt.duration_ms,
            "webhook delivered"
        ),
        NextStep::RetryAt(at) => {
            tracing::info!(event = id, status, error, retry_at = %at, "webhook attempt failed")
        }
        NextStep::GiveUp => tracing::warn!(
            event = id,
            status,
            error,
            max_attempts = policy.max_attempts,
            "webhook given up (re-send it with POST /api/v1/events/{{id}}/resend)"
        ),
    }
}
