//! The status decision: what one gateway report about one payment does to its attempt and its
//! session. A pure function of (session, attempt, report, context) → [`Decision`], so every
//! pair of statuses is table-tested (`decide/tests.rs`); `status.rs` carries decisions out.
//!
//! The rules, money first:
//! * A report applies only to the attempt it names: its gateway id, order id, account and
//!   service family must agree with what we created. Anything else changes no status; it is
//!   recorded on the session as a conflict that needs the merchant's attention.
//! * `paid` counts only with a usable paid amount. Without one (absent, zero, or contradicting
//!   the partial flag) a notification is first confirmed by a status call; a status answer
//!   without one records the payment paid but the money unconfirmed (the session keeps its
//!   status, needs attention, and the payment keeps being polled).
//! * Money decides the session: received at least the amount → `paid`, less → `underpaid`.
//!   A second payment's money on a session that already had money is `payment.double_paid`
//!   (or `payment.paid` when it makes an underpaid session whole); money after the session
//!   ended (`expired`, `cancelled`, `failed`) still makes it `paid` / `underpaid`; the same
//!   payment going `cancel` → `paid` (a late transfer) is money too. Nothing paid is absorbed.
//! * Other final statuses never change: a different final status after one is kept in the
//!   history only (and needs attention when it contradicts `paid`). `cancel` / `fail` end
//!   the session only when they concern the attempt the buyer sees; at or after the deadline
//!   a cancel shows as `expired`.
//!
//! Long (~450 lines) on purpose: one decision over every status pair, its checks in the order
//! of the rules above, so one report is followed from top to bottom in one place; the table
//! tests are in `decide/tests.rs`.

use shared::api::AttemptState;
use shared::gateway::PaymentStatusResponse;
use shared::{AccountUuid, Amount, GatewayPaymentId, Money, OrderId, PaymentStatus, SessionStatus};
use time::OffsetDateTime;

use crate::store::outbox::EventKind;
use crate::store::{AttemptRecord, SessionRecord};

/// What the gateway says about one payment (a notification or a status answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The gateway's payment id.
    pub gateway_payment_id: GatewayPaymentId,
    /// The gateway order id, when reported.
    pub gateway_order_id: Option<OrderId>,
    /// The status.
    pub status: PaymentStatus,
    /// Amount actually paid, when reported.
    pub paid_amount: Option<Money>,
    /// Whether less than the amount was paid, when reported.
    pub partial: Option<bool>,
    /// The Account UUID it concerns, when reported (notifications).
    pub account: Option<AccountUuid>,
    /// The gateway service, when reported.
    pub service: Option<String>,
}

impl From<&PaymentStatusResponse> for StatusReport {
    fn from(r: &PaymentStatusResponse) -> StatusReport {
        StatusReport {
            gateway_payment_id: r.id,
            gateway_order_id: Some(r.order_id.clone()),
            status: r.payment_status,
            paid_amount: r.payment_amount,
            partial: r.is_partial_payment,
            account: None,
            service: r.service_code.clone(),
        }
    }
}

/// What the decision needs beyond the records and the report.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Whether a paid report without a usable amount is to be confirmed by a status call
    /// (a notification); a status answer is the gateway's last word.
    pub confirmable: bool,
    /// Our Account UUID.
    pub account: &'a AccountUuid,
    /// Now.
    pub now: OffsetDateTime,
}

/// Which field of a report disagreed with the attempt it named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mismatch {
    /// The attempt already has another gateway payment id.
    GatewayId,
    /// The report's order id is not the attempt's.
    OrderId,
    /// The report is for another Account.
    Account,
    /// The report's service is of another family than the attempt's.
    Service,
}

impl Mismatch {
    /// Every field, in the order they are checked.
    pub const ALL: [Mismatch; 4] = [
        Mismatch::GatewayId,
        Mismatch::OrderId,
        Mismatch::Account,
        Mismatch::Service,
    ];

    /// The metric label and the history's wording.
    pub fn as_str(self) -> &'static str {
        match self {
            Mismatch::GatewayId => "gateway_id",
            Mismatch::OrderId => "order_id",
            Mismatch::Account => "account",
            Mismatch::Service => "service",
        }
    }
}

/// What a report does.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing new: nothing is written.
    Unchanged,
    /// A paid notification without a usable amount: ask the gateway for the payment's status
    /// and decide on its answer instead.
    ConfirmAmount,
    /// Write these records and a history entry.
    Write(Box<Write>),
}

/// What kind of write a [`Decision::Write`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The payment's status or money changed (and maybe the session's).
    Changed,
    /// A final status contradicted by a later report: kept in the history only.
    Conflict,
    /// The report does not belong to the attempt it named: recorded, nothing else changed.
    Mismatch(Mismatch),
}

/// The records after a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// What kind of write it is.
    pub outcome: Outcome,
    /// The session after the report.
    pub session: SessionRecord,
    /// The attempt after the report, when it changed.
    pub attempt: Option<AttemptRecord>,
    /// The history entry's detail.
    pub detail: Option<String>,
    /// The merchant event the change announces.
    pub event: Option<EventKind>,
}

