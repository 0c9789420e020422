//! Session rows, the status history and multi-row changes.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};
use time::OffsetDateTime;

use shared::api::{SessionId, SessionToken, StatusChange};
use shared::{Amount, SessionStatus};

use crate::page::Cursor;

use super::rows;
use super::writer::{Stmt, atomically};
use super::{Backend, Change, SessionRecord, Store, StoreError, attempts, conflict, ms, parse};

/// Filters of the session list; newest first.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<SessionStatus>,
    /// Only sessions that need (`true`) or do not need (`false`) the merchant's attention.
    pub needs_attention: Option<bool>,
    /// Only sessions with an attempt of this method.
    pub method: Option<shared::Method>,
    /// Only this order id.
    pub order_id: Option<String>,
    /// Only this buyer.
    pub customer_user_id: Option<String>,
    /// Created at or after.
    pub created_from: Option<OffsetDateTime>,
    /// Created before.
    pub created_to: Option<OffsetDateTime>,
    /// Amount asked at least (kopecks).
    pub amount_min: Option<u64>,
    /// Amount asked at most (kopecks).
    pub amount_max: Option<u64>,
    /// Only sessions this text names: their order id, session id, a gateway payment id of
    /// one of their attempts, or the start of their token (4 characters at least).
    pub search: Option<String>,
    /// Continue after this item.
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: u32,
}

