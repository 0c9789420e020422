//! `POST v1/payout` (§2.4) and the payout status response (§2.5).

use serde::{Deserialize, Serialize};

use crate::serde_util;
use crate::{
    AccountNumber, Amount, BankCode, BankCodeError, BankMemberId, Bic, CardNumber, DigitsError,
    GatewayPaymentId, HttpUrl, Money, OrderId, PaymentStatus, PayoutKind, Phone, PhoneError,
};

/// Where a payout goes; its fields are written flat into the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PayoutTarget {
    /// SBP transfer to a phone.
    Sbp {
        /// Recipient phone, `79031112233`.
        number: Phone,
        /// Recipient's bank, 12-digit SBP member id.
        customer_code: BankMemberId,
    },
    /// Transfer to a bank account.
    Account {
        /// 20-digit account number.
        number: AccountNumber,
        /// Recipient's bank (SBP member id or slug).
        customer_code: BankCode,
        /// 9-digit BIC of the recipient's bank.
        bik_bank: Bic,
    },
    /// Transfer to a card.
    Card {
        /// 16-digit card number.
        number: CardNumber,
        /// Card details some accounts require.
        #[serde(skip_serializing_if = "Option::is_none")]
        extra: Option<CardPayoutExtra>,
    },
}

impl PayoutTarget {
    /// The payout kind.
    pub fn kind(&self) -> PayoutKind {
        match self {
            Self::Sbp { .. } => PayoutKind::Sbp,
            Self::Account { .. } => PayoutKind::Account,
            Self::Card { .. } => PayoutKind::Card,
        }
    }
}

/// The `extra` object of a card payout (older generic page; required only for EUR accounts).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CardPayoutExtra {
    /// Expiry year, 2 digits.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub card_exp_year: Option<String>,
    /// Expiry month, 2 digits.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub card_exp_month: Option<String>,
    /// Card holder name (≤ 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_holder: Option<String>,
    /// Card country, ISO 3166 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_country: Option<String>,
    /// Recipient's birth date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_recipient_birth_date: Option<String>,
}

/// Body of `POST v1/payout`. Build with [`sbp`](Self::sbp), [`account`](Self::account) or
/// [`card`](Self::card). When read, the kind is taken from `service` (default names), else from
/// the fields present (`bik_bank` → account, `customer_code` → SBP, neither → card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PayoutCreateWire")]
pub struct PayoutCreateRequest {
    /// Amount in rubles, written as `"3000.00"`.
    pub amount: Amount,
    /// The merchant's unique payout id (≤ 128).
    pub order_id: OrderId,
    /// Gateway service code, e.g. `payment_card_sbp_rub`.
    pub service: String,
    /// Recipient (`number`, `customer_code`, `bik_bank`, `extra`).
    #[serde(flatten)]
    pub target: PayoutTarget,
    /// Id of a notification URL registered in the cabinet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_endpoint_id: Option<u64>,
    /// Notification URL for this payout (≤ 255).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_endpoint_url: Option<HttpUrl>,
}

impl PayoutCreateRequest {
    fn with_target(amount: Amount, order_id: OrderId, target: PayoutTarget) -> Self {
        Self {
            amount,
            order_id,
            service: target.kind().default_service().to_owned(),
            target,
            notification_endpoint_id: None,
            notification_endpoint_url: None,
        }
    }

    /// An SBP payout to `phone` at the bank `member`.
    pub fn sbp(amount: Amount, order_id: OrderId, phone: Phone, member: BankMemberId) -> Self {
        Self::with_target(
            amount,
            order_id,
            PayoutTarget::Sbp {
                number: phone,
                customer_code: member,
            },
        )
    }

    /// A payout to a bank account.
    pub fn account(
        amount: Amount,
        order_id: OrderId,
        account: AccountNumber,
        customer_code: BankCode,
        bic: Bic,
    ) -> Self {
        Self::with_target(
            amount,
            order_id,
            PayoutTarget::Account {
                number: account,
                customer_code,
                bik_bank: bic,
            },
        )
    }

    /// A payout to a card.
    pub fn card(
        amount: Amount,
        order_id: OrderId,
        card: CardNumber,
        extra: Option<CardPayoutExtra>,
    ) -> Self {
        Self::with_target(
            amount,
            order_id,
            PayoutTarget::Card {
                number: card,
                extra,
            },
        )
    }

    /// Uses a configured service name instead of the kind's default.
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

    /// The payout kind.
    pub fn kind(&self) -> PayoutKind {
        self.target.kind()
    }
}

