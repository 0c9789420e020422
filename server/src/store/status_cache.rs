//! [`StatusCache`]: recent answers of [`Store::status_by_token`](super::Store), so that a
//! buyer's browser polling every few seconds (or a hundred of them on one payment) costs a
//! map lookup, not a query.
//!
//! Every write of a session or attempt through this store forgets the session's entry; on
//! PostgreSQL the same writes notify the other replicas (`listen.rs`), whose relay forgets
//! it there, and a listener that lost its connection clears everything when it is back. As a
//! last line, an entry lives at most [`FRESH_FOR`]. A deadline that passes is never hidden:
//! the caller checks `expires_at`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shared::api::SessionId;

use super::StatusRow;

/// How long an entry is served at most without asking the database (a safety net: changes
/// drop entries at once, see the module documentation).
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// Entries kept before the cache starts over (bounds memory under a flood of tokens).
const CAPACITY: usize = 50_000;

#[derive(Debug, Default)]
struct Entries {
    by_token: HashMap<String, (Instant, StatusRow)>,
    token_of: HashMap<SessionId, String>,
    /// When each session was last forgotten: a read that started before that may hold the
    /// old row and must not be cached (it raced the write). Pruned after [`FRESH_FOR`].
    forgotten: HashMap<SessionId, Instant>,
}

/// Recent status rows by session token.
#[derive(Debug, Default)]
pub struct StatusCache {
    entries: Mutex<Entries>,
}

impl StatusCache {
    /// The row cached for `token`, if still fresh at `now`.
    pub fn get(&self, token: &str, now: Instant) -> Option<StatusRow> {
        let entries = self.entries.lock().ok()?;
        let (at, row) = entries.by_token.get(token)?;
        (now.duration_since(*at) < FRESH_FOR).then(|| row.clone())
    }

    /// Remembers `row` for `token`, read from the database at `at`.
    pub fn put(&self, token: &str, row: StatusRow, at: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.forgotten.get(&row.id).is_some_and(|f| *f >= at) {
            return;
        }
        if entries.by_token.len() >= CAPACITY {
            entries.by_token.clear();
            entries.token_of.clear();
        }
        entries.token_of.insert(row.id, token.to_owned());
        entries.by_token.insert(token.to_owned(), (at, row));
    }

    /// Forgets everything (changes may have been missed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_token.clear();
            entries.token_of.clear();
        }
    }

    /// Forgets the session `id` (it changed at or before `now`): also refuses to cache any
    /// read of it that started before `now`.
    pub fn forget(&self, id: SessionId, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if let Some(token) = entries.token_of.remove(&id) {
            entries.by_token.remove(&token);
        }
        if entries.forgotten.len() >= CAPACITY {
            entries
                .forgotten
                .retain(|_, at| now.saturating_duration_since(*at) < FRESH_FOR);
        }
        entries.forgotten.insert(id, now);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use shared::SessionStatus;
    use time::macros::datetime;

    use super::*;

    fn row(status: SessionStatus) -> StatusRow {
        StatusRow {
            id: SessionId::from(uuid::Uuid::from_u128(7)),
            status,
            payment_status: None,
            paid_amount: None,
            updated_at: datetime!(2026-11-28 10:00 UTC),
            expires_at: datetime!(2026-11-28 10:15 UTC),
        }
    }

    #[test]
    fn serves_fresh_rows_and_forgets_changed_sessions() {
        let cache = StatusCache::default();
        let t0 = Instant::now();
        assert_eq!(cache.get("tok", t0), None);
        cache.put("tok", row(SessionStatus::Open), t0);
        assert_eq!(cache.get("tok", t0), Some(row(SessionStatus::Open)));
        assert_eq!(cache.get("other", t0), None);
        cache.forget(row(SessionStatus::Open).id, t0);
        assert_eq!(
            cache.get("tok", t0),
            None,
            "a change drops the entry at once"
        );
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_cached() {
        let cache = StatusCache::default();
        let read_started = Instant::now();
        let written = read_started + Duration::from_millis(1);
        // The write commits and forgets while the read is in flight with the old row.
        cache.forget(row(SessionStatus::Open).id, written);
        cache.put("tok", row(SessionStatus::Open), read_started);
        assert_eq!(cache.get("tok", written), None);
        // A read that started after the write is cached.
        cache.put(
            "tok",
            row(SessionStatus::Paid),
            written + Duration::from_millis(1),
        );
        assert_eq!(
            cache.get("tok", written + Duration::from_millis(2)),
            Some(row(SessionStatus::Paid))
        );
    }

    #[test]
    fn rows_go_stale_after_their_time() {
        let cache = StatusCache::default();
        let t0 = Instant::now();
        cache.put("tok", row(SessionStatus::Pending), t0);
        assert!(cache.get("tok", t0 + FRESH_FOR / 2).is_some());
        assert_eq!(cache.get("tok", t0 + FRESH_FOR), None);
    }
}
