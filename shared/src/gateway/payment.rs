//! `POST v1/payment` — create a pay-in (§2.1).

use serde::{Deserialize, Serialize};

use crate::serde_util;
use crate::{
    Amount, BankCode, CustomerIp, CustomerUserId, Description, GatewayPaymentId, HttpUrl,
    LifetimeSecs, Method, OrderId, PaymentStatus, UserAgent,
};

/// What a pay-in service needs beyond the common fields, one variant per [`Method`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentKind {
    /// Hosted card form.
    CardForm,
    /// Card-number transfer (H2H); the gateway requires the payer's bank.
    CardTransfer {
        /// The payer's bank (`customer_code`).
        customer_code: BankCode,
    },
    /// SBP transfer (H2H); the bank is optional (known integrations send the SBP member id).
    Sbp {
        /// The payer's bank (`customer_code`), if known.
        customer_code: Option<BankCode>,
    },
    /// SberPay (H2H).
    Sberpay,
    /// Hosted payment-account form.
    AccountForm,
    /// Bank-account transfer (H2H).
    AccountTransfer,
}

impl PaymentKind {
    /// The method this kind implements.
    pub fn method(&self) -> Method {
        match self {
            Self::CardForm => Method::CardForm,
            Self::CardTransfer { .. } => Method::CardTransfer,
            Self::Sbp { .. } => Method::Sbp,
            Self::Sberpay => Method::Sberpay,
            Self::AccountForm => Method::AccountForm,
            Self::AccountTransfer => Method::AccountTransfer,
        }
    }

    fn into_customer_code(self) -> Option<BankCode> {
        match self {
            Self::CardTransfer { customer_code } => Some(customer_code),
            Self::Sbp { customer_code } => customer_code,
            Self::CardForm | Self::Sberpay | Self::AccountForm | Self::AccountTransfer => None,
        }
    }
}

/// Why a create request does not fit a service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentKindError {
    /// A `service` none of our methods uses.
    #[error("unknown service {0:?}")]
    UnknownService(String),
    /// The service requires `customer_code` and none was sent.
    #[error("the customer code field is required for this service")]
    MissingCustomerCode,
}

/// Body of `POST v1/payment`.
///
/// Build it with [`PaymentCreateRequest::new`], which takes a [`PaymentKind`] so the fields a
/// service requires are present, then add optional fields with the `with_*` methods. Fields are
/// public so the sandbox can read what a client sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCreateRequest {
    /// Amount in rubles, written as an exact string `"1500.00"` (a JSON number is accepted when
    /// reading, as vendor samples send `500`).
    pub amount: Amount,
    /// The merchant's order id (≤ 128 characters), unique per live payment.
    pub order_id: OrderId,
    /// Gateway service code (≤ 100), e.g. `payment_card_sbp_rub_card`; see [`Method`].
    pub service: String,
    /// The payer's IP address.
    pub customer_ip: CustomerIp,
    /// The payer's id in the merchant's system (≤ 100 characters).
    pub customer_user_id: CustomerUserId,
    /// Id of a notification URL registered in the merchant cabinet.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub notification_endpoint_id: Option<u64>,
    /// Notification (callback) URL for this payment (≤ 255).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_endpoint_url: Option<HttpUrl>,
    /// Id of a success-redirect URL registered in the cabinet.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub success_redirect_id: Option<u64>,
    /// Id of a fail-redirect URL registered in the cabinet.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_u64"
    )]
    pub fail_redirect_id: Option<u64>,
    /// Where the payer lands after paying (≤ 255).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_redirect_url: Option<HttpUrl>,
    /// Where the payer lands after a failure (≤ 255).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_redirect_url: Option<HttpUrl>,
    /// Payment description (≤ 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<Description>,
    /// Seconds the payment stays payable, 900–3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<LifetimeSecs>,
    /// The payer's browser `User-Agent` (≤ 2000); vendor examples always send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_browser_user_agent: Option<UserAgent>,
    /// The payer's bank: SBP member id or bank slug (§2.9); required by card H2H.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_code: Option<BankCode>,
}

