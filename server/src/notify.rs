//! Verifying gateway notifications (alikassa-api.md §4) over the raw received text, before
//! anything touches state; applying each verified one at most once ([`receipts`]).
//!
//! The signature covers a PHP `json_encode` of the received values, whose exact shape the docs
//! leave open, so every §4.3 reconstruction ([`notification_candidates`]) is tried with both
//! digests. A `+` of the base64 `sign` turns into a space when a sender does not percent-encode
//! it in a query string, so that reading is tried too.

pub mod journal;
pub mod receipts;

use openssl::sha::sha256;
use shared::gateway::{Notification, NotificationError, NotificationType};
use shared::{AccountUuid, GatewayPaymentId, Money, OrderId, PaymentStatus};

use crate::signing::signed_text::notification_candidates;
use crate::signing::{Digest, PublicKey};
use crate::store::encode_hex;

/// A notification as received from exactly one source (query, form body or JSON body — never
/// a mix): its fields in order and, for a JSON body, the raw bytes (then the fields are read
/// from those bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawNotification {
    /// Name → raw text; for a repeated name the last one counts.
    pub fields: Vec<(String, String)>,
    /// The JSON body, when there was one.
    pub json_body: Option<Vec<u8>>,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// No `sign` field.
    #[error("the notification has no sign")]
    MissingSign,
    /// No reconstruction verifies with the notification key.
    #[error("the signature verifies over none of the {candidates} candidate texts")]
    BadSignature {
        /// Texts tried.
        candidates: usize,
    },
    /// The JSON body is not a JSON object.
    #[error("the notification body is not a JSON object")]
    MalformedBody,
    /// Verified, but a field the checkout needs is missing or malformed.
    #[error("verified notification is unusable: {0}")]
    Invalid(#[from] NotificationError),
}

/// A notification whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `payment` or `payout`.
    pub kind: NotificationType,
    /// The gateway's id.
    pub id: GatewayPaymentId,
    /// The order id sent to the gateway.
    pub order_id: Option<OrderId>,
    /// The status.
    pub status: PaymentStatus,
    /// Amount actually paid.
    pub paid_amount: Option<Money>,
    /// Partial payment flag.
    pub partial: Option<bool>,
    /// The Account UUID it concerns.
    pub account: Option<AccountUuid>,
    /// The gateway service it names, when given.
    pub service: Option<String>,
    /// Which reconstruction verified (for logs).
    pub variant: String,
    /// Which digest verified.
    pub digest: Digest,
    /// Identifies the signed content: a redelivery of the same notification has the same key.
    pub dedupe_key: String,
}

/// Checks notifications with the gateway's notification public key.
#[derive(Debug, Clone)]
pub struct NotificationVerifier {
    key: PublicKey,
}

impl NotificationVerifier {
    /// A verifier for `key` (the notification `public.pem`).
    pub fn new(key: PublicKey) -> NotificationVerifier {
        NotificationVerifier { key }
    }

    /// Verifies `raw`, then reads the fields the checkout needs.
    pub fn verify(&self, raw: &RawNotification) -> Result<Verified, NotifyError> {
        // Every field is read from the one source the candidate texts are built from: a JSON
        // body's own fields when there is one (never anything received beside it), else the
        // received pairs. So whatever verifies also covers what is read below.
        let body_fields;
        let fields: &[(String, String)] = match raw.json_body.as_deref() {
            Some(body) => {
                body_fields = json_fields(body).ok_or(NotifyError::MalformedBody)?;
                &body_fields
            }
            None => &raw.fields,
        };
        let sign = fields
            .iter()
            .rev()
            .find(|(k, _)| k == "sign")
            .map(|(_, v)| v.as_str())
            .filter(|s| !s.trim().is_empty())
            .ok_or(NotifyError::MissingSign)?;
        let mut signs = vec![sign.to_owned()];
        if sign.contains(' ') {
            signs.push(sign.replace(' ', "+"));
        }
        let candidates = notification_candidates(fields, raw.json_body.as_deref());
        let (candidate, digest) = candidates
            .iter()
            .find_map(|c| {
                signs.iter().find_map(|s| {
                    self.key
                        .verify_any(c.text.as_bytes(), s, &Digest::ALL)
                        .ok()
                        .map(|d| (c, d))
                })
            })
            .ok_or(NotifyError::BadSignature {
                candidates: candidates.len(),
            })?;
        let notification = as_notification(fields);
        // Absent means "not said"; present but unparseable is refused, never read as absent,
        // or a garbled account would pass the "is it ours" check.
        let account = match notification.account.as_deref() {
            None | Some("") => None,
            Some(_) => Some(notification.account_uuid()?),
        };
        Ok(Verified {
            kind: notification.notification_type()?,
            id: notification.gateway_id()?,
            order_id: notification.order_id().ok(),
            status: notification.status()?,
            paid_amount: notification.payment_amount_money().ok().flatten(),
            partial: notification.partial_payment().ok().flatten(),
            account,
            service: notification.service.clone().filter(|s| !s.is_empty()),
            variant: candidate.label.clone(),
            digest,
            dedupe_key: encode_hex(&sha256(candidate.text.as_bytes())),
        })
    }
}

/// The typed view of the fields (last value of a repeated name wins).
fn as_notification(fields: &[(String, String)]) -> Notification {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
}

/// The fields of a JSON object body as text: strings as they are, other values as their
/// JSON text, `null` left out.
pub fn json_fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    Some(
        object
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
