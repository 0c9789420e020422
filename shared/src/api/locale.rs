//! [`Locale`]: the widget's language.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Russian (default).
    #[default]
    Ru,
    /// English.
    En,
}

/// An unsupported locale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale {0:?}; expected ru or en")]
pub struct LocaleError(String);

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 2] = [Self::Ru, Self::En];

    /// `ru` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = LocaleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| LocaleError(s.to_owned()))
    }
}
