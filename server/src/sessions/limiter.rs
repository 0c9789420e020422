//! [`UpstreamLimiter`]: at most one upstream status call per payment per interval (10 s by
//! default), shared by the reconciler and the buyer's "I've paid" check, however many
//! browsers watch.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use shared::GatewayPaymentId;
use time::OffsetDateTime;

/// Remembers each payment's last upstream status call.
#[derive(Debug)]
pub struct UpstreamLimiter {
    interval: Duration,
    last: Mutex<HashMap<GatewayPaymentId, OffsetDateTime>>,
}

/// Entries kept before stale ones are swept.
const SWEEP_AT: usize = 4096;

impl UpstreamLimiter {
    /// A limiter allowing one call per `interval` per payment.
    pub fn new(interval: Duration) -> UpstreamLimiter {
        UpstreamLimiter {
            interval,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Claims the right to call upstream for `payment` at `now`, or tells how long to wait.
    pub fn try_acquire(
        &self,
        payment: GatewayPaymentId,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let Ok(mut last) = self.last.lock() else {
            // A poisoned map only loses history; refusing keeps the guarantee.
            return Err(self.interval);
        };
        if let Some(previous) = last.get(&payment) {
            let next = *previous + self.interval;
            if now < next {
                let wait = next - now;
                return Err(Duration::try_from(wait).unwrap_or(self.interval));
            }
        }
        if last.len() >= SWEEP_AT {
            let interval = self.interval;
            last.retain(|_, at| *at + interval > now);
        }
        last.insert(payment, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn one_call_per_interval_per_payment() {
        let limiter = UpstreamLimiter::new(Duration::from_secs(10));
        let a = GatewayPaymentId::new(1).unwrap();
        let b = GatewayPaymentId::new(2).unwrap();
        let t0 = time::macros::datetime!(2026-11-27 12:00:00 UTC);
        assert!(limiter.try_acquire(a, t0).is_ok());
        assert_eq!(
            limiter.try_acquire(a, t0 + Duration::from_secs(3)),
            Err(Duration::from_secs(7))
        );
        assert!(limiter.try_acquire(b, t0).is_ok());
        assert!(
            limiter
                .try_acquire(a, t0 + Duration::from_millis(9_999))
                .is_err()
        );
        assert!(limiter.try_acquire(a, t0 + Duration::from_secs(10)).is_ok());
    }
}
