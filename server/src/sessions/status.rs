//! Status truth: gateway statuses (from notifications, the reconciler and the buyer's check)
//! applied to attempts and sessions.
//!
//! What a report does is decided by the pure [`decide`](super::decide) (its header has the
//! rules); this module finds the attempt a report names, carries the decision out under the
//! session's lock (history entry, merchant event, SSE) and confirms a paid notification's
//! amount with a status call when the decision asks for it. The reconciler's side, polling a
//! payment that still waits (even after its session ended) or whose paid amount is not
//! confirmed, and expiring sessions, is [`super::poll`].

use std::time::Duration;

use shared::api::{SessionToken, StatusChange, StatusSource, StatusUpdate};
use shared::gateway::StatusRequest;
use shared::{GatewayPaymentId, PaymentStatus};

use super::decide::{Context, Decision, Outcome, Write, decide};
use super::{SessionError, Sessions, StatusReport, views};
use crate::gateway::GatewayError;
use crate::store::outbox::EventKind;
use crate::store::{AttemptRecord, Change, ChangeEvent, SessionRecord};

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment's status or money changed (and maybe the session's).
    Changed,
    /// Nothing new.
    Unchanged,
    /// A different final status (or amount) was reported after a final one: kept in the
    /// history, nothing else changed.
    Conflict,
    /// The report's id, order id, account or service disagreed with the payment it named:
    /// recorded on the session, nothing else changed.
    Mismatch,
    /// A paid notification whose amount the gateway's status answer did not confirm (it
    /// still says the payment waits, or gives no amount): nothing changed; the reconciler
    /// keeps asking, and a redelivery is looked at again.
    Unconfirmed,
    /// No attempt of ours has this payment.
    UnknownPayment,
}

impl Applied {
    /// The name a notification receipt records.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Changed => "changed",
            Applied::Unchanged => "unchanged",
            Applied::Conflict => "conflict",
            Applied::Mismatch => "mismatch",
            Applied::Unconfirmed => "unconfirmed",
            Applied::UnknownPayment => "unknown_payment",
        }
    }
}

