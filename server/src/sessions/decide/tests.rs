//! The status decision, table by table: every attempt status against every reported status,
//! money short / exact / over / twice / late, unusable amounts, and reports that do not match.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use shared::api::AttemptState;
use shared::{
    AccountUuid, Amount, GatewayPaymentId, Method, Money, OrderId, PaymentStatus as P,
    SessionStatus as S,
};
use time::OffsetDateTime;

use super::*;
use crate::sessions::fixtures::{self, t0};

const OURS: &str = "6d4b7a5e-3c1f-4e2a-9b8d-1a2b3c4d5e6f";

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

fn session(status: S, current: Option<u32>, paid: Option<&str>) -> SessionRecord {
    let mut s = fixtures::session(status);
    s.current_attempt = current;
    s.paid_amount = paid.map(amount);
    s
}

/// Attempt `number` by SBP: created and reported `status`, or still being created.
fn attempt(number: u32, status: Option<P>, paid: Option<&str>) -> AttemptRecord {
    let mut a = fixtures::attempt(number, Method::Sbp);
    if status.is_some() {
        a.state = AttemptState::Created;
        a.gateway_payment_id = Some(gid(number));
        a.next_poll_at = Some(t0() + Duration::from_secs(10));
    }
    a.payment_status = status;
    a.paid_amount = paid.map(amount);
    a.poll_interval_secs = Some(10);
    a
}

fn gid(number: u32) -> GatewayPaymentId {
    GatewayPaymentId::new(700 + u64::from(number)).unwrap()
}

/// A report about attempt `number`, as a notification sends it.
fn report(number: u32, status: P, paid: Option<&str>) -> StatusReport {
    StatusReport {
        gateway_payment_id: gid(number),
        gateway_order_id: Some(OrderId::parse(format!("A-1001-{number}")).unwrap()),
        status,
        paid_amount: paid.map(|p| Money::parse(p).unwrap()),
        partial: paid.map(|p| amount(p) < amount("1500.00")),
        account: Some(AccountUuid::parse(OURS).unwrap()),
        service: Some("payment_card_sbp_rub_card".into()),
    }
}

fn run(s: &SessionRecord, a: &AttemptRecord, r: &StatusReport, confirmable: bool) -> Decision {
    run_at(s, a, r, confirmable, t0() + Duration::from_secs(60))
}

fn run_at(
    s: &SessionRecord,
    a: &AttemptRecord,
    r: &StatusReport,
    confirmable: bool,
    now: OffsetDateTime,
) -> Decision {
    let account = AccountUuid::parse(OURS).unwrap();
    decide(
        s,
        a,
        r,
        Context {
            confirmable,
            account: &account,
            now,
        },
    )
}

fn write(d: Decision) -> Write {
    match d {
        Decision::Write(w) => *w,
        other => panic!("expected a write, got {other:?}"),
    }
}

/// What a row expects of a decision.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Unchanged,
    Confirm,
    Write {
        outcome: Outcome,
        status: S,
        event: Option<EventKind>,
        attention: bool,
    },
}

fn changed(status: S, event: Option<EventKind>, attention: bool) -> Expect {
    Expect::Write {
        outcome: Outcome::Changed,
        status,
        event,
        attention,
    }
}

fn conflict(status: S, attention: bool) -> Expect {
    Expect::Write {
        outcome: Outcome::Conflict,
        status,
        event: None,
        attention,
    }
}

fn observed(d: &Decision) -> Expect {
    match d {
        Decision::Unchanged => Expect::Unchanged,
        Decision::ConfirmAmount => Expect::Confirm,
        Decision::Write(w) => Expect::Write {
            outcome: w.outcome,
            status: w.session.status,
            event: w.event,
            attention: w.session.needs_attention,
        },
    }
}

