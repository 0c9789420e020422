//! [`LifetimeSecs`]: how long a payment (or checkout session) stays payable, 900–3600 s.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A lifetime in seconds within the gateway's range for `lifetime`, 900–3600 (15–60 minutes).
/// Read from a JSON number or a numeric string; written as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LifetimeSecs(u32);

/// Why a lifetime was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifetimeError {
    /// Not a whole, non-negative number of seconds.
    #[error("lifetime must be a whole number of seconds")]
    NotANumber,
    /// Outside 900–3600.
    #[error("lifetime must be between 900 and 3600 seconds (15–60 minutes), got {secs}")]
    OutOfRange {
        /// The value given.
        secs: u64,
    },
}

impl LifetimeSecs {
    /// Shortest lifetime, 15 minutes.
    pub const MIN: LifetimeSecs = LifetimeSecs(900);
    /// Longest lifetime, 60 minutes.
    pub const MAX: LifetimeSecs = LifetimeSecs(3600);
    /// What we use when nothing is asked for (the gateway's minimum).
    pub const DEFAULT: LifetimeSecs = Self::MIN;

    /// A lifetime of `secs` seconds.
    pub fn new(secs: u64) -> Result<Self, LifetimeError> {
        match u32::try_from(secs) {
            Ok(s) if (Self::MIN.0..=Self::MAX.0).contains(&s) => Ok(Self(s)),
            _ => Err(LifetimeError::OutOfRange { secs }),
        }
    }

    /// Seconds.
    pub fn secs(self) -> u32 {
        self.0
    }

    /// As a `std` duration.
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.0))
    }
}

impl Default for LifetimeSecs {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for LifetimeSecs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for LifetimeSecs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for LifetimeSecs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecsVisitor;
        impl Visitor<'_> for SecsVisitor {
            type Value = LifetimeSecs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a lifetime in seconds, 900 to 3600")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                LifetimeSecs::new(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(LifetimeError::NotANumber)),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(LifetimeError::NotANumber));
                }
                let secs = v.parse::<u64>().unwrap_or(u64::MAX);
                self.visit_u64(secs)
            }
        }
        deserializer.deserialize_any(SecsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_forms() {
        assert_eq!(LifetimeSecs::new(900).unwrap().secs(), 900);
        assert_eq!(LifetimeSecs::new(3600).unwrap().secs(), 3600);
        assert_eq!(
            LifetimeSecs::new(899),
            Err(LifetimeError::OutOfRange { secs: 899 })
        );
        assert_eq!(
            LifetimeSecs::new(3601),
            Err(LifetimeError::OutOfRange { secs: 3601 })
        );
        let l: LifetimeSecs = serde_json::from_str("\"1200\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "1200");
        assert!(serde_json::from_str::<LifetimeSecs>("1200.5").is_err());
    }
}
