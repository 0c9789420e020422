//! Payment attempt rows.

use futures_util::TryStreamExt;
use sqlx::{Either, Executor};
use time::OffsetDateTime;

use shared::GatewayPaymentId;
use shared::api::{AttemptState, SessionId};

use super::rows;
use super::writer::{Stmt, atomically};
use super::{AttemptRecord, Backend, Store, StoreError, conflict, ms};

fn gateway_id(id: Option<GatewayPaymentId>) -> Option<i64> {
    id.map(|g| i64::try_from(g.get()).unwrap_or(i64::MAX))
}

fn requisites_json(a: &AttemptRecord) -> Result<Option<String>, StoreError> {
    a.requisites
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("requisites: {e}")))
}

impl Store {
    /// Inserts a new attempt (normally in state `creating`, committed before the gateway
    /// call). A taken number or gateway order id gives [`StoreError::Conflict`].
    pub async fn insert_attempt(&self, a: &AttemptRecord) -> Result<(), StoreError> {
        let insert = Stmt::new(
            "INSERT INTO payment_attempts (session_id, number, method, service, gateway_order_id, \
             customer_ip, user_agent, created_at, state, gateway_payment_id, gateway_uuid, \
             payment_status, paid_amount_kopecks, requisites, last_error, next_poll_at, \
             poll_interval_secs, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(a.session_id.to_string())
        .bind(i64::from(a.number))
        .bind(a.method.as_str())
        .bind(a.service.clone())
        .bind(a.gateway_order_id.as_str())
        .bind(a.customer_ip.to_string())
        .bind(a.user_agent.as_ref().map(|u| u.as_str().to_owned()))
        .bind(ms(a.created_at));
        let insert = bind_changes(insert, a)?;
        atomically(self, &[&insert]).await.map_err(|e| match e {
            StoreError::Database(e) => conflict(e, "payment attempt"),
            other => other,
        })?;
        Ok(())
    }

    /// Every attempt of a session, by number.
    pub async fn attempts(&self, session: SessionId) -> Result<Vec<AttemptRecord>, StoreError> {
        self.read_all(
            sqlx::query(rows::select!(payment_attempts "WHERE session_id = $1 ORDER BY number"))
                .bind(session.to_string()),
            rows::attempt,
        )
        .await
    }

    /// The session with this id and its attempts (oldest first), read on one connection.
    pub async fn session_with_attempts(
        &self,
        id: SessionId,
    ) -> Result<Option<(super::SessionRecord, Vec<AttemptRecord>)>, StoreError> {
        const SESSION: &str = rows::select!(sessions "WHERE id = $1");
        const ATTEMPTS: &str =
            rows::select!(payment_attempts "WHERE session_id = $1 ORDER BY number");
        let mut conn = self.pool.acquire().await?;
        let (session, attempts) = if self.backend == Backend::Sqlite {
            // Both reads in one round trip to the connection's thread (one text, `$1` shared).
            const BOTH: &str = concat!(
                rows::select!(sessions "WHERE id = $1;\n"),
                rows::select!(payment_attempts "WHERE session_id = $1 ORDER BY number")
            );
            let mut results = (&mut *conn).fetch_many(sqlx::query(BOTH).bind(id.to_string()));
            let (mut session, mut attempts, mut done) = (None, Vec::new(), 0);
            while let Some(item) = results.try_next().await? {
                match item {
                    Either::Left(_) => done += 1,
                    Either::Right(row) if done == 0 => session = Some(row),
                    Either::Right(row) => attempts.push(row),
                }
            }
            (session, attempts)
        } else {
            let session = sqlx::query(SESSION)
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            let attempts = sqlx::query(ATTEMPTS)
                .bind(id.to_string())
                .fetch_all(&mut *conn)
                .await?;
            (session, attempts)
        };
        let Some(session) = session else {
            return Ok(None);
        };
        let attempts = attempts
            .iter()
            .map(rows::attempt)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((rows::session(&session)?, attempts)))
    }

    /// The attempt with the gateway's payment id.
    pub async fn attempt_by_gateway_id(
        &self,
        id: GatewayPaymentId,
    ) -> Result<Option<AttemptRecord>, StoreError> {
        self.read_one(
            sqlx::query(rows::select!(payment_attempts "WHERE gateway_payment_id = $1"))
                .bind(gateway_id(Some(id))),
            rows::attempt,
        )
        .await
    }

    /// The attempt sent to the gateway under `order_id`.
    pub async fn attempt_by_gateway_order_id(
        &self,
        order_id: &str,
    ) -> Result<Option<AttemptRecord>, StoreError> {
        self.read_one(
            sqlx::query(rows::select!(payment_attempts "WHERE gateway_order_id = $1"))
                .bind(order_id),
            rows::attempt,
        )
        .await
    }