/// The attempt the buyer sees, by its last status, against every status the gateway can
/// report (paid in full), on the session that attempt status goes with.
#[test]
fn every_attempt_status_against_every_reported_status() {
    use EventKind as E;
    // (session status, attempt status, reported status) → expected
    let table: &[(S, Option<P>, P, Expect)] = &[
        // Creating: nothing known yet.
        (S::Open, None, P::Wait, changed(S::Pending, None, false)),
        (
            S::Open,
            None,
            P::Paid,
            changed(S::Paid, Some(E::PaymentPaid), false),
        ),
        (
            S::Open,
            None,
            P::Cancel,
            changed(S::Cancelled, Some(E::PaymentCancelled), false),
        ),
        // A failure before the buyer saw anything leaves the session open for another method.
        (S::Open, None, P::Fail, changed(S::Open, None, false)),
        // Waiting.
        (S::Pending, Some(P::Wait), P::Wait, Expect::Unchanged),
        (
            S::Pending,
            Some(P::Wait),
            P::Paid,
            changed(S::Paid, Some(E::PaymentPaid), false),
        ),
        (
            S::Pending,
            Some(P::Wait),
            P::Cancel,
            changed(S::Cancelled, Some(E::PaymentCancelled), false),
        ),
        (
            S::Pending,
            Some(P::Wait),
            P::Fail,
            changed(S::Failed, Some(E::PaymentFailed), false),
        ),
        // Paid: never taken back; a contradiction needs the merchant, a stale wait does not.
        (S::Paid, Some(P::Paid), P::Wait, conflict(S::Paid, false)),
        (S::Paid, Some(P::Paid), P::Paid, Expect::Unchanged),
        (S::Paid, Some(P::Paid), P::Cancel, conflict(S::Paid, true)),
        (S::Paid, Some(P::Paid), P::Fail, conflict(S::Paid, true)),
        // Cancelled: only money moves it (a late transfer).
        (
            S::Cancelled,
            Some(P::Cancel),
            P::Wait,
            conflict(S::Cancelled, false),
        ),
        (
            S::Cancelled,
            Some(P::Cancel),
            P::Paid,
            changed(S::Paid, Some(E::PaymentPaid), true),
        ),
        (S::Cancelled, Some(P::Cancel), P::Cancel, Expect::Unchanged),
        (
            S::Cancelled,
            Some(P::Cancel),
            P::Fail,
            conflict(S::Cancelled, false),
        ),
        // Failed: likewise.
        (
            S::Failed,
            Some(P::Fail),
            P::Wait,
            conflict(S::Failed, false),
        ),
        (
            S::Failed,
            Some(P::Fail),
            P::Paid,
            changed(S::Paid, Some(E::PaymentPaid), true),
        ),
        (
            S::Failed,
            Some(P::Fail),
            P::Cancel,
            conflict(S::Failed, false),
        ),
        (S::Failed, Some(P::Fail), P::Fail, Expect::Unchanged),
        // Expired while the payment still waited (it outlived the session).
        (S::Expired, Some(P::Wait), P::Wait, Expect::Unchanged),
        (
            S::Expired,
            Some(P::Wait),
            P::Paid,
            changed(S::Paid, Some(E::PaymentPaid), true),
        ),
        (
            S::Expired,
            Some(P::Wait),
            P::Cancel,
            changed(S::Expired, None, false),
        ),
        (
            S::Expired,
            Some(P::Wait),
            P::Fail,
            changed(S::Expired, None, false),
        ),
    ];
    for (i, &(status, old, new, expected)) in table.iter().enumerate() {
        let paid_before = (old == Some(P::Paid)).then_some("1500.00");
        let s = session(status, Some(1), paid_before);
        let a = attempt(1, old, paid_before);
        let r = report(1, new, (new == P::Paid).then_some("1500.00"));
        let d = run(&s, &a, &r, true);
        assert_eq!(
            observed(&d),
            expected,
            "row {i}: {status} / {old:?} ← {new}"
        );
    }
}

