//! The chaos run with two replicas on one PostgreSQL database: `serve` A and B in gateway mode
//! against ONE external `alikassa-checkout sandbox` (as `replicas_pg` starts them), concurrent
//! buyers spread over both (sessions, pays by every method, the sandbox marking payments paid /
//! cancelled / failed), payouts with idempotency keys — and replica A killed with SIGKILL
//! mid-load (while its gateway calls and webhook deliveries are in flight), never restarted.
//! A load balancer sends what A no longer accepts to B; requests A was serving when it died
//! are cut off and not repeated.
//! B must finish A's work: the session leases A held run out, the outbox events A had claimed
//! come back when their lease runs out, the polls A had claimed are due again, attempts A left
//! `creating` are looked up by order id by B's reconciler, the gateway's notifications (sent
//! to A) are replaced by B's polls. After the sandbox clock moves past every payment's
//! deadline, with a bounded wait:
//! * every session that got a 201 is there; every one whose last pay was answered is final;
//! * no attempt is left `creating`, and each has at most one gateway payment (counted at the
//!   sandbox by order id);
//! * every final status a session reached has exactly one `payment.*` event, delivered to the
//!   merchant's endpoint (redeliveries only with the same event id);
//! * no payout reached the gateway twice, and no idempotency key made two payouts.
//!
//! Skipped (with a notice) unless `CHECKOUT_TEST_DATABASE_URL` is set. Seeded: `CHAOS_SEED=N`
//! replays the kill moment and the buyers' choices.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::chaos::{
    FINAL, all_events_once_delivered, all_pages, assert_attempts_sound,
    assert_one_event_per_final_status, assert_one_payout_per_key, delivered_ids, finals_by_session,
};
use e2e::gateway::{StandaloneGateway, free_port};
use e2e::server::Checkout;
use e2e::{Capture, TempDir, database, temp_dir};
use serde_json::{Value, json};

const API_KEY: &str = "sk_live_chaos-replicas-api-key-0123456789";

const METHODS: [&str; 6] = [
    "card_form",
    "card_transfer",
    "sbp",
    "sberpay",
    "account_form",
    "account_transfer",
];

/// What the buyers saw.
#[derive(Debug, Default)]
struct Ledger {
    /// Session id → (order id, whether its last pay was answered 200), for every 201.
    sessions: BTreeMap<String, (String, bool)>,
    /// Idempotency keys of payouts that were answered (200/201) at least once.
    payout_keys: BTreeSet<String>,
    requests: u64,
    /// Requests that found no one listening (A after its kill) and went to the other replica.
    rerouted: u64,
    /// Requests cut off by A's death mid-request.
    cut_off: u64,
}

/// Replica bases (A, B) and the sandbox's.
#[derive(Clone)]
struct Net {
    replicas: [String; 2],
    sandbox: String,
    http: reqwest::blocking::Client,
    ledger: Arc<Mutex<Ledger>>,
}

