#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The outbox's SQL against a real SQLite file: per-stream order, leases, retries, give-up,
//! re-send, the list, and the session hook in `commit`.

use std::time::Duration;

use shared::api::{Locale, SessionId, SessionToken, StatusChange, StatusSource};
use shared::{Amount, CustomerUserId, Method, OrderId, SessionStatus};
use time::macros::datetime;

use super::*;
use crate::config::DatabaseLocation;
use crate::store::{Backend, Change, ChangeEvent, SessionRecord};

/// The store under test: a SQLite file in `dir`, or, when the test command sets
/// `CHECKOUT_TEST_DATABASE_URL` (its throwaway PostgreSQL cluster), a database there named
/// after `dir`.
async fn open(dir: &std::path::Path) -> Store {
    let location = match std::env::var("CHECKOUT_TEST_DATABASE_URL") {
        Ok(admin) if !admin.trim().is_empty() => {
            let name = format!(
                "outbox_{}",
                crate::store::encode_hex(
                    &openssl::sha::sha256(dir.as_os_str().as_encoded_bytes())[..8]
                )
            );
            DatabaseLocation::Postgres(postgres_database(&admin, &name).await)
        }
        _ => DatabaseLocation::Sqlite(dir.join("checkout.db")),
    };
    Store::open(&location).await.unwrap()
}

/// Creates database `name` on the cluster of `admin` unless it exists; its URL.
async fn postgres_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    if exists.is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

const T0: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);
const LEASE: Duration = Duration::from_secs(40);

