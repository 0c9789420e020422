//! The outbox of events to the merchant's backend: written in the same transaction as the
//! change they report (so none is lost), then claimed and delivered by `crate::outbox`.
//!
//! Delivery is ordered per stream (`session:<id>`, `payout:<id>`): only the pending event
//! with the lowest `seq` of its stream is ever claimable. A claim is a lease (owner + until),
//! taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL so replicas never share an event; a
//! worker that dies mid-delivery leaves a lease that runs out, and the event is sent again.

use std::str::FromStr;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Store, StoreError, Tx, ms, time};

/// What an event reports: one closed set, with the wire names of `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A session was paid in full.
    PaymentPaid,
    /// A session's payment was paid with less than its amount.
    PaymentUnderpaid,
    /// More money arrived for a session that already had money (the buyer paid twice).
    PaymentDoublePaid,
    /// A session's payment failed.
    PaymentFailed,
    /// A session was cancelled.
    PaymentCancelled,
    /// A session expired unpaid.
    PaymentExpired,
    /// A payout reached the recipient.
    PayoutPaid,
    /// A payout failed.
    PayoutFailed,
    /// A payout's outcome stays unknown (not final; never sent again, never reported failed).
    PayoutUnknown,
}

impl EventKind {
    /// Every kind, in documentation order.
    pub const ALL: [EventKind; 9] = [
        EventKind::PaymentPaid,
        EventKind::PaymentUnderpaid,
        EventKind::PaymentDoublePaid,
        EventKind::PaymentFailed,
        EventKind::PaymentCancelled,
        EventKind::PaymentExpired,
        EventKind::PayoutPaid,
        EventKind::PayoutFailed,
        EventKind::PayoutUnknown,
    ];

    /// The wire name (`type` of the event JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PaymentPaid => "payment.paid",
            EventKind::PaymentUnderpaid => "payment.underpaid",
            EventKind::PaymentDoublePaid => "payment.double_paid",
            EventKind::PaymentFailed => "payment.failed",
            EventKind::PaymentCancelled => "payment.cancelled",
            EventKind::PaymentExpired => "payment.expired",
            EventKind::PayoutPaid => "payout.paid",
            EventKind::PayoutFailed => "payout.failed",
            EventKind::PayoutUnknown => "payout.unknown",
        }
    }

    /// The event a session's final status gives (none for `open` / `pending`).
    pub fn for_session(status: shared::SessionStatus) -> Option<EventKind> {
        use shared::SessionStatus as S;
        match status {
            S::Paid => Some(EventKind::PaymentPaid),
            S::Underpaid => Some(EventKind::PaymentUnderpaid),
            S::Failed => Some(EventKind::PaymentFailed),
            S::Cancelled => Some(EventKind::PaymentCancelled),
            S::Expired => Some(EventKind::PaymentExpired),
            S::Open | S::Pending => None,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown event type name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventKind(pub String);

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEventKind(s.to_owned()))
    }
}

/// An event for the merchant's backend, written in the same transaction as the change it reports.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Ordering key: delivery is strictly in order per stream (`session:<id>` / `payout:<id>`).
    pub stream: String,
    /// The session id or payout id the event is about.
    pub subject_id: String,
    /// The event's `data` object (the public JSON of the session / payout at that moment).
    pub data: serde_json::Value,
    /// Real money (a gateway is configured); `false` in sandbox mode.
    pub livemode: bool,
    /// When it happened.
    pub at: OffsetDateTime,
}

/// The JSON body sent, fixed at enqueue time (a resend sends these exact bytes).
#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    livemode: bool,
    created_at: String,
    data: &'a serde_json::Value,
}

/// Holds `stream`'s sequence numbers for the rest of `tx` on PostgreSQL: a new event and a
/// re-send in the same stream, at once, would otherwise both take `MAX(seq) + 1`. (SQLite's
/// single writer already runs them one after the other.)
pub(crate) async fn lock_stream(tx: &mut Tx, stream: &str) -> Result<(), StoreError> {
    if tx.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(stream)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts the event into the outbox inside `tx`; returns its id (`evt_…`).
pub(crate) async fn enqueue(tx: &mut Tx, event: &NewEvent) -> Result<String, StoreError> {
    let id = format!("evt_{}", uuid::Uuid::new_v4().simple());
    let created_at = event
        .at
        .format(&Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("event time: {e}")))?;
    let body = serde_json::to_string(&Body {
        id: &id,
        kind: event.kind.as_str(),
        livemode: event.livemode,
        created_at,
        data: &event.data,
    })
    .map_err(|e| StoreError::Corrupt(format!("event body: {e}")))?;
    let at = ms(event.at);
    lock_stream(tx, &event.stream).await?;
    sqlx::query(
        "INSERT INTO outbox_events (id, kind, stream, seq, subject_id, body, state, attempts, \
         next_attempt_at, queued_at, created_at) \
         SELECT $1, $2, $3, COALESCE(MAX(seq), 0) + 1, $4, $5, 'pending', 0, $6, $6, $6 \
         FROM outbox_events WHERE stream = $3",
    )
    .bind(id.as_str())
    .bind(event.kind.as_str())
    .bind(event.stream.as_str())
    .bind(event.subject_id.as_str())
    .bind(body)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Where an event's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt, or being sent right now.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after the attempt or age limit; kept and re-sendable.
    Failed,
}

