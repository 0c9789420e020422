//! The sandbox's errors: [`SandboxError`] (start-up and storage) and [`GatewayError`], the
//! answers of the emulated gateway paths in the gateway's own shapes (§5).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::gateway::{UnauthenticatedBody, ValidationErrorBody};

/// Starting the sandbox or reaching its storage failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configuration cannot work (no account, the same account twice, …).
    #[error("sandbox configuration: {0}")]
    Config(String),
    /// The SQLite file cannot be opened or written.
    #[error("sandbox storage: {0}")]
    Storage(#[from] sqlx::Error),
    /// A stored record cannot be read back.
    #[error("sandbox storage holds an unreadable {what}: {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// Why.
        detail: String,
    },
}

/// An answer of a gateway path other than 200.
#[derive(Debug)]
pub(crate) enum GatewayError {
    /// 401 `{"message":"Unauthenticated."}`, with a `hint` when the likely mistake is known.
    Unauthenticated { hint: Option<String> },
    /// 400, Laravel's validation shape.
    Invalid(ValidationErrorBody),
    /// 404 `{"message":"Not found."}` (unknown id / order_id; our choice, the docs are silent).
    NotFound,
    /// 500 `{"message":"Server Error"}`; the cause is logged, not sent.
    Internal(String),
}

impl From<ValidationErrorBody> for GatewayError {
    fn from(body: ValidationErrorBody) -> Self {
        GatewayError::Invalid(body)
    }
}

impl From<SandboxError> for GatewayError {
    fn from(e: SandboxError) -> Self {
        GatewayError::Internal(e.to_string())
    }
}

#[derive(Serialize)]
struct UnauthenticatedWithHint {
    message: &'static str,
    hint: String,
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        match self {
            GatewayError::Unauthenticated { hint: None } => (
                StatusCode::UNAUTHORIZED,
                Json(UnauthenticatedBody::default()),
            )
                .into_response(),
            GatewayError::Unauthenticated { hint: Some(hint) } => (
                StatusCode::UNAUTHORIZED,
                Json(UnauthenticatedWithHint {
                    message: UnauthenticatedBody::MESSAGE,
                    hint,
                }),
            )
                .into_response(),
            GatewayError::Invalid(body) => (StatusCode::BAD_REQUEST, Json(body)).into_response(),
            GatewayError::NotFound => (
                StatusCode::NOT_FOUND,
                Json(Message {
                    message: "Not found.",
                }),
            )
                .into_response(),
            GatewayError::Internal(cause) => {
                tracing::error!(%cause, "sandbox gateway call failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(Message {
                        message: "Server Error",
                    }),
                )
                    .into_response()
            }
        }
    }
}
