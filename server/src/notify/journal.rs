//! The notifications service: what arrived at `/webhooks/alikassa`, kept for the dashboard's
//! timelines — each notification applied (once, with what applying did) and the refused ones
//! (why, from where, which session or payout they name), so an operator sees a key mismatch
//! or an attack.
//!
//! Refused notifications come from anyone, so what is kept of them is bounded: only requests
//! the flood guard let through are recorded (an address answered `429` is not read at all);
//! at most [`REFUSED_PER_CLIENT`] per address and [`REFUSED_PER_MINUTE`] in all per minute per
//! replica (the rest are only counted in the guard's log lines); never the body, only what it
//! claims and an excerpt of at most [`EXCERPT_CHARS`] characters; and rows older than
//! [`RETENTION`] or past the newest [`MAX_REFUSED_ROWS`] are deleted, at most every
//! [`PRUNE_EVERY`], when a refused one is recorded (no notifications, no growth). Applied
//! ones need a valid signature and a new receipt, so they grow only with real payments.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use shared::gateway::NotificationType;
use time::OffsetDateTime;

use super::{NotifyError, Verified};
use crate::clock::Clock;
use crate::store::notifications::{NewNotification, NotificationRecord};
use crate::store::{Store, StoreError};

/// Refused notifications recorded per minute, all addresses together.
pub const REFUSED_PER_MINUTE: u32 = 60;
/// Refused notifications recorded per minute from one address.
pub const REFUSED_PER_CLIENT: u32 = 10;
/// Characters of a refused notification's fields kept.
pub const EXCERPT_CHARS: usize = 200;
/// How long refused notifications are kept.
pub const RETENTION: time::Duration = time::Duration::days(7);
/// Refused notifications kept at most.
pub const MAX_REFUSED_ROWS: u32 = 20_000;
/// How often old refused notifications are deleted.
pub const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Entries a timeline shows at most.
const TIMELINE_LIMIT: u32 = 200;

/// Why a notification was refused or not applied: a closed set of stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The body is not a JSON object, too large, or unreadable.
    MalformedBody,
    /// No `sign` field.
    MissingSign,
    /// The signature verifies with the notification key over none of the texts.
    BadSignature,
    /// Signed, but a field the checkout needs is missing or malformed.
    Unusable,
    /// Signed, about a payment none of our attempts has.
    UnknownPayment,
    /// Signed, about a payout we do not know.
    UnknownPayout,
    /// Signed `paid`, but the gateway's status answer did not confirm the amount yet.
    Unconfirmed,
    /// Signed, about a payout of another Account.
    OtherAccount,
}

impl Refusal {
    /// Every reason.
    pub const ALL: [Refusal; 8] = [
        Refusal::MalformedBody,
        Refusal::MissingSign,
        Refusal::BadSignature,
        Refusal::Unusable,
        Refusal::UnknownPayment,
        Refusal::UnknownPayout,
        Refusal::Unconfirmed,
        Refusal::OtherAccount,
    ];

    /// Its stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::MalformedBody => "malformed_body",
            Refusal::MissingSign => "missing_sign",
            Refusal::BadSignature => "bad_signature",
            Refusal::Unusable => "unusable",
            Refusal::UnknownPayment => "unknown_payment",
            Refusal::UnknownPayout => "unknown_payout",
            Refusal::Unconfirmed => "unconfirmed",
            Refusal::OtherAccount => "other_account",
        }
    }

    /// The reason stored as `code`.
    pub fn parse(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The reason a verification failure gives.
    pub fn of(error: &NotifyError) -> Refusal {
        match error {
            NotifyError::MissingSign => Refusal::MissingSign,
            NotifyError::BadSignature { .. } => Refusal::BadSignature,
            NotifyError::MalformedBody => Refusal::MalformedBody,
            NotifyError::Invalid(_) => Refusal::Unusable,
        }
    }

    /// The reason a receipt not recorded gives (`outcome` of `Receipt::NotRecorded`), for a
    /// notification of `kind`.
    pub fn of_outcome(kind: NotificationType, outcome: &str) -> Refusal {
        match (kind, outcome) {
            (_, "unconfirmed") => Refusal::Unconfirmed,
            (_, "other_account") => Refusal::OtherAccount,
            (NotificationType::Payout, _) => Refusal::UnknownPayout,
            (NotificationType::Payment, _) => Refusal::UnknownPayment,
        }
    }
}

