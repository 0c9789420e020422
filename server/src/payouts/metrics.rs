//! `checkout_payouts{status}`: payouts by status, counted in the database at scrape time.

use crate::metrics::{Metrics, MetricsError, with_zeros};

use super::{PayoutStatus, Payouts};

/// Registers the payout gauge.
pub fn register(metrics: &Metrics, payouts: &Payouts) -> Result<(), MetricsError> {
    let store = payouts.store().clone();
    metrics.gauge_fn(
        "checkout_payouts",
        "Payouts by status (counted in the database at scrape time)",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .payout_counts_by_status()
                    .await
                    .map_err(|e| e.to_string())?;
                let known = PayoutStatus::ALL.iter().map(|s| s.as_str());
                Ok(with_zeros("status", known, counts))
            }
        },
    )
}
