//! The sessions' families: gateway calls, sessions and payment attempts by status (counted in
//! the store at each scrape), live SSE subscribers, and the conflicts counter
//! [`Sessions::apply_report`] bumps.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use shared::{PaymentStatus, SessionStatus};

use super::Sessions;
use super::decide::Mismatch;
use crate::metrics::{Metrics, MetricsError, with_zeros};

/// Gateway reports that did not match the payment they named, by the field that disagreed.
pub(super) type Conflicts = Family<ConflictField, Counter>;

/// The `field` label of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ConflictField {
    pub field: &'static str,
}

/// Registers the conflicts counter (before the service exists), every field at 0.
pub(super) fn conflicts(metrics: &Metrics) -> Result<Conflicts, MetricsError> {
    let conflicts = Conflicts::default();
    for field in Mismatch::ALL {
        conflicts
            .get_or_create(&ConflictField {
                field: field.as_str(),
            })
            .inc_by(0);
    }
    metrics.register(
        "checkout_report_conflicts",
        "Gateway reports (notifications, status answers) that did not match the payment they named, by the field that disagreed; nothing of them was applied",
        conflicts.clone(),
    )?;
    Ok(conflicts)
}

/// Registers everything `sessions` can tell at scrape time.
pub fn register(metrics: &Metrics, sessions: &Sessions) -> Result<(), MetricsError> {
    sessions.gateway().metrics().register(metrics)?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_sessions",
        "Checkout sessions by status (counted in the database at scrape time)",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .session_counts_by_status()
                    .await
                    .map_err(|e| e.to_string())?;
                let known = SessionStatus::ALL.map(|s| s.to_string());
                Ok(with_zeros(
                    "status",
                    known.iter().map(String::as_str),
                    counts,
                ))
            }
        },
    )?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_sessions_needing_attention",
        "Checkout sessions whose money the merchant must look at (underpaid, overpaid, paid twice, paid after the end, an unconfirmed amount, a gateway report that did not match), counted in the database at scrape time",
        move || {
            let store = store.clone();
            async move {
                let n = store
                    .sessions_needing_attention()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(vec![(Vec::new(), n)])
            }
        },
    )?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_payment_attempts",
        "Gateway payment attempts by the gateway's payment status (`none` before the gateway gave one), counted at scrape time",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .attempt_counts_by_payment_status()
                    .await
                    .map_err(|e| e.to_string())?;
                let known = PaymentStatus::ALL.iter().map(|s| s.as_str());
                Ok(with_zeros("payment_status", known.chain(["none"]), counts))
            }
        },
    )?;

    let events = sessions.events().clone();
    metrics.gauge_fn(
        "checkout_sse_subscribers",
        "Open Server-Sent Events streams on this replica",
        move || {
            let n = i64::try_from(events.subscriber_count()).unwrap_or(i64::MAX);
            async move { Ok(vec![(Vec::new(), n)]) }
        },
    )?;
    Ok(())
}
