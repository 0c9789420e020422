//! Creating a payout: idempotency, the row committed before the call, the create call (first
//! send or the one re-send) with its outcome handed to [`super::unsure`], taking over what the
//! gateway holds, and the version-guarded write every change goes through.

use std::time::Duration;

use shared::gateway::{PayoutCreateRequest, PayoutStatusResponse};
use shared::{OrderId, PaymentStatus};
use time::OffsetDateTime;

use super::decide::{Call, Decision};
use super::history::{self, Source};
use super::unsure::Seen;
use super::{
    Created, IdempotencyKey, PayoutBody, PayoutError, PayoutRequest, PayoutState, PayoutStatus,
    Payouts, Recipient, view,
};
use crate::gateway::GatewayError;
use crate::store::{PayoutRecord, StoreError};

/// After a send's timeout, how long before the payout counts as abandoned by its sender (a
/// crashed process or replica) and the reconciler looks it up.
const SEND_GRACE: Duration = Duration::from_secs(30);

/// How often a racing write is retried before giving up.
const MAX_RACES: usize = 8;

impl Payouts {
    /// `POST /api/v1/payouts`.
    pub async fn create(
        &self,
        key: IdempotencyKey,
        body: &PayoutBody,
        created_by: &str,
    ) -> Result<Created, PayoutError> {
        let request = body.validate().map_err(PayoutError::Invalid)?;
        let hash = request.hash();
        let store = &self.inner.store;
        if let Some(existing) = store.payout_by_idempotency_key(key.as_str()).await? {
            return replay(existing, &hash, self.inner.settings.livemode);
        }
        let record = self.new_record(key, request, hash.clone())?;
        match store.insert_payout(&record, created_by).await {
            Ok(()) => {}
            // The same key at the same moment: the other request owns the send.
            Err(StoreError::Conflict { .. }) => {
                let existing = store
                    .payout_by_idempotency_key(&record.idempotency_key)
                    .await?
                    .ok_or_else(|| PayoutError::Internal("idempotency key vanished".into()))?;
                return replay(existing, &hash, self.inner.settings.livemode);
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(payout = %record.id, gateway_order_id = record.gateway_order_id.as_str(),
            kind = %record.request.recipient.kind(), amount = %record.request.amount, "payout stored");
        let (record, refusal) = self.send(record, Call::FirstSend).await?;
        match refusal {
            Some(cause) => Err(PayoutError::Gateway(cause)),
            None => Ok(Created {
                payout: self.view(&record),
                replayed: false,
            }),
        }
    }

    /// A new row in state `sending`: the gateway order id is fixed here, once.
    fn new_record(
        &self,
        key: IdempotencyKey,
        mut request: PayoutRequest,
        hash: String,
    ) -> Result<PayoutRecord, PayoutError> {
        let now = self.now();
        let id = uuid::Uuid::new_v4();
        let gateway_order_id = OrderId::parse(format!("po-{}", id.simple()))
            .map_err(|e| PayoutError::Internal(format!("gateway order id: {e}")))?;
        // The bank actually sent is stored, so a resend sends exactly the same body.
        if let Recipient::Account { bank, .. } = &mut request.recipient
            && bank.is_none()
        {
            *bank = Some(self.inner.settings.default_bank.clone());
        }
        let service = request.recipient.kind().default_service().to_owned();
        Ok(PayoutRecord {
            id: id.to_string(),
            idempotency_key: key.as_str().to_owned(),
            request_hash: hash,
            request,
            service,
            gateway_order_id,
            state: PayoutState::Sending,
            gateway_payout_id: None,
            gateway_status: None,
            paid_amount: None,
            rejection: None,
            last_error: None,
            sends: 1,
            first_not_found_at: None,
            version: 0,
            next_check_at: Some(self.send_deadline(now)),
            check_interval_secs: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        })
    }

    /// Until when a send may still be in flight.
    pub(super) fn send_deadline(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + self.inner.settings.gateway_timeout + SEND_GRACE
    }

    /// The `v1/payout` body of `record` (the same bytes for every send).
    fn gateway_request(&self, record: &PayoutRecord) -> Result<PayoutCreateRequest, PayoutError> {
        let r = &record.request;
        let order_id = record.gateway_order_id.clone();
        let request = match &r.recipient {
            Recipient::Sbp {
                phone,
                bank_member_id,
            } => {
                PayoutCreateRequest::sbp(r.amount, order_id, phone.clone(), bank_member_id.clone())
            }
            Recipient::Account {
                account, bic, bank, ..
            } => {
                let bank = bank
                    .clone()
                    .ok_or_else(|| PayoutError::Internal("account payout without a bank".into()))?;
                PayoutCreateRequest::account(r.amount, order_id, account.clone(), bank, bic.clone())
            }
        }
        .with_service(record.service.clone());
        Ok(match &self.inner.settings.notification_url {
            Some(url) => request.with_notification_url(url.clone()),
            None => request,
        })
    }

    /// Sends the create call for `record` (state `sending`, committed) and acts on its
    /// outcome; a refusal that made the payout `rejected` is returned beside the stored record.
    pub(super) async fn send(
        &self,
        record: PayoutRecord,
        call: Call,
    ) -> Result<(PayoutRecord, Option<GatewayError>), PayoutError> {
        let request = self.gateway_request(&record)?;
        tracing::info!(payout = %record.id, gateway_order_id = record.gateway_order_id.as_str(),
            send = record.sends, "sending payout to the gateway");
        let outcome = self.inner.gateway.create_payout(&request).await;
        let seen = Seen::create(outcome, &record);
        if let Some(cause) = seen.error() {
            tracing::warn!(payout = %record.id, error = %cause, "payout create did not succeed");
        }
        let source = match call {
            Call::FirstSend | Call::Lookup => Source::Send,
            Call::SecondSend => Source::Resend,
        };
        let (record, decision) = self.carry_out(record, call, &seen, source).await?;
        let refusal = match decision {
            Decision::Reject => seen.error().cloned(),
            Decision::Adopt | Decision::LookUpLater | Decision::Resend | Decision::Unknown => None,
        };
        Ok((record, refusal))
    }

    /// Takes over what the gateway holds under our order id (state `sent`); a final status
    /// applies at once.
    pub(super) async fn adopt(
        &self,
        record: PayoutRecord,
        found: &PayoutStatusResponse,
        source: Source,
    ) -> Result<PayoutRecord, PayoutError> {
        let first = self.inner.settings.reconciler.first_poll;
        self.update(record, source, |r, now| {
            if matches!(r.state, PayoutState::Sent | PayoutState::Refused) {
                // Already adopted (a notification was faster) or over.
                return false;
            }
            r.state = PayoutState::Sent;
            r.gateway_payout_id = Some(found.id);
            r.gateway_status = Some(found.payment_status);
            r.paid_amount = found.payment_amount.or(r.paid_amount);
            r.last_error = None;
            r.check_interval_secs = None;
            if found.payment_status == PaymentStatus::Wait {
                schedule(r, now, first, None);
            }
            true
        })
        .await
    }

    /// Applies `change` to the latest `record` and writes it, re-reading when another writer
    /// was first. `change` says whether anything is to be written; it is never asked about a
    /// final payout. The write that makes the status final sets `finished_at`, stops the
    /// reconciler and enqueues the merchant event in the same transaction; so does the write
    /// that makes it `unknown` (`payout.unknown`).
    pub(super) async fn update(
        &self,
        mut record: PayoutRecord,
        source: Source,
        mut change: impl FnMut(&mut PayoutRecord, OffsetDateTime) -> bool,
    ) -> Result<PayoutRecord, PayoutError> {
        let store = &self.inner.store;
        for _ in 0..MAX_RACES {
            if record.status().is_final() {
                return Ok(record);
            }
            let now = self.now();
            let mut next = record.clone();
            if !change(&mut next, now) {
                return Ok(record);
            }
            next.updated_at = now;
            let event = if next.status().is_final() {
                next.finished_at = Some(now);
                next.next_check_at = None;
                next.check_interval_secs = None;
                self.event(&next, now)
            } else if next.status() == PayoutStatus::Unknown
                && record.status() != PayoutStatus::Unknown
            {
                self.event(&next, now)
            } else {
                None
            };
            let entry = history::entry(source, &record, &next);
            if store
                .update_payout(&mut next, event.as_ref(), entry.as_ref())
                .await?
            {
                if next.status().is_final() {
                    tracing::info!(payout = %next.id, status = %next.status(),
                        gateway_payout_id = ?next.gateway_payout_id.map(|g| g.get()),
                        "payout final; merchant event queued");
                }
                return Ok(next);
            }
            record = store
                .payout(&record.id)
                .await?
                .ok_or(PayoutError::NotFound)?;
        }
        Err(PayoutError::Internal(format!(
            "payout {} kept changing under this write",
            record.id
        )))
    }
}

/// A replay of `existing` for a request hashing to `hash`.
fn replay(existing: PayoutRecord, hash: &str, livemode: bool) -> Result<Created, PayoutError> {
    if existing.request_hash != hash {
        return Err(PayoutError::IdempotencyConflict);
    }
    tracing::info!(payout = %existing.id, "idempotent replay: the stored payout, nothing sent");
    Ok(Created {
        payout: view(&existing, livemode),
        replayed: true,
    })
}

/// Schedules the reconciler's next look at `r`: after `first`, or — with `max` — after double
/// the previous gap, capped at `max`.
pub(super) fn schedule(
    r: &mut PayoutRecord,
    now: OffsetDateTime,
    first: Duration,
    max: Option<Duration>,
) {
    let first = first.max(Duration::from_secs(1));
    let last = r
        .check_interval_secs
        .map(|s| Duration::from_secs(u64::from(s)));
    let wait = match max {
        Some(max) => crate::backoff::after(last, first, max.max(first)),
        None => first,
    };
    let secs = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
    r.check_interval_secs = Some(secs);
    r.next_check_at = Some(now + Duration::from_secs(u64::from(secs)));
}
