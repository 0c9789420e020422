//! [`SessionLocks`]: one async mutex per session, so a double click, a notification and the
//! reconciler never change the same session at once (and exactly one gateway payment is
//! created per attempt).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use shared::api::SessionId;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Per-session locks, forgotten when nobody holds or waits for them.
#[derive(Debug, Default)]
pub struct SessionLocks {
    locks: Mutex<HashMap<SessionId, Weak<AsyncMutex<()>>>>,
}

/// A held session lock.
pub type SessionGuard = OwnedMutexGuard<()>;

impl SessionLocks {
    fn handle(&self, id: SessionId) -> Arc<AsyncMutex<()>> {
        let mut locks = match self.locks.lock() {
            Ok(locks) => locks,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(lock) = locks.get(&id).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() >= 1024 {
            locks.retain(|_, weak| weak.strong_count() > 0);
        }
        let lock = Arc::new(AsyncMutex::new(()));
        locks.insert(id, Arc::downgrade(&lock));
        lock
    }

    /// Waits for the session's lock.
    pub async fn lock(&self, id: SessionId) -> SessionGuard {
        self.handle(id).lock_owned().await
    }

    /// The session's lock if free now.
    pub fn try_lock(&self, id: SessionId) -> Option<SessionGuard> {
        self.handle(id).try_lock_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn same_session_excludes_other_sessions_do_not() {
        let locks = SessionLocks::default();
        let a = SessionId::from(uuid::Uuid::new_v4());
        let b = SessionId::from(uuid::Uuid::new_v4());
        let held = locks.lock(a).await;
        assert!(locks.try_lock(a).is_none());
        assert!(locks.try_lock(b).is_some());
        drop(held);
        assert!(locks.try_lock(a).is_some());
    }
}
