//! `POST …/pay`: start (or show again) the gateway payment for the method the buyer chose.
//!
//! Under the session lock, so concurrent clicks are served one after the other and see each
//! other's result: exactly one gateway payment per attempt. With several replicas on
//! PostgreSQL the session's database lease is held too ([`super::locks::ReplicaLease`]), so
//! the same holds for clicks that land on different processes. The attempt row is committed in
//! state `creating` before the create call; an unknown outcome (timeout, 5xx, garbled answer)
//! leaves it `unknown`, and the next try looks its order id up before creating again with the
//! same order id.

use std::time::Duration;

use shared::api::{AttemptState, PayAnswer, Requisites, StatusChange, StatusSource};
use shared::gateway::{
    PaymentCreateRequest, PaymentCreateResponse, PaymentKind, PaymentStatusResponse,
};
use shared::{CustomerIp, LifetimeSecs, Method, OrderId, PaymentStatus, SessionStatus, UserAgent};
use time::OffsetDateTime;

mod choose;
mod recover;

use super::StatusReport;
use super::{SessionError, Sessions, due, views};
use crate::gateway::CreateOutcome;
use crate::store::{AttemptRecord, Change, SessionRecord};
use choose::{Choice, choose, next_attempt};

/// Who is paying: sent to the gateway with the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// The payer's IP (the connection's, or `X-Forwarded-For` from a trusted proxy).
    pub ip: CustomerIp,
    /// The payer's browser.
    pub user_agent: Option<UserAgent>,
}

/// What adopting a payment found by order id gave.
enum Adopted {
    /// It is usable: show this.
    Usable(PayAnswer),
    /// It exists but cannot be shown (its requisites were lost) or is over.
    Unusable,
    /// The attempt left the creation states while the gateway was asked (its creator, on
    /// another replica, finished it): nothing was written.
    MovedOn,
}

impl Sessions {
    /// `POST /api/v1/checkout/{token}/pay`: the same answer for the same method while its
    /// payment waits; a new attempt for another method.
    pub async fn pay(
        &self,
        token: &shared::api::SessionToken,
        method: Method,
        payer: Payer,
    ) -> Result<PayAnswer, SessionError> {
        let store = &self.inner.store;
        let id = store
            .session_id_by_token(token)
            .await?
            .ok_or(SessionError::NotFound)?;
        let _guard = self.inner.locks.lock(id).await;
        let _lease = self.replica_lease(id).await?;
        let (mut session, attempts) = store
            .session_with_attempts(id)
            .await?
            .ok_or(SessionError::NotFound)?;
        let now = self.inner.clock.now();
        if due(&session, now) {
            session = self.expire_locked(session, now).await?;
        }
        let mut retry = None;
        match choose(
            &session,
            &attempts,
            method,
            self.inner.settings.max_attempts,
        )? {
            Choice::Same(current) => {
                if let Some(answer) =
                    views::pay_answer(&self.inner.settings, &session, current, now)
                {
                    return Ok(answer);
                }
            }
            Choice::ShowAgain(earlier) => {
                return self
                    .make_current(session, earlier.clone(), StatusSource::Pay)
                    .await;
            }
            Choice::LookUp(open) => {
                match self
                    .inner
                    .gateway
                    .find_payment(&open.gateway_order_id)
                    .await
                {
                    Ok(Some(found)) => {
                        match self
                            .adopt(session.clone(), open.clone(), &found, StatusSource::Pay)
                            .await?
                        {
                            Adopted::Usable(answer) => return Ok(answer),
                            // Not while this pay holds the lease: only if it was lost.
                            Adopted::MovedOn => return Err(SessionError::GatewayTimeout),
                            Adopted::Unusable => {
                                // Adopting may have ended the session (the lost payment was
                                // paid): `session` is stale now, and going on would create a
                                // second gateway payment and write `pending` over the final
                                // status.
                                session = store
                                    .session_by_id(session.id)
                                    .await?
                                    .ok_or(SessionError::NotFound)?;
                                if session.status.is_final() {
                                    return Err(SessionError::Closed(session.status));
                                }
                            }
                        }
                    }
                    Ok(None) => retry = Some(open.clone()),
                    Err(e) => return Err(SessionError::from_gateway(&e)),
                }
            }
            Choice::New => {}
        }
        let attempt = match retry {
            Some(mut attempt) => {
                attempt.state = AttemptState::Creating;
                attempt.customer_ip = payer.ip;
                attempt.user_agent = payer.user_agent;
                attempt.updated_at = now;
                store.save_attempt(&attempt).await?;
                attempt
            }
            None => {
                let number = next_attempt(&attempts, self.inner.settings.max_attempts)?;
                let attempt =
                    new_attempt(&self.inner.settings, &session, number, method, payer, now)?;
                // Committed before the call: a crash in between is recovered by lookup.
                store.insert_attempt(&attempt).await?;
                attempt
            }
        };
        self.create_upstream(session, attempt).await
    }