/// Why a payout body does not describe a valid recipient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayoutRequestError {
    /// SBP `number` is not a phone.
    #[error(transparent)]
    Phone(PhoneError),
    /// `number` is not a valid account or card number, `customer_code` not a member id, or
    /// `bik_bank` not a BIC.
    #[error(transparent)]
    Digits(DigitsError),
    /// Account payout `customer_code` is neither a member id nor a slug.
    #[error(transparent)]
    BankCode(BankCodeError),
    /// SBP and account payouts need `customer_code`.
    #[error("the customer code field is required")]
    MissingCustomerCode,
    /// Account payouts need `bik_bank`.
    #[error("the bik bank field is required")]
    MissingBik,
}

/// The body as received, before the recipient is typed.
#[derive(Deserialize)]
struct PayoutCreateWire {
    amount: Amount,
    order_id: OrderId,
    service: String,
    #[serde(deserialize_with = "serde_util::text")]
    number: String,
    #[serde(default, deserialize_with = "serde_util::opt_text")]
    customer_code: Option<String>,
    #[serde(default, deserialize_with = "serde_util::opt_text")]
    bik_bank: Option<String>,
    #[serde(default)]
    extra: Option<CardPayoutExtra>,
    #[serde(default, deserialize_with = "serde_util::opt_u64")]
    notification_endpoint_id: Option<u64>,
    #[serde(default)]
    notification_endpoint_url: Option<HttpUrl>,
}

impl TryFrom<PayoutCreateWire> for PayoutCreateRequest {
    type Error = PayoutRequestError;

    fn try_from(w: PayoutCreateWire) -> Result<Self, Self::Error> {
        use PayoutRequestError as E;
        let kind = PayoutKind::for_service(&w.service).unwrap_or(if w.bik_bank.is_some() {
            PayoutKind::Account
        } else if w.customer_code.is_some() {
            PayoutKind::Sbp
        } else {
            PayoutKind::Card
        });
        let target = match kind {
            PayoutKind::Sbp => PayoutTarget::Sbp {
                number: Phone::parse(&w.number).map_err(E::Phone)?,
                customer_code: BankMemberId::parse(
                    w.customer_code.as_deref().ok_or(E::MissingCustomerCode)?,
                )
                .map_err(E::Digits)?,
            },
            PayoutKind::Account => PayoutTarget::Account {
                number: AccountNumber::parse(&w.number).map_err(E::Digits)?,
                customer_code: BankCode::parse(
                    w.customer_code.as_deref().ok_or(E::MissingCustomerCode)?,
                )
                .map_err(E::BankCode)?,
                bik_bank: Bic::parse(w.bik_bank.as_deref().ok_or(E::MissingBik)?)
                    .map_err(E::Digits)?,
            },
            PayoutKind::Card => PayoutTarget::Card {
                number: CardNumber::parse(&w.number).map_err(E::Digits)?,
                extra: w.extra,
            },
        };
        Ok(Self {
            amount: w.amount,
            order_id: w.order_id,
            service: w.service,
            target,
            notification_endpoint_id: w.notification_endpoint_id,
            notification_endpoint_url: w.notification_endpoint_url,
        })
    }
}

/// Response of `POST v1/payout`, e.g. `{"payment_status":"wait","id":123}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutCreateResponse {
    /// Always `wait` on creation.
    pub payment_status: PaymentStatus,
    /// The gateway's payout id.
    pub id: GatewayPaymentId,
}

/// Response of `POST v1/payout/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutStatusResponse {
    /// The merchant's payout id.
    pub order_id: OrderId,
    /// The gateway's payout id.
    pub id: GatewayPaymentId,
    /// Current status.
    pub payment_status: PaymentStatus,
    /// Masked recipient card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_mask: Option<String>,
    /// Requested amount (`"300.00"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub amount: Option<Money>,
    /// Amount actually paid out.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub payment_amount: Option<Money>,
    /// Whether only part was paid out.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_bool"
    )]
    pub is_partial_payment: Option<bool>,
    /// Amount debited from the account (`"290"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_payment_amount: Option<Money>,
    /// The gateway's commission.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub commission_amount: Option<Money>,
    /// The service used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// Retrieval reference number of the bank transfer (upper-case key on the wire).
    #[serde(
        rename = "RRN",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_text"
    )]
    pub rrn: Option<String>,
    /// Account balance before the payout.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_old_balance: Option<Money>,
    /// Account balance after the payout.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_util::opt_money"
    )]
    pub account_new_balance: Option<Money>,
}

impl PayoutStatusResponse {
    /// A response with only the required fields (the sandbox fills in the rest).
    pub fn new(order_id: OrderId, id: GatewayPaymentId, payment_status: PaymentStatus) -> Self {
        Self {
            order_id,
            id,
            payment_status,
            card_mask: None,
            amount: None,
            payment_amount: None,
            is_partial_payment: None,
            account_payment_amount: None,
            commission_amount: None,
            service_code: None,
            rrn: None,
            account_old_balance: None,
            account_new_balance: None,
        }
    }
}
