//! Two `serve` replicas on one PostgreSQL database, both in gateway mode against ONE external
//! `alikassa-checkout sandbox` (so they share a gateway, as real replicas do): an SSE stream on
//! one replica hears a payment marked paid through the other; parallel pays spread over both
//! make one gateway payment; one order id gives one session; the reconciler and the buyer's
//! check together call the gateway at most once per payment per interval.
//!
//! Needs the test command's cluster: skipped (with a notice) unless
//! `CHECKOUT_TEST_DATABASE_URL` is set (`scripts/test.sh` sets it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use e2e::gateway::{StandaloneGateway, free_port};
use e2e::server::{Checkout, Reply};
use e2e::{TempDir, database, temp_dir};
use serde_json::{Value, json};

const API_KEY: &str = "sk_live_replicas-test-api-key-0123456789";

/// The shared sandbox and the two replicas.
struct Replicas {
    sandbox: StandaloneGateway,
    a: Checkout,
    b: Checkout,
    http: reqwest::blocking::Client,
    _dirs: Vec<TempDir>,
}

/// Starts the sandbox and replicas A and B with `reconciler` (the `[reconciler]` section).
/// The gateway notifies A (its `public_url`), as a load balancer would route it. `None`
/// (and a notice) when the suites do not run on PostgreSQL.
fn start(reconciler: &str) -> Option<Replicas> {
    let Some(admin) = database::admin_url() else {
        eprintln!(
            "skipped: set {} to a PostgreSQL admin URL (scripts/test.sh does) to run the \
             two-replica suite",
            database::TEST_DATABASE_ENV
        );
        return None;
    };
    let sandbox = StandaloneGateway::start();
    let db = database::create_database(&admin);
    let port_a = free_port();
    let config = format!(
        "public_url = \"http://127.0.0.1:{port_a}\"\n{}\
         [checkout]\n\
         merchant_name = \"Replica shop\"\n\
         [reconciler]\n{reconciler}",
        sandbox.config_section(""),
    );
    let envs = [("DATABASE_URL", db.as_str())];
    let (dir_a, dir_b) = (temp_dir(), temp_dir());
    let a = Checkout::start_configured(
        dir_a.path(),
        &format!("127.0.0.1:{port_a}"),
        &config,
        &envs,
        API_KEY,
    );
    let b = Checkout::start_configured(dir_b.path(), "127.0.0.1:0", &config, &envs, API_KEY);
    assert_eq!(a.daemon.database_url(), Some(db.as_str()));
    assert_eq!(b.daemon.database_url(), Some(db.as_str()));
    Some(Replicas {
        sandbox,
        a,
        b,
        http: reqwest::blocking::Client::new(),
        _dirs: vec![dir_a, dir_b],
    })
}

impl Replicas {
    /// Both replicas, A first.
    fn both(&self) -> [&Checkout; 2] {
        [&self.a, &self.b]
    }

    /// `GET` / `POST` a sandbox control (`/control/…`).
    fn control(&self, method: reqwest::Method, path: &str) -> Value {
        let response = self
            .http
            .request(method, format!("{}/control/{path}", self.sandbox.base))
            .send()
            .unwrap();
        assert!(
            response.status().is_success(),
            "control {path}: {response:?}"
        );
        response.json().unwrap()
    }

    /// How many payments the sandbox holds (under `order_id` when given).
    fn gateway_payments(&self, order_id: Option<&str>) -> usize {
        let path = match order_id {
            Some(order) => format!("payments?order_id={order}"),
            None => "payments".to_owned(),
        };
        self.control(reqwest::Method::GET, &path)["payments"]
            .as_array()
            .unwrap()
            .len()
    }

    /// Signed calls to the gateway's `path` by both replicas together.
    fn gateway_calls(&self, path: &str) -> u64 {
        self.both().iter().map(|r| r.gateway_calls(path)).sum()
    }

    fn report(&self) -> String {
        format!(
            "=== A ===\n{}\n=== B ===\n{}\n=== sandbox ===\n{}",
            self.a.daemon.report(),
            self.b.daemon.report(),
            self.sandbox.report()
        )
    }
}

