#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::macros::datetime;

use super::*;
use crate::config::DatabaseLocation;
use crate::store::outbox::EventKind;

async fn open(dir: &std::path::Path) -> Store {
    Store::open(&DatabaseLocation::Sqlite(dir.join("payouts.db")))
        .await
        .unwrap()
}

fn record(key: &str, at: OffsetDateTime) -> PayoutRecord {
    let id = uuid::Uuid::new_v4();
    PayoutRecord {
        id: id.to_string(),
        idempotency_key: key.to_owned(),
        request_hash: "ab".repeat(32),
        request: PayoutRequest {
            amount: Amount::parse("1500.00").unwrap(),
            recipient: Recipient::Account {
                account: AccountNumber::parse("40817810099910004312").unwrap(),
                bic: Bic::parse("044525225").unwrap(),
                bank: Some(BankCode::parse("100000000111").unwrap()),
                holder: Some("Ivan Ivanov".into()),
            },
            order_id: Some(OrderId::parse("W-1").unwrap()),
            description: None,
        },
        service: "virtual_account_rub".into(),
        gateway_order_id: OrderId::parse(format!("po-{}", id.simple())).unwrap(),
        state: PayoutState::Sending,
        gateway_payout_id: None,
        gateway_status: None,
        paid_amount: None,
        rejection: None,
        last_error: None,
        sends: 1,
        first_not_found_at: None,
        version: 0,
        next_check_at: Some(at),
        check_interval_secs: None,
        created_at: at,
        updated_at: at,
        finished_at: None,
    }
}

#[tokio::test]
async fn payouts_round_trip_and_keys_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let at = datetime!(2026-11-28 10:00:00 UTC);
    let p = record("k-1", at);
    store.insert_payout(&p, "test").await.unwrap();
    assert_eq!(store.payout(&p.id).await.unwrap().unwrap(), p);
    assert_eq!(
        store
            .payout_by_idempotency_key("k-1")
            .await
            .unwrap()
            .unwrap(),
        p
    );
    assert_eq!(
        store
            .payout_by_gateway_order_id(p.gateway_order_id.as_str())
            .await
            .unwrap()
            .unwrap(),
        p
    );
    assert!(matches!(
        store.insert_payout(&record("k-1", at), "test").await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(p.status(), PayoutStatus::Creating);
}

#[tokio::test]
async fn writes_are_guarded_and_a_final_write_enqueues_its_event_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let at = datetime!(2026-11-28 10:00:00 UTC);
    let p = record("k-2", at);
    store.insert_payout(&p, "test").await.unwrap();

    let mut sent = p.clone();
    sent.state = PayoutState::Sent;
    sent.gateway_payout_id = Some(GatewayPaymentId::new(100_000_007).unwrap());
    sent.gateway_status = Some(PaymentStatus::Wait);
    assert!(store.update_payout(&mut sent, None, None).await.unwrap());
    assert_eq!(sent.version, 1);
    assert_eq!(
        store.payout_counts_by_status().await.unwrap(),
        [("pending".to_owned(), 1)]
    );

    // A writer holding the old version loses, and nothing of its write (event included) lands.
    let mut stale = p.clone();
    stale.state = PayoutState::Refused;
    let event = NewEvent {
        kind: EventKind::PayoutFailed,
        stream: format!("payout:{}", p.id),
        subject_id: p.id.clone(),
        data: serde_json::json!({"id": p.id}),
        livemode: false,
        at,
    };
    let change = |source: &str, r: &PayoutRecord| crate::store::PayoutChange {
        at,
        source: source.to_owned(),
        state: r.state,
        status: r.status(),
        gateway_status: r.gateway_status,
        detail: None,
    };
    let polled = change("poll", &stale);
    assert!(
        !store
            .update_payout(&mut stale, Some(&event), Some(&polled))
            .await
            .unwrap()
    );
    assert_eq!(store.pending_event_count().await.unwrap(), 0);
    // Its history entry did not land either; the creation's did.
    let history = store.payout_history(&p.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].source.as_str(), history[0].detail.as_deref()),
        ("created", Some("test"))
    );
    assert_eq!(history[0].status, PayoutStatus::Creating);

    let mut paid = sent.clone();
    paid.gateway_status = Some(PaymentStatus::Paid);
    paid.finished_at = Some(at);
    paid.next_check_at = None;
    let event = NewEvent {
        kind: EventKind::PayoutPaid,
        ..event
    };
    let notified = change("notification", &paid);
    assert!(
        store
            .update_payout(&mut paid, Some(&event), Some(&notified))
            .await
            .unwrap()
    );
    assert_eq!(store.pending_event_count().await.unwrap(), 1);
    let read = store
        .payout_by_gateway_id(GatewayPaymentId::new(100_000_007).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, paid);
    assert_eq!(read.status(), PayoutStatus::Paid);
    assert!(store.payouts_due(at, 10).await.unwrap().is_empty());
    let sources: Vec<(String, PayoutStatus)> = store
        .payout_history(&p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.source, h.status))
        .collect();
    assert_eq!(
        sources,
        [
            ("created".to_owned(), PayoutStatus::Creating),
            ("notification".to_owned(), PayoutStatus::Paid)
        ]
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_due_checks_follow_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let t0 = datetime!(2026-11-28 10:00:00 UTC);
    let a = record("a", t0);
    let b = record("b", t0 + time::Duration::seconds(1));
    let mut c = record("c", t0 + time::Duration::seconds(2));
    c.next_check_at = None;
    for p in [&a, &b, &c] {
        store.insert_payout(p, "test").await.unwrap();
    }
    let ids = |v: Vec<PayoutRecord>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_payouts(2, None).await.unwrap()),
        [c.id.as_str(), b.id.as_str()]
    );
    let after = Some(crate::page::Cursor {
        created_at_ms: crate::clock::unix_ms(b.created_at),
        id: b.id.clone(),
    });
    assert_eq!(
        ids(store.list_payouts(2, after).await.unwrap()),
        [a.id.as_str()]
    );
    assert_eq!(
        ids(store.payouts_due(t0, 10).await.unwrap()),
        [a.id.as_str()]
    );
    assert_eq!(
        ids(store
            .payouts_due(t0 + time::Duration::seconds(5), 10)
            .await
            .unwrap()),
        [a.id.as_str(), b.id.as_str()]
    );
    assert_eq!(
        store
            .payouts_in_state(PayoutState::Sending)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn an_unresolved_payout_keeps_its_first_not_found_time_and_counts_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let at = datetime!(2026-11-28 10:00:00 UTC);
    let p = record("k-u", at);
    store.insert_payout(&p, "test").await.unwrap();
    let mut unsure = p.clone();
    unsure.state = PayoutState::Unresolved;
    unsure.sends = 2;
    unsure.first_not_found_at = Some(at + time::Duration::seconds(1));
    assert!(store.update_payout(&mut unsure, None, None).await.unwrap());
    let read = store.payout(&p.id).await.unwrap().unwrap();
    assert_eq!(read, unsure);
    assert_eq!(read.status(), PayoutStatus::Unknown);
    assert_eq!(
        store.payout_counts_by_status().await.unwrap(),
        [("unknown".to_owned(), 1)]
    );
}
