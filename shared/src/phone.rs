//! [`Phone`]: a Russian mobile number in the gateway's form `7XXXXXXXXXX`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// A phone number of 11 digits starting with `7` (the gateway's format, no `+`).
///
/// Accepted input: an optional leading `+`, then digits with any of the separators space,
/// `(`, `)` and `-` — e.g. `+7 (903) 111-22-33`, `7 903 111 22 33`, `79031112233`.
/// Normalised to `79031112233`; [`Phone::display`] gives `+7 903 111-22-33`.
///
/// The domestic trunk prefix `8` (`8 903 111-22-33`) is **rejected** on purpose: phones are
/// payout targets, so we ask for the international form rather than guess.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(String);

/// Why a phone number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but whitespace.
    #[error("phone number is empty")]
    Empty,
    /// A character that is neither a digit nor one of `+ ( ) -` or space.
    #[error(
        "phone number may contain only digits, spaces, ( ) - and a leading +; found {found:?} at character {position}"
    )]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// 1-based character position.
        position: usize,
    },
    /// A `+` that is not the first non-space character.
    #[error("phone number may have a + only at the start (character {position})")]
    MisplacedPlus {
        /// 1-based character position.
        position: usize,
    },
    /// Written with the domestic prefix `8`.
    #[error("phone number starts with 8; write it in the international form +7 …")]
    DomesticPrefix,
    /// A country code other than `7`.
    #[error("phone number must be a Russian number starting with +7")]
    NotRussian,
    /// Not 11 digits.
    #[error("phone number must have 11 digits (+7 and 10 more), got {digits}")]
    WrongLength {
        /// How many digits were found.
        digits: usize,
    },
}

impl Phone {
    /// Parses and normalises a phone number (see the type docs for the accepted forms).
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        if text.trim().is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(11);
        let mut plus = false;
        let first_non_space = text.chars().position(|c| c != ' ');
        for (i, c) in text.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '(' | ')' | '-' => {}
                '+' if Some(i) == first_non_space => {
                    plus = true;
                }
                '+' => return Err(PhoneError::MisplacedPlus { position: i + 1 }),
                other => {
                    return Err(PhoneError::InvalidCharacter {
                        found: other,
                        position: i + 1,
                    });
                }
            }
        }
        let first = digits.as_bytes().first().copied();
        if plus && first.is_some_and(|d| d != b'7') {
            return Err(PhoneError::NotRussian);
        }
        if digits.len() != 11 {
            return Err(PhoneError::WrongLength {
                digits: digits.len(),
            });
        }
        match first {
            Some(b'7') => Ok(Self(digits)),
            Some(b'8') => Err(PhoneError::DomesticPrefix),
            _ => Err(PhoneError::NotRussian),
        }
    }

    /// The gateway form, `79031112233`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For people: `+7 903 111-22-33`.
    pub fn display(&self) -> String {
        let d = &self.0;
        format!("+7 {} {}-{}-{}", &d[1..4], &d[4..7], &d[7..9], &d[9..11])
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl FromStr for Phone {
    type Err = PhoneError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Phone {
    /// The gateway form, `79031112233`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_common_forms() {
        for text in [
            "+7 (903) 111-22-33",
            "79031112233",
            "+79031112233",
            "7 903 111 22 33",
            " +7-903-111-22-33 ",
        ] {
            assert_eq!(
                Phone::parse(text).unwrap().as_str(),
                "79031112233",
                "{text}"
            );
        }
        let p = Phone::parse("+7 (903) 111-22-33").unwrap();
        assert_eq!(p.display(), "+7 903 111-22-33");
        assert_eq!(Phone::parse(&p.display()).unwrap(), p);
    }

    #[test]
    fn explains_rejections() {
        assert_eq!(
            Phone::parse("8 903 111 22 33"),
            Err(PhoneError::DomesticPrefix)
        );
        assert_eq!(
            Phone::parse("+1 212 555 12 34"),
            Err(PhoneError::NotRussian)
        );
        assert_eq!(
            Phone::parse("7903111223"),
            Err(PhoneError::WrongLength { digits: 10 })
        );
        assert_eq!(
            Phone::parse("7903+1112233"),
            Err(PhoneError::MisplacedPlus { position: 5 })
        );
    }
}
