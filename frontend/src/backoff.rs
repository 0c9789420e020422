//! The polling schedule used when Server-Sent Events are unavailable: 2 s, growing by half
//! each time nothing changed, up to 10 s; back to 2 s when something happens.

/// First (and reset) delay between status polls.
pub const POLL_MIN_MS: u32 = 2_000;
/// Longest delay between status polls.
pub const POLL_MAX_MS: u32 = 10_000;

/// Adaptive delay between polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The delay before the next poll, then grows the following one.
    pub fn next_delay_ms(&mut self) -> u32 {
        let delay = Self::delay_for(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// Start again from [`POLL_MIN_MS`] (a status changed, the buyer acted, the tab came back).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// `2000 × 1.5^attempt`, capped at [`POLL_MAX_MS`].
    fn delay_for(attempt: u32) -> u32 {
        let mut delay = u64::from(POLL_MIN_MS);
        for _ in 0..attempt {
            delay = delay * 3 / 2;
            if delay >= u64::from(POLL_MAX_MS) {
                return POLL_MAX_MS;
            }
        }
        // The loop returns before `delay` passes POLL_MAX_MS, so it fits in u32.
        u32::try_from(delay).unwrap_or(POLL_MAX_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_ten_seconds_and_resets() {
        let mut b = Backoff::default();
        let seq: Vec<u32> = (0..7).map(|_| b.next_delay_ms()).collect();
        assert_eq!(seq, [2000, 3000, 4500, 6750, 10000, 10000, 10000]);
        b.reset();
        assert_eq!(b.next_delay_ms(), 2000);
        let mut far = Backoff { attempt: u32::MAX };
        assert_eq!(far.next_delay_ms(), POLL_MAX_MS);
        assert_eq!(far.next_delay_ms(), POLL_MAX_MS);
    }
}
