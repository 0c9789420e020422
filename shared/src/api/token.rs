//! [`SessionId`] (what the merchant sees) and [`SessionToken`] (the bearer capability the widget
//! uses).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// Id of a checkout session in the merchant API (a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(uuid::Uuid);

/// Why a session id was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session id must be a UUID")]
pub struct SessionIdError;

impl SessionId {
    /// Parses a UUID.
    pub fn parse(text: &str) -> Result<Self, SessionIdError> {
        uuid::Uuid::parse_str(text)
            .map(Self)
            .map_err(|_| SessionIdError)
    }

    /// The UUID.
    pub fn uuid(self) -> uuid::Uuid {
        self.0
    }
}

impl From<uuid::Uuid> for SessionId {
    fn from(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }
}

impl FromStr for SessionId {
    type Err = SessionIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The secret that addresses a checkout session in the widget API and the hosted page URL.
///
/// URL-safe base64 alphabet (`A–Z a–z 0–9 - _`, no padding), 22–128 characters (≥ 128 bits when
/// generated from random bytes). `Debug` shows only the first four characters.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct SessionToken(String);

/// Why a session token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionTokenError {
    /// Fewer than 22 characters.
    #[error("session token is too short ({len} characters, at least 22)")]
    TooShort {
        /// Characters given.
        len: usize,
    },
    /// More than 128 characters.
    #[error("session token is too long ({len} characters, at most 128)")]
    TooLong {
        /// Characters given.
        len: usize,
    },
    /// A character outside the URL-safe base64 alphabet.
    #[error("session token may contain only A-Z, a-z, 0-9, - and _ (character {position})")]
    InvalidCharacter {
        /// 1-based character position.
        position: usize,
    },
}

impl SessionToken {
    /// Shortest token (22 base64 characters = 132 bits).
    pub const MIN_LEN: usize = 22;
    /// Longest token.
    pub const MAX_LEN: usize = 128;

    /// Validates charset and length.
    pub fn parse(text: impl Into<String>) -> Result<Self, SessionTokenError> {
        let text = text.into();
        if let Some(i) = text
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(SessionTokenError::InvalidCharacter { position: i + 1 });
        }
        match text.len() {
            len if len < Self::MIN_LEN => Err(SessionTokenError::TooShort { len }),
            len if len > Self::MAX_LEN => Err(SessionTokenError::TooLong { len }),
            _ => Ok(Self(text)),
        }
    }

    /// The token (secret: do not log).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionToken({}…)", &self.0[..4])
    }
}

impl fmt::Display for SessionToken {
    /// The full token, for URLs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SessionToken {
    type Error = SessionTokenError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(text)
    }
}

impl FromStr for SessionToken {
    type Err = SessionTokenError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for SessionToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rules_and_masking() {
        let t = SessionToken::parse("AbCd_-0123456789xyzXYZ").unwrap();
        assert_eq!(format!("{t:?}"), "SessionToken(AbCd…)");
        assert_eq!(t.to_string(), "AbCd_-0123456789xyzXYZ");
        assert_eq!(
            SessionToken::parse("short"),
            Err(SessionTokenError::TooShort { len: 5 })
        );
        assert_eq!(
            SessionToken::parse("a+cdefghijklmnopqrstuvwxyz"),
            Err(SessionTokenError::InvalidCharacter { position: 2 })
        );
    }
}
