//! Light, dark, or following the buyer's system setting.

use std::str::FromStr;

/// The widget's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Light colours.
    Light,
    /// Dark colours.
    Dark,
    /// Follow `prefers-color-scheme` (default).
    #[default]
    Auto,
}

/// An unknown theme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown theme {0:?}; expected light, dark or auto")]
pub struct ThemeError(String);

impl Theme {
    /// `light`, `dark` or `auto`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }
}

impl FromStr for Theme {
    type Err = ThemeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Light, Self::Dark, Self::Auto]
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ThemeError(s.to_owned()))
    }
}
