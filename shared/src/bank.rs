//! Bank requisites: [`BankMemberId`], [`Bic`], [`AccountNumber`], [`CardNumber`] and the
//! gateway's `customer_code`, [`BankCode`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// Why a fixed-length digit string (BIC, account, card, SBP member id) was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DigitsError {
    /// Empty or whitespace only.
    #[error("{field} is empty")]
    Empty {
        /// Which value (`bik_bank`, `account_number`, …).
        field: &'static str,
    },
    /// Something other than a digit (or an allowed separator).
    #[error("{field} must contain only digits; found {found:?} at character {position}")]
    NotADigit {
        /// Which value.
        field: &'static str,
        /// The offending character.
        found: char,
        /// 1-based character position.
        position: usize,
    },
    /// Too few or too many digits.
    #[error("{field} must have exactly {expected} digits, got {actual}")]
    WrongLength {
        /// Which value.
        field: &'static str,
        /// Required number of digits.
        expected: usize,
        /// Digits found.
        actual: usize,
    },
}

/// Collects exactly `len` ASCII digits; `separators` may appear between them and are dropped.
fn fixed_digits(
    text: &str,
    field: &'static str,
    len: usize,
    separators: &[char],
) -> Result<String, DigitsError> {
    if text.trim().is_empty() {
        return Err(DigitsError::Empty { field });
    }
    let mut digits = String::with_capacity(len);
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !separators.contains(&c) {
            return Err(DigitsError::NotADigit {
                field,
                found: c,
                position: i + 1,
            });
        }
    }
    if digits.len() == len {
        Ok(digits)
    } else {
        Err(DigitsError::WrongLength {
            field,
            expected: len,
            actual: digits.len(),
        })
    }
}

macro_rules! digits_newtype {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, len = $len:literal, separators = $seps:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Number of digits.
            pub const LEN: usize = $len;

            /// Validates (and strips allowed separators from) `text`.
            pub fn parse(text: &str) -> Result<Self, DigitsError> {
                fixed_digits(text, $field, $len, $seps).map(Self)
            }

            /// The digits.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = DigitsError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl FromStr for $name {
            type Err = DigitsError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

digits_newtype!(
    /// A 12-digit SBP (NSPK) participant id, e.g. `100000000111` (Sber).
    BankMemberId, field = "bank member id", len = 12, separators = &[]
);
digits_newtype!(
    /// A 9-digit Russian bank identification code (БИК), the gateway's `bik_bank`.
    Bic, field = "BIC", len = 9, separators = &[]
);
digits_newtype!(
    /// A 20-digit Russian bank account number, e.g. `40817810…`. Spaces are accepted and
    /// dropped (`40817 810 …`).
    AccountNumber, field = "account number", len = 20, separators = &[' ']
);
digits_newtype!(
    /// A 16-digit card number. Spaces and `-` are accepted and dropped (`1234 5678 …`); the Luhn
    /// checksum is not enforced (see [`CardNumber::luhn_valid`]). `Debug` masks the middle digits.
    CardNumber, field = "card number", len = 16, separators = &[' ', '-']
);

impl fmt::Debug for BankMemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BankMemberId").field(&self.0).finish()
    }
}

impl fmt::Debug for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Bic").field(&self.0).finish()
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccountNumber").field(&self.0).finish()
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CardNumber").field(&self.masked()).finish()
    }
}

impl CardNumber {
    /// In groups of four for people: `1234 5678 9012 3456`.
    pub fn grouped(&self) -> String {
        let d = &self.0;
        format!("{} {} {} {}", &d[0..4], &d[4..8], &d[8..12], &d[12..16])
    }

    /// First six and last four digits, the rest hidden: `123456******3456`.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..6], &self.0[12..])
    }

    /// Whether the Luhn checksum holds (every real card number passes it).
    pub fn luhn_valid(&self) -> bool {
        let sum: u32 = self
            .0
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let doubled = d * 2;
                    if doubled > 9 { doubled - 9 } else { doubled }
                } else {
                    d
                }
            })
            .sum();
        sum.is_multiple_of(10)
    }
}

