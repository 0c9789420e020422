//! `GET /api/v1/checkout/{token}/events`: Server-Sent Events. The first `status` event is the
//! current status, then one per change; a comment heartbeat every 15 s; the stream closes after
//! a final status (and at server shutdown).
//!
//! Open streams are capped per session token, per client address and in total
//! ([`super::caps`]): over a cap the answer is `429 too_many_streams` or `503 server_busy`
//! with `Retry-After` and `Connection: close`, and the widget polls the status instead.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::CONNECTION;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use shared::api::{SessionId, StatusUpdate};
use tokio::sync::{broadcast, watch};

use super::AppState;
use super::caps::StreamPermit;
use super::extract::{ClientIp, session_token};
use crate::error::ApiError;
use crate::sessions::{Sessions, Subscription};

/// Heartbeat interval.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Status changes of one session as SSE.
#[utoipa::path(get, path = "/api/v1/checkout/{token}/events", tag = "widget",
    params(("token" = String, Path, description = "Session token")),
    responses(
        (status = 200, description = "`text/event-stream` of `status` events (data: StatusUpdate JSON); `:heartbeat` comments every 15 s; closes after a final status", content_type = "text/event-stream"),
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
        (status = 429, description = "`rate_limited`, or `too_many_streams` (this session or this address has too many open streams); `Retry-After`", body = shared::api::ApiErrorBody),
        (status = 503, description = "`server_busy`: too many open streams in total; `Retry-After`", body = shared::api::ApiErrorBody),
    ))]
pub async fn events(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Response {
    match open(&state, ip, &token).await {
        Ok(sse) => sse.into_response(),
        Err(error) => {
            let capped = matches!(
                error,
                ApiError::TooManyStreams { .. } | ApiError::ServerBusy { .. }
            );
            let mut response = error.into_response();
            if capped {
                // A refused client should not keep the connection (and its descriptor).
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
    }
}

async fn open(
    state: &AppState,
    ip: std::net::IpAddr,
    token: &str,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, ApiError> {
    let token = session_token(token)?;
    let permit = state.stream_caps.acquire(token.as_str(), ip)?;
    let id = state.sessions.session_id_of(&token).await?;
    // Subscribe before reading, so no change between the two is missed.
    let subscription = state.sessions.events().subscribe(id);
    let (_, first) = state.sessions.status(&token).await?;
    let stream = Feed {
        sessions: state.sessions.clone(),
        id,
        subscription,
        _permit: permit,
        shutdown: state.shutdown.clone(),
        last: None,
        pending: Some(first),
        seq: 0,
        done: false,
    }
    .into_stream();
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

/// The state of one SSE stream.
struct Feed {
    sessions: Sessions,
    id: SessionId,
    subscription: Subscription,
    /// Its place under the stream caps, given back when the stream is dropped.
    _permit: StreamPermit,
    shutdown: watch::Receiver<bool>,
    last: Option<StatusUpdate>,
    pending: Option<StatusUpdate>,
    seq: u64,
    done: bool,
}

impl Feed {
    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> {
        futures_util::stream::unfold(self, |mut feed| async move {
            let update = feed.next_update().await?;
            feed.seq += 1;
            feed.done = update.status.is_final();
            feed.last = Some(update);
            let event = Event::default()
                .event("status")
                .id(feed.seq.to_string())
                .json_data(update)
                .unwrap_or_else(|_| Event::default().comment("unencodable"));
            Some((Ok(event), feed))
        })
    }

    /// The next update worth sending, or `None` when the stream should end.
    async fn next_update(&mut self) -> Option<StatusUpdate> {
        if self.done || *self.shutdown.borrow() {
            return None;
        }
        if let Some(first) = self.pending.take() {
            return Some(first);
        }
        loop {
            let update = tokio::select! {
                received = self.subscription.recv() => match received {
                    Ok(update) => update,
                    // Missed some: the store has the truth.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let session = self.sessions.store().session_by_id(self.id).await.ok()??;
                        let token = session.token;
                        self.sessions.status(&token).await.ok()?.1
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.shutdown.changed() => return None,
            };
            if self.last != Some(update) {
                return Some(update);
            }
        }
    }
}
