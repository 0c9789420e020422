//! Status truth: gateway statuses (from notifications, the reconciler and the buyer's check)
//! applied to attempts and sessions, expiry, and the reconciler's polling of one payment.
//!
//! Rules: a payment's final status never changes (a conflicting final is logged and kept in
//! the history, nothing else changes); `paid` of any attempt pays the session, `cancel` /
//! `fail` only end it when they concern the attempt the buyer sees; a cancel at or after the
//! deadline shows as `expired`; a final session never changes — except that `paid` arriving
//! for an `expired` / `cancelled` / `failed` session makes it `paid` ("paid after …" in the
//! history), because money that arrived must never stay invisible. The reconciler keeps
//! polling a payment that still waits after its session ended, until the gateway says final.

use std::time::Duration;

use shared::api::{AttemptState, SessionToken, StatusChange, StatusSource, StatusUpdate};
use shared::gateway::{PaymentStatusResponse, StatusRequest};
use shared::{GatewayPaymentId, Money, OrderId, PaymentStatus, SessionStatus};
use time::OffsetDateTime;

use super::{SessionError, Sessions, due, views};
use crate::gateway::GatewayError;
use crate::store::{AttemptRecord, Change, SessionRecord};

/// What the gateway says about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The gateway's payment id.
    pub gateway_payment_id: GatewayPaymentId,
    /// The gateway order id, when reported (used if the id is not known yet).
    pub gateway_order_id: Option<OrderId>,
    /// The status.
    pub status: PaymentStatus,
    /// Amount actually paid, when reported.
    pub paid_amount: Option<Money>,
    /// Whether less than the amount was paid, when reported.
    pub partial: Option<bool>,
}

impl From<&PaymentStatusResponse> for StatusReport {
    fn from(r: &PaymentStatusResponse) -> StatusReport {
        StatusReport {
            gateway_payment_id: r.id,
            gateway_order_id: Some(r.order_id.clone()),
            status: r.payment_status,
            paid_amount: r.payment_amount,
            partial: r.is_partial_payment,
        }
    }
}

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment's status changed (and maybe the session's).
    Changed,
    /// Nothing new.
    Unchanged,
    /// A different final status was reported after a final one: ignored, logged.
    Conflict,
    /// No attempt of ours has this payment.
    UnknownPayment,
}

impl Sessions {
    /// Applies `report` from `source` to the attempt it concerns.
    pub async fn apply_report(
        &self,
        report: &StatusReport,
        source: StatusSource,
    ) -> Result<Applied, SessionError> {
        let store = &self.inner.store;
        let attempt = match store
            .attempt_by_gateway_id(report.gateway_payment_id)
            .await?
        {
            Some(a) => Some(a),
            None => match &report.gateway_order_id {
                Some(order_id) => store.attempt_by_gateway_order_id(order_id.as_str()).await?,
                None => None,
            },
        };
        let Some(attempt) = attempt else {
            return Ok(Applied::UnknownPayment);
        };
        let _guard = self.inner.locks.lock(attempt.session_id).await;
        let (session, attempt) = self.reload(attempt.session_id, attempt.number).await?;
        self.apply_locked(session, attempt, report, source).await
    }

    /// Fresh copies of a session and one of its attempts (call under the session lock).
    pub(super) async fn reload(
        &self,
        session: shared::api::SessionId,
        number: u32,
    ) -> Result<(SessionRecord, AttemptRecord), SessionError> {
        let store = &self.inner.store;
        let s = store
            .session_by_id(session)
            .await?
            .ok_or(SessionError::NotFound)?;
        let a = store
            .attempts(session)
            .await?
            .into_iter()
            .find(|a| a.number == number)
            .ok_or(SessionError::NotFound)?;
        Ok((s, a))
    }

