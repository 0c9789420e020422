//! The records the store reads and writes: sessions and their payments, a session change
//! written in one transaction ([`Change`]), and a payout's validated request and create-call
//! state (the payout service re-exports those; its rules stay in `crate::payouts`).

use time::OffsetDateTime;

use shared::api::{
    AttemptState, Locale, Metadata, Requisites, SessionId, SessionToken, StatusChange,
};
use shared::{
    AccountNumber, Amount, BankCode, BankMemberId, Bic, CustomerIp, CustomerUserId, Description,
    GatewayPaymentId, HttpUrl, Method, OrderId, PaymentStatus, PayoutKind, Phone, SessionStatus,
    UserAgent,
};

use super::outbox;

/// A checkout session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Id for the merchant API.
    pub id: SessionId,
    /// The widget's bearer capability.
    pub token: SessionToken,
    /// The merchant's order id (unique).
    pub order_id: OrderId,
    /// Amount to pay.
    pub amount: Amount,
    /// The buyer's id at the merchant.
    pub customer_user_id: CustomerUserId,
    /// Methods offered, in display order.
    pub methods: Vec<Method>,
    /// Description.
    pub description: Option<Description>,
    /// Widget language.
    pub locale: Locale,
    /// Hosted page success redirect.
    pub success_url: Option<HttpUrl>,
    /// Hosted page failure redirect.
    pub fail_url: Option<HttpUrl>,
    /// Merchant metadata.
    pub metadata: Option<Metadata>,
    /// Current status.
    pub status: SessionStatus,
    /// Money the gateway reports paid, every attempt together (known amounts only).
    pub paid_amount: Option<Amount>,
    /// Something about the session's money is odd (its history says what).
    pub needs_attention: bool,
    /// The attempt the buyer sees, if any.
    pub current_attempt: Option<u32>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Deadline.
    pub expires_at: OffsetDateTime,
}

/// One gateway payment attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Its session.
    pub session_id: SessionId,
    /// Attempt number, from 1.
    pub number: u32,
    /// Method chosen.
    pub method: Method,
    /// Gateway service used.
    pub service: String,
    /// The `order_id` sent to the gateway (unique).
    pub gateway_order_id: OrderId,
    /// Where it stands.
    pub state: AttemptState,
    /// The gateway's id, once known.
    pub gateway_payment_id: Option<GatewayPaymentId>,
    /// The gateway's uuid, once known.
    pub gateway_uuid: Option<uuid::Uuid>,
    /// The gateway's last status.
    pub payment_status: Option<PaymentStatus>,
    /// Amount actually paid, when reported.
    pub paid_amount: Option<Amount>,
    /// What the buyer was shown.
    pub requisites: Option<Requisites>,
    /// The payer's IP sent to the gateway.
    pub customer_ip: CustomerIp,
    /// The payer's browser.
    pub user_agent: Option<UserAgent>,
    /// The last gateway error, for operators.
    pub last_error: Option<String>,
    /// When the reconciler polls next.
    pub next_poll_at: Option<OffsetDateTime>,
    /// Current backoff step.
    pub poll_interval_secs: Option<u32>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// What one state change writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    /// The session's new state (status, current attempt, updated time).
    pub session: Option<&'a SessionRecord>,
    /// An attempt's new state.
    pub attempt: Option<&'a AttemptRecord>,
    /// A history entry for `session_id` of the session or attempt.
    pub history: Option<&'a StatusChange>,
    /// The merchant event the change announces (with `session`): written in the same
    /// transaction, and only if the stored session is still what the change was decided on.
    pub event: Option<&'a ChangeEvent>,
}

/// A `payment.*` event of a session change (see [`Change::event`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// Its type.
    pub kind: outbox::EventKind,
    /// Its `data`: the session as the merchant API shows it after the change.
    pub data: serde_json::Value,
    /// Real money (a gateway is configured); `false` in sandbox mode.
    pub livemode: bool,
    /// The session's status before the change, as the decision read it.
    pub status_before: SessionStatus,
    /// The money it had received before the change, as the decision read it.
    pub paid_before: Option<Amount>,
}

/// Where a validated payout goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// SBP transfer to a phone.
    Sbp {
        /// Recipient phone.
        phone: Phone,
        /// Recipient's bank.
        bank_member_id: BankMemberId,
    },
    /// Transfer to a bank account.
    Account {
        /// 20-digit account number.
        account: AccountNumber,
        /// BIC of the recipient's bank.
        bic: Bic,
        /// The gateway's `customer_code`; `None` = the configured default.
        bank: Option<BankCode>,
        /// Recipient's name.
        holder: Option<String>,
    },
}

impl Recipient {
    /// The payout kind.
    pub fn kind(&self) -> PayoutKind {
        match self {
            Recipient::Sbp { .. } => PayoutKind::Sbp,
            Recipient::Account { .. } => PayoutKind::Account,
        }
    }
}

/// A validated payout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRequest {
    /// How much.
    pub amount: Amount,
    /// To whom.
    pub recipient: Recipient,
    /// The merchant's reference.
    pub order_id: Option<OrderId>,
    /// Free text.
    pub description: Option<Description>,
}

/// Where the create call stands (internal bookkeeping behind [`PayoutStatus::Creating`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutState {
    /// Committed; a create call is (or was, before a crash) in flight.
    Sending,
    /// A create call's outcome is unknown, within the grace period: looked up by its order
    /// id, sent again (same order id) only after "no such payout" for the whole grace period
    /// (public `creating`).
    Unknown,
    /// The outcome stayed unknown past the grace period, or a re-send was refused: only
    /// looked up from now on, never sent again (public `unknown`).
    Unresolved,
    /// The gateway holds it (its id is known).
    Sent,
    /// The gateway refused it; nothing exists upstream.
    Refused,
}

impl PayoutState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Unknown => "unknown",
            Self::Unresolved => "unresolved",
            Self::Sent => "sent",
            Self::Refused => "refused",
        }
    }

    /// The state stored as `name`.
    pub fn from_name(name: &str) -> Option<PayoutState> {
        [
            Self::Sending,
            Self::Unknown,
            Self::Unresolved,
            Self::Sent,
            Self::Refused,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}
