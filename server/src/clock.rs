//! [`Clock`]: the time the checkout goes by. The system clock in production; in sandbox mode
//! the sandbox's controllable clock ([`SandboxClock`], defined here so the emulator and the
//! checkout share it without `clock` reaching into `sandbox`), so `POST /sandbox/control/clock/advance` moves session
//! expiry, reconciler schedules and rate windows together with the emulated gateway.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

mod sandbox;

pub use sandbox::SandboxClock;

/// A source of "now", truncated to milliseconds (what storage keeps).
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// The sandbox's clock (system time plus an offset that only grows).
    Sandbox(SandboxClock),
    /// A clock that moves only when told to (tests).
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock at `start`.
    pub fn manual(start: OffsetDateTime) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(unix_ms(start))))
    }

    /// Now, to the millisecond.
    pub fn now(&self) -> OffsetDateTime {
        let ms = match self {
            Clock::System => unix_ms(OffsetDateTime::now_utc()),
            Clock::Sandbox(clock) => clock.now_ms(),
            Clock::Manual(ms) => ms.load(Ordering::SeqCst),
        };
        from_unix_ms(ms)
    }

    /// Moves a manual clock forward (no effect on the others).
    pub fn advance(&self, by: std::time::Duration) {
        if let Clock::Manual(ms) = self {
            let step = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            ms.fetch_add(step, Ordering::SeqCst);
        }
    }
}

/// Unix milliseconds of `t`.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The time `ms` Unix milliseconds (the epoch if out of range).
pub fn from_unix_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = time::macros::datetime!(2026-11-27 12:00:00.123456 UTC);
        let clock = Clock::manual(start);
        assert_eq!(
            clock.now(),
            time::macros::datetime!(2026-11-27 12:00:00.123 UTC)
        );
        clock.advance(std::time::Duration::from_secs(10));
        assert_eq!(
            clock.now(),
            time::macros::datetime!(2026-11-27 12:00:10.123 UTC)
        );
    }
}
