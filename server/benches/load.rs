//! Quick load figures for `serve` (sandbox mode, in-process, over loopback HTTP): sessions
//! created and paid end to end per second (merchant create → widget pay → signed gateway
//! call → emulator → stored), and widget status polls per second. Prints figures; asserts no
//! timings. Run: `cargo bench -p server --bench load` (env LOAD_SESSIONS, LOAD_POLLS,
//! LOAD_CONCURRENCY change the sizes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use server::config::{Overrides, load_from};
use server::startup::Application;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let sessions = size("LOAD_SESSIONS", 400);
    let polls = size("LOAD_POLLS", 10_000);
    let concurrency = size("LOAD_CONCURRENCY", 16);
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "CHECKOUT_SERVER__RATE_LIMIT_PER_MINUTE".to_owned(),
        "0".to_owned(),
    )];
    let overrides = Overrides {
        config_file: None,
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_owned()),
    };
    let app = Application::build(load_from(None, &env, &overrides).unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", app.addr());
    let key = app.generated_api_key().unwrap().expose().to_owned();
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    // Warm-up: connections, SQLite pages, the emulator's fixtures.
    create_and_pay(&http, &base, &key, "warm-up").await;

    let started = Instant::now();
    let tokens: Vec<String> = futures_util::stream::iter(0..sessions)
        .map(|i| {
            let (http, base, key) = (http.clone(), base.clone(), key.clone());
            async move { create_and_pay(&http, &base, &key, &format!("LOAD-{i}")).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let create_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let ok: usize = futures_util::stream::iter(0..polls)
        .map(|i| {
            let url = format!("{base}/api/v1/checkout/{}/status", tokens[i % tokens.len()]);
            let http = http.clone();
            async move { usize::from(http.get(url).send().await.is_ok_and(|r| r.status() == 200)) }
        })
        .buffer_unordered(concurrency)
        .fold(0, |n, ok| async move { n + ok })
        .await;
    let poll_secs = started.elapsed().as_secs_f64();
    assert_eq!(ok, polls, "every poll answered 200");

    println!(
        "load: sandbox mode, loopback, {concurrency} concurrent clients, debug assertions off"
    );
    println!(
        "load: {sessions} sessions created + paid (create → pay → signed v1/payment → emulator → stored) in {create_secs:.2} s = {:.0} /s",
        sessions as f64 / create_secs
    );
    println!(
        "load: {polls} widget status polls in {poll_secs:.2} s = {:.0} /s",
        polls as f64 / poll_secs
    );
}

async fn create_and_pay(http: &reqwest::Client, base: &str, key: &str, order: &str) -> String {
    let created: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .bearer_auth(key)
        .json(&json!({"order_id": order, "amount": "1500.00", "customer_user_id": "load"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let paid = http
        .post(format!("{base}/api/v1/checkout/{token}/pay"))
        .json(&json!({"method": "sbp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200, "{order}");
    token
}
