//! Statuses: the gateway's [`PaymentStatus`] and our [`SessionStatus`], both closed enums with
//! explicit transitions. Matches are exhaustive on purpose: a new variant must be placed.

use serde::{Deserialize, Serialize};

/// A refused status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("status cannot change from {from} to {to}")]
pub struct TransitionError<S> {
    /// The current status.
    pub from: S,
    /// The requested status.
    pub to: S,
}

/// An unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct StatusParseError(String);

/// `payment_status` of a gateway payment or payout (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// In progress; every payment starts here.
    Wait,
    /// Paid successfully (final).
    Paid,
    /// Cancelled, e.g. not paid in time (final).
    Cancel,
    /// Failed (final).
    Fail,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 4] = [Self::Wait, Self::Paid, Self::Cancel, Self::Fail];

    /// The wire name (`wait`, `paid`, `cancel`, `fail`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wait => "wait",
            Self::Paid => "paid",
            Self::Cancel => "cancel",
            Self::Fail => "fail",
        }
    }

    /// Whether the status never changes again.
    pub fn is_final(self) -> bool {
        match self {
            Self::Wait => false,
            Self::Paid | Self::Cancel | Self::Fail => true,
        }
    }

    /// `wait → paid | cancel | fail`; the same status again is an allowed no-op; final statuses
    /// never change.
    pub fn can_transition_to(self, next: PaymentStatus) -> bool {
        if self == next {
            return true;
        }
        match self {
            Self::Wait => match next {
                Self::Paid | Self::Cancel | Self::Fail => true,
                Self::Wait => false,
            },
            Self::Paid | Self::Cancel | Self::Fail => false,
        }
    }

    /// `next` if [`can_transition_to`](Self::can_transition_to) allows it.
    pub fn transition(self, next: PaymentStatus) -> Result<PaymentStatus, TransitionError<Self>> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(TransitionError {
                from: self,
                to: next,
            })
        }
    }
}

by_name!(PaymentStatus, StatusParseError, |s| StatusParseError(
    s.to_owned()
));

/// The status of one of our checkout sessions — the one closed enum the server and the widget
/// share (the widget's `data-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Created; the buyer has not chosen a method yet, no gateway payment exists.
    Open,
    /// A gateway payment exists and is waiting for the buyer's money.
    Pending,
    /// Paid in full: the gateway reports money at least the session's amount (final; more
    /// money may still arrive, which the session records).
    Paid,
    /// The gateway reports the payment paid, but with less than the session's amount (final,
    /// never announced as paid; a later payment that makes up the amount makes it `paid`).
    Underpaid,
    /// The gateway reported a failure (final).
    Failed,
    /// The gateway cancelled the payment (final).
    Cancelled,
    /// The session's lifetime ran out before a payment was made (final).
    Expired,
}

impl SessionStatus {
    /// Every status.
    pub const ALL: [SessionStatus; 7] = [
        Self::Open,
        Self::Pending,
        Self::Paid,
        Self::Underpaid,
        Self::Failed,
        Self::Cancelled,
        Self::Expired,
    ];

    /// The wire name (`open`, `pending`, `paid`, `underpaid`, `failed`, `cancelled`,
    /// `expired`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Underpaid => "underpaid",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Whether the status never changes again.
    pub fn is_final(self) -> bool {
        match self {
            Self::Open | Self::Pending => false,
            Self::Paid | Self::Underpaid | Self::Failed | Self::Cancelled | Self::Expired => true,
        }
    }

    /// Allowed changes of the normal course: `open → pending | cancelled | expired`,
    /// `pending → paid | underpaid | failed | cancelled | expired`; the same status again is an
    /// allowed no-op; nothing goes back to `open`. A final status changes only when money
    /// arrives after it ([`after_late_money`](Self::after_late_money)).
    pub fn can_transition_to(self, next: SessionStatus) -> bool {
        if self == next {
            return true;
        }
        match self {
            Self::Open => match next {
                Self::Pending | Self::Cancelled | Self::Expired => true,
                Self::Open | Self::Paid | Self::Underpaid | Self::Failed => false,
            },
            Self::Pending => match next {
                Self::Paid | Self::Underpaid | Self::Failed | Self::Cancelled | Self::Expired => {
                    true
                }
                Self::Open | Self::Pending => false,
            },
            Self::Paid | Self::Underpaid | Self::Failed | Self::Cancelled | Self::Expired => false,
        }
    }

    /// Whether money arriving may move a session from this status to `next` outside the
    /// normal course: a session that ended without (all of) its money (`expired`,
    /// `cancelled`, `failed`, `underpaid`) becomes `paid` or `underpaid` by what arrived.
    /// `paid` never goes back, and `underpaid` never comes from `paid`.
    pub fn after_late_money(self, next: SessionStatus) -> bool {
        let ended_short = match self {
            Self::Expired | Self::Cancelled | Self::Failed | Self::Underpaid => true,
            Self::Open | Self::Pending | Self::Paid => false,
        };
        let money = match next {
            Self::Paid | Self::Underpaid => true,
            Self::Open | Self::Pending | Self::Failed | Self::Cancelled | Self::Expired => false,
        };
        ended_short && money
    }

    /// Whether money was received (in full or not).
    pub fn has_money(self) -> bool {
        match self {
            Self::Paid | Self::Underpaid => true,
            Self::Open | Self::Pending | Self::Failed | Self::Cancelled | Self::Expired => false,
        }
    }

    /// `next` if [`can_transition_to`](Self::can_transition_to) allows it.
    pub fn transition(self, next: SessionStatus) -> Result<SessionStatus, TransitionError<Self>> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(TransitionError {
                from: self,
                to: next,
            })
        }
    }
}

impl From<PaymentStatus> for SessionStatus {
    /// `wait → pending`, `paid → paid`, `cancel → cancelled`, `fail → failed`.
    fn from(status: PaymentStatus) -> Self {
        match status {
            PaymentStatus::Wait => Self::Pending,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Cancel => Self::Cancelled,
            PaymentStatus::Fail => Self::Failed,
        }
    }
}

by_name!(SessionStatus, StatusParseError, |s| StatusParseError(
    s.to_owned()
));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for s in PaymentStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(s.as_str().parse::<PaymentStatus>().unwrap(), s);
        }
        for s in SessionStatus::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(s.as_str().parse::<SessionStatus>().unwrap(), s);
        }
    }

    #[test]
    fn late_money_only_moves_sessions_that_ended_short() {
        use SessionStatus as S;
        for from in S::ALL {
            for to in S::ALL {
                let expected = matches!(from, S::Expired | S::Cancelled | S::Failed | S::Underpaid)
                    && matches!(to, S::Paid | S::Underpaid);
                assert_eq!(from.after_late_money(to), expected, "{from} -> {to}");
            }
        }
        assert!(!S::Paid.after_late_money(S::Underpaid));
        assert!(S::Pending.can_transition_to(S::Underpaid));
        assert!(!S::Underpaid.can_transition_to(S::Paid));
    }

    #[test]
    fn mapped_payment_status_is_reachable_from_pending() {
        for p in PaymentStatus::ALL {
            assert!(SessionStatus::Pending.can_transition_to(p.into()));
        }
    }
}
