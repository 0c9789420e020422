//! Test money can never be mistaken for real money: sandbox mode stays on loopback unless told
//! `--sandbox-public`, API keys carry their mode (`sk_test_` / `sk_live_`) and a key of the
//! other mode is refused, and every view and event says `livemode`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::gateway::StandaloneGateway;
use e2e::server::{Checkout, data_dir};
use e2e::{Instance, arg};
use serde_json::json;

/// Runs `serve args…` expecting it to stop by itself within 30 s; returns (exit code, stderr).
fn serve_fails(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut child = Command::new(e2e::bin())
        .arg("serve")
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve {args:?} kept running: it should have refused to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

#[test]
fn sandbox_mode_refuses_a_public_address_unless_told() {
    let dir = data_dir();
    let (code, stderr) = serve_fails(
        &["--listen", "0.0.0.0:0", "--data-dir", arg(dir.path())],
        &[],
    );
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("server.listen: 0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
    assert!(
        stderr.contains("anyone who reaches this address could mark a payment paid"),
        "{stderr}"
    );
    assert!(stderr.contains("--sandbox-public"), "{stderr}");

    let public = Instance::start(
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--data-dir",
            arg(dir.path()),
            "--sandbox-public",
        ],
        &[],
    );
    let key = public.line_value("api key: ").unwrap().to_owned();
    assert!(key.starts_with("sk_test_"), "{key}");
    let port = public.base.rsplit(':').next().unwrap().to_owned();
    let health = reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz")).unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn sandbox_keys_are_test_keys_and_live_or_unprefixed_keys_are_refused() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    assert!(app.api_key.starts_with("sk_test_"), "{}", app.api_key);
    for (key, says) in [
        (
            "sk_live_0123456789abcdef0123456789",
            "this is a live key (sk_live_…) but this server runs in sandbox mode",
        ),
        (
            "ck_XYVIv5DFq4oflozYGOS9j1mcKj6lHaYnbrSMUbRvfBc",
            "this API key has no mode prefix",
        ),
    ] {
        let reply = app.send(
            app.client()
                .get(format!("{}/api/v1/sessions", app.base))
                .bearer_auth(key),
        );
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.code(), "api_key_wrong_mode");
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(says), "{message}");
    }
    // A wrong key of the right mode is just wrong.
    let reply = app.send(
        app.client()
            .get(format!("{}/api/v1/sessions", app.base))
            .bearer_auth("sk_test_0123456789abcdef0123456789"),
    );
    assert_eq!(reply.code(), "unauthorized");

    // CHECKOUT_API_KEY of the wrong mode stops the start-up.
    let other = data_dir();
    let (code, stderr) = serve_fails(
        &["--listen", "127.0.0.1:0", "--data-dir", arg(other.path())],
        &[("CHECKOUT_API_KEY", "sk_live_0123456789abcdef0123")],
    );
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("server.api_key: must start with sk_test_"),
        "{stderr}"
    );
}

#[test]
fn sandbox_sessions_payouts_and_events_say_livemode_false() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let created = app.create_session("LM-1", "1500.00");
    let id = created["id"].as_str().unwrap();
    let token = created["token"].as_str().unwrap();
    assert_eq!(app.session(id)["livemode"], false);
    let answer = app.pay(token, "sbp").json();
    let gid = answer["gateway_payment_id"].as_u64().unwrap();
    app.control(&format!("payments/{gid}/paid"), None);
    app.wait_for_status(token, "paid");
    app.wait_until("the payment.paid event is recorded", || {
        app.merchant_get("/api/v1/events").json()["items"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    let events = app.merchant_get("/api/v1/events").json();
    let event = &events["items"][0];
    assert_eq!(event["type"], "payment.paid");
    assert_eq!(event["livemode"], false, "{event}");
    assert_eq!(event["data"]["livemode"], false, "{event}");

    let payout = app.send(
        app.client()
            .post(format!("{}/api/v1/payouts", app.base))
            .bearer_auth(&app.api_key)
            .header("Idempotency-Key", "lm-payout-1")
            .json(&json!({"kind": "sbp", "amount": "100.00", "phone": "79031112233", "bank_member_id": "100000000111"})),
    );
    assert!(payout.status < 300, "{}", payout.text);
    assert_eq!(payout.json()["livemode"], false, "{}", payout.text);
}

/// `serve` in live mode against a standalone `sandbox` (the way a real gateway is configured).
#[test]
fn live_mode_takes_only_live_keys_and_says_livemode_true() {
    let gateway = StandaloneGateway::start();
    let config = format!(
        "{}[checkout]\nmerchant_name = \"Live shop\"\n",
        gateway.config_section("")
    );
    let dir = data_dir();
    let path = dir.path().join("live.toml");
    std::fs::write(&path, &config).unwrap();
    let (code, stderr) = serve_fails(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            arg(dir.path()),
            "--config",
            arg(&path),
        ],
        &[("CHECKOUT_API_KEY", "sk_test_0123456789abcdef0123")],
    );
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("server.api_key: must start with sk_live_: a gateway is configured"),
        "{stderr}"
    );

    let live_key = "sk_live_e2e-live-key-0123456789abcdef";
    let app = Checkout::start_configured(dir.path(), "127.0.0.1:0", &config, &[], live_key);
    let reply = app.send(
        app.client()
            .get(format!("{}/api/v1/sessions", app.base))
            .bearer_auth("sk_test_0123456789abcdef0123456789"),
    );
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.code(), "api_key_wrong_mode");
    assert!(
        reply
            .text
            .contains("this server runs in live mode (real money)"),
        "{}",
        reply.text
    );
    let created = app.create_session("LIVE-1", "1500.00");
    assert_eq!(
        app.session(created["id"].as_str().unwrap())["livemode"],
        true
    );
    // No emulator controls are mounted in live mode.
    assert_eq!(app.control("payments/1/paid", None).status, 404);
}
