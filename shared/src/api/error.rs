//! Our error body: `{"error":{"code":"stable_snake_case","message":"human text","details":…}}`.

use serde::{Deserialize, Serialize};

use crate::FieldErrors;

/// Every error response of our API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The error inside [`ApiErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable snake_case code for programs (`invalid_request`, `session_not_found`, …).
    pub code: String,
    /// Human-readable explanation (never internal details).
    pub message: String,
    /// Field name → messages, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>))]
    pub details: Option<FieldErrors>,
}

impl ApiErrorBody {
    /// An error without field details.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ApiError {
                code: code.into(),
                message: message.into(),
                details: None,
            },
        }
    }

    /// Adds field-level details.
    pub fn with_details(mut self, details: FieldErrors) -> Self {
        self.error.details = Some(details);
        self
    }
}
