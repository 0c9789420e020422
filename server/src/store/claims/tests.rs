#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Claims, the upstream gate, leases and change notifications, each between two `Store`s on
//! one database (two replicas): a SQLite file, or a PostgreSQL database of the test
//! command's cluster when `CHECKOUT_TEST_DATABASE_URL` is set.

use std::time::Duration;

use shared::api::{AttemptState, Locale, SessionId, SessionToken, StatusChange, StatusSource};
use shared::{
    Amount, CustomerIp, CustomerUserId, GatewayPaymentId, Method, OrderId, PaymentStatus,
    SessionStatus,
};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::config::DatabaseLocation;
use crate::store::{AttemptRecord, Backend, Change, SessionRecord, Store, StoreError};

const T0: OffsetDateTime = datetime!(2026-11-28 12:00:00 UTC);
const LEASE: Duration = Duration::from_secs(10);

/// A fresh database: a file in `dir`, or a new database on the test cluster.
async fn location(dir: &std::path::Path) -> DatabaseLocation {
    let Ok(admin) = std::env::var("CHECKOUT_TEST_DATABASE_URL") else {
        return DatabaseLocation::Sqlite(dir.join("checkout.db"));
    };
    use sqlx::Connection as _;
    let name = format!("claims_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    DatabaseLocation::Postgres(format!("{base}/{name}"))
}

/// Two stores ("replicas") on one fresh database.
async fn replicas(dir: &std::path::Path) -> (Store, Store, DatabaseLocation) {
    let at = location(dir).await;
    let a = Store::open(&at).await.unwrap();
    let b = Store::open(&at).await.unwrap();
    (a, b, at)
}

/// A session with one created, waiting attempt (gateway id `gid`) due for a poll at `T0`.
async fn waiting_payment(store: &Store, gid: u64) -> (SessionRecord, AttemptRecord) {
    let id = SessionId::from(uuid::Uuid::new_v4());
    let order = format!("R-{gid}");
    let session = SessionRecord {
        id,
        token: SessionToken::parse(format!("tok{}", uuid::Uuid::new_v4().simple())).unwrap(),
        order_id: OrderId::parse(&order).unwrap(),
        amount: Amount::parse("10.00").unwrap(),
        customer_user_id: CustomerUserId::parse("u1").unwrap(),
        methods: vec![Method::Sbp],
        description: None,
        locale: Locale::Ru,
        success_url: None,
        fail_url: None,
        metadata: None,
        status: SessionStatus::Open,
        paid_amount: None,
        needs_attention: false,
        current_attempt: None,
        created_at: T0,
        updated_at: T0,
        expires_at: T0 + Duration::from_secs(900),
    };
    let created = StatusChange {
        status: SessionStatus::Open,
        payment_status: None,
        gateway_payment_id: None,
        source: StatusSource::Created,
        detail: None,
        at: T0,
    };
    store.insert_session(&session, &created).await.unwrap();
    let attempt = AttemptRecord {
        session_id: id,
        number: 1,
        method: Method::Sbp,
        service: "payment_card_sbp_rub_card".into(),
        gateway_order_id: OrderId::parse(format!("{order}-1")).unwrap(),
        state: AttemptState::Created,
        gateway_payment_id: GatewayPaymentId::new(gid).ok(),
        gateway_uuid: None,
        payment_status: Some(PaymentStatus::Wait),
        paid_amount: None,
        requisites: None,
        customer_ip: CustomerIp::parse("203.0.113.7").unwrap(),
        user_agent: None,
        last_error: None,
        next_poll_at: Some(T0),
        poll_interval_secs: Some(10),
        created_at: T0,
        updated_at: T0,
    };
    store.insert_attempt(&attempt).await.unwrap();
    (session, attempt)
}

#[tokio::test]
async fn due_polls_are_claimed_by_one_replica_once_per_lease() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _) = replicas(dir.path()).await;
    let mut gids = Vec::new();
    for gid in 100_000_001..=100_000_012 {
        waiting_payment(&a, gid).await;
        gids.push(gid);
    }
    // Both replicas claim at once, in small batches, until nothing is due.
    let claim_all = |store: Store| async move {
        let mut mine = Vec::new();
        loop {
            let batch = store.claim_due_polls(T0, LEASE, 3).await.unwrap();
            if batch.is_empty() {
                return mine;
            }
            for claimed in batch {
                assert_eq!(
                    claimed.next_poll_at,
                    Some(T0 + LEASE),
                    "the lease is written"
                );
                mine.push(claimed.gateway_payment_id.unwrap().get());
            }
        }
    };
    let (mine_a, mine_b) = tokio::join!(claim_all(a.clone()), claim_all(b.clone()));
    let mut all: Vec<u64> = mine_a.iter().chain(&mine_b).copied().collect();
    all.sort_unstable();
    assert_eq!(all, gids, "every due payment claimed exactly once");

    let just_before = T0 + LEASE - Duration::from_millis(1);
    assert!(
        a.claim_due_polls(just_before, LEASE, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        b.claim_due_polls(T0 + LEASE, LEASE, 50)
            .await
            .unwrap()
            .len(),
        12
    );
}

