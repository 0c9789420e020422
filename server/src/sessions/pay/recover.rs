//! Start-up recovery of payment attempts: those left `creating` by a crash (and `unknown`
//! ones) are looked up by their order id, adopted when found, otherwise left `unknown` so the
//! next try looks again before creating with the same order id. Never a second create.

use std::time::Duration;

use shared::api::{AttemptState, StatusSource};

use crate::sessions::locks::ReplicaLease;
use crate::sessions::{SessionError, Sessions, StatusReport};
use crate::store::AttemptRecord;

impl Sessions {
    /// Start-up recovery: attempts left `creating` by a crash (and `unknown` ones) are looked
    /// up by their order id — adopted when found, otherwise left `unknown` so the next try
    /// looks again before creating with the same order id. Never a second create.
    pub async fn recover(&self) -> Result<usize, SessionError> {
        let store = &self.inner.store;
        let mut pending = store.attempts_in_state(AttemptState::Creating).await?;
        pending.extend(store.attempts_in_state(AttemptState::Unknown).await?);
        let mut resolved = 0;
        for attempt in pending {
            let _guard = self.inner.locks.lock(attempt.session_id).await;
            // Another replica's pay may be creating this very attempt right now: wait for it,
            // then the reload below sees what it made.
            let _lease = match self.replica_lease(attempt.session_id).await {
                Ok(lease) => lease,
                Err(SessionError::GatewayTimeout) => continue,
                Err(e) => return Err(e),
            };
            resolved += usize::from(self.recover_locked(&attempt).await? == Some(true));
        }
        Ok(resolved)
    }

    /// The reconciler's share of recovery (PostgreSQL): attempts left `creating` by a replica
    /// that died during its create call. Start-up recovery runs only when a replica starts, so
    /// without this a dead replica's half-made attempts would wait for its restart (or for the
    /// buyer's next click). An attempt whose session is being paid — here or on a live replica,
    /// which renews the session's lease — is skipped; a dead holder's lease runs out in
    /// seconds. Returns how many were looked up (adopted, or `unknown` when not found).
    pub async fn recover_orphans(&self) -> Result<usize, SessionError> {
        let store = &self.inner.store;
        if store.backend() == crate::store::Backend::Sqlite {
            return Ok(0);
        }
        let mut resolved = 0;
        for attempt in store.attempts_in_state(AttemptState::Creating).await? {
            let Some(_guard) = self.inner.locks.try_lock(attempt.session_id) else {
                continue;
            };
            let name = format!("session:{}", attempt.session_id);
            let Some(_lease) = ReplicaLease::acquire(store, name, Duration::ZERO).await? else {
                continue;
            };
            resolved += usize::from(self.recover_locked(&attempt).await?.is_some());
        }
        Ok(resolved)
    }

    /// Looks an interrupted attempt up by its order id, under its session's lock and lease:
    /// adopted (or its status applied) when found (`Some(true)`), `creating` → `unknown` when
    /// not (`Some(false)`); `None` when it was settled meanwhile or the lookup failed.
    async fn recover_locked(&self, attempt: &AttemptRecord) -> Result<Option<bool>, SessionError> {
        let store = &self.inner.store;
        let (session, mut attempt) = self.reload(attempt.session_id, attempt.number).await?;
        if !matches!(
            attempt.state,
            AttemptState::Creating | AttemptState::Unknown
        ) {
            return Ok(None);
        }
        match self
            .inner
            .gateway
            .find_payment(&attempt.gateway_order_id)
            .await
        {
            Ok(Some(found)) if !session.status.is_final() => {
                return Ok(
                    match self
                        .adopt(session, attempt, &found, StatusSource::Recovery)
                        .await?
                    {
                        super::Adopted::MovedOn => None,
                        super::Adopted::Usable(_) | super::Adopted::Unusable => Some(true),
                    },
                );
            }
            Ok(Some(found)) => {
                self.apply_locked(
                    session,
                    attempt,
                    &StatusReport::from(&found),
                    StatusSource::Recovery,
                )
                .await?;
                return Ok(Some(true));
            }
            Ok(None) => {
                if attempt.state == AttemptState::Creating {
                    attempt.state = AttemptState::Unknown;
                    attempt.last_error = Some(
                        "interrupted before the gateway answered; not found by order id".into(),
                    );
                    attempt.updated_at = self.inner.clock.now();
                    if !store
                        .save_attempt_if(&attempt, AttemptState::Creating)
                        .await?
                    {
                        return Ok(None);
                    }
                }
                return Ok(Some(false));
            }
            Err(e) => tracing::warn!(gateway_order_id = attempt.gateway_order_id.as_str(),
                error = %e, "recovery: status lookup failed; will look again on the next try"),
        }
        Ok(None)
    }
}
