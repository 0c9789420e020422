//! Just enough PEM header reading to name what a file holds before OpenSSL parses it, so that
//! errors can say "this is a public key" or "this key is encrypted" instead of OpenSSL's codes.

use std::fmt;

/// One `-----BEGIN <label>-----` block, with its RFC 1421 headers if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PemBlock {
    pub label: String,
    /// `Proc-Type: 4,ENCRYPTED` (traditional "OpenSSL" encryption).
    pub proc_type_encrypted: bool,
    /// The cipher named by `DEK-Info: <cipher>,<iv>`.
    pub dek_cipher: Option<String>,
}

/// Every PEM block in `text`, in order.
pub(crate) fn blocks(text: &[u8]) -> Vec<PemBlock> {
    let mut found = Vec::new();
    let mut current: Option<PemBlock> = None;
    for raw in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw);
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        {
            current = Some(PemBlock {
                label: label.trim().to_owned(),
                proc_type_encrypted: false,
                dek_cipher: None,
            });
        } else if line.starts_with("-----END ") {
            found.extend(current.take());
        } else if let Some(block) = current.as_mut() {
            if let Some(value) = line.strip_prefix("Proc-Type:") {
                block.proc_type_encrypted = value.to_ascii_uppercase().contains("ENCRYPTED");
            } else if let Some(value) = line.strip_prefix("DEK-Info:") {
                let cipher = value.split(',').next().unwrap_or_default().trim();
                block.dek_cipher = Some(cipher.to_owned());
            }
        }
    }
    found
}

/// How a private key is stored, read from its PEM header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemFlavour {
    /// `BEGIN RSA PRIVATE KEY` + `Proc-Type: 4,ENCRYPTED` — what the vendor's Go and Java
    /// samples can read, and what `keys generate` writes.
    TraditionalEncrypted { cipher: String },
    /// `BEGIN ENCRYPTED PRIVATE KEY` (PKCS#8, e.g. PHP `openssl_pkey_export` with a passphrase).
    Pkcs8Encrypted,
    /// `BEGIN RSA PRIVATE KEY` without encryption.
    Traditional,
    /// `BEGIN PRIVATE KEY` (PKCS#8) without encryption.
    Pkcs8,
    /// Some other label (`EC PRIVATE KEY`, …).
    Other { label: String, encrypted: bool },
}

impl PemFlavour {
    pub(crate) fn of(block: &PemBlock) -> PemFlavour {
        match (block.label.as_str(), block.proc_type_encrypted) {
            ("RSA PRIVATE KEY", true) => PemFlavour::TraditionalEncrypted {
                cipher: block.dek_cipher.clone().unwrap_or_else(|| "?".to_owned()),
            },
            ("RSA PRIVATE KEY", false) => PemFlavour::Traditional,
            ("ENCRYPTED PRIVATE KEY", _) => PemFlavour::Pkcs8Encrypted,
            ("PRIVATE KEY", false) => PemFlavour::Pkcs8,
            (label, encrypted) => PemFlavour::Other {
                label: label.to_owned(),
                encrypted,
            },
        }
    }

    /// Whether a password is needed to read the key.
    pub fn is_encrypted(&self) -> bool {
        match self {
            PemFlavour::TraditionalEncrypted { .. } | PemFlavour::Pkcs8Encrypted => true,
            PemFlavour::Traditional | PemFlavour::Pkcs8 => false,
            PemFlavour::Other { encrypted, .. } => *encrypted,
        }
    }
}

impl fmt::Display for PemFlavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PemFlavour::TraditionalEncrypted { cipher } => write!(
                f,
                "traditional PEM (BEGIN RSA PRIVATE KEY), encrypted with {cipher}"
            ),
            PemFlavour::Pkcs8Encrypted => f.write_str("PKCS#8 PEM (BEGIN ENCRYPTED PRIVATE KEY)"),
            PemFlavour::Traditional => {
                f.write_str("traditional PEM (BEGIN RSA PRIVATE KEY), NOT encrypted")
            }
            PemFlavour::Pkcs8 => f.write_str("PKCS#8 PEM (BEGIN PRIVATE KEY), NOT encrypted"),
            PemFlavour::Other { label, encrypted } => write!(
                f,
                "PEM (BEGIN {label}){}",
                if *encrypted { ", encrypted" } else { "" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labels_and_traditional_headers() {
        let text = b"junk\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\n\
DEK-Info: AES-256-CBC,0011\r\n\r\nAAAA\r\n-----END RSA PRIVATE KEY-----\r\n\
-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            PemFlavour::of(&found[0]),
            PemFlavour::TraditionalEncrypted {
                cipher: "AES-256-CBC".into()
            }
        );
        assert_eq!(found[1].label, "PUBLIC KEY");
        assert!(blocks(b"no pem here").is_empty());
    }

    #[test]
    fn flavours() {
        let block = |label: &str| PemBlock {
            label: label.into(),
            proc_type_encrypted: false,
            dek_cipher: None,
        };
        assert_eq!(
            PemFlavour::of(&block("ENCRYPTED PRIVATE KEY")),
            PemFlavour::Pkcs8Encrypted
        );
        assert_eq!(PemFlavour::of(&block("PRIVATE KEY")), PemFlavour::Pkcs8);
        assert_eq!(
            PemFlavour::of(&block("RSA PRIVATE KEY")),
            PemFlavour::Traditional
        );
        assert!(!PemFlavour::of(&block("EC PRIVATE KEY")).is_encrypted());
    }
}
