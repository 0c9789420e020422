//! Widget API: `GET /api/v1/checkout/{token}`, `POST …/pay`, `GET …/status` (and SSE events).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Locale, Requisites};
use crate::{
    Amount, Description, GatewayPaymentId, HttpUrl, Method, OrderId, PaymentStatus, SessionStatus,
};

/// What the widget shows for a session (`GET /api/v1/checkout/{token}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutView {
    /// The merchant's order id.
    pub order_id: OrderId,
    /// Amount to pay.
    pub amount: Amount,
    /// Description, if the merchant gave one.
    #[serde(default)]
    pub description: Option<Description>,
    /// Methods the buyer may choose from, in display order.
    pub methods: Vec<Method>,
    /// Current status.
    pub status: SessionStatus,
    /// Money received so far, once a payment is paid (`underpaid` shows it against `amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Amount>,
    /// Widget language.
    pub locale: Locale,
    /// The shop's name.
    pub merchant_name: String,
    /// When the session stops being payable (countdown target).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The server's clock now, so the countdown does not trust the buyer's clock.
    #[serde(with = "time::serde::rfc3339")]
    pub server_time: OffsetDateTime,
    /// True in sandbox mode (no real money).
    pub test_mode: bool,
    /// The payment already started, so a reload shows the same requisites.
    #[serde(default)]
    pub payment: Option<PayAnswer>,
    /// Where to send the buyer after paying (hosted page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<HttpUrl>,
    /// Where to send the buyer after a failure (hosted page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_url: Option<HttpUrl>,
}

/// Body of `POST /api/v1/checkout/{token}/pay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The method the buyer chose.
    pub method: Method,
}

/// Response of `POST /api/v1/checkout/{token}/pay`: what the buyer must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayAnswer {
    /// The chosen method.
    pub method: Method,
    /// Requisites to transfer to, or where to go.
    pub requisites: Requisites,
    /// The exact amount to pay.
    pub amount: Amount,
    /// When the requisites stop being valid (countdown target).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The server's clock now.
    #[serde(with = "time::serde::rfc3339")]
    pub server_time: OffsetDateTime,
    /// Current status (normally `pending`).
    pub status: SessionStatus,
    /// The gateway's payment id. Sent in sandbox mode only, so the demo shop's sandbox panel can
    /// drive the payment (`POST /sandbox/control/payments/{id}/…`); absent in production.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_payment_id: Option<GatewayPaymentId>,
}

/// Response of `GET /api/v1/checkout/{token}/status` and the data of each SSE event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusUpdate {
    /// Current session status.
    pub status: SessionStatus,
    /// The gateway's status, once a payment exists.
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    /// Money received so far, once a payment is paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Amount>,
    /// When the status last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
