//! Merchant API: `POST /api/v1/sessions` and `GET /api/v1/sessions/{id}`.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Locale, Metadata, PaymentAttempt, Requisites, SessionId, SessionToken, StatusChange};
use crate::{
    Amount, CustomerUserId, Description, GatewayPaymentId, HttpUrl, LifetimeSecs, Method, OrderId,
    PaymentStatus, SessionStatus,
};

/// Body of `POST /api/v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    /// The merchant's order id (1–128 characters).
    pub order_id: OrderId,
    /// Amount to pay, `"1500.00"` (a JSON number is accepted too).
    pub amount: Amount,
    /// The buyer's id in the merchant's system (1–100 characters).
    pub customer_user_id: CustomerUserId,
    /// Methods to offer, in display order; absent = all configured methods. Must not be empty
    /// or repeat a method.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "method_list"
    )]
    pub methods: Option<Vec<Method>>,
    /// Shown to the buyer and sent to the gateway as `desc` (1–128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Widget language; absent = `ru`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// Where the hosted page sends the buyer after paying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<HttpUrl>,
    /// Where the hosted page sends the buyer after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_url: Option<HttpUrl>,
    /// How long the session stays payable, 900–3600 s; absent = 900.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_secs: Option<LifetimeSecs>,
    /// Free-form merchant data returned with the session and in events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl CreateSessionRequest {
    /// A request with only the required fields.
    pub fn new(order_id: OrderId, amount: Amount, customer_user_id: CustomerUserId) -> Self {
        Self {
            order_id,
            amount,
            customer_user_id,
            methods: None,
            description: None,
            locale: None,
            success_url: None,
            fail_url: None,
            lifetime_secs: None,
            metadata: None,
        }
    }
}

/// `methods`: a non-empty list without repeats (`null` = absent).
fn method_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Method>>, D::Error> {
    let Some(methods) = Option::<Vec<Method>>::deserialize(d)? else {
        return Ok(None);
    };
    if methods.is_empty() {
        return Err(de::Error::custom(
            "methods must list at least one method (or be left out for all)",
        ));
    }
    for (i, m) in methods.iter().enumerate() {
        if methods[..i].contains(m) {
            return Err(de::Error::custom(format!("method {m} is listed twice")));
        }
    }
    Ok(Some(methods))
}

/// Response of `POST /api/v1/sessions` (`201`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionCreated {
    /// Session id for the merchant API.
    pub id: SessionId,
    /// Token for the widget (`data-token`) — a secret bearer capability.
    pub token: SessionToken,
    /// The hosted payment page, `{base}/pay/{token}`.
    pub hosted_url: HttpUrl,
    /// Always `open` on creation.
    pub status: SessionStatus,
    /// When the session stops being payable.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Response of `GET /api/v1/sessions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDetails {
    /// Session id.
    pub id: SessionId,
    /// Token for the widget.
    pub token: SessionToken,
    /// The merchant's order id.
    pub order_id: OrderId,
    /// Amount to pay.
    pub amount: Amount,
    /// The buyer's id in the merchant's system.
    pub customer_user_id: CustomerUserId,
    /// Current status.
    pub status: SessionStatus,
    /// Money the gateway reports received for this session, every attempt together; absent
    /// until a payment is paid (or while a paid payment's amount is being confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Amount>,
    /// How much more than `amount` was received (paid more than asked, or paid twice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overpaid_amount: Option<Amount>,
    /// Money the merchant must look at: underpaid, overpaid, paid twice, paid after the
    /// session ended, a paid payment whose amount is not confirmed yet, or a gateway report
    /// that did not match the payment it named. The history says which.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub needs_attention: bool,
    /// `true` when the server moves real money (a gateway is configured), `false` in sandbox
    /// mode (test money).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub livemode: bool,
    /// Methods offered.
    pub methods: Vec<Method>,
    /// Method the buyer chose, once chosen.
    #[serde(default)]
    pub method: Option<Method>,
    /// The gateway's payment id, once a payment exists (what the sandbox controls take).
    #[serde(default)]
    pub gateway_payment_id: Option<GatewayPaymentId>,
    /// The gateway's last reported status, once a payment exists.
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    /// Description.
    #[serde(default)]
    pub description: Option<Description>,
    /// The hosted payment page.
    pub hosted_url: HttpUrl,
    /// Merchant metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last status change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the session stops being payable.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// What the buyer was shown for the current payment, once one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requisites: Option<Requisites>,
    /// Every payment attempt, oldest first (left out of list items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<PaymentAttempt>,
    /// Every status change, oldest first (left out of list items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StatusChange>,
}
