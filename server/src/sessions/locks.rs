//! [`SessionLocks`]: one async mutex per session, so a double click, a notification and the
//! reconciler never change the same session at once (and exactly one gateway payment is
//! created per attempt).
//!
//! Those locks are per process. With several replicas on PostgreSQL, what must not run twice
//! across processes takes more: a session's pay holds a [`ReplicaLease`] in the database
//! across its gateway calls, and the per-payment upstream limit is a conditional update
//! ([`Sessions::acquire_upstream`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use shared::GatewayPaymentId;
use shared::api::SessionId;
use time::OffsetDateTime;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::task::JoinHandle;

use super::{SessionError, Sessions};
use crate::store::{Backend, Store};

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

/// How long a lease lasts unless renewed: a crashed holder blocks its session this long (its
/// own restart's recovery included), so it is short; a holder renews it often.
const LEASE_TTL: Duration = Duration::from_secs(5);
/// How often a held lease is renewed.
const LEASE_RENEW: Duration = Duration::from_secs(1);
/// How long a pay waits for another replica's pay of the same session (its gateway calls)
/// before answering "gateway timeout".
const LEASE_WAIT: Duration = Duration::from_secs(60);

/// This process's name: random per start.
fn replica_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("replica-{}", uuid::Uuid::new_v4().simple()))
}

/// The holder written in the leases table for one acquisition: this process's name and a
/// number of its own. Not the process's name alone: a lease given back in the background
/// (see `Drop`) must never take away the same process's next acquisition of that name, and
/// two holders in one process must exclude each other as two processes do.
fn acquisition_id() -> String {
    format!("{}/{}", replica_id(), uuid::Uuid::new_v4().simple())
}

/// Wall time for leases: they are between processes, so never the sandbox's movable clock.
fn wall_now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A held database lease (PostgreSQL): renewed in the background while held, given back
/// when dropped. If this process dies, it runs out after [`LEASE_TTL`].
#[derive(Debug)]
pub struct ReplicaLease {
    store: Store,
    name: String,
    holder: String,
    renewal: JoinHandle<()>,
}

impl ReplicaLease {
    /// Waits until lease `name` is this replica's, for at most `wait` (then `None`).
    pub async fn acquire(
        store: &Store,
        name: String,
        wait: Duration,
    ) -> Result<Option<ReplicaLease>, SessionError> {
        let deadline = tokio::time::Instant::now() + wait;
        let holder = acquisition_id();
        let mut pause = Duration::from_millis(10);
        loop {
            let now = wall_now();
            if store
                .acquire_lease(&name, &holder, now, now + LEASE_TTL)
                .await?
            {
                break;
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = crate::backoff::after(Some(pause), pause, Duration::from_millis(200));
        }
        let renewal = {
            let (store, name, holder) = (store.clone(), name.clone(), holder.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LEASE_RENEW).await;
                    let now = wall_now();
                    match store
                        .acquire_lease(&name, &holder, now, now + LEASE_TTL)
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::error!(
                                lease = name,
                                "lease lost while held (the database was unreachable longer than its lifetime?)"
                            );
                            return;
                        }
                        Err(error) => tracing::warn!(lease = name, %error, "lease renewal failed"),
                    }
                }
            })
        };
        Ok(Some(ReplicaLease {
            store: store.clone(),
            name,
            holder,
            renewal,
        }))
    }
}

impl Drop for ReplicaLease {
    fn drop(&mut self) {
        self.renewal.abort();
        let (store, name, holder) = (
            self.store.clone(),
            std::mem::take(&mut self.name),
            std::mem::take(&mut self.holder),
        );
        // Given back in the background; if that fails (or the runtime is stopping) it runs out.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.release_lease(&name, &holder).await {
                    tracing::warn!(lease = name, %error, "lease not given back; it runs out");
                }
            });
        }
    }
}

impl Sessions {
    /// On PostgreSQL, waits for the session's lease: while one replica pays for a session (a
    /// gateway create and the lookups around it), another replica's pay of that session waits
    /// and then sees its result, exactly as two clicks on one process do under the session
    /// lock. `None` on SQLite (one process: the session lock is enough).
    pub(super) async fn replica_lease(
        &self,
        session: SessionId,
    ) -> Result<Option<ReplicaLease>, SessionError> {
        let store = &self.inner.store;
        if store.backend() == Backend::Sqlite {
            return Ok(None);
        }
        match ReplicaLease::acquire(store, format!("session:{session}"), LEASE_WAIT).await? {
            Some(lease) => Ok(Some(lease)),
            None => {
                tracing::warn!(%session, "another replica holds this session's pay too long");
                Err(SessionError::GatewayTimeout)
            }
        }
    }

    /// The per-payment upstream limit (one status call per interval, whoever asks): in this
    /// process's memory on SQLite, in the database on PostgreSQL so that it holds across
    /// replicas. `Err(wait)` says how long until the next call is allowed.
    pub(super) async fn acquire_upstream(
        &self,
        payment: GatewayPaymentId,
        now: OffsetDateTime,
    ) -> Result<Result<(), Duration>, SessionError> {
        let limiter = &self.inner.limiter;
        let store = &self.inner.store;
        Ok(match store.backend() {
            Backend::Sqlite => limiter.try_acquire(payment, now),
            Backend::Postgres => {
                match store
                    .gate_upstream_call(payment, now, limiter.interval())
                    .await?
                {
                    None => Ok(()),
                    Some(wait) => Err(wait),
                }
            }
        })
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

    /// A lease given back in the background never takes away the next acquisition of the
    /// same name in the same process (a session paid twice in a row), and two acquisitions in
    /// one process exclude each other.
    #[tokio::test]
    async fn a_lease_given_back_late_leaves_the_next_holder_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::config::DatabaseLocation::Sqlite(
            dir.path().join("checkout.db"),
        ))
        .await
        .unwrap();
        let name = || "session:x".to_owned();
        let first = ReplicaLease::acquire(&store, name(), Duration::ZERO)
            .await
            .unwrap()
            .expect("a free lease is taken");
        assert!(
            ReplicaLease::acquire(&store, name(), Duration::ZERO)
                .await
                .unwrap()
                .is_none(),
            "held by the first acquisition"
        );
        // Given back in the background; the next acquisition waits for it.
        drop(first);
        let second = ReplicaLease::acquire(&store, name(), Duration::from_secs(5))
            .await
            .unwrap()
            .expect("taken once the first is given back");
        // Let every background task (the first's give-back included) run to its end.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = wall_now();
        assert!(
            !store
                .acquire_lease(&name(), "another-replica", now, now + LEASE_TTL)
                .await
                .unwrap(),
            "the second acquisition still holds the lease"
        );
        drop(second);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            store
                .acquire_lease(&name(), "another-replica", now, now + LEASE_TTL)
                .await
                .unwrap(),
            "given back when dropped"
        );
    }
}
