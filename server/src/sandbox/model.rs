//! What the sandbox keeps: payments, payouts and account balances, and the wire views of
//! them (status responses, notification fields).

use serde::{Deserialize, Serialize};
use shared::gateway::{PaymentStatusResponse, PayoutStatusResponse};
use shared::{
    AccountUuid, Amount, GatewayPaymentId, Method, Money, OrderId, PaymentStatus, PayoutKind,
};
use uuid::Uuid;

use super::fixtures::Requisites;

/// Pay-in commission, in basis points of the paid amount (3 %).
pub(crate) const PAYIN_COMMISSION_BP: i64 = 300;

/// The commission on `paid`, rounded half up to the kopeck.
pub(crate) fn payin_commission(paid: Money) -> Money {
    Money::from_kopecks((paid.kopecks() * PAYIN_COMMISSION_BP + 5_000) / 10_000)
}

/// How a payment or payout ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Settlement {
    /// Sandbox time of the final transition, Unix ms.
    pub finished_at_ms: i64,
    /// What was actually paid (zero for cancel / fail).
    pub payment_amount: Money,
    /// The gateway's commission.
    pub commission: Money,
    /// Less than the amount was paid.
    pub partial: bool,
}

/// A pay-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Payment {
    pub id: u64,
    pub uuid: Uuid,
    pub account: AccountUuid,
    pub order_id: String,
    /// The service as the client sent it (a default name or an alias).
    pub service: String,
    pub method: Method,
    pub amount: Amount,
    pub customer_ip: String,
    pub customer_user_id: String,
    pub customer_code: Option<String>,
    pub desc: Option<String>,
    pub notification_url: Option<String>,
    pub notification_endpoint_id: Option<u64>,
    pub success_url: Option<String>,
    pub fail_url: Option<String>,
    /// Hosted page (`/pay/{uuid}`) for form services and SberPay.
    pub url: Option<String>,
    pub requisites: Option<Requisites>,
    pub status: PaymentStatus,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub settlement: Option<Settlement>,
    /// Masked payer card, for card payments once paid.
    pub card_mask: Option<String>,
    /// Account balance around the credit of a paid payment.
    pub balance_before: Option<Money>,
    pub balance_after: Option<Money>,
}

/// A payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Payout {
    pub id: u64,
    pub account: AccountUuid,
    pub order_id: String,
    pub service: String,
    pub kind: PayoutKind,
    pub amount: Amount,
    /// Phone, account or card number as normalised.
    pub number: String,
    pub customer_code: Option<String>,
    pub bik_bank: Option<String>,
    pub notification_url: Option<String>,
    pub notification_endpoint_id: Option<u64>,
    pub status: PaymentStatus,
    pub created_at_ms: i64,
    pub settlement: Option<Settlement>,
    /// Account balance around the last balance move (debit on creation, refund on failure).
    pub balance_before: Money,
    pub balance_after: Money,
}

/// An account's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Balance {
    /// Available.
    pub balance: Money,
    /// Debited for payouts not yet final.
    pub pending_payouts: Money,
}

/// Notification `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Payment,
    Payout,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Payout => "payout",
        }
    }
}

