//! Page times of the merchant dashboard with a shop-sized database: 100,000 sessions created
//! over the last 30 days (90,000 payment attempts, 35,000 webhook events; `dashboard/seed.sql`)
//! written straight into the database of the real `alikassa-checkout serve`, then each page
//! loaded by a signed-in operator over loopback. Prints the first load (the overview reads
//! every day then; later loads reread only the days that changed), the best and the median of
//! `DASH_RUNS` loads beside the target (200 ms); asserts only that every page answers
//! 200, never timings.
//!
//! Run: `cargo build --release -p server --bins && cargo bench -p e2e --bench dashboard`,
//! on SQLite by default, on PostgreSQL with `CHECKOUT_TEST_DATABASE_URL` set (as
//! `scripts/test.sh` does). Sizes: DASH_SESSIONS (100000), DASH_RUNS (7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::browser::CheckoutServer;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const EMAIL: &str = "bench@shop.example";
const PASSWORD: &str = "bench-password-1";

fn main() {
    let sessions = size("DASH_SESSIONS", 100_000);
    let runs = size("DASH_RUNS", 7);
    let server = CheckoutServer::start(&[]);
    let database = server.database();
    let engine = if database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let sql = include_str!("dashboard/seed.sql")
        .replace(":NOW", &now_ms.to_string())
        .replace(":N", &sessions.to_string());
    let started = Instant::now();
    let seeded = if engine == "SQLite" {
        // The running server writes too (its own bookkeeping): wait for its locks.
        e2e::run(
            "sqlite3",
            &[database.as_str()],
            format!(".timeout 30000\n{sql}").as_bytes(),
        )
    } else {
        e2e::run(
            "psql",
            &[database.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", &sql],
            b"",
        )
    };
    seeded.assert_ok();
    // What a live database has after its routine maintenance (autovacuum / `PRAGMA optimize`).
    let analyzed = if engine == "SQLite" {
        e2e::run("sqlite3", &[database.as_str(), "ANALYZE"], b"")
    } else {
        e2e::run(
            "psql",
            &[database.as_str(), "-q", "-c", "VACUUM ANALYZE"],
            b"",
        )
    };
    analyzed.assert_ok();
    println!(
        "dashboard: {engine}, {sessions} sessions seeded in {:.1} s, binary {}",
        started.elapsed().as_secs_f64(),
        e2e::bin().display()
    );

    let added = server.operators(
        &["add", EMAIL, "--role", "viewer"],
        format!("{PASSWORD}\n").as_bytes(),
    );
    added.assert_ok();
    let cookie = login(&server.base);

    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/dashboard/?period=today",
        "/dashboard/?period=7d",
        "/dashboard/?period=30d",
        "/dashboard/sessions",
        "/dashboard/sessions?status=paid",
        "/dashboard/sessions?attention=1",
    ] {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                let page = http
                    .get(format!("{}{path}", server.base))
                    .header("cookie", &cookie)
                    .send()
                    .unwrap();
                assert_eq!(page.status().as_u16(), 200, "{path}");
                page.text().unwrap();
                started.elapsed()
            })
            .collect();
        let first = times[0];
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "dashboard: {engine} {path:<34} first {:>7.1} ms, best {:>6.1} ms, median {:>6.1} ms (target 200 ms)",
            ms(first),
            ms(times[0]),
            ms(times[times.len() / 2])
        );
    }
}

/// Signs the bench operator in; the `Cookie` header to send.
fn login(base: &str) -> String {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(format!("{base}/dashboard/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={EMAIL}&password={PASSWORD}&next=/dashboard/").replace('@', "%40"))
        .send()
        .unwrap();
    let set_cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no session cookie: {}", answer.status()));
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}
