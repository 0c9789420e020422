//! Load figures of the real `alikassa-checkout serve` (release build, sandbox mode: the
//! emulator is mounted in the same process and called over loopback HTTP, signatures and
//! all), driven from this process over loopback. Prints figures beside their targets;
//! asserts only correctness (every request answered as it must be), never timings.
//!
//! 1. raw signing rate: this process signs a payment body with the server's own payment
//!    key on one thread, in the same run;
//! 2. payments created end to end per second: merchant `POST /api/v1/sessions`, then the
//!    widget's `POST …/pay` (→ signed `v1/payment` → emulator → stored, requisites back);
//! 3. widget status polls per second;
//! 4. resident memory of the server holding 10,000 idle SSE connections;
//! 5. upstream status calls with 100 browsers watching one waiting payment (each polls,
//!    presses "I've paid" and holds an SSE stream) for `LOAD_WATCH_SECS`.
//!
//! Run: `scripts/load.sh` (builds the release binary first). Sizes: LOAD_SESSIONS (2000),
//! LOAD_POLLS (100000), LOAD_SSE (10000), LOAD_CONCURRENCY (32), LOAD_WATCH_SECS (35).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "load/wire.rs"]
mod wire;

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};
use server::signing::{Digest, KeySet};
use tokio::task::JoinSet;

use wire::Conn;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A payment-create body as the gateway client sends it (~300 bytes).
const BODY: &[u8] = br#"{"amount":"1500.00","order_id":"LOAD-000123-1","service":"payment_card_sbp_rub_card","customer_ip":"203.0.113.7","customer_user_id":"user-8841","customer_browser_user_agent":"Mozilla/5.0 (X11; Linux x86_64)","success_redirect_url":"https://shop.example.ru/ok","fail_redirect_url":"https://shop.example.ru/fail"}"#;

fn main() {
    let sessions = size("LOAD_SESSIONS", 2000);
    let polls = size("LOAD_POLLS", 100_000);
    let sse = size("LOAD_SSE", 10_000);
    let concurrency = size("LOAD_CONCURRENCY", 32);
    let watch_secs = size("LOAD_WATCH_SECS", 35);

    let dir = data_dir();
    let checkout = Checkout::start(dir.path(), "");
    let addr = checkout.base.trim_start_matches("http://").to_owned();
    let pid = checkout.daemon.pid();
    println!(
        "load: release binary {}, sandbox mode, loopback {addr}, {} CPUs, client: one thread",
        e2e::bin().display(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let sign_rate = signing_rate(&dir.path().join("keys").join("payment"));
    println!(
        "load: raw signing rate (RSA-2048 SHA-1, one thread, server idle): {sign_rate:.0} sign/s"
    );

    // One client thread: the server keeps the rest of the machine.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = checkout.api_key.clone();

    let cpu_before = cpu_ms(pid);
    let started = Instant::now();
    let tokens = runtime.block_on(create_and_pay_all(
        &addr,
        &key,
        "LOAD",
        sessions,
        concurrency,
    ));
    let rate = sessions as f64 / started.elapsed().as_secs_f64();
    println!(
        "load: {sessions} payments created end to end (session → pay → signed v1/payment → emulator → stored) at {rate:.0} /s = {:.0} % of the raw signing rate (target ≥ 50 %)",
        100.0 * rate / sign_rate
    );
    println!(
        "load: server CPU per payment created: {:.2} ms (one signature ≈ {:.2} ms of it)",
        (cpu_ms(pid) - cpu_before) / sessions as f64,
        1000.0 / sign_rate
    );

    let cpu_before = cpu_ms(pid);
    let started = Instant::now();
    runtime.block_on(poll_all(&addr, &tokens, polls, concurrency));
    let rate = polls as f64 / started.elapsed().as_secs_f64();
    println!(
        "load: {polls} widget status polls over {concurrency} keep-alive connections at {rate:.0} /s (target ≥ 10000 /s); server CPU per poll: {:.0} µs",
        (cpu_ms(pid) - cpu_before) * 1000.0 / polls as f64
    );

    let before = rss_kib(pid);
    let held = runtime.block_on(open_sse(&addr, &tokens, sse));
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib(pid);
    println!(
        "load: {} idle SSE connections: server RSS {} MiB before, {} MiB with them = {:.1} KiB each (target: ≤ 300 MiB in all)",
        held.len(),
        before / 1024,
        after / 1024,
        (after.saturating_sub(before)) as f64 / held.len().max(1) as f64
    );
    drop(held);

    checkout.daemon.terminate();

    // A fresh server holding exactly one payment, so that every upstream status call it
    // makes (reconciler, buyers' checks) is about the watched payment.
    let dir = data_dir();
    let checkout = Checkout::start(dir.path(), "");
    let addr = checkout.base.trim_start_matches("http://").to_owned();
    let token = runtime
        .block_on(create_and_pay_all(&addr, &checkout.api_key, "WATCH", 1, 1))
        .remove(0);
    let status_calls = || checkout.gateway_calls("v1/payment/status");
    let calls_before = status_calls();
    let started = Instant::now();
    let (polls, checks) = runtime.block_on(watch(&addr, &token, 100, watch_secs));
    let secs = started.elapsed().as_secs_f64();
    let upstream = status_calls() - calls_before;
    println!(
        "load: 100 browsers on one waiting payment for {secs:.0} s ({polls} polls, {checks} \"I've paid\" checks, 100 SSE streams): {upstream} upstream status calls; at most one per 10 s allows {} in {secs:.0} s (target ≤ 1 per payment per 10 s)",
        (secs / 10.0).ceil()
    );
    checkout.daemon.terminate();
}

/// Signatures per second of the payment key over [`BODY`] for 3 s on this thread.
fn signing_rate(keys: &Path) -> f64 {
    let keys = KeySet::load(keys).unwrap();
    let started = Instant::now();
    let mut n = 0u32;
    while started.elapsed() < Duration::from_secs(3) {
        keys.private().sign(BODY, Digest::Sha1).unwrap();
        n += 1;
    }
    f64::from(n) / started.elapsed().as_secs_f64()
}

/// Creates and pays `n` sessions over `concurrency` connections; their tokens.
async fn create_and_pay_all(
    addr: &str,
    key: &str,
    prefix: &str,
    n: usize,
    concurrency: usize,
) -> Vec<String> {
    let mut tasks = JoinSet::new();
    let per = n.div_ceil(concurrency);
    for c in 0..concurrency {
        let (addr, key, prefix) = (addr.to_owned(), key.to_owned(), prefix.to_owned());
        let range = (c * per)..((c + 1) * per).min(n);
        tasks.spawn(async move {
            let mut conn = Conn::open(&addr).await;
            let mut tokens = Vec::new();
            for i in range {
                tokens.push(create_and_pay(&mut conn, &key, &format!("{prefix}-{i}")).await);
            }
            tokens
        });
    }
    let mut tokens = Vec::new();
    while let Some(done) = tasks.join_next().await {
        tokens.extend(done.unwrap());
    }
    assert_eq!(tokens.len(), n);
    tokens
}

async fn create_and_pay(conn: &mut Conn, key: &str, order: &str) -> String {
    let body = json!({"order_id": order, "amount": "1500.00", "customer_user_id": "load"});
    let auth = format!("Authorization: Bearer {key}\r\n");
    let (code, created) = conn
        .request("POST", "/api/v1/sessions", &auth, Some(&body))
        .await;
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&created));
    let created: Value = serde_json::from_slice(&created).unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let (code, paid) = conn
        .request(
            "POST",
            &format!("/api/v1/checkout/{token}/pay"),
            "",
            Some(&json!({"method": "sbp"})),
        )
        .await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&paid));
    token
}

