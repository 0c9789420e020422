//! A verified payment notification applied to its session, at most once
//! ([`crate::notify::receipts`]).

use shared::api::StatusSource;

use super::{Applied, SessionError, Sessions, StatusReport};
use crate::notify::Verified;
use crate::notify::receipts::{self, Outcome, Receipt};

impl Sessions {
    /// Applies a verified payment notification unless it is a redelivery. A report about a
    /// payment we do not know, or a paid one the gateway has not confirmed yet, is not
    /// recorded: its redelivery gets another chance.
    pub async fn apply_notification(&self, verified: &Verified) -> Result<Receipt, SessionError> {
        let report = StatusReport {
            gateway_payment_id: verified.id,
            gateway_order_id: verified.order_id.clone(),
            status: verified.status,
            paid_amount: verified.paid_amount,
            partial: verified.partial,
            account: verified.account,
            service: verified.service.clone(),
        };
        receipts::apply_once(self.store(), self.clock(), verified, || async {
            let applied = self
                .apply_report(&report, StatusSource::Notification)
                .await?;
            Ok(match applied {
                // It may be about a payment whose create answer is still being committed.
                Applied::UnknownPayment => {
                    tracing::warn!(gateway_payment_id = %verified.id, "notification for a payment we do not know");
                    Outcome::Retry(applied.as_str())
                }
                Applied::Unconfirmed => {
                    tracing::warn!(gateway_payment_id = %verified.id, "paid notification not confirmed by the gateway's status answer; left to the reconciler");
                    Outcome::Retry(applied.as_str())
                }
                Applied::Changed | Applied::Unchanged | Applied::Conflict | Applied::Mismatch => {
                    Outcome::Record(applied.as_str())
                }
            })
        })
        .await
    }
}
