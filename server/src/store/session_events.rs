//! The `payment.*` events a session's final status writes into the outbox, inside the same
//! transaction as the status itself ([`Store::commit`]).

use shared::api::SessionId;
use shared::{HttpUrl, SessionStatus};
use sqlx::Row;

use super::outbox::{EventKind, NewEvent, enqueue};
use super::rows::{self, attempt_columns};
use super::{SessionRecord, Store, StoreError, Tx, parse};

impl Store {
    /// Sets this server's public base URL (no trailing slash), which the `hosted_url` of
    /// session events is built from. The first call wins; later ones are ignored.
    pub fn set_public_url(&self, url: &str) {
        // Ignored on a second call: one process serves one public URL.
        let _ = self.public_url.set(url.trim_end_matches('/').to_owned());
    }
}

/// The session's status inside `tx`, before a change is written.
pub(super) async fn status_before(
    tx: &mut Tx,
    id: SessionId,
) -> Result<Option<SessionStatus>, StoreError> {
    let row = sqlx::query("SELECT status FROM sessions WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| parse("status", &r.try_get::<String, _>("status")?))
        .transpose()
}

/// Enqueues the event of `after` if the change moved the session into a final status it did
/// not have (`paid` after `expired` is a new event; rewriting `paid` is not).
pub(super) async fn on_change(
    store: &Store,
    tx: &mut Tx,
    before: Option<SessionStatus>,
    after: &SessionRecord,
) -> Result<(), StoreError> {
    let Some(kind) = EventKind::for_session(after.status) else {
        return Ok(());
    };
    if before == Some(after.status) {
        return Ok(());
    }
    let id = after.id.to_string();
    let attempts = sqlx::query(concat!(
        "SELECT ",
        attempt_columns!(),
        " FROM payment_attempts WHERE session_id = $1 ORDER BY number"
    ))
    .bind(id.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(rows::attempt)
    .collect::<Result<Vec<_>, _>>()?;
    let history = sqlx::query(
        "SELECT status, payment_status, gateway_payment_id, source, detail, at \
         FROM status_history WHERE session_id = $1 ORDER BY seq",
    )
    .bind(id.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(rows::history)
    .collect::<Result<Vec<_>, _>>()?;
    let base = store
        .public_url
        .get()
        .map_or("http://localhost", String::as_str);
    let hosted = HttpUrl::parse(format!("{base}/pay/{}", after.token))
        .map_err(|e| StoreError::Corrupt(format!("hosted page URL: {e}")))?;
    let details = crate::sessions::public_details(hosted, after, &attempts, history);
    let data = serde_json::to_value(&details)
        .map_err(|e| StoreError::Corrupt(format!("session event data: {e}")))?;
    enqueue(
        tx,
        &NewEvent {
            kind,
            stream: format!("session:{id}"),
            subject_id: id,
            data,
            at: after.updated_at,
        },
    )
    .await?;
    Ok(())
}