impl PaymentCreateRequest {
    /// A request for `kind`'s method with its default service and the common required fields.
    pub fn new(
        kind: PaymentKind,
        amount: Amount,
        order_id: OrderId,
        customer_ip: CustomerIp,
        customer_user_id: CustomerUserId,
    ) -> Self {
        Self {
            amount,
            order_id,
            service: kind.method().default_service().to_owned(),
            customer_ip,
            customer_user_id,
            notification_endpoint_id: None,
            notification_endpoint_url: None,
            success_redirect_id: None,
            fail_redirect_id: None,
            success_redirect_url: None,
            fail_redirect_url: None,
            desc: None,
            lifetime: None,
            customer_browser_user_agent: None,
            customer_code: kind.into_customer_code(),
        }
    }

    /// Uses a configured service name instead of the method's default.
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// Sets `notification_endpoint_url`.
    pub fn with_notification_url(mut self, url: HttpUrl) -> Self {
        self.notification_endpoint_url = Some(url);
        self
    }

    /// Sets `notification_endpoint_id`.
    pub fn with_notification_endpoint_id(mut self, id: u64) -> Self {
        self.notification_endpoint_id = Some(id);
        self
    }

    /// Sets `success_redirect_url`.
    pub fn with_success_redirect_url(mut self, url: HttpUrl) -> Self {
        self.success_redirect_url = Some(url);
        self
    }

    /// Sets `fail_redirect_url`.
    pub fn with_fail_redirect_url(mut self, url: HttpUrl) -> Self {
        self.fail_redirect_url = Some(url);
        self
    }

    /// Sets `desc`.
    pub fn with_desc(mut self, desc: Description) -> Self {
        self.desc = Some(desc);
        self
    }

    /// Sets `lifetime`.
    pub fn with_lifetime(mut self, lifetime: LifetimeSecs) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Sets `customer_browser_user_agent`.
    pub fn with_user_agent(mut self, user_agent: UserAgent) -> Self {
        self.customer_browser_user_agent = Some(user_agent);
        self
    }

    /// The kind this request is for, judged by `service` (default names and known aliases),
    /// checking the fields that service requires. For the sandbox.
    pub fn kind(&self) -> Result<PaymentKind, PaymentKindError> {
        let method = Method::for_service(&self.service)
            .ok_or_else(|| PaymentKindError::UnknownService(self.service.clone()))?;
        self.kind_for(method)
    }

    /// The kind this request is for when its service implements `method` (configured names).
    pub fn kind_for(&self, method: Method) -> Result<PaymentKind, PaymentKindError> {
        let code = self.customer_code.clone();
        Ok(match method {
            Method::CardForm => PaymentKind::CardForm,
            Method::CardTransfer => PaymentKind::CardTransfer {
                customer_code: code.ok_or(PaymentKindError::MissingCustomerCode)?,
            },
            Method::Sbp => PaymentKind::Sbp {
                customer_code: code,
            },
            Method::Sberpay => PaymentKind::Sberpay,
            Method::AccountForm => PaymentKind::AccountForm,
            Method::AccountTransfer => PaymentKind::AccountTransfer,
        })
    }
}

/// Response of `POST v1/payment` (HTTP 200).
///
/// The requisite fields are raw strings: `cardNumber` holds a card number, a phone or an account
/// number depending on the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCreateResponse {
    /// Payment page or redirect (hosted forms, SberPay); `null` for most H2H services.
    #[serde(default)]
    pub url: Option<String>,
    /// Always `wait` on creation.
    pub payment_status: PaymentStatus,
    /// The gateway's payment id.
    pub id: GatewayPaymentId,
    /// The gateway's payment UUID (also the last path segment of `url`).
    pub uuid: uuid::Uuid,
    /// Echo of the merchant's success URL.
    #[serde(default)]
    pub success_redirect_url: Option<String>,
    /// H2H requisite: card number, SBP phone (`7XXXXXXXXXX`) or 20-digit account.
    #[serde(
        rename = "cardNumber",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub card_number: Option<String>,
    /// H2H requisite: the recipient's name.
    #[serde(
        rename = "cardHolderName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub card_holder_name: Option<String>,
    /// Bank label of the requisites (undocumented; format unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
}
