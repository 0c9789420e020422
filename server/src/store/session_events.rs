//! The `payment.*` events a session change announces, written into the outbox inside the same
//! transaction as the change itself ([`Store::commit`](super::Store::commit)). The sessions
//! service decides which event and builds its data; the store only writes it, guarded by
//! what the session held when the decision was made.

use shared::api::SessionId;
use shared::{Amount, SessionStatus};
use sqlx::Row;

use super::outbox::{NewEvent, enqueue};
use super::{ChangeEvent, SessionRecord, StoreError, Tx, parse};

/// The session's status and received money inside `tx`, before a change is written.
pub(super) async fn money_before(
    tx: &mut Tx,
    id: SessionId,
) -> Result<Option<(SessionStatus, Option<Amount>)>, StoreError> {
    let row = sqlx::query("SELECT status, paid_kopecks FROM sessions WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status = parse("status", &row.try_get::<String, _>("status")?)?;
    let paid = row
        .try_get::<Option<i64>, _>("paid_kopecks")?
        .map(|k| super::rows::kopecks("paid_kopecks", k))
        .transpose()?;
    Ok(Some((status, paid)))
}

/// Enqueues `event` of `after` on the session's stream.
pub(super) async fn enqueue_event(
    tx: &mut Tx,
    after: &SessionRecord,
    event: &ChangeEvent,
) -> Result<(), StoreError> {
    let id = after.id.to_string();
    enqueue(
        tx,
        &NewEvent {
            kind: event.kind,
            stream: format!("session:{id}"),
            subject_id: id,
            data: event.data.clone(),
            livemode: event.livemode,
            at: after.updated_at,
        },
    )
    .await?;
    Ok(())
}
