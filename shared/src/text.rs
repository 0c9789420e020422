//! Bounded free-text newtypes: [`OrderId`], [`CustomerUserId`], [`Description`], [`UserAgent`].
//!
//! Lengths are counted in characters (as the gateway's Laravel validation does), not bytes.
//! Control characters are rejected; text is kept exactly as given (no trimming), but text made
//! only of whitespace counts as empty.

/// Why a text value was rejected. `field` names the value the way our API and the gateway do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty or whitespace only.
    #[error("{field} must not be empty")]
    Empty {
        /// Which value (`order_id`, `customer_user_id`, …).
        field: &'static str,
    },
    /// More characters than allowed.
    #[error("{field} must be at most {max} characters long, got {len}")]
    TooLong {
        /// Which value.
        field: &'static str,
        /// The limit.
        max: usize,
        /// Characters given.
        len: usize,
    },
    /// A control character (newline, tab, NUL, …).
    #[error("{field} must not contain control characters (found one at character {position})")]
    ControlCharacter {
        /// Which value.
        field: &'static str,
        /// 1-based character position.
        position: usize,
    },
}

fn check(text: &str, field: &'static str, max: usize) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty { field });
    }
    if let Some(i) = text.chars().position(char::is_control) {
        return Err(TextError::ControlCharacter {
            field,
            position: i + 1,
        });
    }
    let len = text.chars().count();
    if len > max {
        return Err(TextError::TooLong { field, max, len });
    }
    Ok(())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, max = $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Largest length in characters.
            pub const MAX_CHARS: usize = $max;

            /// Validates `text`: not blank, no control characters, at most
            #[doc = concat!(stringify!($max), " characters.")]
            pub fn parse(text: impl Into<String>) -> Result<Self, TextError> {
                let text = text.into();
                check(&text, $field, $max)?;
                Ok(Self(text))
            }

            /// The text as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The owned text.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = TextError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(text)
            }
        }

        impl std::str::FromStr for $name {
            type Err = TextError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// The merchant's order id (`order_id`): 1–128 characters, unique per live payment.
    OrderId, field = "order_id", max = 128
);
bounded_text!(
    /// The payer's id in the merchant's system (`customer_user_id`): 1–100 characters.
    CustomerUserId, field = "customer_user_id", max = 100
);
bounded_text!(
    /// A payment description shown to the payer (`desc` at the gateway, `description` in our
    /// API): 1–128 characters.
    Description, field = "description", max = 128
);
bounded_text!(
    /// The payer's browser `User-Agent` (`customer_browser_user_agent`): 1–2000 characters.
    UserAgent, field = "customer_browser_user_agent", max = 2000
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        let cyrillic = "Заказ".repeat(25); // 125 chars, 250 bytes
        assert!(OrderId::parse(cyrillic).is_ok());
        assert_eq!(
            OrderId::parse("я".repeat(129)),
            Err(TextError::TooLong {
                field: "order_id",
                max: 128,
                len: 129
            })
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        let id: OrderId = serde_json::from_str("\"A-1\"").unwrap();
        assert_eq!(id.as_str(), "A-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"A-1\"");
        assert!(serde_json::from_str::<OrderId>("\"\"").is_err());
        assert!(serde_json::from_str::<OrderId>("\"a\\nb\"").is_err());
    }
}
