//! The gateway's signature scheme and the merchant's key material.
//!
//! AliKassa signs with RSASSA-PKCS1-v1_5 over the exact body bytes, base64 (standard alphabet,
//! `=` padding) in the `Sign` header. The digest is SHA-1 in the vendor's reference PHP sample
//! and in every working integration found, SHA-256 in some translated samples, so it is a switch
//! ([`Digest`]) defaulting to SHA-1 (see `alikassa-api.md` §1.4).
//!
//! * [`keys`] — loading `private.pem` / `password.txt` / `public.pem` once, and signing
//!   (the files and reading them: `files`, below `keys`, `password` and `public`);
//! * [`password`] — the masked passphrase; [`public`] — verifying `Sign` values;
//! * [`generate`] — a fresh key set in the vendor's archive layout;
//! * [`php_json`] — a PHP-`json_encode`-compatible encoder;
//! * [`signed_text`] — the texts the gateway signs for notifications and redirects (§4.3, §4.5).

mod error;
mod files;
pub mod generate;
pub mod keys;
pub mod password;
mod pem;
pub mod php_json;
pub mod public;
pub mod signed_text;

use std::fmt;
use std::str::FromStr;

pub use error::{KeyError, SignError, VerifyError};
pub use files::{PASSWORD_TXT, PRIVATE_PEM, PUBLIC_PEM};
pub use generate::{GenerateError, GeneratedKeys};
pub use keys::{KeySet, PrivateKey};
pub use password::{Password, PasswordUse};
pub use pem::PemFlavour;
pub use public::{PublicKey, PublicKeyFormat};

/// Message digest of the RSA PKCS#1 v1.5 signature.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Digest {
    /// SHA-1: what the vendor's PHP sample and known production clients use.
    #[default]
    Sha1,
    /// SHA-256: what some of the vendor's translated samples use.
    Sha256,
}

impl Digest {
    /// Both digests, the default first.
    pub const ALL: [Digest; 2] = [Digest::Sha1, Digest::Sha256];

    /// The lower-case name (`sha1`, `sha256`), as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Sha1 => "sha1",
            Digest::Sha256 => "sha256",
        }
    }

    /// The other one of the two digests.
    pub fn other(self) -> Digest {
        match self {
            Digest::Sha1 => Digest::Sha256,
            Digest::Sha256 => Digest::Sha1,
        }
    }

    pub(crate) fn message_digest(self) -> openssl::hash::MessageDigest {
        match self {
            Digest::Sha1 => openssl::hash::MessageDigest::sha1(),
            Digest::Sha256 => openssl::hash::MessageDigest::sha256(),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was neither `sha1` nor `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown digest {0:?}: expected \"sha1\" or \"sha256\"")]
pub struct UnknownDigest(pub String);

impl FromStr for Digest {
    type Err = UnknownDigest;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(Digest::Sha1),
            "sha256" => Ok(Digest::Sha256),
            _ => Err(UnknownDigest(s.to_owned())),
        }
    }
}

/// Which digests a verifier of `Sign` headers accepts (the sandbox's `gateway.accepts`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum DigestMode {
    /// SHA-1 only: what the vendor's PHP sample and working integrations produce (§1.4).
    #[default]
    Sha1,
    /// SHA-256 only.
    Sha256,
    /// Either digest (lenient).
    Any,
}

impl DigestMode {
    /// The digests accepted, in the order they are tried.
    pub fn accepted(self) -> &'static [Digest] {
        match self {
            DigestMode::Sha1 => &[Digest::Sha1],
            DigestMode::Sha256 => &[Digest::Sha256],
            DigestMode::Any => &Digest::ALL,
        }
    }

    /// The lower-case name (`sha1`, `sha256`, `any`).
    pub fn as_str(self) -> &'static str {
        match self {
            DigestMode::Sha1 => "sha1",
            DigestMode::Sha256 => "sha256",
            DigestMode::Any => "any",
        }
    }
}

impl From<Digest> for DigestMode {
    fn from(digest: Digest) -> Self {
        match digest {
            Digest::Sha1 => DigestMode::Sha1,
            Digest::Sha256 => DigestMode::Sha256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_names_round_trip() {
        for digest in Digest::ALL {
            assert_eq!(digest.to_string().parse::<Digest>(), Ok(digest));
        }
        assert_eq!("SHA-256".parse::<Digest>(), Ok(Digest::Sha256));
        assert_eq!(Digest::default(), Digest::Sha1);
        assert_eq!(Digest::Sha1.other(), Digest::Sha256);
        assert!("md5".parse::<Digest>().is_err());
    }
}
