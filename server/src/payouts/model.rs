//! Payout statuses and the JSON the API answers with.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use shared::PaymentStatus;
use utoipa::ToSchema;

/// A payout's status as the merchant sees it:
/// `creating → pending → paid | failed`, `creating → rejected`, or — when the gateway's answer
/// stays lost — `creating → unknown → pending | paid | failed`. Final statuses never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Stored; the gateway's answer is not known yet (in flight, or lost and being looked
    /// up by its order id; sent again with the same order id only once the gateway has said
    /// for the whole grace period that it has none).
    Creating,
    /// The outcome is still not known (a lost answer the gateway has not confirmed within the
    /// grace period, or a refused re-send): the payout may have been made. It is never sent
    /// again nor reported failed; it is looked up until the gateway reports it. Do not pay it
    /// again.
    Unknown,
    /// The gateway accepted it and is paying it out.
    Pending,
    /// Paid out (final).
    Paid,
    /// The gateway failed or cancelled it (final); the money is back on the balance.
    Failed,
    /// The gateway refused it at creation (final): nothing was sent; see `error`.
    Rejected,
}

impl PayoutStatus {
    /// Every status.
    pub const ALL: [PayoutStatus; 6] = [
        Self::Creating,
        Self::Unknown,
        Self::Pending,
        Self::Paid,
        Self::Failed,
        Self::Rejected,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Unknown => "unknown",
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
        }
    }

    /// Whether the status can never change.
    pub fn is_final(self) -> bool {
        match self {
            Self::Paid | Self::Failed | Self::Rejected => true,
            Self::Creating | Self::Unknown | Self::Pending => false,
        }
    }

    /// What a gateway status means for a payout the gateway holds.
    pub fn from_gateway(status: PaymentStatus) -> PayoutStatus {
        match status {
            PaymentStatus::Wait => Self::Pending,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Cancel | PaymentStatus::Fail => Self::Failed,
        }
    }
}

impl fmt::Display for PayoutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PayoutStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown payout status {s:?}"))
    }
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

/// A payout, as `POST /api/v1/payouts`, `GET /api/v1/payouts/{id}` and the `payout.*` events
/// show it. Recipient fields are those of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutView {
    /// Payout id (UUID).
    pub id: String,
    /// `sbp` or `account`.
    #[schema(example = "sbp")]
    pub kind: String,
    /// Status.
    pub status: PayoutStatus,
    /// `true` with a real gateway (real money), `false` in sandbox mode (test money).
    #[serde(default)]
    pub livemode: bool,
    /// Amount requested, `"1500.00"`.
    #[schema(example = "1500.00")]
    pub amount: String,
    /// Amount actually paid out, when the gateway reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<String>,
    /// SBP: recipient phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// SBP: recipient's bank member id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_member_id: Option<String>,
    /// Account: account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Account: BIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Account: the `customer_code` sent for the recipient's bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    /// Account: recipient's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// Your reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Your description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The idempotency key it was created with.
    pub idempotency_key: String,
    /// The `order_id` sent to the gateway (unique; every send of this payout uses it).
    pub gateway_order_id: String,
    /// The gateway's payout id, once known.
    #[serde(default)]
    pub gateway_payout_id: Option<u64>,
    /// The gateway's last status (`wait`, `paid`, `cancel`, `fail`), once known.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "wait")]
    pub gateway_status: Option<PaymentStatus>,
    /// Why it was rejected, or the last gateway problem while creating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The gateway's field errors, when it rejected the payout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>)]
    pub error_details: Option<shared::FieldErrors>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// When it reached a final status (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// A page of payouts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutList {
    /// The payouts.
    pub items: Vec<PayoutView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The gateway account's balance (`v1/account/balance`), to the kopeck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    /// Currency, `RUB`.
    #[schema(example = "RUB")]
    pub currency: String,
    /// Available balance, `"93.84"` (may be negative).
    #[schema(example = "93.84")]
    pub balance: String,
    /// Amount on hold.
    #[serde(default)]
    pub hold: Option<String>,
    /// Rolling reserve.
    #[serde(default)]
    pub rolling_reserve: Option<String>,
    /// Payouts created and not finished yet.
    #[serde(default)]
    pub pending_payouts: Option<String>,
}

impl From<&shared::gateway::BalanceResponse> for BalanceView {
    fn from(b: &shared::gateway::BalanceResponse) -> BalanceView {
        BalanceView {
            currency: b.currency.clone(),
            balance: b.balance.to_string(),
            hold: b.hold.map(|m| m.to_string()),
            rolling_reserve: b.rolling_reserve.map(|m| m.to_string()),
            pending_payouts: b.pending_payouts.map(|m| m.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn statuses_round_trip_and_map_every_gateway_status() {
        for s in PayoutStatus::ALL {
            assert_eq!(s.as_str().parse::<PayoutStatus>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let mapped: Vec<PayoutStatus> = PaymentStatus::ALL
            .iter()
            .map(|s| PayoutStatus::from_gateway(*s))
            .collect();
        assert!(mapped.contains(&PayoutStatus::Pending));
        assert!(!PayoutStatus::from_gateway(PaymentStatus::Wait).is_final());
        assert!(PayoutStatus::from_gateway(PaymentStatus::Cancel).is_final());
        assert_eq!(
            PayoutStatus::from_gateway(PaymentStatus::Fail),
            PayoutStatus::Failed
        );
    }

    #[test]
    fn balances_are_kopeck_exact_strings() {
        let gateway: shared::gateway::BalanceResponse = serde_json::from_str(
            r#"{"currency":"RUB","balance":"93.84000000","hold":"0.10000000",
                "rolling_reserve":"0","pending_payouts":"1500.00000000"}"#,
        )
        .unwrap();
        let view = BalanceView::from(&gateway);
        assert_eq!(view.balance, "93.84");
        assert_eq!(view.hold.as_deref(), Some("0.10"));
        assert_eq!(view.rolling_reserve.as_deref(), Some("0.00"));
        assert_eq!(view.pending_payouts.as_deref(), Some("1500.00"));
    }
}