impl Store {
    /// Inserts a new session and its first history entry. A taken `order_id` gives
    /// [`StoreError::Conflict`] `{ what: "order_id" }`.
    pub async fn insert_session(
        &self,
        s: &SessionRecord,
        created: &StatusChange,
    ) -> Result<(), StoreError> {
        let methods: Vec<&str> = s.methods.iter().map(|m| m.as_str()).collect();
        let metadata = s
            .metadata
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))?;
        let insert = Stmt::new(
            "INSERT INTO sessions (id, token, order_id, amount_kopecks, customer_user_id, methods, \
             description, locale, success_url, fail_url, metadata, status, current_attempt, \
             created_at, updated_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(s.id.to_string())
        .bind(s.token.as_str())
        .bind(s.order_id.as_str())
        .bind(i64::try_from(s.amount.kopecks()).unwrap_or(i64::MAX))
        .bind(s.customer_user_id.as_str())
        .bind(methods.join(","))
        .bind(s.description.as_ref().map(|d| d.as_str().to_owned()))
        .bind(s.locale.as_str())
        .bind(s.success_url.as_ref().map(|u| u.as_str().to_owned()))
        .bind(s.fail_url.as_ref().map(|u| u.as_str().to_owned()))
        .bind(metadata)
        .bind(s.status.as_str())
        .bind(s.current_attempt.map(i64::from))
        .bind(ms(s.created_at))
        .bind(ms(s.updated_at))
        .bind(ms(s.expires_at));
        atomically(self, &[&insert, &history_stmt(&s.id, created)])
            .await
            .map_err(|e| match e {
                StoreError::Database(e) => {
                    let order = matches!(&e, sqlx::Error::Database(db)
                        if db.message().contains("order_id"));
                    conflict(e, if order { "order_id" } else { "token" })
                }
                other => other,
            })?;
        self.token_ids.put(s.token.as_str(), s.id);
        Ok(())
    }

    /// The id of the session with this token: from memory once known (a token never moves).
    pub async fn session_id_by_token(
        &self,
        token: &SessionToken,
    ) -> Result<Option<SessionId>, StoreError> {
        if let Some(id) = self.token_ids.get(token.as_str()) {
            return Ok(Some(id));
        }
        let Some(row) = sqlx::query("SELECT id FROM sessions WHERE token = $1")
            .bind(token.as_str())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let id: String = sqlx::Row::try_get(&row, "id")?;
        let id = parse::<SessionId>("id", &id)?;
        self.token_ids.put(token.as_str(), id);
        Ok(Some(id))
    }

    /// The session with this id.
    pub async fn session_by_id(&self, id: SessionId) -> Result<Option<SessionRecord>, StoreError> {
        self.read_one(
            sqlx::query(rows::select!(sessions "WHERE id = $1")).bind(id.to_string()),
            rows::session,
        )
        .await
    }

    /// The session with this token.
    pub async fn session_by_token(
        &self,
        token: &SessionToken,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.read_one(
            sqlx::query(rows::select!(sessions "WHERE token = $1")).bind(token.as_str()),
            rows::session,
        )
        .await
    }

    /// The session with this merchant order id.
    pub async fn session_by_order_id(
        &self,
        order_id: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.read_one(
            sqlx::query(rows::select!(sessions "WHERE order_id = $1")).bind(order_id),
            rows::session,
        )
        .await
    }

    /// A page of sessions, newest first.
    pub async fn list_sessions(&self, f: &ListFilter) -> Result<Vec<SessionRecord>, StoreError> {
        // Placeholders are numbered by hand: the `Any` driver's query builder writes `?`,
        // which PostgreSQL does not accept.
        let mut sql = String::from(rows::select!(sessions "WHERE 1 = 1"));
        let mut args = AnyArguments::default();
        if let Some(status) = f.status {
            let p = arg(&mut args, status.as_str())?;
            sql.push_str(&format!(" AND status = {p}"));
        }
        if let Some(attention) = f.needs_attention {
            let p = arg(&mut args, i64::from(attention))?;
            sql.push_str(&format!(" AND needs_attention = {p}"));
        }
        if let Some(method) = f.method {
            let p = arg(&mut args, method.as_str())?;
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM payment_attempts a \
                 WHERE a.session_id = sessions.id AND a.method = {p})"
            ));
        }
        if let Some(order_id) = &f.order_id {
            let p = arg(&mut args, order_id.as_str())?;
            sql.push_str(&format!(" AND order_id = {p}"));
        }
        if let Some(customer) = &f.customer_user_id {
            let p = arg(&mut args, customer.as_str())?;
            sql.push_str(&format!(" AND customer_user_id = {p}"));
        }
        if let Some(min) = f.amount_min {
            let p = arg(&mut args, i64::try_from(min).unwrap_or(i64::MAX))?;
            sql.push_str(&format!(" AND amount_kopecks >= {p}"));
        }
        if let Some(max) = f.amount_max {
            let p = arg(&mut args, i64::try_from(max).unwrap_or(i64::MAX))?;
            sql.push_str(&format!(" AND amount_kopecks <= {p}"));
        }
        if let Some(text) = &f.search {
            let p = arg(&mut args, text.as_str())?;
            let mut any = vec![format!("order_id = {p}")];
            if let Ok(id) = SessionId::parse(text) {
                let p = arg(&mut args, id.to_string())?;
                any.push(format!("id = {p}"));
            }
            if let Ok(gateway_id) = text.parse::<i64>() {
                let p = arg(&mut args, gateway_id)?;
                any.push(format!(
                    "id IN (SELECT session_id FROM payment_attempts WHERE gateway_payment_id = {p})"
                ));
            }
            let token_like = text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if text.len() >= 4 && token_like {
                let n = arg(&mut args, i64::try_from(text.len()).unwrap_or(i64::MAX))?;
                // SUBSTR, not LIKE: `_` is a token character, and LIKE ignores case on SQLite.
                any.push(format!("SUBSTR(token, 1, CAST({n} AS INTEGER)) = {p}"));
            }
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
        if let Some(from) = f.created_from {
            let p = arg(&mut args, ms(from))?;
            sql.push_str(&format!(" AND created_at >= {p}"));
        }
        if let Some(to) = f.created_to {
            let p = arg(&mut args, ms(to))?;
            sql.push_str(&format!(" AND created_at < {p}"));
        }
        if let Some(c) = &f.cursor {
            let at = arg(&mut args, c.created_at_ms)?;
            let id = arg(&mut args, c.id.as_str())?;
            sql.push_str(&format!(
                " AND (created_at < {at} OR (created_at = {at} AND id < {id}))"
            ));
        }
        let p = arg(&mut args, i64::from(f.limit))?;
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {p}"));
        // Safe: `sql` is built from the constant fragments above; every value is bound.
        let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), args);
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::session)
            .collect()
    }

    /// The session's status history, oldest first.
    pub async fn history(&self, id: SessionId) -> Result<Vec<StatusChange>, StoreError> {
        self.read_all(
            sqlx::query(
                "SELECT status, payment_status, gateway_payment_id, source, detail, at \
             FROM status_history WHERE session_id = $1 ORDER BY seq",
            )
            .bind(id.to_string()),
            rows::history,
        )
        .await
    }

    /// Ids of open or pending sessions whose deadline is at or before `now`.
    pub async fn sessions_due_to_expire(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<SessionId>, StoreError> {
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM sessions WHERE status IN ('open', 'pending') AND expires_at <= $1 \
             ORDER BY expires_at LIMIT $2",
        )
        .bind(ms(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        ids.into_iter()
            .map(|(id,)| super::parse("id", &id))
            .collect()
    }

    /// Writes a state change atomically: the session's status (with its current attempt and
    /// deadline), an attempt, a history entry.
    pub async fn commit(&self, change: Change<'_>) -> Result<(), StoreError> {
        let locked = change
            .session
            .map(|s| s.id)
            .or(change.attempt.map(|a| a.session_id));
        let history = match change.history {
            Some(entry) => {
                let id = locked
                    .ok_or_else(|| StoreError::Corrupt("history entry without a session".into()))?;
                Some(history_stmt(&id, entry))
            }
            None => None,
        };
        let attempt = change.attempt.map(attempts::update_stmt).transpose()?;
        let stale = |s: &SessionRecord| StoreError::StaleSession {
            session: s.id,
            to: s.status.as_str().to_owned(),
        };
        let eventful = change.event.is_some();
        match change.session {
            Some(s) if self.backend == Backend::Sqlite && !eventful => {
                // SQLite, no event: one write in the writer's group commit. The attempt and history
                // entry are written only if the guarded status update took, so a refused
                // change leaves nothing, as the rollback below does.
                let id = s.id.to_string();
                let rest: Vec<Stmt> = attempt
                    .into_iter()
                    .chain(history)
                    .map(|stmt| stmt.only_if_status(&id, s.status.as_str()))
                    .collect();
                let session = session_update_stmt(s);
                let mut statements = vec![&session];
                statements.extend(rest.iter());
                let rows = atomically(self, &statements).await.map_err(|e| match e {
                    StoreError::Database(e) => conflict(e, "gateway payment id"),
                    other => other,
                })?;
                if rows.is_empty() {
                    return Err(stale(s));
                }
            }
            _ => {
                let mut tx = self.begin().await?;
                if let Some(id) = locked {
                    self.lock_session(&mut tx, &id.to_string()).await?;
                }
                // Read under the lock: the event is written only if the session is still
                // what the change was decided on (another replica may have announced it).
                if let (Some(s), Some(event)) = (change.session, change.event) {
                    let before = super::session_events::money_before(&mut tx, s.id).await?;
                    if before != Some((event.status_before, event.paid_before)) {
                        return Err(stale(s));
                    }
                }
                if let Some(s) = change.session {
                    let row = session_update_stmt(s)
                        .query()
                        .fetch_optional(&mut *tx)
                        .await?;
                    if row.is_none() {
                        // Dropping `tx` rolls back: no attempt or history of a refused change
                        // is kept.
                        return Err(stale(s));
                    }
                }
                if let Some(a) = &attempt {
                    a.query()
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| conflict(e, "gateway payment id"))?;
                }
                if let Some(h) = &history {
                    h.query().execute(&mut *tx).await?;
                }
                if let (Some(s), Some(event)) = (change.session, change.event) {
                    // In this transaction, so the event is written if and only if the change
                    // is.
                    super::session_events::enqueue_event(&mut tx, s, event).await?;
                }
                tx.commit().await?;
            }
        }
        if let Some(id) = locked {
            self.forget_status(id);
        }
        Ok(())
    }
}

