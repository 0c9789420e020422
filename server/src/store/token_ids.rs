//! [`TokenIds`]: which session a checkout token belongs to. A session keeps its token for
//! life and sessions are never deleted, so an answer once read (or written) stays right, and
//! the buyer's calls after the first find their session's id without a query.

use std::collections::HashMap;
use std::sync::Mutex;

use shared::api::SessionId;

/// Entries kept before the map starts over (bounds memory under a flood of tokens).
const CAPACITY: usize = 50_000;

/// Session ids by token.
#[derive(Debug, Default)]
pub struct TokenIds {
    ids: Mutex<HashMap<String, SessionId>>,
}

impl TokenIds {
    /// The session of `token`, if known here.
    pub fn get(&self, token: &str) -> Option<SessionId> {
        self.ids.lock().ok()?.get(token).copied()
    }

    /// Remembers that `token` belongs to session `id`.
    pub fn put(&self, token: &str, id: SessionId) {
        let Ok(mut ids) = self.ids.lock() else {
            return;
        };
        if ids.len() >= CAPACITY {
            ids.clear();
        }
        ids.insert(token.to_owned(), id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn remembers_ids_and_starts_over_when_full() {
        let ids = TokenIds::default();
        let first = SessionId::from(uuid::Uuid::new_v4());
        assert_eq!(ids.get("t0"), None);
        ids.put("t0", first);
        assert_eq!(ids.get("t0"), Some(first));
        for n in 1..CAPACITY {
            ids.put(&format!("t{n}"), SessionId::from(uuid::Uuid::new_v4()));
        }
        assert_eq!(ids.get("t0"), Some(first), "full, not over");
        ids.put("one more", SessionId::from(uuid::Uuid::new_v4()));
        assert_eq!(ids.get("t0"), None, "started over");
        assert!(ids.get("one more").is_some());
    }
}
