//! The merchant's key material: loaded, decrypted and parsed once, then shared by every call.
//!
//! `PKey` is a reference-counted OpenSSL object: cloning a [`PrivateKey`] or [`PublicKey`] is
//! cheap and both are `Send + Sync`, so one loaded key serves all threads.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::sign::Signer;

use super::Digest;
use super::error::{KeyError, SignError};
use super::files::{
    PASSWORD_TXT, PRIVATE_PEM, PUBLIC_PEM, ensure_rsa, openssl_reason, read_secret,
};
use super::password::{Password, PasswordUse};
use super::pem::{self, PemFlavour};
use super::public::{PublicKey, PublicKeyFormat};

/// A decrypted RSA private key, ready to sign.
#[derive(Clone)]
pub struct PrivateKey {
    pkey: PKey<Private>,
    flavour: PemFlavour,
    password_use: PasswordUse,
}

impl PrivateKey {
    /// Load `private.pem` and, if it is encrypted, its `password.txt`.
    pub fn load(pem_path: &Path, password_path: &Path) -> Result<PrivateKey, KeyError> {
        let pem = read_secret(pem_path)?;
        let password = match Password::read(password_path) {
            Ok(password) => Some(password),
            Err(KeyError::Missing { .. }) => None,
            Err(other) => return Err(other),
        };
        PrivateKey::from_pem(&pem, password.as_ref(), pem_path, password_path)
    }

    /// Load `private.pem` + `password.txt` from a key directory.
    pub fn load_dir(dir: &Path) -> Result<PrivateKey, KeyError> {
        PrivateKey::load(&dir.join(PRIVATE_PEM), &dir.join(PASSWORD_TXT))
    }

    /// Parse a PEM private key (either flavour, encrypted or not). `pem_path` and
    /// `password_path` only name the sources in error messages.
    pub fn from_pem(
        pem: &[u8],
        password: Option<&Password>,
        pem_path: &Path,
        password_path: &Path,
    ) -> Result<PrivateKey, KeyError> {
        let blocks = pem::blocks(pem);
        let Some(block) = blocks
            .iter()
            .find(|b| b.label.ends_with("PRIVATE KEY"))
            .or(blocks.first())
        else {
            return Err(KeyError::NotPem {
                path: pem_path.to_owned(),
                expected: "an RSA private key",
            });
        };
        if !block.label.ends_with("PRIVATE KEY") {
            return Err(KeyError::Malformed {
                path: pem_path.to_owned(),
                what: "private key",
                detail: format!(
                    "the file holds a \"{}\" PEM block, not a private key",
                    block.label
                ),
            });
        }
        let flavour = PemFlavour::of(block);

        let (pkey, password_use) = if flavour.is_encrypted() {
            let password = password.ok_or_else(|| KeyError::PasswordMissing {
                key: pem_path.to_owned(),
                password: password_path.to_owned(),
            })?;
            decrypt(pem, password, pem_path, password_path)?
        } else {
            // The passphrase variant never falls back to a terminal prompt.
            let pkey = PKey::private_key_from_pem_passphrase(pem, b"").map_err(|e| {
                KeyError::Malformed {
                    path: pem_path.to_owned(),
                    what: "private key",
                    detail: openssl_reason(&e),
                }
            })?;
            (pkey, PasswordUse::NotNeeded)
        };
        ensure_rsa(pkey.id(), pem_path)?;
        Ok(PrivateKey {
            pkey,
            flavour,
            password_use,
        })
    }

    /// Wrap a key made in-process (key generation, tests).
    pub(crate) fn from_pkey(
        pkey: PKey<Private>,
        flavour: PemFlavour,
        password_use: PasswordUse,
    ) -> PrivateKey {
        PrivateKey {
            pkey,
            flavour,
            password_use,
        }
    }

    /// Key size in bits.
    pub fn bits(&self) -> u32 {
        self.pkey.bits()
    }

    /// How the PEM file stored the key.
    pub fn flavour(&self) -> &PemFlavour {
        &self.flavour
    }

    /// Which form of the password opened it.
    pub fn password_use(&self) -> PasswordUse {
        self.password_use
    }

    /// Sign `body` exactly as given: RSA PKCS#1 v1.5, base64 standard with padding — the
    /// value of the `Sign` header.
    pub fn sign(&self, body: &[u8], digest: Digest) -> Result<String, SignError> {
        self.sign_raw(body, digest).map(|sig| BASE64.encode(sig))
    }

