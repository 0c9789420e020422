//! Merchant API over the events we send to the merchant's webhook: list, read (with every
//! delivery attempt), re-send.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::AppState;
use super::extract::{Merchant, query_value};
use super::openapi::parts::{InvalidQuery, PageParams, Unauthorized};
use crate::error::ApiError;
use crate::page::{self, ListQuery};
use crate::store::StoreError;
use crate::store::outbox::{DeliveryAttempt, DeliveryState, EventFilter, EventRecord};

/// An event as sent to the merchant's webhook, with where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// `evt_…`: the receiver's de-duplication key.
    pub id: String,
    /// `payment.paid`, `payment.underpaid`, `payment.double_paid`, `payment.failed`,
    /// `payment.cancelled`, `payment.expired`, `payout.paid`, `payout.failed`, `payout.unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `true` with a real gateway (real money), `false` in sandbox mode (test money), as in
    /// the body sent.
    pub livemode: bool,
    /// When it happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The session or payout id it is about.
    pub subject_id: String,
    /// The `data` object sent: the session (as `GET /api/v1/sessions/{id}` gives it) or the
    /// payout at that moment.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// Where the delivery stands.
    pub delivery: Delivery,
    /// Every attempt, oldest first (only on `GET /api/v1/events/{id}` and the re-send).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attempts: Option<Vec<Attempt>>,
}

/// Where an event's delivery stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// `pending` (waiting or being sent), `delivered` (2xx) or `failed` (given up; re-send
    /// with `POST /api/v1/events/{id}/resend`).
    pub state: String,
    /// Attempts of the current delivery (a re-send starts again from 0).
    pub attempts: u32,
    /// When the next attempt is due, while pending.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When the endpoint accepted it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
    /// Why the latest attempt failed.
    pub last_error: Option<String>,
    /// The endpoint (`webhooks.endpoint_id`) of the latest attempt.
    pub endpoint_id: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    /// From 1, across every delivery of the event.
    pub number: u32,
    /// The endpoint it went to.
    pub endpoint_id: String,
    /// Its URL at the time.
    pub url: String,
    /// When the request started.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    /// Until the answer or the failure, in milliseconds.
    pub duration_ms: u64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Why it did not count (non-2xx with the start of the answer, timeout, connection).
    pub error: Option<String>,
}

/// `GET /api/v1/events`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    /// Newest first.
    pub items: Vec<Event>,
    /// Pass as `cursor` for the next page.
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
}

/// List events sent (or to be sent) to the merchant's webhook, newest first; pages follow
/// `next_cursor`.
#[utoipa::path(get, path = "/api/v1/events", tag = "merchant",
    params(
        ("type" = Option<String>, Query, description = "Only this type, e.g. `payment.paid`"),
        ("subject_id" = Option<String>, Query, description = "Only events about this session or payout id"),
        ("state" = Option<String>, Query, description = "Only this delivery state: `pending`, `delivered`, `failed`"),
        PageParams,
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = EventList),
        InvalidQuery,
        Unauthorized,
    ))]
pub async fn list(
    _: Merchant,
    State(state): State<AppState>,
    query: ListQuery,
) -> Result<Json<EventList>, ApiError> {
    let mut filter = list_filter(query)?;
    let limit = filter.limit;
    // One extra row tells whether another page exists.
    filter.limit = limit + 1;
    let records = state.events.list(&filter).await.map_err(internal)?;
    let (records, next_cursor) = page::page(records, limit, |last| page::Cursor {
        created_at_ms: crate::clock::unix_ms(last.created_at),
        id: last.id.clone(),
    });
    let items = records
        .iter()
        .map(|r| view(r, None))
        .collect::<Result<_, _>>()?;
    Ok(Json(EventList { items, next_cursor }))
}

/// Read an event: the body sent, the delivery state and every attempt.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "merchant",
    params(("id" = String, Path, description = "Event id (`evt_…`)")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The event", body = Event),
        Unauthorized,
        (status = 404, description = "`event_not_found`", body = shared::api::ApiErrorBody),
    ))]