/// `n` status polls spread over `concurrency` connections, each one request at a time.
async fn poll_all(addr: &str, tokens: &[String], n: usize, concurrency: usize) {
    let mut tasks = JoinSet::new();
    let per = n.div_ceil(concurrency);
    for c in 0..concurrency {
        let addr = addr.to_owned();
        let paths: Vec<String> = tokens
            .iter()
            .skip(c)
            .step_by(concurrency)
            .map(|t| format!("/api/v1/checkout/{t}/status"))
            .collect();
        tasks.spawn(async move {
            let mut conn = Conn::open(&addr).await;
            for i in 0..per {
                let (code, body) = conn.request("GET", &paths[i % paths.len()], "", None).await;
                assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// Opens `n` SSE streams (round robin over the sessions) and returns them, idle.
async fn open_sse(addr: &str, tokens: &[String], n: usize) -> Vec<Conn> {
    let mut held = Vec::with_capacity(n);
    let mut opening = JoinSet::new();
    for i in 0..n {
        let addr = addr.to_owned();
        let path = format!("/api/v1/checkout/{}/events", tokens[i % tokens.len()]);
        opening.spawn(async move {
            let mut conn = Conn::open(&addr).await;
            let code = conn.open_stream(&path).await;
            assert_eq!(code, 200, "SSE {path}");
            conn
        });
        // Bounded opening rate: the listen backlog is finite.
        if opening.len() >= 256 {
            held.push(opening.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(conn) = opening.join_next().await {
        held.push(conn.unwrap());
    }
    held
}

/// `browsers` clients watch one payment for `secs`: each holds an SSE stream, polls the
/// status every 2 s and presses "I've paid" every 5 s. Returns (polls, checks).
async fn watch(addr: &str, token: &str, browsers: usize, secs: usize) -> (usize, usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs as u64);
    let mut tasks = JoinSet::new();
    for b in 0..browsers {
        let (addr, token) = (addr.to_owned(), token.to_owned());
        tasks.spawn(async move {
            let mut stream = Conn::open(&addr).await;
            assert_eq!(
                stream
                    .open_stream(&format!("/api/v1/checkout/{token}/events"))
                    .await,
                200
            );
            let mut conn = Conn::open(&addr).await;
            // Spread the browsers over the first seconds, as real buyers would be.
            tokio::time::sleep(Duration::from_millis((b as u64 * 37) % 2000)).await;
            let (mut polls, mut checks) = (0, 0);
            let mut tick = 0u32;
            while tokio::time::Instant::now() < deadline {
                let status = format!("/api/v1/checkout/{token}/status");
                let (code, _) = conn.request("GET", &status, "", None).await;
                assert_eq!(code, 200);
                polls += 1;
                if tick.is_multiple_of(5) {
                    let check = format!("/api/v1/checkout/{token}/check");
                    let (code, body) = conn.request("POST", &check, "", Some(&json!({}))).await;
                    assert!(
                        code == 200 || code == 429,
                        "check: {code} {}",
                        String::from_utf8_lossy(&body)
                    );
                    checks += 1;
                }
                tick += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            drop(stream);
            (polls, checks)
        });
    }
    let (mut polls, mut checks) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (p, c) = done.unwrap();
        polls += p;
        checks += c;
    }
    (polls, checks)
}

/// Resident set size of process `pid`, KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) process `pid` has used so far, ms.
fn cpu_ms(pid: u32) -> f64 {
    // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux); the
    // command name (field 2) may contain spaces, so count from its closing parenthesis.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the name, field 3 (state) is index 0: utime (14) is 11, stime (15) is 12.
    (ticks(11) + ticks(12)) * 10.0
}