/// What a notification claims: read from its raw fields (unverified for a refused one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// `payment` or `payout` (`type`; absent means payment).
    pub kind: Option<NotificationType>,
    /// The gateway id (`id`), if it is a number.
    pub gateway_id: Option<i64>,
    /// The gateway order id (`order_id`), at most 64 characters.
    pub order_id: Option<String>,
    /// The fields but `sign`, shortened, at most [`EXCERPT_CHARS`] characters.
    pub excerpt: Option<String>,
}

impl Claim {
    /// The claim of received fields.
    pub fn of_fields(fields: &[(String, String)]) -> Claim {
        let field = |name: &str| {
            fields
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
        };
        let kind = match field("type") {
            Some("payout") => Some(NotificationType::Payout),
            Some("payment") => Some(NotificationType::Payment),
            _ => None,
        };
        let parts: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k != "sign")
            .map(|(k, v)| format!("{}={}", printable(k, 24), printable(v, 40)))
            .collect();
        Claim {
            kind,
            gateway_id: field("id")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0),
            order_id: field("order_id")
                .filter(|v| !v.is_empty() && v.chars().count() <= 64)
                .map(|v| printable(v, 64)),
            excerpt: Some(printable(&parts.join("&"), EXCERPT_CHARS)).filter(|e| !e.is_empty()),
        }
    }

    /// The claim of a body that could not be read into fields: its first characters only.
    pub fn of_body(body: &[u8]) -> Claim {
        let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
        Claim {
            excerpt: Some(printable(&String::from_utf8_lossy(head), EXCERPT_CHARS / 2))
                .filter(|e| !e.is_empty()),
            ..Claim::default()
        }
    }
}

/// `text` with control characters as `·`, cut to `max` characters (`…` marks a cut).
fn printable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.pop();
        out.push('…');
    }
    out
}

/// How many refused notifications may still be recorded this minute.
#[derive(Debug)]
struct Budget {
    started: Instant,
    total: u32,
    per_client: HashMap<String, u32>,
}

impl Budget {
    fn new(now: Instant) -> Budget {
        Budget {
            started: now,
            total: 0,
            per_client: HashMap::new(),
        }
    }

    /// Whether one more refused notification from `client` is recorded at `now` (and counts
    /// it if so).
    fn take(&mut self, client: &str, now: Instant) -> bool {
        if now.saturating_duration_since(self.started) >= Duration::from_secs(60) {
            *self = Budget::new(now);
        }
        if self.total >= REFUSED_PER_MINUTE {
            return false;
        }
        let n = self.per_client.entry(client.to_owned()).or_insert(0);
        if *n >= REFUSED_PER_CLIENT {
            return false;
        }
        *n += 1;
        self.total += 1;
        true
    }
}

/// A notification on a timeline or in the refused list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// When it arrived.
    pub at: OffsetDateTime,
    /// `Ok(what applying did)` or `Err(why it was refused)`.
    pub outcome: Result<String, Refusal>,
    /// The sender's address.
    pub client: String,
    /// What it claimed.
    pub claim: Claim,
}

fn received(r: NotificationRecord) -> Received {
    let n = r.received;
    let outcome = if n.refused {
        // A code this version does not know (written by a newer one) reads as unusable.
        Err(Refusal::parse(&n.outcome).unwrap_or(Refusal::Unusable))
    } else {
        Ok(n.outcome)
    };
    Received {
        at: n.received_at,
        outcome,
        client: n.client,
        claim: Claim {
            kind: n.kind.as_deref().and_then(|k| match k {
                "payout" => Some(NotificationType::Payout),
                "payment" => Some(NotificationType::Payment),
                _ => None,
            }),
            gateway_id: n.gateway_id,
            order_id: n.order_id,
            excerpt: n.excerpt,
        },
    }
}

