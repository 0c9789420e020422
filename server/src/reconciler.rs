//! The background reconciler: recovers interrupted creates at start, then every tick expires
//! sessions past their deadline and polls `v1/payment/status` for waiting payments whose
//! next poll is due (backoff 10 s, 20 s, 40 s … capped at 5 min by default). The per-payment
//! limit (one upstream call per 10 s, shared with the buyer's check) lives in the session
//! service, so no number of watching browsers can exceed it.
//!
//! Every replica runs one. Due polls are claimed in the database (the claim moves the next
//! poll one call interval ahead, `FOR UPDATE SKIP LOCKED` on PostgreSQL), so two replicas
//! never poll the same payment in the same interval; on PostgreSQL the expiry sweep runs on
//! one replica at a time, under a lease. Attempts a dead replica left `creating` are looked up
//! by order id once their session's lease runs out (start-up recovery only covers a restart).

use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::ReconcilerConfig;
use crate::sessions::Sessions;
use crate::sessions::locks::ReplicaLease;
use crate::store::Backend;

/// Payments polled per tick, at most.
const BATCH: u32 = 200;
/// The expiry sweep's lease (PostgreSQL).
const SWEEP_LEASE: &str = "sweep:expiry";
/// Polls in flight at once.
const PARALLEL: usize = 8;

/// Starts the reconciler; it stops when `shutdown` turns `true`.
pub fn spawn(
    sessions: Sessions,
    config: ReconcilerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        match sessions.recover().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(resolved = n, "recovered interrupted payment creations"),
            Err(e) => {
                tracing::error!(error = %e, "recovery failed; the next pay tries look up again")
            }
        }
        loop {
            tick(&sessions).await;
            tokio::select! {
                _ = tokio::time::sleep(config.tick) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::debug!("reconciler stopped");
    })
}

/// One round: expiry, a dead replica's interrupted creates (PostgreSQL), then due polls.
pub async fn tick(sessions: &Sessions) {
    expire(sessions).await;
    match sessions.recover_orphans().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            looked_up = n,
            "recovered payment creations another replica left"
        ),
        Err(e) => tracing::error!(error = %e, "reconciler: recovery of interrupted creates failed"),
    }
    let store = sessions.store();
    let now = sessions.clock().now();
    // The claim's lease is the call interval: a replica that dies mid-poll leaves the payment
    // to the next claim one interval later, never to a second poll within it.
    let lease = sessions.settings().reconciler.min_call_interval;
    let due = match store.claim_due_polls(now, lease, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "reconciler: cannot list due payments");
            return;
        }
    };
    futures_util::stream::iter(due)
        .for_each_concurrent(PARALLEL, |attempt| async move {
            if let Err(e) = sessions.poll(&attempt).await {
                tracing::warn!(error = %e, session = %attempt.session_id, "reconciler: poll failed");
            }
        })
        .await;
}

/// The expiry sweep; on PostgreSQL only by the replica that holds its lease (the others skip
/// this round rather than wait: it runs again at the next tick).
async fn expire(sessions: &Sessions) {
    let _lease = match sessions.store().backend() {
        Backend::Sqlite => None,
        Backend::Postgres => {
            match ReplicaLease::acquire(sessions.store(), SWEEP_LEASE.to_owned(), Duration::ZERO)
                .await
            {
                Ok(Some(lease)) => Some(lease),
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "reconciler: expiry lease failed");
                    return;
                }
            }
        }
    };
    if let Err(e) = sessions.expire_due().await {
        tracing::error!(error = %e, "reconciler: expiry failed");
    }
}
