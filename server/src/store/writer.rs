//! Where writes go. A SQLite file has one writer at a time anyway, so the store keeps one
//! connection for every write and writers queue for it here, in order, instead of meeting
//! the file's write lock on separate connections and sleeping in SQLite's busy handler; its
//! page cache stays warm too, since no other connection of this process writes. PostgreSQL
//! writes through the pool, its writers kept apart by row locks.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::StoreError;

/// The one connection that writes a SQLite file.
#[derive(Clone)]
pub(crate) struct Writer(Arc<Mutex<Slot>>);

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// The connection and what its last user left behind.
pub(crate) struct Slot {
    conn: AnyConnection,
    /// A transaction was dropped unfinished (its request went away mid-write): it is rolled
    /// back before the connection is used again.
    dirty: bool,
}

impl Writer {
    pub(crate) fn new(conn: AnyConnection) -> Writer {
        Writer(Arc::new(Mutex::new(Slot { conn, dirty: false })))
    }

    /// Waits for the connection (first come, first served) and cleans up after its last user.
    async fn lock(&self) -> OwnedMutexGuard<Slot> {
        clean(Arc::clone(&self.0).lock_owned().await).await
    }

    /// Waits until the write in progress, if any, is over.
    pub(crate) async fn close(&self) {
        drop(self.lock().await);
    }
}

/// Rolls back what a dropped transaction left open.
async fn clean(mut slot: OwnedMutexGuard<Slot>) -> OwnedMutexGuard<Slot> {
    if slot.dirty {
        slot.dirty = false;
        if let Err(error) = slot.conn.execute("ROLLBACK").await {
            // Also what a cancelled commit whose COMMIT got through leaves: nothing to undo.
            tracing::debug!(%error, "rolling back an abandoned write transaction");
        }
    }
    slot
}

/// A write transaction: `BEGIN IMMEDIATE` on the SQLite writer, or a pooled PostgreSQL
/// transaction. Used as a connection (`&mut *tx`); dropped without [`Tx::commit`], it rolls
/// back.
pub(crate) struct Tx(Inner);

enum Inner {
    Pool(Transaction<'static, Any>),
    Writer(WriterTx),
}

struct WriterTx {
    slot: OwnedMutexGuard<Slot>,
    open: bool,
}

impl Drop for WriterTx {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        self.slot.dirty = true;
        // Roll back as soon as this guard is gone, not only when the next write comes:
        // until then the file's write lock would keep other processes (the CLI) waiting.
        let mutex = Arc::clone(OwnedMutexGuard::mutex(&self.slot));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { drop(clean(mutex.lock_owned().await).await) });
        }
    }
}

impl Tx {
    /// Starts a transaction on the pool (PostgreSQL).
    pub(crate) async fn on_pool(pool: &AnyPool) -> Result<Tx, StoreError> {
        Ok(Tx(Inner::Pool(pool.begin().await?)))
    }

    /// Starts a transaction on the SQLite writer, taking the file's write lock at once, so a
    /// read-then-write inside it cannot be overtaken by another process.
    pub(crate) async fn on_writer(writer: &Writer) -> Result<Tx, StoreError> {
        // Open from the start: if BEGIN is interrupted, the next user rolls back.
        let mut tx = WriterTx {
            slot: writer.lock().await,
            open: true,
        };
        tx.slot.conn.execute("BEGIN IMMEDIATE").await?;
        Ok(Tx(Inner::Writer(tx)))
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self.0 {
            Inner::Pool(tx) => tx.commit().await?,
            Inner::Writer(mut tx) => {
                tx.slot.conn.execute("COMMIT").await?;
                tx.open = false;
            }
        }
        Ok(())
    }

    /// Rolls back.
    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        match self.0 {
            Inner::Pool(tx) => tx.rollback().await?,
            Inner::Writer(mut tx) => {
                tx.slot.conn.execute("ROLLBACK").await?;
                tx.open = false;
            }
        }
        Ok(())
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Inner::Pool(tx) => tx,
            Inner::Writer(tx) => &tx.slot.conn,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Inner::Pool(tx) => tx,
            Inner::Writer(tx) => &mut tx.slot.conn,
        }
    }
}

/// A connection for one write statement outside a transaction.
pub(crate) enum WriteConn {
    Pool(PoolConnection<Any>),
    Writer(OwnedMutexGuard<Slot>),
}

impl WriteConn {
    pub(crate) async fn on_pool(pool: &AnyPool) -> Result<WriteConn, StoreError> {
        Ok(WriteConn::Pool(pool.acquire().await?))
    }

    pub(crate) async fn on_writer(writer: &Writer) -> WriteConn {
        WriteConn::Writer(writer.lock().await)
    }
}

impl Deref for WriteConn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteConn::Pool(conn) => conn,
            WriteConn::Writer(slot) => &slot.conn,
        }
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteConn::Pool(conn) => conn,
            WriteConn::Writer(slot) => &mut slot.conn,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use crate::config::DatabaseLocation;
    use crate::store::Store;

    async fn open(dir: &std::path::Path) -> Store {
        Store::open(&DatabaseLocation::Sqlite(dir.join("checkout.db")))
            .await
            .unwrap()
    }

    async fn insert(tx: &mut crate::store::Tx, name: &str) {
        sqlx::query("INSERT INTO leases (name, holder, until_ms) VALUES ($1, 'test', 0)")
            .bind(name)
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    async fn names(store: &Store) -> Vec<String> {
        sqlx::query_as::<_, (String,)>("SELECT name FROM leases ORDER BY name")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .into_iter()
            .map(|(n,)| n)
            .collect()
    }

    /// A transaction dropped half-way (its request went away) leaves nothing behind and
    /// frees the file at once: another process's writer gets in well before its busy
    /// timeout (10 s), and this store goes on writing.
    #[tokio::test]
    async fn a_dropped_transaction_is_rolled_back_and_frees_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let one = open(dir.path()).await;
        let other = open(dir.path()).await;
        let mut tx = one.begin().await.unwrap();
        insert(&mut tx, "dropped").await;
        drop(tx);
        let mut tx = tokio::time::timeout(Duration::from_secs(3), other.begin())
            .await
            .expect("the write lock was not given back")
            .unwrap();
        insert(&mut tx, "other").await;
        tx.commit().await.unwrap();
        let mut tx = one.begin().await.unwrap();
        insert(&mut tx, "after").await;
        tx.commit().await.unwrap();
        assert_eq!(names(&one).await, ["after", "other"]);
    }

    /// Many writers at once take turns on the one connection: none fails on a busy file,
    /// each read-then-write inside its transaction sees the writes before it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_transactions_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let store = store.clone();
            tasks.spawn(async move {
                let mut tx = store.begin().await.unwrap();
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leases")
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
                insert(&mut tx, &format!("n{n:02}")).await;
                tx.commit().await.unwrap();
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        let expected: Vec<String> = (0..20).map(|n| format!("n{n:02}")).collect();
        assert_eq!(names(&store).await, expected);
    }
}
