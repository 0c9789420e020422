//! Operator passwords: argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane),
//! stored as PHC strings that carry their salt and parameters.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::OperatorError;

/// Shortest password accepted.
pub const MIN_CHARS: usize = 10;
/// Longest password accepted (hashing cost grows with it).
pub const MAX_BYTES: usize = 1024;

/// A password as typed, checked for length; never printed.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// A new password, if long enough (and not absurdly long).
    pub fn new(text: &str) -> Result<Password, OperatorError> {
        if text.chars().count() < MIN_CHARS || text.len() > MAX_BYTES {
            return Err(OperatorError::WeakPassword);
        }
        Ok(Password(text.to_owned()))
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, OperatorError> {
    let mut salt = [0_u8; 16];
    openssl::rand::rand_bytes(&mut salt).map_err(|e| OperatorError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| OperatorError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| OperatorError::Internal(e.to_string()))
}

/// Whether `password` matches `phc` (an unreadable hash never matches).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the e-mail is unknown, so that answering takes as long as
/// for a known one.
pub fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password, never matches").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify_only_the_password() {
        let a = hash("correct horse battery").unwrap_or_default();
        let b = hash("correct horse battery").unwrap_or_default();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::new("short").is_err());
        assert!(Password::new("ten chars!").is_ok());
        assert!(Password::new(&"x".repeat(MAX_BYTES + 1)).is_err());
    }
}
