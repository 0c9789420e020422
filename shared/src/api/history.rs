//! Merchant API details of a session: its payment attempts, its status history and the
//! filtered session list (`GET /api/v1/sessions`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::SessionDetails;
use crate::{Amount, GatewayPaymentId, Method, OrderId, PaymentStatus, SessionStatus};

/// What changed a session's or a payment's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// The merchant created the session.
    Created,
    /// The buyer started (or switched) a payment.
    Pay,
    /// A verified gateway notification.
    Notification,
    /// The background reconciler's status call.
    Reconciler,
    /// The buyer's "I've paid" status call.
    Check,
    /// The session's lifetime ran out.
    Expiry,
    /// Start-up recovery of a payment whose creation was interrupted.
    Recovery,
}

impl StatusSource {
    /// Every source.
    pub const ALL: [StatusSource; 7] = [
        Self::Created,
        Self::Pay,
        Self::Notification,
        Self::Reconciler,
        Self::Check,
        Self::Expiry,
        Self::Recovery,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Pay => "pay",
            Self::Notification => "notification",
            Self::Reconciler => "reconciler",
            Self::Check => "check",
            Self::Expiry => "expiry",
            Self::Recovery => "recovery",
        }
    }

    /// The source named `name`.
    pub fn from_name(name: &str) -> Option<StatusSource> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One entry of a session's status history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    /// The session status after the change.
    pub status: SessionStatus,
    /// The gateway status of the payment concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatus>,
    /// The gateway payment concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_payment_id: Option<GatewayPaymentId>,
    /// What caused it.
    pub source: StatusSource,
    /// Extra facts worth keeping (a partial amount, an ignored conflicting status, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Where one payment attempt stands with the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Recorded; the create call is in flight.
    Creating,
    /// The gateway created the payment.
    Created,
    /// The create call's outcome is unknown (timeout, 5xx, malformed answer) and no payment
    /// was found by its order id yet; the next try looks it up before creating.
    Unknown,
    /// The gateway refused to create it (validation error): nothing exists upstream.
    Rejected,
    /// A payment exists upstream but its requisites were lost with the create answer; the
    /// buyer gets a new attempt (a new gateway order id) instead.
    Abandoned,
}

impl AttemptState {
    /// Every state.
    pub const ALL: [AttemptState; 5] = [
        Self::Creating,
        Self::Created,
        Self::Unknown,
        Self::Rejected,
        Self::Abandoned,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Created => "created",
            Self::Unknown => "unknown",
            Self::Rejected => "rejected",
            Self::Abandoned => "abandoned",
        }
    }

    /// The state named `name`.
    pub fn from_name(name: &str) -> Option<AttemptState> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One gateway payment attempt of a session (a session has several when the buyer switches
/// method). Each attempt has its own gateway order id, `{order_id}-{n}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentAttempt {
    /// Attempt number, from 1.
    pub number: u32,
    /// The method chosen.
    pub method: Method,
    /// The `order_id` sent to the gateway.
    pub gateway_order_id: OrderId,
    /// Where it stands.
    pub state: AttemptState,
    /// The gateway's payment id, once known.
    #[serde(default)]
    pub gateway_payment_id: Option<GatewayPaymentId>,
    /// The gateway's last reported status, once known.
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    /// Amount actually paid, when the gateway reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Amount>,
    /// When the attempt started.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Response of `GET /api/v1/sessions` (newest first). Items carry no `attempts` or
/// `history`; fetch one session for those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// The sessions on this page.
    pub items: Vec<SessionDetails>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn names_match_serde() {
        for s in StatusSource::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(StatusSource::from_name(s.as_str()), Some(s));
        }
        for s in AttemptState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(AttemptState::from_name(s.as_str()), Some(s));
        }
    }
}
