//! [`EventHub`]: status changes of all sessions on one broadcast channel; each SSE stream
//! filters its own session. On PostgreSQL the hub also carries the changes other replicas
//! commit ([`Sessions::spawn_relay`](super::Sessions::spawn_relay)).

use shared::api::{SessionId, StatusUpdate};
use tokio::sync::broadcast;

/// A session's status changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    /// Which session.
    pub session_id: SessionId,
    /// Its status now.
    pub update: StatusUpdate,
}

/// The broadcast channel of [`SessionEvent`]s.
#[derive(Debug, Clone)]
pub struct EventHub {
    sender: broadcast::Sender<SessionEvent>,
}

impl EventHub {
    /// A hub keeping up to `capacity` events for slow subscribers (who then re-read the
    /// store, see the SSE route).
    pub fn new(capacity: usize) -> EventHub {
        let (sender, _) = broadcast::channel(capacity.max(1));
        EventHub { sender }
    }

    /// Sends `event` to every subscriber (none listening is fine).
    pub fn publish(&self, event: SessionEvent) {
        let _ = self.sender.send(event);
    }

    /// A new subscription to events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.sender.subscribe()
    }

    /// Live subscriptions: each open SSE stream holds exactly one (nothing else subscribes),
    /// and drops it when the stream ends, so this is the SSE subscriber gauge.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Changes re-read at most after a reconnect of the status listener.
const RESYNC_LIMIT: u32 = 10_000;

impl super::Sessions {
    /// Several replicas on PostgreSQL: listens for the status changes every replica commits
    /// (LISTEN/NOTIFY, see `store::listen`) and publishes each, re-read from the store, to
    /// this process's SSE subscribers — so a stream on one replica hears a payment that was
    /// marked paid through another. Runs until `shutdown` turns `true`.
    ///
    /// Changes this process made itself come back too: they were published already, and
    /// the SSE route drops an update equal to the last one it sent.
    pub fn spawn_relay(
        &self,
        database_url: String,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let (sender, mut signals) = tokio::sync::mpsc::channel(1024);
        let clock = self.clock().clone();
        let listener =
            crate::store::spawn_listener(database_url, sender, move || clock.now(), shutdown);
        let sessions = self.clone();
        tokio::spawn(async move {
            while let Some(signal) = signals.recv().await {
                if let Err(error) = sessions.relay(signal).await {
                    tracing::warn!(%error, "status relay: cannot re-read a changed session");
                }
            }
            let _ = listener.await;
        })
    }

    /// Publishes the current status of the sessions `signal` names.
    async fn relay(&self, signal: crate::store::StatusSignal) -> Result<(), super::SessionError> {
        // Another replica changed it: a cached poll answer of this one is stale.
        match &signal {
            crate::store::StatusSignal::Changed(id) => self.store().forget_status(*id),
            crate::store::StatusSignal::Resync { .. } => self.store().forget_all_statuses(),
        }
        // Nobody watching on this replica: nothing to re-read.
        if self.events().subscriber_count() == 0 {
            return Ok(());
        }
        let ids = match signal {
            crate::store::StatusSignal::Changed(id) => vec![id],
            crate::store::StatusSignal::Resync { since } => {
                self.store()
                    .sessions_updated_since(since, RESYNC_LIMIT)
                    .await?
            }
        };
        for id in ids {
            let Some(session) = self.store().session_by_id(id).await? else {
                continue;
            };
            let update = self.update_of(&session).await?;
            self.events().publish(SessionEvent {
                session_id: id,
                update,
            });
        }
        Ok(())
    }
}
