//! Persistence of the sandbox state: nothing (memory) or a SQLite file. The ledger in memory
//! stays the truth while running; every change is written through before the answer leaves,
//! and the file is read back whole at start-up.
//!
//! The tables are created in code (`CREATE TABLE IF NOT EXISTS`, prefixed `sandbox_`) rather
//! than by a migrator, so the file can even be shared with another component's migrations
//! without the two migrators disagreeing. Records are stored as JSON beside indexed columns.

use std::collections::HashMap;
use std::str::FromStr;

use shared::AccountUuid;
use sqlx::Row as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::config::SandboxStorage;
use super::error::SandboxError;
use super::ledger::Changes;
use super::model::{Balance, Payment, Payout};

/// Schema, idempotent.
const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS sandbox_payments (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, order_id TEXT NOT NULL,
        status TEXT NOT NULL, record TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sandbox_payouts (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, order_id TEXT NOT NULL,
        status TEXT NOT NULL, record TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sandbox_balances (
        account TEXT PRIMARY KEY, record TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/// Everything stored, as read at start-up.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub payments: Vec<Payment>,
    pub payouts: Vec<Payout>,
    pub balances: HashMap<AccountUuid, Balance>,
    pub next_id: Option<u64>,
    pub clock_offset_ms: Option<i64>,
}

/// Where changes go.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// Nowhere.
    Memory,
    /// A SQLite file.
    Sqlite(SqlitePool),
}

impl Store {
    /// Opens (and creates) the storage.
    pub async fn open(storage: &SandboxStorage) -> Result<Store, SandboxError> {
        let path = match storage {
            SandboxStorage::Memory => return Ok(Store::Memory),
            SandboxStorage::Sqlite(path) => path,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await?;
        }
        Ok(Store::Sqlite(pool))
    }

    /// Reads everything back.
    pub async fn load(&self) -> Result<Snapshot, SandboxError> {
        let Store::Sqlite(pool) = self else {
            return Ok(Snapshot::default());
        };
        let mut snapshot = Snapshot {
            payments: records(
                pool,
                "SELECT record FROM sandbox_payments ORDER BY id",
                "payment",
            )
            .await?,
            payouts: records(
                pool,
                "SELECT record FROM sandbox_payouts ORDER BY id",
                "payout",
            )
            .await?,
            ..Snapshot::default()
        };
        for row in sqlx::query("SELECT account, record FROM sandbox_balances")
            .fetch_all(pool)
            .await?
        {
            let account: String = row.try_get(0)?;
            let account = AccountUuid::parse(&account).map_err(|e| SandboxError::Corrupt {
                what: "balance".to_owned(),
                detail: e.to_string(),
            })?;
            snapshot
                .balances
                .insert(account, decode("balance", &row.try_get::<String, _>(1)?)?);
        }
        for row in sqlx::query("SELECT key, value FROM sandbox_meta")
            .fetch_all(pool)
            .await?
        {
            let key: String = row.try_get(0)?;
            let value: String = row.try_get(1)?;
            match key.as_str() {
                "next_id" => snapshot.next_id = Some(parse_meta(&key, &value)?),
                "clock_offset_ms" => snapshot.clock_offset_ms = Some(parse_meta(&key, &value)?),
                _ => {}
            }
        }
        Ok(snapshot)
    }

    /// Writes one operation's changes atomically: a single row (a payment created or
    /// finished: the usual case) as one statement, several in one transaction.
    pub async fn save(&self, changes: &Changes) -> Result<(), SandboxError> {
        let Store::Sqlite(pool) = self else {
            return Ok(());
        };
        match writes(changes).as_slice() {
            [] => {}
            [one] => {
                one.query()?.execute(pool).await?;
            }
            many => {
                let mut tx = pool.begin().await?;
                for write in many {
                    write.query()?.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Remembers the clock offset, so a restarted sandbox does not travel back in time.
    pub async fn save_clock(&self, offset_ms: i64) -> Result<(), SandboxError> {
        let Store::Sqlite(pool) = self else {
            return Ok(());
        };
        meta("clock_offset_ms", offset_ms.to_string())
            .execute(pool)
            .await?;
        Ok(())
    }
}

/// One row of [`Changes`] to write.
enum Write<'a> {
    Payment(&'a Payment),
    Payout(&'a Payout),
    Balance(&'a AccountUuid, &'a Balance),
    NextId(u64),
}

/// The rows `changes` writes. The next id is written only when the rows do not imply it:
/// start-up takes the next id past every stored payment and payout anyway
/// ([`super::ledger::Ledger::restore`]), so a created payment is one row, not two.
fn writes(changes: &Changes) -> Vec<Write<'_>> {
    let mut writes: Vec<Write<'_>> = Vec::new();
    writes.extend(changes.payments.iter().map(Write::Payment));
    writes.extend(changes.payouts.iter().map(Write::Payout));
    writes.extend(changes.balances.iter().map(|(a, b)| Write::Balance(a, b)));
    let implied = changes
        .payments
        .iter()
        .map(|p| p.id)
        .chain(changes.payouts.iter().map(|p| p.id))
        .max()
        .map(|id| id + 1);
    if let Some(next_id) = changes.next_id
        && Some(next_id) > implied
    {
        writes.push(Write::NextId(next_id));
    }
    writes
}

impl Write<'_> {
    fn query(&self) -> Result<Query<'static>, SandboxError> {
        Ok(match self {
            Write::Payment(p) => sqlx::query(
                "INSERT INTO sandbox_payments (id, account, order_id, status, record)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record",
            )
            .bind(i64::try_from(p.id).unwrap_or(i64::MAX))
            .bind(p.account.to_string())
            .bind(p.order_id.clone())
            .bind(p.status.as_str())
            .bind(encode(p)?),
            Write::Payout(p) => sqlx::query(
                "INSERT INTO sandbox_payouts (id, account, order_id, status, record)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, record = excluded.record",
            )
            .bind(i64::try_from(p.id).unwrap_or(i64::MAX))
            .bind(p.account.to_string())
            .bind(p.order_id.clone())
            .bind(p.status.as_str())
            .bind(encode(p)?),
            Write::Balance(account, balance) => sqlx::query(
                "INSERT INTO sandbox_balances (account, record) VALUES (?, ?)
                 ON CONFLICT(account) DO UPDATE SET record = excluded.record",
            )
            .bind(account.to_string())
            .bind(encode(balance)?),
            Write::NextId(next_id) => meta("next_id", next_id.to_string()),
        })
    }
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Sets `key` in the meta table.
fn meta(key: &'static str, value: String) -> Query<'static> {
    sqlx::query(
        "INSERT INTO sandbox_meta (key, value) VALUES (?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, SandboxError> {
    serde_json::to_string(value).map_err(|e| SandboxError::Corrupt {
        what: "record to store".to_owned(),
        detail: e.to_string(),
    })
}

/// Every JSON record `sql` selects (one text column), decoded as `what`.
async fn records<T: serde::de::DeserializeOwned>(
    pool: &SqlitePool,
    sql: &'static str,
    what: &str,
) -> Result<Vec<T>, SandboxError> {
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    rows.iter()
        .map(|row| decode(what, &row.try_get::<String, _>(0)?))
        .collect()
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, SandboxError> {
    serde_json::from_str(text).map_err(|e| SandboxError::Corrupt {
        what: what.to_owned(),
        detail: e.to_string(),
    })
}

fn parse_meta<T: FromStr>(key: &str, value: &str) -> Result<T, SandboxError> {
    value.parse().map_err(|_| SandboxError::Corrupt {
        what: format!("meta value {key}"),
        detail: format!("{value:?} is not a number"),
    })
}
