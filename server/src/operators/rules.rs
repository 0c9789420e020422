//! The sign-in rules as pure functions: the lockout after failed logins, the session
//! timeouts, the CSRF comparison.

use time::{Duration, OffsetDateTime};

/// Failed logins of one e-mail allowed before each further try must wait.
pub const FREE_FAILURES: u32 = 5;
/// The first wait after [`FREE_FAILURES`] failures; it doubles with each further failure.
pub const FIRST_LOCK: Duration = Duration::seconds(30);
/// The longest wait.
pub const MAX_LOCK: Duration = Duration::minutes(15);
/// A signed-in browser idle this long is signed out.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A signed-in browser is signed out this long after signing in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// The idle clock is restarted in the database at most this often (not on every page).
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Until when logins of an e-mail with `failures` failed logins, the last at `last_failure`,
/// are refused without looking at the password; `None` = not locked.
pub fn locked_until(failures: u32, last_failure: OffsetDateTime) -> Option<OffsetDateTime> {
    let extra = failures.checked_sub(FREE_FAILURES)?;
    // 30 s, 1 min, 2 min, … capped: 2^5 × 30 s is past the cap already.
    let wait = (FIRST_LOCK * 2_i32.pow(extra.min(5))).min(MAX_LOCK);
    Some(last_failure + wait)
}

/// Whether a browser signed in at `created` and last seen at `last_seen` is still signed in
/// at `now`.
pub fn session_alive(
    created: OffsetDateTime,
    last_seen: OffsetDateTime,
    now: OffsetDateTime,
) -> bool {
    now - last_seen < IDLE_TIMEOUT && now - created < ABSOLUTE_TIMEOUT
}

/// Whether `presented` (a form's `csrf` field) is the session's token, compared in constant
/// time; a missing or empty one never is.
pub fn csrf_matches(expected: &str, presented: Option<&str>) -> bool {
    match presented {
        Some(p) if !p.is_empty() && p.len() == expected.len() => {
            openssl::memcmp::eq(p.as_bytes(), expected.as_bytes())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_up_to_the_cap() {
        for n in 0..FREE_FAILURES {
            assert_eq!(locked_until(n, t0()), None, "{n}");
        }
        let waits: Vec<i64> = (FREE_FAILURES..FREE_FAILURES + 8)
            .map(|n| (locked_until(n, t0()).unwrap_or(t0()) - t0()).whole_seconds())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(locked_until(u32::MAX, t0()), Some(t0() + MAX_LOCK));
    }

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        let t = t0();
        assert!(session_alive(t, t, t + Duration::minutes(29)));
        assert!(!session_alive(t, t, t + IDLE_TIMEOUT));
        // Busy all along (seen a minute ago) but signed in 12 hours ago: out.
        let late = t + ABSOLUTE_TIMEOUT;
        assert!(!session_alive(t, late - Duration::minutes(1), late));
        assert!(session_alive(
            t,
            late - Duration::minutes(2),
            late - Duration::minutes(1)
        ));
    }

    #[test]
    fn csrf_must_be_present_and_equal() {
        let token = "Q2hlY2tvdXQtY3NyZi10b2tlbi0xMjM0NTY3ODkw";
        assert!(csrf_matches(token, Some(token)));
        for bad in [
            None,
            Some(""),
            Some("x"),
            Some(&token[1..]),
            Some("Q2hlY2tvdXQtY3NyZi10b2tlbi0xMjM0NTY3ODkx"),
        ] {
            assert!(!csrf_matches(token, bad), "{bad:?}");
        }
    }
}
