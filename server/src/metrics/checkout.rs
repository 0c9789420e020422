//! The checkout's own families, registered at start-up: gateway calls, sessions and payment
//! attempts by status (counted in the store at each scrape), live SSE subscribers.

use std::sync::Arc;

use shared::{PaymentStatus, SessionStatus};

use super::{GaugeSamples, Metrics, MetricsError};
use crate::gateway::METRIC_FAMILIES;
use crate::sessions::Sessions;

/// Registers everything `sessions` can tell.
pub fn register(metrics: &Metrics, sessions: &Sessions) -> Result<(), MetricsError> {
    metrics.register(&METRIC_FAMILIES, sessions.gateway().metrics_handle())?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_sessions",
        "Checkout sessions by status (counted in the database at scrape time).",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .session_counts_by_status()
                    .await
                    .map_err(|e| e.to_string())?;
                let known = SessionStatus::ALL.map(|s| s.to_string());
                Ok(with_zeros("status", &known, counts))
            }
        },
    )?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_sessions_needing_attention",
        "Checkout sessions whose money the merchant must look at (underpaid, overpaid, paid twice, paid after the end, an unconfirmed amount, a gateway report that did not match), counted in the database at scrape time.",
        move || {
            let store = store.clone();
            async move {
                let n = store
                    .sessions_needing_attention()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(vec![(Vec::new(), n as f64)])
            }
        },
    )?;

    let store = sessions.store().clone();
    metrics.gauge_fn(
        "checkout_payment_attempts",
        "Gateway payment attempts by the gateway's payment status (`none` before the gateway gave one), counted at scrape time.",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .attempt_counts_by_payment_status()
                    .await
                    .map_err(|e| e.to_string())?;
                let mut known: Vec<String> =
                    PaymentStatus::ALL.iter().map(|s| s.as_str().to_owned()).collect();
                known.push("none".to_owned());
                Ok(with_zeros("payment_status", &known, counts))
            }
        },
    )?;

    let events = Arc::new(sessions.events().clone());
    metrics.gauge_fn(
        "checkout_sse_subscribers",
        "Open Server-Sent Events streams on this replica.",
        move || {
            let n = events.subscriber_count();
            async move { Ok(vec![(Vec::new(), n as f64)]) }
        },
    )?;
    Ok(())
}

/// One sample per status: every known one (0 when absent), then any other stored value.
fn with_zeros(label: &'static str, known: &[String], counts: Vec<(String, i64)>) -> GaugeSamples {
    let mut samples: GaugeSamples = known
        .iter()
        .map(|status| {
            let n = counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            (vec![(label, status.clone())], n as f64)
        })
        .collect();
    for (status, n) in counts {
        if !known.contains(&status) {
            samples.push((vec![(label, status)], n as f64));
        }
    }
    samples
}
