//! Payout rows (`server/migrations/0002_payouts.sql`, `0006_payouts_unknown.sql`).
//!
//! Every write after the insert is guarded by the row's `version` (compare and bump), so a
//! notification, the reconciler, a start-up recovery on another replica and the create call
//! itself can race freely: exactly one of two concurrent writers wins, the other re-reads.
//! A write that makes the status final enqueues its merchant event in the same transaction.
//!
//! Long (~450 lines): every statement on the `payouts` table and the one row mapping they
//! share, so a column change is made in one file.

use sqlx::Row as _;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use shared::gateway::ValidationErrorBody;
use shared::{
    AccountNumber, Amount, BankCode, BankMemberId, Bic, Description, GatewayPaymentId, Money,
    OrderId, PaymentStatus, PayoutKind, PayoutStatus, Phone,
};

use super::outbox::{self, NewEvent};
use super::payout_history::{self, PayoutChange};
use super::{PayoutRequest, PayoutState, Recipient, Store, StoreError, conflict, ms, time};
use crate::page::Cursor;

/// A payout as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRecord {
    /// Our id (UUID).
    pub id: String,
    /// The `Idempotency-Key` it was created with (unique).
    pub idempotency_key: String,
    /// SHA-256 hex of the canonical request.
    pub request_hash: String,
    /// What was asked for (an account payout's `bank` is the `customer_code` sent).
    pub request: PayoutRequest,
    /// The gateway service.
    pub service: String,
    /// The `order_id` of every send (unique).
    pub gateway_order_id: OrderId,
    /// Where the create call stands.
    pub state: PayoutState,
    /// The gateway's id, once known.
    pub gateway_payout_id: Option<GatewayPaymentId>,
    /// The gateway's last status.
    pub gateway_status: Option<PaymentStatus>,
    /// Amount paid out, when reported.
    pub paid_amount: Option<Money>,
    /// The gateway's refusal, when refused.
    pub rejection: Option<ValidationErrorBody>,
    /// The last problem, for the merchant and operators.
    pub last_error: Option<String>,
    /// Create calls made.
    pub sends: u32,
    /// When the gateway first said it has no payout under `gateway_order_id`.
    pub first_not_found_at: Option<OffsetDateTime>,
    /// Write guard: the version read.
    pub version: i64,
    /// When the reconciler looks at it next (`None`: never again).
    pub next_check_at: Option<OffsetDateTime>,
    /// The reconciler's current backoff step.
    pub check_interval_secs: Option<u32>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When the status became final.
    pub finished_at: Option<OffsetDateTime>,
}

impl PayoutRecord {
    /// The status the merchant sees.
    pub fn status(&self) -> PayoutStatus {
        match self.state {
            PayoutState::Sending | PayoutState::Unknown => PayoutStatus::Creating,
            PayoutState::Unresolved => PayoutStatus::Unknown,
            PayoutState::Refused => PayoutStatus::Rejected,
            PayoutState::Sent => self
                .gateway_status
                .map_or(PayoutStatus::Pending, PayoutStatus::from_gateway),
        }
    }
}

/// The columns [`payout_row`] reads (a macro, so queries stay `&'static str` via `concat!`).
macro_rules! columns {
    () => {
        "id, idempotency_key, request_hash, kind, amount_kopecks, phone, bank_member_id, \
         account_number, bic, bank, holder, order_id, description, service, gateway_order_id, \
         state, status, gateway_payout_id, gateway_status, paid_amount_kopecks, rejection, \
         last_error, sends, version, next_check_at, check_interval_secs, created_at, \
         updated_at, finished_at, first_not_found_at"
    };
}

/// `SELECT <columns> FROM payouts <rest>`.
macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT ", columns!(), " FROM payouts ", $rest)
    };
}

/// The recipient's columns: phone, bank member id, account, BIC, bank, holder.
type RecipientColumns<'a> = [Option<&'a str>; 6];