    /// Sends the create call for `attempt` and records its outcome.
    async fn create_upstream(
        &self,
        mut session: SessionRecord,
        mut attempt: AttemptRecord,
    ) -> Result<PayAnswer, SessionError> {
        let sent_at = self.inner.clock.now();
        let lifetime = gateway_lifetime(session.expires_at, sent_at);
        let request = self.create_request(&session, &attempt, lifetime)?;
        let session_id = session.id;
        // The gateway's minimum lifetime (900 s) can outlast the session's remaining time: the
        // payment then stays payable after our deadline. The session's deadline (and so the
        // buyer's countdown, `PayAnswer.expires_at` and expiry) moves to the payment's, so the
        // two end together instead of the buyer paying an "expired" checkout.
        let payment_expires_at = session.expires_at.max(sent_at + lifetime.duration());
        tracing::info!(session = %session.id, attempt = attempt.number,
            gateway_order_id = attempt.gateway_order_id.as_str(), method = %attempt.method,
            "creating gateway payment");
        let outcome = self.inner.gateway.create_payment(&request).await;
        let now = self.inner.clock.now();
        attempt.updated_at = now;
        let store = &self.inner.store;
        match outcome {
            CreateOutcome::Created(response) => {
                attempt.gateway_payment_id = Some(response.id);
                attempt.gateway_uuid = Some(response.uuid);
                attempt.payment_status = Some(response.payment_status);
                match Requisites::from_gateway(attempt.method, &response) {
                    Ok(requisites) => {
                        attempt.requisites = Some(requisites);
                        session.expires_at = payment_expires_at;
                        self.make_current(session, attempt, StatusSource::Pay).await
                    }
                    Err(e) => {
                        attempt.state = AttemptState::Abandoned;
                        attempt.last_error = Some(e.to_string());
                        // Polled while it waits: money paid to it anyway is still seen.
                        if response.payment_status == PaymentStatus::Wait {
                            attempt.next_poll_at = Some(now);
                        }
                        store.save_attempt(&attempt).await?;
                        Err(SessionError::GatewayUnavailable(e.to_string()))
                    }
                }
            }
            CreateOutcome::Refused(e) => {
                attempt.state = AttemptState::Rejected;
                attempt.last_error = Some(e.to_string());
                store.save_attempt(&attempt).await?;
                Err(SessionError::from_gateway(&e))
            }
            CreateOutcome::Found { status, cause } => {
                // Made by this very call (found by its order id): same lifetime.
                session.expires_at = payment_expires_at;
                match self
                    .adopt(session, attempt, &status, StatusSource::Pay)
                    .await?
                {
                    Adopted::Usable(answer) => Ok(answer),
                    Adopted::MovedOn => Err(SessionError::GatewayTimeout),
                    Adopted::Unusable => {
                        // Found paid: the buyer is told the session is over, not "try again".
                        let fresh = store
                            .session_by_id(session_id)
                            .await?
                            .ok_or(SessionError::NotFound)?;
                        if fresh.status.is_final() {
                            Err(SessionError::Closed(fresh.status))
                        } else {
                            Err(SessionError::from_gateway(&cause))
                        }
                    }
                }
            }
            CreateOutcome::Unknown { cause, lookup } => {
                attempt.state = AttemptState::Unknown;
                attempt.last_error = Some(match &lookup {
                    Some(l) => format!("{cause}; status lookup failed: {l}"),
                    None => cause.to_string(),
                });
                store.save_attempt(&attempt).await?;
                Err(SessionError::from_gateway(&cause))
            }
        }
    }

