//! [`SessionError`]: why a session operation failed, and how the API answers it.

use shared::gateway::ValidationErrorBody;
use shared::{Method, SessionStatus};

use crate::error::ApiError;
use crate::gateway::GatewayError;
use crate::store::StoreError;

/// A failed session operation.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No session with this id or token.
    #[error("no such session")]
    NotFound,
    /// A request field is invalid beyond what its type checks.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The order id belongs to a session with other parameters.
    #[error("order id {0:?} is taken")]
    OrderIdConflict(String),
    /// The session does not offer the method.
    #[error("method {0} is not offered")]
    MethodNotOffered(Method),
    /// The session is final.
    #[error("session is {0}")]
    Closed(SessionStatus),
    /// The session's time ran out.
    #[error("session expired")]
    Expired,
    /// No more method switches.
    #[error("too many attempts")]
    TooManyAttempts,
    /// The gateway refused the payment's data.
    #[error("gateway refused: {0:?}")]
    GatewayRejected(ValidationErrorBody),
    /// The gateway refused our credentials.
    #[error("gateway refused our credentials")]
    GatewayAuth,
    /// The gateway did not answer in time.
    #[error("gateway timeout")]
    GatewayTimeout,
    /// The gateway failed otherwise.
    #[error("gateway failed: {0}")]
    GatewayUnavailable(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else broke.
    #[error("{0}")]
    Internal(String),
}

impl SessionError {
    /// The error a failed gateway call becomes.
    pub fn from_gateway(e: &GatewayError) -> SessionError {
        match e {
            GatewayError::Validation(body) => SessionError::GatewayRejected(body.clone()),
            GatewayError::Unauthenticated { .. } => SessionError::GatewayAuth,
            GatewayError::Timeout { .. } => SessionError::GatewayTimeout,
            GatewayError::NotFound
            | GatewayError::Upstream { .. }
            | GatewayError::Malformed { .. }
            | GatewayError::Transport { .. } => SessionError::GatewayUnavailable(e.to_string()),
            GatewayError::Local { detail } => SessionError::Internal(detail.clone()),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> ApiError {
        match e {
            SessionError::NotFound => ApiError::SessionNotFound,
            SessionError::Invalid { field, message } => ApiError::field(field, message),
            SessionError::OrderIdConflict(order_id) => ApiError::OrderIdConflict { order_id },
            SessionError::MethodNotOffered(m) => ApiError::MethodNotOffered(m),
            SessionError::Closed(s) => ApiError::SessionClosed(s),
            SessionError::Expired => ApiError::SessionExpired,
            SessionError::TooManyAttempts => ApiError::TooManyAttempts,
            SessionError::GatewayRejected(body) => ApiError::GatewayRejected {
                message: body.message.clone(),
                details: body.errors,
            },
            SessionError::GatewayAuth => {
                tracing::error!(
                    hint = crate::gateway::UNAUTHENTICATED_HINT,
                    "the gateway refused our credentials"
                );
                ApiError::GatewayAuth
            }
            SessionError::GatewayTimeout => ApiError::GatewayTimeout,
            SessionError::GatewayUnavailable(cause) => {
                tracing::warn!(%cause, "gateway unavailable");
                ApiError::GatewayUnavailable
            }
            SessionError::Store(e) => ApiError::Internal(e.to_string()),
            SessionError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}