/// Every final session status meeting every kind of money, on an attempt that was waiting.
#[test]
fn money_decides_the_session() {
    use EventKind as E;
    // (session status, money before, paid now) → (status, event, paid_amount, overpaid)
    type Row<'a> = (S, Option<&'a str>, &'a str, S, EventKind, &'a str);
    let table: &[Row<'_>] = &[
        (
            S::Pending,
            None,
            "1500.00",
            S::Paid,
            E::PaymentPaid,
            "1500.00",
        ),
        (
            S::Pending,
            None,
            "1.00",
            S::Underpaid,
            E::PaymentUnderpaid,
            "1.00",
        ),
        (
            S::Pending,
            None,
            "1600.00",
            S::Paid,
            E::PaymentPaid,
            "1600.00",
        ),
        (
            S::Expired,
            None,
            "1500.00",
            S::Paid,
            E::PaymentPaid,
            "1500.00",
        ),
        (
            S::Expired,
            None,
            "700.00",
            S::Underpaid,
            E::PaymentUnderpaid,
            "700.00",
        ),
        (
            S::Cancelled,
            None,
            "700.00",
            S::Underpaid,
            E::PaymentUnderpaid,
            "700.00",
        ),
        (
            S::Failed,
            None,
            "1500.00",
            S::Paid,
            E::PaymentPaid,
            "1500.00",
        ),
        // A second payment on a paid session: paid twice.
        (
            S::Paid,
            Some("1500.00"),
            "1500.00",
            S::Paid,
            E::PaymentDoublePaid,
            "3000.00",
        ),
        // An underpaid session made whole by a second payment, or still short.
        (
            S::Underpaid,
            Some("1.00"),
            "1499.00",
            S::Paid,
            E::PaymentPaid,
            "1500.00",
        ),
        (
            S::Underpaid,
            Some("1.00"),
            "100.00",
            S::Underpaid,
            E::PaymentDoublePaid,
            "101.00",
        ),
    ];
    for (i, &(status, before, paid, after, event, total)) in table.iter().enumerate() {
        let s = session(status, Some(1), before);
        let a = attempt(2, Some(P::Wait), None);
        let w = write(run(&s, &a, &report(2, P::Paid, Some(paid)), true));
        assert_eq!(w.outcome, Outcome::Changed, "row {i}");
        assert_eq!(w.session.status, after, "row {i}");
        assert_eq!(w.event, Some(event), "row {i}");
        assert_eq!(w.session.paid_amount, Some(amount(total)), "row {i}");
        let exact = status == S::Pending && paid == "1500.00";
        assert_eq!(w.session.needs_attention, !exact, "row {i}: attention");
        assert_eq!(w.detail.is_none(), exact, "row {i}: {:?}", w.detail);
        let a = w.attempt.unwrap();
        assert_eq!(a.paid_amount, Some(amount(paid)), "row {i}");
        assert_eq!(a.payment_status, Some(P::Paid), "row {i}");
        assert_eq!(a.next_poll_at, None, "row {i}: no more polls");
        // The first money makes its attempt the one shown; a second leaves the first.
        let shown = if before.is_some() { 1 } else { 2 };
        assert_eq!(w.session.current_attempt, Some(shown), "row {i}");
    }
}

#[test]
fn details_say_what_was_odd() {
    let s = session(S::Pending, Some(1), None);
    let a = attempt(1, Some(P::Wait), None);
    let detail = |paid: &str| write(run(&s, &a, &report(1, P::Paid, Some(paid)), true)).detail;
    assert_eq!(
        detail("1.00").as_deref(),
        Some("partial payment: 1.00 of 1500.00")
    );
    assert_eq!(
        detail("1600.00").as_deref(),
        Some("overpaid by 100.00: 1600.00 for 1500.00")
    );
    let expired = session(S::Expired, Some(1), None);
    let w = write(run(
        &expired,
        &a,
        &report(1, P::Paid, Some("1500.00")),
        true,
    ));
    assert_eq!(w.detail.as_deref(), Some("paid after expiry"));
    let cancelled = session(S::Cancelled, Some(1), None);
    let a = attempt(1, Some(P::Cancel), None);
    let w = write(run(
        &cancelled,
        &a,
        &report(1, P::Paid, Some("1500.00")),
        true,
    ));
    assert_eq!(
        w.detail.as_deref(),
        Some("the gateway reported paid after cancel; paid after the session was cancelled")
    );
    let paid = session(S::Paid, Some(1), Some("1500.00"));
    let w = write(run(
        &paid,
        &attempt(2, Some(P::Wait), None),
        &report(2, P::Paid, Some("1500.00")),
        true,
    ));
    assert_eq!(
        w.detail.as_deref(),
        Some(
            "paid again: 1500.00 by attempt 2, 3000.00 received in all; overpaid by 1500.00: 3000.00 for 1500.00"
        )
    );
}

