//! The AliKassa `api-merchant` v1 wire model (alikassa-api.md §2, §4, §5).
//!
//! Field names are exactly as on the wire (`cardNumber`, `RRN`, `bik_bank`, …). Conventions:
//! * **Responses are lenient**: unknown fields are ignored, amounts are read from numbers or
//!   strings (as [`Money`](crate::Money)), `""` counts as absent, booleans may be `0`/`1`.
//! * **Requests** are typed with our validated newtypes and built by per-service / per-kind
//!   constructors that demand what each service requires. They also deserialize (the sandbox
//!   reads what clients send, including the vendor's `"amount":500`); unknown fields are ignored
//!   there too, because the real gateway (Laravel) ignores them and vendor samples send extras.
//!   Amounts are always *written* as exact strings, `"1500.00"`.

mod account;
mod errors;
mod history;
mod notification;
mod payment;
mod payout;
mod status;

pub use account::{BalanceResponse, InfoItem, InfoResponse};
pub use errors::{UnauthenticatedBody, ValidationErrorBody};
pub use history::{HistoryItem, HistoryRequest, HistoryResponse, PaginatorLinks, PaginatorMeta};
pub use notification::{Notification, NotificationError, NotificationType};
pub use payment::{PaymentCreateRequest, PaymentCreateResponse, PaymentKind, PaymentKindError};
pub use payout::{
    CardPayoutExtra, PayoutCreateRequest, PayoutCreateResponse, PayoutRequestError,
    PayoutStatusResponse, PayoutTarget,
};
pub use status::{PaymentStatusResponse, StatusRequest, StatusRequestError};

/// Gateway method paths, relative to the API base URL (`https://api-merchant.alikassa.com/`).
pub mod paths {
    /// Create a pay-in.
    pub const PAYMENT: &str = "v1/payment";
    /// Pay-in status.
    pub const PAYMENT_STATUS: &str = "v1/payment/status";
    /// Pay-in history.
    pub const PAYMENT_HISTORY: &str = "v1/payment/history";
    /// Create a payout.
    pub const PAYOUT: &str = "v1/payout";
    /// Payout status.
    pub const PAYOUT_STATUS: &str = "v1/payout/status";
    /// Account balance.
    pub const ACCOUNT_BALANCE: &str = "v1/account/balance";
    /// Account services.
    pub const ACCOUNT_INFO: &str = "v1/account/info";
}
