//! Authentication as the gateway does it: the `Account` header picks an account, the `Sign`
//! header is verified over the raw body bytes — before anything is parsed — with the key the
//! path needs (payment key for `v1/payment*`, payout key for payouts, balance and info) and
//! the configured digest. Any failure is a 401; when the mistake is recognisable (the other
//! digest, or the other key of the same account) the body carries a `hint` and the log a
//! warning, because those are a merchant's most likely mistakes.

use axum::http::HeaderMap;
use shared::AccountUuid;

use super::config::SandboxAccount;
use super::error::GatewayError;
use crate::signing::DigestMode;
use crate::signing::{Digest, PublicKey};

/// Which of an account's keys a path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRole {
    /// `v1/payment`, `v1/payment/status`, `v1/payment/history`.
    Payment,
    /// `v1/payout`, `v1/payout/status`, `v1/account/balance`, `v1/account/info`.
    Payout,
}

impl KeyRole {
    fn name(self) -> &'static str {
        match self {
            KeyRole::Payment => "payment",
            KeyRole::Payout => "payout",
        }
    }

    fn other(self) -> KeyRole {
        match self {
            KeyRole::Payment => KeyRole::Payout,
            KeyRole::Payout => KeyRole::Payment,
        }
    }
}

fn key(account: &SandboxAccount, role: KeyRole) -> &PublicKey {
    match role {
        KeyRole::Payment => &account.payment_key,
        KeyRole::Payout => &account.payout_key,
    }
}

fn digest_label(d: Digest) -> &'static str {
    match d {
        Digest::Sha1 => "SHA-1",
        Digest::Sha256 => "SHA-256",
    }
}

/// The account whose `role` key signed `body`, or a 401.
pub(crate) fn authenticate<'a>(
    accounts: &'a [SandboxAccount],
    mode: DigestMode,
    headers: &HeaderMap,
    body: &[u8],
    role: KeyRole,
    path: &str,
) -> Result<&'a SandboxAccount, GatewayError> {
    let refuse = |reason: &str, hint: Option<String>| {
        tracing::warn!(
            path,
            reason,
            hint = hint.as_deref().unwrap_or(""),
            "sandbox: 401"
        );
        GatewayError::Unauthenticated { hint }
    };
    let Some(account_text) = headers.get("account").and_then(|v| v.to_str().ok()) else {
        return Err(refuse("no Account header", None));
    };
    let account = AccountUuid::parse(account_text.trim())
        .ok()
        .and_then(|uuid| accounts.iter().find(|a| a.uuid == uuid))
        .ok_or_else(|| refuse("unknown Account", None))?;
    let Some(sign) = headers.get("sign").map(|v| v.as_bytes()) else {
        return Err(refuse("no Sign header", None));
    };
    let accepted = mode.accepted();
    if key(account, role).verify_any(body, sign, accepted).is_ok() {
        return Ok(account);
    }
    // Recognisable mistakes, most likely first.
    if let [expected] = accepted {
        let other = expected.other();
        if key(account, role).verify(body, sign, other).is_ok() {
            let hint = format!(
                "the signature verifies with {} but this gateway expects {}",
                digest_label(other),
                digest_label(*expected)
            );
            return Err(refuse("wrong digest", Some(hint)));
        }
    }
    if key(account, role.other())
        .verify_any(body, sign, &Digest::ALL)
        .is_ok()
    {
        let hint = format!(
            "the signature verifies with this account's {} key, but {path} must be signed with the {} key",
            role.other().name(),
            role.name()
        );
        return Err(refuse("wrong key", Some(hint)));
    }
    Err(refuse("signature does not verify", None))
}
