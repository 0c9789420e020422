//! Payouts whose create outcome is not settled: what a create call or a lookup by order id
//! answered, turned into [`decide`]'s facts, and the decision carried out — adopt, reject,
//! look up later, send again (same order id), or `unknown`. Start-up recovery, the
//! reconciler and `POST /api/v1/payouts/{id}/refresh` all go through here.

use std::time::Duration;

use shared::gateway::{PayoutStatusResponse, StatusRequest};
use time::OffsetDateTime;

use super::decide::{Answer, Call, Decision, Facts, Stage, decide, refusal};
use super::history::Source;
use super::send::schedule;
use super::{PayoutError, PayoutReport, PayoutState, PayoutView, Payouts};
use crate::gateway::{GatewayError, PayoutOutcome};
use crate::store::PayoutRecord;

/// What one gateway call said about a payout.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    answer: Answer,
    /// What the gateway holds, when it said.
    found: Option<PayoutStatusResponse>,
    /// The call's failure or refusal.
    error: Option<GatewayError>,
    /// For the merchant (`error`) while the payout is unsettled.
    note: String,
}

impl Seen {
    /// A create call's outcome (the client has already looked the order id up when the
    /// outcome was unknown).
    pub(super) fn create(outcome: PayoutOutcome, record: &PayoutRecord) -> Seen {
        match outcome {
            PayoutOutcome::Created(created) => Seen::found(PayoutStatusResponse::new(
                record.gateway_order_id.clone(),
                created.id,
                created.payment_status,
            )),
            PayoutOutcome::Found { status, .. } => Seen::found(status),
            PayoutOutcome::Refused(cause) => Seen {
                answer: refusal(&cause),
                found: None,
                note: cause.to_string(),
                error: Some(cause),
            },
            PayoutOutcome::Unknown {
                cause,
                lookup: None,
            } => Seen {
                answer: Answer::NotFound,
                found: None,
                note: format!("{cause}; the gateway has no payout under its order id yet"),
                error: Some(cause),
            },
            PayoutOutcome::Unknown {
                cause,
                lookup: Some(lookup),
            } => Seen {
                answer: Answer::Nothing,
                found: None,
                note: format!("{cause}; status lookup failed: {lookup}"),
                error: Some(cause),
            },
        }
    }

    /// A lookup by order id.
    fn lookup(result: Result<Option<PayoutStatusResponse>, GatewayError>) -> Seen {
        match result {
            Ok(Some(found)) => Seen::found(found),
            Ok(None) => Seen {
                answer: Answer::NotFound,
                found: None,
                error: None,
                note: "the gateway has no payout under its order id (yet); it is looked up again"
                    .into(),
            },
            Err(e) => Seen {
                answer: Answer::Nothing,
                found: None,
                note: format!("status lookup failed: {e}"),
                error: Some(e),
            },
        }
    }

    fn found(status: PayoutStatusResponse) -> Seen {
        Seen {
            answer: Answer::Found,
            found: Some(status),
            error: None,
            note: String::new(),
        }
    }

    /// The refusal or failure, if the call had one.
    pub(super) fn error(&self) -> Option<&GatewayError> {
        self.error.as_ref()
    }
}

/// Whether a create outcome may still be settled by these rules.
fn unsettled(state: PayoutState) -> bool {
    match state {
        PayoutState::Sending | PayoutState::Unknown | PayoutState::Unresolved => true,
        PayoutState::Sent | PayoutState::Refused => false,
    }
}

fn since(now: OffsetDateTime, then: OffsetDateTime) -> Duration {
    Duration::try_from(now - then).unwrap_or_default()
}

impl Payouts {
    fn facts(&self, r: &PayoutRecord, call: Call, answer: Answer, now: OffsetDateTime) -> Facts {
        let stage = match (r.state, r.sends) {
            (PayoutState::Unresolved, _) => Stage::Unknown,
            (_, 0 | 1) => Stage::Creating,
            _ => Stage::Resent,
        };
        Facts {
            call,
            stage,
            since_first_send: since(now, r.created_at),
            since_first_not_found: r.first_not_found_at.map(|t| since(now, t)),
            grace: self.inner.settings.reconciler.payout_grace,
            answer,
        }
    }

