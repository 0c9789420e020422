//! The body of `POST /api/v1/payouts` and the `Idempotency-Key` header.
//!
//! The body is read field by field ([`PayoutBody`], unknown fields refused) and validated into
//! a [`PayoutRequest`] of the shared crate's types, every problem reported at once by field.
//! Its [`canonical hash`](PayoutRequest::hash) is taken over the validated values, so
//! `"1500"` and `1500.00`, or `+7 903 111-22-33` and `79031112233`, are the same request.

use openssl::sha::sha256;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::{
    AccountNumber, Amount, BankCode, BankMemberId, Bic, Description, FieldErrors, OrderId,
    PayoutKind, Phone,
};
use utoipa::ToSchema;

use crate::store::{PayoutRequest, Recipient, encode_hex};

/// Longest recipient name kept with an account payout.
pub const MAX_HOLDER_CHARS: usize = 100;

/// Body of `POST /api/v1/payouts`, as received. SBP: `kind`, `amount`, `phone`,
/// `bank_member_id`; account: `kind`, `amount`, `account`, `bic`, optional `bank`, `holder`.
/// Both: optional `order_id`, `description`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutBody {
    /// `sbp` (to a phone through the Faster Payments System) or `account` (to a bank account).
    #[schema(example = "sbp")]
    pub kind: Option<String>,
    /// Amount in rubles, `"1500.00"` (a JSON number is accepted too); at most 2 decimals.
    #[schema(value_type = String, example = "1500.00")]
    pub amount: Option<Value>,
    /// SBP: the recipient's phone, 11 digits starting with 7 (`+7 903 111-22-33` is accepted).
    #[schema(example = "79031112233")]
    pub phone: Option<String>,
    /// SBP: the recipient's bank, its 12-digit SBP member id (`100000000111` = Sber).
    #[schema(example = "100000000111")]
    pub bank_member_id: Option<String>,
    /// Account: the 20-digit account number.
    pub account: Option<String>,
    /// Account: the 9-digit BIC of the recipient's bank.
    pub bic: Option<String>,
    /// Account: the recipient's bank as the gateway's `customer_code` (SBP member id or
    /// slug such as `sberbank`); absent = the checkout's `checkout.default_bank`.
    pub bank: Option<String>,
    /// Account: the recipient's name (1–100 characters), kept for your records.
    pub holder: Option<String>,
    /// Your reference for this payout (1–128 characters); not required to be unique.
    pub order_id: Option<String>,
    /// Free text kept with the payout (1–128 characters).
    pub description: Option<String>,
}

/// The canonical form hashed for idempotency: every field, in a fixed order, normalised.
#[derive(Serialize)]
struct Canonical<'a> {
    kind: &'a str,
    amount: String,
    phone: Option<&'a str>,
    bank_member_id: Option<&'a str>,
    account: Option<&'a str>,
    bic: Option<&'a str>,
    bank: Option<&'a str>,
    holder: Option<&'a str>,
    order_id: Option<&'a str>,
    description: Option<&'a str>,
}

impl PayoutRequest {
    /// SHA-256 (hex) of the canonical JSON of the request: equal for equal requests however
    /// they were written.
    pub fn hash(&self) -> String {
        let mut c = Canonical {
            kind: self.recipient.kind().as_str(),
            amount: self.amount.to_string(),
            phone: None,
            bank_member_id: None,
            account: None,
            bic: None,
            bank: None,
            holder: None,
            order_id: self.order_id.as_ref().map(OrderId::as_str),
            description: self.description.as_ref().map(Description::as_str),
        };
        match &self.recipient {
            Recipient::Sbp {
                phone,
                bank_member_id,
            } => {
                c.phone = Some(phone.as_str());
                c.bank_member_id = Some(bank_member_id.as_str());
            }
            Recipient::Account {
                account,
                bic,
                bank,
                holder,
            } => {
                c.account = Some(account.as_str());
                c.bic = Some(bic.as_str());
                c.bank = bank.as_ref().map(BankCode::as_str);
                c.holder = holder.as_deref();
            }
        }
        // A struct of strings always serialises.
        let json = serde_json::to_vec(&c).unwrap_or_default();
        encode_hex(&sha256(&json))
    }
}

/// Collects field errors while reading a body.
#[derive(Default)]
struct Errors(FieldErrors);

impl Errors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// `value` parsed by `parse`, or `None` with the error recorded (absent: `None`, plus
    /// "required" when `required`).
    fn field<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        value: Option<&str>,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value {
            None if required => {
                self.add(name, format!("{name} is required"));
                None
            }
            None => None,
            Some(text) => parse(text).map_err(|e| self.add(name, e.to_string())).ok(),
        }
    }
}