impl Net {
    /// Sends `make(base)` to replica `first`, then (when nothing listens, or on a 502/504, as a
    /// load balancer retries) to the other one; a few rounds at most. `None` when no replica
    /// answered or the request was cut off mid-way.
    fn send(
        &self,
        first: usize,
        make: impl Fn(&reqwest::blocking::Client, &str) -> reqwest::blocking::RequestBuilder,
    ) -> Option<reqwest::blocking::Response> {
        for round in 0..6 {
            let base = &self.replicas[(first + round) % 2];
            let reply = make(&self.http, base).send();
            let mut l = self.ledger.lock().unwrap();
            l.requests += 1;
            match reply {
                Ok(r) if r.status().as_u16() != 502 && r.status().as_u16() != 504 => {
                    return Some(r);
                }
                Ok(_) => {}
                // Nobody listening: the balancer tries the other replica.
                Err(e) if e.is_connect() => l.rerouted += 1,
                // Cut off mid-request (A killed while serving it): not repeated blindly, as a
                // balancer does not repeat a POST it already sent. What A had started there
                // is B's to finish.
                Err(_) => {
                    l.cut_off += 1;
                    return None;
                }
            }
            drop(l);
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

fn buyer(net: Net, seed: u64, n: u64, stop: Arc<AtomicBool>) {
    let mut rng = fastrand::Rng::with_seed(seed ^ (n << 32));
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let order = format!("chr-{seed}-{n}-{i}");
        let amount = format!("{}.{:02}", rng.u32(1..5000), rng.u32(..100));
        let body = json!({"order_id": order, "amount": amount, "customer_user_id": "chaos"});
        let Some(created) = net.send(rng.usize(..2), |h, base| {
            h.post(format!("{base}/api/v1/sessions"))
                .bearer_auth(API_KEY)
                .json(&body)
        }) else {
            continue;
        };
        // A retry of a create that A made before dying answers 200 with the same session.
        if !created.status().is_success() {
            continue;
        }
        let body: Value = created.json().unwrap_or(Value::Null);
        let (Some(id), Some(token)) = (body["id"].as_str(), body["token"].as_str()) else {
            continue;
        };
        net.ledger
            .lock()
            .unwrap()
            .sessions
            .insert(id.to_owned(), (order, false));
        let mut answered = false;
        for _ in 0..rng.usize(1..3) {
            let method = METHODS[rng.usize(..METHODS.len())];
            let reply = net.send(rng.usize(..2), |h, base| {
                h.post(format!("{base}/api/v1/checkout/{token}/pay"))
                    .json(&json!({ "method": method }))
            });
            answered = reply.is_some_and(|r| r.status().as_u16() == 200);
        }
        net.ledger.lock().unwrap().sessions.get_mut(id).unwrap().1 = answered;
        if rng.f64() < 0.7 {
            let details: Value = net
                .send(rng.usize(..2), |h, base| {
                    h.get(format!("{base}/api/v1/sessions/{id}"))
                        .bearer_auth(API_KEY)
                })
                .and_then(|r| r.json().ok())
                .unwrap_or(Value::Null);
            if let Some(gid) = details["gateway_payment_id"].as_u64() {
                let action = ["paid", "paid", "cancel", "fail"][rng.usize(..4)];
                let _ = net
                    .http
                    .post(format!("{}/control/payments/{gid}/{action}", net.sandbox))
                    .send();
                net.ledger.lock().unwrap().requests += 1;
            }
        }
    }
}

fn payer_out(net: Net, seed: u64, stop: Arc<AtomicBool>) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let idem = format!("chr-po-{seed}-{i}");
        // The same key and body again and again, on either replica, as a merchant retries.
        for _ in 0..3 {
            let reply = net.send(rng.usize(..2), |h, base| {
                h.post(format!("{base}/api/v1/payouts"))
                    .bearer_auth(API_KEY)
                    .header("Idempotency-Key", &idem)
                    .json(
                        &json!({"kind": "sbp", "amount": "1.00", "phone": "79031112233",
                                  "bank_member_id": "100000000111"}),
                    )
            });
            if reply.is_some_and(|r| r.status().is_success()) {
                net.ledger.lock().unwrap().payout_keys.insert(idem.clone());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// How many objects the sandbox holds under `order_id` (`kind`: payments or payouts).
fn at_gateway(http: &reqwest::blocking::Client, sandbox: &str, kind: &str, order: &str) -> usize {
    let reply: Value = http
        .get(format!("{sandbox}/control/{kind}"))
        .query(&[("order_id", order)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    reply[kind].as_array().unwrap().len()
}

#[test]
fn replica_b_finishes_what_a_killed_replica_left() {
    let Some(admin) = database::admin_url() else {
        eprintln!(
            "skipped: set {} to a PostgreSQL admin URL (scripts/test.sh does) to run the \
             two-replica chaos run",
            database::TEST_DATABASE_ENV
        );
        return;
    };
    let test_started = Instant::now();
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("chaos_replicas: CHAOS_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let receiver = Capture::start(&[]);

    // The shared sandbox and the two replicas, as replicas_pg starts them.
    let sandbox = StandaloneGateway::start();
    let db = database::create_database(&admin);
    let port_a = free_port();
    let config = format!(
        "public_url = \"http://127.0.0.1:{port_a}\"\n{}\
         [checkout]\nmerchant_name = \"Chaos shop\"\n\
         [reconciler]\ntick_millis = 100\nfirst_poll_secs = 1\nmax_poll_secs = 2\n\
         min_call_interval_secs = 1\n\
         [webhooks]\nurl = \"{}\"\nsecret = \"chaos-secret-0123456789\"\nendpoint_id = \"chaos\"\n\
         backoff_initial_secs = 1\nbackoff_max_secs = 2\ntick_millis = 50\ntimeout_secs = 2\n\
         lease_margin_secs = 3\n",
        sandbox.config_section("timeout_secs = 2\n"),
        receiver.url,
    );
    let envs = [("DATABASE_URL", db.as_str())];
    let (dir_a, dir_b): (TempDir, TempDir) = (temp_dir(), temp_dir());
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

    let net = Net {
        replicas: [a.base.clone(), b.base.clone()],
        sandbox: sandbox.base.clone(),
        http: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        ledger: Arc::new(Mutex::new(Ledger::default())),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for n in 0..4 {
        let (net, stop) = (net.clone(), Arc::clone(&stop));
        workers.push(std::thread::spawn(move || buyer(net, seed, n, stop)));
    }
    {
        let (net, stop) = (net.clone(), Arc::clone(&stop));
        workers.push(std::thread::spawn(move || payer_out(net, seed, stop)));
    }

    // A dies mid-load at a seeded moment; the load goes on against B.
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(rng.u64(1500..4000)));
    // Just before the kill, gateway calls slow down and the merchant's endpoint stops
    // answering: A dies holding session leases across create calls in flight and outbox
    // events claimed mid-delivery — work only B can finish once those leases run out.
    let faults = |latency: u64| {
        let reply = net
            .http
            .post(format!("{}/control/faults", sandbox.base))
            .json(&json!({ "latency_ms": latency }))
            .send()
            .unwrap();
        assert!(reply.status().is_success(), "{reply:?}");
    };
    faults(700);
    receiver.hold();
    std::thread::sleep(Duration::from_millis(rng.u64(1000..2000)));
    let a_pid = a.daemon.pid();
    drop(a);
    let killed = Instant::now();
    faults(0);
    receiver.release();
    eprintln!(
        "chaos_replicas: A (pid {a_pid}) killed {:.1} s into the load",
        (killed - started).as_secs_f64()
    );
    std::thread::sleep(Duration::from_millis(rng.u64(2000..4000)));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let load_time = started.elapsed();

    // Every payment's deadline passes at the gateway; B alone settles the rest.
    let advance = net
        .http
        .post(format!("{}/control/clock/advance?secs=7200", sandbox.base))
        .send()
        .unwrap();
    assert!(advance.status().is_success(), "{advance:?}");
    let ledger = std::mem::take(&mut *net.ledger.lock().unwrap());
    let ids: Vec<&String> = ledger.sessions.keys().collect();
    // A session whose last pay got no answer may hold no gateway payment at all: it ends at
    // its own deadline (15 min on the checkout's clock, beyond this run), not here.
    let must_end = |id: &str| ledger.sessions[id].1;
    let deadline = Instant::now() + Duration::from_secs(30);
    let sessions: Vec<Value> = loop {
        let all: Vec<Value> = ids.iter().map(|id| b.session(id)).collect();
        let unsettled: Vec<&Value> = all
            .iter()
            .filter(|s| {
                (must_end(s["id"].as_str().unwrap())
                    && !FINAL.contains(&s["status"].as_str().unwrap_or("")))
                    || s["attempts"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|a| a["state"] == "creating")
            })
            .collect();
        if unsettled.is_empty() {
            break all;
        }
        assert!(
            Instant::now() < deadline,
            "{} sessions never settled (CHAOS_SEED={seed}):\n{}\n=== B ===\n{}",
            unsettled.len(),
            unsettled
                .iter()
                .take(3)
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            b.daemon.report()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let sessions_settled = killed.elapsed();

    // Sessions: present, with their order; attempts: none creating, one gateway payment at most.
    let mut attempts = 0;
    let mut open = 0;
    for s in &sessions {
        let id = s["id"].as_str().unwrap();
        assert_eq!(
            s["order_id"].as_str(),
            Some(ledger.sessions[id].0.as_str()),
            "{s}"
        );
        if !FINAL.contains(&s["status"].as_str().unwrap()) {
            open += 1;
        }
        attempts += assert_attempts_sound(s, seed, |order| {
            at_gateway(&net.http, &sandbox.base, "payments", order)
        });
    }

    // Events: every one delivered, B alone delivering (A's claims run out first).
    let events = all_events_once_delivered(&b, Duration::from_secs(30), seed, || b.daemon.report());
    let events_delivered = killed.elapsed();
    let finals = finals_by_session(&events);
    let requests = receiver.requests();
    let delivered = delivered_ids(&requests);
    // Re-read: late money may have moved a session meanwhile (announced with its own event).
    let sessions: Vec<Value> = ids.iter().map(|id| b.session(id)).collect();
    for s in &sessions {
        let reached = assert_one_event_per_final_status(s, &finals, &delivered, seed);
        let status = s["status"].as_str().unwrap();
        if FINAL.contains(&status) {
            assert!(reached.contains(status), "{s}");
        }
    }

    // Payouts: one per key, one gateway payout each, every answered key present.
    let payouts = all_pages(&b, "/api/v1/payouts");
    let sent_at_gateway = |order: &str| at_gateway(&net.http, &sandbox.base, "payouts", order);
    assert_one_payout_per_key(&payouts, &ledger.payout_keys, sent_at_gateway, seed);
    let logs = b.daemon.stderr();
    assert_eq!(logs.matches("panicked").count(), 0, "{logs}");
    let orphans: u64 = logs
        .lines()
        .filter(|l| l.contains("recovered payment creations another replica left"))
        .filter_map(|l| l.split("looked_up=").nth(1))
        .filter_map(|n| {
            n.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    let total = test_started.elapsed();
    eprintln!(
        "chaos_replicas: A killed after {:.1} s, load {:.1} s; {} requests ({} rerouted to B, {} cut off by the kill); \
         {} sessions ({} open with no answered pay), {attempts} attempts, {} creates A left \
         looked up by B's reconciler; {} final events of {} (all delivered, {} webhook \
         requests); {} payouts checked; B settled every session {:.1} s and delivered every \
         event {:.1} s after the kill; whole test {:.1} s; seed {seed}",
        (killed - started).as_secs_f64(),
        load_time.as_secs_f64(),
        ledger.requests,
        ledger.rerouted,
        ledger.cut_off,
        sessions.len(),
        open,
        orphans,
        finals.values().map(Vec::len).sum::<usize>(),
        events.len(),
        requests.len(),
        payouts.len(),
        sessions_settled.as_secs_f64(),
        events_delivered.as_secs_f64(),
        total.as_secs_f64(),
    );
    assert!(
        total < Duration::from_secs(90),
        "the run took {total:?}: something waited too long"
    );
}