/// The gateway's `customer_code`: which bank the payer uses (§2.9) — either a 12-digit SBP member
/// id (`100000000111`) or a bank slug (`sberbank`, `raiffeisen`; lowercase latin letters, digits,
/// `-`, `_`, starting with a letter, at most 100 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct BankCode(BankCodeInner);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum BankCodeInner {
    Member(BankMemberId),
    Slug(String),
}

/// Why a `customer_code` was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BankCodeError {
    /// Empty text.
    #[error("bank code is empty")]
    Empty,
    /// All digits, but not a valid 12-digit SBP member id.
    #[error("bank code looks like an SBP member id but {0}")]
    MemberId(DigitsError),
    /// A slug with a character outside `a-z 0-9 - _` (or not starting with a letter).
    #[error(
        "bank code must be a 12-digit SBP member id or a lowercase bank name like sberbank; found {found:?} at character {position}"
    )]
    InvalidSlug {
        /// The offending character.
        found: char,
        /// 1-based character position.
        position: usize,
    },
    /// A slug longer than 100 characters.
    #[error("bank code must be at most 100 characters long, got {len}")]
    TooLong {
        /// Characters given.
        len: usize,
    },
}

impl BankCode {
    const MAX_CHARS: usize = 100;

    /// Parses a member id (all digits) or a slug.
    pub fn parse(text: &str) -> Result<Self, BankCodeError> {
        if text.is_empty() {
            return Err(BankCodeError::Empty);
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return BankMemberId::parse(text)
                .map(|id| Self(BankCodeInner::Member(id)))
                .map_err(BankCodeError::MemberId);
        }
        for (i, c) in text.chars().enumerate() {
            let ok = if i == 0 {
                c.is_ascii_lowercase()
            } else {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
            };
            if !ok {
                return Err(BankCodeError::InvalidSlug {
                    found: c,
                    position: i + 1,
                });
            }
        }
        if text.len() > Self::MAX_CHARS {
            return Err(BankCodeError::TooLong { len: text.len() });
        }
        Ok(Self(BankCodeInner::Slug(text.to_owned())))
    }

    /// The code as sent to the gateway.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            BankCodeInner::Member(id) => id.as_str(),
            BankCodeInner::Slug(slug) => slug,
        }
    }

    /// The SBP member id, when the code is one.
    pub fn member_id(&self) -> Option<&BankMemberId> {
        match &self.0 {
            BankCodeInner::Member(id) => Some(id),
            BankCodeInner::Slug(_) => None,
        }
    }
}

impl From<BankMemberId> for BankCode {
    fn from(id: BankMemberId) -> Self {
        Self(BankCodeInner::Member(id))
    }
}

impl TryFrom<String> for BankCode {
    type Error = BankCodeError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl FromStr for BankCode {
    type Err = BankCodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for BankCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BankCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_number_helpers() {
        let card = CardNumber::parse("4111 1111 1111 1111").unwrap();
        assert_eq!(card.as_str(), "4111111111111111");
        assert_eq!(card.grouped(), "4111 1111 1111 1111");
        assert_eq!(card.masked(), "411111******1111");
        assert!(card.luhn_valid());
        assert!(!CardNumber::parse("4111111111111112").unwrap().luhn_valid());
        assert_eq!(format!("{card:?}"), "CardNumber(\"411111******1111\")");
    }

    #[test]
    fn bank_code_forms() {
        let member = BankCode::parse("100000000111").unwrap();
        assert_eq!(
            member.member_id().map(BankMemberId::as_str),
            Some("100000000111")
        );
        let slug = BankCode::parse("sberbank").unwrap();
        assert_eq!(slug.member_id(), None);
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"sberbank\"");
        assert!(matches!(
            BankCode::parse("1234"),
            Err(BankCodeError::MemberId(_))
        ));
    }
}