pub async fn details(
    _: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Event>, ApiError> {
    let (record, attempts) = state
        .events
        .get(&id)
        .await
        .map_err(internal)?
        .ok_or(ApiError::EventNotFound)?;
    Ok(Json(view(&record, Some(&attempts))?))
}

/// Send an event again: a new delivery of the same id and body, signed with a new `t`.
///
/// A delivered or failed event is queued behind any pending event of the same session or
/// payout, with a fresh attempt budget; a pending one is made due now.
#[utoipa::path(post, path = "/api/v1/events/{id}/resend", tag = "merchant",
    params(("id" = String, Path, description = "Event id (`evt_…`)")),
    security(("api_key" = [])),
    responses(
        (status = 202, description = "Queued; the event as it now stands", body = Event),
        Unauthorized,
        (status = 404, description = "`event_not_found`", body = shared::api::ApiErrorBody),
    ))]
pub async fn resend(
    _: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let (record, attempts) = state
        .events
        .resend(&id)
        .await
        .map_err(internal)?
        .ok_or(ApiError::EventNotFound)?;
    Ok((StatusCode::ACCEPTED, Json(view(&record, Some(&attempts))?)))
}

fn internal(e: StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The stored record as the API shows it.
fn view(record: &EventRecord, attempts: Option<&[DeliveryAttempt]>) -> Result<Event, ApiError> {
    let body: serde_json::Value = serde_json::from_str(&record.body)
        .map_err(|e| ApiError::Internal(format!("event {} body: {e}", record.id)))?;
    let data = body.get("data").cloned().unwrap_or(serde_json::Value::Null);
    // Bodies stored before the envelope carried it: the data's own flag says.
    let livemode = body
        .get("livemode")
        .or_else(|| data.get("livemode"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let pending = record.state == DeliveryState::Pending;
    Ok(Event {
        id: record.id.clone(),
        kind: record.kind.as_str().to_owned(),
        livemode,
        created_at: record.created_at,
        subject_id: record.subject_id.clone(),
        data,
        delivery: Delivery {
            state: record.state.as_str().to_owned(),
            attempts: record.attempts,
            next_attempt_at: pending.then_some(record.next_attempt_at),
            delivered_at: record.delivered_at,
            last_error: record.last_error.clone(),
            endpoint_id: record.endpoint_id.clone(),
        },
        attempts: attempts.map(|list| {
            list.iter()
                .map(|a| Attempt {
                    number: a.number,
                    endpoint_id: a.endpoint_id.clone(),
                    url: a.url.clone(),
                    started_at: a.started_at,
                    duration_ms: a.duration_ms,
                    status_code: a.status_code,
                    error: a.error.clone(),
                })
                .collect()
        }),
    })
}

/// The list's filters; unknown or malformed parameters are refused by name.
fn list_filter(query: ListQuery) -> Result<EventFilter, ApiError> {
    let mut filter = EventFilter {
        limit: query.limit,
        cursor: query
            .after(|id| id.starts_with("evt_"))
            .map_err(ApiError::InvalidQuery)?,
        ..EventFilter::default()
    };
    for (name, value) in query.filters {
        match name.as_str() {
            "type" => filter.kind = Some(query_value("type", &value)?),
            "subject_id" => filter.subject_id = Some(value),
            "state" => filter.state = Some(query_value("state", &value)?),
            other => return Err(super::extract::unknown_parameter(other)),
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::outbox::EventKind;

    fn list_query(query: &str) -> Result<EventFilter, ApiError> {
        list_filter(ListQuery::parse(query).map_err(ApiError::InvalidQuery)?)
    }

    #[test]
    fn list_query_parses_and_refuses_by_name() {
        let f = list_query("type=payment.paid&state=failed&subject_id=abc&limit=10").unwrap();
        assert_eq!(f.kind, Some(EventKind::PaymentPaid));
        assert_eq!(f.state, Some(DeliveryState::Failed));
        assert_eq!(f.subject_id.as_deref(), Some("abc"));
        assert_eq!(f.limit, 10);
        for bad in [
            "type=payment.done",
            "state=sent",
            "limit=0",
            "limit=201",
            "cursor=xyz",
            "foo=1",
        ] {
            match list_query(bad) {
                Err(ApiError::InvalidQuery(_)) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn cursor_round_trips() {
        let cursor = page::Cursor {
            created_at_ms: 1_700_000_000_123,
            id: "evt_00ff".to_owned(),
        };
        let f = list_query(&format!("cursor={}", cursor.encode())).unwrap();
        assert_eq!(f.cursor, Some(cursor));
        let session = page::Cursor {
            id: "cd50b1e5-d9fb-43a5-9261-cfc8bbe79fe8".to_owned(),
            ..f.cursor.unwrap()
        };
        assert!(
            list_query(&format!("cursor={}", session.encode())).is_err(),
            "another list's cursor"
        );
    }
}
