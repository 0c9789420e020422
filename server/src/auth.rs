//! Merchant API keys: kept only as SHA-256 digests, compared in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::memcmp;
use openssl::sha::sha256;

use crate::config::{ApiKeySetting, Secret};

/// Prefix of generated keys, so a leaked one is recognisable.
const KEY_PREFIX: &str = "ck_";

/// The keys that open the merchant API.
#[derive(Clone, Default)]
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("keys", &self.digests.len())
            .finish()
    }
}

impl ApiKeys {
    /// Keys with these SHA-256 digests.
    pub fn from_digests(digests: Vec<[u8; 32]>) -> ApiKeys {
        ApiKeys { digests }
    }

    /// The configured key.
    pub fn from_setting(setting: &ApiKeySetting) -> ApiKeys {
        ApiKeys::from_digests(vec![digest_of_setting(setting)])
    }

    /// Whether any key is set.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `presented` is one of the keys. Every stored digest is compared, each in
    /// constant time, so timing tells nothing about which or how much matched.
    pub fn verify(&self, presented: &str) -> bool {
        let digest = sha256(presented.as_bytes());
        self.digests
            .iter()
            .fold(false, |found, key| memcmp::eq(key, &digest) | found)
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

/// A new random key: `ck_` + 32 random bytes in URL-safe base64.
pub fn generate() -> Result<Secret, openssl::error::ErrorStack> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(Secret::new(format!(
        "{KEY_PREFIX}{}",
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
        let key = generate().unwrap();
        assert!(key.expose().starts_with("ck_"));
        assert_eq!(key.expose().len(), 3 + 43);
        let keys = ApiKeys::from_setting(&ApiKeySetting::Plain(key.clone()));
        assert!(keys.verify(key.expose()));
        assert!(!keys.verify("ck_wrong"));
        assert!(!keys.verify(""));
        let by_hash = ApiKeys::from_setting(&ApiKeySetting::Sha256(digest("0123456789abcdef")));
        assert!(by_hash.verify("0123456789abcdef"));
        assert!(!ApiKeys::default().verify("anything"));
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
