//! When to try a failed delivery again, and when to give up.
//!
//! The delay doubles from `initial` up to `max`, then "equal jitter" takes it to a random
//! point in its upper half, so receivers coming back from an outage are not hit by every
//! replica's retries in the same second.

use std::time::Duration;

use time::OffsetDateTime;

use crate::config::RetryPolicy;
use crate::store::outbox::NextStep;

/// The delay after the `failures`-th failed attempt (from 1), before jitter.
pub fn base_delay(policy: &RetryPolicy, failures: u32) -> Duration {
    crate::backoff::nth(failures, policy.initial, policy.max)
}

/// The base delay moved into its upper half by `jitter` in `[0, 1)`.
pub fn jittered(base: Duration, jitter: f64) -> Duration {
    let jitter = jitter.clamp(0.0, 1.0);
    base.mul_f64(0.5 + 0.5 * jitter)
}

/// What follows an attempt: `ok` (2xx) is delivered; otherwise a retry unless this was
/// attempt number `attempts` = the last allowed, or the retry would fall after the deadline
/// (`queued_at` + `max_age`).
pub fn next_step(
    policy: &RetryPolicy,
    ok: bool,
    attempts: u32,
    queued_at: OffsetDateTime,
    now: OffsetDateTime,
    jitter: f64,
) -> NextStep {
    if ok {
        return NextStep::Delivered;
    }
    if attempts >= policy.max_attempts {
        return NextStep::GiveUp;
    }
    let at = now + jittered(base_delay(policy, attempts), jitter);
    if at > queued_at + policy.max_age {
        return NextStep::GiveUp;
    }
    NextStep::RetryAt(at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 100,
            initial: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            max_age: Duration::from_secs(3 * 86_400),
        }
    }

    #[test]
    fn doubles_from_ten_seconds_to_an_hour() {
        let p = policy();
        let secs: Vec<u64> = (1..=12).map(|n| base_delay(&p, n).as_secs()).collect();
        assert_eq!(
            secs,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]
        );
        // No overflow far out.
        assert_eq!(base_delay(&p, u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let base = Duration::from_secs(100);
        assert_eq!(jittered(base, 0.0), Duration::from_secs(50));
        assert_eq!(jittered(base, 0.5), Duration::from_secs(75));
        assert!(jittered(base, 0.999) <= base);
        assert_eq!(jittered(base, 7.0), base);
    }

    #[test]
    fn gives_up_after_the_attempt_limit_or_the_deadline() {
        let p = policy();
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(next_step(&p, true, 100, t0, t0, 0.0), NextStep::Delivered);
        assert_eq!(
            next_step(&p, false, 1, t0, t0, 0.0),
            NextStep::RetryAt(t0 + Duration::from_secs(5))
        );
        assert_eq!(
            next_step(&p, false, 3, t0, t0, 1.0),
            NextStep::RetryAt(t0 + Duration::from_secs(40))
        );
        assert_eq!(next_step(&p, false, 100, t0, t0, 0.0), NextStep::GiveUp);
        // Day 3: a retry an hour later would be past the deadline.
        let late = t0 + Duration::from_secs(3 * 86_400 - 600);
        assert_eq!(next_step(&p, false, 20, t0, late, 0.5), NextStep::GiveUp);
        assert!(matches!(
            next_step(&p, false, 20, t0, t0 + Duration::from_secs(86_400), 0.5),
            NextStep::RetryAt(_)
        ));
    }

    /// With the defaults (even at the longest jitter), the 3-day deadline ends the schedule
    /// before the attempt limit does.
    #[test]
    fn default_schedule_spans_about_three_days() {
        let p = policy();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut now = t0;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match next_step(&p, false, attempts, t0, now, 1.0) {
                NextStep::RetryAt(at) => now = at,
                NextStep::GiveUp => break,
                NextStep::Delivered => unreachable!(),
            }
        }
        assert!(attempts < p.max_attempts, "{attempts}");
        assert!(now - t0 > time::Duration::hours(71), "{}", now - t0);
    }
}