/// SSE `status` events of `token` on `app`, read on a thread; `None` when the stream ends.
fn subscribe(app: &Checkout, token: &str) -> mpsc::Receiver<Option<Value>> {
    let response = app
        .client()
        .get(format!("{}/api/v1/checkout/{token}/events", app.base))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut event = None::<String>;
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { break };
            if let Some(name) = line.strip_prefix("event: ") {
                event = Some(name.to_owned());
            } else if let Some(data) = line.strip_prefix("data: ") {
                if event.as_deref() == Some("status") {
                    let _ = tx.send(Some(serde_json::from_str(data).unwrap()));
                }
            } else if line.is_empty() {
                event = None;
            }
        }
        let _ = tx.send(None);
    });
    rx
}

/// Runs `f(i)` for `0..n` on `n` threads released at once; the results in order.
fn at_once<T: Send + 'static>(n: usize, f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(n));
    let f = Arc::new(f);
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, f) = (barrier.clone(), f.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// No reconciler polls during the test (first poll in 20 min): statuses come from the
/// gateway's notification or the buyer's check only.
const NO_POLLS: &str = "first_poll_secs = 1200\nmax_poll_secs = 1200\n";

#[test]
fn an_sse_stream_on_one_replica_hears_a_payment_paid_through_the_other() {
    let Some(r) = start(NO_POLLS) else { return };
    let session = r.a.create_session("SSE-1", "250.00");
    let token = session["token"].as_str().unwrap();
    let answer = r.a.pay(token, "sbp");
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The merchant API shows the gateway's id (the pay answer does only in sandbox mode).
    let gid = r.a.session(session["id"].as_str().unwrap())["gateway_payment_id"]
        .as_u64()
        .unwrap();

    let events = subscribe(&r.b, token);
    let first = events
        .recv_timeout(Duration::from_secs(20))
        .unwrap()
        .unwrap();
    assert_eq!(first["status"], "pending");

    // The gateway marks it paid and notifies A; B's subscriber hears it.
    r.control(reqwest::Method::POST, &format!("payments/{gid}/paid"));
    let paid = events
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("B's stream heard nothing\n{}", r.report()))
        .unwrap();
    assert_eq!(paid["status"], "paid", "{paid}");
    assert_eq!(
        events.recv_timeout(Duration::from_secs(20)).unwrap(),
        None,
        "the stream closes after the final status"
    );
    // It came through A: B made no status call of its own, and A took the notification.
    assert_eq!(r.b.gateway_calls("v1/payment/status"), 0);
    let details = r.a.session(session["id"].as_str().unwrap());
    let history = details["history"].as_array().unwrap();
    assert_eq!(
        history.last().unwrap()["source"],
        "notification",
        "{details}"
    );

    // A stream opened on B after the fact starts at the truth and ends.
    let late = subscribe(&r.b, token);
    assert_eq!(
        late.recv_timeout(Duration::from_secs(20)).unwrap().unwrap()["status"],
        "paid"
    );
    assert_eq!(late.recv_timeout(Duration::from_secs(20)).unwrap(), None);
}

#[test]
fn eight_parallel_pays_over_both_replicas_make_one_gateway_payment() {
    let Some(r) = start(NO_POLLS) else { return };
    let session = r.a.create_session("PAR-1", "1500.00");
    let token = session["token"].as_str().unwrap().to_owned();
    let r = Arc::new(r);
    let shared = r.clone();
    let replies: Vec<Reply> = at_once(8, move |i| shared.both()[i % 2].pay(&token, "sbp"));
    let mut answers = Vec::new();
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}\n{}", reply.text, r.report());
        let mut body = reply.json();
        body.as_object_mut().unwrap().remove("server_time");
        answers.push(body);
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "every pay shows the same payment: {answers:#?}"
    );
    assert!(answers[0]["requisites"].is_object(), "{}", answers[0]);
    assert_eq!(
        r.gateway_payments(None),
        1,
        "exactly one gateway payment\n{}",
        r.report()
    );
    assert_eq!(r.gateway_payments(Some("PAR-1-1")), 1);
    assert_eq!(r.gateway_calls("v1/payment"), 1, "one create call in all");
    let details = r.b.session(session["id"].as_str().unwrap());
    assert_eq!(
        details["attempts"].as_array().unwrap().len(),
        1,
        "{details}"
    );
}

