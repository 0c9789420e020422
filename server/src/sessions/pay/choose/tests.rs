//! Every session status, and the attempts a session can hold, against a click on a method.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::api::Requisites;
use shared::{HttpUrl, Phone};

use super::*;
use crate::sessions::fixtures;

fn session(status: SessionStatus, current: Option<u32>) -> SessionRecord {
    let mut s = fixtures::session(status);
    s.methods = vec![Method::Sbp, Method::CardForm];
    s.current_attempt = current;
    s
}

/// Attempt `number` of `method` in `state`, waiting (with requisites) when `waits`.
fn attempt(number: u32, method: Method, state: AttemptState, waits: bool) -> AttemptRecord {
    let mut a = fixtures::attempt(number, method);
    a.state = state;
    a.payment_status = Some(if waits {
        PaymentStatus::Wait
    } else {
        PaymentStatus::Cancel
    });
    a.requisites = waits.then(|| match method {
        Method::CardForm => Requisites::Redirect {
            url: HttpUrl::parse("https://pay.example/f").unwrap(),
        },
        _ => Requisites::Phone {
            phone: Phone::parse("79031112233").unwrap(),
            holder: None,
            bank: None,
        },
    });
    a
}

/// What a choice says, by attempt number.
#[derive(Debug, PartialEq)]
enum Said {
    Same(u32),
    ShowAgain(u32),
    LookUp(u32),
    New,
    Expired,
    Closed,
    NotOffered,
    TooMany,
}

fn said(result: Result<Choice<'_>, SessionError>) -> Said {
    match result {
        Ok(Choice::Same(a)) => Said::Same(a.number),
        Ok(Choice::ShowAgain(a)) => Said::ShowAgain(a.number),
        Ok(Choice::LookUp(a)) => Said::LookUp(a.number),
        Ok(Choice::New) => Said::New,
        Err(SessionError::Expired) => Said::Expired,
        Err(SessionError::Closed(_)) => Said::Closed,
        Err(SessionError::MethodNotOffered(_)) => Said::NotOffered,
        Err(SessionError::TooManyAttempts) => Said::TooMany,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn every_session_status() {
    for (status, expected) in [
        (SessionStatus::Open, Said::New),
        (SessionStatus::Pending, Said::New),
        (SessionStatus::Paid, Said::Closed),
        (SessionStatus::Underpaid, Said::Closed),
        (SessionStatus::Failed, Said::Closed),
        (SessionStatus::Cancelled, Said::Closed),
        (SessionStatus::Expired, Said::Expired),
    ] {
        let s = session(status, None);
        assert_eq!(said(choose(&s, &[], Method::Sbp, 5)), expected, "{status}");
    }
    let s = session(SessionStatus::Open, None);
    assert_eq!(said(choose(&s, &[], Method::Sberpay, 5)), Said::NotOffered);
}

#[test]
fn every_kind_of_earlier_attempt() {
    use AttemptState as A;
    use Method::{CardForm as Card, Sbp};
    // (attempts, the one shown, clicked method) → choice
    let table: Vec<(Vec<AttemptRecord>, Option<u32>, Method, Said)> = vec![
        // The same method, shown and waiting: the same answer.
        (
            vec![attempt(1, Sbp, A::Created, true)],
            Some(1),
            Sbp,
            Said::Same(1),
        ),
        // Another method while it waits: a new attempt.
        (
            vec![attempt(1, Sbp, A::Created, true)],
            Some(1),
            Card,
            Said::New,
        ),
        // Back to a method shown before that still waits: shown again.
        (
            vec![
                attempt(1, Sbp, A::Created, true),
                attempt(2, Card, A::Created, true),
            ],
            Some(2),
            Sbp,
            Said::ShowAgain(1),
        ),
        // Its payment ended (cancelled): a new attempt.
        (
            vec![attempt(1, Sbp, A::Created, false)],
            Some(1),
            Sbp,
            Said::New,
        ),
        // A try whose outcome is unknown, or still being created: looked up first.
        (
            vec![attempt(1, Sbp, A::Unknown, false)],
            None,
            Sbp,
            Said::LookUp(1),
        ),
        (
            vec![attempt(1, Sbp, A::Creating, false)],
            None,
            Sbp,
            Said::LookUp(1),
        ),
        // ... but only for its own method.
        (
            vec![attempt(1, Sbp, A::Unknown, false)],
            None,
            Card,
            Said::New,
        ),
        // Refused or abandoned tries are over: a new attempt.
        (
            vec![attempt(1, Sbp, A::Rejected, false)],
            None,
            Sbp,
            Said::New,
        ),
        (
            vec![attempt(1, Sbp, A::Abandoned, false)],
            None,
            Sbp,
            Said::New,
        ),
        // Waiting requisites win over an unknown try of the same method.
        (
            vec![
                attempt(1, Sbp, A::Created, true),
                attempt(2, Sbp, A::Unknown, false),
            ],
            Some(1),
            Sbp,
            Said::Same(1),
        ),
    ];
    for (i, (attempts, current, method, expected)) in table.into_iter().enumerate() {
        let s = session(SessionStatus::Pending, current);
        assert_eq!(said(choose(&s, &attempts, method, 5)), expected, "row {i}");
    }
}

#[test]
fn attempts_are_counted_and_numbered_after_the_last() {
    let used: Vec<AttemptRecord> = (1..=3)
        .map(|n| attempt(n, Method::Sbp, AttemptState::Rejected, false))
        .collect();
    assert_eq!(next_attempt(&used, 4).unwrap(), 4);
    assert!(matches!(
        next_attempt(&used, 3),
        Err(SessionError::TooManyAttempts)
    ));
    let s = session(SessionStatus::Open, None);
    assert_eq!(said(choose(&s, &used, Method::Sbp, 3)), Said::TooMany);
    // A look-up is still allowed at the limit: it creates nothing new.
    let mut lost = used.clone();
    lost[2].state = AttemptState::Unknown;
    assert_eq!(said(choose(&s, &lost, Method::Sbp, 3)), Said::LookUp(3));
    assert_eq!(next_attempt(&[], 1).unwrap(), 1);
}
