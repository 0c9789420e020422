//! Storage of sessions, payment attempts, status history, API keys and webhook receipts.
//!
//! All SQL lives in this module (the submodules), behind [`Store`]; the rest of the server
//! sees records. SQLite now (WAL, one file in the data dir); the migrations in
//! `server/migrations/` are portable SQL so PostgreSQL can be added with the same schema.

mod attempts;
mod keys;
mod rows;
mod sessions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;

use shared::api::{
    AttemptState, Locale, Metadata, Requisites, SessionId, SessionToken, StatusChange,
};
use shared::{
    Amount, CustomerIp, CustomerUserId, Description, GatewayPaymentId, HttpUrl, Method, OrderId,
    PaymentStatus, SessionStatus, UserAgent,
};

pub(crate) use keys::encode_hex;
pub use sessions::{ListCursor, ListFilter};

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
        session: SessionId,
        /// The status that was to be written.
        to: String,
    },
    /// A stored value does not read back (hand-edited database?).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

/// A checkout session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Id for the merchant API.
    pub id: SessionId,
    /// The widget's bearer capability.
    pub token: SessionToken,
    /// The merchant's order id (unique).
    pub order_id: OrderId,
    /// Amount to pay.
    pub amount: Amount,
    /// The buyer's id at the merchant.
    pub customer_user_id: CustomerUserId,
    /// Methods offered, in display order.
    pub methods: Vec<Method>,
    /// Description.
    pub description: Option<Description>,
    /// Widget language.
    pub locale: Locale,
    /// Hosted page success redirect.
    pub success_url: Option<HttpUrl>,
    /// Hosted page failure redirect.
    pub fail_url: Option<HttpUrl>,
    /// Merchant metadata.
    pub metadata: Option<Metadata>,
    /// Current status.
    pub status: SessionStatus,
    /// The attempt the buyer sees, if any.
    pub current_attempt: Option<u32>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Deadline.
    pub expires_at: OffsetDateTime,
}

/// One gateway payment attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Its session.
    pub session_id: SessionId,
    /// Attempt number, from 1.
    pub number: u32,
    /// Method chosen.
    pub method: Method,
    /// Gateway service used.
    pub service: String,
    /// The `order_id` sent to the gateway (unique).
    pub gateway_order_id: OrderId,
    /// Where it stands.
    pub state: AttemptState,
    /// The gateway's id, once known.
    pub gateway_payment_id: Option<GatewayPaymentId>,
    /// The gateway's uuid, once known.
    pub gateway_uuid: Option<uuid::Uuid>,
    /// The gateway's last status.
    pub payment_status: Option<PaymentStatus>,
    /// Amount actually paid, when reported.
    pub paid_amount: Option<Amount>,
    /// What the buyer was shown.
    pub requisites: Option<Requisites>,
    /// The payer's IP sent to the gateway.
    pub customer_ip: CustomerIp,
    /// The payer's browser.
    pub user_agent: Option<UserAgent>,
    /// The last gateway error, for operators.
    pub last_error: Option<String>,
    /// When the reconciler polls next.
    pub next_poll_at: Option<OffsetDateTime>,
    /// Current backoff step.
    pub poll_interval_secs: Option<u32>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// What one state change writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    /// The session's new state (status, current attempt, updated time).
    pub session: Option<&'a SessionRecord>,
    /// An attempt's new state.
    pub attempt: Option<&'a AttemptRecord>,
    /// A history entry for `session_id` of the session or attempt.
    pub history: Option<&'a StatusChange>,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if missing) and migrates the database.
    pub async fn open(location: &DatabaseLocation) -> Result<Store, StoreError> {
        match location {
            DatabaseLocation::Sqlite(path) => Store::open_sqlite(path).await,
        }
    }

    async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }
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
