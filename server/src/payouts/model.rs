//! The JSON the payout API answers with (the status is `shared::PayoutStatus`).

use serde::{Deserialize, Serialize};
use shared::{PaymentStatus, PayoutStatus};
use utoipa::ToSchema;

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
