//! [`HttpUrl`]: an absolute `http`/`https` URL short enough for the gateway (≤ 255 characters).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// An absolute `http://` or `https://` URL with a non-empty host, at most 255 characters, no
/// whitespace or control characters and no `user:password@` part. Kept exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct HttpUrl(String);

/// Why a URL was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Empty text.
    #[error("URL is empty")]
    Empty,
    /// Longer than 255 characters.
    #[error("URL must be at most 255 characters long, got {len}")]
    TooLong {
        /// Characters given.
        len: usize,
    },
    /// A space, tab, newline or other control character.
    #[error("URL must not contain whitespace or control characters (character {position})")]
    InvalidCharacter {
        /// 1-based character position.
        position: usize,
    },
    /// Not starting with `scheme://`.
    #[error("URL must be absolute, starting with https:// or http://")]
    NotAbsolute,
    /// A scheme other than http/https.
    #[error("URL scheme must be https or http, got {0:?}")]
    UnsupportedScheme(String),
    /// Credentials in the URL.
    #[error("URL must not contain a user name or password")]
    UserInfo,
    /// No host after `://`, or a host with characters a host name cannot have.
    #[error("URL must have a valid host name")]
    InvalidHost,
    /// A port that is not a number in 1–65535.
    #[error("URL port must be a number from 1 to 65535")]
    InvalidPort,
}

impl HttpUrl {
    /// The gateway's limit for URL fields.
    pub const MAX_CHARS: usize = 255;

    /// Validates `text` as described on the type.
    pub fn parse(text: impl Into<String>) -> Result<Self, UrlError> {
        let text = text.into();
        if text.is_empty() {
            return Err(UrlError::Empty);
        }
        let len = text.chars().count();
        if len > Self::MAX_CHARS {
            return Err(UrlError::TooLong { len });
        }
        if let Some(i) = text
            .chars()
            .position(|c| c.is_whitespace() || c.is_control())
        {
            return Err(UrlError::InvalidCharacter { position: i + 1 });
        }
        let (scheme, rest) = text.split_once("://").ok_or(UrlError::NotAbsolute)?;
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return Err(UrlError::UnsupportedScheme(scheme.to_owned()));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        check_authority(authority)?;
        Ok(Self(text))
    }

    /// For a client reading a URL our server already validated with [`HttpUrl::parse`] (the
    /// browser widget): checks only the `http(s)://` scheme, so a wasm build does not carry the
    /// full validator (IP address parsing, Unicode tables). `None` for any other text.
    pub fn from_validated(text: String) -> Option<Self> {
        let b = text.as_bytes();
        let has = |prefix: &[u8]| {
            b.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        };
        (has(b"https://") || has(b"http://")).then_some(Self(text))
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.0
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    }
}

/// `host[:port]`, where host is a name, an IPv4 address or `[IPv6]`.
fn check_authority(authority: &str) -> Result<(), UrlError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or(UrlError::InvalidHost)?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(UrlError::InvalidHost);
        }
        match after {
            "" => (v6, None),
            _ => (
                v6,
                Some(after.strip_prefix(':').ok_or(UrlError::InvalidPort)?),
            ),
        }
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '.' | '_');
        if host.is_empty() || !host.chars().all(host_char) {
            return Err(UrlError::InvalidHost);
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(UrlError::InvalidHost);
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0);
        if !valid {
            return Err(UrlError::InvalidPort);
        }
    }
    Ok(())
}

impl TryFrom<String> for HttpUrl {
    type Error = UrlError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(text)
    }
}

impl FromStr for HttpUrl {
    type Err = UrlError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for HttpUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for HttpUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_validated_checks_the_scheme_only() {
        let ok = HttpUrl::from_validated("HTTPS://pay.example/x".into()).unwrap();
        assert_eq!(ok.as_str(), "HTTPS://pay.example/x");
        assert!(ok.is_https());
        assert!(HttpUrl::from_validated("http://a".into()).is_some());
        assert!(HttpUrl::from_validated("http://пример.рф/".into()).is_some());
        assert!(HttpUrl::from_validated("javascript:alert(1)".into()).is_none());
        assert!(HttpUrl::from_validated("ftp://a.example".into()).is_none());
        assert!(HttpUrl::from_validated(String::new()).is_none());
    }

    #[test]
    fn accepts_usual_urls() {
        for ok in [
            "https://shop.example.ru/paid?order=1",
            "http://127.0.0.1:8080/webhooks/alikassa",
            "https://[::1]:8443/x",
            "HTTPS://магазин.рф",
            "https://a",
        ] {
            assert!(HttpUrl::parse(ok).is_ok(), "{ok}");
        }
        assert!(HttpUrl::parse("https://x.ru").unwrap().is_https());
        assert!(!HttpUrl::parse("http://x.ru").unwrap().is_https());
    }
}
