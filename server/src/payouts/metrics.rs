//! `checkout_payouts{status}`: payouts by status, counted in the database at scrape time.

use crate::metrics::{GaugeSamples, Metrics, MetricsError};

use super::{PayoutStatus, Payouts};

/// Registers the payout gauge.
pub fn register(metrics: &Metrics, payouts: &Payouts) -> Result<(), MetricsError> {
    let store = payouts.store().clone();
    metrics.gauge_fn(
        "checkout_payouts",
        "Payouts by status (counted in the database at scrape time).",
        move || {
            let store = store.clone();
            async move {
                let counts = store
                    .payout_counts_by_status()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(samples(&counts))
            }
        },
    )
}

/// One sample per status, 0 for those absent.
fn samples(counts: &[(String, i64)]) -> GaugeSamples {
    PayoutStatus::ALL
        .iter()
        .map(|status| {
            let n = counts
                .iter()
                .find(|(s, _)| s == status.as_str())
                .map_or(0, |(_, n)| *n);
            (vec![("status", status.as_str().to_owned())], n as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_status_has_a_sample() {
        let s = samples(&[("paid".to_owned(), 3)]);
        assert_eq!(s.len(), PayoutStatus::ALL.len());
        let paid = s.iter().find(|(l, _)| l[0].1 == "paid").unwrap();
        assert_eq!(paid.1, 3.0);
        assert!(
            s.iter()
                .filter(|(l, _)| l[0].1 != "paid")
                .all(|(_, n)| *n == 0.0)
        );
    }
}