/// The next history entry of session `id` (numbered after the last one).
fn history_stmt(id: &SessionId, e: &StatusChange) -> Stmt {
    // `seq` in a subquery and a plain `WHERE` after it, so that a condition appended to it
    // ([`Stmt::only_if_status`]) can make it insert nothing (an aggregate query would still
    // give a row).
    Stmt::new(
        "INSERT INTO status_history (session_id, seq, status, payment_status, gateway_payment_id, \
         source, detail, at) \
         SELECT $1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM status_history WHERE session_id = $8), \
         $2, $3, $4, $5, $6, $7 WHERE TRUE",
    )
    .bind(id.to_string())
    .bind(e.status.as_str())
    .bind(e.payment_status.map(|s| s.as_str()))
    .bind(
        e.gateway_payment_id
            .map(|g| i64::try_from(g.get()).unwrap_or(i64::MAX)),
    )
    .bind(e.source.as_str())
    .bind(e.detail.clone())
    .bind(ms(e.at))
    .bind(id.to_string())
}

/// Writes the session's status, current attempt, times; returns its id only if the guard
/// lets it (see [`Store::commit`]).
fn session_update_stmt(s: &SessionRecord) -> Stmt {
    // The backstop against stale copies: a final status is never overwritten by another
    // one, except that money arriving may move a session that ended without all of it to
    // `paid` or `underpaid` (`SessionStatus::after_late_money`). Writing the status a row
    // already has is allowed (money, attention, current attempt, times).
    Stmt::new(
        "UPDATE sessions SET status = $1, current_attempt = $2, updated_at = $3, \
         expires_at = $5, paid_kopecks = $6, needs_attention = $7 WHERE id = $4 \
         AND (status IN ('open', 'pending') OR status = $1 \
         OR ($1 IN ('paid', 'underpaid') \
             AND status IN ('expired', 'cancelled', 'failed', 'underpaid'))) RETURNING id",
    )
    .bind(s.status.as_str())
    .bind(s.current_attempt.map(i64::from))
    .bind(ms(s.updated_at))
    .bind(s.id.to_string())
    .bind(ms(s.expires_at))
    .bind(s.paid_amount.map(kopecks))
    .bind(i64::from(s.needs_attention))
}

/// Binds `value` as the next argument; its placeholder (`$n`).
fn arg<'t, T>(args: &mut AnyArguments, value: T) -> Result<String, StoreError>
where
    T: sqlx::Encode<'t, Any> + sqlx::Type<Any>,
{
    args.add(value)
        .map_err(|e| StoreError::Corrupt(format!("a list filter's value: {e}")))?;
    Ok(format!("${}", args.len()))
}

/// Kopecks as stored.
fn kopecks(amount: Amount) -> i64 {
    i64::try_from(amount.kopecks()).unwrap_or(i64::MAX)
}
