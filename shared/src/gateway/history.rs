//! `POST v1/payment/history` — paginated pay-in list (§2.3), a Laravel paginator.

use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

use crate::serde_util;
use crate::{GatewayPaymentId, Money, OrderId, PaymentStatus};

time::serde::format_description!(gateway_date, Date, "[year]-[month]-[day]");
time::serde::format_description!(
    gateway_datetime,
    PrimitiveDateTime,
    "[year]-[month]-[day] [hour]:[minute]:[second]"
);

/// Body of `POST v1/payment/history`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HistoryRequest {
    /// First day, `YYYY-MM-DD`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "gateway_date::option"
    )]
    pub date_from: Option<Date>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "gateway_date::option"
    )]
    pub date_to: Option<Date>,
    /// Page number, from 1.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub page: Option<u64>,
    /// Page size.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub paginate: Option<u64>,
}

/// Response of `POST v1/payment/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryResponse {
    /// The payments on this page.
    pub data: Vec<HistoryItem>,
    /// Links to other pages.
    #[serde(default)]
    pub links: PaginatorLinks,
    /// Page numbers and counts.
    #[serde(default)]
    pub meta: PaginatorMeta,
}

/// One pay-in in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Creation time, `YYYY-MM-DD HH:MM:SS` (gateway local time; zone not documented).
    #[serde(with = "gateway_datetime")]
    pub created_at: PrimitiveDateTime,
    /// The gateway's payment id.
    pub id: GatewayPaymentId,
    /// The merchant's order id (not necessarily unique in history, §6).
    pub order_id: OrderId,
    /// Amount, reported with 9 decimals (`"5000.000000000"`).
    pub amount: Money,
    /// Commission, or `null`.
    #[serde(default, deserialize_with = "serde_util::opt_money")]
    pub commission_amount: Option<Money>,
    /// Currency, `RUB`.
    pub currency: String,
    /// Status — note the key is `status` here, values as `payment_status`.
    pub status: PaymentStatus,
}

/// Laravel paginator links (`…/v1/payment/history?page=N`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaginatorLinks {
    /// First page.
    #[serde(default)]
    pub first: Option<String>,
    /// Last page.
    #[serde(default)]
    pub last: Option<String>,
    /// Previous page, `null` on the first.
    #[serde(default)]
    pub prev: Option<String>,
    /// Next page, `null` on the last.
    #[serde(default)]
    pub next: Option<String>,
}

/// Laravel paginator meta (numbers may arrive as strings).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaginatorMeta {
    /// This page's number.
    #[serde(default, deserialize_with = "serde_util::opt_u64")]
    pub current_page: Option<u64>,
    /// Index of the first item on this page (`null` when empty).
    #[serde(default, deserialize_with = "serde_util::opt_u64")]
    pub from: Option<u64>,
    /// Number of the last page.
    #[serde(default, deserialize_with = "serde_util::opt_u64")]
    pub last_page: Option<u64>,
    /// Base URL of the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Page size.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub per_page: Option<u64>,
    /// Index of the last item on this page.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub to: Option<u64>,
    /// Total number of items.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub total: Option<u64>,
}
