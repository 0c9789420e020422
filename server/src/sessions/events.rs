//! [`EventHub`]: status changes per session, one broadcast channel for each session somebody
//! watches, so a change wakes only the streams of its own session. A channel exists while it
//! has subscribers (the last one to leave removes it), so memory follows the open streams,
//! which the SSE caps bound. On PostgreSQL the hub also carries the changes other replicas
//! commit ([`Sessions::spawn_relay`](super::Sessions::spawn_relay)).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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

/// The channels of the watched sessions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EventHub {
    inner: Arc<HubInner>,
}

#[derive(Debug)]
struct HubInner {
    capacity: usize,
    channels: Mutex<HashMap<SessionId, broadcast::Sender<StatusUpdate>>>,
}

impl EventHub {
    /// A hub whose channels keep up to `capacity` changes for a slow subscriber (who then
    /// re-reads the store, see the SSE route).
    pub fn new(capacity: usize) -> EventHub {
        EventHub {
            inner: Arc::new(HubInner {
                capacity: capacity.max(1),
                channels: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn channels(&self) -> MutexGuard<'_, HashMap<SessionId, broadcast::Sender<StatusUpdate>>> {
        // Nothing under this lock can leave the map half-changed: a poisoned one is usable.
        self.inner
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `event` to the subscribers of its session (none listening is fine).
    pub fn publish(&self, event: SessionEvent) {
        if let Some(sender) = self.channels().get(&event.session_id) {
            let _ = sender.send(event.update);
        }
    }

    /// A new subscription to `session`'s changes from now on; dropping it unsubscribes.
    pub fn subscribe(&self, session: SessionId) -> Subscription {
        let mut channels = self.channels();
        let receiver = channels
            .entry(session)
            .or_insert_with(|| broadcast::channel(self.inner.capacity).0)
            .subscribe();
        Subscription {
            hub: self.clone(),
            session,
            receiver: Some(receiver),
        }
    }

    /// Whether anybody on this process watches `session`.
    pub fn is_watched(&self, session: SessionId) -> bool {
        self.channels().contains_key(&session)
    }

    /// The watched sessions.
    pub fn watched(&self) -> Vec<SessionId> {
        self.channels().keys().copied().collect()
    }

    /// Live subscriptions: each open SSE stream holds exactly one (nothing else subscribes),
    /// and drops it when the stream ends, so this is the SSE subscriber gauge.
    pub fn subscriber_count(&self) -> usize {
        self.channels().values().map(|s| s.receiver_count()).sum()
    }

    /// Sessions with a channel (each has at least one subscriber).
    pub fn channel_count(&self) -> usize {
        self.channels().len()
    }
}

/// One subscriber's view of one session's changes.
#[derive(Debug)]
pub struct Subscription {
    hub: EventHub,
    session: SessionId,
    receiver: Option<broadcast::Receiver<StatusUpdate>>,
}

impl Subscription {
    /// The next change; `Lagged` when changes were missed (re-read the store).
    pub async fn recv(&mut self) -> Result<StatusUpdate, broadcast::error::RecvError> {
        match self.receiver.as_mut() {
            Some(receiver) => receiver.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut channels = self.hub.channels();
        // Dropped under the lock, so a subscribe racing with this sees a consistent count.
        drop(self.receiver.take());
        if channels
            .get(&self.session)
            .is_some_and(|s| s.receiver_count() == 0)
        {
            channels.remove(&self.session);
        }
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
        // Only the sessions somebody watches on this replica are re-read.
        let ids = match signal {
            crate::store::StatusSignal::Changed(id) if self.events().is_watched(id) => vec![id],
            crate::store::StatusSignal::Changed(_) => Vec::new(),
            crate::store::StatusSignal::Resync { since } => {
                if self.events().channel_count() == 0 {
                    return Ok(());
                }
                self.store()
                    .sessions_updated_since(since, RESYNC_LIMIT)
                    .await?
                    .into_iter()
                    .filter(|id| self.events().is_watched(*id))
                    .collect()
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use shared::SessionStatus;

    fn update(status: SessionStatus) -> StatusUpdate {
        StatusUpdate {
            status,
            payment_status: None,
            paid_amount: None,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn a_change_wakes_only_its_sessions_subscribers() {
        let hub = EventHub::new(4);
        let a = SessionId::from(uuid::Uuid::new_v4());
        let b = SessionId::from(uuid::Uuid::new_v4());
        let mut on_a = hub.subscribe(a);
        let mut on_b = hub.subscribe(b);
        hub.publish(SessionEvent {
            session_id: a,
            update: update(SessionStatus::Paid),
        });
        assert_eq!(on_a.recv().await.unwrap().status, SessionStatus::Paid);
        let nothing = tokio::time::timeout(std::time::Duration::from_millis(50), on_b.recv()).await;
        assert!(nothing.is_err(), "b heard a's change: {nothing:?}");
    }

    #[test]
    fn the_last_subscriber_to_leave_removes_the_channel() {
        let hub = EventHub::new(4);
        let a = SessionId::from(uuid::Uuid::new_v4());
        let first = hub.subscribe(a);
        let second = hub.subscribe(a);
        assert_eq!((hub.channel_count(), hub.subscriber_count()), (1, 2));
        drop(first);
        assert_eq!((hub.channel_count(), hub.subscriber_count()), (1, 1));
        assert!(hub.is_watched(a));
        drop(second);
        assert_eq!((hub.channel_count(), hub.subscriber_count()), (0, 0));
        assert!(!hub.is_watched(a));
        // Publishing to nobody keeps nothing.
        hub.publish(SessionEvent {
            session_id: a,
            update: update(SessionStatus::Paid),
        });
        assert_eq!(hub.channel_count(), 0);
    }
}
