//! Delivery bookkeeping: claiming due events under a lease, recording attempts, re-sending,
//! and freeing the leases a dead process left behind.

use sqlx::Row;
use time::OffsetDateTime;

use super::{DeliveryAttempt, DeliveryState, EventRecord, event};
use crate::store::{Backend, Store, StoreError, ms};

/// An event claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The event.
    pub event: EventRecord,
    /// The lease's owner token: the result is written only while it still holds.
    pub lease_owner: String,
}

/// What one attempt ended in.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    /// The attempt as recorded.
    pub attempt: DeliveryAttempt,
    /// The event's next state.
    pub next: NextStep,
}

/// The event's next state after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// 2xx: done.
    Delivered,
    /// Try again at this time.
    RetryAt(OffsetDateTime),
    /// Out of attempts or time: `failed`.
    GiveUp,
}

impl Store {
    /// Claims up to `limit` due events, each the oldest pending one of its stream, for
    /// `lease` from `now`. Different streams come back in parallel; the next event of a
    /// stream becomes claimable only once this one is delivered or given up.
    pub async fn claim_due_events(
        &self,
        now: OffsetDateTime,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        let now_ms = ms(now);
        let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.backend {
            // Replicas skip each other's claims instead of waiting on them.
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            concat!(
                "SELECT ",
                event_columns!(),
                " FROM outbox_events e WHERE state = 'pending' AND next_attempt_at <= $1 \
                 AND (lease_until IS NULL OR lease_until <= $1) \
                 AND NOT EXISTS (SELECT 1 FROM outbox_events p WHERE p.stream = e.stream \
                 AND p.state = 'pending' AND p.seq < e.seq) \
                 ORDER BY next_attempt_at, seq LIMIT $2{}"
            ),
            lock
        );
        let mut tx = self.begin().await?;
        // Safe: `sql` is the constant text above with one of two constant suffixes.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let event = event(row)?;
            let owner = uuid::Uuid::new_v4().simple().to_string();
            let taken = sqlx::query(
                "UPDATE outbox_events SET lease_owner = $1, lease_until = $2 \
                 WHERE id = $3 AND state = 'pending' AND (lease_until IS NULL OR lease_until <= $4)",
            )
            .bind(owner.as_str())
            .bind(until)
            .bind(event.id.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() == 1 {
                claimed.push(Claimed {
                    event,
                    lease_owner: owner,
                });
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt and moves the event on, if `lease_owner` still holds it (a worker
    /// that overran its lease records the attempt but leaves the state to the new owner).
    pub async fn record_event_attempt(
        &self,
        event_id: &str,
        lease_owner: &str,
        result: &AttemptResult,
    ) -> Result<(), StoreError> {
        let a = &result.attempt;
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            // A worker that overran its lease and the one that took the event over may report
            // at the same moment: the event's row lock makes them number their attempts one
            // after the other (SQLite's single writer already does).
            sqlx::query("SELECT id FROM outbox_events WHERE id = $1 FOR UPDATE")
                .bind(event_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO outbox_attempts (event_id, number, endpoint_id, url, started_at, \
             duration_ms, status_code, error) \
             SELECT $1, COALESCE(MAX(number), 0) + 1, $2, $3, $4, $5, $6, $7 \
             FROM outbox_attempts WHERE event_id = $1",
        )
        .bind(event_id)
        .bind(a.endpoint_id.as_str())
        .bind(a.url.as_str())
        .bind(ms(a.started_at))
        .bind(i64::try_from(a.duration_ms).unwrap_or(i64::MAX))
        .bind(a.status_code.map(i64::from))
        .bind(a.error.as_deref())
        .execute(&mut *tx)
        .await?;
        let (state, next_at, delivered_at) = match result.next {
            NextStep::Delivered => ("delivered", None, Some(ms(a.started_at))),
            NextStep::RetryAt(at) => ("pending", Some(ms(at)), None),
            NextStep::GiveUp => ("failed", None, None),
        };
        sqlx::query(
            "UPDATE outbox_events SET state = $1, attempts = attempts + 1, \
             next_attempt_at = COALESCE($2, next_attempt_at), delivered_at = $3, \
             endpoint_id = $4, last_error = $5, lease_owner = NULL, lease_until = NULL \
             WHERE id = $6 AND lease_owner = $7",
        )
        .bind(state)
        .bind(next_at)
        .bind(delivered_at)
        .bind(a.endpoint_id.as_str())
        .bind(a.error.as_deref())
        .bind(event_id)
        .bind(lease_owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a new delivery of the event (same id and body) due at `now`: a delivered or
    /// failed event goes to the end of its stream with a fresh attempt budget; a pending
    /// one stays where it is and is made due now. `None` if there is no such event.
    pub async fn resend_event(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<EventRecord>, StoreError> {
        let mut tx = self.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!("SELECT stream, state FROM outbox_events WHERE id = $1{lock}");
        // Safe: constant text with one of two constant suffixes.
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let stream: String = row.try_get("stream")?;
        let state: String = row.try_get("state")?;
        if state == DeliveryState::Pending.as_str() {
            sqlx::query("UPDATE outbox_events SET next_attempt_at = $1 WHERE id = $2")
                .bind(ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            super::lock_stream(&mut tx, &stream).await?;
            let seq: i64 = sqlx::query(
                "SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM outbox_events WHERE stream = $1",
            )
            .bind(stream.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get("next")?;
            sqlx::query(
                "UPDATE outbox_events SET state = 'pending', seq = $1, attempts = 0, \
                 next_attempt_at = $2, queued_at = $2, delivered_at = NULL, last_error = NULL, \
                 lease_owner = NULL, lease_until = NULL WHERE id = $3",
            )
            .bind(seq)
            .bind(ms(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.event_by_id(id).await
    }

    /// Frees every lease. Only for SQLite at start-up: one process owns the file, so a lease
    /// left behind belongs to a process that died mid-delivery and its events are due now.
    pub async fn release_event_leases(&self) -> Result<u64, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let done = sqlx::query(
            "UPDATE outbox_events SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner IS NOT NULL",
        )
        .execute(&mut *self.write().await?)
        .await?;
        Ok(done.rows_affected())
    }
}
