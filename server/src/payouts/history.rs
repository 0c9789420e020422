//! What a payout's timeline records of each change: its source, and a short detail.

use super::{PayoutError, PayoutRecord, PayoutState, Payouts};
use crate::store::PayoutChange;

impl Payouts {
    /// Payout `id`'s history, oldest first: created (by whom), each create call's outcome,
    /// each status change with its source.
    pub async fn history(&self, id: &str) -> Result<Vec<PayoutChange>, PayoutError> {
        Ok(self.inner.store.payout_history(id).await?)
    }
}

/// What made a payout change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The first create call's answer.
    Send,
    /// The one re-send with the same order id.
    Resend,
    /// A lookup by order id while the create outcome was unsettled (the reconciler).
    Lookup,
    /// The reconciler's status poll.
    Poll,
    /// A gateway notification.
    Notification,
    /// An operator's or the merchant's "ask the gateway now".
    Refresh,
}

impl Source {
    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Send => "send",
            Source::Resend => "resend",
            Source::Lookup => "lookup",
            Source::Poll => "poll",
            Source::Notification => "notification",
            Source::Refresh => "refresh",
        }
    }
}

/// The history entry of `before` → `after` made by `source` at `after.updated_at`; `None`
/// when nothing a timeline shows changed (a reconciler's next look, a claim).
pub(super) fn entry(
    source: Source,
    before: &PayoutRecord,
    after: &PayoutRecord,
) -> Option<PayoutChange> {
    let shown_changed = before.state != after.state
        || before.gateway_status != after.gateway_status
        || before.gateway_payout_id != after.gateway_payout_id
        || before.paid_amount != after.paid_amount
        || before.sends != after.sends
        || (after.last_error.is_some() && before.last_error != after.last_error);
    if !shown_changed {
        return None;
    }
    let mut detail: Vec<String> = Vec::new();
    if after.sends > before.sends {
        detail.push(format!("create call #{}", after.sends));
    }
    if let (None, Some(id)) = (before.gateway_payout_id, after.gateway_payout_id) {
        detail.push(format!("gateway payout id {id}"));
    }
    if after.paid_amount != before.paid_amount
        && let Some(paid) = after.paid_amount
    {
        detail.push(format!("paid {paid}"));
    }
    if after.state == PayoutState::Refused && before.state != PayoutState::Refused {
        detail.push("refused by the gateway: nothing was sent".to_owned());
    }
    if let Some(error) = after.last_error.as_deref()
        && before.last_error.as_deref() != Some(error)
    {
        detail.push(error.chars().take(300).collect());
    }
    Some(PayoutChange {
        at: after.updated_at,
        source: source.as_str().to_owned(),
        state: after.state,
        status: after.status(),
        gateway_status: after.gateway_status,
        detail: (!detail.is_empty()).then(|| detail.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use shared::{
        AccountNumber, Amount, Bic, GatewayPaymentId, Money, OrderId, PaymentStatus, PayoutStatus,
    };
    use time::macros::datetime;

    use super::*;
    use crate::store::{PayoutRequest, Recipient};

    fn record() -> PayoutRecord {
        let at = datetime!(2026-11-28 10:00:00 UTC);
        PayoutRecord {
            id: "p-1".into(),
            idempotency_key: "k-1".into(),
            request_hash: "ab".repeat(32),
            request: PayoutRequest {
                amount: Amount::parse("250.00").unwrap(),
                recipient: Recipient::Account {
                    account: AccountNumber::parse("40817810099910004312").unwrap(),
                    bic: Bic::parse("044525225").unwrap(),
                    bank: None,
                    holder: None,
                },
                order_id: None,
                description: None,
            },
            service: "virtual_account_rub".into(),
            gateway_order_id: OrderId::parse("po-1").unwrap(),
            state: PayoutState::Sending,
            gateway_payout_id: None,
            gateway_status: None,
            paid_amount: None,
            rejection: None,
            last_error: None,
            sends: 1,
            first_not_found_at: None,
            version: 0,
            next_check_at: Some(at),
            check_interval_secs: None,
            created_at: at,
            updated_at: at,
            finished_at: None,
        }
    }

    #[test]
    fn a_change_the_timeline_shows_is_recorded_with_its_source_and_detail() {
        let before = record();
        // A reconciler moving its next look: nothing to show.
        let mut later = before.clone();
        later.next_check_at = Some(before.created_at + time::Duration::seconds(30));
        assert_eq!(entry(Source::Poll, &before, &later), None);
        // The create call answered: sent, with the gateway's id.
        let mut sent = before.clone();
        sent.state = PayoutState::Sent;
        sent.gateway_payout_id = Some(GatewayPaymentId::new(4242).unwrap());
        sent.gateway_status = Some(PaymentStatus::Wait);
        let e = entry(Source::Send, &before, &sent).unwrap();
        assert_eq!(e.source, "send");
        assert_eq!(e.status, PayoutStatus::Pending);
        assert_eq!(e.detail.as_deref(), Some("gateway payout id 4242"));
        // A notification: paid.
        let mut paid = sent.clone();
        paid.gateway_status = Some(PaymentStatus::Paid);
        paid.paid_amount = Some(Money::from_kopecks(25_000));
        let e = entry(Source::Notification, &sent, &paid).unwrap();
        assert_eq!(
            (e.source.as_str(), e.status),
            ("notification", PayoutStatus::Paid)
        );
        assert_eq!(e.detail.as_deref(), Some("paid 250.00"));
        // Unknown after a timeout: the error is the detail.
        let mut unsure = before.clone();
        unsure.state = PayoutState::Unresolved;
        unsure.last_error = Some("no answer".into());
        let e = entry(Source::Lookup, &before, &unsure).unwrap();
        assert_eq!(
            (e.status, e.detail.as_deref()),
            (PayoutStatus::Unknown, Some("no answer"))
        );
        // The one re-send is claimed: its call is counted.
        let mut resend = unsure.clone();
        resend.state = PayoutState::Sending;
        resend.sends = 2;
        let e = entry(Source::Resend, &unsure, &resend).unwrap();
        assert_eq!(e.detail.as_deref(), Some("create call #2"));
    }
}