impl Sessions {
    /// Applies `report` from `source` to the attempt it names: by the gateway's payment id,
    /// else by its order id (an attempt found that way but holding another gateway id is
    /// never re-bound: the decision records the mismatch).
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
        session: SessionRecord,
        attempt: AttemptRecord,
        report: &StatusReport,
        source: StatusSource,
    ) -> Result<Applied, SessionError> {
        let account = self.inner.gateway.account();
        let cx = Context {
            confirmable: source == StatusSource::Notification,
            account: &account,
            now: self.inner.clock.now(),
        };
        match decide(&session, &attempt, report, cx) {
            Decision::Unchanged => Ok(Applied::Unchanged),
            Decision::Write(write) => self.carry_out(&session, report, source, *write).await,
            Decision::ConfirmAmount => {
                // Never taken for full payment on the notification's word: the status
                // answer decides (a failed call leaves everything as it was, and the
                // notification is answered with an error so the gateway sends it again).
                tracing::info!(session = %session.id, gateway_payment_id = %report.gateway_payment_id,
                    paid_amount = ?report.paid_amount, partial = ?report.partial,
                    "paid notification without a usable amount: asking the gateway");
                let answer = self
                    .inner
                    .gateway
                    .payment_status(&StatusRequest::Id(report.gateway_payment_id))
                    .await
                    .map_err(|e| SessionError::from_gateway(&e))?;
                let confirmed = StatusReport::from(&answer);
                let cx = Context {
                    confirmable: false,
                    now: self.inner.clock.now(),
                    ..cx
                };
                match decide(&session, &attempt, &confirmed, cx) {
                    Decision::Write(write) => {
                        self.carry_out(&session, &confirmed, source, *write).await
                    }
                    Decision::Unchanged | Decision::ConfirmAmount => Ok(Applied::Unconfirmed),
                }
            }
        }
    }

    /// Commits a decision: the records, a history entry, the merchant event it announces.
    async fn carry_out(
        &self,
        before: &SessionRecord,
        report: &StatusReport,
        source: StatusSource,
        write: Write,
    ) -> Result<Applied, SessionError> {
        let now = self.inner.clock.now();
        let Write {
            outcome,
            session,
            attempt,
            detail,
            event,
        } = write;
        let gid = report.gateway_payment_id;
        let new = report.status;
        match outcome {
            Outcome::Mismatch(field) => {
                tracing::warn!(session = %session.id, field = field.as_str(), gateway_payment_id = %gid,
                    gateway_order_id = ?report.gateway_order_id.as_ref().map(|o| o.as_str()),
                    account = ?report.account.map(|a| a.to_string()), service = ?report.service,
                    detail = ?detail, source = source.as_str(),
                    "gateway report does not match the payment it names: nothing applied");
                self.inner
                    .conflicts
                    .get_or_create(&super::metrics::ConflictField {
                        field: field.as_str(),
                    })
                    .inc();
            }
            Outcome::Conflict => {
                tracing::warn!(session = %session.id, gateway_payment_id = %gid, %new,
                    detail = ?detail, source = source.as_str(), "conflicting gateway report ignored");
            }
            Outcome::Changed => {
                tracing::info!(session = %session.id, gateway_payment_id = %gid, payment_status = %new,
                    status = %session.status, paid_amount = ?session.paid_amount.map(|a| a.to_string()),
                    needs_attention = session.needs_attention, source = source.as_str(),
                    "payment status applied");
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
        let event = match event {
            Some(kind) => Some(
                self.change_event(kind, before, &session, attempt.as_ref(), &entry)
                    .await?,
            ),
            None => None,
        };
        self.commit(
            &session,
            Change {
                session: Some(&session),
                attempt: attempt.as_ref(),
                history: Some(&entry),
                event: event.as_ref(),
            },
        )
        .await?;
        Ok(match outcome {
            Outcome::Changed => Applied::Changed,
            Outcome::Conflict => Applied::Conflict,
            Outcome::Mismatch(_) => Applied::Mismatch,
        })
    }

    /// The merchant event `kind` of a change from `before` to `after`: its data is the
    /// session as the merchant API shows it once the change (`attempt`, `entry`) is written.
    pub(super) async fn change_event(
        &self,
        kind: EventKind,
        before: &SessionRecord,
        after: &SessionRecord,
        attempt: Option<&AttemptRecord>,
        entry: &StatusChange,
    ) -> Result<ChangeEvent, SessionError> {
        let store = &self.inner.store;
        let mut attempts = store.attempts(after.id).await?;
        if let Some(changed) = attempt {
            match attempts.iter_mut().find(|a| a.number == changed.number) {
                Some(slot) => *slot = changed.clone(),
                None => attempts.push(changed.clone()),
            }
        }
        let mut history = store.history(after.id).await?;
        history.push(entry.clone());
        let details = views::details(&self.inner.settings, after, &attempts, history)?;
        let data = serde_json::to_value(&details)
            .map_err(|e| SessionError::Internal(format!("session event data: {e}")))?;
        Ok(ChangeEvent {
            kind,
            data,
            livemode: !self.inner.settings.test_mode,
            status_before: before.status,
            paid_before: before.paid_amount,
        })
    }

    /// Asks the gateway for payment `gid`'s status and applies the answer ([`Self::apply_report`]).
    /// A failed call changes nothing and is logged: the next poll or check asks again.
    pub(super) async fn ask_gateway(
        &self,
        gid: GatewayPaymentId,
        source: StatusSource,
    ) -> Result<(), SessionError> {
        match self
            .inner
            .gateway
            .payment_status(&StatusRequest::Id(gid))
            .await
        {
            Ok(response) => {
                self.apply_report(&StatusReport::from(&response), source)
                    .await?;
            }
            Err(GatewayError::NotFound) => {
                tracing::warn!(gateway_payment_id = %gid, ?source, "the gateway does not know this payment");
            }
            Err(e) => {
                tracing::warn!(gateway_payment_id = %gid, ?source, error = %e, "status call failed");
            }
        }
        Ok(())
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
        self.ask_gateway(gid, StatusSource::Check).await?;
        self.reschedule(&session, number, now).await?;
        let session = self
            .inner
            .store
            .session_by_id(session.id)
            .await?
            .ok_or(SessionError::NotFound)?;
        Ok((self.update_of(&session).await?, None))
    }
}
