//! [`ApiError`]: every error our HTTP API answers, with a stable code and status, rendered as
//! `{"error":{"code","message","details"?}}` ([`shared::api::ApiErrorBody`]). A 5xx body says
//! nothing internal; the cause is logged.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::api::ApiErrorBody;
use shared::{FieldErrors, SessionStatus};

/// An error answer of our API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or wrong merchant API key.
    #[error("missing or invalid API key: send Authorization: Bearer <api key>")]
    Unauthorized,
    /// An API key of the other mode (`sk_test_` on a live server or `sk_live_` in sandbox
    /// mode), or one without a mode prefix.
    #[error("{}", wrong_mode_message(*presented, *server))]
    ApiKeyWrongMode {
        /// The mode the key's prefix names; `None` = no prefix.
        presented: Option<crate::auth::Mode>,
        /// This server's mode.
        server: crate::auth::Mode,
    },
    /// Too many event streams for this session or from this address.
    #[error(
        "too many open event streams {scope}; retry in {retry_after_secs} s or poll the status"
    )]
    TooManyStreams {
        /// `for this session` or `from this address`.
        scope: &'static str,
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The server is at a capacity limit (event streams in total, notifications being
    /// verified); retry later.
    #[error("the server is busy; retry in {retry_after_secs} s")]
    ServerBusy {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The body is not JSON, or not the JSON expected.
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// The body needs `Content-Type: application/json`.
    #[error("send the body as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// Fields are missing or invalid.
    #[error("{message}")]
    InvalidRequest {
        /// Summary.
        message: String,
        /// Field → messages.
        details: FieldErrors,
    },
    /// A query-string parameter is invalid.
    #[error("invalid query parameter: {0}")]
    InvalidQuery(String),
    /// The body is larger than the limit.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// No session with this id or token.
    #[error("no such checkout session")]
    SessionNotFound,
    /// Unknown route.
    #[error("no such endpoint")]
    NotFound,
    /// Known route, other HTTP method.
    #[error("this endpoint does not support that HTTP method")]
    MethodNotAllowed,
    /// The order id is already used by a session with other parameters.
    #[error("order_id {order_id:?} is already used by another session with different parameters")]
    OrderIdConflict {
        /// The order id.
        order_id: String,
    },
    /// The session does not offer this method.
    #[error("this session does not offer the method {0}")]
    MethodNotOffered(shared::Method),
    /// The session is final; nothing can be paid any more.
    #[error("the session is {0}; nothing can be paid any more")]
    SessionClosed(SessionStatus),
    /// The session's time ran out.
    #[error("the session has expired")]
    SessionExpired,
    /// Too many method switches.
    #[error("too many payment attempts for this session")]
    TooManyAttempts,
    /// Too many requests from this client.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The gateway refused the payment (its validation error).
    #[error("the payment gateway refused the payment: {message}")]
    GatewayRejected {
        /// The gateway's summary.
        message: String,
        /// The gateway's field errors.
        details: FieldErrors,
    },
    /// The gateway did not answer in time; nothing is known to have been created.
    #[error("the payment gateway did not answer in time; please try again")]
    GatewayTimeout,
    /// The gateway failed (5xx, garbled answer, connection error).
    #[error("the payment gateway is unavailable; please try again")]
    GatewayUnavailable,
    /// The gateway refused our credentials: a configuration problem on the merchant's side.
    #[error("the payment gateway refused this shop's credentials")]
    GatewayAuth,
    /// A gateway notification whose signature does not verify.
    #[error("the notification signature does not verify")]
    InvalidSignature,
    /// The request took longer than the server allows.
    #[error("the request took too long; please try again")]
    RequestTimeout,
    /// Something broke inside; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
    /// No payout with this id.
    #[error("no such payout")]
    PayoutNotFound,
    /// No event (webhook to the merchant) with this id.
    #[error("no such event")]
    EventNotFound,
    /// The `Idempotency-Key` header is missing or unusable.
    #[error("{0}")]
    InvalidIdempotencyKey(String),
    /// The `Idempotency-Key` was used before with a different request.
    #[error(
        "this Idempotency-Key was already used for a different payout request; use a new key for a new payout"
    )]
    IdempotencyConflict,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized
            | ApiError::ApiKeyWrongMode { .. }
            | ApiError::InvalidSignature => StatusCode::UNAUTHORIZED,
            ApiError::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ServerBusy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InvalidJson(_) | ApiError::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::InvalidRequest { .. } | ApiError::MethodNotOffered(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::SessionNotFound | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::OrderIdConflict { .. }
            | ApiError::SessionClosed(_)
            | ApiError::TooManyAttempts => StatusCode::CONFLICT,
            ApiError::SessionExpired => StatusCode::GONE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::GatewayRejected { .. }
            | ApiError::GatewayUnavailable
            | ApiError::GatewayAuth => StatusCode::BAD_GATEWAY,
            ApiError::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
            ApiError::RequestTimeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::PayoutNotFound => StatusCode::NOT_FOUND,
            ApiError::EventNotFound => StatusCode::NOT_FOUND,
            ApiError::InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
            ApiError::IdempotencyConflict => StatusCode::CONFLICT,
        }
    }

    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::ApiKeyWrongMode { .. } => "api_key_wrong_mode",
            ApiError::TooManyStreams { .. } => "too_many_streams",
            ApiError::ServerBusy { .. } => "server_busy",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::InvalidRequest { .. } => "invalid_request",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::SessionNotFound => "session_not_found",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::OrderIdConflict { .. } => "order_id_conflict",
            ApiError::MethodNotOffered(_) => "method_not_offered",
            ApiError::SessionClosed(_) => "session_closed",
            ApiError::SessionExpired => "session_expired",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::GatewayRejected { .. } => "gateway_rejected",
            ApiError::GatewayTimeout => "gateway_timeout",
            ApiError::GatewayUnavailable => "gateway_unavailable",
            ApiError::GatewayAuth => "gateway_auth_failed",
            ApiError::InvalidSignature => "invalid_signature",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::Internal(_) => "internal",
            ApiError::PayoutNotFound => "payout_not_found",
            ApiError::EventNotFound => "event_not_found",
            ApiError::InvalidIdempotencyKey(_) => "invalid_idempotency_key",
            ApiError::IdempotencyConflict => "idempotency_conflict",
        }
    }

    /// Every code, for documentation and tests.
    pub const CODES: [&'static str; 29] = [
        "unauthorized",
        "api_key_wrong_mode",
        "too_many_streams",
        "server_busy",
        "invalid_json",
        "unsupported_media_type",
        "invalid_request",
        "invalid_query",
        "payload_too_large",
        "session_not_found",
        "not_found",
        "method_not_allowed",
        "order_id_conflict",
        "method_not_offered",
        "session_closed",
        "session_expired",
        "too_many_attempts",
        "rate_limited",
        "gateway_rejected",
        "gateway_timeout",
        "gateway_unavailable",
        "gateway_auth_failed",
        "invalid_signature",
        "request_timeout",
        "internal",
        "payout_not_found",
        "event_not_found",
        "invalid_idempotency_key",
        "idempotency_conflict",
    ];

    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        let mut details = FieldErrors::new();
        details.insert(field.to_owned(), vec![message.into()]);
        ApiError::InvalidRequest {
            message: format!("invalid field {field}"),
            details,
        }
    }

    /// The body, as rendered.
    pub fn body(&self) -> ApiErrorBody {
        let body = ApiErrorBody::new(self.code(), self.to_string());
        match self {
            ApiError::InvalidRequest { details, .. }
            | ApiError::GatewayRejected { details, .. }
                if !details.is_empty() =>
            {
                body.with_details(details.clone())
            }
            _ => body,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            // Answered under floods: counted where the limit is, not logged per request.
            ApiError::ServerBusy { .. } => {}
            e if status.is_server_error() => {
                tracing::warn!(code = e.code(), error = %e, "upstream error")
            }
            _ => {}
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        if let ApiError::RateLimited { retry_after_secs }
        | ApiError::TooManyStreams {
            retry_after_secs, ..
        }
        | ApiError::ServerBusy { retry_after_secs } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"alikassa-checkout\""),
            );
        }
        response
    }
}

/// What a refused key of the wrong mode is told: this server's mode, and how to get a key.
fn wrong_mode_message(presented: Option<crate::auth::Mode>, server: crate::auth::Mode) -> String {
    use crate::auth::Mode;
    let how = match server {
        Mode::Test => {
            "use the sk_test_ key printed at start-up (or set CHECKOUT_API_KEY=sk_test_…)"
        }
        Mode::Live => "set CHECKOUT_API_KEY (or server.api_key_hash) to an sk_live_… key",
    };
    let runs = match server {
        Mode::Test => "this server runs in sandbox mode (test money)",
        Mode::Live => "this server runs in live mode (real money)",
    };
    match presented {
        Some(mode) => format!(
            "this is a {} key ({}…) but {runs}: {how}",
            mode.as_str(),
            mode.key_prefix()
        ),
        None => format!(
            "this API key has no mode prefix (sk_test_ / sk_live_; keys made before modes are no longer accepted) and {runs}: {how}"
        ),
    }
}

#[cfg(test)]
mod tests;