#[test]
fn cancel_and_fail_end_the_session_only_for_the_attempt_shown() {
    // Attempt 1 was left for attempt 2: its cancel changes the attempt only.
    let s = session(S::Pending, Some(2), None);
    let w = write(run(
        &s,
        &attempt(1, Some(P::Wait), None),
        &report(1, P::Cancel, None),
        true,
    ));
    assert_eq!(w.session.status, S::Pending);
    assert_eq!(w.event, None);
    assert_eq!(w.attempt.unwrap().payment_status, Some(P::Cancel));
    // ... but its money pays the session, and it becomes the one shown.
    let w = write(run(
        &s,
        &attempt(1, Some(P::Wait), None),
        &report(1, P::Paid, Some("1500.00")),
        true,
    ));
    assert_eq!(w.session.status, S::Paid);
    assert_eq!(w.session.current_attempt, Some(1));
    // A cancel at the deadline is an expiry.
    let s = session(S::Pending, Some(1), None);
    let at_deadline = s.expires_at;
    let w = write(run_at(
        &s,
        &attempt(1, Some(P::Wait), None),
        &report(1, P::Cancel, None),
        true,
        at_deadline,
    ));
    assert_eq!(w.session.status, S::Expired);
    assert_eq!(w.event, Some(EventKind::PaymentExpired));
}

#[test]
fn paid_without_a_usable_amount_is_confirmed_never_assumed() {
    let s = session(S::Pending, Some(1), None);
    let a = attempt(1, Some(P::Wait), None);
    let no_amount = report(1, P::Paid, None);
    let mut zero = report(1, P::Paid, None);
    zero.paid_amount = Some(Money::parse("0.00").unwrap());
    let mut says_partial_but_full = report(1, P::Paid, Some("1500.00"));
    says_partial_but_full.partial = Some(true);
    let mut says_full_but_short = report(1, P::Paid, Some("1.00"));
    says_full_but_short.partial = Some(false);
    for (i, r) in [no_amount, zero, says_partial_but_full, says_full_but_short]
        .iter()
        .enumerate()
    {
        // A notification: ask the gateway first.
        assert_eq!(run(&s, &a, r, true), Decision::ConfirmAmount, "case {i}");
        // A status answer: the payment is paid, the money not counted, the session waits.
        let w = write(run(&s, &a, r, false));
        assert_eq!(w.session.status, S::Pending, "case {i}");
        assert_eq!(w.session.paid_amount, None, "case {i}");
        assert!(w.session.needs_attention, "case {i}");
        assert_eq!(w.event, None, "case {i}");
        let a = w.attempt.unwrap();
        assert_eq!(a.payment_status, Some(P::Paid), "case {i}");
        assert_eq!(a.paid_amount, None, "case {i}");
        assert!(a.next_poll_at.is_some(), "case {i}: still polled");
    }
    // Once recorded paid without an amount, the amount arriving is the money.
    let unconfirmed = attempt(1, Some(P::Paid), None);
    let w = write(run(
        &s,
        &unconfirmed,
        &report(1, P::Paid, Some("1500.00")),
        false,
    ));
    assert_eq!(w.session.status, S::Paid);
    assert_eq!(w.event, Some(EventKind::PaymentPaid));
    // Still none: a notification asks again, a status answer adds nothing.
    let again = report(1, P::Paid, None);
    assert_eq!(run(&s, &unconfirmed, &again, true), Decision::ConfirmAmount);
    assert_eq!(run(&s, &unconfirmed, &again, false), Decision::Unchanged);
}

#[test]
fn a_known_amount_is_never_rewritten() {
    let s = session(S::Underpaid, Some(1), Some("1.00"));
    let a = attempt(1, Some(P::Paid), Some("1.00"));
    assert_eq!(
        run(&s, &a, &report(1, P::Paid, Some("1.00")), true),
        Decision::Unchanged
    );
    let w = write(run(&s, &a, &report(1, P::Paid, Some("1500.00")), true));
    assert_eq!(w.outcome, Outcome::Conflict);
    assert_eq!(w.session.status, S::Underpaid);
    assert_eq!(w.session.paid_amount, Some(amount("1.00")));
    assert!(w.session.needs_attention);
    assert!(w.attempt.is_none());
    assert_eq!(
        w.detail.as_deref(),
        Some("ignored: gateway reported 1500.00 paid after 1.00")
    );
}

