//! An RSA public key (`public.pem`, or the gateway's notification key) that verifies `Sign`
//! values.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::pkey::{PKey, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::Verifier;
use openssl::x509::X509;

use super::Digest;
use super::error::{KeyError, VerifyError};
use super::files::{PUBLIC_PEM, ensure_rsa, openssl_reason, read_secret};
use super::pem;

/// How `public.pem` stored the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyFormat {
    /// `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo), the usual form.
    Spki,
    /// `BEGIN RSA PUBLIC KEY` (PKCS#1).
    Pkcs1,
    /// `BEGIN CERTIFICATE`: the key of an X.509 certificate.
    Certificate,
}

impl fmt::Display for PublicKeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PublicKeyFormat::Spki => "SPKI PEM (BEGIN PUBLIC KEY)",
            PublicKeyFormat::Pkcs1 => "PKCS#1 PEM (BEGIN RSA PUBLIC KEY)",
            PublicKeyFormat::Certificate => "X.509 certificate (BEGIN CERTIFICATE)",
        })
    }
}

/// An RSA public key, ready to verify.
#[derive(Clone)]
pub struct PublicKey {
    pkey: PKey<Public>,
    format: PublicKeyFormat,
}

impl PublicKey {
    pub(crate) fn from_pkey(pkey: PKey<Public>, format: PublicKeyFormat) -> PublicKey {
        PublicKey { pkey, format }
    }

    pub(crate) fn pkey(&self) -> &PKey<Public> {
        &self.pkey
    }

    /// Load a `public.pem`.
    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        let pem = read_secret(path)?;
        PublicKey::from_pem(&pem, path)
    }

    /// Parse SPKI, PKCS#1 or a certificate; `path` only names the source in errors.
    pub fn from_pem(pem: &[u8], path: &Path) -> Result<PublicKey, KeyError> {
        let malformed = |e: openssl::error::ErrorStack| KeyError::Malformed {
            path: path.to_owned(),
            what: "public key",
            detail: openssl_reason(&e),
        };
        let blocks = pem::blocks(pem);
        let Some(block) = blocks
            .iter()
            .find(|b| {
                matches!(
                    b.label.as_str(),
                    "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE"
                )
            })
            .or(blocks.first())
        else {
            return Err(KeyError::NotPem {
                path: path.to_owned(),
                expected: "a public key (BEGIN PUBLIC KEY)",
            });
        };
        let (pkey, format) = match block.label.as_str() {
            "PUBLIC KEY" => (
                PKey::public_key_from_pem(pem).map_err(malformed)?,
                PublicKeyFormat::Spki,
            ),
            "RSA PUBLIC KEY" => {
                let rsa = Rsa::public_key_from_pem_pkcs1(pem).map_err(malformed)?;
                (
                    PKey::from_rsa(rsa).map_err(malformed)?,
                    PublicKeyFormat::Pkcs1,
                )
            }
            "CERTIFICATE" => {
                let cert = X509::from_pem(pem).map_err(malformed)?;
                (
                    cert.public_key().map_err(malformed)?,
                    PublicKeyFormat::Certificate,
                )
            }
            other => {
                let hint = if other.ends_with("PRIVATE KEY") {
                    " (a private key: keep it secret; the public key goes here)"
                } else {
                    ""
                };
                return Err(KeyError::Malformed {
                    path: path.to_owned(),
                    what: "public key",
                    detail: format!("the file holds a \"{other}\" PEM block{hint}"),
                });
            }
        };
        ensure_rsa(pkey.id(), path)?;
        Ok(PublicKey { pkey, format })
    }

    /// Key size in bits.
    pub fn bits(&self) -> u32 {
        self.pkey.bits()
    }

    /// How the file stored the key.
    pub fn format(&self) -> PublicKeyFormat {
        self.format
    }

    /// SPKI PEM (`BEGIN PUBLIC KEY`), the form the gateway's cabinet takes.
    pub fn to_pem(&self) -> Result<Vec<u8>, KeyError> {
        self.pkey
            .public_key_to_pem()
            .map_err(|e| KeyError::Malformed {
                path: PathBuf::from(PUBLIC_PEM),
                what: "public key",
                detail: openssl_reason(&e),
            })
    }

    /// Verify a base64 `Sign` value over the exact `body` bytes. Line breaks inside the
    /// base64 are ignored (some clients wrap it). On a mismatch the error says whether the
    /// signature would verify with the other digest.
    pub fn verify(
        &self,
        body: &[u8],
        sign_b64: impl AsRef<[u8]>,
        digest: Digest,
    ) -> Result<(), VerifyError> {
        let signature = decode_sign(sign_b64.as_ref())?;
        match self.verify_raw(body, &signature, digest) {
            Err(VerifyError::Mismatch { .. }) => Err(VerifyError::Mismatch {
                digest,
                verifies_with_other: self.verify_raw(body, &signature, digest.other()).is_ok(),
            }),
            other => other,
        }
    }

    /// Verify with each of `digests` in turn; the first that verifies is returned.
    pub fn verify_any(
        &self,
        body: &[u8],
        sign_b64: impl AsRef<[u8]>,
        digests: &[Digest],
    ) -> Result<Digest, VerifyError> {
        let signature = decode_sign(sign_b64.as_ref())?;
        let mut last = None;
        for &digest in digests {
            match self.verify_raw(body, &signature, digest) {
                Ok(()) => return Ok(digest),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(VerifyError::Mismatch {
            digest: Digest::default(),
            verifies_with_other: false,
        }))
    }

    /// Verify raw signature bytes (no base64).
    pub fn verify_raw(
        &self,
        body: &[u8],
        signature: &[u8],
        digest: Digest,
    ) -> Result<(), VerifyError> {
        let expected = self.pkey.size();
        if signature.len() != expected {
            return Err(VerifyError::Length {
                actual: signature.len(),
                expected,
                bits: self.bits(),
            });
        }
        let fail = |e: openssl::error::ErrorStack| VerifyError::Openssl {
            digest,
            detail: openssl_reason(&e),
        };
        let mut verifier = Verifier::new(digest.message_digest(), &self.pkey).map_err(fail)?;
        verifier.set_rsa_padding(Padding::PKCS1).map_err(fail)?;
        verifier.update(body).map_err(fail)?;
        match verifier.verify(signature) {
            Ok(true) => Ok(()),
            // OpenSSL reports a padding mismatch as an error, a hash mismatch as `false`.
            Ok(false) | Err(_) => Err(VerifyError::Mismatch {
                digest,
                verifies_with_other: false,
            }),
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

fn decode_sign(sign_b64: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let compact: Vec<u8> = sign_b64
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    BASE64
        .decode(compact.trim_ascii())
        .map_err(|e| VerifyError::Base64(e.to_string()))
}
