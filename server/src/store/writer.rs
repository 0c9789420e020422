//! Where writes go. A SQLite file has one writer at a time anyway, so the store keeps one
//! connection for every write and writers queue for it here, in order, instead of meeting
//! the file's write lock on separate connections and sleeping in SQLite's busy handler; its
//! page cache stays warm too, since no other connection of this process writes. PostgreSQL
//! writes through the pool, its writers kept apart by row locks.
//!
//! About 400 lines: the writing connection, the transaction and connection types both engines
//! share, and the group commit over them belong together; the tests are in `writer/tests.rs`.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

use super::StoreError;

/// The one connection that writes a SQLite file, and the queue of [`atomically`]'s writes
/// (see [`group_commits`]).
#[derive(Clone)]
pub(crate) struct Writer(Arc<Mutex<Slot>>, mpsc::UnboundedSender<Job>);

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
    /// The writer over `conn`; its group committer runs on the current runtime until the
    /// last copy of the writer is gone.
    pub(crate) fn new(conn: AnyConnection) -> Writer {
        let slot = Arc::new(Mutex::new(Slot { conn, dirty: false }));
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(group_commits(Arc::clone(&slot), queue));
        Writer(slot, jobs)
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

/// A value bound to a [`Stmt`].
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        Value::Text(v.map(str::to_owned))
    }
}

/// One statement and its values (placeholders `$1`, `$2`, … in order), to run on its own or
/// with others in one round trip to the SQLite writer ([`atomically`]).
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    sql: std::borrow::Cow<'static, str>,
    values: Vec<Value>,
}

impl Stmt {
    pub(crate) fn new(sql: &'static str) -> Stmt {
        Stmt {
            sql: std::borrow::Cow::Borrowed(sql),
            values: Vec::new(),
        }
    }

    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Stmt {
        self.values.push(value.into());
        self
    }

    /// The statement as a query, its values bound.
    pub(crate) fn query(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
        let query = match &self.sql {
            std::borrow::Cow::Borrowed(sql) => sqlx::query(*sql),
            // Safe: a constant statement with a constant condition appended.
            std::borrow::Cow::Owned(sql) => sqlx::query(sqlx::AssertSqlSafe(sql.clone())),
        };
        bind_all(query, self.values.iter())
    }

    /// The statement, which must end in a `WHERE` clause (no `RETURNING`), made to change
    /// nothing unless its row's `column` is `value`.
    pub(crate) fn only_if(mut self, column: &'static str, value: &str) -> Stmt {
        let n = self.values.len();
        self.sql = std::borrow::Cow::Owned(format!("{} AND {column} = ${}", self.sql, n + 1));
        self.bind(value)
    }

    /// The statement, which must end in a `WHERE` clause (no `RETURNING`, no aggregate),
    /// made to change nothing unless
    /// session `id` has `status` (as it does right after a guarded status update that took).
    pub(crate) fn only_if_status(mut self, id: &str, status: &str) -> Stmt {
        let n = self.values.len();
        self.sql = std::borrow::Cow::Owned(format!(
            "{} AND EXISTS (SELECT 1 FROM sessions WHERE id = ${} AND status = ${})",
            self.sql,
            n + 1,
            n + 2
        ));
        self.bind(id).bind(status)
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    values: impl Iterator<Item = &'q Value>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_deref()),
        };
    }
    query
}

/// Runs `statements` in one transaction and commits; the rows they return (`RETURNING`).
/// On SQLite they join the writer's queue: see [`group_commits`].
pub(crate) async fn atomically(
    store: &super::Store,
    statements: &[&Stmt],
) -> Result<Vec<AnyRow>, StoreError> {
    let Some(writer) = &store.writer else {
        let mut tx = Tx::on_pool(&store.pool).await?;
        let mut rows = Vec::new();
        for statement in statements {
            rows.extend(statement.query().fetch_all(&mut *tx).await?);
        }
        tx.commit().await?;
        return Ok(rows);
    };
    let (reply, answer) = oneshot::channel();
    let job = Job {
        statements: statements.iter().map(|s| (*s).clone()).collect(),
        reply,
    };
    let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
    writer.1.send(job).map_err(|_| stopped())?;
    answer.await.map_err(|_| stopped())?
}

/// One [`atomically`] write waiting for the SQLite writer.
pub(crate) struct Job {
    statements: Vec<Stmt>,
    reply: oneshot::Sender<Result<Vec<AnyRow>, StoreError>>,
}

/// At most this many queued writes share one transaction.
const MAX_GROUP: usize = 64;

/// Group commit: the writes queued while the writer was busy go to the database together, in
/// one transaction (see [`run_together`]), and each caller hears back
/// once that commit is done. Under load that is one commit for many writes instead of one
/// each. Should any statement fail, the group is rolled back and its writes run again one by
/// one, so a write's error (a taken order id) is its own and never fails the others.
async fn group_commits(slot: Arc<Mutex<Slot>>, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut slot = clean(Arc::clone(&slot).lock_owned().await).await;
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if group.len() > 1 {
            let writes: Vec<&Job> = group.iter().collect();
            match run_together(&mut slot, &writes).await {
                Ok(rows) => {
                    for (job, rows) in group.into_iter().zip(rows) {
                        // The caller may have gone away: its write is done all the same.
                        let _ = job.reply.send(Ok(rows));
                    }
                    continue;
                }
                Err(error) => {
                    tracing::debug!(%error, writes = group.len(), "group commit failed; one by one");
                    rollback(&mut slot).await;
                }
            }
        }
        for job in group {
            let result = run_together(&mut slot, &[&job]).await;
            if result.is_err() {
                rollback(&mut slot).await;
            }
            let _ = job
                .reply
                .send(result.map(|mut rows| rows.pop().unwrap_or_default()));
        }
    }
}

/// One transaction over every write's statements, run one after another on the writer's
/// connection (its statement cache keeps them prepared); the rows each write's statements
/// returned.
async fn run_together(slot: &mut Slot, writes: &[&Job]) -> Result<Vec<Vec<AnyRow>>, StoreError> {
    // Open until the COMMIT is through: if this task is stopped half-way, the next user of
    // the connection rolls back.
    slot.dirty = true;
    slot.conn.execute("BEGIN IMMEDIATE").await?;
    let mut rows = Vec::with_capacity(writes.len());
    for write in writes {
        let mut returned = Vec::new();
        for statement in &write.statements {
            returned.extend(statement.query().fetch_all(&mut slot.conn).await?);
        }
        rows.push(returned);
    }
    slot.conn.execute("COMMIT").await?;
    slot.dirty = false;
    Ok(rows)
}

async fn rollback(slot: &mut Slot) {
    slot.dirty = false;
    if let Err(error) = slot.conn.execute("ROLLBACK").await {
        // Nothing was open (BEGIN itself failed, or COMMIT went through).
        tracing::debug!(%error, "rolling back a failed write");
    }
}

#[cfg(test)]
mod tests;
