//! Doubling backoff, one way for every wait that grows after a miss: a lease another replica
//! holds, a lost database listener, a payment or payout still waiting at the gateway, a failed
//! webhook delivery, the sandbox's notification retries.

use std::time::Duration;

/// The wait after the `n`-th miss (from 1): `first`, doubling each time, at most `max`.
pub fn nth(n: u32, first: Duration, max: Duration) -> Duration {
    let doublings = n.saturating_sub(1).min(31);
    first
        .checked_mul(1u32 << doublings)
        .map_or(max, |d| d.min(max))
}

/// The wait after `last`: twice it, within `first` and `max`; `first` when there was none.
pub fn after(last: Option<Duration>, first: Duration, max: Duration) -> Duration {
    let floor = first.min(max);
    match last {
        None => floor,
        Some(last) => last.saturating_mul(2).clamp(floor, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn doubles_from_first_to_max() {
        let waits: Vec<u64> = (1..=7).map(|n| nth(n, 10 * S, 300 * S).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(
            nth(0, 10 * S, 300 * S),
            10 * S,
            "before any miss: the first wait"
        );
        assert_eq!(nth(u32::MAX, 10 * S, 300 * S), 300 * S);
        assert_eq!(nth(40, Duration::MAX / 2, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn after_the_last_wait_twice_it_within_bounds() {
        assert_eq!(after(None, 10 * S, 300 * S), 10 * S);
        assert_eq!(after(Some(10 * S), 10 * S, 300 * S), 20 * S);
        assert_eq!(after(Some(200 * S), 10 * S, 300 * S), 300 * S);
        assert_eq!(
            after(Some(S), 10 * S, 300 * S),
            10 * S,
            "never below the first"
        );
        assert_eq!(
            after(None, 600 * S, 300 * S),
            300 * S,
            "never above the max"
        );
        assert_eq!(after(Some(Duration::MAX), S, Duration::MAX), Duration::MAX);
    }
}