impl PayoutBody {
    /// Validates the body; every problem is reported, by field.
    pub fn validate(&self) -> Result<PayoutRequest, FieldErrors> {
        let mut errors = Errors::default();
        let kind = match self.kind.as_deref() {
            None => {
                errors.add("kind", "kind is required: sbp or account");
                None
            }
            Some("sbp") => Some(PayoutKind::Sbp),
            Some("account") => Some(PayoutKind::Account),
            Some(other) => {
                errors.add(
                    "kind",
                    format!("unknown payout kind {other:?}: use sbp or account"),
                );
                None
            }
        };
        let amount = match &self.amount {
            None => {
                errors.add("amount", "amount is required, e.g. \"1500.00\"");
                None
            }
            Some(value) => serde_json::from_value::<Amount>(value.clone())
                .map_err(|e| errors.add("amount", e.to_string()))
                .ok(),
        };
        let order_id = errors.field("order_id", self.order_id.as_deref(), false, |t| {
            OrderId::parse(t)
        });
        let description = errors.field("description", self.description.as_deref(), false, |t| {
            Description::parse(t)
        });
        let recipient = match kind {
            Some(PayoutKind::Sbp) => self.sbp(&mut errors),
            Some(PayoutKind::Account) => self.account(&mut errors),
            Some(PayoutKind::Card) | None => None,
        };
        match (amount, recipient) {
            (Some(amount), Some(recipient)) if errors.0.is_empty() => Ok(PayoutRequest {
                amount,
                recipient,
                order_id,
                description,
            }),
            _ => Err(errors.0),
        }
    }

    fn sbp(&self, errors: &mut Errors) -> Option<Recipient> {
        self.not_for(
            errors,
            "sbp",
            &[
                ("account", &self.account),
                ("bic", &self.bic),
                ("bank", &self.bank),
                ("holder", &self.holder),
            ],
        );
        let phone = errors.field("phone", self.phone.as_deref(), true, Phone::parse);
        let member = errors.field(
            "bank_member_id",
            self.bank_member_id.as_deref(),
            true,
            BankMemberId::parse,
        );
        Some(Recipient::Sbp {
            phone: phone?,
            bank_member_id: member?,
        })
    }

    fn account(&self, errors: &mut Errors) -> Option<Recipient> {
        self.not_for(
            errors,
            "account",
            &[
                ("phone", &self.phone),
                ("bank_member_id", &self.bank_member_id),
            ],
        );
        let account = errors.field("account", self.account.as_deref(), true, |t| {
            AccountNumber::parse(t)
        });
        let bic = errors.field("bic", self.bic.as_deref(), true, Bic::parse);
        let bank = errors.field("bank", self.bank.as_deref(), false, BankCode::parse);
        let holder = errors.field("holder", self.holder.as_deref(), false, holder);
        Some(Recipient::Account {
            account: account?,
            bic: bic?,
            bank,
            holder,
        })
    }

    /// Refuses fields of the other kind: a request mixing them is a mistake worth knowing.
    fn not_for(&self, errors: &mut Errors, kind: &str, fields: &[(&str, &Option<String>)]) {
        for (name, value) in fields {
            if value.is_some() {
                errors.add(name, format!("{name} is not used by {kind} payouts"));
            }
        }
    }
}

/// A recipient name: 1–100 characters, no control characters, trimmed.
fn holder(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        Err("holder is empty".to_owned())
    } else if chars > MAX_HOLDER_CHARS {
        Err(format!(
            "holder must be at most {MAX_HOLDER_CHARS} characters long, got {chars}"
        ))
    } else if trimmed.chars().any(char::is_control) {
        Err("holder must not contain control characters".to_owned())
    } else {
        Ok(trimmed.to_owned())
    }
}

/// The `Idempotency-Key` header: 1–255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// Why an `Idempotency-Key` header is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyKeyError {
    /// No header.
    #[error(
        "the Idempotency-Key header is required: any unique string of 1–255 printable characters, reused only to retry the same payout"
    )]
    Missing,
    /// Empty, too long, or not printable ASCII.
    #[error("the Idempotency-Key header must be 1–255 printable ASCII characters")]
    Invalid,
}

impl IdempotencyKey {
    /// Longest key.
    pub const MAX_LEN: usize = 255;

    /// Validates a header value.
    pub fn parse(bytes: &[u8]) -> Result<IdempotencyKey, IdempotencyKeyError> {
        let printable = bytes.iter().all(|b| (0x20..0x7f).contains(b));
        let text = std::str::from_utf8(bytes).map_err(|_| IdempotencyKeyError::Invalid)?;
        if !printable || text.trim().is_empty() || bytes.len() > Self::MAX_LEN {
            return Err(IdempotencyKeyError::Invalid);
        }
        Ok(IdempotencyKey(text.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;
