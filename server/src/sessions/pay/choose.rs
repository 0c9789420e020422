//! What a buyer's click on a method does — show the same payment again, show an earlier
//! one, look a lost one up, or start a new attempt — decided from the session and its attempts
//! alone, so every case is table-tested; `pay.rs` carries the choice out.

use shared::api::AttemptState;
use shared::{Method, PaymentStatus, SessionStatus};

use super::super::{SessionError, views};
use crate::store::{AttemptRecord, SessionRecord};

/// What a click on a method does, decided from the session and its attempts alone.
#[derive(Debug, PartialEq)]
pub(super) enum Choice<'a> {
    /// The same method is shown and its payment waits: the same answer again.
    Same(&'a AttemptRecord),
    /// A method shown before whose payment still waits: show it again.
    ShowAgain(&'a AttemptRecord),
    /// A try of this method whose outcome is unknown: look its order id up before anything.
    LookUp(&'a AttemptRecord),
    /// A new attempt.
    New,
}

/// Decides what paying with `method` does (the session already expired if due).
pub(super) fn choose<'a>(
    session: &SessionRecord,
    attempts: &'a [AttemptRecord],
    method: Method,
    max_attempts: u32,
) -> Result<Choice<'a>, SessionError> {
    match session.status {
        SessionStatus::Expired => return Err(SessionError::Expired),
        s if s.is_final() => return Err(SessionError::Closed(s)),
        _ => {}
    }
    if !session.methods.contains(&method) {
        return Err(SessionError::MethodNotOffered(method));
    }
    let shown = |a: &AttemptRecord| {
        a.method == method
            && a.state == AttemptState::Created
            && a.payment_status == Some(PaymentStatus::Wait)
            && a.requisites.is_some()
    };
    if let Some(current) = views::current(session, attempts).filter(|a| shown(a)) {
        return Ok(Choice::Same(current));
    }
    if let Some(earlier) = attempts.iter().rev().find(|a| shown(a)) {
        return Ok(Choice::ShowAgain(earlier));
    }
    if let Some(open) = attempts.iter().rev().find(|a| {
        a.method == method && matches!(a.state, AttemptState::Unknown | AttemptState::Creating)
    }) {
        return Ok(Choice::LookUp(open));
    }
    next_attempt(attempts, max_attempts).map(|_| Choice::New)
}

/// The number of a new attempt, unless the session used them all.
pub(super) fn next_attempt(
    attempts: &[AttemptRecord],
    max_attempts: u32,
) -> Result<u32, SessionError> {
    let used = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
    if used >= max_attempts {
        return Err(SessionError::TooManyAttempts);
    }
    Ok(attempts.iter().map(|a| a.number).max().unwrap_or(0) + 1)
}

#[cfg(test)]
mod tests;
