//! Status truth for payouts: what the gateway reports (notifications, polls) applied to the
//! stored payout, and the reconciler's step for one payout (a poll, or a lookup whose answer
//! [`super::unsure`] acts on).
//!
//! Rules: a final status never changes (a different final report is logged and ignored); a
//! report may arrive before the create call's answer is stored — it is matched by the order
//! id and adopts the gateway's id.

use shared::gateway::{PayoutStatusResponse, StatusRequest};
use shared::{GatewayPaymentId, Money, OrderId, PaymentStatus};

use super::history::Source;
use super::send::schedule;
use super::{PayoutError, PayoutState, Payouts};
use crate::store::PayoutRecord;

/// What the gateway says about one payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutReport {
    /// The gateway's payout id.
    pub gateway_payout_id: GatewayPaymentId,
    /// The order id it was sent with, when reported.
    pub gateway_order_id: Option<OrderId>,
    /// The status.
    pub status: PaymentStatus,
    /// Amount paid out, when reported.
    pub paid_amount: Option<Money>,
}

impl From<&PayoutStatusResponse> for PayoutReport {
    fn from(status: &PayoutStatusResponse) -> PayoutReport {
        PayoutReport {
            gateway_payout_id: status.id,
            gateway_order_id: Some(status.order_id.clone()),
            status: status.payment_status,
            paid_amount: status.payment_amount,
        }
    }
}

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payout changed.
    Changed,
    /// Nothing new.
    Unchanged,
    /// A different final status after a final one, or another gateway id: ignored, logged.
    Conflict,
    /// No payout of ours has this id or order id.
    UnknownPayout,
}

impl Payouts {
    /// Applies `report` (from a verified notification or a poll) to the payout it concerns.
    pub async fn apply_report(
        &self,
        report: &PayoutReport,
        source: Source,
    ) -> Result<Applied, PayoutError> {
        let store = &self.inner.store;
        let record = match store.payout_by_gateway_id(report.gateway_payout_id).await? {
            Some(r) => Some(r),
            None => match &report.gateway_order_id {
                Some(order) => store.payout_by_gateway_order_id(order.as_str()).await?,
                None => None,
            },
        };
        let Some(record) = record else {
            return Ok(Applied::UnknownPayout);
        };
        if record.status().is_final() {
            return Ok(if record.gateway_status == Some(report.status) {
                Applied::Unchanged
            } else {
                tracing::warn!(payout = %record.id, stored = %record.status(),
                    reported = %report.status, "payout already final; report ignored");
                Applied::Conflict
            });
        }
        let first = self.inner.settings.reconciler.first_poll;
        let mut applied = Applied::Unchanged;
        let updated = self
            .update(record, source, |r, now| {
                applied = Applied::Unchanged;
                if r.gateway_payout_id
                    .is_some_and(|id| id != report.gateway_payout_id)
                {
                    tracing::warn!(payout = %r.id, reported = %report.gateway_payout_id,
                        "report for another gateway payout under our order id; ignored");
                    applied = Applied::Conflict;
                    return false;
                }
                let same = r.state == PayoutState::Sent
                    && r.gateway_status == Some(report.status)
                    && (report.paid_amount.is_none() || report.paid_amount == r.paid_amount);
                if same {
                    return false;
                }
                if let Some(current) = r.gateway_status
                    && r.state == PayoutState::Sent
                    && !current.can_transition_to(report.status)
                    && current != report.status
                {
                    applied = Applied::Conflict;
                    return false;
                }
                let adopted = r.state != PayoutState::Sent;
                r.state = PayoutState::Sent;
                r.gateway_payout_id = Some(report.gateway_payout_id);
                r.gateway_status = Some(report.status);
                r.paid_amount = report.paid_amount.or(r.paid_amount);
                r.last_error = None;
                if adopted {
                    r.check_interval_secs = None;
                    schedule(r, now, first, None);
                }
                applied = Applied::Changed;
                true
            })
            .await?;
        if applied == Applied::Changed {
            tracing::info!(payout = %updated.id, status = %updated.status(),
                gateway_status = %report.status, "payout status applied");
        }
        Ok(applied)
    }

    /// The payouts the reconciler should look at now.
    pub async fn due(&self, limit: u32) -> Result<Vec<PayoutRecord>, PayoutError> {
        Ok(self.inner.store.payouts_due(self.now(), limit).await?)
    }

    /// The reconciler's step for one due payout: a status poll (sent, waiting) or a lookup by
    /// order id (an unsettled create outcome; a re-send may follow). The payout is claimed
    /// first by moving its next check forward, so a second reconciler (another replica)
    /// leaves it alone.
    pub async fn check(&self, record: PayoutRecord) -> Result<(), PayoutError> {
        let now = self.now();
        let settings = &self.inner.settings;
        let (first, max) = (settings.reconciler.first_poll, settings.reconciler.max_poll);
        let mut claimed = record.clone();
        match record.state {
            PayoutState::Refused => return Ok(()),
            PayoutState::Sent => schedule(&mut claimed, now, first, Some(max)),
            // Until any call made now is over; the answer sets the next look.
            PayoutState::Sending | PayoutState::Unknown | PayoutState::Unresolved => {
                claimed.next_check_at = Some(self.send_deadline(now))
            }
        }
        if !self
            .inner
            .store
            .update_payout(&mut claimed, None, None)
            .await?
        {
            return Ok(());
        }
        match claimed.state {
            PayoutState::Refused => Ok(()),
            PayoutState::Sent => self.poll(claimed).await,
            PayoutState::Sending | PayoutState::Unknown | PayoutState::Unresolved => {
                self.look_up(claimed, Source::Lookup).await.map(|_| ())
            }
        }
    }

    /// `v1/payout/status` by the gateway's id, applied.
    async fn poll(&self, record: PayoutRecord) -> Result<(), PayoutError> {
        let Some(id) = record.gateway_payout_id else {
            return Ok(());
        };
        match self
            .inner
            .gateway
            .payout_status(&StatusRequest::Id(id))
            .await
        {
            Ok(status) => self
                .apply_report(&PayoutReport::from(&status), Source::Poll)
                .await
                .map(|_| ()),
            Err(e) => {
                tracing::warn!(payout = %record.id, error = %e, "payout status poll failed; backing off");
                Ok(())
            }
        }
    }
}
