//! The key archive's files and reading them: the vendor's file names, secrets read into
//! buffers zeroed on drop, the RSA check and OpenSSL's errors as one line. Below [`super::keys`],
//! [`super::password`] and [`super::public`], which all read key files.

use std::fs;
use std::io;
use std::path::Path;

use openssl::pkey::Id;
use zeroize::Zeroizing;

use super::error::KeyError;

/// File names of the vendor's key archive.
pub const PRIVATE_PEM: &str = "private.pem";
/// The passphrase of `private.pem`.
pub const PASSWORD_TXT: &str = "password.txt";
/// The public half, which the gateway keeps.
pub const PUBLIC_PEM: &str = "public.pem";

/// `Ok` for an RSA key; otherwise says what `path` holds instead.
pub(crate) fn ensure_rsa(id: Id, path: &Path) -> Result<(), KeyError> {
    if id == Id::RSA {
        return Ok(());
    }
    let found = match id {
        Id::EC => "an EC key".to_owned(),
        Id::DSA => "a DSA key".to_owned(),
        Id::ED25519 => "an Ed25519 key".to_owned(),
        Id::ED448 => "an Ed448 key".to_owned(),
        Id::X25519 => "an X25519 key".to_owned(),
        Id::RSA_PSS => "an RSA-PSS key, which cannot make PKCS#1 v1.5 signatures".to_owned(),
        other => format!("a key of OpenSSL type {}", other.as_raw()),
    };
    Err(KeyError::NotRsa {
        path: path.to_owned(),
        found,
    })
}

/// Read a file that may hold secrets into a buffer zeroed on drop.
pub(crate) fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    fs::read(path).map(Zeroizing::new).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            KeyError::Missing {
                path: path.to_owned(),
            }
        } else {
            KeyError::Unreadable {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// OpenSSL's error stack as one line, e.g. "bad decrypt".
pub(crate) fn openssl_reason(e: &openssl::error::ErrorStack) -> String {
    let reasons: Vec<String> = e
        .errors()
        .iter()
        .map(|err| {
            err.reason()
                .map(str::to_owned)
                .unwrap_or_else(|| err.to_string())
        })
        .collect();
    if reasons.is_empty() {
        "OpenSSL gave no reason".to_owned()
    } else {
        reasons.join("; ")
    }
}
