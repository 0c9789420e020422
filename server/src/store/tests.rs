#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The SQL against a real SQLite file: round trips, conflicts, history order, atomic
//! changes, the list's filters and cursor, the reconciler's queries, persistence.

use std::time::Duration;

use shared::api::{
    AttemptState, Locale, Requisites, SessionId, SessionToken, StatusChange, StatusSource,
};
use shared::{
    Amount, CustomerIp, CustomerUserId, Description, GatewayPaymentId, HttpUrl, Method, OrderId,
    PaymentStatus, Phone, SessionStatus, UserAgent,
};
use time::macros::datetime;

use super::*;

fn session(order: &str, at: OffsetDateTime) -> SessionRecord {
    SessionRecord {
        id: SessionId::from(uuid::Uuid::new_v4()),
        token: SessionToken::parse(format!("tok{}", uuid::Uuid::new_v4().simple())).unwrap(),
        order_id: OrderId::parse(order).unwrap(),
        amount: Amount::parse("1500.00").unwrap(),
        customer_user_id: CustomerUserId::parse("u1").unwrap(),
        methods: vec![Method::Sbp, Method::CardForm],
        description: Some(Description::parse("Заказ / 1").unwrap()),
        locale: Locale::En,
        success_url: Some(HttpUrl::parse("https://shop.example.ru/ok").unwrap()),
        fail_url: None,
        metadata: Some(serde_json::from_value(serde_json::json!({"cart": [1, 2]})).unwrap()),
        status: SessionStatus::Open,
        paid_amount: None,
        needs_attention: false,
        current_attempt: None,
        created_at: at,
        updated_at: at,
        expires_at: at + Duration::from_secs(900),
    }
}

fn created(at: OffsetDateTime) -> StatusChange {
    StatusChange {
        status: SessionStatus::Open,
        payment_status: None,
        gateway_payment_id: None,
        source: StatusSource::Created,
        detail: None,
        at,
    }
}

fn attempt(s: &SessionRecord, number: u32) -> AttemptRecord {
    AttemptRecord {
        session_id: s.id,
        number,
        method: Method::Sbp,
        service: "payment_card_sbp_rub_card".into(),
        gateway_order_id: OrderId::parse(format!("{}-{number}", s.order_id)).unwrap(),
        state: AttemptState::Creating,
        gateway_payment_id: None,
        gateway_uuid: None,
        payment_status: None,
        paid_amount: None,
        requisites: None,
        customer_ip: CustomerIp::parse("203.0.113.7").unwrap(),
        user_agent: Some(UserAgent::parse("Mozilla/5.0").unwrap()),
        last_error: None,
        next_poll_at: None,
        poll_interval_secs: None,
        created_at: s.created_at,
        updated_at: s.created_at,
    }
}

/// The store these tests run against: a SQLite file in `dir`, or, when the test command
/// sets `CHECKOUT_TEST_DATABASE_URL` (its throwaway PostgreSQL cluster), a database of
/// that cluster named after `dir` — so reopening the same `dir` reopens the same data.
async fn open(dir: &std::path::Path) -> Store {
    let location = match std::env::var("CHECKOUT_TEST_DATABASE_URL") {
        Ok(admin) => {
            let name = format!(
                "store_{}",
                encode_hex(&openssl::sha::sha256(dir.as_os_str().as_encoded_bytes())[..8])
            );
            DatabaseLocation::Postgres(postgres_database(&admin, &name).await)
        }
        Err(_) => DatabaseLocation::Sqlite(dir.join("checkout.db")),
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

const T0: OffsetDateTime = datetime!(2026-11-27 12:00:00.123 UTC);

#[tokio::test]
async fn sessions_round_trip_and_order_ids_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let s = session("A-1", T0);
    store.insert_session(&s, &created(T0)).await.unwrap();
    assert_eq!(store.session_by_id(s.id).await.unwrap().unwrap(), s);
    assert_eq!(store.session_by_token(&s.token).await.unwrap().unwrap(), s);
    assert_eq!(
        store.session_id_by_token(&s.token).await.unwrap(),
        Some(s.id)
    );
    assert_eq!(store.session_by_order_id("A-1").await.unwrap().unwrap(), s);
    let dup = session("A-1", T0);
    assert!(matches!(
        store.insert_session(&dup, &created(T0)).await,
        Err(StoreError::Conflict { what: "order_id" })
    ));
    assert!(
        store.session_by_id(dup.id).await.unwrap().is_none(),
        "nothing half-written"
    );
    assert_eq!(store.history(s.id).await.unwrap(), vec![created(T0)]);
    let row = store
        .status_by_token(s.token.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.status, row.payment_status),
        (SessionStatus::Open, None)
    );
    assert_eq!(store.status_by_token("tok-unknown").await.unwrap(), None);
}