    /// Waiting attempts whose next poll is due, soonest first: created ones, and abandoned
    /// ones (a payment exists, its requisites were lost; money paid to it anyway must still
    /// be seen), and paid ones whose amount is not confirmed yet. Whatever the session's
    /// status: a gateway payment can outlive its session (the gateway's lifetime is at least
    /// 900 s), and a late `paid` whose notification was lost is found only by polling until
    /// the gateway reports a final status.
    pub async fn attempts_due_for_poll(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        self.read_all(
            sqlx::query(rows::select!(payment_attempts
                "WHERE next_poll_at <= $1 \
                 AND ((state IN ('created', 'abandoned') AND payment_status = 'wait') \
                      OR (payment_status = 'paid' AND paid_amount_kopecks IS NULL)) \
                 ORDER BY next_poll_at LIMIT $2"
            ))
            .bind(ms(now))
            .bind(i64::from(limit)),
            rows::attempt,
        )
        .await
    }

    /// Every attempt in `state` (start-up recovery looks up `creating` ones).
    pub async fn attempts_in_state(
        &self,
        state: AttemptState,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        self.read_all(
            sqlx::query(rows::select!(payment_attempts "WHERE state = $1 ORDER BY created_at"))
                .bind(state.as_str()),
            rows::attempt,
        )
        .await
    }

    /// Updates an attempt on its own (no history entry).
    pub async fn save_attempt(&self, a: &AttemptRecord) -> Result<(), StoreError> {
        self.write_attempt(a, update_stmt(a)?).await.map(drop)
    }

    /// Updates an attempt on its own only if it is still in state `was`; `false` when it
    /// moved on. For writes decided on a gateway lookup made while another holder could
    /// have finished the attempt (recovery): what that holder wrote is never written over.
    pub async fn save_attempt_if(
        &self,
        a: &AttemptRecord,
        was: AttemptState,
    ) -> Result<bool, StoreError> {
        let stmt = update_stmt(a)?.only_if("state", was.as_str());
        self.write_attempt(a, stmt).await
    }

    /// Runs `stmt`, an update of `a`, under its session's row lock; whether it took.
    async fn write_attempt(&self, a: &AttemptRecord, stmt: Stmt) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        self.lock_session(&mut tx, &a.session_id.to_string())
            .await?;
        let done = stmt
            .query()
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict(e, "gateway payment id"))?;
        tx.commit().await?;
        self.forget_status(a.session_id);
        Ok(done.rows_affected() > 0)
    }
}

/// The update of every mutable column of `a`.
pub(super) fn update_stmt(a: &AttemptRecord) -> Result<Stmt, StoreError> {
    Ok(bind_changes(
        Stmt::new(
            "UPDATE payment_attempts SET state = $1, gateway_payment_id = $2, gateway_uuid = $3, \
             payment_status = $4, paid_amount_kopecks = $5, requisites = $6, last_error = $7, \
             next_poll_at = $8, poll_interval_secs = $9, updated_at = $10 \
             WHERE session_id = $11 AND number = $12",
        ),
        a,
    )?
    .bind(a.session_id.to_string())
    .bind(i64::from(a.number)))
}

/// Binds, in this order, the columns a change of an attempt writes: `state`,
/// `gateway_payment_id`, `gateway_uuid`, `payment_status`, `paid_amount_kopecks`, `requisites`,
/// `last_error`, `next_poll_at`, `poll_interval_secs`, `updated_at`.
fn bind_changes(stmt: Stmt, a: &AttemptRecord) -> Result<Stmt, StoreError> {
    Ok(stmt
        .bind(a.state.as_str())
        .bind(gateway_id(a.gateway_payment_id))
        .bind(a.gateway_uuid.map(|u| u.to_string()))
        .bind(a.payment_status.map(|s| s.as_str()))
        .bind(
            a.paid_amount
                .map(|p| i64::try_from(p.kopecks()).unwrap_or(i64::MAX)),
        )
        .bind(requisites_json(a)?)
        .bind(a.last_error.clone())
        .bind(a.next_poll_at.map(ms))
        .bind(a.poll_interval_secs.map(i64::from))
        .bind(ms(a.updated_at)))
}

impl Store {
    /// Sets only the reconciler's schedule of an attempt (never races a status change).
    pub async fn schedule_poll(
        &self,
        session: SessionId,
        number: u32,
        next_poll_at: Option<OffsetDateTime>,
        interval_secs: Option<u32>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payment_attempts SET next_poll_at = $1, poll_interval_secs = $2 \
             WHERE session_id = $3 AND number = $4",
        )
        .bind(next_poll_at.map(ms))
        .bind(interval_secs.map(i64::from))
        .bind(session.to_string())
        .bind(i64::from(number))
        .execute(&mut *self.write().await?)
        .await?;
        Ok(())
    }
}
