//! [`Requisites`]: what the buyer must do for a started payment, and how it is read from the
//! gateway's create response.

use serde::{Deserialize, Serialize};

use crate::gateway::PaymentCreateResponse;
use crate::{
    AccountNumber, Bic, CardNumber, DigitsError, HttpUrl, Method, Phone, PhoneError, UrlError,
};

/// What the widget shows for a started payment, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Requisites {
    /// Transfer to a card (`card_transfer`).
    Card {
        /// Card number, 16 digits (show [`CardNumber::grouped`]).
        card_number: CardNumber,
        /// Recipient's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        /// Recipient's bank.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank: Option<String>,
    },
    /// SBP transfer to a phone (`sbp`).
    Phone {
        /// Phone, `79031112233` (show [`Phone::display`]).
        phone: Phone,
        /// Recipient's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        /// Recipient's bank.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank: Option<String>,
    },
    /// Transfer to a bank account (`account_transfer`).
    Account {
        /// 20-digit account number.
        account: AccountNumber,
        /// BIC of the recipient's bank, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bic: Option<Bic>,
        /// Recipient's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        /// Recipient's bank.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank: Option<String>,
    },
    /// Go to the gateway's hosted form (`card_form`, `account_form`).
    Redirect {
        /// The gateway's payment page.
        url: HttpUrl,
    },
    /// Pay with SberPay: open `url` on mobile, show it as a QR code on desktop (`sberpay`).
    Sberpay {
        /// The SberPay link.
        url: HttpUrl,
        /// Phone the gateway returned alongside, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<Phone>,
        /// Recipient's name, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
    },
}

/// Why a gateway create response does not give usable requisites for a method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequisitesError {
    /// No `url` where the method needs one.
    #[error("the gateway returned no payment URL")]
    MissingUrl,
    /// `url` is not a usable URL.
    #[error("the gateway returned an unusable payment URL: {0}")]
    InvalidUrl(UrlError),
    /// No `cardNumber` where the method needs requisites.
    #[error("the gateway returned no requisites")]
    MissingRequisites,
    /// `cardNumber` is not a card or account number as expected.
    #[error("the gateway returned unusable requisites: {0}")]
    InvalidNumber(DigitsError),
    /// `cardNumber` is not a phone as expected.
    #[error("the gateway returned unusable requisites: {0}")]
    InvalidPhone(PhoneError),
}

/// A present, non-blank string.
fn text(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.trim().is_empty())
}

impl Requisites {
    /// Reads what the payer must do for `method` from the gateway's `POST v1/payment` answer:
    /// hosted forms → `url`; card / SBP / account transfer → `cardNumber` as a card, phone or
    /// account; SberPay → `url` (plus the phone, when it reads as one).
    pub fn from_gateway(
        method: Method,
        response: &PaymentCreateResponse,
    ) -> Result<Requisites, RequisitesError> {
        let url = || -> Result<HttpUrl, RequisitesError> {
            let url = text(response.url.as_ref()).ok_or(RequisitesError::MissingUrl)?;
            HttpUrl::parse(url).map_err(RequisitesError::InvalidUrl)
        };
        let number =
            || text(response.card_number.as_ref()).ok_or(RequisitesError::MissingRequisites);
        let holder = text(response.card_holder_name.as_ref()).map(str::to_owned);
        let bank = text(response.bank.as_ref()).map(str::to_owned);
        Ok(match method {
            Method::CardForm | Method::AccountForm => Requisites::Redirect { url: url()? },
            Method::CardTransfer => Requisites::Card {
                card_number: CardNumber::parse(number()?)
                    .map_err(RequisitesError::InvalidNumber)?,
                holder,
                bank,
            },
            Method::Sbp => Requisites::Phone {
                phone: Phone::parse(number()?).map_err(RequisitesError::InvalidPhone)?,
                holder,
                bank,
            },
            Method::Sberpay => Requisites::Sberpay {
                url: url()?,
                phone: number().ok().and_then(|n| Phone::parse(n).ok()),
                holder,
            },
            Method::AccountTransfer => Requisites::Account {
                account: AccountNumber::parse(number()?).map_err(RequisitesError::InvalidNumber)?,
                bic: None,
                holder,
                bank,
            },
        })
    }
}
