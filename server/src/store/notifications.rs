//! Gateway notifications as received (migration 0009): written by the notifications journal
//! (`notify/journal.rs`), read by the dashboard's timelines. The session or payout a
//! notification names is found when it is written, from the gateway id or order id it claims.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{Store, StoreError, ms, time};

/// A received notification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// Whether it was refused (or not applied).
    pub refused: bool,
    /// What applying did, or the refusal's code.
    pub outcome: String,
    /// The sender's address.
    pub client: String,
    /// `payment` or `payout`, as claimed.
    pub kind: Option<String>,
    /// The gateway id it claims.
    pub gateway_id: Option<i64>,
    /// The gateway order id it claims.
    pub order_id: Option<String>,
    /// A short excerpt of its fields.
    pub excerpt: Option<String>,
}

/// A recorded notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// What was received, as recorded.
    pub received: NewNotification,
    /// The session it named, if one matched.
    pub session_id: Option<String>,
    /// The payout it named, if one matched.
    pub payout_id: Option<String>,
}

macro_rules! columns {
    () => {
        "received_at, refused, outcome, client, kind, gateway_id, order_id, excerpt, session_id, \
         payout_id"
    };
}

fn record(row: &AnyRow) -> Result<NotificationRecord, StoreError> {
    Ok(NotificationRecord {
        received: NewNotification {
            received_at: time(row.try_get("received_at")?)?,
            refused: row.try_get::<i64, _>("refused")? != 0,
            outcome: row.try_get("outcome")?,
            client: row.try_get("client")?,
            kind: row.try_get("kind")?,
            gateway_id: row.try_get("gateway_id")?,
            order_id: row.try_get("order_id")?,
            excerpt: row.try_get("excerpt")?,
        },
        session_id: row.try_get("session_id")?,
        payout_id: row.try_get("payout_id")?,
    })
}

impl Store {
    /// Records `n`, naming the session (for a payment) or payout whose gateway id or order id
    /// it claims.
    pub async fn record_notification(&self, n: &NewNotification) -> Result<(), StoreError> {
        let payout = n.kind.as_deref() == Some("payout");
        let (session_keys, payout_keys) = if payout {
            ((None, None), (n.gateway_id, n.order_id.clone()))
        } else {
            ((n.gateway_id, n.order_id.clone()), (None, None))
        };
        sqlx::query(
            "INSERT INTO notifications_received (id, received_at, refused, outcome, client, kind, \
             gateway_id, order_id, excerpt, session_id, payout_id) VALUES ($1, $2, $3, $4, $5, \
             $6, $7, $8, $9, \
             (SELECT session_id FROM payment_attempts WHERE gateway_payment_id = $10 \
              OR gateway_order_id = $11 LIMIT 1), \
             (SELECT id FROM payouts WHERE gateway_payout_id = $12 OR gateway_order_id = $13 \
              LIMIT 1))",
        )
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(ms(n.received_at))
        .bind(i64::from(n.refused))
        .bind(&n.outcome)
        .bind(&n.client)
        .bind(&n.kind)
        .bind(n.gateway_id)
        .bind(&n.order_id)
        .bind(&n.excerpt)
        .bind(session_keys.0)
        .bind(session_keys.1)
        .bind(payout_keys.0)
        .bind(payout_keys.1)
        .execute(&mut *self.write().await?)
        .await?;
        Ok(())
    }

    /// The notifications that named session `id`, oldest first (at most `limit`).
    pub async fn session_notifications(
        &self,
        id: &str,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let q = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM notifications_received WHERE session_id = $1 ORDER BY received_at LIMIT $2"
        ))
        .bind(id)
        .bind(i64::from(limit));
        self.read_all(q, record).await
    }

    /// The notifications that named payout `id`, oldest first (at most `limit`).
    pub async fn payout_notifications(
        &self,
        id: &str,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let q = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM notifications_received WHERE payout_id = $1 ORDER BY received_at LIMIT $2"
        ))
        .bind(id)
        .bind(i64::from(limit));
        self.read_all(q, record).await
    }

    /// The latest refused notifications that named no session and no payout, newest first.
    pub async fn untied_refused_notifications(
        &self,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let q = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM notifications_received WHERE refused = 1 AND session_id IS NULL \
             AND payout_id IS NULL ORDER BY received_at DESC LIMIT $1"
        ))
        .bind(i64::from(limit));
        self.read_all(q, record).await
    }

    /// Deletes refused notifications received before `before`, and all but the newest `keep`
    /// refused ones; how many went.
    pub async fn prune_refused_notifications(
        &self,
        before: OffsetDateTime,
        keep: u32,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let old = sqlx::query(
            "DELETE FROM notifications_received WHERE refused = 1 AND received_at < $1",
        )
        .bind(ms(before))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let extra = sqlx::query(
            "DELETE FROM notifications_received WHERE refused = 1 AND received_at < \
             (SELECT received_at FROM notifications_received WHERE refused = 1 \
              ORDER BY received_at DESC LIMIT 1 OFFSET $1)",
        )
        .bind(i64::from(keep.saturating_sub(1)))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(old + extra)
    }
}
