//! Gateway notifications (callbacks, §4.2), kept as the raw text received.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::serde_util;
use crate::{AccountUuid, GatewayPaymentId, Money, OrderId, PaymentStatus};

/// Whether a notification is about a pay-in or a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationType {
    /// A pay-in.
    Payment,
    /// A payout.
    Payout,
}

/// The fields of a notification exactly as received (GET query, POST form or POST JSON).
///
/// Every value is the raw text, because the signature covers that text (§4.3): the server's
/// verifier rebuilds the signed string from these fields. From a JSON body, numbers and booleans
/// are kept as their JSON text (`123`, `true`); a float such as `300.00` can only be kept as
/// `300` — verify JSON bodies against the raw bytes when that matters. Unknown fields are ignored.
/// Use the typed accessors only **after** the signature was verified.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Notification {
    /// `payment` or `payout`.
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub kind: Option<String>,
    /// The gateway's id (an integer in the signed text).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub id: Option<String>,
    /// The merchant's order id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub order_id: Option<String>,
    /// `wait`, `paid`, `cancel` or `fail`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub payment_status: Option<String>,
    /// Requested amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub amount: Option<String>,
    /// Amount actually paid.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub payment_amount: Option<String>,
    /// The gateway's commission.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub commission_amount: Option<String>,
    /// Partial payment flag as text (`1`, `0`, `true`, `false`, or empty).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub is_partial_payment: Option<String>,
    /// The merchant's Account UUID.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub account: Option<String>,
    /// Service code.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub service: Option<String>,
    /// Description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub desc: Option<String>,
    /// Base64 RSA signature.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub sign: Option<String>,
    /// Card brand (not in the docs; one integrator lists it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub card_brand: Option<String>,
}

/// A notification field that is missing or unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// The field is absent or empty.
    #[error("notification field {0} is missing")]
    Missing(&'static str),
    /// The field holds something else.
    #[error("notification field {field} is invalid: {reason}")]
    Invalid {
        /// Wire name of the field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn required<'a>(
    value: &'a Option<String>,
    field: &'static str,
) -> Result<&'a str, NotificationError> {
    match value.as_deref() {
        Some(text) if !text.is_empty() => Ok(text),
        Some(_) | None => Err(NotificationError::Missing(field)),
    }
}

fn invalid(field: &'static str, reason: impl fmt::Display) -> NotificationError {
    NotificationError::Invalid {
        field,
        reason: reason.to_string(),
    }
}

impl Notification {
    /// `type`.
    pub fn notification_type(&self) -> Result<NotificationType, NotificationError> {
        match required(&self.kind, "type")? {
            "payment" => Ok(NotificationType::Payment),
            "payout" => Ok(NotificationType::Payout),
            other => Err(invalid(
                "type",
                format!("{other:?} is neither payment nor payout"),
            )),
        }
    }

    /// `id`.
    pub fn gateway_id(&self) -> Result<GatewayPaymentId, NotificationError> {
        required(&self.id, "id")?
            .parse()
            .map_err(|e| invalid("id", e))
    }

    /// `order_id`.
    pub fn order_id(&self) -> Result<OrderId, NotificationError> {
        OrderId::parse(required(&self.order_id, "order_id")?).map_err(|e| invalid("order_id", e))
    }

    /// `payment_status`.
    pub fn status(&self) -> Result<PaymentStatus, NotificationError> {
        required(&self.payment_status, "payment_status")?
            .parse()
            .map_err(|e| invalid("payment_status", e))
    }

    /// `amount`.
    pub fn amount_money(&self) -> Result<Money, NotificationError> {
        Money::parse(required(&self.amount, "amount")?).map_err(|e| invalid("amount", e))
    }

    /// `payment_amount`, if present.
    pub fn payment_amount_money(&self) -> Result<Option<Money>, NotificationError> {
        optional_money(&self.payment_amount, "payment_amount")
    }

    /// `commission_amount`, if present.
    pub fn commission_amount_money(&self) -> Result<Option<Money>, NotificationError> {
        optional_money(&self.commission_amount, "commission_amount")
    }

    /// `is_partial_payment` (`1`/`0`/`true`/`false`; absent or empty → `None`).
    pub fn partial_payment(&self) -> Result<Option<bool>, NotificationError> {
        match self.is_partial_payment.as_deref() {
            None => Ok(None),
            Some(text) => serde_util::text_bool(text)
                .map_err(|()| invalid("is_partial_payment", format!("{text:?} is not a boolean"))),
        }
    }

    /// `account`.
    pub fn account_uuid(&self) -> Result<AccountUuid, NotificationError> {
        AccountUuid::parse(required(&self.account, "account")?).map_err(|e| invalid("account", e))
    }
}

fn optional_money(
    value: &Option<String>,
    field: &'static str,
) -> Result<Option<Money>, NotificationError> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => Money::parse(text).map(Some).map_err(|e| invalid(field, e)),
    }
}