/// The notifications service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifications {
    store: Store,
    clock: Clock,
    budget: Arc<Mutex<Budget>>,
    last_prune: Arc<Mutex<Instant>>,
}

impl Notifications {
    /// The service over `store`.
    pub fn new(store: Store, clock: Clock) -> Notifications {
        let now = Instant::now();
        Notifications {
            store,
            clock,
            budget: Arc::new(Mutex::new(Budget::new(now))),
            last_prune: Arc::new(Mutex::new(now)),
        }
    }

    /// The time a notification arriving now is recorded with.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Records a notification received at `at` from `client` that was applied with
    /// `outcome`. A failure is logged, never returned: the notification was applied.
    pub async fn accepted(
        &self,
        at: OffsetDateTime,
        client: &str,
        verified: &Verified,
        outcome: &str,
    ) {
        let row = NewNotification {
            received_at: at,
            refused: false,
            outcome: outcome.to_owned(),
            client: client.to_owned(),
            kind: Some(kind_name(verified.kind).to_owned()),
            gateway_id: i64::try_from(verified.id.get()).ok(),
            order_id: verified.order_id.as_ref().map(|o| o.as_str().to_owned()),
            excerpt: None,
        };
        if let Err(e) = self.store.record_notification(&row).await {
            tracing::warn!(error = %e, "recording an applied notification failed");
        }
    }

    /// Records a refused notification received at `at` from `client`, unless this minute's
    /// budget for it is spent; `true` when recorded. A failure is logged, never returned.
    pub async fn refused(
        &self,
        at: OffsetDateTime,
        client: &str,
        refusal: Refusal,
        claim: &Claim,
    ) -> bool {
        let now = Instant::now();
        if !self
            .budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(client, now)
        {
            return false;
        }
        let row = NewNotification {
            received_at: at,
            refused: true,
            outcome: refusal.as_str().to_owned(),
            client: client.to_owned(),
            kind: claim.kind.map(|k| kind_name(k).to_owned()),
            gateway_id: claim.gateway_id,
            order_id: claim.order_id.clone(),
            excerpt: claim.excerpt.clone(),
        };
        if let Err(e) = self.store.record_notification(&row).await {
            tracing::warn!(error = %e, "recording a refused notification failed");
            return false;
        }
        self.prune_if_due(now);
        true
    }

    /// Deletes old refused notifications in the background, at most every [`PRUNE_EVERY`]
    /// (the first time that long after the start).
    fn prune_if_due(&self, now: Instant) {
        {
            let mut last = self
                .last_prune
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if now.saturating_duration_since(*last) < PRUNE_EVERY {
                return;
            }
            *last = now;
        }
        let store = self.store.clone();
        let before = self.clock.now() - RETENTION;
        tokio::spawn(async move {
            match store
                .prune_refused_notifications(before, MAX_REFUSED_ROWS)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old refused notifications deleted"),
                Err(e) => tracing::warn!(error = %e, "deleting old refused notifications failed"),
            }
        });
    }

    /// The notifications that named session `id`, oldest first.
    pub async fn of_session(&self, id: &str) -> Result<Vec<Received>, StoreError> {
        let rows = self.store.session_notifications(id, TIMELINE_LIMIT).await?;
        Ok(rows.into_iter().map(received).collect())
    }

    /// The notifications that named payout `id`, oldest first.
    pub async fn of_payout(&self, id: &str) -> Result<Vec<Received>, StoreError> {
        let rows = self.store.payout_notifications(id, TIMELINE_LIMIT).await?;
        Ok(rows.into_iter().map(received).collect())
    }

    /// The latest `limit` refused notifications that named no session or payout of ours.
    pub async fn refused_untied(&self, limit: u32) -> Result<Vec<Received>, StoreError> {
        let rows = self.store.untied_refused_notifications(limit).await?;
        Ok(rows.into_iter().map(received).collect())
    }
}

fn kind_name(kind: NotificationType) -> &'static str {
    match kind {
        NotificationType::Payment => "payment",
        NotificationType::Payout => "payout",
    }
}

#[cfg(test)]
mod tests;
