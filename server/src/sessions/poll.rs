//! The reconciler's work on sessions: polling due payments (backing each off, ×2 up to the
//! max, while it still waits) and expiring sessions whose deadline passed.

use std::time::Duration;

use shared::api::{StatusChange, StatusSource};
use shared::{PaymentStatus, SessionStatus};
use time::OffsetDateTime;

use super::{SessionError, Sessions, due, views};
use crate::store::outbox::EventKind;
use crate::store::{AttemptRecord, Change, SessionRecord};

impl Sessions {
    /// Polls one due payment (the reconciler): skipped when its session is busy or the
    /// per-payment limit says wait; the next poll backs off (first poll, ×2 … up to the max).
    pub async fn poll(&self, attempt: &AttemptRecord) -> Result<(), SessionError> {
        let Some(gid) = attempt.gateway_payment_id else {
            return Ok(());
        };
        let now = self.inner.clock.now();
        let store = &self.inner.store;
        if let Err(wait) = self.acquire_upstream(gid, now).await? {
            let at = now + wait;
            store
                .schedule_poll(
                    attempt.session_id,
                    attempt.number,
                    Some(at),
                    attempt.poll_interval_secs,
                )
                .await?;
            return Ok(());
        }
        self.ask_gateway(gid, StatusSource::Reconciler).await?;
        let Some(session) = store.session_by_id(attempt.session_id).await? else {
            return Ok(());
        };
        self.reschedule(&session, attempt.number, now).await
    }

    /// Backs the next poll of a still-waiting attempt off: ×2 the last interval, capped.
    pub(super) async fn reschedule(
        &self,
        session: &SessionRecord,
        number: u32,
        now: OffsetDateTime,
    ) -> Result<(), SessionError> {
        let store = &self.inner.store;
        let Some(attempt) = store
            .attempts(session.id)
            .await?
            .into_iter()
            .find(|a| a.number == number)
        else {
            return Ok(());
        };
        let unsettled = match attempt.payment_status {
            Some(PaymentStatus::Wait) => true,
            // Paid, but the amount is not confirmed yet: keep asking.
            Some(PaymentStatus::Paid) => attempt.paid_amount.is_none(),
            Some(PaymentStatus::Cancel | PaymentStatus::Fail) | None => false,
        };
        if !unsettled {
            return Ok(());
        }
        let config = &self.inner.settings.reconciler;
        let last = attempt
            .poll_interval_secs
            .map(|s| Duration::from_secs(u64::from(s)));
        let wait = crate::backoff::after(last, config.first_poll, config.max_poll);
        let next = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
        store
            .schedule_poll(
                session.id,
                number,
                Some(now + Duration::from_secs(u64::from(next))),
                Some(next),
            )
            .await?;
        Ok(())
    }

    /// Expires `session` if its deadline passed (taking its lock); returns it as it is now.
    pub(super) async fn expire_if_due(
        &self,
        session: SessionRecord,
    ) -> Result<SessionRecord, SessionError> {
        if !due(&session, self.inner.clock.now()) {
            return Ok(session);
        }
        let _guard = self.inner.locks.lock(session.id).await;
        let fresh = self
            .inner
            .store
            .session_by_id(session.id)
            .await?
            .ok_or(SessionError::NotFound)?;
        let now = self.inner.clock.now();
        if due(&fresh, now) {
            self.expire_locked(fresh, now).await
        } else {
            Ok(fresh)
        }
    }

    /// Marks a due session `expired` (lock held).
    pub(super) async fn expire_locked(
        &self,
        mut session: SessionRecord,
        now: OffsetDateTime,
    ) -> Result<SessionRecord, SessionError> {
        let attempts = self.inner.store.attempts(session.id).await?;
        let current = views::current(&session, &attempts);
        let before = session.clone();
        session.status = SessionStatus::Expired;
        session.updated_at = now;
        let entry = StatusChange {
            status: SessionStatus::Expired,
            payment_status: current.and_then(|a| a.payment_status),
            gateway_payment_id: current.and_then(|a| a.gateway_payment_id),
            source: StatusSource::Expiry,
            detail: None,
            at: now,
        };
        tracing::info!(session = %session.id, "session expired");
        let event = self
            .change_event(EventKind::PaymentExpired, &before, &session, None, &entry)
            .await?;
        self.commit(
            &session,
            Change {
                session: Some(&session),
                attempt: None,
                history: Some(&entry),
                event: Some(&event),
            },
        )
        .await?;
        Ok(session)
    }

    /// Expires every session whose deadline passed (the reconciler); returns how many.
    pub async fn expire_due(&self) -> Result<usize, SessionError> {
        let now = self.inner.clock.now();
        let ids = self.inner.store.sessions_due_to_expire(now, 500).await?;
        let mut expired = 0;
        for id in ids {
            if let Some(session) = self.inner.store.session_by_id(id).await? {
                let after = self.expire_if_due(session).await?;
                if after.status == SessionStatus::Expired {
                    expired += 1;
                }
            }
        }
        Ok(expired)
    }

    /// Payments the reconciler should poll now.
    pub async fn due_polls(&self, limit: u32) -> Result<Vec<AttemptRecord>, SessionError> {
        let now = self.inner.clock.now();
        Ok(self.inner.store.attempts_due_for_poll(now, limit).await?)
    }
}
