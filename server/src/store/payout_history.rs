//! Each payout's history (migration 0010): one row per change, written in the transaction of
//! the change itself ([`Store::insert_payout`], [`Store::update_payout`]); read by the
//! dashboard's payout timeline.

use shared::{PaymentStatus, PayoutStatus};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::{PayoutState, Store, StoreError, Tx, ms, parse, time};

/// One entry of a payout's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutChange {
    /// When.
    pub at: OffsetDateTime,
    /// What made it: `created`, `send`, `resend`, `lookup`, `poll`, `notification`, `refresh`.
    pub source: String,
    /// The create call's standing after it.
    pub state: PayoutState,
    /// The public status after it.
    pub status: PayoutStatus,
    /// The gateway's status after it.
    pub gateway_status: Option<PaymentStatus>,
    /// Who created it, the gateway id learnt, the error.
    pub detail: Option<String>,
}

/// Appends `change` to payout `id`'s history inside `tx`.
pub(super) async fn append(tx: &mut Tx, id: &str, change: &PayoutChange) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payout_history (payout_id, seq, at, source, state, status, gateway_status, \
         detail) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payout_history \
         WHERE payout_id = $1), $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(ms(change.at))
    .bind(change.source.as_str())
    .bind(change.state.as_str())
    .bind(change.status.as_str())
    .bind(change.gateway_status.map(PaymentStatus::as_str))
    .bind(change.detail.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn change(row: &AnyRow) -> Result<PayoutChange, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(PayoutChange {
        at: time(row.try_get("at")?)?,
        source: row.try_get("source")?,
        state: PayoutState::from_name(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("payout_history.state {state:?}")))?,
        status: parse(
            "payout_history.status",
            &row.try_get::<String, _>("status")?,
        )?,
        gateway_status: row
            .try_get::<Option<String>, _>("gateway_status")?
            .map(|s| parse("payout_history.gateway_status", &s))
            .transpose()?,
        detail: row.try_get("detail")?,
    })
}

impl Store {
    /// Payout `id`'s history, oldest first.
    pub async fn payout_history(&self, id: &str) -> Result<Vec<PayoutChange>, StoreError> {
        let q = sqlx::query(
            "SELECT at, source, state, status, gateway_status, detail FROM payout_history \
             WHERE payout_id = $1 ORDER BY seq LIMIT 500",
        )
        .bind(id);
        self.read_all(q, change).await
    }
}
