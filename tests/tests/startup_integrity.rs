//! `serve` refuses a damaged or lost SQLite database with a clear message instead of running on
//! it or on a silently fresh one: bytes overwritten inside the file's pages, a write-ahead log
//! whose database is gone, and (sandbox mode) a missing `checkout.db` beside the emulator's
//! state. A crash mid-write is not damage: the chaos suite kills the server under load and
//! restarts it on the same files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::server::{Checkout, data_dir};
use e2e::{arg, bin};

/// Runs `serve` over `dir`; it must exit (not start) within 60 s. Its exit code and output.
fn serve_must_refuse(dir: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", arg(dir)])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            return (status.code(), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "serve started over a bad database:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A data dir with a few sessions, the server stopped cleanly.
fn used_data_dir() -> e2e::TempDir {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    if app.daemon.database_url().is_some() {
        // PostgreSQL runs: nothing of this suite applies.
        return dir;
    }
    for i in 0..40 {
        let created = app.create_session(&format!("INT-{i}"), "10.00");
        assert_eq!(
            app.pay(created["token"].as_str().unwrap(), "sbp").status,
            200
        );
    }
    assert!(app.daemon.terminate().success());
    dir
}

fn sqlite_run() -> bool {
    e2e::database::admin_url().is_none()
}

#[test]
fn overwritten_pages_are_refused_with_a_clear_message() {
    if !sqlite_run() {
        return;
    }
    let dir = used_data_dir();
    let db = dir.path().join("checkout.db");
    // The log would lay its own copies over the pages damaged below: take it away first.
    for side in ["checkout.db-wal", "checkout.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(side));
    }
    let len = std::fs::metadata(&db).unwrap().len();
    let page = 4096;
    assert!(len >= 4 * page, "database of {len} bytes");
    // Garbage across the middle of every page after the first (the header page stays, so
    // the file still opens as a database).
    let mut file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    let mut at = page;
    while at + page <= len {
        file.seek(SeekFrom::Start(at)).unwrap();
        file.write_all(&[0xA5; 16]).unwrap();
        file.seek(SeekFrom::Start(at + page / 2 - 64)).unwrap();
        file.write_all(&[0x5A; 128]).unwrap();
        at += page;
    }
    file.sync_all().unwrap();
    drop(file);
    let (code, output) = serve_must_refuse(dir.path());
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("is damaged"), "{output}");
    assert!(output.contains("checkout.db"), "{output}");
    // Nothing replaced it.
    assert_eq!(std::fs::metadata(&db).unwrap().len(), len);
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    if !sqlite_run() {
        return;
    }
    let dir = data_dir();
    std::fs::write(dir.path().join("checkout.db"), vec![0x42; 8192]).unwrap();
    let (code, output) = serve_must_refuse(dir.path());
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("is damaged"), "{output}");
}

#[test]
fn a_lost_database_is_not_replaced_by_a_fresh_one() {
    if !sqlite_run() {
        return;
    }
    // The sandbox's state is there, the checkout's database is not.
    let dir = used_data_dir();
    std::fs::remove_file(dir.path().join("checkout.db")).unwrap();
    let (code, output) = serve_must_refuse(dir.path());
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("checkout.db is missing"), "{output}");
    assert!(!dir.path().join("checkout.db").exists());
    // A write-ahead log without its database.
    let dir = data_dir();
    std::fs::write(dir.path().join("checkout.db-wal"), b"wal").unwrap();
    let (code, output) = serve_must_refuse(dir.path());
    assert_ne!(code, Some(0), "{output}");
    assert!(output.contains("write-ahead log"), "{output}");
}
