//! [`Money`]: an amount the gateway *reports* (balances, history, status responses).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Amount;
use crate::decimal::{self, DecimalSyntax};

/// A signed sum in kopecks as reported by the gateway.
///
/// Unlike [`Amount`] it may be zero or negative (a balance) and accepts the gateway's padded
/// decimals — `"5000.000000000"` (history, 9 decimals), `"93.84000000"` (balance, 8),
/// `"290"` (no decimals) — as long as the digits beyond kopecks are zeros. Accepts a JSON number
/// or a string; written as a string with two decimals, `"93.84"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a reported amount could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// An empty text.
    #[error("amount is empty")]
    Empty,
    /// Not a plain decimal number.
    #[error("amount is not a number")]
    NotANumber,
    /// Non-zero digits below one kopeck (e.g. `"1.005"`).
    #[error("amount has non-zero digits below one kopeck")]
    SubKopeck,
    /// Beyond what 64-bit kopecks hold.
    #[error("amount is too large")]
    TooLarge,
}

impl Money {
    /// Zero rubles.
    pub const ZERO: Money = Money(0);
    /// More integer digits than this cannot fit `i64` kopecks safely.
    const MAX_INT_DIGITS: usize = 16;

    /// Parses `"93.84000000"`, `"-12.5"`, `"290"` …; extra decimals must be zeros.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let d = decimal::split(text).map_err(|e| match e {
            DecimalSyntax::Empty => MoneyError::Empty,
            DecimalSyntax::Malformed => MoneyError::NotANumber,
        })?;
        let (kopeck_digits, rest) = d.frac.split_at(d.frac.len().min(2));
        if rest.bytes().any(|b| b != b'0') {
            return Err(MoneyError::SubKopeck);
        }
        if d.int.len() > Self::MAX_INT_DIGITS {
            return Err(MoneyError::TooLarge);
        }
        let kopecks = match kopeck_digits.len() {
            0 => 0,
            1 => decimal::digits_value(kopeck_digits) * 10,
            _ => decimal::digits_value(kopeck_digits),
        };
        let magnitude = decimal::digits_value(d.int) * 100 + kopecks;
        let magnitude = i64::try_from(magnitude).map_err(|_| MoneyError::TooLarge)?;
        Ok(Self(if d.negative { -magnitude } else { magnitude }))
    }

    /// A sum of `kopecks`; every value is valid.
    pub const fn from_kopecks(kopecks: i64) -> Self {
        Self(kopecks)
    }

    /// The sum in kopecks.
    pub const fn kopecks(self) -> i64 {
        self.0
    }

    /// True below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The same sum as an [`Amount`], if it is one (positive, within `decimal(11,2)`).
    pub fn to_amount(self) -> Result<Amount, crate::AmountError> {
        let kopecks = u64::try_from(self.0).map_err(|_| crate::AmountError::Negative)?;
        Amount::from_kopecks(kopecks)
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self - other`, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }
}

impl From<Amount> for Money {
    fn from(amount: Amount) -> Self {
        // Amount::MAX_KOPECKS is far below i64::MAX.
        Self(i64::try_from(amount.kopecks()).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Money {
    /// `"93.84"`, `"-0.50"`, `"0.00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

/// Accepts a decimal string or a JSON number.
pub(crate) struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount such as \"93.84\" or 290")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        Money::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        i64::try_from(v)
            .ok()
            .and_then(|rubles| rubles.checked_mul(100))
            .map(Money)
            .ok_or_else(|| E::custom(MoneyError::TooLarge))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        v.checked_mul(100)
            .map(Money)
            .ok_or_else(|| E::custom(MoneyError::TooLarge))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        Money::parse(&decimal::float_text(v)).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gateway_paddings() {
        assert_eq!(Money::parse("5000.000000000").unwrap().kopecks(), 500_000);
        assert_eq!(Money::parse("93.84000000").unwrap().to_string(), "93.84");
        assert_eq!(Money::parse("290").unwrap().to_string(), "290.00");
        assert_eq!(Money::parse("-12.5").unwrap().to_string(), "-12.50");
        assert_eq!(Money::parse("-0.00").unwrap(), Money::ZERO);
        assert_eq!(Money::parse("1.005"), Err(MoneyError::SubKopeck));
    }

    #[test]
    fn numbers_and_strings() {
        let m: Money = serde_json::from_str("290").unwrap();
        assert_eq!(m.kopecks(), 29_000);
        let m: Money = serde_json::from_str("-3.5").unwrap();
        assert_eq!(m.kopecks(), -350);
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"-3.50\"");
    }

    #[test]
    fn converts_to_amount() {
        assert_eq!(Money::from_kopecks(150).to_amount().unwrap().kopecks(), 150);
        assert!(Money::ZERO.to_amount().is_err());
        assert!(Money::from_kopecks(-1).to_amount().is_err());
        assert_eq!(Money::from(Amount::from_kopecks(7).unwrap()).kopecks(), 7);
    }
}