    /// Shows `attempt` (created, with requisites) to the buyer: it becomes the current one,
    /// the session `pending`, the reconciler schedules its first poll.
    async fn make_current(
        &self,
        mut session: SessionRecord,
        mut attempt: AttemptRecord,
        source: StatusSource,
    ) -> Result<PayAnswer, SessionError> {
        let now = self.inner.clock.now();
        let first_poll = self.inner.settings.reconciler.first_poll;
        attempt.state = AttemptState::Created;
        attempt.updated_at = now;
        if attempt.next_poll_at.is_none() {
            attempt.next_poll_at = Some(now + first_poll);
            attempt.poll_interval_secs = u32::try_from(first_poll.as_secs()).ok();
        }
        session.current_attempt = Some(attempt.number);
        session.status = session
            .status
            .transition(SessionStatus::Pending)
            .map_err(|e| SessionError::Internal(e.to_string()))?;
        session.updated_at = now;
        let entry = StatusChange {
            status: session.status,
            payment_status: attempt.payment_status,
            gateway_payment_id: attempt.gateway_payment_id,
            source,
            detail: Some(format!("attempt {}: {}", attempt.number, attempt.method)),
            at: now,
        };
        self.commit(
            &session,
            Change {
                session: Some(&session),
                attempt: Some(&attempt),
                history: Some(&entry),
                event: None,
            },
        )
        .await?;
        views::pay_answer(&self.inner.settings, &session, &attempt, now)
            .ok_or_else(|| SessionError::Internal("created attempt without requisites".into()))
    }

    /// Takes over a payment found by its order id after an unknown create outcome: usable when
    /// it waits and its status tells what to show (hosted forms: the URL); otherwise recorded
    /// as abandoned (H2H requisites come only with the create answer; polled while it waits,
    /// so money paid to it anyway is still seen) or applied if paid. The attempt is written
    /// only if it is still in the state it was read in.
    async fn adopt(
        &self,
        session: SessionRecord,
        mut attempt: AttemptRecord,
        found: &PaymentStatusResponse,
        source: StatusSource,
    ) -> Result<Adopted, SessionError> {
        tracing::info!(session = %session.id, gateway_order_id = attempt.gateway_order_id.as_str(),
            gateway_payment_id = %found.id, status = %found.payment_status,
            "payment found by order id after an unknown create outcome");
        let was = attempt.state;
        attempt.gateway_payment_id = Some(found.id);
        let shown = PaymentCreateResponse {
            url: found.url.clone(),
            payment_status: found.payment_status,
            id: found.id,
            uuid: uuid::Uuid::nil(),
            success_redirect_url: None,
            card_number: None,
            card_holder_name: None,
            bank: None,
        };
        match (
            found.payment_status,
            Requisites::from_gateway(attempt.method, &shown),
        ) {
            (PaymentStatus::Wait, Ok(requisites)) => {
                attempt.payment_status = Some(PaymentStatus::Wait);
                attempt.requisites = Some(requisites);
                let answer = self.make_current(session, attempt, source).await?;
                Ok(Adopted::Usable(answer))
            }
            (PaymentStatus::Paid, _) => {
                attempt.state = AttemptState::Created;
                if !self.inner.store.save_attempt_if(&attempt, was).await? {
                    return Ok(Adopted::MovedOn);
                }
                self.apply_locked(session, attempt, &StatusReport::from(found), source)
                    .await?;
                Ok(Adopted::Unusable)
            }
            (status, _) => {
                attempt.state = AttemptState::Abandoned;
                attempt.payment_status = Some(status);
                attempt.last_error = Some(
                    "the payment exists but its requisites were lost with the create answer"
                        .to_owned(),
                );
                let now = self.inner.clock.now();
                attempt.updated_at = now;
                if status == PaymentStatus::Wait {
                    attempt.next_poll_at = Some(now);
                }
                if !self.inner.store.save_attempt_if(&attempt, was).await? {
                    return Ok(Adopted::MovedOn);
                }
                Ok(Adopted::Unusable)
            }
        }
    }

