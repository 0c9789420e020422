//! [`GatewayError`]: what can go wrong with one signed call.

use shared::gateway::ValidationErrorBody;

/// A failed gateway call, typed by what the caller can do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// HTTP 400: the gateway refused the request's data; nothing was created.
    #[error("the gateway refused the request: {}", describe(.0))]
    Validation(ValidationErrorBody),
    /// HTTP 401: the gateway refused our signature or account.
    #[error("the gateway refused our credentials (HTTP 401): {hint}")]
    Unauthenticated {
        /// What to check.
        hint: &'static str,
    },
    /// HTTP 404 (or a validation error on the lookup key): no such payment.
    #[error("the gateway knows no such payment")]
    NotFound,
    /// HTTP 5xx (or another unexpected status): the outcome is unknown.
    #[error("the gateway failed with HTTP {status}")]
    Upstream {
        /// The status code.
        status: u16,
    },
    /// No answer within the per-call timeout: the outcome is unknown.
    #[error("the gateway did not answer within {secs} s")]
    Timeout {
        /// The timeout.
        secs: u64,
    },
    /// The answer was not the JSON expected: the outcome is unknown.
    #[error("the gateway's answer is malformed: {detail}")]
    Malformed {
        /// What did not parse.
        detail: String,
    },
    /// The connection failed before an answer.
    #[error("cannot reach the gateway: {detail}")]
    Transport {
        /// The cause.
        detail: String,
    },
    /// Signing or encoding our own request failed (a local problem; nothing was sent).
    #[error("cannot build the request: {detail}")]
    Local {
        /// The cause.
        detail: String,
    },
}

/// The hint given with a 401.
pub const UNAUTHENTICATED_HINT: &str = "check gateway.account, that the gateway holds the public.pem of the key set in use, and gateway.digest (sha1 or sha256)";

impl GatewayError {
    /// Whether the call may have taken effect upstream (timeout, 5xx, garbled answer, or a
    /// connection that broke after sending): a create must be looked up before any retry.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            GatewayError::Upstream { .. }
            | GatewayError::Timeout { .. }
            | GatewayError::Malformed { .. }
            | GatewayError::Transport { .. } => true,
            GatewayError::Validation(_)
            | GatewayError::Unauthenticated { .. }
            | GatewayError::NotFound
            | GatewayError::Local { .. } => false,
        }
    }
}

fn describe(body: &ValidationErrorBody) -> String {
    let fields: Vec<String> = body
        .errors
        .iter()
        .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
        .collect();
    if fields.is_empty() {
        body.message.clone()
    } else {
        fields.join("; ")
    }
}
