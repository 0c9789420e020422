//! Our own HTTP API: the merchant API (`/api/v1/sessions`, …) and the widget API
//! (`/api/v1/checkout/{token}/…`). Used by the server and by the widget.
//!
//! Request types reject unknown fields; timestamps are RFC 3339 strings.

mod checkout;
mod error;
mod history;
mod locale;
mod metadata;
mod requisites;
mod session;
mod token;

pub use checkout::{CheckoutView, PayAnswer, PayRequest, StatusUpdate};
pub use error::{ApiError, ApiErrorBody};
pub use history::{AttemptState, PaymentAttempt, SessionList, StatusChange, StatusSource};
pub use locale::{Locale, LocaleError};
pub use metadata::{Metadata, MetadataError};
pub use requisites::{Requisites, RequisitesError};
pub use session::{CreateSessionRequest, SessionCreated, SessionDetails};
pub use token::{SessionId, SessionIdError, SessionToken, SessionTokenError};

/// Route prefixes of our API (product.md "Public contract").
pub mod paths {
    /// Merchant API: create (`POST`) and read (`GET …/{id}`) sessions.
    pub const SESSIONS: &str = "/api/v1/sessions";
    /// Merchant API: payouts.
    pub const PAYOUTS: &str = "/api/v1/payouts";
    /// Merchant API: balance.
    pub const BALANCE: &str = "/api/v1/balance";
    /// Widget API prefix: `…/{token}`, `…/{token}/pay`, `…/{token}/status`, `…/{token}/events`,
    /// `…/{token}/check`.
    pub const CHECKOUT: &str = "/api/v1/checkout";
    /// Hosted payment page prefix: `/pay/{token}`.
    pub const HOSTED_PAGE: &str = "/pay";
    /// Gateway notifications.
    pub const WEBHOOK: &str = "/webhooks/alikassa";
}