fn recipient_columns(r: &Recipient) -> RecipientColumns<'_> {
    match r {
        Recipient::Sbp {
            phone,
            bank_member_id,
        } => [
            Some(phone.as_str()),
            Some(bank_member_id.as_str()),
            None,
            None,
            None,
            None,
        ],
        Recipient::Account {
            account,
            bic,
            bank,
            holder,
        } => [
            None,
            None,
            Some(account.as_str()),
            Some(bic.as_str()),
            bank.as_ref().map(BankCode::as_str),
            holder.as_deref(),
        ],
    }
}

fn gateway_id(id: Option<GatewayPaymentId>) -> Option<i64> {
    id.map(|g| i64::try_from(g.get()).unwrap_or(i64::MAX))
}

fn rejection_json(r: &PayoutRecord) -> Result<Option<String>, StoreError> {
    r.rejection
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("rejection: {e}")))
}

impl Store {
    /// Inserts a new payout (in state `sending`, committed before the create call) with its
    /// first history entry, `created` by `created_by`. A taken idempotency key gives
    /// [`StoreError::Conflict`] `idempotency_key`.
    pub async fn insert_payout(
        &self,
        p: &PayoutRecord,
        created_by: &str,
    ) -> Result<(), StoreError> {
        let [phone, member, account, bic, bank, holder] = recipient_columns(&p.request.recipient);
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO payouts (id, idempotency_key, request_hash, kind, amount_kopecks, phone, \
             bank_member_id, account_number, bic, bank, holder, order_id, description, service, \
             gateway_order_id, state, status, gateway_payout_id, gateway_status, \
             paid_amount_kopecks, rejection, last_error, sends, version, next_check_at, \
             check_interval_secs, created_at, updated_at, finished_at, first_not_found_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
        )
        .bind(p.id.as_str())
        .bind(p.idempotency_key.as_str())
        .bind(p.request_hash.as_str())
        .bind(p.request.recipient.kind().as_str())
        .bind(i64::try_from(p.request.amount.kopecks()).unwrap_or(i64::MAX))
        .bind(phone)
        .bind(member)
        .bind(account)
        .bind(bic)
        .bind(bank)
        .bind(holder)
        .bind(p.request.order_id.as_ref().map(OrderId::as_str))
        .bind(p.request.description.as_ref().map(Description::as_str))
        .bind(p.service.as_str())
        .bind(p.gateway_order_id.as_str())
        .bind(p.state.as_str())
        .bind(p.status().as_str())
        .bind(gateway_id(p.gateway_payout_id))
        .bind(p.gateway_status.map(PaymentStatus::as_str))
        .bind(p.paid_amount.map(Money::kopecks))
        .bind(rejection_json(p)?)
        .bind(p.last_error.as_deref())
        .bind(i64::from(p.sends))
        .bind(p.version)
        .bind(p.next_check_at.map(ms))
        .bind(p.check_interval_secs.map(i64::from))
        .bind(ms(p.created_at))
        .bind(ms(p.updated_at))
        .bind(p.finished_at.map(ms))
        .bind(p.first_not_found_at.map(ms))
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, "idempotency_key"))?;
        let created = PayoutChange {
            at: p.created_at,
            source: "created".to_owned(),
            state: p.state,
            status: p.status(),
            gateway_status: p.gateway_status,
            detail: Some(created_by.to_owned()),
        };
        payout_history::append(&mut tx, &p.id, &created).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes `p` if the stored row still has `p.version` (then bumps `p.version`), and
    /// enqueues `event` and appends `change` to its history in the same transaction.
    /// `false`: someone else wrote first; nothing was written, re-read and decide again.
    pub async fn update_payout(
        &self,
        p: &mut PayoutRecord,
        event: Option<&NewEvent>,
        change: Option<&PayoutChange>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE payouts SET state = $1, status = $2, gateway_payout_id = $3, \
             gateway_status = $4, paid_amount_kopecks = $5, rejection = $6, last_error = $7, \
             sends = $8, version = version + 1, next_check_at = $9, check_interval_secs = $10, \
             updated_at = $11, finished_at = $12, bank = $13, first_not_found_at = $14 \
             WHERE id = $15 AND version = $16",
        )
        .bind(p.state.as_str())
        .bind(p.status().as_str())
        .bind(gateway_id(p.gateway_payout_id))
        .bind(p.gateway_status.map(PaymentStatus::as_str))
        .bind(p.paid_amount.map(Money::kopecks))
        .bind(rejection_json(p)?)
        .bind(p.last_error.as_deref())
        .bind(i64::from(p.sends))
        .bind(p.next_check_at.map(ms))
        .bind(p.check_interval_secs.map(i64::from))
        .bind(ms(p.updated_at))
        .bind(p.finished_at.map(ms))
        .bind(recipient_columns(&p.request.recipient)[4])
        .bind(p.first_not_found_at.map(ms))
        .bind(p.id.as_str())
        .bind(p.version)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, "gateway_payout_id"))?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(event) = event {
            outbox::enqueue(&mut tx, event).await?;
        }
        if let Some(change) = change {
            payout_history::append(&mut tx, &p.id, change).await?;
        }
        tx.commit().await?;
        p.version += 1;
        Ok(true)
    }

    /// The payout with our id.
    pub async fn payout(&self, id: &str) -> Result<Option<PayoutRecord>, StoreError> {
        self.read_one(sqlx::query(select!("WHERE id = $1")).bind(id), payout_row)
            .await
    }

    /// The payout created with this idempotency key.
    pub async fn payout_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<PayoutRecord>, StoreError> {
        self.read_one(
            sqlx::query(select!("WHERE idempotency_key = $1")).bind(key),
            payout_row,
        )
        .await
    }

    /// The payout sent under this gateway order id.
    pub async fn payout_by_gateway_order_id(
        &self,
        order_id: &str,
    ) -> Result<Option<PayoutRecord>, StoreError> {
        self.read_one(
            sqlx::query(select!("WHERE gateway_order_id = $1")).bind(order_id),
            payout_row,
        )
        .await
    }

    /// The payout with the gateway's id.
    pub async fn payout_by_gateway_id(
        &self,
        id: GatewayPaymentId,
    ) -> Result<Option<PayoutRecord>, StoreError> {
        self.read_one(
            sqlx::query(select!("WHERE gateway_payout_id = $1")).bind(gateway_id(Some(id))),
            payout_row,
        )
        .await
    }

    /// A page of payouts, newest first, after the previous page's last one.
    pub async fn list_payouts(
        &self,
        limit: u32,
        after: Option<Cursor>,
    ) -> Result<Vec<PayoutRecord>, StoreError> {
        let rows = match after {
            Some(Cursor { created_at_ms, id }) => {
                sqlx::query(select!(
                    "WHERE created_at < $1 OR (created_at = $1 AND id < $2) \
                     ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(created_at_ms)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(select!("ORDER BY created_at DESC, id DESC LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(payout_row).collect()
    }

    /// Payouts the reconciler should look at by `now` (lookups, resends, status polls),
    /// most overdue first.
    pub async fn payouts_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<PayoutRecord>, StoreError> {
        self.read_all(
            sqlx::query(select!(
                "WHERE next_check_at IS NOT NULL AND next_check_at <= $1 \
             ORDER BY next_check_at LIMIT $2"
            ))
            .bind(ms(now))
            .bind(i64::from(limit)),
            payout_row,
        )
        .await
    }

    /// Every payout in `state`, oldest first (start-up recovery).
    pub async fn payouts_in_state(
        &self,
        state: PayoutState,
    ) -> Result<Vec<PayoutRecord>, StoreError> {
        self.read_all(
            sqlx::query(select!("WHERE state = $1 ORDER BY created_at")).bind(state.as_str()),
            payout_row,
        )
        .await
    }

    /// `(status, payouts)` for every status present.
    pub async fn payout_counts_by_status(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.counts("SELECT status, COUNT(*) AS n FROM payouts GROUP BY status")
            .await
    }
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("payouts.{column}: {e}"))
}

/// A required text column parsed by `f`.
fn column<T, E: std::fmt::Display>(
    row: &AnyRow,
    name: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    let text: String = row.try_get(name)?;
    f(&text).map_err(|e| corrupt(name, e))
}

/// An optional text column parsed by `f`.
fn optional<T, E: std::fmt::Display>(
    row: &AnyRow,
    name: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    row.try_get::<Option<String>, _>(name)?
        .map(|text| f(&text).map_err(|e| corrupt(name, e)))
        .transpose()
}

fn payout_row(row: &AnyRow) -> Result<PayoutRecord, StoreError> {
    let kind: PayoutKind = column(row, "kind", str::parse)?;
    let recipient = match kind {
        PayoutKind::Sbp => Recipient::Sbp {
            phone: column(row, "phone", Phone::parse)?,
            bank_member_id: column(row, "bank_member_id", BankMemberId::parse)?,
        },
        PayoutKind::Account => Recipient::Account {
            account: column(row, "account_number", AccountNumber::parse)?,
            bic: column(row, "bic", Bic::parse)?,
            bank: optional(row, "bank", BankCode::parse)?,
            holder: row.try_get("holder")?,
        },
        PayoutKind::Card => return Err(corrupt("kind", "card payouts are not made here")),
    };
    let amount = u64::try_from(row.try_get::<i64, _>("amount_kopecks")?)
        .map_err(|e| corrupt("amount_kopecks", e))
        .and_then(|k| Amount::from_kopecks(k).map_err(|e| corrupt("amount_kopecks", e)))?;
    let gateway_payout_id = row
        .try_get::<Option<i64>, _>("gateway_payout_id")?
        .map(|v| {
            u64::try_from(v)
                .map_err(|e| corrupt("gateway_payout_id", e))
                .and_then(|v| GatewayPaymentId::new(v).map_err(|e| corrupt("gateway_payout_id", e)))
        })
        .transpose()?;
    let state: String = row.try_get("state")?;
    Ok(PayoutRecord {
        id: row.try_get("id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        request_hash: row.try_get("request_hash")?,
        request: PayoutRequest {
            amount,
            recipient,
            order_id: optional(row, "order_id", |t| OrderId::parse(t))?,
            description: optional(row, "description", |t| Description::parse(t))?,
        },
        service: row.try_get("service")?,
        gateway_order_id: column(row, "gateway_order_id", |t| OrderId::parse(t))?,
        state: PayoutState::from_name(&state).ok_or_else(|| corrupt("state", &state))?,
        gateway_payout_id,
        gateway_status: optional(row, "gateway_status", str::parse::<PaymentStatus>)?,
        paid_amount: row
            .try_get::<Option<i64>, _>("paid_amount_kopecks")?
            .map(Money::from_kopecks),
        rejection: optional(row, "rejection", |t| {
            serde_json::from_str::<ValidationErrorBody>(t)
        })?,
        last_error: row.try_get("last_error")?,
        sends: u32::try_from(row.try_get::<i64, _>("sends")?).map_err(|e| corrupt("sends", e))?,
        first_not_found_at: row
            .try_get::<Option<i64>, _>("first_not_found_at")?
            .map(time)
            .transpose()?,
        version: row.try_get("version")?,
        next_check_at: row
            .try_get::<Option<i64>, _>("next_check_at")?
            .map(time)
            .transpose()?,
        check_interval_secs: row
            .try_get::<Option<i64>, _>("check_interval_secs")?
            .map(|v| u32::try_from(v).map_err(|e| corrupt("check_interval_secs", e)))
            .transpose()?,
        created_at: time(row.try_get("created_at")?)?,
        updated_at: time(row.try_get("updated_at")?)?,
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(time)
            .transpose()?,
    })
}

#[cfg(test)]
mod tests;