#[tokio::test]
async fn the_upstream_gate_lets_one_call_through_per_interval_across_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _) = replicas(dir.path()).await;
    waiting_payment(&a, 100_000_101).await;
    let gid = GatewayPaymentId::new(100_000_101).unwrap();
    let (ra, rb) = tokio::join!(
        a.gate_upstream_call(gid, T0, LEASE),
        b.gate_upstream_call(gid, T0, LEASE)
    );
    let mut results = [ra.unwrap(), rb.unwrap()];
    results.sort();
    assert_eq!(
        results,
        [None, Some(LEASE)],
        "one through, the other told to wait"
    );
    let later = T0 + Duration::from_secs(3);
    assert_eq!(
        a.gate_upstream_call(gid, later, LEASE).await.unwrap(),
        Some(Duration::from_secs(7))
    );
    assert_eq!(
        b.gate_upstream_call(gid, T0 + LEASE, LEASE).await.unwrap(),
        None
    );
    let unknown = GatewayPaymentId::new(999_999_999).unwrap();
    assert_eq!(
        a.gate_upstream_call(unknown, T0, LEASE).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_lease_has_one_holder_until_it_is_released_or_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, _) = replicas(dir.path()).await;
    let until = T0 + LEASE;
    let (ga, gb) = tokio::join!(
        a.acquire_lease("session:x", "replica-a", T0, until),
        b.acquire_lease("session:x", "replica-b", T0, until)
    );
    assert!(ga.unwrap() ^ gb.unwrap(), "exactly one holder");
    let (holder, other, other_store) = if a
        .acquire_lease("session:x", "replica-a", T0, until)
        .await
        .unwrap()
    {
        ("replica-a", "replica-b", &b)
    } else {
        ("replica-b", "replica-a", &a)
    };
    assert!(
        !other_store
            .acquire_lease("session:x", other, T0 + Duration::from_secs(5), until)
            .await
            .unwrap()
    );
    assert!(
        a.acquire_lease("session:y", other, T0, until)
            .await
            .unwrap(),
        "other names are independent"
    );
    // Releasing someone else's lease does nothing; the holder's release frees it.
    other_store.release_lease("session:x", other).await.unwrap();
    assert!(
        !other_store
            .acquire_lease("session:x", other, T0, until)
            .await
            .unwrap()
    );
    a.release_lease("session:x", holder).await.unwrap();
    assert!(
        other_store
            .acquire_lease("session:x", other, T0, until)
            .await
            .unwrap()
    );
    // A holder that never releases (crashed) loses the lease when it runs out.
    assert!(
        !a.acquire_lease("session:x", holder, T0, until)
            .await
            .unwrap()
    );
    assert!(
        a.acquire_lease("session:x", holder, until, until + LEASE)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn committed_changes_are_announced_to_every_listener_rolled_back_ones_never() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _b, at) = replicas(dir.path()).await;
    let DatabaseLocation::Postgres(url) = at else {
        assert_eq!(a.backend(), Backend::Sqlite);
        eprintln!("SQLite: one process, no notifications (set CHECKOUT_TEST_DATABASE_URL)");
        return;
    };
    let (tx, mut signals) = tokio::sync::mpsc::channel(16);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let listener = crate::store::spawn_listener(url, tx, OffsetDateTime::now_utc, shutdown);
    let (mut session, attempt) = waiting_payment(&a, 100_000_201).await;
    // The listener connects in the background: announce until it hears (no fixed sleep).
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            a.save_attempt(&attempt).await.unwrap();
            if let Ok(Some(signal)) =
                tokio::time::timeout(Duration::from_millis(200), signals.recv()).await
            {
                return signal;
            }
        }
    })
    .await
    .expect("the listener hears a committed change");
    assert_eq!(heard, crate::store::StatusSignal::Changed(session.id));

    // A refused change (a stale copy over a final status) rolls back: never announced.
    session.status = SessionStatus::Paid;
    a.commit(Change {
        session: Some(&session),
        attempt: None,
        history: None,
        event: None,
    })
    .await
    .unwrap();
    let (quiet, mut quiet_attempt) = waiting_payment(&a, 100_000_202).await;
    let mut final_copy = quiet.clone();
    final_copy.status = SessionStatus::Paid;
    let mut stale = final_copy.clone();
    a.commit(Change {
        session: Some(&final_copy),
        ..Change::default()
    })
    .await
    .unwrap();
    stale.status = SessionStatus::Cancelled;
    quiet_attempt.payment_status = Some(PaymentStatus::Cancel);
    let refused = a
        .commit(Change {
            session: Some(&stale),
            attempt: Some(&quiet_attempt),
            history: None,
            event: None,
        })
        .await;
    assert!(matches!(refused, Err(StoreError::StaleSession { .. })));
    // And a transaction that locks a session but is dropped announces nothing either.
    let (never, _) = waiting_payment(&a, 100_000_203).await;
    let mut tx = a.begin().await.unwrap();
    a.lock_session(&mut tx, &never.id.to_string())
        .await
        .unwrap();
    drop(tx);
    let (marker, marker_attempt) = waiting_payment(&a, 100_000_204).await;
    a.save_attempt(&marker_attempt).await.unwrap();
    let mut heard = Vec::new();
    while heard.last() != Some(&marker.id) {
        let next = tokio::time::timeout(Duration::from_secs(10), signals.recv()).await;
        match next.expect("the marker change is heard") {
            Some(crate::store::StatusSignal::Changed(id)) => heard.push(id),
            other => panic!("unexpected {other:?}"),
        }
    }
    // Committed: `session` (paid) once or more, `quiet` once (its paid). Never `never`.
    assert!(
        heard.contains(&session.id) && heard.contains(&quiet.id),
        "{heard:?}"
    );
    assert!(!heard.contains(&never.id), "{heard:?}");
    assert_eq!(
        heard.iter().filter(|id| **id == quiet.id).count(),
        1,
        "the refused change of `quiet` was not announced: {heard:?}"
    );
    listener.abort();
}

