//! Errors of the signing core, worded for a merchant: each names the file and what to do.

use std::io;
use std::path::PathBuf;

use super::Digest;

/// Loading or checking key material failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file does not exist.
    #[error("{}: file not found", .path.display())]
    Missing { path: PathBuf },

    /// The file exists but could not be read.
    #[error("{}: cannot read the file: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The key is encrypted and no password was given.
    #[error(
        "{}: the key is encrypted but there is no password (expected it in {})",
        .key.display(), .password.display()
    )]
    PasswordMissing { key: PathBuf, password: PathBuf },

    /// The key is encrypted and neither the raw nor the trimmed password decrypts it.
    #[error(
        "{}: wrong password: the key is encrypted and the content of {} opens it neither as is \
         nor with surrounding whitespace trimmed",
        .key.display(), .password.display()
    )]
    WrongPassword { key: PathBuf, password: PathBuf },

    /// The password contains a byte OpenSSL cannot take in a passphrase.
    #[error("{}: the password contains a NUL byte, which OpenSSL cannot use", .password.display())]
    PasswordNul { password: PathBuf },

    /// There is no PEM block in the file at all.
    #[error("{}: not a PEM file (no \"-----BEGIN …-----\" line); expected {expected}", .path.display())]
    NotPem {
        path: PathBuf,
        expected: &'static str,
    },

    /// The key parsed but is not RSA.
    #[error("{}: not an RSA key (it holds {found}); AliKassa keys are RSA", .path.display())]
    NotRsa { path: PathBuf, found: String },

    /// A PEM block is there but OpenSSL cannot parse it as the expected kind of key.
    #[error("{}: malformed {what}: {detail}", .path.display())]
    Malformed {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },

    /// The public key belongs to another key pair.
    #[error(
        "{}: the public key does not match the private key in {} ({detail}); \
         the two files come from different key sets",
        .public.display(), .private.display()
    )]
    Mismatch {
        private: PathBuf,
        public: PathBuf,
        detail: &'static str,
    },
}

/// OpenSSL refused to sign (for example a system crypto policy that forbids SHA-1).
#[derive(Debug, thiserror::Error)]
#[error("signing with {digest} failed: {detail}")]
pub struct SignError {
    pub digest: Digest,
    pub detail: String,
}

/// A signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The `Sign` value is not standard base64.
    #[error("the signature is not valid base64: {0}")]
    Base64(String),

    /// The decoded signature has the wrong size for the key.
    #[error(
        "the signature has {actual} bytes but the {bits}-bit key makes {expected}-byte signatures"
    )]
    Length {
        actual: usize,
        expected: usize,
        bits: u32,
    },

    /// The signature does not match the body under the digest tried.
    #[error(
        "the signature does not match the body with {digest}{}",
        if *.verifies_with_other { format!(" (it does with {})", .digest.other()) } else { String::new() }
    )]
    Mismatch {
        digest: Digest,
        /// The same signature verifies with the other digest: a configuration mix-up,
        /// not a forged message.
        verifies_with_other: bool,
    },

    /// OpenSSL failed (for example a crypto policy that forbids SHA-1).
    #[error("verification with {digest} failed inside OpenSSL: {detail}")]
    Openssl { digest: Digest, detail: String },
}
