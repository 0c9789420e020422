//! [`EventHub`]: status changes of all sessions on one broadcast channel; each SSE stream
//! filters its own session.

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
}
