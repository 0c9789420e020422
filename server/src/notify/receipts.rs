//! Applying a verified notification at most once: a redelivery of what was already applied
//! (same signed content, same [`Verified::dedupe_key`]) does nothing.
//!
//! The receipt is written only after the change it stands for is committed, so an interrupted
//! delivery (the request cancelled between the two) is processed again rather than taken for
//! a duplicate; applying twice is harmless because a status already held changes nothing.

use std::future::Future;

use super::Verified;
use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// What became of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Seen and applied before: nothing done.
    Duplicate,
    /// Applied; `outcome` recorded with the receipt. `first` is `false` when a concurrent
    /// redelivery recorded it meanwhile (applied once all the same).
    Recorded {
        /// What applying did (`changed`, `unchanged`, …).
        outcome: &'static str,
        /// Whether this delivery's receipt was the one written.
        first: bool,
    },
    /// Handled but not recorded (`outcome` says why), so a redelivery gets another chance:
    /// e.g. a payment whose create answer is still being committed.
    NotRecorded {
        /// Why (`unknown`, `unconfirmed`, …).
        outcome: &'static str,
    },
}

impl Receipt {
    /// The outcome, for logs.
    pub fn outcome(self) -> &'static str {
        match self {
            Receipt::Duplicate => "duplicate",
            Receipt::Recorded { outcome, .. } | Receipt::NotRecorded { outcome } => outcome,
        }
    }
}

/// What applying a notification did, and whether its receipt is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done with (`changed`, `unchanged`, `conflict`, …): a redelivery is a duplicate.
    Record(&'static str),
    /// Not applicable yet (`unknown_payment`, …): a redelivery is processed again.
    Retry(&'static str),
}

/// Applies `verified` through `apply` unless its receipt is already stored, then records the
/// receipt when `apply` says so.
pub async fn apply_once<E, F, Fut>(
    store: &Store,
    clock: &Clock,
    verified: &Verified,
    apply: F,
) -> Result<Receipt, E>
where
    E: From<StoreError>,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Outcome, E>>,
{
    if store.receipt_seen(&verified.dedupe_key).await? {
        return Ok(Receipt::Duplicate);
    }
    let outcome = match apply().await? {
        Outcome::Record(outcome) => outcome,
        Outcome::Retry(outcome) => return Ok(Receipt::NotRecorded { outcome }),
    };
    let first = store
        .record_receipt(
            &verified.dedupe_key,
            Some(verified.id),
            Some(verified.status),
            outcome,
            clock.now(),
        )
        .await?;
    Ok(Receipt::Recorded { outcome, first })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::{AtomicU32, Ordering};

    use shared::gateway::NotificationType;
    use shared::{GatewayPaymentId, PaymentStatus};

    use super::*;
    use crate::config::DatabaseLocation;
    use crate::signing::Digest;

    fn verified(dedupe_key: &str) -> Verified {
        Verified {
            kind: NotificationType::Payment,
            id: GatewayPaymentId::new(77).unwrap(),
            order_id: None,
            status: PaymentStatus::Paid,
            paid_amount: None,
            partial: None,
            account: None,
            service: None,
            variant: "test".to_owned(),
            digest: Digest::Sha1,
            dedupe_key: dedupe_key.to_owned(),
        }
    }

    /// Runs [`apply_once`] with an `apply` that counts its calls and answers `outcome`.
    async fn deliver(store: &Store, key: &str, calls: &AtomicU32, outcome: Outcome) -> Receipt {
        let clock = Clock::System;
        apply_once::<StoreError, _, _>(store, &clock, &verified(key), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(outcome)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_recorded_notification_is_applied_once_and_a_retried_one_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&DatabaseLocation::Sqlite(dir.path().join("checkout.db")))
            .await
            .unwrap();

        let calls = AtomicU32::new(0);
        let first = deliver(&store, "k1", &calls, Outcome::Record("changed")).await;
        assert_eq!(
            first,
            Receipt::Recorded {
                outcome: "changed",
                first: true
            }
        );
        let again = deliver(&store, "k1", &calls, Outcome::Record("changed")).await;
        assert_eq!(again, Receipt::Duplicate);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a redelivery must not apply"
        );

        let calls = AtomicU32::new(0);
        let unknown = deliver(&store, "k2", &calls, Outcome::Retry("unknown_payment")).await;
        assert_eq!(
            unknown,
            Receipt::NotRecorded {
                outcome: "unknown_payment"
            }
        );
        let later = deliver(&store, "k2", &calls, Outcome::Record("changed")).await;
        assert!(matches!(later, Receipt::Recorded { first: true, .. }));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "a retried one is applied again"
        );
    }
}
