//! Storage of sessions, payment attempts, status history, API keys and webhook receipts.
//!
//! All SQL lives in this module (the submodules), behind [`Store`]; the rest of the server
//! sees records. One code path for both databases through sqlx's `Any` driver: SQLite (WAL,
//! one file in the data dir, the default) or PostgreSQL (`DATABASE_URL=postgres://…`, for
//! several replicas). The migrations in `server/migrations/` are portable SQL, the queries
//! use `$n` placeholders (which SQLite accepts too), and the few places where the engines
//! differ (how a write transaction starts, row locks) ask [`Backend`].

mod attempts;
mod claims;
pub mod dashboard;
mod keys;
pub use keys::StoredApiKey;
mod listen;
pub mod notifications;
pub mod operators;
pub mod outbox;
mod payout_history;
mod payouts;
mod records;
mod rows;
mod session_events;
mod sessions;
mod stats;
mod status;
mod status_cache;
mod token_ids;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};
use time::OffsetDateTime;

pub(crate) use keys::encode_hex;
pub use listen::{StatusSignal, spawn_listener};
pub use payout_history::PayoutChange;
pub use payouts::PayoutRecord;
pub use records::{
    AttemptRecord, Change, ChangeEvent, PayoutRequest, PayoutState, Recipient, SessionRecord,
};
pub use sessions::ListFilter;
pub use status::StatusRow;

use crate::config::DatabaseLocation;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique key is taken (`what` names it).
    #[error("{what} already exists")]
    Conflict {
        /// The key, e.g. `order_id`.
        what: &'static str,
    },
    /// A session's status changed since it was read: the write was refused (nothing of the
    /// change was committed) so that a stale copy can never move a final status.
    #[error("session {session}: writing status {to} refused, the stored status is final")]
    StaleSession {
        /// The session.
        session: shared::api::SessionId,
        /// The status that was to be written.
        to: String,
    },
    /// The SQLite file is damaged or lost: the server refuses to start rather than run on a
    /// fresh or broken database.
    #[error(
        "the database {path} is damaged: {detail}. Restore it (and its -wal file) from a backup or move it away knowingly; the server will not start over it"
    )]
    Damaged {
        /// The database file.
        path: String,
        /// What SQLite reported.
        detail: String,
    },
    /// A stored value does not read back (hand-edited database?).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file: one process, writers serialised by `BEGIN IMMEDIATE`.
    Sqlite,
    /// PostgreSQL: several processes, writers serialised by row locks.
    Postgres,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// SQLite: the one connection that writes (see `writer.rs`); PostgreSQL writes through
    /// `pool`.
    writer: Option<writer::Writer>,
    backend: Backend,
    /// Recent status-poll answers (see `status_cache.rs`); writes below forget them.
    status_cache: std::sync::Arc<status_cache::StatusCache>,
    /// Session ids by checkout token (see `token_ids.rs`).
    token_ids: std::sync::Arc<token_ids::TokenIds>,
}

pub(crate) use writer::{Tx, WriteConn};

/// A query with its values bound, for [`Store::read_all`] and [`Store::read_one`].
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;
/// Reads one row into a record.
type Reader<T> = fn(&sqlx::any::AnyRow) -> Result<T, StoreError>;

impl Store {
    /// Every row `q` selects, each read by `read`.
    async fn read_all<T>(&self, q: AnyQuery<'_>, read: Reader<T>) -> Result<Vec<T>, StoreError> {
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// The row `q` selects, if any, read by `read`.
    async fn read_one<T>(&self, q: AnyQuery<'_>, read: Reader<T>) -> Result<Option<T>, StoreError> {
        let row = q.fetch_optional(&self.pool).await?;
        row.as_ref().map(read).transpose()
    }
}

/// Connections per process. SQLite has one writer anyway; PostgreSQL's default
/// `max_connections` (100) leaves room for several replicas at this size.
const POOL_SIZE: u32 = 8;

impl Store {
    /// Opens (creating a SQLite file if missing) and migrates the database.
    pub async fn open(location: &DatabaseLocation) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        match location {
            DatabaseLocation::Sqlite(path) => Store::open_sqlite(path).await,
            DatabaseLocation::Postgres(url) => Store::open_postgres(url).await,
        }
    }