#[tokio::test]
async fn changes_are_atomic_and_history_is_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session("B-1", T0);
    store.insert_session(&s, &created(T0)).await.unwrap();
    assert_eq!(
        store.session_with_attempts(s.id).await.unwrap(),
        Some((s.clone(), vec![]))
    );
    let mut a = attempt(&s, 1);
    store.insert_attempt(&a).await.unwrap();
    assert!(matches!(
        store.insert_attempt(&a).await,
        Err(StoreError::Conflict { .. })
    ));

    let t1 = T0 + Duration::from_secs(1);
    a.state = AttemptState::Created;
    a.gateway_payment_id = Some(GatewayPaymentId::new(100_000_001).unwrap());
    a.payment_status = Some(PaymentStatus::Wait);
    a.requisites = Some(Requisites::Phone {
        phone: Phone::parse("79990001122").unwrap(),
        holder: Some("Ivan".into()),
        bank: None,
    });
    a.next_poll_at = Some(t1 + Duration::from_secs(10));
    a.poll_interval_secs = Some(10);
    a.updated_at = t1;
    s.status = SessionStatus::Pending;
    s.current_attempt = Some(1);
    s.updated_at = t1;
    let entry = StatusChange {
        status: SessionStatus::Pending,
        payment_status: Some(PaymentStatus::Wait),
        gateway_payment_id: a.gateway_payment_id,
        source: StatusSource::Pay,
        detail: Some("attempt 1: sbp".into()),
        at: t1,
    };
    store
        .commit(Change {
            session: Some(&s),
            attempt: Some(&a),
            history: Some(&entry),
            event: None,
        })
        .await
        .unwrap();
    assert_eq!(store.session_by_id(s.id).await.unwrap().unwrap(), s);
    assert_eq!(store.attempts(s.id).await.unwrap(), vec![a.clone()]);
    assert_eq!(
        store.status_by_token(s.token.as_str()).await.unwrap(),
        Some(StatusRow {
            id: s.id,
            status: SessionStatus::Pending,
            payment_status: Some(PaymentStatus::Wait),
            paid_amount: None,
            updated_at: t1,
            expires_at: s.expires_at,
        }),
        "the poll's one-query read sees the current attempt"
    );
    let gid = a.gateway_payment_id.unwrap();
    assert_eq!(store.attempt_by_gateway_id(gid).await.unwrap().unwrap(), a);
    assert_eq!(
        store
            .attempt_by_gateway_order_id("B-1-1")
            .await
            .unwrap()
            .unwrap(),
        a
    );
    assert_eq!(store.history(s.id).await.unwrap(), vec![created(T0), entry]);

    // A second attempt cannot take the same gateway id: the whole change is rolled back.
    let mut b = attempt(&s, 2);
    store.insert_attempt(&b).await.unwrap();
    b.gateway_payment_id = a.gateway_payment_id;
    let mut s2 = s.clone();
    s2.status = SessionStatus::Paid;
    let bad = StatusChange {
        source: StatusSource::Notification,
        ..created(t1)
    };
    assert!(
        store
            .commit(Change {
                session: Some(&s2),
                attempt: Some(&b),
                history: Some(&bad),
                event: None,
            })
            .await
            .is_err()
    );
    assert_eq!(
        store.session_by_id(s.id).await.unwrap().unwrap().status,
        SessionStatus::Pending
    );
    assert_eq!(store.history(s.id).await.unwrap().len(), 2);
    let mut stored_b = b.clone();
    stored_b.gateway_payment_id = None;
    assert_eq!(
        store.session_with_attempts(s.id).await.unwrap(),
        Some((s.clone(), vec![a, stored_b])),
        "the session and its attempts in order, read together"
    );
    assert_eq!(
        store
            .session_with_attempts(session("B-2", T0).id)
            .await
            .unwrap(),
        None
    );
}

