//! Payouts: `POST /api/v1/payouts` (SBP or bank account, with an `Idempotency-Key`), reading
//! them, the gateway balance, and tracking each payout to a final status.
//!
//! **Never sent twice.** A payout row is committed in state `sending`, with the gateway
//! `order_id` every send of it will use, *before* the create call ([`send`]). When the call's
//! outcome is unknown (timeout, 5xx, garbled answer, crash) the payout is looked up by that
//! `order_id`; it is sent again — once, with the same `order_id` — only after the gateway has
//! said "no such payout" for a whole grace period, and a payout whose outcome stays unknown
//! becomes `unknown` (never `rejected` or `failed`) and is looked up until the gateway reports
//! it. The rules are one pure function ([`decide`]); [`unsure`] carries them out for the create
//! call, start-up recovery, the [`reconciler`] and `POST /api/v1/payouts/{id}/refresh`.
//!
//! **Idempotency.** One `Idempotency-Key` names one payout (a unique column): the same key with
//! the same request (compared by the hash of its canonical form) answers the stored payout
//! without calling the gateway; with another request, `409 idempotency_conflict`.
//!
//! **Status.** Gateway notifications and the reconciler's polls ([`status`]) move a payout to
//! `paid` / `failed`, whatever happened before (`unknown` included); the write that makes a
//! status final enqueues `payout.paid` / `payout.failed` for the merchant's backend in the same
//! transaction, and the write that makes it `unknown`, `payout.unknown`. Every write is guarded by
//! the row's version, so racing writers (a notification during the create call, two
//! replicas) re-read instead of overwriting.

mod decide;
mod error;
mod history;
pub mod metrics;
mod model;
mod notification;
pub mod reconciler;
mod request;
mod send;
mod status;
mod unsure;

use std::sync::Arc;
use std::time::Duration;

use shared::{BankCode, HttpUrl};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use crate::store::PayoutChange;
pub use crate::store::{PayoutRequest, PayoutState, Recipient};
pub use error::PayoutError;
pub use history::Source;
pub use model::{BalanceView, PayoutList, PayoutView};
pub use request::{IdempotencyKey, IdempotencyKeyError, PayoutBody};
pub use shared::PayoutStatus;
pub use status::{Applied, PayoutReport};

use crate::clock::{Clock, unix_ms};
use crate::config::ReconcilerConfig;
use crate::gateway::GatewayClient;
use crate::page;
use crate::store::outbox::{EventKind, NewEvent};
use crate::store::{PayoutRecord, Store};

/// What the payout service needs to know.
#[derive(Debug, Clone)]
pub struct PayoutSettings {
    /// `customer_code` of account payouts that name no `bank`.
    pub default_bank: BankCode,
    /// Where the gateway sends notifications.
    pub notification_url: Option<HttpUrl>,
    /// The gateway client's per-call timeout: a send is presumed over after it (plus a grace).
    pub gateway_timeout: Duration,
    /// Poll schedule (first poll, largest gap).
    pub reconciler: ReconcilerConfig,
    /// A real gateway (real money); `false` in sandbox mode.
    pub livemode: bool,
}

/// The payout service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Payouts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    gateway: GatewayClient,
    clock: Clock,
    settings: PayoutSettings,
}

/// What `POST /api/v1/payouts` gave.
#[derive(Debug, Clone)]
pub struct Created {
    /// The payout.
    pub payout: PayoutView,
    /// `true`: an earlier request with this key made it (nothing was sent now).
    pub replayed: bool,
}