    async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        check_sqlite_file(path).await?;
        let url = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .to_url_lossy();
        let options = AnyConnectOptions::from_str(url.as_str())?;
        let pool = sqlite_pool().connect_with(options.clone()).await?;
        let store = Store::migrated(pool, Backend::Sqlite).await?;
        let mut conn = AnyConnection::connect_with(&options).await?;
        conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
        Ok(Store {
            writer: Some(writer::Writer::new(conn)),
            ..store
        })
    }

    async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let pool = AnyPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Store::migrated(pool, Backend::Postgres).await
    }

    async fn migrated(pool: AnyPool, backend: Backend) -> Result<Store, StoreError> {
        // Several replicas starting at once: sqlx takes an advisory lock on PostgreSQL
        // around the migrations, so exactly one of them applies each step.
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            writer: None,
            backend,
            status_cache: std::sync::Arc::default(),
            token_ids: std::sync::Arc::default(),
        })
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so a read-then-write inside it cannot be overtaken; on PostgreSQL the
    /// statements that need it lock their rows (see [`Store::lock_session`]).
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.writer {
            Some(writer) => Tx::on_writer(writer).await,
            None => Tx::on_pool(&self.pool).await,
        }
    }

    /// A connection for one write statement outside a transaction: the SQLite writer (in
    /// turn with the transactions), or one from the PostgreSQL pool.
    pub(crate) async fn write(&self) -> Result<WriteConn, StoreError> {
        match &self.writer {
            Some(writer) => Ok(WriteConn::on_writer(writer).await),
            None => WriteConn::on_pool(&self.pool).await,
        }
    }

    /// Locks a session's row until `tx` ends (PostgreSQL; SQLite's `BEGIN IMMEDIATE`
    /// already excludes every other writer). Whoever writes a session's history or
    /// status holds this, so `seq` numbers and guarded updates never race.
    ///
    /// On PostgreSQL it also queues the session's change notification, delivered to every
    /// replica's listener if `tx` commits ([`listen`]): one place that every status write
    /// passes through, so no change is left out of the other replicas' SSE streams.
    pub(crate) async fn lock_session(&self, tx: &mut Tx, id: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM sessions WHERE id = $1 FOR UPDATE")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            listen::notify(tx, id).await?;
        }
        Ok(())
    }

    /// The pool, for the store's submodules and the PostgreSQL listener.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }
}

/// Refuses a SQLite database that cannot be trusted, before anything writes to it: a WAL
/// file without its database (the database was lost: starting afresh would silently drop
/// every session), a file that is not a database, or one `PRAGMA quick_check` finds damaged
/// (it reads every page but skips the index cross-check: 0.8 s on a 500 MB database of a
/// million rows, where `integrity_check` takes 5 s).
async fn check_sqlite_file(path: &Path) -> Result<(), StoreError> {
    let damaged = |detail: String| StoreError::Damaged {
        path: path.display().to_string(),
        detail,
    };
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    if !path.exists() {
        if wal.exists() {
            return Err(damaged(format!(
                "the database file is missing but its write-ahead log {} is there",
                wal.display()
            )));
        }
        return Ok(());
    }
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    let _ = conn.close().await;
    match rows.as_slice() {
        [(ok,)] if ok == "ok" => Ok(()),
        problems => Err(damaged(
            problems
                .iter()
                .take(5)
                .map(|(p,)| p.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        )),
    }
}

/// Set on every connection to a SQLite file.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// Options of the pool that reads a SQLite file.
fn sqlite_pool() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(POOL_SIZE)
        // A local file cannot drop the connection: a ping before every checkout would only
        // add a round trip to the connection's thread.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                Ok(())
            })
        })
}

/// Unix milliseconds of `t`.
fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The time `ms` Unix milliseconds.
fn time(ms: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {ms}: {e}")))
}

/// Parses a stored text column.
fn parse<T: FromStr>(column: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?}: {e}")))
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { what },
        _ => StoreError::Database(e),
    }
}

#[cfg(test)]
mod tests;
