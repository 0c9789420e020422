//! Gateway error bodies (§5).

use serde::{Deserialize, Serialize};

use crate::FieldErrors;

/// The HTTP 400 body: `{"message":"The given data was invalid.","errors":{"field":["text"]}}`.
/// `errors` is a [`FieldErrors`] (sorted by field name, so output is deterministic).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrorBody {
    /// Summary, Laravel's stock `The given data was invalid.`.
    pub message: String,
    /// Field name → messages, e.g. `"order_id": ["The order id has already been taken."]`.
    #[serde(default)]
    pub errors: FieldErrors,
}

impl ValidationErrorBody {
    /// Laravel's stock message.
    pub const MESSAGE: &'static str = "The given data was invalid.";

    /// An empty body with the stock message; add errors with [`add`](Self::add).
    pub fn new() -> Self {
        Self {
            message: Self::MESSAGE.to_owned(),
            errors: FieldErrors::new(),
        }
    }

    /// Adds `message` for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) -> &mut Self {
        self.errors
            .entry(field.into())
            .or_default()
            .push(message.into());
        self
    }

    /// Whether no field error was added.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.errors.get(field)?.first().map(String::as_str)
    }
}

impl Default for ValidationErrorBody {
    fn default() -> Self {
        Self::new()
    }
}

/// The (inferred) HTTP 401 body for a bad `Sign` or unknown `Account`:
/// `{"message":"Unauthenticated."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnauthenticatedBody {
    /// `Unauthenticated.`
    pub message: String,
}

impl UnauthenticatedBody {
    /// Laravel's stock message.
    pub const MESSAGE: &'static str = "Unauthenticated.";
}

impl Default for UnauthenticatedBody {
    fn default() -> Self {
        Self {
            message: Self::MESSAGE.to_owned(),
        }
    }
}