impl DeliveryState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(DeliveryState::Pending),
            "delivered" => Ok(DeliveryState::Delivered),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(format!(
                "unknown delivery state {other:?} (pending, delivered, failed)"
            )),
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// `evt_…`.
    pub id: String,
    /// What happened.
    pub kind: EventKind,
    /// Ordering key.
    pub stream: String,
    /// The session or payout id.
    pub subject_id: String,
    /// The exact JSON sent.
    pub body: String,
    /// Delivery state.
    pub state: DeliveryState,
    /// Attempts of the current delivery.
    pub attempts: u32,
    /// When the next attempt is due (meaningful while pending).
    pub next_attempt_at: OffsetDateTime,
    /// When the current delivery was queued.
    pub queued_at: OffsetDateTime,
    /// The endpoint of the latest attempt.
    pub endpoint_id: Option<String>,
    /// The latest attempt's failure.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<OffsetDateTime>,
    /// When it happened.
    pub created_at: OffsetDateTime,
}

macro_rules! event_columns {
    () => {
        "id, kind, stream, subject_id, body, state, attempts, next_attempt_at, queued_at, \
         endpoint_id, last_error, delivered_at, created_at"
    };
}

mod delivery;

fn event(row: &AnyRow) -> Result<EventRecord, StoreError> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let corrupt = |c: &str, e: String| StoreError::Corrupt(format!("outbox_events.{c}: {e}"));
    Ok(EventRecord {
        id: text("id")?,
        kind: text("kind")?
            .parse()
            .map_err(|e: UnknownEventKind| corrupt("kind", e.to_string()))?,
        stream: text("stream")?,
        subject_id: text("subject_id")?,
        body: text("body")?,
        state: text("state")?.parse().map_err(|e| corrupt("state", e))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: time(row.try_get("next_attempt_at")?)?,
        queued_at: time(row.try_get("queued_at")?)?,
        endpoint_id: row.try_get("endpoint_id")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row
            .try_get::<Option<i64>, _>("delivered_at")?
            .map(time)
            .transpose()?,
        created_at: time(row.try_get("created_at")?)?,
    })
}

/// One delivery attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// From 1, across every delivery of the event.
    pub number: u32,
    /// The endpoint it went to.
    pub endpoint_id: String,
    /// Its URL then.
    pub url: String,
    /// When the request started.
    pub started_at: OffsetDateTime,
    /// How long until the answer or the failure, in ms.
    pub duration_ms: u64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Why it did not count as delivered.
    pub error: Option<String>,
}

/// Filters of the event list; newest first.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this type.
    pub kind: Option<EventKind>,
    /// Only events about this session or payout.
    pub subject_id: Option<String>,
    /// Only this delivery state.
    pub state: Option<DeliveryState>,
    /// Continue after this item.
    pub cursor: Option<crate::page::Cursor>,
    /// Page size.
    pub limit: u32,
}

pub use delivery::{AttemptResult, Claimed, NextStep};

impl Store {
    /// The event with this id.
    pub async fn event_by_id(&self, id: &str) -> Result<Option<EventRecord>, StoreError> {
        self.read_one(
            sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM outbox_events WHERE id = $1"
            ))
            .bind(id),
            event,
        )
        .await
    }

    /// The event's delivery attempts, oldest first.
    pub async fn event_attempts(&self, id: &str) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, endpoint_id, url, started_at, duration_ms, status_code, error \
             FROM outbox_attempts WHERE event_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryAttempt {
                    number: u32::try_from(row.try_get::<i64, _>("number")?).unwrap_or(u32::MAX),
                    endpoint_id: row.try_get("endpoint_id")?,
                    url: row.try_get("url")?,
                    started_at: time(row.try_get("started_at")?)?,
                    duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?)
                        .unwrap_or_default(),
                    status_code: row
                        .try_get::<Option<i64>, _>("status_code")?
                        .and_then(|c| u16::try_from(c).ok()),
                    error: row.try_get("error")?,
                })
            })
            .collect()
    }

    /// A page of events, newest first.
    pub async fn list_events(&self, f: &EventFilter) -> Result<Vec<EventRecord>, StoreError> {
        // Every filter is always present in the SQL and switched off by a NULL, so the text
        // is constant and the placeholders are numbered once.
        let (cursor_ms, cursor_id) = f.cursor.clone().map(|c| (c.created_at_ms, c.id)).unzip();
        self.read_all(
            sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM outbox_events \
             WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR subject_id = $2) \
             AND ($3 IS NULL OR state = $3) \
             AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5)) \
             ORDER BY created_at DESC, id DESC LIMIT $6"
            ))
            .bind(f.kind.map(EventKind::as_str))
            .bind(f.subject_id.as_deref())
            .bind(f.state.map(DeliveryState::as_str))
            .bind(cursor_ms)
            .bind(cursor_id)
            .bind(i64::from(f.limit)),
            event,
        )
        .await
    }

    /// How many events wait for delivery (the outbox depth).
    pub async fn pending_event_count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM outbox_events WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests;
