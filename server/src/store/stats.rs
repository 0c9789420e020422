//! Counts for `/metrics`: sessions by status, payment attempts by the gateway's status.

use sqlx::Row as _;

use super::{Store, StoreError};

impl Store {
    /// `(status, sessions)` for every status present.
    pub async fn session_counts_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.counts("SELECT status, COUNT(*) AS n FROM sessions GROUP BY status")
            .await
    }

    /// How many sessions need the merchant's attention.
    pub async fn sessions_needing_attention(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE needs_attention = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// `(payment_status, attempts)` for every gateway status present; attempts without one
    /// yet (being created, refused) count under `none`.
    pub async fn attempt_counts_by_payment_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.counts(
            "SELECT COALESCE(payment_status, 'none') AS status, COUNT(*) AS n \
             FROM payment_attempts GROUP BY COALESCE(payment_status, 'none')",
        )
        .await
    }

    /// `(status, n)` rows of a `GROUP BY` query.
    pub(super) async fn counts(&self, sql: &'static str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("status")?,
                    row.try_get::<i64, _>("n")?,
                ))
            })
            .collect()
    }
}
