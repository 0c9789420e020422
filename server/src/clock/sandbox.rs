//! The sandbox's controllable clock: the system clock plus an offset that only grows
//! (`POST /control/clock/advance?secs=N`), so tests reach an expiry without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use tokio::sync::Notify;

/// System time plus a forward offset. Cloning shares the offset.
#[derive(Debug, Clone, Default)]
pub struct SandboxClock {
    inner: Arc<ClockInner>,
}

#[derive(Debug, Default)]
struct ClockInner {
    offset_ms: AtomicI64,
    /// Wakes the expiry task as soon as the clock jumps.
    advanced: Notify,
}

impl SandboxClock {
    /// A clock at the system time (offset zero).
    pub fn new() -> SandboxClock {
        SandboxClock::default()
    }

    /// The sandbox's current time.
    pub fn now(&self) -> OffsetDateTime {
        let ms = self.now_ms();
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or_else(|_| OffsetDateTime::now_utc())
    }

    /// The sandbox's current time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let system = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        i64::try_from(system)
            .unwrap_or(i64::MAX)
            .saturating_add(self.offset_ms())
    }

    /// Moves the clock `secs` seconds forward; payments whose lifetime passes are cancelled
    /// right away (the expiry task is woken).
    pub fn advance(&self, secs: u64) {
        let ms = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.add_offset_ms(ms);
        self.inner.advanced.notify_one();
    }

    /// Like [`advance`](Self::advance) without waking the expiry task, for a caller that
    /// sweeps itself and wants to count what expired.
    pub(crate) fn advance_quietly(&self, secs: u64) {
        let ms = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.add_offset_ms(ms);
    }

    /// How far ahead of the system clock the sandbox is, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.inner.offset_ms.load(Ordering::SeqCst)
    }

    /// Restores a persisted offset (never moves the clock back).
    pub(crate) fn restore_offset_ms(&self, ms: i64) {
        self.inner.offset_ms.fetch_max(ms, Ordering::SeqCst);
    }

    fn add_offset_ms(&self, ms: i64) {
        let _ = self
            .inner
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(ms))
            });
    }

    /// Resolves when [`advance`](Self::advance) is next called.
    pub(crate) async fn advanced(&self) {
        self.inner.advanced.notified().await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn advance_moves_forward_and_restore_never_goes_back() {
        let clock = SandboxClock::new();
        let before = clock.now_ms();
        clock.advance(900);
        assert_eq!(clock.offset_ms(), 900_000);
        assert!(clock.now_ms() >= before + 900_000);
        clock.restore_offset_ms(5);
        assert_eq!(clock.offset_ms(), 900_000);
        clock.restore_offset_ms(1_000_000);
        assert_eq!(clock.offset_ms(), 1_000_000);
        let shared = clock.clone();
        shared.advance(1);
        assert_eq!(clock.offset_ms(), 1_001_000);
    }
}
