//! [`PayoutError`]: why a payout operation failed, and how the API answers it.

use shared::FieldErrors;

use super::IdempotencyKeyError;
use crate::error::ApiError;
use crate::gateway::GatewayError;
use crate::store::StoreError;

/// A failed payout operation.
#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    /// No payout with this id.
    #[error("no such payout")]
    NotFound,
    /// The request's fields are invalid.
    #[error("invalid payout request: {0:?}")]
    Invalid(FieldErrors),
    /// A query parameter is invalid.
    #[error("{0}")]
    InvalidQuery(String),
    /// The `Idempotency-Key` header is missing or unusable.
    #[error(transparent)]
    IdempotencyKey(#[from] IdempotencyKeyError),
    /// The key was used for another request.
    #[error("the Idempotency-Key was already used with a different request")]
    IdempotencyConflict,
    /// A gateway call failed (refused, or its outcome unknown where nothing depends on it).
    #[error(transparent)]
    Gateway(GatewayError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else broke.
    #[error("{0}")]
    Internal(String),
}

impl From<PayoutError> for ApiError {
    fn from(e: PayoutError) -> ApiError {
        match e {
            PayoutError::NotFound => ApiError::PayoutNotFound,
            PayoutError::Invalid(details) => ApiError::InvalidRequest {
                message: format!(
                    "invalid payout request: {}",
                    details.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                details,
            },
            PayoutError::InvalidQuery(message) => ApiError::InvalidQuery(message),
            PayoutError::IdempotencyKey(e) => ApiError::InvalidIdempotencyKey(e.to_string()),
            PayoutError::IdempotencyConflict => ApiError::IdempotencyConflict,
            PayoutError::Gateway(e) => match e {
                GatewayError::Validation(body) => ApiError::GatewayRejected {
                    message: body.message.clone(),
                    details: body.errors,
                },
                GatewayError::Unauthenticated { hint } => {
                    tracing::error!(hint, "the gateway refused our credentials");
                    ApiError::GatewayAuth
                }
                GatewayError::Timeout { .. } => ApiError::GatewayTimeout,
                GatewayError::NotFound
                | GatewayError::Upstream { .. }
                | GatewayError::Malformed { .. }
                | GatewayError::Transport { .. } => {
                    tracing::warn!(cause = %e, "gateway unavailable");
                    ApiError::GatewayUnavailable
                }
                GatewayError::Local { detail } => ApiError::Internal(detail),
            },
            PayoutError::Store(e) => ApiError::Internal(e.to_string()),
            PayoutError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}
