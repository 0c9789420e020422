//! [`Amount`]: a positive sum of money we ask the gateway (or a buyer) for, in integer kopecks.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decimal::{self, DecimalSyntax};

/// A positive amount in rubles with kopeck precision, stored as integer kopecks.
///
/// Matches the gateway's `decimal(11,2)`: more than zero, at most 9 integer digits and 2
/// decimals. Parsed from `"1500.00"`, `"1500"`, `"1500.5"` or the JSON numbers `500` / `500.5`;
/// always written as a string with two decimals, `"1500.00"` (strings are exact, floats are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

/// Why a text or number is not a valid [`Amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing was given.
    #[error("amount is empty; write it like 1500.00")]
    Empty,
    /// Not a plain decimal number (letters, spaces, `+`, exponent, `,` as separator, `.5`, `5.` …).
    #[error(
        "amount is not a number; write it like 1500.00 (digits, optionally a dot and up to two decimals)"
    )]
    NotANumber,
    /// A minus sign.
    #[error("amount must be positive, got a negative number")]
    Negative,
    /// The value is zero.
    #[error("amount must be greater than zero")]
    Zero,
    /// More than two digits after the dot.
    #[error("amount has {decimals} decimals; at most 2 (kopecks) are allowed")]
    TooManyDecimals {
        /// How many digits followed the dot.
        decimals: usize,
    },
    /// More than 9 integer digits (999 999 999.99 is the largest amount).
    #[error("amount is too large; the maximum is 999999999.99")]
    TooLarge,
}

impl Amount {
    /// The largest amount the gateway's `decimal(11,2)` holds, in kopecks.
    pub const MAX_KOPECKS: u64 = 99_999_999_999; // 999 999 999.99 rubles
    /// Largest number of integer (ruble) digits.
    const MAX_INT_DIGITS: usize = 9;

    /// Parses a decimal text such as `"1500.00"`, `"1500"` or `"1500.5"`.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let d = decimal::split(text).map_err(|e| match e {
            DecimalSyntax::Empty => AmountError::Empty,
            DecimalSyntax::Malformed => AmountError::NotANumber,
        })?;
        if d.negative {
            return Err(AmountError::Negative);
        }
        if d.frac.len() > 2 {
            return Err(AmountError::TooManyDecimals {
                decimals: d.frac.len(),
            });
        }
        if d.int.len() > Self::MAX_INT_DIGITS {
            return Err(AmountError::TooLarge);
        }
        let rubles = decimal::digits_value(d.int);
        let kopecks = match d.frac.len() {
            0 => 0,
            1 => decimal::digits_value(d.frac) * 10,
            _ => decimal::digits_value(d.frac),
        };
        Self::from_kopecks(rubles * 100 + kopecks)
    }

    /// An amount of `kopecks` (1 ruble = 100 kopecks).
    pub fn from_kopecks(kopecks: u64) -> Result<Self, AmountError> {
        match kopecks {
            0 => Err(AmountError::Zero),
            k if k > Self::MAX_KOPECKS => Err(AmountError::TooLarge),
            k => Ok(Self(k)),
        }
    }

    /// The amount in kopecks.
    pub fn kopecks(self) -> u64 {
        self.0
    }

    /// `self + other`, or `None` past [`Amount::MAX_KOPECKS`].
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        Self::from_kopecks(self.0.checked_add(other.0)?).ok()
    }

    /// `self - other`, or `None` when the result would not be positive.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        Self::from_kopecks(self.0.checked_sub(other.0)?).ok()
    }

    fn from_whole_rubles(rubles: u64) -> Result<Self, AmountError> {
        Self::from_kopecks(rubles.checked_mul(100).ok_or(AmountError::TooLarge)?)
    }
}

impl fmt::Display for Amount {
    /// `"1500.00"`: rubles, a dot, two kopeck digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Amount {
    type Error = AmountError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// Accepts a decimal string or a JSON number (whole rubles or the shortest text of a float).
struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount such as \"1500.00\" or 1500")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        Amount::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        Amount::from_whole_rubles(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        let rubles = u64::try_from(v).map_err(|_| E::custom(AmountError::Negative))?;
        self.visit_u64(rubles)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        Amount::parse(&decimal::float_text(v)).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(Amount::parse("1500.00").unwrap().kopecks(), 150_000);
        assert_eq!(Amount::parse("1500").unwrap().to_string(), "1500.00");
        assert_eq!(Amount::parse("1500.5").unwrap().to_string(), "1500.50");
        assert_eq!(Amount::parse("0.01").unwrap().kopecks(), 1);
        assert_eq!(Amount::parse("00012.30").unwrap().kopecks(), 1230);
        assert_eq!(
            Amount::parse("999999999.99").unwrap().kopecks(),
            Amount::MAX_KOPECKS
        );
    }

    #[test]
    fn json_numbers_and_strings() {
        let a: Amount = serde_json::from_str("500").unwrap();
        assert_eq!(a.to_string(), "500.00");
        let a: Amount = serde_json::from_str("500.5").unwrap();
        assert_eq!(a.kopecks(), 50_050);
        let a: Amount = serde_json::from_str("\"1500.00\"").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"1500.00\"");
        assert!(serde_json::from_str::<Amount>("-5").is_err());
        assert!(serde_json::from_str::<Amount>("0.001").is_err());
        assert!(serde_json::from_str::<Amount>("true").is_err());
    }

    #[test]
    fn checked_arithmetic() {
        let a = Amount::from_kopecks(100).unwrap();
        let b = Amount::from_kopecks(40).unwrap();
        assert_eq!(a.checked_add(b).map(Amount::kopecks), Some(140));
        assert_eq!(a.checked_sub(b).map(Amount::kopecks), Some(60));
        assert_eq!(b.checked_sub(a), None);
        assert_eq!(a.checked_sub(a), None);
        let max = Amount::from_kopecks(Amount::MAX_KOPECKS).unwrap();
        assert_eq!(max.checked_add(b), None);
    }
}
