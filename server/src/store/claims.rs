//! Work that several replicas on one database share without doing it twice: the reconciler's
//! due polls (claimed with `FOR UPDATE SKIP LOCKED`), the per-payment upstream call limit (a
//! conditional `UPDATE`) and named leases (a session's pay across its gateway call, the expiry
//! sweep). On SQLite the same statements run, minus the row-lock clause: one process, and
//! every write is serialised anyway.

use std::time::Duration;

use time::OffsetDateTime;

use shared::GatewayPaymentId;

use super::rows::{self, attempt_columns};
use super::{AttemptRecord, Backend, Store, StoreError, ms};

/// What [`Store::claim_due_polls`] runs; `{lock}` is the row-lock clause of the engine.
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE payment_attempts SET next_poll_at = $1 WHERE (session_id, number) IN (\
             SELECT session_id, number FROM payment_attempts \
             WHERE state IN ('created', 'abandoned') \
             AND payment_status = 'wait' AND next_poll_at <= $2 ORDER BY next_poll_at \
             LIMIT $3",
            $lock,
            ") RETURNING ",
            attempt_columns!()
        )
    };
}

impl Store {
    /// Claims up to `limit` waiting payments whose poll is due at `now`: their next poll moves
    /// to `now + lease` in the same statement, so no other replica (nor this one's next tick)
    /// gets them until the lease runs out or the poll schedules its next time. Rows another
    /// replica is claiming right now are skipped, not waited for.
    pub async fn claim_due_polls(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => claim_sql!(" FOR UPDATE SKIP LOCKED"),
            Backend::Sqlite => claim_sql!(""),
        };
        let mut claimed = sqlx::query(sql)
            .bind(ms(now + lease))
            .bind(ms(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *self.write().await?)
            .await?
            .iter()
            .map(rows::attempt)
            .collect::<Result<Vec<_>, _>>()?;
        // `RETURNING` keeps no order; the longest-waiting first, as the subquery chose them.
        claimed.sort_by_key(|a| a.created_at);
        Ok(claimed)
    }

    /// Takes the right to call the gateway about `payment` at `now` when the last call (by any
    /// replica, for the reconciler or the buyer's check) was at least `interval` ago: `Ok(None)`.
    /// Otherwise `Ok(Some(wait))`, how long until the next call is allowed. A payment with no
    /// attempt row here is not limited.
    pub async fn gate_upstream_call(
        &self,
        payment: GatewayPaymentId,
        now: OffsetDateTime,
        interval: Duration,
    ) -> Result<Option<Duration>, StoreError> {
        let id = i64::try_from(payment.get()).unwrap_or(i64::MAX);
        let taken = sqlx::query(
            "UPDATE payment_attempts SET last_checked_at = $1 WHERE gateway_payment_id = $2 \
             AND (last_checked_at IS NULL OR last_checked_at <= $3)",
        )
        .bind(ms(now))
        .bind(id)
        .bind(ms(now - interval))
        .execute(&mut *self.write().await?)
        .await?;
        if taken.rows_affected() > 0 {
            return Ok(None);
        }
        let last: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT last_checked_at FROM payment_attempts WHERE gateway_payment_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((Some(last),)) = last else {
            return Ok(None);
        };
        let next = super::time(last)? + interval;
        // Never "wait 0": the call was refused, so at least a moment is left.
        let wait = Duration::try_from(next - now).unwrap_or_default();
        Ok(Some(wait.max(Duration::from_millis(1))))
    }

    /// Takes lease `name` for `holder` until `until` if it is free or ran out at `now` (or
    /// `holder` has it already: then it is extended). Returns whether `holder` holds it now.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
             until_ms = excluded.until_ms \
             WHERE leases.until_ms <= $4 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(ms(until))
        .bind(ms(now))
        .execute(&mut *self.write().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives lease `name` back if `holder` still has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&mut *self.write().await?)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