/// Recovery's guarded write takes only while the attempt is in the state it was read in, and
/// an abandoned payment that still waits is polled like a created one.
#[tokio::test]
async fn guarded_attempt_writes_and_abandoned_payments_that_wait_are_polled() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session("G-1", T0);
    s.status = SessionStatus::Pending;
    store.insert_session(&s, &created(T0)).await.unwrap();
    let mut a = attempt(&s, 1);
    store.insert_attempt(&a).await.unwrap();
    // Another holder finished it meanwhile: created, shown, on its poll schedule.
    let mut shown = a.clone();
    shown.state = AttemptState::Created;
    shown.gateway_payment_id = Some(GatewayPaymentId::new(9).unwrap());
    shown.payment_status = Some(PaymentStatus::Wait);
    shown.next_poll_at = Some(T0 + Duration::from_secs(10));
    store.save_attempt(&shown).await.unwrap();
    // A stale copy, read while `creating`, is not written over it.
    a.state = AttemptState::Abandoned;
    a.last_error = Some("stale".into());
    assert!(
        !store
            .save_attempt_if(&a, AttemptState::Creating)
            .await
            .unwrap()
    );
    let now = &store.attempts(s.id).await.unwrap()[0];
    assert_eq!(now.state, AttemptState::Created);
    assert_eq!(now.last_error, None);
    // Read in the state it has: written.
    let mut abandoned = shown.clone();
    abandoned.state = AttemptState::Abandoned;
    assert!(
        store
            .save_attempt_if(&abandoned, AttemptState::Created)
            .await
            .unwrap()
    );
    let due = store
        .attempts_due_for_poll(T0 + Duration::from_secs(10), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "abandoned but waiting: still polled");
    assert_eq!(due[0].state, AttemptState::Abandoned);
    let claimed = store
        .claim_due_polls(T0 + Duration::from_secs(10), Duration::from_secs(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "claimed by the replicas' reconciler too");
}