/// Decides what `report` does to `attempt` of `session`.
pub fn decide(
    session: &SessionRecord,
    attempt: &AttemptRecord,
    report: &StatusReport,
    cx: Context<'_>,
) -> Decision {
    if let Some((field, ours, theirs)) = mismatch(attempt, report, cx.account) {
        let mut session = session.clone();
        session.needs_attention = true;
        return Decision::Write(Box::new(Write {
            outcome: Outcome::Mismatch(field),
            session,
            attempt: None,
            detail: Some(format!(
                "conflict: the report's {} {theirs} is not this payment's {ours}; nothing applied",
                field.as_str().replace('_', " ")
            )),
            event: None,
        }));
    }
    let new = report.status;
    let old = attempt.payment_status;
    let amount = usable_amount(report, session.amount);
    let same_payment = attempt.gateway_payment_id == Some(report.gateway_payment_id);
    if old == Some(new) && same_payment {
        if new != PaymentStatus::Paid {
            return Decision::Unchanged;
        }
        return match (attempt.paid_amount, amount) {
            (None, Some(paid)) => money(session, attempt, report, paid, cx),
            (None, None) if cx.confirmable => Decision::ConfirmAmount,
            (Some(known), Some(paid)) if known != paid => {
                let mut session = session.clone();
                session.needs_attention = true;
                Decision::Write(Box::new(Write {
                    outcome: Outcome::Conflict,
                    session,
                    attempt: None,
                    detail: Some(format!(
                        "ignored: gateway reported {paid} paid after {known}"
                    )),
                    event: None,
                }))
            }
            _ => Decision::Unchanged,
        };
    }
    if let Some(old) = old.filter(|o| o.is_final() && *o != new)
        && new != PaymentStatus::Paid
    {
        let mut session = session.clone();
        // A payment said to be paid and then failed or cancelled: the money may be gone. (A
        // `wait` after a final status is only a stale answer.)
        session.needs_attention |= old == PaymentStatus::Paid && new != PaymentStatus::Wait;
        return Decision::Write(Box::new(Write {
            outcome: Outcome::Conflict,
            session,
            attempt: None,
            detail: Some(format!("ignored: gateway reported {new} after {old}")),
            event: None,
        }));
    }
    match new {
        PaymentStatus::Paid => match amount {
            Some(paid) => money(session, attempt, report, paid, cx),
            None if cx.confirmable => Decision::ConfirmAmount,
            None => unconfirmed(session, attempt, report, cx.now),
        },
        PaymentStatus::Wait | PaymentStatus::Cancel | PaymentStatus::Fail => {
            status_only(session, attempt, report, cx.now)
        }
    }
}

/// The paid amount of `report`, if it can be believed: present, above zero, and not
/// contradicting the partial flag.
fn usable_amount(report: &StatusReport, asked: Amount) -> Option<Amount> {
    let paid = report.paid_amount?.to_amount().ok()?;
    match report.partial {
        Some(true) if paid >= asked => None,
        Some(false) if paid < asked => None,
        _ => Some(paid),
    }
}

/// The first field of `report` that disagrees with `attempt`, with both values.
fn mismatch(
    attempt: &AttemptRecord,
    report: &StatusReport,
    account: &AccountUuid,
) -> Option<(Mismatch, String, String)> {
    if let Some(ours) = attempt.gateway_payment_id
        && ours != report.gateway_payment_id
    {
        return Some((
            Mismatch::GatewayId,
            ours.to_string(),
            report.gateway_payment_id.to_string(),
        ));
    }
    if let Some(theirs) = &report.gateway_order_id
        && *theirs != attempt.gateway_order_id
    {
        return Some((
            Mismatch::OrderId,
            attempt.gateway_order_id.to_string(),
            theirs.to_string(),
        ));
    }
    if let Some(theirs) = &report.account
        && theirs != account
    {
        return Some((Mismatch::Account, account.to_string(), theirs.to_string()));
    }
    if let Some(theirs) = &report.service
        && !same_service(theirs, &attempt.service)
    {
        return Some((Mismatch::Service, attempt.service.clone(), theirs.clone()));
    }
    None
}

/// Whether the gateway's `theirs` names the service we used, or one of its family (the
/// vendor's pages spell the same service several ways, e.g. `…_rub_card` / `…_card`).
fn same_service(theirs: &str, ours: &str) -> bool {
    theirs == ours || family(theirs).is_some_and(|f| family(ours) == Some(f))
}

/// The kind of money movement a service code names.
fn family(service: &str) -> Option<&'static str> {
    if service.contains("sberpay") {
        Some("sberpay")
    } else if service.contains("sbp") {
        Some("sbp")
    } else if service.starts_with("virtual_account") {
        Some("account")
    } else if service.starts_with("payment_card") {
        Some("card")
    } else {
        None
    }
}