    /// The `v1/payment` body for `attempt`.
    fn create_request(
        &self,
        session: &SessionRecord,
        attempt: &AttemptRecord,
        lifetime: LifetimeSecs,
    ) -> Result<PaymentCreateRequest, SessionError> {
        let settings = &self.inner.settings;
        let kind = match attempt.method {
            Method::CardForm => PaymentKind::CardForm,
            Method::CardTransfer => PaymentKind::CardTransfer {
                customer_code: settings.default_bank.clone(),
            },
            Method::Sbp => PaymentKind::Sbp {
                customer_code: None,
            },
            Method::Sberpay => PaymentKind::Sberpay,
            Method::AccountForm => PaymentKind::AccountForm,
            Method::AccountTransfer => PaymentKind::AccountTransfer,
        };
        let mut request = PaymentCreateRequest::new(
            kind,
            session.amount,
            attempt.gateway_order_id.clone(),
            attempt.customer_ip,
            session.customer_user_id.clone(),
        )
        .with_service(attempt.service.clone())
        .with_lifetime(lifetime);
        if let Some(url) = &settings.notification_url {
            request = request.with_notification_url(url.clone());
        }
        if let Some(url) = &session.success_url {
            request = request.with_success_redirect_url(url.clone());
        }
        if let Some(url) = &session.fail_url {
            request = request.with_fail_redirect_url(url.clone());
        }
        if let Some(desc) = &session.description {
            request = request.with_desc(desc.clone());
        }
        if let Some(agent) = &attempt.user_agent {
            request = request.with_user_agent(agent.clone());
        }
        Ok(request)
    }
}

/// A new attempt row in state `creating`.
fn new_attempt(
    settings: &super::Settings,
    session: &SessionRecord,
    number: u32,
    method: Method,
    payer: Payer,
    now: OffsetDateTime,
) -> Result<AttemptRecord, SessionError> {
    let gateway_order_id = OrderId::parse(format!("{}-{number}", session.order_id))
        .map_err(|e| SessionError::Internal(format!("gateway order id: {e}")))?;
    Ok(AttemptRecord {
        session_id: session.id,
        number,
        method,
        service: settings.service(method).to_owned(),
        gateway_order_id,
        state: AttemptState::Creating,
        gateway_payment_id: None,
        gateway_uuid: None,
        payment_status: None,
        paid_amount: None,
        requisites: None,
        customer_ip: payer.ip,
        user_agent: payer.user_agent,
        last_error: None,
        next_poll_at: None,
        poll_interval_secs: None,
        created_at: now,
        updated_at: now,
    })
}

/// The `lifetime` sent to the gateway: the session's remaining time, within 900–3600 s.
fn gateway_lifetime(expires_at: OffsetDateTime, now: OffsetDateTime) -> LifetimeSecs {
    let remaining = Duration::try_from(expires_at - now)
        .unwrap_or_default()
        .as_secs();
    let clamped = remaining.clamp(
        u64::from(LifetimeSecs::MIN.secs()),
        u64::from(LifetimeSecs::MAX.secs()),
    );
    LifetimeSecs::new(clamped).unwrap_or(LifetimeSecs::DEFAULT)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn gateway_lifetime_is_the_remaining_time_within_the_gateway_range() {
        let now = time::macros::datetime!(2026-11-27 12:00:00 UTC);
        let secs = |s: u64| gateway_lifetime(now + Duration::from_secs(s), now).secs();
        assert_eq!(secs(1800), 1800);
        assert_eq!(secs(100), 900, "the gateway's minimum");
        assert_eq!(secs(7200), 3600, "the gateway's maximum");
        assert_eq!(
            gateway_lifetime(now - Duration::from_secs(5), now).secs(),
            900
        );
    }
}
