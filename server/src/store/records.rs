//! The records the store reads and writes for sessions and their payments, and a session
//! change written in one transaction ([`Change`]).

use time::OffsetDateTime;

use shared::api::{
    AttemptState, Locale, Metadata, Requisites, SessionId, SessionToken, StatusChange,
};
use shared::{
    Amount, CustomerIp, CustomerUserId, Description, GatewayPaymentId, HttpUrl, Method, OrderId,
    PaymentStatus, SessionStatus, UserAgent,
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