impl Payouts {
    /// The service over `store` and `gateway`.
    pub fn new(
        store: Store,
        gateway: GatewayClient,
        clock: Clock,
        settings: PayoutSettings,
    ) -> Payouts {
        Payouts {
            inner: Arc::new(Inner {
                store,
                gateway,
                clock,
                settings,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// `GET /api/v1/payouts/{id}`.
    pub async fn get(&self, id: &str) -> Result<PayoutView, PayoutError> {
        Ok(self.view(&self.record(id).await?))
    }

    /// The stored payout with our id `id`.
    async fn record(&self, id: &str) -> Result<PayoutRecord, PayoutError> {
        // Only UUIDs are ids; anything else cannot exist (and is not sent to the database).
        let id = uuid::Uuid::try_parse(id).map_err(|_| PayoutError::NotFound)?;
        self.inner
            .store
            .payout(&id.to_string())
            .await?
            .ok_or(PayoutError::NotFound)
    }

    /// `GET /api/v1/payouts`: a page, newest first, with the cursor of the next one.
    pub async fn list(
        &self,
        limit: u32,
        after: Option<page::Cursor>,
    ) -> Result<PayoutList, PayoutError> {
        let limit = limit.clamp(1, page::MAX_PAGE);
        // One extra row tells whether another page exists.
        let records = self.inner.store.list_payouts(limit + 1, after).await?;
        let (records, next_cursor) = page::page(records, limit, |last| page::Cursor {
            created_at_ms: unix_ms(last.created_at),
            id: last.id.clone(),
        });
        Ok(PayoutList {
            items: records.iter().map(|r| self.view(r)).collect(),
            next_cursor,
        })
    }

    /// `GET /api/v1/balance`: the gateway's balance of our Account.
    pub async fn balance(&self) -> Result<BalanceView, PayoutError> {
        let balance = self
            .inner
            .gateway
            .balance()
            .await
            .map_err(PayoutError::Gateway)?;
        Ok(BalanceView::from(&balance))
    }

    fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// The public JSON of `record`.
    pub(crate) fn view(&self, record: &PayoutRecord) -> PayoutView {
        view(record, self.inner.settings.livemode)
    }

    /// The merchant event of a payout that just became final or `unknown`.
    fn event(&self, record: &PayoutRecord, now: OffsetDateTime) -> Option<NewEvent> {
        let kind = match record.status() {
            PayoutStatus::Paid => EventKind::PayoutPaid,
            PayoutStatus::Failed | PayoutStatus::Rejected => EventKind::PayoutFailed,
            PayoutStatus::Unknown => EventKind::PayoutUnknown,
            PayoutStatus::Creating | PayoutStatus::Pending => return None,
        };
        Some(NewEvent {
            kind,
            stream: format!("payout:{}", record.id),
            subject_id: record.id.clone(),
            data: serde_json::to_value(self.view(record)).unwrap_or_default(),
            livemode: self.inner.settings.livemode,
            at: now,
        })
    }
}

/// The public JSON of a payout; `livemode` says whether it moves real money.
pub fn view(r: &PayoutRecord, livemode: bool) -> PayoutView {
    let rfc = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let mut v = PayoutView {
        id: r.id.clone(),
        kind: r.request.recipient.kind().as_str().to_owned(),
        status: r.status(),
        livemode,
        amount: r.request.amount.to_string(),
        paid_amount: r.paid_amount.map(|m| m.to_string()),
        phone: None,
        bank_member_id: None,
        account: None,
        bic: None,
        bank: None,
        holder: None,
        order_id: r.request.order_id.as_ref().map(|o| o.as_str().to_owned()),
        description: r
            .request
            .description
            .as_ref()
            .map(|d| d.as_str().to_owned()),
        idempotency_key: r.idempotency_key.clone(),
        gateway_order_id: r.gateway_order_id.as_str().to_owned(),
        gateway_payout_id: r.gateway_payout_id.map(|g| g.get()),
        gateway_status: r.gateway_status,
        error: r.last_error.clone(),
        error_details: r
            .rejection
            .as_ref()
            .map(|x| x.errors.clone())
            .filter(|e| !e.is_empty()),
        created_at: rfc(r.created_at),
        updated_at: rfc(r.updated_at),
        finished_at: r.finished_at.map(rfc),
    };
    match &r.request.recipient {
        Recipient::Sbp {
            phone,
            bank_member_id,
        } => {
            v.phone = Some(phone.as_str().to_owned());
            v.bank_member_id = Some(bank_member_id.as_str().to_owned());
        }
        Recipient::Account {
            account,
            bic,
            bank,
            holder,
        } => {
            v.account = Some(account.as_str().to_owned());
            v.bic = Some(bic.as_str().to_owned());
            v.bank = bank.as_ref().map(|b| b.as_str().to_owned());
            v.holder = holder.clone();
        }
    }
    v
}
