//! The widget's hottest read: a session's status by token, in one indexed query.

use std::time::Instant;

use time::OffsetDateTime;

use shared::api::SessionId;
use shared::{Amount, PaymentStatus, SessionStatus};

use super::{Store, StoreError, parse, time};

/// What a status poll needs of a session and its current attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    /// The session.
    pub id: SessionId,
    /// Its status.
    pub status: SessionStatus,
    /// The gateway's status of the attempt the buyer sees, if any.
    pub payment_status: Option<PaymentStatus>,
    /// Money received so far.
    pub paid_amount: Option<Amount>,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Deadline.
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// The status of the session with this token (no requisites, no metadata: polls are
    /// the most frequent request and read only these five columns).
    ///
    /// Answers from [`StatusCache`](super::status_cache::StatusCache) while the session is
    /// unchanged.
    pub async fn status_by_token(&self, token: &str) -> Result<Option<StatusRow>, StoreError> {
        if let Some(row) = self.status_cache.get(token, Instant::now()) {
            return Ok(Some(row));
        }
        let read_at = Instant::now();
        let row = self.read_status(token).await?;
        if let Some(row) = &row {
            self.status_cache.put(token, row.clone(), read_at);
        }
        Ok(row)
    }

    /// Forgets the cached status of session `id` (another replica changed it).
    pub fn forget_status(&self, id: SessionId) {
        self.status_cache.forget(id, Instant::now());
    }

    /// Forgets every cached status (changes by other replicas may have been missed).
    pub fn forget_all_statuses(&self) {
        self.status_cache.clear();
    }

    async fn read_status(&self, token: &str) -> Result<Option<StatusRow>, StoreError> {
        type Row = (String, String, Option<String>, Option<i64>, i64, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT s.id, s.status, a.payment_status, s.paid_kopecks, s.updated_at, s.expires_at \
             FROM sessions s LEFT JOIN payment_attempts a \
             ON a.session_id = s.id AND a.number = s.current_attempt \
             WHERE s.token = $1",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        row.map(
            |(id, status, payment_status, paid, updated_at, expires_at)| {
                Ok(StatusRow {
                    id: parse("id", &id)?,
                    status: parse("status", &status)?,
                    payment_status: payment_status
                        .map(|p| parse("payment_status", &p))
                        .transpose()?,
                    paid_amount: paid
                        .map(|k| super::rows::kopecks("paid_kopecks", k))
                        .transpose()?,
                    updated_at: time(updated_at)?,
                    expires_at: time(expires_at)?,
                })
            },
        )
        .transpose()
    }
}