#[test]
fn one_order_id_on_both_replicas_gives_one_session_and_one_conflict() {
    let Some(r) = start(NO_POLLS) else { return };
    let r = Arc::new(r);
    // The same order with other amounts on A and B at once: one wins, the other is refused.
    let shared = r.clone();
    let replies = at_once(2, move |i| {
        let amount = ["10.00", "20.00"][i];
        shared.both()[i].merchant_post(
            "/api/v1/sessions",
            &json!({"order_id": "ORD-1", "amount": amount, "customer_user_id": "buyer-1"}),
        )
    });
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{replies:?}");
    let conflict = replies.iter().find(|r| r.status == 409).unwrap();
    assert_eq!(conflict.code(), "order_id_conflict", "{}", conflict.text);
    for replica in r.both() {
        let list = replica.merchant_get("/api/v1/sessions?order_id=ORD-1");
        assert_eq!(
            list.json()["items"].as_array().unwrap().len(),
            1,
            "{}",
            list.text
        );
    }

    // The same order with the same data at once (a retried request): one session, both get it.
    let shared = r.clone();
    let replies = at_once(2, move |i| {
        shared.both()[i].merchant_post(
            "/api/v1/sessions",
            &json!({"order_id": "ORD-2", "amount": "30.00", "customer_user_id": "buyer-1"}),
        )
    });
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201], "{replies:?}");
    assert_eq!(replies[0].json()["id"], replies[1].json()["id"]);
}

#[test]
fn the_gateway_is_asked_about_a_payment_at_most_once_per_interval_by_both_replicas() {
    // Each replica's reconciler wants a poll every second; the shared limit is one call per
    // payment per 2 s, whoever asks.
    const INTERVAL: u64 = 2;
    let reconciler = format!(
        "tick_millis = 50\nfirst_poll_secs = 1\nmax_poll_secs = 1\n\
         min_call_interval_secs = {INTERVAL}\n"
    );
    let Some(r) = start(&reconciler) else { return };
    const PAYMENTS: u64 = 3;
    let mut tokens = Vec::new();
    for i in 0..PAYMENTS {
        let replica = r.both()[usize::try_from(i % 2).unwrap()];
        let session = replica.create_session(&format!("POLL-{i}"), "100.00");
        let token = session["token"].as_str().unwrap().to_owned();
        assert_eq!(replica.pay(&token, "sbp").status, 200);
        tokens.push(token);
    }
    let before = r.gateway_calls("v1/payment/status");
    let started = Instant::now();
    // Buyers press "I've paid" on both replicas meanwhile: that shares the same limit.
    while started.elapsed() < Duration::from_secs(6) {
        for token in &tokens {
            for replica in r.both() {
                let reply = replica.post(&format!("/api/v1/checkout/{token}/check"), &json!({}));
                assert_eq!(reply.status, 200, "{}", reply.text);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let calls = r.gateway_calls("v1/payment/status") - before;
    // Counted from just before the first read to just after the last: one more second of
    // margin on each side, one call per started interval.
    let window = started.elapsed().as_secs() + 2;
    let most = PAYMENTS * (window / INTERVAL + 1);
    eprintln!(
        "status calls in {:?}: {calls} for {PAYMENTS} payments (limit {most}); A {}, B {}",
        started.elapsed(),
        r.a.gateway_calls("v1/payment/status"),
        r.b.gateway_calls("v1/payment/status")
    );
    assert!(
        calls <= most,
        "{calls} status calls > {most}\n{}",
        r.report()
    );
    assert!(
        calls >= PAYMENTS,
        "every payment was asked about\n{}",
        r.report()
    );
}
