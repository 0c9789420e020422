//! Read-only aggregates of the merchant dashboard's overview, computed by the database over
//! covering indexes (migration 0007: `sessions_overview`, `attempts_overview`,
//! `sessions_by_status_created`, `outbox_events_by_state_created`): nothing is counted in Rust.

use sqlx::Row as _;
use time::OffsetDateTime;

use super::{Store, StoreError, ms};

/// Sessions created in a period, by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusTotals {
    /// Wire name of the status.
    pub status: String,
    /// Sessions.
    pub sessions: u64,
    /// Money received by them (kopecks).
    pub received_kopecks: u64,
    /// Those that need the merchant's attention.
    pub needs_attention: u64,
}

/// One payment method over a period: sessions that tried it, and those it paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodTotals {
    /// Wire name of the method.
    pub method: String,
    /// Sessions with an attempt of this method.
    pub sessions: u64,
    /// Sessions paid in full by an attempt of this method.
    pub paid: u64,
}

/// One day's paid sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotals {
    /// Days since the period's start (0 = first day).
    pub day: i64,
    /// Sessions paid in full.
    pub paid: u64,
    /// Money they received (kopecks).
    pub paid_kopecks: u64,
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or_default())
}

impl Store {
    /// Sessions created in `[from, to)` by status.
    pub async fn totals_by_status(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<StatusTotals>, StoreError> {
        // PostgreSQL's SUM of BIGINT is NUMERIC: cast back for the Any driver.
        sqlx::query(
            "SELECT status, COUNT(*) AS n, \
             CAST(COALESCE(SUM(COALESCE(paid_kopecks, 0)), 0) AS BIGINT) AS received, \
             CAST(COALESCE(SUM(needs_attention), 0) AS BIGINT) AS attention \
             FROM sessions WHERE created_at >= $1 AND created_at < $2 GROUP BY status",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(StatusTotals {
                status: row.try_get("status")?,
                sessions: count(row, "n")?,
                received_kopecks: count(row, "received")?,
                needs_attention: count(row, "attention")?,
            })
        })
        .collect()
    }

    /// Per method, sessions created in `[from, to)` that tried it and those it paid in full.
    pub async fn totals_by_method(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<MethodTotals>, StoreError> {
        sqlx::query(
            // One row per (method, session) first: a session that tried a method twice
            // counts once, and it counts as paid by the method if an attempt of it paid.
            "SELECT method, COUNT(*) AS n, CAST(COALESCE(SUM(paid), 0) AS BIGINT) AS paid FROM \
             (SELECT a.method AS method, a.session_id AS session_id, \
             MAX(CASE WHEN s.status = 'paid' AND a.payment_status = 'paid' THEN 1 ELSE 0 END) \
             AS paid FROM sessions s JOIN payment_attempts a ON a.session_id = s.id \
             WHERE s.created_at >= $1 AND s.created_at < $2 GROUP BY a.method, a.session_id) t \
             GROUP BY method ORDER BY method",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(MethodTotals {
                method: row.try_get("method")?,
                sessions: count(row, "n")?,
                paid: count(row, "paid")?,
            })
        })
        .collect()
    }

    /// Paid sessions created in `[from, to)` per day (days start at `from`).
    pub async fn paid_by_day(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<DayTotals>, StoreError> {
        sqlx::query(
            "SELECT (created_at - $1) / 86400000 AS day, COUNT(*) AS n, \
             CAST(COALESCE(SUM(COALESCE(paid_kopecks, 0)), 0) AS BIGINT) AS paid \
             FROM sessions WHERE status = 'paid' AND created_at >= $1 AND created_at < $2 \
             GROUP BY 1 ORDER BY 1",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(DayTotals {
                day: row.try_get("day")?,
                paid: count(row, "n")?,
                paid_kopecks: count(row, "paid")?,
            })
        })
        .collect()
    }

    /// Webhook events created in `[from, to)` whose delivery failed for good.
    pub async fn failed_events_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox_events \
             WHERE state = 'failed' AND created_at >= $1 AND created_at < $2",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_one(&self.pool)
        .await?;
        count(&row, "n")
    }
}