#[tokio::test]
async fn sessions_written_since_a_time_are_found_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _b, _) = replicas(dir.path()).await;
    let (old, _) = waiting_payment(&a, 100_000_301).await;
    let (mut new, _) = waiting_payment(&a, 100_000_302).await;
    new.updated_at = T0 + Duration::from_secs(60);
    new.status = SessionStatus::Pending;
    a.commit(Change {
        session: Some(&new),
        attempt: None,
        history: None,
        event: None,
    })
    .await
    .unwrap();
    assert_eq!(
        a.sessions_updated_since(T0 + Duration::from_secs(1), 10)
            .await
            .unwrap(),
        vec![new.id]
    );
    assert_eq!(
        a.sessions_updated_since(T0, 10).await.unwrap(),
        vec![new.id, old.id]
    );
    assert_eq!(a.sessions_updated_since(T0, 1).await.unwrap(), vec![new.id]);
}

#[tokio::test]
async fn a_listener_whose_connection_dies_reconnects_and_asks_for_a_resync() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _b, at) = replicas(dir.path()).await;
    let DatabaseLocation::Postgres(url) = at else {
        eprintln!("SQLite: one process, no listener (set CHECKOUT_TEST_DATABASE_URL)");
        return;
    };
    let (tx, mut signals) = tokio::sync::mpsc::channel(16);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let listener = crate::store::spawn_listener(url.clone(), tx, OffsetDateTime::now_utc, shutdown);
    let (session, attempt) = waiting_payment(&a, 100_000_401).await;
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            a.save_attempt(&attempt).await.unwrap();
            if let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(200), signals.recv()).await
            {
                return;
            }
        }
    })
    .await
    .expect("the listener hears a committed change");
    let alive = OffsetDateTime::now_utc();

    // The server drops the listening connection (a failover, a restart, a network cut).
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    let killed: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(killed, vec![(true,)], "one listening connection");
    let resync = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match signals.recv().await {
                Some(crate::store::StatusSignal::Resync { since }) => return since,
                Some(crate::store::StatusSignal::Changed(_)) => continue,
                None => panic!("the listener stopped"),
            }
        }
    })
    .await
    .expect("a resync after the reconnect");
    assert!(
        resync <= alive,
        "it covers everything since the last sign of life"
    );
    // And it listens again.
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            a.save_attempt(&attempt).await.unwrap();
            if let Ok(Some(signal)) =
                tokio::time::timeout(Duration::from_millis(200), signals.recv()).await
            {
                return signal;
            }
        }
    })
    .await
    .expect("listening again after the reconnect");
    assert_eq!(heard, crate::store::StatusSignal::Changed(session.id));
    listener.abort();
}
