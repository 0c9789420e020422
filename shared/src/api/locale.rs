//! [`Locale`]: the widget's language.

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

by_name!(Locale, LocaleError, |s| LocaleError(s.to_owned()));
