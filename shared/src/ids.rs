//! Identifiers the gateway assigns: [`GatewayPaymentId`] (payments and payouts) and
//! [`AccountUuid`] (the merchant's `Account` header).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The gateway's integer id of a payment or payout (e.g. `108465371`).
///
/// Read from a JSON number or a numeric string (third parties send both), written as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GatewayPaymentId(u64);

/// Why a gateway payment id was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayPaymentIdError {
    /// Empty text.
    #[error("payment id is empty")]
    Empty,
    /// Not a whole non-negative number.
    #[error("payment id must be a whole positive number, got {0:?}")]
    NotANumber(String),
    /// Zero is never assigned.
    #[error("payment id must be greater than zero")]
    Zero,
}

impl GatewayPaymentId {
    /// The id `value`; zero is rejected.
    pub fn new(value: u64) -> Result<Self, GatewayPaymentIdError> {
        if value == 0 {
            Err(GatewayPaymentIdError::Zero)
        } else {
            Ok(Self(value))
        }
    }

    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for GatewayPaymentId {
    type Err = GatewayPaymentIdError;
    /// Digits only (`"108465371"`); signs, spaces and decimals are rejected.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(GatewayPaymentIdError::Empty);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GatewayPaymentIdError::NotANumber(text.to_owned()));
        }
        let value = text
            .parse::<u64>()
            .map_err(|_| GatewayPaymentIdError::NotANumber(text.to_owned()))?;
        Self::new(value)
    }
}

impl fmt::Display for GatewayPaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for GatewayPaymentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for GatewayPaymentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = GatewayPaymentId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a payment id (number or numeric string)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                GatewayPaymentId::new(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                let v = u64::try_from(v)
                    .map_err(|_| E::custom(GatewayPaymentIdError::NotANumber(v.to_string())))?;
                self.visit_u64(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// The UUID of a merchant account at the gateway (the `Account` header, the `account` field of
/// notifications). Written hyphenated, lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountUuid(uuid::Uuid);

/// Why an account UUID was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("account must be a UUID like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, got {0:?}")]
pub struct AccountUuidError(String);

impl AccountUuid {
    /// Parses the hyphenated (or simple / braced / urn) form.
    pub fn parse(text: &str) -> Result<Self, AccountUuidError> {
        uuid::Uuid::parse_str(text)
            .map(Self)
            .map_err(|_| AccountUuidError(text.to_owned()))
    }

    /// The UUID.
    pub fn uuid(self) -> uuid::Uuid {
        self.0
    }
}

impl From<uuid::Uuid> for AccountUuid {
    fn from(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }
}

impl FromStr for AccountUuid {
    type Err = AccountUuidError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for AccountUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_from_number_or_string() {
        let a: GatewayPaymentId = serde_json::from_str("108465371").unwrap();
        let b: GatewayPaymentId = serde_json::from_str("\"108465371\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "108465371");
        assert!(serde_json::from_str::<GatewayPaymentId>("\"12a\"").is_err());
        assert!(serde_json::from_str::<GatewayPaymentId>("-1").is_err());
        assert!(serde_json::from_str::<GatewayPaymentId>("1.5").is_err());
    }

    #[test]
    fn account_uuid_round_trips() {
        let text = "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f";
        let a = AccountUuid::parse(text).unwrap();
        assert_eq!(a.to_string(), text);
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{text}\""));
        assert!(AccountUuid::parse("not-a-uuid").is_err());
    }
}
