//! The background work `serve` runs beside the HTTP server: the session and payout
//! reconcilers, the webhook outbox and (several replicas on PostgreSQL) the status relay.
//! All stop when the shutdown flag turns `true`.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, DatabaseLocation};
use crate::outbox::OutboxMetrics;
use crate::payouts::Payouts;
use crate::reconciler;
use crate::sessions::Sessions;

/// The running workers.
#[derive(Debug)]
pub(super) struct Workers {
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts every worker, each watching `shutdown`.
    pub(super) fn spawn(
        config: &Config,
        sessions: &Sessions,
        payouts: Payouts,
        outbox_metrics: OutboxMetrics,
        shutdown: &watch::Sender<bool>,
    ) -> Workers {
        let mut tasks = vec![
            crate::payouts::reconciler::spawn(payouts, config.reconciler, shutdown.subscribe()),
            reconciler::spawn(sessions.clone(), config.reconciler, shutdown.subscribe()),
            crate::outbox::spawn(
                sessions.store().clone(),
                config.webhooks.clone(),
                sessions.clock().clone(),
                outbox_metrics,
                shutdown.subscribe(),
            ),
        ];
        // Several replicas on PostgreSQL: SSE subscribers here hear changes made elsewhere.
        if let DatabaseLocation::Postgres(url) = &config.server.database {
            tasks.push(sessions.spawn_relay(url.clone(), shutdown.subscribe()));
        }
        Workers { tasks }
    }

    /// Waits for every worker to finish (after shutdown was signalled).
    pub(super) async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
