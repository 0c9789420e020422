//! Status changes across replicas (PostgreSQL): every transaction that locks a session to
//! write it also queues `pg_notify('checkout_status', '<session id>')`, which PostgreSQL
//! delivers only if, and when, it commits. [`spawn_listener`] keeps one `LISTEN` connection per
//! process and turns what arrives into [`StatusSignal`]s; the session service re-reads the
//! session and publishes it to its SSE subscribers (`sessions::events`).

use std::time::Duration;

use shared::api::SessionId;
use sqlx::postgres::PgListener;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{Store, StoreError, Tx, ms};

/// The notification channel.
pub const CHANNEL: &str = "checkout_status";

/// First wait before reconnecting; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How far before the last sign of life a resync looks: a notification committed just before
/// it may still have been on its way when the connection broke.
const RESYNC_SLACK: Duration = Duration::from_secs(5);

/// What the listener tells the session service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusSignal {
    /// A transaction that wrote this session committed (here or on another replica).
    Changed(SessionId),
    /// The connection was lost and is back: notifications sent in between are gone, so every
    /// session written since `since` must be re-read.
    Resync {
        /// Changes at or after this time may have been missed.
        since: OffsetDateTime,
    },
}

/// Queues the change notification of session `id` in `tx` (PostgreSQL only; delivered at
/// commit, dropped with a rollback).
pub(super) async fn notify(tx: &mut Tx, id: &str) -> Result<(), StoreError> {
    // `pg_notify` returns `void`, which the `Any` driver cannot decode: select a constant.
    sqlx::query("SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS n")
        .bind(CHANNEL)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Ids of sessions last written at or after `since` (by `updated_at`), newest first.
    pub async fn sessions_updated_since(
        &self,
        since: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<SessionId>, StoreError> {
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM sessions WHERE updated_at >= $1 ORDER BY updated_at DESC LIMIT $2",
        )
        .bind(ms(since))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        ids.into_iter()
            .map(|(id,)| super::parse("id", &id))
            .collect()
    }
}

/// Listens on [`CHANNEL`] of the PostgreSQL database at `url` until `shutdown` turns `true`,
/// sending what arrives to `signals`. A lost connection is reopened with backoff, then a
/// [`StatusSignal::Resync`] covers whatever was missed. `now` reads the service's clock (the
/// one `updated_at` is written with).
pub fn spawn_listener(
    url: String,
    signals: mpsc::Sender<StatusSignal>,
    now: impl Fn() -> OffsetDateTime + Send + 'static,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        // When the previous connection last showed it was alive; `None` before the first one.
        let mut alive_at: Option<OffsetDateTime> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut listener = match connect(&url).await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?backoff, "status listener: cannot connect");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.changed() => return,
                    }
                    backoff = crate::backoff::after(Some(backoff), backoff, MAX_BACKOFF);
                    continue;
                }
            };
            backoff = FIRST_BACKOFF;
            if let Some(last) = alive_at {
                tracing::info!("status listener: reconnected; re-reading recent changes");
                let since = last - RESYNC_SLACK;
                if signals.send(StatusSignal::Resync { since }).await.is_err() {
                    return;
                }
            } else {
                tracing::debug!(channel = CHANNEL, "status listener: listening");
            }
            alive_at = Some(now());
            loop {
                let received = tokio::select! {
                    received = listener.try_recv() => received,
                    _ = shutdown.changed() => return,
                };
                match received {
                    Ok(Some(notification)) => {
                        alive_at = Some(now());
                        match notification.payload().parse::<SessionId>() {
                            Ok(id) => {
                                if signals.send(StatusSignal::Changed(id)).await.is_err() {
                                    return;
                                }
                            }
                            Err(_) => tracing::warn!(
                                payload = notification.payload(),
                                "status listener: a notification that names no session"
                            ),
                        }
                    }
                    // `None`: the connection closed. Our own loop reconnects (with backoff,
                    // and knowing it must resync) rather than sqlx's silent reconnect.
                    Ok(None) => {
                        tracing::warn!("status listener: connection lost");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "status listener: connection failed");
                        break;
                    }
                }
            }
        }
    })
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
