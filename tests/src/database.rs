//! Which database a `serve` under test runs on. By default its own SQLite file in its data
//! directory; when `CHECKOUT_TEST_DATABASE_URL` names a PostgreSQL cluster (the admin URL of
//! the test command's throwaway one, `scripts/pg.sh start`), each instance gets a fresh
//! database there instead — so every API suite runs unchanged on both engines.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable holding the cluster's admin URL (`postgres://user@host:port/postgres`).
pub const TEST_DATABASE_ENV: &str = "CHECKOUT_TEST_DATABASE_URL";

/// The admin URL of the test cluster, if the suites run on PostgreSQL.
pub fn admin_url() -> Option<String> {
    std::env::var(TEST_DATABASE_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A new, empty database on the test cluster and its URL, or `None` on SQLite runs. The
/// cluster is thrown away after the run, so nothing drops these.
pub fn fresh_database() -> Option<String> {
    let admin = admin_url()?;
    Some(create_database(&admin))
}

/// Creates a uniquely named database on the cluster of `admin`; its URL.
pub fn create_database(admin: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    crate::run(
        "psql",
        &[
            admin,
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ],
        b"",
    )
    .assert_ok();
    let (base, _) = admin
        .split_once('?')
        .map_or(admin, |(url, _)| url)
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{TEST_DATABASE_ENV} is not a postgres:// URL: {admin}"));
    format!("{base}/{name}")
}
