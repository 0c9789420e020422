//! Wire and domain types of alikassa-checkout, shared by the server and the widget.
//!
//! * Validated newtypes ([`Amount`], [`Money`], [`OrderId`], [`Phone`], [`HttpUrl`], …): each has a
//!   private field and one fallible constructor; `Deserialize` goes through that constructor, so an
//!   invalid value cannot exist past the edge.
//! * [`PaymentStatus`] (the gateway's) and [`SessionStatus`] (ours): closed enums with explicit
//!   transitions.
//! * [`Method`] / [`PayoutKind`]: our payment methods and their default gateway services.
//! * [`gateway`]: the AliKassa `api-merchant` wire model, field names exactly as on the wire.
//! * [`api`]: our own HTTP API (merchant API and widget API).
//!
//! This crate depends on nothing server-side and builds for `wasm32-unknown-unknown`; it never
//! reads the clock.

/// `Display` as `as_str()` and `FromStr` by that name among `ALL`, for a closed enum; an
/// unknown name is refused with `$refuse(name)`.
macro_rules! by_name {
    ($ty:ty, $err:ty, $refuse:expr) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let refuse: fn(&str) -> $err = $refuse;
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| refuse(s))
            }
        }
    };
}

mod amount;
mod bank;
mod decimal;
mod ids;
mod ip;
mod lifetime;
mod method;
mod money;
#[cfg(feature = "openapi")]
mod openapi;
mod payout_status;
mod phone;
mod serde_util;
mod status;
mod text;
mod url;

pub mod api;
pub mod display;
pub mod gateway;

pub use amount::{Amount, AmountError};
pub use bank::{
    AccountNumber, BankCode, BankCodeError, BankMemberId, Bic, CardNumber, DigitsError,
};
pub use ids::{AccountUuid, AccountUuidError, GatewayPaymentId, GatewayPaymentIdError};
pub use ip::{CustomerIp, CustomerIpError};
pub use lifetime::{LifetimeError, LifetimeSecs};
pub use method::{Flow, Method, MethodParseError, PayoutKind};
pub use money::{Money, MoneyError};
pub use payout_status::PayoutStatus;
pub use phone::{Phone, PhoneError};
pub use status::{PaymentStatus, SessionStatus, StatusParseError, TransitionError};
pub use text::{CustomerUserId, Description, OrderId, TextError, UserAgent};
pub use url::{HttpUrl, UrlError};

/// Field name → list of human-readable messages; the shape of the gateway's 400 body (§5) and
/// of the `details` of our own error body. A `BTreeMap`, so the order is deterministic (sorted by
/// field name) whatever order the checks ran in.
pub type FieldErrors = std::collections::BTreeMap<String, Vec<String>>;