    /// [`apply_report`](Self::apply_report) with the session lock held and fresh records.
    pub(super) async fn apply_locked(
        &self,
        mut session: SessionRecord,
        mut attempt: AttemptRecord,
        report: &StatusReport,
        source: StatusSource,
    ) -> Result<Applied, SessionError> {
        let now = self.inner.clock.now();
        let new = report.status;
        let old = attempt.payment_status;
        let gid = report.gateway_payment_id;
        if old == Some(new) && attempt.gateway_payment_id == Some(gid) {
            return Ok(Applied::Unchanged);
        }
        if let Some(old) = old.filter(|o| o.is_final() && *o != new) {
            tracing::warn!(session = %session.id, gateway_payment_id = %gid, %old, %new,
                source = source.as_str(), "conflicting final status ignored");
            let entry = StatusChange {
                status: session.status,
                payment_status: Some(new),
                gateway_payment_id: Some(gid),
                source,
                detail: Some(format!("ignored: gateway reported {new} after {old}")),
                at: now,
            };
            self.inner
                .store
                .commit(Change {
                    history: Some(&entry),
                    session: Some(&session),
                    attempt: None,
                })
                .await?;
            return Ok(Applied::Conflict);
        }
        attempt.gateway_payment_id = Some(gid);
        attempt.payment_status = Some(new);
        attempt.updated_at = now;
        if matches!(
            attempt.state,
            AttemptState::Creating | AttemptState::Unknown
        ) {
            // It exists after all, but its requisites came only with the lost create answer.
            attempt.state = AttemptState::Abandoned;
        }
        let mut detail = None;
        if new == PaymentStatus::Paid {
            attempt.paid_amount = report.paid_amount.and_then(|m| m.to_amount().ok());
            if report.partial == Some(true) {
                detail = Some(format!(
                    "partial payment: {} of {}",
                    attempt
                        .paid_amount
                        .map_or_else(|| "?".to_owned(), |a| a.to_string()),
                    session.amount
                ));
            }
        }
        if new.is_final() {
            attempt.next_poll_at = None;
        }
        let is_current = session.current_attempt == Some(attempt.number);
        let target = match new {
            PaymentStatus::Wait => SessionStatus::Pending,
            PaymentStatus::Paid => SessionStatus::Paid,
            PaymentStatus::Cancel if now >= session.expires_at => SessionStatus::Expired,
            PaymentStatus::Cancel => SessionStatus::Cancelled,
            PaymentStatus::Fail => SessionStatus::Failed,
        };
        let concerns_session = is_current || new == PaymentStatus::Paid;
        if concerns_session && session.status != target {
            if session.status.can_transition_to(target) {
                session.status = target;
                session.updated_at = now;
                if new == PaymentStatus::Paid {
                    session.current_attempt = Some(attempt.number);
                }
            } else if new == PaymentStatus::Paid {
                // The one exception to "a final session never changes": money arrived for a
                // session that had ended without it (the gateway payment outlived it, or its
                // notification was lost and the reconciler found it later). The merchant must
                // see `paid`, or a real payment stays invisible; the history says it was late.
                let was = session.status;
                tracing::warn!(session = %session.id, status = %was,
                    "payment reported paid after the session ended: marking it paid");
                session.status = SessionStatus::Paid;
                session.updated_at = now;
                session.current_attempt = Some(attempt.number);
                let late = match was {
                    SessionStatus::Expired => "paid after expiry".to_owned(),
                    other => format!("paid after the session was {other}"),
                };
                detail = Some(match detail {
                    Some(partial) => format!("{late}; {partial}"),
                    None => late,
                });
            }
        }
        let entry = StatusChange {
            status: session.status,
            payment_status: Some(new),
            gateway_payment_id: Some(gid),
            source,
            detail,
            at: now,
        };
        tracing::info!(session = %session.id, gateway_payment_id = %gid, payment_status = %new,
            status = %session.status, source = source.as_str(), "payment status applied");
        self.commit(
            &session,
            Change {
                session: Some(&session),
                attempt: Some(&attempt),
                history: Some(&entry),
            },
        )
        .await?;
        Ok(Applied::Changed)
    }

    /// `POST /api/v1/checkout/{token}/check`: one upstream status call for the payment the
    /// buyer sees, unless one was made less than the limit ago (then the stored status and
    /// how long to wait).
    pub async fn check(
        &self,
        token: &SessionToken,
    ) -> Result<(StatusUpdate, Option<Duration>), SessionError> {
        let session = self.by_token(token).await?;
        let attempts = self.inner.store.attempts(session.id).await?;
        let current = views::current(&session, &attempts);
        let Some((gid, attempt)) = current
            .filter(|a| a.payment_status == Some(PaymentStatus::Wait) && !session.status.is_final())
            .and_then(|a| a.gateway_payment_id.map(|g| (g, a)))
        else {
            return Ok((views::status_update(&session, current), None));
        };
        let now = self.inner.clock.now();
        if let Err(wait) = self.acquire_upstream(gid, now).await? {
            return Ok((views::status_update(&session, current), Some(wait)));
        }
        let number = attempt.number;
        match self
            .inner
            .gateway
            .payment_status(&StatusRequest::Id(gid))
            .await
        {
            Ok(response) => {
                self.apply_report(&StatusReport::from(&response), StatusSource::Check)
                    .await?;
            }
            Err(e) => {
                tracing::warn!(session = %session.id, error = %e, "buyer's status check failed")
            }
        }
        self.reschedule(&session, number, now).await?;
        let session = self
            .inner
            .store
            .session_by_id(session.id)
            .await?
            .ok_or(SessionError::NotFound)?;
        Ok((self.update_of(&session).await?, None))
    }

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
        match self
            .inner
            .gateway
            .payment_status(&StatusRequest::Id(gid))
            .await
        {
            Ok(response) => {
                self.apply_report(&StatusReport::from(&response), StatusSource::Reconciler)
                    .await?;
            }
            Err(GatewayError::NotFound) => {
                tracing::warn!(gateway_payment_id = %gid, "reconciler: the gateway does not know this payment");
            }
            Err(e) => {
                tracing::warn!(gateway_payment_id = %gid, error = %e, "reconciler: status call failed")
            }
        }
        let Some(session) = store.session_by_id(attempt.session_id).await? else {
            return Ok(());
        };
        self.reschedule(&session, attempt.number, now).await
    }

    /// Backs the next poll of a still-waiting attempt off: ×2 the last interval, capped.
    async fn reschedule(
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
        if attempt.payment_status != Some(PaymentStatus::Wait) {
            return Ok(());
        }
        let config = &self.inner.settings.reconciler;
        let first = u32::try_from(config.first_poll.as_secs()).unwrap_or(10);
        let max = u32::try_from(config.max_poll.as_secs()).unwrap_or(300);
        let next = attempt
            .poll_interval_secs
            .map_or(first, |i| i.saturating_mul(2))
            .clamp(first.min(max), max);
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
        self.commit(
            &session,
            Change {
                session: Some(&session),
                attempt: None,
                history: Some(&entry),
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
