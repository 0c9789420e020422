//! The gateway's answer shapes the `shared` types cannot write as the gateway does: history
//! amounts with 9 decimals and the Laravel paginator, balances with 8 decimals, the info
//! service list; plus the create answers built from stored records.

use serde::Serialize;
use shared::gateway::{PaymentCreateResponse, PayoutCreateResponse};
use shared::{GatewayPaymentId, Method, Money, PayoutKind};
use time::OffsetDateTime;

use super::config::SandboxAccount;
use super::model::{Balance, Payment, Payout};
use super::validate::HistoryQuery;

/// `money` with `decimals` decimals (≥ 2), e.g. `"5000.000000000"`.
pub(crate) fn fixed(money: Money, decimals: usize) -> String {
    let base = money.to_string();
    format!("{base}{}", "0".repeat(decimals.saturating_sub(2)))
}

/// `v1/payment` answer.
pub(crate) fn payment_created(p: &Payment) -> Option<PaymentCreateResponse> {
    let requisites = p.requisites.as_ref();
    Some(PaymentCreateResponse {
        url: p.url.clone(),
        payment_status: p.status,
        id: GatewayPaymentId::new(p.id).ok()?,
        uuid: p.uuid,
        success_redirect_url: p.success_url.clone(),
        card_number: requisites.map(|r| r.card_number.clone()),
        card_holder_name: requisites.map(|r| r.holder.clone()),
        bank: requisites.map(|r| r.bank.clone()),
    })
}

/// `v1/payout` answer.
pub(crate) fn payout_created(p: &Payout) -> Option<PayoutCreateResponse> {
    Some(PayoutCreateResponse {
        payment_status: p.status,
        id: GatewayPaymentId::new(p.id).ok()?,
    })
}

/// `v1/account/balance` answer.
#[derive(Debug, Serialize)]
pub(crate) struct BalanceBody {
    currency: &'static str,
    balance: String,
    hold: String,
    rolling_reserve: String,
    pending_payouts: String,
}

pub(crate) fn balance(b: Balance) -> BalanceBody {
    BalanceBody {
        currency: "RUB",
        balance: fixed(b.balance, 8),
        hold: fixed(Money::ZERO, 8),
        rolling_reserve: fixed(Money::ZERO, 8),
        pending_payouts: fixed(b.pending_payouts, 8),
    }
}

/// One `v1/account/info` service.
#[derive(Debug, Serialize)]
pub(crate) struct InfoItem {
    method: &'static str,
    currency: &'static str,
    service_code: String,
    status: &'static str,
}

/// `v1/account/info` answer.
#[derive(Debug, Serialize)]
pub(crate) struct InfoBody {
    is_allowed_payment: bool,
    is_allowed_payout: bool,
    payments: Vec<InfoItem>,
    payouts: Vec<InfoItem>,
}

fn method_family(method: Method) -> &'static str {
    match method {
        Method::CardForm | Method::CardTransfer => "payment_card",
        Method::Sbp => "payment_card_sbp",
        Method::Sberpay => "payment_card_sberpay",
        Method::AccountForm | Method::AccountTransfer => "virtual_account",
    }
}

fn payout_family(kind: PayoutKind) -> &'static str {
    match kind {
        PayoutKind::Sbp => "payment_card_sbp",
        PayoutKind::Account => "virtual_account",
        PayoutKind::Card => "payment_card",
    }
}

fn item(method: &'static str, service_code: &str) -> InfoItem {
    InfoItem {
        method,
        currency: "RUB",
        service_code: service_code.to_owned(),
        status: "active",
    }
}

/// The services of `account`: the configured list as written, or every default service.
pub(crate) fn info(account: &SandboxAccount) -> InfoBody {
    let (payments, payouts): (Vec<InfoItem>, Vec<InfoItem>) = match &account.services {
        None => (
            Method::ALL
                .iter()
                .map(|m| item(method_family(*m), m.default_service()))
                .collect(),
            PayoutKind::ALL
                .iter()
                .map(|k| item(payout_family(*k), k.default_service()))
                .collect(),
        ),
        Some(list) => (
            list.iter()
                .filter_map(|s| Method::for_service(s).map(|m| item(method_family(m), s)))
                .collect(),
            list.iter()
                .filter_map(|s| PayoutKind::for_service(s).map(|k| item(payout_family(k), s)))
                .collect(),
        ),
    };
    InfoBody {
        is_allowed_payment: !payments.is_empty(),
        is_allowed_payout: !payouts.is_empty(),
        payments,
        payouts,
    }
}

/// One history item.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryItem {
    created_at: String,
    id: u64,
    order_id: String,
    amount: String,
    commission_amount: Option<String>,
    currency: &'static str,
    status: &'static str,
}

/// Laravel paginator links.
#[derive(Debug, Serialize)]
pub(crate) struct Links {
    first: String,
    last: String,
    prev: Option<String>,
    next: Option<String>,
}

/// Laravel paginator meta.
#[derive(Debug, Serialize)]
pub(crate) struct Meta {
    current_page: u64,
    from: Option<u64>,
    last_page: u64,
    path: String,
    per_page: u64,
    to: Option<u64>,
    total: u64,
}

/// `v1/payment/history` answer.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryBody {
    data: Vec<HistoryItem>,
    links: Links,
    meta: Meta,
}

fn datetime(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The page `q` of `items` (already cut) out of `total`; `path` is the history URL.
pub(crate) fn history(items: &[&Payment], total: u64, q: &HistoryQuery, path: &str) -> HistoryBody {
    let last_page = total.div_ceil(q.per_page).max(1);
    let count = u64::try_from(items.len()).unwrap_or(0);
    let first_index = (q.page - 1) * q.per_page + 1;
    let link = |page: u64| format!("{path}?page={page}");
    HistoryBody {
        data: items
            .iter()
            .map(|p| HistoryItem {
                created_at: datetime(p.created_at_ms),
                id: p.id,
                order_id: p.order_id.clone(),
                amount: fixed(p.amount.into(), 9),
                commission_amount: p
                    .settlement
                    .as_ref()
                    .filter(|s| s.commission != Money::ZERO)
                    .map(|s| fixed(s.commission, 9)),
                currency: "RUB",
                status: p.status.as_str(),
            })
            .collect(),
        links: Links {
            first: link(1),
            last: link(last_page),
            prev: (q.page > 1).then(|| link(q.page - 1)),
            next: (q.page < last_page).then(|| link(q.page + 1)),
        },
        meta: Meta {
            current_page: q.page,
            from: (count > 0).then_some(first_index),
            last_page,
            path: path.to_owned(),
            per_page: q.per_page,
            to: (count > 0).then(|| first_index + count - 1),
            total,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fixed_decimals() {
        assert_eq!(fixed(Money::from_kopecks(500_000), 9), "5000.000000000");
        assert_eq!(fixed(Money::from_kopecks(9_384), 8), "93.84000000");
        assert_eq!(fixed(Money::from_kopecks(-50), 8), "-0.50000000");
        assert_eq!(fixed(Money::ZERO, 2), "0.00");
    }
}