/// PHP's `http_build_query` writes booleans as `1` / `0`; the signed text carries the same
/// strings (the verifier rebuilds it from the received values).
fn php_bool(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn order_id(text: &str) -> Option<OrderId> {
    OrderId::parse(text).ok()
}

fn gateway_id(id: u64) -> Option<GatewayPaymentId> {
    GatewayPaymentId::new(id).ok()
}

impl Payment {
    /// The §4.2 fields of this payment's notification, in the documented order; `desc` is
    /// left out when there is none (PHP's `http_build_query` drops nulls).
    pub fn notification_fields(&self) -> Vec<(String, String)> {
        let s = self.settlement.as_ref();
        notification_fields(
            Kind::Payment,
            self.id,
            &self.order_id,
            self.status,
            self.amount,
            s,
            &self.account,
            &self.service,
            self.desc.as_deref(),
        )
    }

    /// The `v1/payment/status` answer.
    pub fn status_response(&self) -> Option<PaymentStatusResponse> {
        let mut r = PaymentStatusResponse::new(
            order_id(&self.order_id)?,
            gateway_id(self.id)?,
            self.status,
        );
        r.url = self.url.clone();
        r.amount = Some(self.amount.into());
        r.service_code = Some(self.service.clone());
        r.card_mask = self.card_mask.clone();
        if let Some(s) = &self.settlement {
            r.payment_amount = Some(s.payment_amount);
            r.is_partial_payment = Some(s.partial);
            r.commission_amount = Some(s.commission);
            r.account_payment_amount = s.payment_amount.checked_sub(s.commission);
        }
        r.account_old_balance = self.balance_before;
        r.account_new_balance = self.balance_after;
        Some(r)
    }
}

impl Payout {
    /// The §4.2 fields of this payout's notification.
    pub fn notification_fields(&self) -> Vec<(String, String)> {
        notification_fields(
            Kind::Payout,
            self.id,
            &self.order_id,
            self.status,
            self.amount,
            self.settlement.as_ref(),
            &self.account,
            &self.service,
            None,
        )
    }

    /// The `v1/payout/status` answer.
    pub fn status_response(&self) -> Option<PayoutStatusResponse> {
        let mut r =
            PayoutStatusResponse::new(order_id(&self.order_id)?, gateway_id(self.id)?, self.status);
        r.amount = Some(self.amount.into());
        r.service_code = Some(self.service.clone());
        if self.kind == PayoutKind::Card {
            r.card_mask = shared::CardNumber::parse(&self.number)
                .ok()
                .map(|c| c.masked());
        }
        if let Some(s) = &self.settlement {
            r.payment_amount = Some(s.payment_amount);
            r.is_partial_payment = Some(s.partial);
            r.commission_amount = Some(s.commission);
            r.account_payment_amount = s.payment_amount.checked_add(s.commission);
            if self.status == PaymentStatus::Paid {
                r.rrn = Some(super::fixtures::rrn(self.id));
            }
        }
        r.account_old_balance = Some(self.balance_before);
        r.account_new_balance = Some(self.balance_after);
        Some(r)
    }
}

#[allow(clippy::too_many_arguments)]
fn notification_fields(
    kind: Kind,
    id: u64,
    order_id: &str,
    status: PaymentStatus,
    amount: Amount,
    settlement: Option<&Settlement>,
    account: &AccountUuid,
    service: &str,
    desc: Option<&str>,
) -> Vec<(String, String)> {
    let zero = Money::ZERO;
    let paid = settlement.map_or(zero, |s| s.payment_amount);
    let commission = settlement.map_or(zero, |s| s.commission);
    let partial = settlement.is_some_and(|s| s.partial);
    let mut fields = vec![
        ("type", kind.as_str().to_owned()),
        ("id", id.to_string()),
        ("order_id", order_id.to_owned()),
        ("payment_status", status.as_str().to_owned()),
        ("amount", amount.to_string()),
        ("payment_amount", paid.to_string()),
        ("commission_amount", commission.to_string()),
        ("is_partial_payment", php_bool(partial).to_owned()),
        ("account", account.to_string()),
        ("service", service.to_owned()),
    ];
    if let Some(desc) = desc {
        fields.push(("desc", desc.to_owned()));
    }
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn commission_rounds_half_up() {
        assert_eq!(
            payin_commission(Money::from_kopecks(150_000)).kopecks(),
            4_500
        );
        assert_eq!(payin_commission(Money::from_kopecks(50)).kopecks(), 2); // 1.5 → 2
        assert_eq!(payin_commission(Money::from_kopecks(10)).kopecks(), 0);
    }
}
