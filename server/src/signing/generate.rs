//! A fresh key set in the vendor's archive layout: `private.pem` (traditional PEM,
//! `Proc-Type: 4,ENCRYPTED`, AES-256-CBC — the form the vendor's Go and Java samples read),
//! `password.txt` (random, no trailing newline) and `public.pem` (SPKI).

use std::fmt;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use zeroize::Zeroizing;

use super::KeyError;
use super::files::{PASSWORD_TXT, PRIVATE_PEM, PUBLIC_PEM};
use super::keys::PrivateKey;
use super::password::{Password, PasswordUse};
use super::pem::PemFlavour;
use super::public::PublicKey;

/// Random bytes in a generated password: 24 bytes are 32 URL-safe base64 characters.
const PASSWORD_BYTES: usize = 24;

/// Smallest and largest key sizes `generate` accepts.
pub const MIN_BITS: u32 = 2048;
/// See [`MIN_BITS`].
pub const MAX_BITS: u32 = 8192;

/// Generating or writing a key set failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Key size outside what we accept.
    #[error("key size {bits} is not supported: use {MIN_BITS}..={MAX_BITS} bits (2048 is usual)")]
    Bits { bits: u32 },
    /// Some of the files already exist.
    #[error(
        "refusing to overwrite existing {}; pass --force to replace the key set",
        .paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    Exists { paths: Vec<PathBuf> },
    /// Creating the directory or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// OpenSSL failed.
    #[error("key generation failed: {0}")]
    Crypto(String),
    /// Encoding the new key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A new key pair with its password and the three files' contents.
pub struct GeneratedKeys {
    private: PrivateKey,
    password: Password,
    private_pem: Vec<u8>,
    public_pem: Vec<u8>,
}

impl GeneratedKeys {
    /// Generate an RSA key of `bits` bits (exponent 65537) and a random password.
    pub fn generate(bits: u32) -> Result<GeneratedKeys, GenerateError> {
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(GenerateError::Bits { bits });
        }
        let crypto = |e: openssl::error::ErrorStack| GenerateError::Crypto(e.to_string());
        let rsa = Rsa::generate(bits).map_err(crypto)?;
        let pkey = PKey::from_rsa(rsa).map_err(crypto)?;

        let mut random = Zeroizing::new([0u8; PASSWORD_BYTES]);
        openssl::rand::rand_bytes(random.as_mut()).map_err(crypto)?;
        let password = Password::new(URL_SAFE_NO_PAD.encode(random.as_ref()));

        let private = PrivateKey::from_pkey(
            pkey,
            PemFlavour::TraditionalEncrypted {
                cipher: "AES-256-CBC".to_owned(),
            },
            PasswordUse::AsIs,
        );
        let private_pem = private.to_traditional_pem(&password)?;
        let public_pem = private.public_key()?.to_pem()?;
        Ok(GeneratedKeys {
            private,
            password,
            private_pem,
            public_pem,
        })
    }

    /// The decrypted private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.private
    }

    /// The password that encrypts `private.pem`.
    pub fn password(&self) -> &Password {
        &self.password
    }

    /// Content of `private.pem` (encrypted).
    pub fn private_pem(&self) -> &[u8] {
        &self.private_pem
    }

    /// Content of `public.pem` (SPKI).
    pub fn public_pem(&self) -> &[u8] {
        &self.public_pem
    }

    /// The public key.
    pub fn public_key(&self) -> Result<PublicKey, KeyError> {
        self.private.public_key()
    }

    /// Write the three files into `dir` (created if missing, mode 0700). `private.pem` and
    /// `password.txt` get mode 0600. Existing files are only replaced when `overwrite`.
    /// Returns the paths written.
    pub fn write_to(&self, dir: &Path, overwrite: bool) -> Result<Vec<PathBuf>, GenerateError> {
        let files: [(&str, &[u8], u32); 3] = [
            (PRIVATE_PEM, &self.private_pem, 0o600),
            (PASSWORD_TXT, self.password.expose(), 0o600),
            (PUBLIC_PEM, &self.public_pem, 0o644),
        ];
        if !overwrite {
            let existing: Vec<PathBuf> = files
                .iter()
                .map(|(name, _, _)| dir.join(name))
                .filter(|path| path.exists())
                .collect();
            if !existing.is_empty() {
                return Err(GenerateError::Exists { paths: existing });
            }
        }
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| GenerateError::Io {
                path: dir.to_owned(),
                source,
            })?;
        files
            .iter()
            .map(|(name, content, mode)| {
                let path = dir.join(name);
                write_file(&path, content, *mode, overwrite)
                    .map(|()| path.clone())
                    .map_err(|source| GenerateError::Io { path, source })
            })
            .collect()
    }
}

fn write_file(path: &Path, content: &[u8], mode: u32, overwrite: bool) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).mode(mode);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path)?;
    // `mode` only applies to new files; a replaced one may have had looser permissions.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    file.write_all(content)?;
    file.sync_all()
}

impl fmt::Debug for GeneratedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKeys")
            .field("private", &self.private)
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}
