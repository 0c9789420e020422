#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Status transitions: every (from, to) pair is listed with its expected answer.

use shared::{PaymentStatus, SessionStatus, TransitionError};

#[test]
fn payment_status_every_pair() {
    use PaymentStatus::*;
    // (from, to, allowed)
    let table = [
        (Wait, Wait, true),
        (Wait, Paid, true),
        (Wait, Cancel, true),
        (Wait, Fail, true),
        (Paid, Wait, false),
        (Paid, Paid, true),
        (Paid, Cancel, false),
        (Paid, Fail, false),
        (Cancel, Wait, false),
        (Cancel, Paid, false),
        (Cancel, Cancel, true),
        (Cancel, Fail, false),
        (Fail, Wait, false),
        (Fail, Paid, false),
        (Fail, Cancel, false),
        (Fail, Fail, true),
    ];
    assert_eq!(table.len(), PaymentStatus::ALL.len().pow(2));
    for (from, to, allowed) in table {
        assert_eq!(from.can_transition_to(to), allowed, "{from} -> {to}");
        let expected = if allowed {
            Ok(to)
        } else {
            Err(TransitionError { from, to })
        };
        assert_eq!(from.transition(to), expected, "{from} -> {to}");
    }
    assert_eq!(
        Paid.transition(Cancel).unwrap_err().to_string(),
        "status cannot change from paid to cancel"
    );
}

#[test]
fn payment_status_finality() {
    use PaymentStatus::*;
    assert!(!Wait.is_final());
    for s in [Paid, Cancel, Fail] {
        assert!(s.is_final());
        for next in PaymentStatus::ALL {
            assert_eq!(
                s.can_transition_to(next),
                s == next,
                "final {s} never changes"
            );
        }
    }
}

#[test]
fn session_status_every_pair() {
    use SessionStatus::*;
    let allowed_from = |from: SessionStatus| -> &'static [SessionStatus] {
        match from {
            Open => &[Open, Pending, Cancelled, Expired],
            Pending => &[Pending, Paid, Underpaid, Failed, Cancelled, Expired],
            Paid => &[Paid],
            Underpaid => &[Underpaid],
            Failed => &[Failed],
            Cancelled => &[Cancelled],
            Expired => &[Expired],
        }
    };
    let mut checked = 0;
    for from in SessionStatus::ALL {
        for to in SessionStatus::ALL {
            let allowed = allowed_from(from).contains(&to);
            assert_eq!(from.can_transition_to(to), allowed, "{from} -> {to}");
            assert_eq!(from.transition(to).is_ok(), allowed, "{from} -> {to}");
            checked += 1;
        }
    }
    assert_eq!(checked, 49);
    assert_eq!(
        Expired.transition(Paid),
        Err(TransitionError {
            from: Expired,
            to: Paid
        })
    );
}

#[test]
fn session_status_finality_and_mapping() {
    use SessionStatus::*;
    assert!(!Open.is_final());
    assert!(!Pending.is_final());
    for s in [Paid, Underpaid, Failed, Cancelled, Expired] {
        assert!(s.is_final());
    }
    let mapping = [
        (PaymentStatus::Wait, Pending),
        (PaymentStatus::Paid, Paid),
        (PaymentStatus::Cancel, Cancelled),
        (PaymentStatus::Fail, Failed),
    ];
    for (payment, session) in mapping {
        assert_eq!(SessionStatus::from(payment), session);
        assert_eq!(
            payment.is_final(),
            session.is_final(),
            "{payment} -> {session}"
        );
    }
}
