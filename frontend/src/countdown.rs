//! Countdown arithmetic: the deadline comes from the server, and so does "now" — the buyer's
//! clock is only trusted to measure how much time passed since the server last answered.

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn epoch_ms(t: OffsetDateTime) -> i64 {
    // An i64 of milliseconds covers ±292 million years; the cast cannot truncate real dates.
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// How far the buyer's clock is from the server's, measured when a server answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockSync {
    /// `server − client`, in milliseconds.
    offset_ms: i64,
}

impl ClockSync {
    /// The offset seen when an answer stamped `server_ms` arrived at the buyer's `client_ms`.
    pub fn measure(server_ms: i64, client_ms: i64) -> Self {
        Self {
            offset_ms: server_ms.saturating_sub(client_ms),
        }
    }

    /// `server − client` in milliseconds (positive: the buyer's clock is behind).
    pub fn offset_ms(self) -> i64 {
        self.offset_ms
    }

    /// The server's "now" at the buyer's `client_ms`.
    pub fn server_now(self, client_ms: i64) -> i64 {
        client_ms.saturating_add(self.offset_ms)
    }

    /// Milliseconds left until `deadline_ms` (server clock), never negative.
    pub fn remaining_ms(self, deadline_ms: i64, client_ms: i64) -> i64 {
        deadline_ms
            .saturating_sub(self.server_now(client_ms))
            .max(0)
    }
}

/// Whole seconds shown for `remaining_ms`: rounded up, so `00:00` appears only at the end.
pub fn remaining_secs(remaining_ms: i64) -> u64 {
    u64::try_from(remaining_ms.max(0))
        .unwrap_or(0)
        .div_ceil(1000)
}

/// The timer face: `14:59`, `0:05` → `00:05`, and `1:02:03` above an hour.
pub fn clock_face(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// When a screen reader should hear the remaining time: every five minutes, every minute in
/// the last five, once at 30 seconds and once at the end. Returns the mark (in seconds) the
/// current moment belongs to, or `None` between marks; announce when the mark changes.
pub fn announce_mark(secs: u64) -> Option<u64> {
    match secs {
        0 => Some(0),
        1..=30 => Some(30),
        _ => {
            let minutes = secs.div_ceil(60);
            (minutes <= 5 || minutes.is_multiple_of(5)).then_some(minutes * 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn skew_is_corrected_by_server_time() {
        // The buyer's clock is an hour ahead: the server says 12:00:00 when the buyer's says 13:00:00.
        let server = epoch_ms(datetime!(2026-11-27 12:00:00 UTC));
        let client = epoch_ms(datetime!(2026-11-27 13:00:00 UTC));
        let deadline = epoch_ms(datetime!(2026-11-27 12:15:00 UTC));
        let sync = ClockSync::measure(server, client);
        assert_eq!(sync.offset_ms(), -3_600_000);
        assert_eq!(sync.remaining_ms(deadline, client), 15 * 60 * 1000);
        // 61.5 s later by the buyer's clock.
        assert_eq!(sync.remaining_ms(deadline, client + 61_500), 838_500);
        assert_eq!(clock_face(remaining_secs(838_500)), "13:59");
        // Past the deadline it stays at zero.
        assert_eq!(sync.remaining_ms(deadline, client + 3_600_000), 0);
    }

    #[test]
    fn faces() {
        assert_eq!(clock_face(900), "15:00");
        assert_eq!(clock_face(59), "00:59");
        assert_eq!(clock_face(0), "00:00");
        assert_eq!(clock_face(3723), "1:02:03");
        assert_eq!(remaining_secs(1), 1);
        assert_eq!(remaining_secs(1000), 1);
        assert_eq!(remaining_secs(1001), 2);
        assert_eq!(remaining_secs(-5), 0);
    }

    #[test]
    fn announcements_are_paced() {
        assert_eq!(announce_mark(900), Some(900));
        assert_eq!(announce_mark(899), Some(900));
        assert_eq!(announce_mark(840), None); // 14 minutes: between marks
        assert_eq!(announce_mark(600), Some(600));
        assert_eq!(announce_mark(241), Some(300));
        assert_eq!(announce_mark(240), Some(240));
        assert_eq!(announce_mark(31), Some(60));
        assert_eq!(announce_mark(30), Some(30));
        assert_eq!(announce_mark(1), Some(30));
        assert_eq!(announce_mark(0), Some(0));
        // Over a full quarter hour, second by second, the reader hears 9 announcements.
        let mut last = None;
        let mut heard = 0;
        for s in (0..=900).rev() {
            let mark = announce_mark(s);
            if mark.is_some() && mark != last {
                heard += 1;
                last = mark;
            }
        }
        assert_eq!(heard, 9); // 15, 10, 5, 4, 3, 2, 1 minutes, 30 seconds, the end
    }
}
