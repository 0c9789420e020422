//! Our payment methods ([`Method`]) and payout kinds ([`PayoutKind`]) with their default gateway
//! services (product.md table; services are configurable per method, these are the defaults).

use serde::{Deserialize, Serialize};

/// An unknown method or payout-kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}; expected one of: {expected}")]
pub struct MethodParseError {
    kind: &'static str,
    name: String,
    expected: &'static str,
}

/// What the payer goes through for a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Redirect to the gateway's hosted form (`url`).
    HostedForm,
    /// Requisites shown in our widget (card number, phone or account) to transfer to.
    Transfer,
    /// A SberPay link (mobile) or its QR code (desktop).
    SberPay,
}

/// A pay-in method as our API and widget name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Redirect to the gateway's hosted card form.
    CardForm,
    /// Card number + holder (+ bank) to transfer the exact amount to (H2H).
    CardTransfer,
    /// Phone number + holder + bank for an SBP transfer (H2H).
    Sbp,
    /// "Pay with SberPay" link on mobile, its QR on desktop (H2H).
    Sberpay,
    /// Redirect to the gateway's hosted payment-account form.
    AccountForm,
    /// 20-digit account + holder (+ BIC, bank) to transfer to (H2H).
    AccountTransfer,
}

impl Method {
    /// Every method, in product.md's table order.
    pub const ALL: [Method; 6] = [
        Self::CardForm,
        Self::CardTransfer,
        Self::Sbp,
        Self::Sberpay,
        Self::AccountForm,
        Self::AccountTransfer,
    ];

    const NAMES: &'static str =
        "card_form, card_transfer, sbp, sberpay, account_form, account_transfer";

    /// Our name (`card_form`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CardForm => "card_form",
            Self::CardTransfer => "card_transfer",
            Self::Sbp => "sbp",
            Self::Sberpay => "sberpay",
            Self::AccountForm => "account_form",
            Self::AccountTransfer => "account_transfer",
        }
    }

    /// The gateway `service` used unless configuration overrides it.
    pub fn default_service(self) -> &'static str {
        match self {
            Self::CardForm => "payment_card_number_rub_hpp",
            Self::CardTransfer => "payment_card_number_card",
            Self::Sbp => "payment_card_sbp_rub_card",
            Self::Sberpay => "payment_card_sberpay_rub_card",
            Self::AccountForm => "virtual_account_rub_hpp",
            Self::AccountTransfer => "virtual_account_rub_card",
        }
    }

    /// Other service names the vendor's pages and known integrations use for the same method
    /// (alikassa-api.md §2.1).
    pub fn service_aliases(self) -> &'static [&'static str] {
        match self {
            Self::CardForm => &["payment_card_rub_hpp", "payment_card_number_hpp"],
            Self::CardTransfer => &["payment_card_number_rub_card"],
            Self::Sbp => &[],
            Self::Sberpay => &[],
            Self::AccountForm => &[],
            Self::AccountTransfer => &[],
        }
    }

    /// The method a gateway `service` belongs to (default name or a known alias).
    pub fn for_service(service: &str) -> Option<Method> {
        Self::ALL
            .into_iter()
            .find(|m| m.default_service() == service || m.service_aliases().contains(&service))
    }

    /// What the payer goes through.
    pub fn flow(self) -> Flow {
        match self {
            Self::CardForm | Self::AccountForm => Flow::HostedForm,
            Self::CardTransfer | Self::Sbp | Self::AccountTransfer => Flow::Transfer,
            Self::Sberpay => Flow::SberPay,
        }
    }

    /// Whether the payer is sent to the gateway's hosted form.
    pub fn is_redirect(self) -> bool {
        self.flow() == Flow::HostedForm
    }

    /// Whether the gateway requires `customer_code` (the payer's bank) for this method.
    pub fn requires_customer_code(self) -> bool {
        match self {
            Self::CardTransfer => true,
            Self::CardForm
            | Self::Sbp
            | Self::Sberpay
            | Self::AccountForm
            | Self::AccountTransfer => false,
        }
    }
}

by_name!(Method, MethodParseError, |s| MethodParseError {
    kind: "payment method",
    name: s.to_owned(),
    expected: Method::NAMES,
});

/// A payout kind as our API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutKind {
    /// To a phone number through SBP.
    Sbp,
    /// To a 20-digit bank account.
    Account,
    /// To a card number.
    Card,
}

impl PayoutKind {
    /// Every kind.
    pub const ALL: [PayoutKind; 3] = [Self::Sbp, Self::Account, Self::Card];

    /// Our name (`sbp`, `account`, `card`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sbp => "sbp",
            Self::Account => "account",
            Self::Card => "card",
        }
    }

    /// The gateway `service` used unless configuration overrides it.
    pub fn default_service(self) -> &'static str {
        match self {
            Self::Sbp => "payment_card_sbp_rub",
            Self::Account => "virtual_account_rub",
            Self::Card => "payment_card_rub",
        }
    }

    /// The kind whose default service is `service`.
    pub fn for_service(service: &str) -> Option<PayoutKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.default_service() == service)
    }
}

by_name!(PayoutKind, MethodParseError, |s| MethodParseError {
    kind: "payout kind",
    name: s.to_owned(),
    expected: "sbp, account, card",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_services_and_flows() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>().unwrap(), m);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
            assert_eq!(Method::for_service(m.default_service()), Some(m));
        }
        assert_eq!(
            Method::for_service("payment_card_rub_hpp"),
            Some(Method::CardForm)
        );
        assert_eq!(Method::for_service("nope"), None);
        assert!(Method::CardForm.is_redirect());
        assert!(!Method::Sberpay.is_redirect());
        assert!("card".parse::<Method>().is_err());
        for k in PayoutKind::ALL {
            assert_eq!(k.as_str().parse::<PayoutKind>().unwrap(), k);
            assert_eq!(PayoutKind::for_service(k.default_service()), Some(k));
        }
    }
}
