//! [`PayoutStatus`]: a payout's status as our API names it.

use serde::{Deserialize, Serialize};

use crate::PaymentStatus;

/// A payout's status as the merchant sees it:
/// `creating → pending → paid | failed`, `creating → rejected`, or — when the gateway's answer
/// stays lost — `creating → unknown → pending | paid | failed`. Final statuses never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Stored; the gateway's answer is not known yet (in flight, or lost and being looked
    /// up by its order id; sent again with the same order id only once the gateway has said
    /// for the whole grace period that it has none).
    Creating,
    /// The outcome is still not known (a lost answer the gateway has not confirmed within the
    /// grace period, or a refused re-send): the payout may have been made. It is never sent
    /// again nor reported failed; it is looked up until the gateway reports it. Do not pay it
    /// again.
    Unknown,
    /// The gateway accepted it and is paying it out.
    Pending,
    /// Paid out (final).
    Paid,
    /// The gateway failed or cancelled it (final); the money is back on the balance.
    Failed,
    /// The gateway refused it at creation (final): nothing was sent; see `error`.
    Rejected,
}

impl PayoutStatus {
    /// Every status.
    pub const ALL: [PayoutStatus; 6] = [
        Self::Creating,
        Self::Unknown,
        Self::Pending,
        Self::Paid,
        Self::Failed,
        Self::Rejected,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Unknown => "unknown",
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Rejected => "rejected",
        }
    }

    /// Whether the status can never change.
    pub fn is_final(self) -> bool {
        match self {
            Self::Paid | Self::Failed | Self::Rejected => true,
            Self::Creating | Self::Unknown | Self::Pending => false,
        }
    }

    /// What a gateway status means for a payout the gateway holds.
    pub fn from_gateway(status: PaymentStatus) -> PayoutStatus {
        match status {
            PaymentStatus::Wait => Self::Pending,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Cancel | PaymentStatus::Fail => Self::Failed,
        }
    }
}

by_name!(PayoutStatus, String, |s| format!(
    "unknown payout status {s:?}"
));

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn statuses_round_trip_and_map_every_gateway_status() {
        for s in PayoutStatus::ALL {
            assert_eq!(s.as_str().parse::<PayoutStatus>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let mapped: Vec<PayoutStatus> = PaymentStatus::ALL
            .iter()
            .map(|s| PayoutStatus::from_gateway(*s))
            .collect();
        assert!(mapped.contains(&PayoutStatus::Pending));
        assert!(!PayoutStatus::from_gateway(PaymentStatus::Wait).is_final());
        assert!(PayoutStatus::from_gateway(PaymentStatus::Cancel).is_final());
        assert_eq!(
            PayoutStatus::from_gateway(PaymentStatus::Fail),
            PayoutStatus::Failed
        );
    }
}
