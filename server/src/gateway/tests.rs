#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client against a scripted stub gateway: exact-bytes signing, error mapping, and the
//! status lookup after an unknown create outcome.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use shared::gateway::{PaymentCreateRequest, PaymentKind, StatusRequest};
use shared::{AccountUuid, Amount, CustomerIp, CustomerUserId, OrderId, PaymentStatus};

use super::*;
use crate::signing::{GeneratedKeys, PublicKey};

/// One scripted answer.
#[derive(Clone)]
enum Reply {
    Json(u16, &'static str),
    Hang,
}

#[derive(Clone, Default)]
struct Stub {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    key: Option<PublicKey>,
}

fn keys() -> &'static GeneratedKeys {
    static KEYS: OnceLock<GeneratedKeys> = OnceLock::new();
    KEYS.get_or_init(|| GeneratedKeys::generate(2048).unwrap())
}

async fn handle(State(stub): State<Stub>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let sign = headers.get("Sign").unwrap().to_str().unwrap().to_owned();
    // Verified over the exact bytes received: the client must send what it signed.
    let verified = stub
        .key
        .as_ref()
        .unwrap()
        .verify(&body, &sign, Digest::Sha1)
        .is_ok();
    assert!(verified, "signature does not cover the body sent");
    assert_eq!(
        headers.get("Account").unwrap(),
        "0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
    );
    assert_eq!(headers.get("Content-Type").unwrap(), "application/json");
    stub.seen.lock().unwrap().push((
        uri.path().to_owned(),
        String::from_utf8_lossy(&body).into_owned(),
    ));
    let reply = stub
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .expect("unscripted call");
    match reply {
        Reply::Json(status, body) => (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
            .into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn client_with(replies: Vec<Reply>) -> (GatewayClient, Stub) {
    let stub = Stub {
        replies: Arc::new(Mutex::new(replies.into())),
        seen: Arc::default(),
        key: Some(keys().public_key().unwrap()),
    };
    let app = Router::new().fallback(handle).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = GatewayClient::new(GatewaySettings {
        base_url: format!("http://{addr}/"),
        account: AccountUuid::parse("0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f").unwrap(),
        payment_key: keys().private_key().clone(),
        payout_key: keys().private_key().clone(),
        digest: Digest::Sha1,
        timeout: Duration::from_millis(300),
    })
    .unwrap();
    (client, stub)
}

fn request() -> PaymentCreateRequest {
    PaymentCreateRequest::new(
        PaymentKind::Sbp {
            customer_code: None,
        },
        Amount::parse("1500.00").unwrap(),
        OrderId::parse("A-1-1").unwrap(),
        CustomerIp::parse("203.0.113.7").unwrap(),
        CustomerUserId::parse("u1").unwrap(),
    )
}

const CREATED: &str = r#"{"url":null,"payment_status":"wait","id":100000001,"uuid":"0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f","success_redirect_url":null,"cardNumber":"79990001122","cardHolderName":"Ivan P."}"#;
const FOUND: &str =
    r#"{"order_id":"A-1-1","id":100000001,"payment_status":"wait","amount":"1500.00"}"#;

#[tokio::test]
async fn create_signs_the_exact_bytes_and_reads_the_answer() {
    let (client, stub) = client_with(vec![Reply::Json(200, CREATED)]).await;
    let CreateOutcome::Created(created) = client.create_payment(&request()).await else {
        panic!("expected created");
    };
    assert_eq!(created.id.get(), 100_000_001);
    assert_eq!(created.card_number.as_deref(), Some("79990001122"));
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen[0].0, "/v1/payment");
    assert!(seen[0].1.contains(r#""amount":"1500.00""#), "{}", seen[0].1);
    assert_eq!(client.metrics().get("v1/payment").calls, 1);
}

#[tokio::test]
async fn refusals_are_typed_and_never_looked_up() {
    let cases = [
        (
            Reply::Json(
                400,
                r#"{"message":"The given data was invalid.","errors":{"amount":["The amount must be at least 10."]}}"#,
            ),
            "validation",
        ),
        (
            Reply::Json(401, r#"{"message":"Unauthenticated."}"#),
            "unauthenticated",
        ),
    ];
    for (reply, kind) in cases {
        let (client, stub) = client_with(vec![reply]).await;
        match (client.create_payment(&request()).await, kind) {
            (CreateOutcome::Refused(GatewayError::Validation(body)), "validation") => {
                assert_eq!(
                    body.first("amount"),
                    Some("The amount must be at least 10.")
                );
            }
            (CreateOutcome::Refused(GatewayError::Unauthenticated { hint }), "unauthenticated") => {
                assert!(hint.contains("gateway.digest"));
            }
            (other, _) => panic!("{kind}: {other:?}"),
        }
        assert_eq!(
            stub.seen.lock().unwrap().len(),
            1,
            "{kind}: no status lookup expected"
        );
    }
}

#[tokio::test]
async fn unknown_outcomes_look_the_order_up_before_answering() {
    // 5xx, then the lookup finds the payment.
    let (client, stub) = client_with(vec![
        Reply::Json(502, "bad gateway"),
        Reply::Json(200, FOUND),
    ])
    .await;
    match client.create_payment(&request()).await {
        CreateOutcome::Found { status, cause } => {
            assert_eq!(status.payment_status, PaymentStatus::Wait);
            assert!(matches!(cause, GatewayError::Upstream { status: 502 }));
        }
        other => panic!("{other:?}"),
    }
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(
        seen[1],
        (
            "/v1/payment/status".to_owned(),
            r#"{"order_id":"A-1-1"}"#.to_owned()
        )
    );

    // Garbled 200, then the lookup finds nothing.
    let (client, _) = client_with(vec![
        Reply::Json(200, r#"{"url":null,"payment_st"#),
        Reply::Json(404, r#"{"message":"Not found."}"#),
    ])
    .await;
    match client.create_payment(&request()).await {
        CreateOutcome::Unknown {
            cause,
            lookup: None,
        } => {
            assert!(matches!(cause, GatewayError::Malformed { .. }), "{cause:?}");
        }
        other => panic!("{other:?}"),
    }

    // Timeout, then the lookup fails too.
    let (client, _) = client_with(vec![Reply::Hang, Reply::Json(503, "")]).await;
    match client.create_payment(&request()).await {
        CreateOutcome::Unknown {
            cause: GatewayError::Timeout { .. },
            lookup: Some(GatewayError::Upstream { status: 503 }),
        } => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn status_lookup_misses_read_as_not_found() {
    let (client, _) = client_with(vec![
        Reply::Json(400, r#"{"message":"The given data was invalid.","errors":{"order_id":["The selected order id is invalid."]}}"#),
        Reply::Json(200, FOUND),
    ])
    .await;
    let order = OrderId::parse("A-1-1").unwrap();
    assert!(client.find_payment(&order).await.unwrap().is_none());
    let found = client
        .payment_status(&StatusRequest::OrderId(order))
        .await
        .unwrap();
    assert_eq!(found.id.get(), 100_000_001);
    assert_eq!(client.metrics().get("v1/payment/status").calls, 2);
    assert_eq!(client.metrics().get("v1/payment/status").failures, 1);
}
