//! A verified payout notification (`type=payout`) applied to its payout, at most once
//! ([`crate::notify::receipts`]), exactly like a payment's.

use super::history::Source;
use super::{Applied, PayoutError, PayoutReport, Payouts};
use crate::notify::Verified;
use crate::notify::receipts::{self, Outcome, Receipt};

impl Payouts {
    /// Applies a verified payout notification unless it is a redelivery or about another
    /// Account. An unknown payout is not recorded, so a redelivery gets another chance once
    /// the create answer is stored.
    pub async fn apply_notification(&self, verified: &Verified) -> Result<Receipt, PayoutError> {
        if verified
            .account
            .is_some_and(|a| a != self.inner.gateway.account())
        {
            tracing::warn!(account = ?verified.account, "payout notification for another account ignored");
            return Ok(Receipt::NotRecorded {
                outcome: "other_account",
            });
        }
        let report = PayoutReport {
            gateway_payout_id: verified.id,
            gateway_order_id: verified.order_id.clone(),
            status: verified.status,
            paid_amount: verified.paid_amount,
        };
        receipts::apply_once(&self.inner.store, &self.inner.clock, verified, || async {
            Ok(match self.apply_report(&report, Source::Notification).await? {
                Applied::Changed => Outcome::Record("changed"),
                Applied::Unchanged => Outcome::Record("unchanged"),
                Applied::Conflict => Outcome::Record("conflict"),
                Applied::UnknownPayout => {
                    tracing::warn!(gateway_payout_id = %verified.id, "notification for a payout we do not know");
                    Outcome::Retry("unknown")
                }
            })
        })
        .await
    }
}
