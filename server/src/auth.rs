//! Merchant API keys: kept only as SHA-256 digests, compared in constant time, and namespaced
//! by mode — `sk_test_…` in sandbox mode (test money), `sk_live_…` with a real gateway — so a
//! key of one mode is refused by a server of the other, by its prefix alone.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::memcmp;
use openssl::sha::sha256;

use crate::config::{ApiKeySetting, Secret};

/// What money a server moves: test money in the sandbox, real money with a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Sandbox mode: the in-process emulator, no real money.
    Test,
    /// A real gateway.
    Live,
}

impl Mode {
    /// `true` for [`Mode::Live`]: the `livemode` field of every view and event.
    pub fn is_live(self) -> bool {
        self == Mode::Live
    }

    /// The prefix of this mode's keys.
    pub fn key_prefix(self) -> &'static str {
        match self {
            Mode::Test => "sk_test_",
            Mode::Live => "sk_live_",
        }
    }

    /// `test` or `live`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    /// The mode a key's prefix names, if any.
    pub fn of_key(key: &str) -> Option<Mode> {
        [Mode::Test, Mode::Live]
            .into_iter()
            .find(|m| key.starts_with(m.key_prefix()))
    }
}

/// Why a presented key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// Not one of the keys (or no key at all).
    Invalid,
    /// A key of the other mode, or one with no mode prefix (made before keys had modes).
    WrongMode {
        /// The mode the key's prefix names; `None` = no prefix.
        presented: Option<Mode>,
        /// This server's mode.
        server: Mode,
    },
}

/// The keys that open the merchant API, and the mode they must carry.
#[derive(Clone)]
pub struct ApiKeys {
    mode: Mode,
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("mode", &self.mode)
            .field("keys", &self.digests.len())
            .finish()
    }
}

impl ApiKeys {
    /// Keys of `mode` with these SHA-256 digests.
    pub fn from_digests(mode: Mode, digests: Vec<[u8; 32]>) -> ApiKeys {
        ApiKeys { mode, digests }
    }

    /// The configured key.
    pub fn from_setting(mode: Mode, setting: &ApiKeySetting) -> ApiKeys {
        ApiKeys::from_digests(mode, vec![digest_of_setting(setting)])
    }

    /// The mode keys must carry.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether any key is set.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `presented` opens the API: its prefix must name this server's mode, then it
    /// must be one of the keys. Every stored digest is compared, each in constant time, so
    /// timing tells nothing about which or how much matched.
    pub fn check(&self, presented: &str) -> Result<(), KeyRefusal> {
        let mode = Mode::of_key(presented);
        if mode != Some(self.mode) {
            return Err(KeyRefusal::WrongMode {
                presented: mode,
                server: self.mode,
            });
        }
        let digest = sha256(presented.as_bytes());
        let found = self
            .digests
            .iter()
            .fold(false, |found, key| memcmp::eq(key, &digest) | found);
        if found {
            Ok(())
        } else {
            Err(KeyRefusal::Invalid)
        }
    }

    /// Whether `presented` opens the API.
    pub fn verify(&self, presented: &str) -> bool {
        self.check(presented).is_ok()
    }
}

/// SHA-256 of a key.
pub fn digest(key: &str) -> [u8; 32] {
    sha256(key.as_bytes())
}

fn digest_of_setting(setting: &ApiKeySetting) -> [u8; 32] {
    match setting {
        ApiKeySetting::Plain(secret) => digest(secret.expose()),
        ApiKeySetting::Sha256(d) => *d,
    }
}

/// A new random key of `mode`: `sk_test_` / `sk_live_` + 32 random bytes in URL-safe base64.
pub fn generate(mode: Mode) -> Result<Secret, openssl::error::ErrorStack> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(Secret::new(format!(
        "{}{}",
        mode.key_prefix(),
        URL_SAFE_NO_PAD.encode(bytes)
    )))
}

/// The `Bearer` token of an `Authorization` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn verifies_only_the_right_key() {
        let key = generate(Mode::Test).unwrap();
        assert!(key.expose().starts_with("sk_test_"));
        assert_eq!(key.expose().len(), 8 + 43);
        let keys = ApiKeys::from_setting(Mode::Test, &ApiKeySetting::Plain(key.clone()));
        assert!(keys.verify(key.expose()));
        assert_eq!(keys.check("sk_test_wrong"), Err(KeyRefusal::Invalid));
        assert!(!keys.verify(""));
        let by_hash = ApiKeys::from_setting(
            Mode::Live,
            &ApiKeySetting::Sha256(digest("sk_live_0123456789abcdef")),
        );
        assert!(by_hash.verify("sk_live_0123456789abcdef"));
        assert!(!ApiKeys::from_digests(Mode::Test, Vec::new()).verify("sk_test_anything"));
    }

    #[test]
    fn a_key_of_the_other_mode_or_none_is_refused_by_prefix() {
        let live = generate(Mode::Live).unwrap();
        assert!(live.expose().starts_with("sk_live_"));
        // Even a key whose digest is stored: the mode is checked first.
        let test_server = ApiKeys::from_setting(Mode::Test, &ApiKeySetting::Plain(live.clone()));
        assert_eq!(
            test_server.check(live.expose()),
            Err(KeyRefusal::WrongMode {
                presented: Some(Mode::Live),
                server: Mode::Test
            })
        );
        let legacy = "ck_XYVIv5DFq4oflozYGOS9j1mcKj6lHaYnbrSMUbRvfBc";
        let live_server = ApiKeys::from_setting(Mode::Live, &ApiKeySetting::Sha256(digest(legacy)));
        assert_eq!(
            live_server.check(legacy),
            Err(KeyRefusal::WrongMode {
                presented: None,
                server: Mode::Live
            })
        );
        assert_eq!(
            live_server.check("sk_test_abc"),
            Err(KeyRefusal::WrongMode {
                presented: Some(Mode::Test),
                server: Mode::Live
            })
        );
    }

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}
