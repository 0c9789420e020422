#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::Duration;

use crate::config::DatabaseLocation;
use crate::store::Store;

async fn open(dir: &std::path::Path) -> Store {
    Store::open(&DatabaseLocation::Sqlite(dir.join("checkout.db")))
        .await
        .unwrap()
}

async fn insert(tx: &mut crate::store::Tx, name: &str) {
    sqlx::query("INSERT INTO leases (name, holder, until_ms) VALUES ($1, 'test', 0)")
        .bind(name)
        .execute(&mut **tx)
        .await
        .unwrap();
}

async fn names(store: &Store) -> Vec<String> {
    sqlx::query_as::<_, (String,)>("SELECT name FROM leases ORDER BY name")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(n,)| n)
        .collect()
}

/// A transaction dropped half-way (its request went away) leaves nothing behind and
/// frees the file at once: another process's writer gets in well before its busy
/// timeout (10 s), and this store goes on writing.
#[tokio::test]
async fn a_dropped_transaction_is_rolled_back_and_frees_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let one = open(dir.path()).await;
    let other = open(dir.path()).await;
    let mut tx = one.begin().await.unwrap();
    insert(&mut tx, "dropped").await;
    drop(tx);
    let mut tx = tokio::time::timeout(Duration::from_secs(3), other.begin())
        .await
        .expect("the write lock was not given back")
        .unwrap();
    insert(&mut tx, "other").await;
    tx.commit().await.unwrap();
    let mut tx = one.begin().await.unwrap();
    insert(&mut tx, "after").await;
    tx.commit().await.unwrap();
    assert_eq!(names(&one).await, ["after", "other"]);
}

/// Many writers at once take turns on the one connection: none fails on a busy file,
/// each read-then-write inside its transaction sees the writes before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM leases")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            insert(&mut tx, &format!("n{n:02}")).await;
            tx.commit().await.unwrap();
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let expected: Vec<String> = (0..20).map(|n| format!("n{n:02}")).collect();
    assert_eq!(names(&store).await, expected);
}

/// A batch that fails half-way (here: its second statement breaks a key) keeps nothing
/// of its first, and the writer goes on; `RETURNING` rows come back; a statement made
/// conditional on a session's status changes nothing when the status is another.
#[tokio::test]
async fn a_failed_batch_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let insert = |name: &str| {
        super::Stmt::new("INSERT INTO leases (name, holder, until_ms) VALUES ($1, 't', 0)")
            .bind(name)
    };
    super::atomically(&store, &[&insert("a"), &insert("b")])
        .await
        .unwrap();
    assert!(
        super::atomically(&store, &[&insert("c"), &insert("a")])
            .await
            .is_err()
    );
    let rename = |from: &str, to: &str| {
        super::Stmt::new("UPDATE leases SET name = $1 WHERE name = $2 RETURNING name")
            .bind(to)
            .bind(from)
    };
    let remove = super::Stmt::new("DELETE FROM leases WHERE name = $1")
        .bind("a")
        .only_if_status("no such session", "open");
    let rows = super::atomically(&store, &[&rename("b", "d"), &remove])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the rename's RETURNING row");
    assert_eq!(
        names(&store).await,
        ["a", "d"],
        "the conditional delete did nothing"
    );
}

/// Writes queued at once share transactions, yet each gets its own answer: its own
/// `RETURNING` rows, and its own error (a taken key) without failing the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_writes_commit_together_and_answer_each_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.spawn(async move {
            // Every tenth write takes a name another write of the same ten has.
            let name = if i % 10 == 9 {
                format!("w{:02}", i - 1)
            } else {
                format!("w{i:02}")
            };
            let insert = super::Stmt::new(
                "INSERT INTO leases (name, holder, until_ms) VALUES ($1, 't', $2) \
                 RETURNING name, until_ms",
            )
            .bind(name.as_str())
            .bind(i64::from(i));
            (i, name, super::atomically(&store, &[&insert]).await)
        });
    }
    let mut taken = 0;
    while let Some(done) = tasks.join_next().await {
        let (i, name, result) = done.unwrap();
        match result {
            Ok(rows) => {
                assert_eq!(rows.len(), 1, "write {i}");
                let got: String = sqlx::Row::get(&rows[0], "name");
                let until: i64 = sqlx::Row::get(&rows[0], "until_ms");
                assert_eq!((got.as_str(), until), (name.as_str(), i64::from(i)));
            }
            Err(e) => {
                assert!(i % 10 == 8 || i % 10 == 9, "write {i}: {e}");
                taken += 1;
            }
        }
    }
    assert_eq!(taken, 4, "one of each pair sharing a name");
    assert_eq!(names(&store).await.len(), 36);
}