#[tokio::test]
async fn reconciler_queries_and_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session("C-1", T0);
    s.status = SessionStatus::Pending;
    store.insert_session(&s, &created(T0)).await.unwrap();
    let mut a = attempt(&s, 1);
    a.state = AttemptState::Created;
    a.gateway_payment_id = Some(GatewayPaymentId::new(7).unwrap());
    a.payment_status = Some(PaymentStatus::Wait);
    a.next_poll_at = Some(T0 + Duration::from_secs(10));
    store.insert_attempt(&a).await.unwrap();
    let mut creating = attempt(&s, 2);
    creating.gateway_order_id = OrderId::parse("C-1-2").unwrap();
    store.insert_attempt(&creating).await.unwrap();

    assert!(
        store
            .attempts_due_for_poll(T0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store
        .attempts_due_for_poll(T0 + Duration::from_secs(10), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    store
        .schedule_poll(s.id, 1, Some(T0 + Duration::from_secs(30)), Some(20))
        .await
        .unwrap();
    assert!(
        store
            .attempts_due_for_poll(T0 + Duration::from_secs(29), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let creating_rows = store
        .attempts_in_state(AttemptState::Creating)
        .await
        .unwrap();
    assert_eq!(creating_rows.len(), 1);
    assert_eq!(creating_rows[0].number, 2);

    assert!(
        store
            .sessions_due_to_expire(T0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .sessions_due_to_expire(s.expires_at, 10)
            .await
            .unwrap(),
        vec![s.id]
    );
    // A final session is expired no more, but a gateway payment that still waits is polled
    // until the gateway says final (it can outlive its session and be paid late).
    s.status = SessionStatus::Expired;
    store
        .commit(Change {
            session: Some(&s),
            ..Change::default()
        })
        .await
        .unwrap();
    let due = store
        .attempts_due_for_poll(T0 + Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "still waiting at the gateway: still polled");
    a.payment_status = Some(PaymentStatus::Cancel);
    a.next_poll_at = None;
    store.save_attempt(&a).await.unwrap();
    assert!(
        store
            .attempts_due_for_poll(T0 + Duration::from_secs(60), 10)
            .await
            .unwrap()
            .is_empty(),
        "final at the gateway: polled no more"
    );
    assert!(
        store
            .sessions_due_to_expire(s.expires_at, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn list_filters_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut all = Vec::new();
    for i in 0..5u64 {
        let mut s = session(&format!("L-{i}"), T0 + Duration::from_secs(i));
        if i % 2 == 0 {
            s.status = SessionStatus::Paid;
        }
        store
            .insert_session(&s, &created(s.created_at))
            .await
            .unwrap();
        all.push(s);
    }
    let page = |filter: ListFilter| {
        let store = store.clone();
        async move { store.list_sessions(&filter).await.unwrap() }
    };
    let first = page(ListFilter {
        limit: 2,
        ..ListFilter::default()
    })
    .await;
    assert_eq!(
        first
            .iter()
            .map(|s| s.order_id.as_str())
            .collect::<Vec<_>>(),
        ["L-4", "L-3"]
    );
    let next = page(ListFilter {
        limit: 2,
        cursor: Some(crate::page::Cursor {
            created_at_ms: super::ms(first[1].created_at),
            id: first[1].id.to_string(),
        }),
        ..ListFilter::default()
    })
    .await;
    assert_eq!(
        next.iter().map(|s| s.order_id.as_str()).collect::<Vec<_>>(),
        ["L-2", "L-1"]
    );
    let paid = page(ListFilter {
        limit: 10,
        status: Some(SessionStatus::Paid),
        ..ListFilter::default()
    })
    .await;
    assert_eq!(paid.len(), 3);
    let window = page(ListFilter {
        limit: 10,
        created_from: Some(T0 + Duration::from_secs(1)),
        created_to: Some(T0 + Duration::from_secs(3)),
        ..ListFilter::default()
    })
    .await;
    assert_eq!(
        window
            .iter()
            .map(|s| s.order_id.as_str())
            .collect::<Vec<_>>(),
        ["L-2", "L-1"]
    );
    let counts = store.session_counts_by_status().await.unwrap();
    assert!(counts.contains(&("paid".to_owned(), 3)));
    assert!(counts.contains(&("open".to_owned(), 2)));
}

#[tokio::test]
async fn keys_receipts_and_a_reopened_file_keep_everything() {
    let dir = tempfile::tempdir().unwrap();
    let s = session("K-1", T0);
    {
        let store = open(dir.path()).await;
        store.insert_session(&s, &created(T0)).await.unwrap();
        store
            .insert_api_key(&[7; 32], "generated", T0)
            .await
            .unwrap();
        assert!(
            store
                .record_receipt("k1", None, None, "received", T0)
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_receipt("k1", None, None, "received", T0)
                .await
                .unwrap()
        );
        store.close().await;
    }
    let store = open(dir.path()).await;
    assert_eq!(store.session_by_id(s.id).await.unwrap().unwrap(), s);
    // A store that did not write the session finds its id by token in the database.
    assert_eq!(
        store.session_id_by_token(&s.token).await.unwrap(),
        Some(s.id)
    );
    assert_eq!(
        store
            .session_id_by_token(&session("K-2", T0).token)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .api_key_hashes()
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.sha256)
            .collect::<Vec<_>>(),
        vec![[7; 32]]
    );
    assert!(
        !store
            .record_receipt("k1", None, None, "received", T0)
            .await
            .unwrap()
    );
    store.forget_receipt("k1").await.unwrap();
    assert!(
        store
            .record_receipt("k1", None, None, "received", T0)
            .await
            .unwrap()
    );
    store.ping().await.unwrap();
}

#[tokio::test]
async fn a_stale_copy_never_overwrites_a_final_status() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut s = session("S-1", T0);
    store.insert_session(&s, &created(T0)).await.unwrap();
    let mut a = attempt(&s, 1);
    store.insert_attempt(&a).await.unwrap();
    s.status = SessionStatus::Pending;
    store
        .commit(Change {
            session: Some(&s),
            ..Change::default()
        })
        .await
        .unwrap();
    let stale = s.clone();
    let mut paid = s.clone();
    paid.status = SessionStatus::Paid;
    store
        .commit(Change {
            session: Some(&paid),
            ..Change::default()
        })
        .await
        .unwrap();
    let history_before = store.history(s.id).await.unwrap();

    // A writer holding the `pending` copy (read before the payment was applied) is refused,
    // and nothing of its change is kept: neither the attempt nor the history entry.
    a.state = AttemptState::Created;
    let entry = StatusChange {
        status: SessionStatus::Pending,
        payment_status: Some(PaymentStatus::Wait),
        gateway_payment_id: None,
        source: StatusSource::Pay,
        detail: None,
        at: T0,
    };
    let refused = store
        .commit(Change {
            session: Some(&stale),
            attempt: Some(&a),
            history: Some(&entry),
            event: None,
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::StaleSession { .. })),
        "{refused:?}"
    );
    let now = store.session_by_id(s.id).await.unwrap().unwrap();
    assert_eq!(now.status, SessionStatus::Paid);
    assert_eq!(store.history(s.id).await.unwrap(), history_before);
    assert_eq!(
        store.attempts(s.id).await.unwrap()[0].state,
        AttemptState::Creating
    );
    // Paid is final for good: not even another final status replaces it.
    let mut expired = paid.clone();
    expired.status = SessionStatus::Expired;
    assert!(matches!(
        store
            .commit(Change {
                session: Some(&expired),
                ..Change::default()
            })
            .await,
        Err(StoreError::StaleSession { .. })
    ));
    // Rewriting the status a row has is fine (current attempt / time only).
    store
        .commit(Change {
            session: Some(&paid),
            ..Change::default()
        })
        .await
        .unwrap();

    // The one allowed move out of a final status: money arriving after the session ended.
    let mut late = session("S-2", T0);
    store.insert_session(&late, &created(T0)).await.unwrap();
    late.status = SessionStatus::Expired;
    store
        .commit(Change {
            session: Some(&late),
            ..Change::default()
        })
        .await
        .unwrap();
    let mut reopened = late.clone();
    reopened.status = SessionStatus::Pending;
    assert!(matches!(
        store
            .commit(Change {
                session: Some(&reopened),
                ..Change::default()
            })
            .await,
        Err(StoreError::StaleSession { .. })
    ));
    late.status = SessionStatus::Paid;
    store
        .commit(Change {
            session: Some(&late),
            ..Change::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.session_by_id(late.id).await.unwrap().unwrap().status,
        SessionStatus::Paid
    );
}

#[tokio::test]
async fn notifications_name_their_session_and_refused_ones_are_pruned_by_age_and_count() {
    use super::notifications::NewNotification;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let s = session(&format!("n-{}", uuid::Uuid::new_v4().simple()), T0);
    store.insert_session(&s, &created(T0)).await.unwrap();
    let a = attempt(&s, 1);
    store.insert_attempt(&a).await.unwrap();
    let row = |at: OffsetDateTime, refused: bool, gateway_id: Option<i64>, order: Option<&str>| {
        NewNotification {
            received_at: at,
            refused,
            outcome: if refused { "bad_signature" } else { "changed" }.to_owned(),
            client: "198.51.100.7".to_owned(),
            kind: Some("payment".to_owned()),
            gateway_id,
            order_id: order.map(str::to_owned),
            excerpt: refused.then(|| "id=1&status=paid".to_owned()),
        }
    };
    // By order id (the gateway id is not known yet), by nothing of ours, and a payout's.
    let order = a.gateway_order_id.as_str();
    store
        .record_notification(&row(T0, false, Some(1), Some(order)))
        .await
        .unwrap();
    for i in 1..=3 {
        let at = T0 - time::Duration::days(11) + time::Duration::days(3 * i);
        store
            .record_notification(&row(at, true, Some(900_000 + i), None))
            .await
            .unwrap();
    }
    let mine = store
        .session_notifications(&s.id.to_string(), 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].session_id.as_deref(),
        Some(s.id.to_string().as_str())
    );
    assert!(!mine[0].received.refused);
    let untied = store.untied_refused_notifications(10).await.unwrap();
    let ids: Vec<_> = untied.iter().map(|n| n.received.gateway_id).collect();
    assert_eq!(ids, [Some(900_003), Some(900_002), Some(900_001)]);
    // Refused ones older than a week go, then all but the newest; accepted ones stay.
    let week_ago = T0 - time::Duration::days(7);
    assert_eq!(
        store
            .prune_refused_notifications(week_ago, 100)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .prune_refused_notifications(week_ago, 1)
            .await
            .unwrap(),
        1
    );
    let left = store.untied_refused_notifications(10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].received.gateway_id, Some(900_003));
    assert_eq!(
        store
            .session_notifications(&s.id.to_string(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
