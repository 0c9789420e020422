//! `POST v1/account/balance` (§2.6) and `POST v1/account/info` (§2.7). Both are sent with the
//! body `[]` and signed with the payout key.

use serde::{Deserialize, Serialize};

use crate::Money;
use crate::serde_util;

/// Response of `POST v1/account/balance`; amounts arrive with 8 decimals (`"93.84000000"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceResponse {
    /// Account currency, `RUB`.
    pub currency: String,
    /// Available balance (may be negative).
    pub balance: Money,
    /// Amount on hold.
    #[serde(default, deserialize_with = "serde_util::opt_money")]
    pub hold: Option<Money>,
    /// Rolling reserve.
    #[serde(default, deserialize_with = "serde_util::opt_money")]
    pub rolling_reserve: Option<Money>,
    /// Payouts created but not finished.
    #[serde(default, deserialize_with = "serde_util::opt_money")]
    pub pending_payouts: Option<Money>,
}

/// Response of `POST v1/account/info`: which services the `Account` may use.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Pay-ins are enabled for the account.
    #[serde(default, deserialize_with = "serde_util::opt_bool")]
    pub is_allowed_payment: Option<bool>,
    /// Payouts are enabled for the account.
    #[serde(default, deserialize_with = "serde_util::opt_bool")]
    pub is_allowed_payout: Option<bool>,
    /// Pay-in services.
    #[serde(default)]
    pub payments: Vec<InfoItem>,
    /// Payout services.
    #[serde(default)]
    pub payouts: Vec<InfoItem>,
}

impl InfoResponse {
    /// Whether pay-in `service` is listed as `active`.
    pub fn payment_service_active(&self, service: &str) -> bool {
        self.payments.iter().any(|i| i.is_active(service))
    }

    /// Whether payout `service` is listed as `active`.
    pub fn payout_service_active(&self, service: &str) -> bool {
        self.payouts.iter().any(|i| i.is_active(service))
    }
}

/// One service of an account, e.g. `{"method":"payment_card","currency":"RUB",
/// "service_code":"payment_card_rub_hpp","status":"active"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoItem {
    /// Method family, e.g. `payment_card`.
    pub method: String,
    /// Currency, `RUB`.
    pub currency: String,
    /// The service code to send as `service`.
    pub service_code: String,
    /// `active` when usable.
    pub status: String,
}

impl InfoItem {
    fn is_active(&self, service: &str) -> bool {
        self.service_code == service && self.status == "active"
    }
}