    /// Decides on `seen` (the answer to `call`) and carries the decision out, except a
    /// re-send, which is the caller's to make.
    pub(super) async fn carry_out(
        &self,
        record: PayoutRecord,
        call: Call,
        seen: &Seen,
        source: Source,
    ) -> Result<(PayoutRecord, Decision), PayoutError> {
        let decision = decide(&self.facts(&record, call, seen.answer, self.now()));
        tracing::info!(payout = %record.id, ?call, answer = ?seen.answer, ?decision,
            "payout outcome decided");
        let (first, max) = (
            self.inner.settings.reconciler.first_poll,
            self.inner.settings.reconciler.max_poll,
        );
        let record = match (decision, &seen.found) {
            (Decision::Adopt, Some(found)) => self.adopt(record, found, source).await?,
            (Decision::Reject, _) => {
                self.update(record, source, |r, _| {
                    if r.state != PayoutState::Sending || r.sends > 1 {
                        return false;
                    }
                    r.state = PayoutState::Refused;
                    r.rejection = match &seen.error {
                        Some(GatewayError::Validation(body)) => Some(body.clone()),
                        _ => None,
                    };
                    r.last_error = Some(seen.note.clone());
                    true
                })
                .await?
            }
            (Decision::Adopt | Decision::LookUpLater | Decision::Resend | Decision::Unknown, _) => {
                let state = match decision {
                    Decision::Unknown => PayoutState::Unresolved,
                    _ => PayoutState::Unknown,
                };
                self.update(record, source, |r, now| {
                    if !unsettled(r.state) {
                        return false;
                    }
                    // `unknown` is left only for what the gateway reports.
                    if r.state != PayoutState::Unresolved {
                        r.state = state;
                    }
                    r.last_error = Some(seen.note.clone());
                    if seen.answer == Answer::NotFound && r.first_not_found_at.is_none() {
                        r.first_not_found_at = Some(now);
                    }
                    schedule(r, now, first, Some(max));
                    true
                })
                .await?
            }
        };
        Ok((record, decision))
    }

    /// Asks the gateway for `record`'s order id and acts on the answer (a re-send included).
    /// Returns the payout and the lookup's failure, if it failed.
    pub(super) async fn look_up(
        &self,
        record: PayoutRecord,
        source: Source,
    ) -> Result<(PayoutRecord, Option<GatewayError>), PayoutError> {
        let result = self
            .inner
            .gateway
            .find_payout(&record.gateway_order_id)
            .await;
        let seen = Seen::lookup(result);
        let (record, decision) = self.carry_out(record, Call::Lookup, &seen, source).await?;
        let record = match decision {
            Decision::Resend => self.resend(record).await?,
            Decision::Adopt | Decision::Reject | Decision::LookUpLater | Decision::Unknown => {
                record
            }
        };
        Ok((record, seen.error))
    }

    /// The one re-send, with the same order id: claimed first (state `sending`, second
    /// send), so two reconcilers never both make it.
    async fn resend(&self, record: PayoutRecord) -> Result<PayoutRecord, PayoutError> {
        let deadline = self.send_deadline(self.now());
        let mut claimed = false;
        let record = self
            .update(record, Source::Resend, |r, _| {
                claimed = r.state == PayoutState::Unknown && r.sends <= 1;
                if claimed {
                    r.state = PayoutState::Sending;
                    r.sends = 2;
                    r.next_check_at = Some(deadline);
                    r.last_error = Some(
                        "the gateway said it has no such payout for the whole grace period: sent again with the same order id".into(),
                    );
                }
                claimed
            })
            .await?;
        if !claimed {
            return Ok(record);
        }
        tracing::info!(payout = %record.id, gateway_order_id = record.gateway_order_id.as_str(),
            "no payout under its order id for the whole grace period: sending again with the same order id");
        Ok(self.send(record, Call::SecondSend).await?.0)
    }

    /// Start-up recovery: payouts left `sending` (a crash while a create call was in flight)
    /// are looked up by their order id. Never a blind resend. Returns how many were found.
    pub async fn recover(&self) -> Result<usize, PayoutError> {
        let pending = self
            .inner
            .store
            .payouts_in_state(PayoutState::Sending)
            .await?;
        let mut found = 0;
        for record in pending {
            let (record, failed) = self.look_up(record, Source::Lookup).await?;
            match (record.state, failed) {
                (PayoutState::Sent, _) => found += 1,
                (_, Some(e)) => tracing::warn!(payout = %record.id, error = %e,
                    "recovery: payout lookup failed; the reconciler looks again"),
                (_, None) => tracing::info!(payout = %record.id,
                    "recovery: the gateway has no payout under its order id yet; the reconciler looks again"),
            }
        }
        Ok(found)
    }

    /// `POST /api/v1/payouts/{id}/refresh`: asks the gateway now — by its id when known, else
    /// by the order id — and applies the answer. A final payout is answered as stored.
    pub async fn refresh(&self, id: &str) -> Result<PayoutView, PayoutError> {
        let record = self.record(id).await?;
        if record.status().is_final() {
            return Ok(self.view(&record));
        }
        match record.gateway_payout_id {
            Some(gateway_id) => {
                let status = self
                    .inner
                    .gateway
                    .payout_status(&StatusRequest::Id(gateway_id))
                    .await
                    .map_err(PayoutError::Gateway)?;
                self.apply_report(&PayoutReport::from(&status), Source::Refresh)
                    .await?;
                Ok(self.view(&self.record(id).await?))
            }
            None => match self.look_up(record, Source::Refresh).await? {
                (_, Some(failed)) => Err(PayoutError::Gateway(failed)),
                (record, None) => Ok(self.view(&record)),
            },
        }
    }
}

#[cfg(test)]
mod tests;