/// `attempt` with the report's id and status, taken out of the creation states.
fn reported(attempt: &AttemptRecord, report: &StatusReport, now: OffsetDateTime) -> AttemptRecord {
    let mut a = attempt.clone();
    a.gateway_payment_id = Some(report.gateway_payment_id);
    a.payment_status = Some(report.status);
    a.updated_at = now;
    if matches!(a.state, AttemptState::Creating | AttemptState::Unknown) {
        // It exists after all, but its requisites came only with the lost create answer.
        a.state = AttemptState::Abandoned;
    }
    if report.status.is_final() {
        a.next_poll_at = None;
    } else if a.next_poll_at.is_none() {
        // Waiting (abandoned ones too): polled until final, so money paid is always seen.
        a.next_poll_at = Some(now);
    }
    a
}

/// `wait`, `cancel` or `fail` (never after another final status).
fn status_only(
    session: &SessionRecord,
    attempt: &AttemptRecord,
    report: &StatusReport,
    now: OffsetDateTime,
) -> Decision {
    let attempt = reported(attempt, report, now);
    let mut session = session.clone();
    let mut event = None;
    let target = match report.status {
        PaymentStatus::Wait => SessionStatus::Pending,
        PaymentStatus::Cancel if now >= session.expires_at => SessionStatus::Expired,
        PaymentStatus::Cancel => SessionStatus::Cancelled,
        PaymentStatus::Fail => SessionStatus::Failed,
        // Money goes through `money` / `unconfirmed`.
        PaymentStatus::Paid => session.status,
    };
    let is_current = session.current_attempt == Some(attempt.number);
    if is_current && session.status != target && session.status.can_transition_to(target) {
        session.status = target;
        session.updated_at = now;
        event = EventKind::for_session(target);
    }
    Decision::Write(Box::new(Write {
        outcome: Outcome::Changed,
        session,
        attempt: Some(attempt),
        detail: None,
        event,
    }))
}

/// Paid, but with no amount to believe even from a status answer: recorded, not counted.
fn unconfirmed(
    session: &SessionRecord,
    attempt: &AttemptRecord,
    report: &StatusReport,
    now: OffsetDateTime,
) -> Decision {
    let mut attempt = reported(attempt, report, now);
    // Keep asking: the reconciler polls it until an amount comes.
    attempt.next_poll_at = Some(now);
    let mut session = session.clone();
    session.needs_attention = true;
    Decision::Write(Box::new(Write {
        outcome: Outcome::Changed,
        session,
        attempt: Some(attempt),
        detail: Some(format!(
            "paid, but the gateway gave no usable paid amount ({}): not counted until it does",
            report
                .paid_amount
                .map_or_else(|| "none".to_owned(), |m| m.to_string())
        )),
        event: None,
    }))
}

/// `paid` money of `attempt` (whose own amount was not counted before) arrives.
fn money(
    session: &SessionRecord,
    attempt: &AttemptRecord,
    report: &StatusReport,
    paid: Amount,
    cx: Context<'_>,
) -> Decision {
    let now = cx.now;
    let before = session.status;
    let mut attempt_after = reported(attempt, report, now);
    attempt_after.paid_amount = Some(paid);
    attempt_after.next_poll_at = None;
    // What the other attempts brought (this one's amount was not counted yet).
    let had_money = session.paid_amount.is_some() || before.has_money();
    let total = match session.paid_amount {
        Some(others) => others.checked_add(paid).unwrap_or(others),
        None => paid,
    };
    let full = total >= session.amount;
    let status = if full {
        SessionStatus::Paid
    } else {
        SessionStatus::Underpaid
    };
    let mut s = session.clone();
    s.paid_amount = Some(total);
    s.updated_at = now;
    let mut notes = Vec::new();
    if let Some(old) = attempt
        .payment_status
        .filter(|o| o.is_final() && *o != PaymentStatus::Paid)
    {
        notes.push(format!("the gateway reported paid after {old}"));
    }
    let event = if had_money {
        notes.push(format!(
            "paid again: {paid} by attempt {}, {total} received in all",
            attempt.number
        ));
        if before == SessionStatus::Paid {
            EventKind::PaymentDoublePaid
        } else {
            s.status = status;
            if full {
                // An underpaid session made whole: now it is paid.
                EventKind::PaymentPaid
            } else {
                EventKind::PaymentDoublePaid
            }
        }
    } else {
        if before.is_final() {
            notes.push(match before {
                SessionStatus::Expired => "paid after expiry".to_owned(),
                other => format!("paid after the session was {other}"),
            });
        }
        s.status = status;
        s.current_attempt = Some(attempt.number);
        if full {
            EventKind::PaymentPaid
        } else {
            EventKind::PaymentUnderpaid
        }
    };
    if !full {
        notes.push(format!("partial payment: {total} of {}", session.amount));
    } else if let Some(extra) = total.checked_sub(session.amount) {
        notes.push(format!(
            "overpaid by {extra}: {total} for {}",
            session.amount
        ));
    }
    // Anything but the exact amount, once, in the normal course is for the merchant to see.
    s.needs_attention |= !notes.is_empty();
    Decision::Write(Box::new(Write {
        outcome: Outcome::Changed,
        session: s,
        attempt: Some(attempt_after),
        detail: Some(notes.join("; ")).filter(|d| !d.is_empty()),
        event: Some(event),
    }))
}

#[cfg(test)]
mod tests;
