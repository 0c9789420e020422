//! `Checkout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
//!
//! The timestamp is inside the signed text, so a captured request cannot be replayed later
//! with a fresh `t`; receivers reject a `t` older than [`TOLERANCE`] and compare in constant
//! time ([`verify`] is the reference; `docs/webhooks.md` shows the same in shell, Python and
//! Rust).

use std::time::Duration;

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

/// The header name.
pub const HEADER: &str = "Checkout-Signature";

/// How old a `t` receivers should accept (and how far in the future: clock skew).
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// Signing or checking failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// OpenSSL refused (an empty key, out of memory).
    #[error("HMAC-SHA256 failed: {0}")]
    Crypto(String),
    /// The header is not `t=…,v1=…`.
    #[error("malformed Checkout-Signature header")]
    Malformed,
    /// `t` is further than the tolerance from now.
    #[error("signature timestamp outside the tolerance")]
    Stale,
    /// No `v1` matches.
    #[error("no v1 signature matches")]
    Mismatch,
}

/// Hex HMAC-SHA256 of `"<t>.<body>"` under `secret`.
pub fn v1(secret: &[u8], t: i64, body: &[u8]) -> Result<String, SignatureError> {
    let crypto = |e: openssl::error::ErrorStack| SignatureError::Crypto(e.to_string());
    let key = PKey::hmac(secret).map_err(crypto)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key).map_err(crypto)?;
    signer.update(t.to_string().as_bytes()).map_err(crypto)?;
    signer.update(b".").map_err(crypto)?;
    signer.update(body).map_err(crypto)?;
    let mac = signer.sign_to_vec().map_err(crypto)?;
    Ok(crate::store::encode_hex(&mac))
}

/// The header value for `body` signed at `t` (Unix seconds).
pub fn header(secret: &[u8], t: i64, body: &[u8]) -> Result<String, SignatureError> {
    Ok(format!("t={t},v1={}", v1(secret, t, body)?))
}

/// Checks a header as a receiver should: parse, tolerance around `now` (Unix seconds),
/// constant-time comparison against every `v1` given.
pub fn verify(
    header: &str,
    body: &[u8],
    secret: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                t = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            Some(("v1", value)) => candidates.push(value),
            // Other schemes may be added later; a receiver skips what it does not know.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let window = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(t) > window.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let expected = v1(secret, t, body)?;
    let matches = candidates.iter().any(|c| {
        c.len() == expected.len() && openssl::memcmp::eq(c.as_bytes(), expected.as_bytes())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn matches_an_independent_hmac() {
        // The independent computation is itself checked against RFC 4231 §4.3 (case 2).
        assert_eq!(
            independent("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let ours = v1(
            b"whsec_test_secret_0123456789",
            1_700_000_000,
            br#"{"a":1}"#,
        )
        .unwrap();
        assert_eq!(
            ours,
            independent("whsec_test_secret_0123456789", r#"1700000000.{"a":1}"#)
        );
    }

    /// HMAC-SHA256 from its definition (RFC 2104) over OpenSSL's plain SHA-256, so the
    /// check does not share the HMAC code under test.
    fn independent(key: &str, message: &str) -> String {
        let sha = |data: &[u8]| openssl::sha::sha256(data);
        let mut k = [0u8; 64];
        k[..key.len()].copy_from_slice(key.as_bytes());
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = sha(&[ipad.as_slice(), message.as_bytes()].concat());
        let outer = sha(&[opad.as_slice(), inner.as_slice()].concat());
        crate::store::encode_hex(&outer)
    }

    #[test]
    fn verify_accepts_ours_and_refuses_tampering_age_and_garbage() {
        let secret = b"whsec_test_secret_0123456789";
        let body = br#"{"id":"evt_1"}"#;
        let h = header(secret, 1_700_000_000, body).unwrap();
        let tol = TOLERANCE;
        assert_eq!(verify(&h, body, secret, 1_700_000_100, tol), Ok(()));
        assert_eq!(
            verify(&h, br#"{"id":"evt_2"}"#, secret, 1_700_000_100, tol),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&h, body, b"another_secret_0123456789", 1_700_000_100, tol),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&h, body, secret, 1_700_000_301, tol),
            Err(SignatureError::Stale)
        );
        // A second, unknown v1 (e.g. during a secret rotation) does not hurt.
        let two = format!("{h},v1=00ff");
        assert_eq!(verify(&two, body, secret, 1_700_000_000, tol), Ok(()));
        for bad in ["", "t=x,v1=00", "v1=00", "t=1700000000", "garbage"] {
            assert_eq!(
                verify(bad, body, secret, 1_700_000_000, tol),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
