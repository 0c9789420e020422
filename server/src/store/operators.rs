//! Dashboard operators, their signed-in sessions and failed-login counters (rows only; the
//! rules live in `crate::operators`).

use sqlx::Row as _;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{Store, StoreError, conflict, ms, time};

/// An operator as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    /// Id (UUID).
    pub id: String,
    /// Lower-cased e-mail, unique.
    pub email: String,
    /// `viewer` or `operator`.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last password change.
    pub password_changed_at: OffsetDateTime,
}

/// A signed-in browser as stored, with its operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardSessionRecord {
    /// Its operator.
    pub operator: OperatorRecord,
    /// The CSRF token every change must carry.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
}

const OPERATOR_COLUMNS: &str =
    "o.id, o.email, o.role, o.password_hash, o.created_at, o.password_changed_at";

fn operator(row: &AnyRow) -> Result<OperatorRecord, StoreError> {
    Ok(OperatorRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: row.try_get("role")?,
        password_hash: row.try_get("password_hash")?,
        created_at: time(row.try_get("created_at")?)?,
        password_changed_at: time(row.try_get("password_changed_at")?)?,
    })
}

impl Store {
    /// Stores a new operator; a taken e-mail is [`StoreError::Conflict`] `{ what: "email" }`.
    pub async fn insert_operator(&self, o: &OperatorRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operators (id, email, role, password_hash, created_at, \
             password_changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&o.id)
        .bind(&o.email)
        .bind(&o.role)
        .bind(&o.password_hash)
        .bind(ms(o.created_at))
        .bind(ms(o.password_changed_at))
        .execute(&mut *self.write().await?)
        .await
        .map_err(|e| conflict(e, "email"))?;
        Ok(())
    }

    /// Every operator, by e-mail.
    pub async fn operators(&self) -> Result<Vec<OperatorRecord>, StoreError> {
        self.read_all(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {OPERATOR_COLUMNS} FROM operators o ORDER BY o.email"
            ))),
            operator,
        )
        .await
    }

    /// The operator with this (lower-cased) e-mail.
    pub async fn operator_by_email(
        &self,
        email: &str,
    ) -> Result<Option<OperatorRecord>, StoreError> {
        self.read_one(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {OPERATOR_COLUMNS} FROM operators o WHERE o.email = $1"
            )))
            .bind(email),
            operator,
        )
        .await
    }

    /// Removes an operator and signs out all of their browsers; `false` if there was none.
    pub async fn delete_operator(&self, email: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        sign_out_everywhere(&mut tx, email).await?;
        let done = sqlx::query("DELETE FROM operators WHERE email = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets an operator's password hash and signs out all of their browsers (one
    /// transaction); `false` if there is no such operator.
    pub async fn set_operator_password(
        &self,
        email: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE operators SET password_hash = $1, password_changed_at = $2 WHERE email = $3",
        )
        .bind(password_hash)
        .bind(ms(now))
        .bind(email)
        .execute(&mut *tx)
        .await?;
        sign_out_everywhere(&mut tx, email).await?;
        // The e-mail's own count and its counts per address (`<email> <address>`).
        sqlx::query(
            "DELETE FROM login_failures WHERE email = $1 \
             OR SUBSTR(email, 1, LENGTH($1) + 1) = $1 || ' '",
        )
        .bind(email)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a signed-in browser.
    pub async fn insert_dashboard_session(
        &self,
        token_sha256: &str,
        operator_id: &str,
        csrf_token: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO dashboard_sessions (token_sha256, operator_id, csrf_token, created_at, \
             last_seen_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(token_sha256)
        .bind(operator_id)
        .bind(csrf_token)
        .bind(ms(now))
        .execute(&mut *self.write().await?)
        .await?;
        Ok(())
    }

    /// The signed-in browser whose token hashes to `token_sha256`, with its operator.
    pub async fn dashboard_session(
        &self,
        token_sha256: &str,
    ) -> Result<Option<DashboardSessionRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS}, s.csrf_token, s.created_at AS s_created, \
             s.last_seen_at FROM dashboard_sessions s JOIN operators o ON o.id = s.operator_id \
             WHERE s.token_sha256 = $1"
        )))
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| {
                Ok(DashboardSessionRecord {
                    operator: operator(row)?,
                    csrf_token: row.try_get("csrf_token")?,
                    created_at: time(row.try_get("s_created")?)?,
                    last_seen_at: time(row.try_get("last_seen_at")?)?,
                })
            })
            .transpose()
    }

    /// Notes a request of a signed-in browser (the idle timeout restarts).
    pub async fn touch_dashboard_session(
        &self,
        token_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE dashboard_sessions SET last_seen_at = $1 WHERE token_sha256 = $2")
            .bind(ms(now))
            .bind(token_sha256)
            .execute(&mut *self.write().await?)
            .await?;
        Ok(())
    }

    /// Signs one browser out.
    pub async fn delete_dashboard_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM dashboard_sessions WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(&mut *self.write().await?)
            .await?;
        Ok(())
    }

    /// Failed logins counted under each of `keys` so far and the time of the last one (in
    /// the order of `keys`). A key is an e-mail, or names an address (see
    /// `operators::failure_keys`); the column is still called `email`.
    pub async fn login_failures(
        &self,
        keys: &[&str; 3],
    ) -> Result<[Option<(u32, OffsetDateTime)>; 3], StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT email, failures, last_failure_at FROM login_failures \
             WHERE email IN ($1, $2, $3)",
        )
        .bind(keys[0])
        .bind(keys[1])
        .bind(keys[2])
        .fetch_all(&self.pool)
        .await?;
        let mut out = [None; 3];
        for (key, n, at) in rows {
            if let Some(i) = keys.iter().position(|k| *k == key) {
                out[i] = Some((u32::try_from(n).unwrap_or(u32::MAX), time(at)?));
            }
        }
        Ok(out)
    }

    /// Counts one more failed login under each of `keys` (a count whose last failure is
    /// before `forget_before` starts again from one); the new counts, in order.
    pub async fn record_login_failure(
        &self,
        keys: &[&str; 3],
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<[u32; 3], StoreError> {
        let mut tx = self.begin().await?;
        let mut out = [0; 3];
        for (i, key) in keys.iter().enumerate() {
            let (n,): (i64,) = sqlx::query_as(
                "INSERT INTO login_failures (email, failures, last_failure_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (email) DO UPDATE SET failures = CASE \
                 WHEN login_failures.last_failure_at < $3 THEN 1 \
                 ELSE login_failures.failures + 1 END, last_failure_at = $2 RETURNING failures",
            )
            .bind(*key)
            .bind(ms(now))
            .bind(ms(forget_before))
            .fetch_one(&mut *tx)
            .await?;
            out[i] = u32::try_from(n).unwrap_or(u32::MAX);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Forgets the failed logins counted under `keys` (after a successful login).
    pub async fn clear_login_failures(&self, keys: &[&str; 3]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE email IN ($1, $2, $3)")
            .bind(keys[0])
            .bind(keys[1])
            .bind(keys[2])
            .execute(&mut *self.write().await?)
            .await?;
        Ok(())
    }
}

/// Deletes every signed-in browser of the operator with this e-mail.
async fn sign_out_everywhere(tx: &mut super::Tx, email: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM dashboard_sessions WHERE operator_id IN \
         (SELECT id FROM operators WHERE email = $1)",
    )
    .bind(email)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
