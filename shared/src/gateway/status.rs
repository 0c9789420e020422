//! `POST v1/payment/status` and `POST v1/payout/status` requests, and the payment status
//! response (§2.2). The payout status response lives in [`super::payout`].

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::serde_util;
use crate::{GatewayPaymentId, Money, OrderId, PaymentStatus};

/// Body of a status request: the gateway's `id` **or** the merchant's `order_id`, exactly one.
/// Written as `{"id":123}` or `{"order_id":"A-1"}`; `id` is read from a number or a string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "StatusRequestWire")]
pub enum StatusRequest {
    /// By the gateway's id (preferred: `order_id` may be ambiguous, §6).
    Id(GatewayPaymentId),
    /// By the merchant's order id.
    OrderId(OrderId),
}

/// Why a status request body is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusRequestError {
    /// Neither field.
    #[error("the id field is required when order id is not present")]
    Neither,
    /// Both fields.
    #[error("send either id or order_id, not both")]
    Both,
}

/// The two optional fields as received.
#[derive(Deserialize)]
struct StatusRequestWire {
    #[serde(default)]
    id: Option<GatewayPaymentId>,
    #[serde(default)]
    order_id: Option<OrderId>,
}

impl TryFrom<StatusRequestWire> for StatusRequest {
    type Error = StatusRequestError;
    fn try_from(wire: StatusRequestWire) -> Result<Self, Self::Error> {
        match (wire.id, wire.order_id) {
            (Some(id), None) => Ok(Self::Id(id)),
            (None, Some(order_id)) => Ok(Self::OrderId(order_id)),
            (None, None) => Err(StatusRequestError::Neither),
            (Some(_), Some(_)) => Err(StatusRequestError::Both),
        }
    }
}

impl Serialize for StatusRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Self::Id(id) => map.serialize_entry("id", id)?,
            Self::OrderId(order_id) => map.serialize_entry("order_id", order_id)?,
        }
        map.end()
    }
}

/// Response of `POST v1/payment/status`. Amounts are as the gateway reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStatusResponse {
    /// The merchant's order id.
    pub order_id: OrderId,
    /// The gateway's payment id.
    pub id: GatewayPaymentId,
    /// Current status.
    pub payment_status: PaymentStatus,
    /// Payment page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Masked card number, when paid by card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_mask: Option<String>,
    /// Requested amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub amount: Option<Money>,
    /// Amount actually paid.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub payment_amount: Option<Money>,
    /// Whether less than `amount` was paid.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_bool"
    )]
    pub is_partial_payment: Option<bool>,
    /// Amount on hold.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub hold_amount: Option<Money>,
    /// When the hold is released to the balance (format not documented; kept as text).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub hold_at: Option<String>,
    /// Amount credited to the account.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_payment_amount: Option<Money>,
    /// The gateway's commission.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub commission_amount: Option<Money>,
    /// The service used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// Account balance before the payment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_old_balance: Option<Money>,
    /// Account balance after the payment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_new_balance: Option<Money>,
}

impl PaymentStatusResponse {
    /// A response with only the required fields (the sandbox fills in the rest).
    pub fn new(order_id: OrderId, id: GatewayPaymentId, payment_status: PaymentStatus) -> Self {
        Self {
            order_id,
            id,
            payment_status,
            url: None,
            card_mask: None,
            amount: None,
            payment_amount: None,
            is_partial_payment: None,
            hold_amount: None,
            hold_at: None,
            account_payment_amount: None,
            commission_amount: None,
            service_code: None,
            account_old_balance: None,
            account_new_balance: None,
        }
    }
}
