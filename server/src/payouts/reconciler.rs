//! The payouts' background reconciler: at start it recovers payouts left `sending` by a crash
//! (lookup by order id), then every tick it looks at the payouts whose next check is due —
//! status polls of pending payouts (backoff from `reconciler.first_poll_secs`, doubling up to
//! `reconciler.max_poll_secs`) and lookups by order id of payouts whose create outcome is
//! unknown (a re-send with the same order id only after "no such payout" for the whole
//! `reconciler.payout_grace_secs`) — until each is final.

use futures_util::StreamExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Payouts;
use crate::config::ReconcilerConfig;

/// Payouts looked at per tick, at most.
const BATCH: u32 = 200;
/// Gateway calls in flight at once.
const PARALLEL: usize = 4;

/// Starts the reconciler; it stops when `shutdown` turns `true`.
pub fn spawn(
    payouts: Payouts,
    config: ReconcilerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        match payouts.recover().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(found = n, "recovered interrupted payout sends"),
            Err(e) => {
                tracing::error!(error = %e, "payout recovery failed; the reconciler looks again")
            }
        }
        loop {
            tick(&payouts).await;
            tokio::select! {
                _ = tokio::time::sleep(config.tick) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::debug!("payout reconciler stopped");
    })
}

/// One round over the due payouts.
pub async fn tick(payouts: &Payouts) {
    let due = match payouts.due(BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "payout reconciler: cannot list due payouts");
            return;
        }
    };
    futures_util::stream::iter(due)
        .for_each_concurrent(PARALLEL, |record| async move {
            let id = record.id.clone();
            if let Err(e) = payouts.check(record).await {
                tracing::warn!(error = %e, payout = %id, "payout reconciler: check failed");
            }
        })
        .await;
}
