#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The payout service against a scripted stub gateway and a manual clock: what an unknown
//! create outcome, lookups, the re-send and its refusal do to the stored payout.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use shared::{AccountUuid, BankCode};
use time::macros::datetime;

use crate::clock::Clock;
use crate::config::{DatabaseLocation, ReconcilerConfig};
use crate::gateway::{GatewayClient, GatewaySettings};
use crate::payouts::{
    IdempotencyKey, PayoutBody, PayoutError, PayoutSettings, PayoutStatus, PayoutView, Payouts,
    reconciler,
};
use crate::signing::{Digest, GeneratedKeys};
use crate::store::Store;

/// Scripted answers, in call order, and the paths called.
#[derive(Clone, Default)]
struct Stub {
    replies: Arc<Mutex<VecDeque<(u16, String)>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Stub {
    fn script(&self, replies: &[(u16, &str)]) {
        let owned = replies.iter().map(|(s, b)| (*s, (*b).to_owned()));
        self.replies.lock().unwrap().extend(owned);
    }

    /// The paths called since the last look.
    fn take_seen(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

async fn answer(State(stub): State<Stub>, uri: Uri) -> Response {
    stub.seen.lock().unwrap().push(uri.path().to_owned());
    let (status, body) = stub
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| panic!("unscripted call to {}", uri.path()));
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

const NOT_FOUND: (u16, &str) = (404, r#"{"message":"Not found."}"#);
const BROKEN: (u16, &str) = (500, r#"{"message":"Server Error"}"#);
const NO_FUNDS: (u16, &str) = (
    400,
    r#"{"message":"The given data was invalid.","errors":{"amount":["Insufficient funds."]}}"#,
);

struct Harness {
    payouts: Payouts,
    stub: Stub,
    clock: Clock,
    _dir: tempfile::TempDir,
}

async fn harness() -> Harness {
    let stub = Stub::default();
    let app = Router::new().fallback(answer).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let keys = GeneratedKeys::generate(2048).unwrap();
    let gateway = GatewayClient::new(GatewaySettings {
        base_url: format!("http://{addr}/"),
        account: AccountUuid::parse("0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f").unwrap(),
        payment_key: keys.private_key().clone(),
        payout_key: keys.private_key().clone(),
        digest: Digest::Sha1,
        timeout: Duration::from_millis(500),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DatabaseLocation::Sqlite(dir.path().join("p.db")))
        .await
        .unwrap();
    let clock = Clock::manual(datetime!(2026-11-28 10:00:00 UTC));
    let settings = PayoutSettings {
        default_bank: BankCode::parse("100000000111").unwrap(),
        notification_url: None,
        gateway_timeout: Duration::from_millis(500),
        livemode: false,
        reconciler: ReconcilerConfig {
            tick: Duration::from_millis(100),
            first_poll: Duration::from_secs(10),
            max_poll: Duration::from_secs(300),
            min_call_interval: Duration::from_secs(10),
            payout_grace: Duration::from_secs(600),
        },
    };
    Harness {
        payouts: Payouts::new(store, gateway, clock.clone(), settings),
        stub,
        clock,
        _dir: dir,
    }
}

impl Harness {
    /// Moves the clock and runs one reconciler round.
    async fn later(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
        reconciler::tick(&self.payouts).await;
    }

    async fn status(&self, id: &str) -> PayoutView {
        self.payouts.get(id).await.unwrap()
    }
}

fn body() -> PayoutBody {
    serde_json::from_value(serde_json::json!({"kind": "sbp", "amount": "800.00",
        "phone": "79031112233", "bank_member_id": "100000000111"}))
    .unwrap()
}

fn found(order: &str, status: &str) -> String {
    format!(
        r#"{{"order_id":"{order}","id":100000042,"payment_status":"{status}","amount":"800.00","payment_amount":"800.00"}}"#
    )
}

#[tokio::test]
async fn a_refused_resend_is_unknown_never_rejected_and_a_later_paid_status_settles_it() {
    let h = harness().await;
    // The create's outcome is lost (5xx) and the gateway has no such payout yet.
    h.stub.script(&[BROKEN, NOT_FOUND]);
    let created = h
        .payouts
        .create(IdempotencyKey::parse(b"R-1").unwrap(), &body(), "test")
        .await
        .unwrap();
    let id = created.payout.id.clone();
    assert_eq!(created.payout.status, PayoutStatus::Creating);
    assert_eq!(h.stub.take_seen(), ["/v1/payout", "/v1/payout/status"]);

    // "No such payout" inside the grace period: looked up, not sent.
    h.stub.script(&[NOT_FOUND]);
    h.later(300).await;
    assert_eq!(h.stub.take_seen(), ["/v1/payout/status"]);
    assert_eq!(h.status(&id).await.status, PayoutStatus::Creating);

    // Still "no such payout" past it: sent again; the gateway refuses the amount (the first
    // send may have taken it): `unknown`, with its event, not `rejected`.
    h.stub.script(&[NOT_FOUND, NO_FUNDS]);
    h.later(301).await;
    assert_eq!(h.stub.take_seen(), ["/v1/payout/status", "/v1/payout"]);
    let unknown = h.status(&id).await;
    assert_eq!(unknown.status, PayoutStatus::Unknown);
    assert!(unknown.finished_at.is_none());
    assert!(unknown.error_details.is_none(), "{unknown:?}");
    let store = h.payouts.store();
    assert_eq!(store.pending_event_count().await.unwrap(), 1);

    // Only looked up from now on, whatever the gateway says.
    h.stub.script(&[NOT_FOUND]);
    h.later(700).await;
    assert_eq!(h.stub.take_seen(), ["/v1/payout/status"]);
    assert_eq!(h.status(&id).await.status, PayoutStatus::Unknown);
    assert_eq!(store.pending_event_count().await.unwrap(), 1);

    // The gateway reports it paid: settled, with its event.
    let paid = found(&unknown.gateway_order_id, "paid");
    h.stub.script(&[(200, &paid)]);
    h.later(700).await;
    assert_eq!(h.stub.take_seen(), ["/v1/payout/status"]);
    let settled = h.status(&id).await;
    assert_eq!(settled.status, PayoutStatus::Paid);
    assert_eq!(settled.gateway_payout_id, Some(100_000_042));
    assert_eq!(settled.paid_amount.as_deref(), Some("800.00"));
    assert_eq!(store.pending_event_count().await.unwrap(), 2);
    // Final: nothing is looked up any more.
    h.later(86_400).await;
    assert!(h.stub.take_seen().is_empty());
}

#[tokio::test]
async fn only_the_first_sends_refusal_of_our_request_rejects_and_refresh_asks_now() {
    let h = harness().await;
    h.stub.script(&[NO_FUNDS]);
    let refused = h
        .payouts
        .create(IdempotencyKey::parse(b"R-2").unwrap(), &body(), "test")
        .await;
    assert!(matches!(refused, Err(PayoutError::Gateway(_))));
    let rejected = h.payouts.list(10, None).await.unwrap().items.remove(0);
    assert_eq!(rejected.status, PayoutStatus::Rejected);
    assert_eq!(h.stub.take_seen(), ["/v1/payout"]);
    // A final payout is answered as stored, without a call.
    let again = h.payouts.refresh(&rejected.id).await.unwrap();
    assert_eq!(again.status, PayoutStatus::Rejected);
    assert!(h.stub.take_seen().is_empty());

    // A lost answer; a refresh looks the order id up now and takes the payout over.
    h.stub.script(&[BROKEN, NOT_FOUND]);
    let created = h
        .payouts
        .create(IdempotencyKey::parse(b"R-3").unwrap(), &body(), "test")
        .await
        .unwrap();
    h.stub.take_seen();
    let pending = found(&created.payout.gateway_order_id, "wait");
    h.stub.script(&[(200, &pending)]);
    let refreshed = h.payouts.refresh(&created.payout.id).await.unwrap();
    assert_eq!(refreshed.status, PayoutStatus::Pending);
    assert_eq!(h.stub.take_seen(), ["/v1/payout/status"]);
    // A failed lookup is the gateway's error; the payout is unchanged.
    h.stub.script(&[BROKEN]);
    let failed = h.payouts.refresh(&created.payout.id).await;
    assert!(matches!(failed, Err(PayoutError::Gateway(_))));
    assert_eq!(
        h.status(&created.payout.id).await.status,
        PayoutStatus::Pending
    );
}