#[test]
fn a_report_that_does_not_match_changes_nothing_but_is_recorded() {
    let s = session(S::Pending, Some(1), None);
    let a = attempt(1, Some(P::Wait), None);
    let paid = report(1, P::Paid, Some("1500.00"));
    let mut other_id = paid.clone();
    other_id.gateway_payment_id = GatewayPaymentId::new(999).unwrap();
    let mut other_order = paid.clone();
    other_order.gateway_order_id = Some(OrderId::parse("B-7-1").unwrap());
    let mut other_account = paid.clone();
    other_account.account =
        Some(AccountUuid::parse("11111111-2222-4333-8444-555555555555").unwrap());
    let mut other_service = paid.clone();
    other_service.service = Some("payment_card_number_card".into());
    let table = [
        (other_id, Mismatch::GatewayId, "999", "701"),
        (other_order, Mismatch::OrderId, "B-7-1", "A-1001-1"),
        (
            other_account,
            Mismatch::Account,
            "11111111-2222-4333-8444-555555555555",
            OURS,
        ),
        (
            other_service,
            Mismatch::Service,
            "payment_card_number_card",
            "payment_card_sbp_rub_card",
        ),
    ];
    for (r, field, theirs, ours) in table {
        let w = write(run(&s, &a, &r, true));
        assert_eq!(w.outcome, Outcome::Mismatch(field));
        assert_eq!(w.session.status, S::Pending, "{field:?}");
        assert_eq!(w.session.paid_amount, None, "{field:?}");
        assert!(w.session.needs_attention, "{field:?}");
        assert!(w.attempt.is_none(), "{field:?}: the attempt is not touched");
        assert_eq!(w.event, None);
        let detail = w.detail.unwrap();
        assert!(
            detail.contains(theirs) && detail.contains(ours),
            "{field:?}: both values in {detail:?}"
        );
    }
    // An attempt with no gateway id yet, named by its order id, takes the reported id.
    let creating = attempt(1, None, None);
    let w = write(run(
        &session(S::Open, Some(1), None),
        &creating,
        &paid,
        true,
    ));
    assert_eq!(w.attempt.unwrap().gateway_payment_id, Some(gid(1)));
}

#[test]
fn services_of_one_family_match() {
    for (theirs, ours, same) in [
        (
            "payment_card_sbp_rub_card",
            "payment_card_sbp_rub_card",
            true,
        ),
        ("payment_card_sbp_rub", "payment_card_sbp_rub_card", true),
        (
            "payment_card_sberpay_rub_card",
            "payment_card_sberpay_rub_card",
            true,
        ),
        (
            "payment_card_sberpay_rub_card",
            "payment_card_sbp_rub_card",
            false,
        ),
        (
            "payment_card_number_rub_card",
            "payment_card_number_card",
            true,
        ),
        (
            "payment_card_number_rub_hpp",
            "payment_card_number_card",
            true,
        ),
        ("virtual_account_rub_card", "virtual_account_rub_hpp", true),
        (
            "virtual_account_rub_card",
            "payment_card_number_card",
            false,
        ),
        ("something_else", "payment_card_number_card", false),
        ("custom_code", "custom_code", true),
    ] {
        assert_eq!(same_service(theirs, ours), same, "{theirs} vs {ours}");
    }
}

/// A report about an attempt whose create answer was lost: it exists after all but cannot
/// be shown (abandoned), and while it waits it is polled, so money paid to it is still seen.
#[test]
fn an_attempt_found_after_a_lost_create_answer_is_abandoned_and_watched_while_it_waits() {
    let s = session(S::Pending, Some(1), None);
    let now = t0() + Duration::from_secs(60);
    for (state, status, polled) in [
        (AttemptState::Creating, P::Wait, Some(now)),
        (AttemptState::Unknown, P::Wait, Some(now)),
        (AttemptState::Creating, P::Cancel, None),
        (AttemptState::Unknown, P::Fail, None),
    ] {
        let mut a = attempt(1, None, None);
        a.state = state;
        let w = write(run_at(&s, &a, &report(1, status, None), true, now));
        let after = w.attempt.expect("the attempt is written");
        assert_eq!(after.state, AttemptState::Abandoned, "{state:?} {status}");
        assert_eq!(after.gateway_payment_id, Some(gid(1)));
        assert_eq!(after.next_poll_at, polled, "{state:?} {status}");
    }
    // A final status ends the schedule.
    let a = attempt(1, Some(P::Wait), None);
    let w = write(run_at(&s, &a, &report(1, P::Cancel, None), true, now));
    assert_eq!(w.attempt.unwrap().next_poll_at, None);
}
