#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

fn all() -> Vec<ApiError> {
    vec![
        ApiError::Unauthorized,
        ApiError::ApiKeyWrongMode {
            presented: None,
            server: crate::auth::Mode::Live,
        },
        ApiError::TooManyStreams {
            scope: "for this session",
            retry_after_secs: 5,
        },
        ApiError::ServerBusy {
            retry_after_secs: 1,
        },
        ApiError::InvalidJson("x".into()),
        ApiError::UnsupportedMediaType,
        ApiError::field("amount", "bad"),
        ApiError::InvalidQuery("limit".into()),
        ApiError::PayloadTooLarge,
        ApiError::SessionNotFound,
        ApiError::NotFound,
        ApiError::MethodNotAllowed,
        ApiError::OrderIdConflict {
            order_id: "A".into(),
        },
        ApiError::MethodNotOffered(shared::Method::Sbp),
        ApiError::SessionClosed(SessionStatus::Paid),
        ApiError::SessionExpired,
        ApiError::TooManyAttempts,
        ApiError::RateLimited {
            retry_after_secs: 3,
        },
        ApiError::GatewayRejected {
            message: "m".into(),
            details: FieldErrors::new(),
        },
        ApiError::GatewayTimeout,
        ApiError::GatewayUnavailable,
        ApiError::GatewayAuth,
        ApiError::InvalidSignature,
        ApiError::RequestTimeout,
        ApiError::Internal("secret db path /x".into()),
        ApiError::PayoutNotFound,
        ApiError::EventNotFound,
        ApiError::InvalidIdempotencyKey("k".into()),
        ApiError::IdempotencyConflict,
    ]
}

#[test]
fn every_variant_has_a_listed_code_and_an_error_status() {
    let errors = all();
    assert_eq!(errors.len(), ApiError::CODES.len());
    for (e, code) in errors.iter().zip(ApiError::CODES) {
        assert_eq!(e.code(), code);
        assert!(e.status().is_client_error() || e.status().is_server_error());
    }
}

#[tokio::test]
async fn renders_the_shared_shape_and_hides_internals() {
    let response = ApiError::Internal("secret db path /x".into()).into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = axum::body::to_bytes(response.into_body(), 10_000)
        .await
        .unwrap();
    let body: ApiErrorBody = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body, ApiErrorBody::new("internal", "internal error"));

    let response = ApiError::RateLimited {
        retry_after_secs: 7,
    }
    .into_response();
    assert_eq!(response.headers()[header::RETRY_AFTER], "7");

    let response = ApiError::field("amount", "amount is not a number").into_response();
    let bytes = axum::body::to_bytes(response.into_body(), 10_000)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["error"]["code"], "invalid_request");
    assert_eq!(
        json["error"]["details"]["amount"][0],
        "amount is not a number"
    );
}
