//! Payout calls, signed with the payout key (alikassa-api.md §1.6): `v1/payout`,
//! `v1/payout/status`. (`v1/account/balance` is [`GatewayClient::balance`].)
//!
//! Like a payment create, a payout create whose outcome is unknown (timeout, 5xx, garbled
//! answer, broken connection) is looked up by its `order_id` before anything is reported, and
//! so is a refusal that only says the `order_id` is taken: that is our own earlier send, which
//! landed although its answer was lost.

use shared::OrderId;
use shared::gateway::{
    PayoutCreateRequest, PayoutCreateResponse, PayoutStatusResponse, StatusRequest,
    ValidationErrorBody, paths,
};

use super::{GatewayClient, GatewayError, KeyKind};

/// How a payout create ended.
#[derive(Debug, Clone)]
pub enum PayoutOutcome {
    /// Created: the gateway's id, status `wait`.
    Created(PayoutCreateResponse),
    /// Refused (400 / 401 / a local problem): nothing exists upstream.
    Refused(GatewayError),
    /// The outcome was unknown (`cause`) and the lookup by `order_id` found the payout.
    Found {
        /// What the lookup returned.
        status: PayoutStatusResponse,
        /// Why the create's answer was lost.
        cause: GatewayError,
    },
    /// The outcome is unknown and the lookup found nothing (or failed too). Look the order id
    /// up again before any resend; resend only with the same `order_id`.
    Unknown {
        /// Why the create's answer was lost.
        cause: GatewayError,
        /// The lookup's failure, if it failed rather than found nothing.
        lookup: Option<GatewayError>,
    },
}

impl GatewayClient {
    /// `POST v1/payout`; on an unknown outcome, looks the `order_id` up before answering.
    pub async fn create_payout(&self, request: &PayoutCreateRequest) -> PayoutOutcome {
        match self
            .call::<_, PayoutCreateResponse>(paths::PAYOUT, KeyKind::Payout, request)
            .await
        {
            Ok(created) => PayoutOutcome::Created(created),
            Err(cause) if !cause.outcome_unknown() && !order_id_taken(&cause) => {
                PayoutOutcome::Refused(cause)
            }
            Err(cause) => {
                tracing::warn!(order_id = request.order_id.as_str(), error = %cause,
                    "payout create outcome unknown; looking the order id up before any resend");
                match self.find_payout(&request.order_id).await {
                    Ok(Some(status)) => PayoutOutcome::Found { status, cause },
                    Ok(None) if order_id_taken(&cause) => PayoutOutcome::Unknown {
                        // Taken, yet not found: never resend blindly on that.
                        lookup: Some(GatewayError::NotFound),
                        cause,
                    },
                    Ok(None) => PayoutOutcome::Unknown {
                        cause,
                        lookup: None,
                    },
                    Err(lookup) => PayoutOutcome::Unknown {
                        cause,
                        lookup: Some(lookup),
                    },
                }
            }
        }
    }

    /// The per-call timeout (a send still in flight ends by then).
    pub fn timeout(&self) -> std::time::Duration {
        self.inner.settings.timeout
    }

    /// `POST v1/payout/status`.
    pub async fn payout_status(
        &self,
        request: &StatusRequest,
    ) -> Result<PayoutStatusResponse, GatewayError> {
        self.call(paths::PAYOUT_STATUS, KeyKind::Payout, request)
            .await
    }

    /// The payout created under `order_id`, or `None` if the gateway knows none.
    pub async fn find_payout(
        &self,
        order_id: &OrderId,
    ) -> Result<Option<PayoutStatusResponse>, GatewayError> {
        match self
            .payout_status(&StatusRequest::OrderId(order_id.clone()))
            .await
        {
            Ok(status) => Ok(Some(status)),
            Err(GatewayError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whether a refusal says only that the `order_id` is already used (Laravel's `unique` rule:
/// "The order id has already been taken.").
fn order_id_taken(e: &GatewayError) -> bool {
    match e {
        GatewayError::Validation(ValidationErrorBody { errors, .. }) => {
            !errors.is_empty()
                && errors.keys().all(|k| k == "order_id")
                && errors.values().flatten().any(|m| m.contains("taken"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn refusal(field: &str, message: &str) -> GatewayError {
        let mut errors = shared::FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.to_owned()]);
        GatewayError::Validation(ValidationErrorBody {
            message: "The given data was invalid.".to_owned(),
            errors,
        })
    }

    #[test]
    fn only_a_taken_order_id_counts_as_our_own_earlier_send() {
        assert!(order_id_taken(&refusal(
            "order_id",
            "The order id has already been taken."
        )));
        assert!(!order_id_taken(&refusal(
            "amount",
            "The amount is too large."
        )));
        assert!(!order_id_taken(&refusal(
            "order_id",
            "The order id is invalid."
        )));
        assert!(!order_id_taken(&GatewayError::Upstream { status: 500 }));
    }
}