async fn put(store: &Store, stream: &str, at: OffsetDateTime) -> String {
    let mut tx = store.begin().await.unwrap();
    let id = enqueue(
        &mut tx,
        &NewEvent {
            kind: EventKind::PaymentPaid,
            stream: stream.to_owned(),
            subject_id: stream.trim_start_matches("session:").to_owned(),
            data: serde_json::json!({ "stream": stream }),
            livemode: false,
            at,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn ids(claimed: &[Claimed]) -> Vec<String> {
    let mut ids: Vec<String> = claimed.iter().map(|c| c.event.id.clone()).collect();
    ids.sort();
    ids
}

fn result(number: u32, next: NextStep, status: u16) -> AttemptResult {
    AttemptResult {
        attempt: DeliveryAttempt {
            number,
            endpoint_id: "default".into(),
            url: "http://127.0.0.1:9/hook".into(),
            started_at: T0,
            duration_ms: 3,
            status_code: Some(status),
            error: (status >= 300).then(|| format!("answered {status}")),
        },
        next,
    }
}

#[tokio::test]
async fn only_the_head_of_each_stream_is_claimed_and_the_next_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a1 = put(&store, "session:a", T0).await;
    let a2 = put(&store, "session:a", T0).await;
    let b1 = put(&store, "session:b", T0).await;
    assert_eq!(store.pending_event_count().await.unwrap(), 3);

    let first = store.claim_due_events(T0, LEASE, 10).await.unwrap();
    let mut expected = vec![a1.clone(), b1.clone()];
    expected.sort();
    assert_eq!(ids(&first), expected, "heads only, streams in parallel");
    // Leased: nothing more until a result or the lease's end.
    assert!(
        store
            .claim_due_events(T0, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // a1 fails and is retried in 10 s: a2 still waits behind it.
    let a1_claim = first.iter().find(|c| c.event.id == a1).unwrap();
    let retry = T0 + Duration::from_secs(10);
    store
        .record_event_attempt(
            &a1,
            &a1_claim.lease_owner,
            &result(1, NextStep::RetryAt(retry), 500),
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_due_events(T0, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_due_events(retry, LEASE, 10).await.unwrap();
    assert_eq!(ids(&again), vec![a1.clone()]);
    store
        .record_event_attempt(
            &a1,
            &again[0].lease_owner,
            &result(2, NextStep::Delivered, 204),
        )
        .await
        .unwrap();
    let next = store.claim_due_events(retry, LEASE, 10).await.unwrap();
    assert_eq!(ids(&next), vec![a2.clone()]);

    let a1_row = store.event_by_id(&a1).await.unwrap().unwrap();
    assert_eq!(a1_row.state, DeliveryState::Delivered);
    assert_eq!(a1_row.attempts, 2);
    assert_eq!(a1_row.endpoint_id.as_deref(), Some("default"));
    let attempts = store.event_attempts(&a1).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.number, a.status_code))
            .collect::<Vec<_>>(),
        vec![(1, Some(500)), (2, Some(204))]
    );
    assert_eq!(attempts[0].error.as_deref(), Some("answered 500"));
}

#[tokio::test]
async fn a_given_up_event_unblocks_its_stream_and_a_resend_goes_last() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a1 = put(&store, "session:a", T0).await;
    let a2 = put(&store, "session:a", T0).await;
    let c = store.claim_due_events(T0, LEASE, 1).await.unwrap();
    assert_eq!(ids(&c), vec![a1.clone()]);
    store
        .record_event_attempt(&a1, &c[0].lease_owner, &result(1, NextStep::GiveUp, 410))
        .await
        .unwrap();
    let failed = store.event_by_id(&a1).await.unwrap().unwrap();
    assert_eq!(failed.state, DeliveryState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("answered 410"));

    // Re-sent while a2 is pending: a1 queues behind it, with a fresh budget and same body.
    let later = T0 + Duration::from_secs(60);
    let resent = store.resend_event(&a1, later).await.unwrap().unwrap();
    assert_eq!(resent.state, DeliveryState::Pending);
    assert_eq!(resent.attempts, 0);
    assert_eq!(resent.body, failed.body);
    assert_eq!(resent.queued_at, later);
    let c = store.claim_due_events(later, LEASE, 10).await.unwrap();
    assert_eq!(ids(&c), vec![a2.clone()]);
    store
        .record_event_attempt(&a2, &c[0].lease_owner, &result(1, NextStep::Delivered, 200))
        .await
        .unwrap();
    let c = store.claim_due_events(later, LEASE, 10).await.unwrap();
    assert_eq!(ids(&c), vec![a1.clone()]);
    assert!(
        store
            .resend_event("evt_nope", later)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_late_result_keeps_its_hands_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a1 = put(&store, "session:a", T0).await;
    let old = store.claim_due_events(T0, LEASE, 10).await.unwrap();
    let after = T0 + LEASE + Duration::from_secs(1);
    let new = store.claim_due_events(after, LEASE, 10).await.unwrap();
    assert_eq!(ids(&new), vec![a1.clone()]);
    assert_ne!(old[0].lease_owner, new[0].lease_owner);
    // The first worker reports late: its attempt is kept, the state is the new owner's.
    store
        .record_event_attempt(
            &a1,
            &old[0].lease_owner,
            &result(1, NextStep::Delivered, 200),
        )
        .await
        .unwrap();
    let row = store.event_by_id(&a1).await.unwrap().unwrap();
    assert_eq!(row.state, DeliveryState::Pending);
    assert_eq!(store.event_attempts(&a1).await.unwrap().len(), 1);

    // A restart on SQLite frees the lease at once (one process owns the file); on
    // PostgreSQL another replica may hold it, so it runs out instead.
    let released = store.release_event_leases().await.unwrap();
    let due = match store.backend() {
        Backend::Sqlite => {
            assert_eq!(released, 1);
            after
        }
        Backend::Postgres => {
            assert_eq!(released, 0);
            assert!(
                store
                    .claim_due_events(after, LEASE, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            after + LEASE
        }
    };
    assert_eq!(
        ids(&store.claim_due_events(due, LEASE, 10).await.unwrap()),
        vec![a1]
    );
}

/// The worker that overran its lease and the one that took over report at the same moment,
/// through two pools (two replicas): both attempts are kept, numbered 1 and 2, and the
/// state is the current owner's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_reports_of_one_event_number_their_attempts_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let one = open(dir.path()).await;
    let two = open(dir.path()).await;
    for round in 0..10 {
        let id = put(&one, &format!("session:r{round}"), T0).await;
        let old = one.claim_due_events(T0, LEASE, 10).await.unwrap();
        let after = T0 + LEASE + Duration::from_secs(1);
        let new = two.claim_due_events(after, LEASE, 10).await.unwrap();
        assert_eq!(ids(&new), vec![id.clone()]);
        let delivered = result(1, NextStep::Delivered, 200);
        let (late, current) = tokio::join!(
            one.record_event_attempt(&id, &old[0].lease_owner, &delivered),
            two.record_event_attempt(&id, &new[0].lease_owner, &delivered),
        );
        late.unwrap();
        current.unwrap();
        let numbers: Vec<u32> = one
            .event_attempts(&id)
            .await
            .unwrap()
            .iter()
            .map(|a| a.number)
            .collect();
        assert_eq!(numbers, vec![1, 2], "round {round}");
        let row = one.event_by_id(&id).await.unwrap().unwrap();
        assert_eq!(row.state, DeliveryState::Delivered, "round {round}");
    }
}

/// A re-send and a new event of the same stream at the same moment, through two pools:
/// both get a place in the stream (neither fails on the `(stream, seq)` key).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resend_and_a_new_event_of_one_stream_take_turns_for_a_place() {
    let dir = tempfile::tempdir().unwrap();
    let one = open(dir.path()).await;
    let two = open(dir.path()).await;
    let first = put(&one, "session:s", T0).await;
    let claim = one.claim_due_events(T0, LEASE, 10).await.unwrap();
    one.record_event_attempt(
        &first,
        &claim[0].lease_owner,
        &result(1, NextStep::Delivered, 200),
    )
    .await
    .unwrap();
    let mut added = Vec::new();
    for _ in 0..10 {
        let (resent, new) = tokio::join!(one.resend_event(&first, T0), put(&two, "session:s", T0));
        assert_eq!(resent.unwrap().unwrap().state, DeliveryState::Pending);
        added.push(new);
        // Delivered again, so the next round's re-send moves it to the end once more.
        loop {
            let claimed = one.claim_due_events(T0, LEASE, 10).await.unwrap();
            let Some(c) = claimed.first() else { break };
            one.record_event_attempt(
                &c.event.id,
                &c.lease_owner,
                &result(1, NextStep::Delivered, 200),
            )
            .await
            .unwrap();
        }
    }
    for id in added.iter().chain([&first]) {
        let row = one.event_by_id(id).await.unwrap().unwrap();
        assert_eq!(row.state, DeliveryState::Delivered, "{id}");
    }
}

/// Two processes (two pools on one database) claiming at once never share an event: on
/// PostgreSQL through `FOR UPDATE SKIP LOCKED`, on SQLite through its single writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_take_the_same_event() {
    let dir = tempfile::tempdir().unwrap();
    let one = open(dir.path()).await;
    let two = open(dir.path()).await;
    let mut all = Vec::new();
    for i in 0..40 {
        all.push(put(&one, &format!("session:c{i}"), T0).await);
    }
    let mut tasks = Vec::new();
    for store in [one.clone(), two.clone(), one.clone(), two.clone()] {
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for _ in 0..10 {
                mine.extend(ids(&store.claim_due_events(T0, LEASE, 3).await.unwrap()));
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    claimed.sort();
    all.sort();
    assert_eq!(claimed, all, "every event claimed exactly once");
}

#[tokio::test]
async fn the_list_filters_and_pages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut all = Vec::new();
    for i in 0..5u64 {
        all.push(
            put(
                &store,
                &format!("session:s{i}"),
                T0 + Duration::from_secs(i),
            )
            .await,
        );
    }
    let page = |cursor: Option<crate::page::Cursor>| EventFilter {
        limit: 2,
        cursor,
        ..EventFilter::default()
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let items = store.list_events(&page(cursor.clone())).await.unwrap();
        if items.is_empty() {
            break;
        }
        let last = items.last().unwrap();
        cursor = Some(crate::page::Cursor {
            created_at_ms: crate::clock::unix_ms(last.created_at),
            id: last.id.clone(),
        });
        seen.extend(items.into_iter().map(|e| e.id));
    }
    all.reverse();
    assert_eq!(seen, all);
    let only = EventFilter {
        subject_id: Some("s3".into()),
        kind: Some(EventKind::PaymentPaid),
        state: Some(DeliveryState::Pending),
        limit: 10,
        ..EventFilter::default()
    };
    assert_eq!(store.list_events(&only).await.unwrap().len(), 1);
    let none = EventFilter {
        state: Some(DeliveryState::Delivered),
        limit: 10,
        ..EventFilter::default()
    };
    assert!(store.list_events(&none).await.unwrap().is_empty());
}

fn session(at: OffsetDateTime) -> SessionRecord {
    SessionRecord {
        id: SessionId::from(uuid::Uuid::new_v4()),
        token: SessionToken::parse(format!("tok{}", uuid::Uuid::new_v4().simple())).unwrap(),
        order_id: OrderId::parse(format!("o-{}", uuid::Uuid::new_v4().simple())).unwrap(),
        amount: Amount::parse("1500.00").unwrap(),
        customer_user_id: CustomerUserId::parse("u1").unwrap(),
        methods: vec![Method::Sbp],
        description: None,
        locale: Locale::En,
        success_url: None,
        fail_url: None,
        metadata: None,
        status: SessionStatus::Open,
        paid_amount: None,
        needs_attention: false,
        current_attempt: None,
        created_at: at,
        updated_at: at,
        expires_at: at + Duration::from_secs(900),
    }
}

fn change(status: SessionStatus, at: OffsetDateTime) -> StatusChange {
    StatusChange {
        status,
        payment_status: None,
        gateway_payment_id: None,
        source: StatusSource::Created,
        detail: None,
        at,
    }
}

fn announce(kind: EventKind, s: &SessionRecord, before: SessionStatus) -> ChangeEvent {
    ChangeEvent {
        kind,
        data: serde_json::json!({"id": s.id.to_string(), "status": s.status.as_str()}),
        livemode: false,
        status_before: before,
        paid_before: None,
    }
}

#[tokio::test]
async fn an_announced_event_is_written_in_the_same_commit_only_from_what_it_was_decided_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session(T0);
    store
        .insert_session(&s, &change(SessionStatus::Open, T0))
        .await
        .unwrap();
    let events = |store: Store, id: String| async move {
        store
            .list_events(&EventFilter {
                subject_id: Some(id),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap()
    };
    // No event announced: nothing.
    s.status = SessionStatus::Pending;
    store
        .commit(Change {
            session: Some(&s),
            ..Change::default()
        })
        .await
        .unwrap();
    assert!(events(store.clone(), s.id.to_string()).await.is_empty());

    s.status = SessionStatus::Expired;
    s.updated_at = T0 + Duration::from_secs(900);
    let entry = change(SessionStatus::Expired, s.updated_at);
    let expired = announce(EventKind::PaymentExpired, &s, SessionStatus::Pending);
    store
        .commit(Change {
            session: Some(&s),
            history: Some(&entry),
            event: Some(&expired),
            ..Change::default()
        })
        .await
        .unwrap();
    // A second writer that decided on the same `pending` (another replica): refused whole.
    assert!(matches!(
        store
            .commit(Change {
                session: Some(&s),
                history: Some(&entry),
                event: Some(&expired),
                ..Change::default()
            })
            .await,
        Err(StoreError::StaleSession { .. })
    ));
    let list = events(store.clone(), s.id.to_string()).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        store.history(s.id).await.unwrap().len(),
        2,
        "one entry, not two"
    );
    let e = &list[0];
    assert_eq!(e.kind, EventKind::PaymentExpired);
    assert_eq!(e.stream, format!("session:{}", s.id));
    assert_eq!(e.created_at, s.updated_at);
    let body: serde_json::Value = serde_json::from_str(&e.body).unwrap();
    assert_eq!(body["id"], e.id.as_str());
    assert_eq!(body["type"], "payment.expired");
    assert_eq!(body["created_at"], "2026-03-01T10:15:00Z");
    assert_eq!(body["data"]["id"], s.id.to_string());
    assert_eq!(body["data"]["status"], "expired");

    // Money after expiry: a new final status, a new event, behind the first in its stream.
    s.status = SessionStatus::Underpaid;
    s.paid_amount = Some(Amount::parse("1.00").unwrap());
    let underpaid = announce(EventKind::PaymentUnderpaid, &s, SessionStatus::Expired);
    store
        .commit(Change {
            session: Some(&s),
            event: Some(&underpaid),
            ..Change::default()
        })
        .await
        .unwrap();
    // More money: decided on `underpaid` with 1.00 received.
    s.status = SessionStatus::Paid;
    s.paid_amount = Some(Amount::parse("1500.00").unwrap());
    let mut whole = announce(EventKind::PaymentPaid, &s, SessionStatus::Underpaid);
    assert!(
        store
            .commit(Change {
                session: Some(&s),
                event: Some(&whole),
                ..Change::default()
            })
            .await
            .is_err(),
        "decided without the 1.00 already received: stale"
    );
    whole.paid_before = Some(Amount::parse("1.00").unwrap());
    store
        .commit(Change {
            session: Some(&s),
            event: Some(&whole),
            ..Change::default()
        })
        .await
        .unwrap();
    let stored = store.session_by_id(s.id).await.unwrap().unwrap();
    assert_eq!(stored.status, SessionStatus::Paid);
    assert_eq!(stored.paid_amount, Some(Amount::parse("1500.00").unwrap()));
    let list = events(store.clone(), s.id.to_string()).await;
    assert_eq!(list.len(), 3);
    let claimed = store
        .claim_due_events(T0 + Duration::from_secs(901), LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].event.kind, EventKind::PaymentExpired);
}

#[tokio::test]
async fn a_refused_change_writes_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session(T0);
    store
        .insert_session(&s, &change(SessionStatus::Open, T0))
        .await
        .unwrap();
    s.status = SessionStatus::Paid;
    let paid = announce(EventKind::PaymentPaid, &s, SessionStatus::Open);
    store
        .commit(Change {
            session: Some(&s),
            event: Some(&paid),
            ..Change::default()
        })
        .await
        .unwrap();
    // A stale copy trying to fail a paid session is refused, and so is its event.
    s.status = SessionStatus::Failed;
    let failed = announce(EventKind::PaymentFailed, &s, SessionStatus::Paid);
    assert!(matches!(
        store
            .commit(Change {
                session: Some(&s),
                event: Some(&failed),
                ..Change::default()
            })
            .await,
        Err(StoreError::StaleSession { .. })
    ));
    // Nor does a paid session ever become underpaid.
    s.status = SessionStatus::Underpaid;
    assert!(matches!(
        store
            .commit(Change {
                session: Some(&s),
                ..Change::default()
            })
            .await,
        Err(StoreError::StaleSession { .. })
    ));
    assert_eq!(store.pending_event_count().await.unwrap(), 1);
}

#[test]
fn kinds_round_trip_their_wire_names() {
    for kind in EventKind::ALL {
        assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
    }
    assert!("payment.done".parse::<EventKind>().is_err());
    assert_eq!(EventKind::for_session(SessionStatus::Pending), None);
    assert_eq!(
        EventKind::for_session(SessionStatus::Cancelled),
        Some(EventKind::PaymentCancelled)
    );
}
