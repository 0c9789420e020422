//! The key passphrase (`password.txt`): a masked type, zeroed when dropped.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::error::KeyError;
use super::files::read_secret;

/// A key passphrase. Zeroed when dropped; `Debug` shows nothing.
#[derive(Clone)]
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// Wrap raw passphrase bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Password {
        Password(Zeroizing::new(bytes.into()))
    }

    /// Read a password file (raw bytes, nothing trimmed yet).
    pub fn read(path: &Path) -> Result<Password, KeyError> {
        read_secret(path).map(Password)
    }

    /// The raw bytes, for writing a `password.txt`.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The candidates to try, in order: as is, trailing whitespace trimmed (the vendor's
    /// Node/Python samples trim), whitespace trimmed at both ends. Duplicates are skipped.
    pub(crate) fn attempts(&self) -> Vec<(PasswordUse, &[u8])> {
        let raw: &[u8] = &self.0;
        let mut out = vec![(PasswordUse::AsIs, raw)];
        for (using, candidate) in [
            (PasswordUse::TrailingWhitespaceTrimmed, raw.trim_ascii_end()),
            (PasswordUse::WhitespaceTrimmed, raw.trim_ascii()),
        ] {
            if out.iter().all(|(_, seen)| *seen != candidate) {
                out.push((using, candidate));
            }
        }
        out
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Which form of `password.txt` opened the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordUse {
    /// The file content exactly as it is.
    AsIs,
    /// The content minus trailing whitespace (typically a final newline).
    TrailingWhitespaceTrimmed,
    /// The content minus whitespace at both ends.
    WhitespaceTrimmed,
    /// The key is not encrypted; no password was used.
    NotNeeded,
}

impl fmt::Display for PasswordUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordUse::AsIs => "used as is",
            PasswordUse::TrailingWhitespaceTrimmed => {
                "used with trailing whitespace trimmed (the raw content did not open the key)"
            }
            PasswordUse::WhitespaceTrimmed => {
                "used with whitespace trimmed at both ends (the raw content did not open the key)"
            }
            PasswordUse::NotNeeded => "not needed (the key is not encrypted)",
        })
    }
}