    /// Like [`PrivateKey::sign`], the raw signature bytes.
    pub fn sign_raw(&self, body: &[u8], digest: Digest) -> Result<Vec<u8>, SignError> {
        let fail = |e: openssl::error::ErrorStack| SignError {
            digest,
            detail: openssl_reason(&e),
        };
        // A `Signer` is a per-call digest context; the parsed key behind it is shared.
        let mut signer = Signer::new(digest.message_digest(), &self.pkey).map_err(fail)?;
        signer.set_rsa_padding(Padding::PKCS1).map_err(fail)?;
        signer.update(body).map_err(fail)?;
        signer.sign_to_vec().map_err(fail)
    }

    /// The public half.
    pub fn public_key(&self) -> Result<PublicKey, KeyError> {
        let malformed = |e: openssl::error::ErrorStack| KeyError::Malformed {
            path: PathBuf::from("(private key)"),
            what: "public half of the private key",
            detail: openssl_reason(&e),
        };
        let der = self.pkey.public_key_to_der().map_err(malformed)?;
        let pkey = PKey::public_key_from_der(&der).map_err(malformed)?;
        Ok(PublicKey::from_pkey(pkey, PublicKeyFormat::Spki))
    }

    /// Whether `public` is the public half of this key (same modulus and exponent), and if
    /// not, what differs.
    pub fn check_matches(&self, public: &PublicKey) -> Result<(), &'static str> {
        let (Ok(private), Ok(public)) = (self.pkey.rsa(), public.pkey().rsa()) else {
            return Err("not both RSA");
        };
        if private.n() != public.n() {
            Err("different modulus")
        } else if private.e() != public.e() {
            Err("same modulus, different public exponent")
        } else {
            Ok(())
        }
    }

    /// Encrypted traditional PEM (`Proc-Type: 4,ENCRYPTED`, AES-256-CBC) — the vendor layout.
    pub(crate) fn to_traditional_pem(&self, password: &Password) -> Result<Vec<u8>, KeyError> {
        let malformed = |e: openssl::error::ErrorStack| KeyError::Malformed {
            path: PathBuf::from(PRIVATE_PEM),
            what: "private key",
            detail: openssl_reason(&e),
        };
        let rsa = self.pkey.rsa().map_err(malformed)?;
        rsa.private_key_to_pem_passphrase(openssl::symm::Cipher::aes_256_cbc(), password.expose())
            .map_err(malformed)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .field("flavour", &self.flavour)
            .field("password_use", &self.password_use)
            .finish_non_exhaustive()
    }
}

/// A key directory in the vendor's layout: `private.pem`, `password.txt`, `public.pem`,
/// checked to belong together.
#[derive(Debug, Clone)]
pub struct KeySet {
    dir: PathBuf,
    private: PrivateKey,
    public: PublicKey,
}

impl KeySet {
    /// Load all three files and check that the public key is the private key's.
    pub fn load(dir: &Path) -> Result<KeySet, KeyError> {
        let private_path = dir.join(PRIVATE_PEM);
        let public_path = dir.join(PUBLIC_PEM);
        let private = PrivateKey::load(&private_path, &dir.join(PASSWORD_TXT))?;
        let public = PublicKey::load(&public_path)?;
        private
            .check_matches(&public)
            .map_err(|detail| KeyError::Mismatch {
                private: private_path,
                public: public_path,
                detail,
            })?;
        Ok(KeySet {
            dir: dir.to_owned(),
            private,
            public,
        })
    }

    /// The directory the set was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The private key (signs).
    pub fn private(&self) -> &PrivateKey {
        &self.private
    }

    /// The public key (verifies).
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

/// Try the password candidates in order; the first that decrypts wins.
fn decrypt(
    pem: &[u8],
    password: &Password,
    pem_path: &Path,
    password_path: &Path,
) -> Result<(PKey<Private>, PasswordUse), KeyError> {
    for (using, candidate) in password.attempts() {
        if candidate.contains(&0) {
            // `private_key_from_pem_passphrase` hands OpenSSL a C string.
            return Err(KeyError::PasswordNul {
                password: password_path.to_owned(),
            });
        }
        if let Ok(pkey) = PKey::private_key_from_pem_passphrase(pem, candidate) {
            return Ok((pkey, using));
        }
    }
    Err(KeyError::WrongPassword {
        key: pem_path.to_owned(),
        password: password_path.to_owned(),
    })
}

#[cfg(test)]
mod tests;
