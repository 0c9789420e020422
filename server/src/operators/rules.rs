//! The sign-in rules as pure functions: the lockout after failed logins, the session
//! timeouts, the CSRF comparison.

use time::{Duration, OffsetDateTime};

/// Failed logins of one e-mail from one address allowed before each further try must wait.
pub const FREE_FAILURES: u32 = 5;
/// Failed logins from one address (any e-mails) allowed before each further try from it
/// must wait: one address cannot try many e-mails quickly.
pub const FREE_PER_CLIENT: u32 = 20;
/// Failed logins of one e-mail (from any addresses) allowed before each further try of it
/// must wait: high, so that guessing from a few addresses cannot lock the real operator out
/// everywhere cheaply, yet a spread-out guesser is slowed too.
pub const FREE_PER_EMAIL: u32 = 50;
/// Failures whose last one is older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::hours(24);
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

/// Until when logins of an e-mail from one address with `failures` failed logins, the last
/// at `last_failure`, are refused without looking at the password; `None` = not locked.
pub fn locked_until(failures: u32, last_failure: OffsetDateTime) -> Option<OffsetDateTime> {
    locked_after(FREE_FAILURES, failures, last_failure)
}

/// Failed logins counted under one key, and the time of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Failures.
    pub failures: u32,
    /// The last one.
    pub last: OffsetDateTime,
}

/// The failed logins that bear on one try: of this e-mail from this address, from this
/// address, of this e-mail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// This e-mail from this address.
    pub pair: Option<Count>,
    /// This address, any e-mail.
    pub client: Option<Count>,
    /// This e-mail, any address.
    pub email: Option<Count>,
}

/// Until when a login with these failures behind it is refused without looking at the
/// password (the latest of the three locks); `None` = not locked. Failures forgotten at `now`
/// ([`FORGET_AFTER`]) do not count.
pub fn lockout(f: &Failures, now: OffsetDateTime) -> Option<OffsetDateTime> {
    [
        (f.pair, FREE_FAILURES),
        (f.client, FREE_PER_CLIENT),
        (f.email, FREE_PER_EMAIL),
    ]
    .into_iter()
    .filter_map(|(count, free)| {
        let c = count?;
        if now - c.last >= FORGET_AFTER {
            return None;
        }
        locked_after(free, c.failures, c.last)
    })
    .max()
}

/// The lock after `failures` with `free` ones allowed: 30 s, doubling, at most 15 min.
fn locked_after(free: u32, failures: u32, last_failure: OffsetDateTime) -> Option<OffsetDateTime> {
    let extra = failures.checked_sub(free)?;
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

    fn count(failures: u32, last: OffsetDateTime) -> Option<Count> {
        Some(Count { failures, last })
    }

    #[test]
    fn the_lock_is_the_latest_of_pair_address_and_email() {
        let t = t0();
        let none = Failures::default();
        assert_eq!(lockout(&none, t), None);
        // Five for this e-mail from this address: locked here.
        let pair = Failures {
            pair: count(5, t),
            client: count(5, t),
            email: count(5, t),
        };
        assert_eq!(lockout(&pair, t), Some(t + FIRST_LOCK));
        // The same e-mail from another address: its own pair is clean, the e-mail's count
        // is far from 50, so the real operator still gets in from there.
        let elsewhere = Failures {
            pair: None,
            client: None,
            email: count(5, t),
        };
        assert_eq!(lockout(&elsewhere, t), None);
        // One address spraying many e-mails: 19 are free, the 20th locks the address.
        let spray = |n| Failures {
            pair: count(1, t),
            client: count(n, t),
            email: count(1, t),
        };
        assert_eq!(lockout(&spray(19), t), None);
        assert_eq!(lockout(&spray(20), t), Some(t + FIRST_LOCK));
        assert_eq!(lockout(&spray(21), t), Some(t + FIRST_LOCK * 2));
        // Many addresses guessing one e-mail: locked everywhere only after 50.
        let spread = |n| Failures {
            pair: None,
            client: count(1, t),
            email: count(n, t),
        };
        assert_eq!(lockout(&spread(49), t), None);
        assert_eq!(lockout(&spread(50), t), Some(t + FIRST_LOCK));
        // The latest lock wins; an old one is over.
        let mixed = Failures {
            pair: count(9, t - Duration::minutes(20)),
            client: count(22, t),
            email: None,
        };
        assert_eq!(lockout(&mixed, t), Some(t + FIRST_LOCK * 4));
        // A day after the last failure, the count is forgotten.
        let stale = Failures {
            pair: count(30, t - FORGET_AFTER),
            client: None,
            email: None,
        };
        assert_eq!(lockout(&stale, t), None);
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
