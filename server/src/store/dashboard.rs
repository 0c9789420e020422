//! Read-only aggregates of the merchant dashboard's overview, computed by the database over
//! covering indexes (migration 0007: `sessions_overview`, `attempts_overview`,
//! `sessions_by_status_created`, `outbox_events_by_state_created`), per UTC day so that the
//! sessions service can keep the days that did not change (`sessions::overview`).

use std::collections::BTreeMap;

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

/// One payment method on one day: sessions that tried it, those it paid and their money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodTotals {
    /// Wire name of the method.
    pub method: String,
    /// Sessions with an attempt of this method.
    pub sessions: u64,
    /// Sessions paid in full by an attempt of this method.
    pub paid: u64,
    /// What this method's paid attempts received in those sessions (kopecks).
    pub paid_kopecks: u64,
}

/// The figures of the sessions created on one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// By status (statuses without sessions absent).
    pub by_status: Vec<StatusTotals>,
    /// By method tried (methods nobody tried absent).
    pub by_method: Vec<MethodTotals>,
}

/// Milliseconds in a day: days are numbered `created_at / DAY_MS` (UTC days since 1970).
pub const DAY_MS: i64 = 86_400_000;

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or_default())
}

impl Store {
    /// The figures of every day in `[from, to)` (whole UTC days) with a session, by UTC day
    /// number: one scan of the sessions (covering index `sessions_overview`) and one of them
    /// joined to their attempts.
    pub async fn day_totals(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<BTreeMap<i64, DayTotals>, StoreError> {
        let (statuses, methods) = tokio::try_join!(
            // PostgreSQL's SUM of BIGINT is NUMERIC: cast back for the Any driver.
            sqlx::query(
                "SELECT created_at / 86400000 AS day, status, COUNT(*) AS n, \
                 CAST(COALESCE(SUM(COALESCE(paid_kopecks, 0)), 0) AS BIGINT) AS received, \
                 CAST(COALESCE(SUM(needs_attention), 0) AS BIGINT) AS attention \
                 FROM sessions WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, status",
            )
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&self.pool),
            // One row per (session, method) first: a session that tried a method twice counts
            // once, and it counts as paid by the method if an attempt of it paid.
            sqlx::query(
                "SELECT day, method, COUNT(*) AS n, CAST(COALESCE(SUM(paid), 0) AS BIGINT) AS paid, \
                 CAST(COALESCE(SUM(kopecks), 0) AS BIGINT) AS kopecks FROM \
                 (SELECT s.created_at / 86400000 AS day, a.method AS method, \
                 MAX(CASE WHEN s.status = 'paid' AND a.payment_status = 'paid' THEN 1 ELSE 0 END) \
                 AS paid, SUM(CASE WHEN s.status = 'paid' AND a.payment_status = 'paid' \
                 THEN COALESCE(a.paid_amount_kopecks, 0) ELSE 0 END) AS kopecks \
                 FROM sessions s JOIN payment_attempts a ON a.session_id = s.id \
                 WHERE s.created_at >= $1 AND s.created_at < $2 \
                 GROUP BY s.created_at, a.method, a.session_id) t GROUP BY day, method",
            )
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&self.pool),
        )?;
        let mut days: BTreeMap<i64, DayTotals> = BTreeMap::new();
        for row in &statuses {
            days.entry(row.try_get("day")?)
                .or_default()
                .by_status
                .push(StatusTotals {
                    status: row.try_get("status")?,
                    sessions: count(row, "n")?,
                    received_kopecks: count(row, "received")?,
                    needs_attention: count(row, "attention")?,
                });
        }
        for row in &methods {
            days.entry(row.try_get("day")?)
                .or_default()
                .by_method
                .push(MethodTotals {
                    method: row.try_get("method")?,
                    sessions: count(row, "n")?,
                    paid: count(row, "paid")?,
                    paid_kopecks: count(row, "kopecks")?,
                });
        }
        Ok(days)
    }

    /// UTC day numbers of the sessions changed at or after `since` (created or written; index
    /// `sessions_by_updated`, migration 0008): the days whose figures are out of date.
    pub async fn days_changed_since(&self, since: OffsetDateTime) -> Result<Vec<i64>, StoreError> {
        sqlx::query(
            "SELECT DISTINCT created_at / 86400000 AS day FROM sessions WHERE updated_at >= $1",
        )
        .bind(ms(since))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok(row.try_get("day")?))
        .collect()
    }

    /// Milliseconds from creation to the first `paid` status of the latest `limit` sessions
    /// created in `[from, to)` and paid in full, shortest first (a bounded sample: the
    /// percentiles of a busy month need not read every paid session).
    pub async fn times_to_paid(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<u64>, StoreError> {
        sqlx::query(
            "SELECT took FROM (SELECT (SELECT MIN(h.at) FROM status_history h \
             WHERE h.session_id = s.id AND h.status = 'paid') - s.created_at AS took \
             FROM sessions s WHERE s.status = 'paid' AND s.created_at >= $1 AND s.created_at < $2 \
             ORDER BY s.created_at DESC LIMIT $3) t WHERE took IS NOT NULL ORDER BY took",
        )
        .bind(ms(from))
        .bind(ms(to))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| count(row, "took"))
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
