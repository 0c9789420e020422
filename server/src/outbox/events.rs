//! [`Events`]: the merchant's view of the outbox (`/api/v1/events`): a page of events, one
//! event with its delivery attempts, a re-send.

use crate::clock::Clock;
use crate::store::outbox::{DeliveryAttempt, EventFilter, EventRecord};
use crate::store::{Store, StoreError};

/// The events service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Events {
    store: Store,
    clock: Clock,
}

impl Events {
    /// The service over `store`, re-sending at `clock`'s now.
    pub fn new(store: Store, clock: Clock) -> Events {
        Events { store, clock }
    }

    /// The events `filter` selects, newest first.
    pub async fn list(&self, filter: &EventFilter) -> Result<Vec<EventRecord>, StoreError> {
        self.store.list_events(filter).await
    }

    /// Event `id` with every delivery attempt, if it exists.
    pub async fn get(
        &self,
        id: &str,
    ) -> Result<Option<(EventRecord, Vec<DeliveryAttempt>)>, StoreError> {
        let Some(record) = self.store.event_by_id(id).await? else {
            return Ok(None);
        };
        Ok(Some((record, self.store.event_attempts(id).await?)))
    }

    /// Queues event `id` again (see `POST /api/v1/events/{id}/resend`); it as it now stands.
    pub async fn resend(
        &self,
        id: &str,
    ) -> Result<Option<(EventRecord, Vec<DeliveryAttempt>)>, StoreError> {
        let Some(record) = self.store.resend_event(id, self.clock.now()).await? else {
            return Ok(None);
        };
        tracing::info!(event = %id, "webhook event queued for re-sending");
        Ok(Some((record, self.store.event_attempts(id).await?)))
    }

    /// Events created in `[from, to)` whose delivery failed for good.
    pub async fn failed_between(
        &self,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.store.failed_events_between(from, to).await
    }
}
