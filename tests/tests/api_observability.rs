//! The real `serve` binary in sandbox mode, operations side: Prometheus `/metrics` after real
//! traffic (routes by template, no tokens, gateway latency, sessions and attempts by status,
//! SSE subscribers), `/readyz` per check, request ids through answers, JSON logs and the
//! gateway call, and the unauthenticated scrape option.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;

use e2e::server::{Checkout, Reply, data_dir};
use e2e::{Instance, arg, temp_dir, write};
use serde_json::Value;

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().unwrap())
}

fn scrape(app: &Checkout) -> String {
    let reply = app.merchant_get("/metrics");
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        reply.header("content-type")
    );
    reply.text
}

/// A minimal widget build (only the entry module is required).
fn fake_dist(dir: &Path) {
    write(&dir.join("checkout.js"), "export {};\n");
}

fn gateway_payment_id(answer: &Value) -> u64 {
    answer["gateway_payment_id"].as_u64().unwrap()
}

#[test]
fn metrics_after_a_paid_session_show_routes_upstream_latency_statuses_and_sse() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "");
    let before = scrape(&app);
    assert_eq!(sample(&before, "checkout_sse_subscribers"), Some(0.0));
    assert_eq!(
        sample(&before, "checkout_sessions{status=\"open\"}"),
        Some(0.0)
    );

    let created = app.create_session("OBS-1", "150.00");
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    let stream = app
        .client()
        .get(format!("{}/api/v1/checkout/{token}/events", app.base))
        .send()
        .unwrap();
    assert_eq!(stream.status(), 200);
    // The server subscribed before it answered the headers.
    assert_eq!(sample(&scrape(&app), "checkout_sse_subscribers"), Some(1.0));
    let reader = std::thread::spawn(move || BufReader::new(stream).lines().count());

    let paid = app.pay(&token, "sbp");
    assert_eq!(paid.status, 200, "{}", paid.text);
    let pending = scrape(&app);
    assert_eq!(
        sample(&pending, "checkout_sessions{status=\"pending\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &pending,
            "checkout_payment_attempts{payment_status=\"wait\"}"
        ),
        Some(1.0)
    );
    let done = app.control(
        &format!("payments/{}/paid", gateway_payment_id(&paid.json())),
        None,
    );
    assert_eq!(done.status, 200, "{}", done.text);
    app.wait_for_status(&token, "paid");
    // The stream closes after the final status and its subscription goes with it.
    assert!(reader.join().unwrap() > 0);
    app.wait_until("the SSE subscriber is gone", || {
        sample(&scrape(&app), "checkout_sse_subscribers") == Some(0.0)
    });

    let text = scrape(&app);
    assert!(!text.contains(&token), "a session token leaked:\n{text}");
    assert!(!text.contains(&id), "a session id leaked:\n{text}");
    let requests = |route: &str, method: &str, status: u16| {
        sample(
            &text,
            &format!(
                "checkout_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
        .unwrap_or(0.0)
    };
    assert_eq!(requests("/api/v1/sessions", "POST", 201), 1.0, "{text}");
    assert_eq!(requests("/api/v1/checkout/{token}/pay", "POST", 200), 1.0);
    assert_eq!(requests("/api/v1/checkout/{token}/events", "GET", 200), 1.0);
    assert!(requests("/api/v1/checkout/{token}/status", "GET", 200) >= 1.0);
    // Our gateway calls reach the in-process emulator through the same router.
    assert_eq!(requests("/sandbox/v1/payment", "POST", 200), 1.0);
    assert!(requests("/metrics", "GET", 200) >= 3.0);
    assert!(
        sample(
            &text,
            "checkout_http_request_duration_seconds_count{route=\"/api/v1/sessions\",method=\"POST\"}"
        ) == Some(1.0)
    );

    let upstream = "checkout_gateway_request_duration_seconds";
    let labels = "path=\"v1/payment\",outcome=\"ok\"";
    let count = sample(&text, &format!("{upstream}_count{{{labels}}}")).unwrap();
    assert_eq!(count, 1.0, "{text}");
    assert_eq!(
        sample(&text, &format!("{upstream}_bucket{{{labels},le=\"+Inf\"}}")),
        Some(count)
    );
    assert!(sample(&text, &format!("{upstream}_sum{{{labels}}}")).unwrap() > 0.0);
    assert_eq!(
        sample(&text, "checkout_gateway_calls_total{path=\"v1/payment\"}"),
        Some(1.0)
    );

    assert_eq!(
        sample(&text, "checkout_sessions{status=\"paid\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "checkout_sessions{status=\"pending\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "checkout_payment_attempts{payment_status=\"paid\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "checkout_metrics_collect_errors"), Some(0.0));
}

fn readyz(app: &Checkout) -> Reply {
    let reply = app.get("/readyz");
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{reply:?}"
    );
    reply
}

#[test]
fn readyz_names_the_failing_check() {
    let dist = temp_dir();
    fake_dist(dist.path());
    let dir = data_dir();
    let app = Checkout::start(dir.path(), &format!("dist_dir = {:?}\n", arg(dist.path())));
    let ready = readyz(&app);
    assert_eq!(ready.status, 200, "{}", ready.text);
    let body = ready.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["failing"], serde_json::json!([]));
    for check in ["database", "keys", "widget"] {
        assert_eq!(body["checks"][check], "ok", "{body}");
    }
    assert_eq!(app.get("/healthz").status, 200);

    // The payment key's private half disappears under the running server.
    let private = dir.path().join("keys/payment/private.pem");
    let kept = std::fs::read(&private).unwrap();
    std::fs::remove_file(&private).unwrap();
    // The key check is reused for a few seconds (a flood of probes costs one check).
    let broken = readyz_until(&app, 503);
    let body = broken.json();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["failing"], serde_json::json!(["keys"]));
    let keys = body["checks"]["keys"].as_str().unwrap();
    assert!(keys.starts_with("payment key set"), "{keys}");
    assert!(
        !keys.contains(arg(dir.path())),
        "no paths in a public answer: {keys}"
    );
    assert_eq!(body["checks"]["database"], "ok");
    // Liveness is not readiness: the process itself is fine.
    assert_eq!(app.get("/healthz").status, 200);

    // A private key that is not the public key's: signs, but does not verify.
    let payout = std::fs::read(dir.path().join("keys/payout/private.pem")).unwrap();
    let payout_password = std::fs::read(dir.path().join("keys/payout/password.txt")).unwrap();
    let payment_password_path = dir.path().join("keys/payment/password.txt");
    let payment_password = std::fs::read(&payment_password_path).unwrap();
    write(&private, &payout);
    write(&payment_password_path, &payout_password);
    let mismatched = readyz_until_keys(&app, "does not verify");
    assert_eq!(mismatched.status, 503, "{}", mismatched.text);
    assert!(
        mismatched.json()["checks"]["keys"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{}",
        mismatched.text
    );

    write(&private, &kept);
    write(&payment_password_path, &payment_password);
    readyz_until(&app, 200);
}

/// `/readyz` once it answers `status` (its key check is reused for a few seconds).
fn readyz_until(app: &Checkout, status: u16) -> e2e::server::Reply {
    readyz_when(app, |r| r.status == status)
}

/// `/readyz` once its key check says `what`.
fn readyz_until_keys(app: &Checkout, what: &str) -> e2e::server::Reply {
    readyz_when(app, |r| {
        r.json()["checks"]["keys"]
            .as_str()
            .is_some_and(|k| k.contains(what))
    })
}

fn readyz_when(app: &Checkout, done: impl Fn(&e2e::server::Reply) -> bool) -> e2e::server::Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let reply = readyz(app);
        if done(&reply) {
            return reply;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "readyz stayed {}",
            reply.text
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

#[test]
fn readyz_is_not_ready_without_a_widget_build() {
    let empty = temp_dir();
    let dir = data_dir();
    let app = Checkout::start(dir.path(), &format!("dist_dir = {:?}\n", arg(empty.path())));
    let reply = readyz(&app);
    assert_eq!(reply.status, 503, "{}", reply.text);
    assert_eq!(reply.json()["failing"], serde_json::json!(["widget"]));
    assert_eq!(reply.json()["checks"]["widget"], "not built");
}

/// The log lines (JSON objects) whose request span carries `id`.
fn lines_of_request(logs: &[Value], id: &str) -> Vec<Value> {
    logs.iter()
        .filter(|l| {
            l["spans"]
                .as_array()
                .is_some_and(|spans| spans.iter().any(|s| s["request_id"] == id))
        })
        .cloned()
        .collect()
}

fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let line: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            for key in ["timestamp", "level", "target", "message"] {
                assert!(line.get(key).is_some(), "no {key}: {l}");
            }
            line
        })
        .collect()
}

#[test]
fn request_ids_are_echoed_logged_as_json_and_sent_upstream() {
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "[log]\nformat = \"json\"\n");
    let created = app.create_session("RID-1", "10.00");
    let token = created["token"].as_str().unwrap();
    let paid = app.send(
        app.client()
            .post(format!("{}/api/v1/checkout/{token}/pay", app.base))
            .header("x-request-id", "e2e-pay-42")
            .json(&serde_json::json!({"method": "sbp"})),
    );
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert_eq!(paid.header("x-request-id").as_deref(), Some("e2e-pay-42"));

    // Not a sane id (spaces, too long): replaced by a fresh UUID.
    for insane in ["has spaces in it", &"x".repeat(200)] {
        let reply = app.send(
            app.client()
                .get(format!("{}/healthz", app.base))
                .header("x-request-id", insane),
        );
        let echoed = reply.header("x-request-id").unwrap();
        assert_ne!(echoed, insane);
        assert_eq!(echoed.len(), 36, "{echoed}");
    }
    let fresh = app.get("/healthz").header("x-request-id").unwrap();
    assert_eq!(fresh.len(), 36, "{fresh}");

    let logs = json_lines(&app.daemon.stderr());
    let ours = lines_of_request(&logs, "e2e-pay-42");
    let gateway_call = ours
        .iter()
        .find(|l| l["message"] == "gateway call")
        .unwrap_or_else(|| panic!("no gateway call logged for the request: {ours:#?}"));
    assert_eq!(gateway_call["request_id"], "e2e-pay-42");
    assert_eq!(gateway_call["path"], "v1/payment");
    assert_eq!(gateway_call["outcome"], "ok");
    // The emulator answered a request carrying our id: the header went upstream.
    assert!(
        ours.iter().any(|l| l["spans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "/sandbox/v1/payment")),
        "the gateway call's X-Request-Id did not reach the emulator: {ours:#?}"
    );
    assert!(
        ours.iter().any(|l| l["span"]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/api/v1/checkout/"))
            && l["message"] == "finished processing request"),
        "{ours:#?}"
    );
    assert!(
        !app.daemon.stderr().contains(token),
        "a session token reached the logs"
    );
}

#[test]
fn log_format_flag_and_public_metrics_from_the_environment() {
    let dir = data_dir();
    let daemon = Instance::start(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            arg(dir.path()),
            "--log-format",
            "json",
        ],
        &[("CHECKOUT_METRICS__PUBLIC", "true")],
    );
    let scrape = || reqwest::blocking::get(format!("{}/metrics", daemon.base)).unwrap();
    assert_eq!(scrape().status(), 200);
    // The second scrape counts the first (a request is counted once answered).
    let text = scrape().text().unwrap();
    assert!(
        text.contains("# TYPE checkout_http_requests_total counter")
            && text.contains(
                "checkout_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"} 1"
            ),
        "{text}"
    );
    let logs = json_lines(&daemon.stderr());
    assert!(
        logs.iter()
            .any(|l| l["message"] == "finished processing request"),
        "{logs:#?}"
    );

    let bad = e2e::run_env(
        e2e::bin(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            arg(dir.path()),
        ],
        b"",
        &[("CHECKOUT_METRICS__PUBLIC", "yes")],
    );
    assert_ne!(bad.code, Some(0));
    assert!(
        bad.stderr.contains("metrics.public") && bad.stderr.contains("CHECKOUT_METRICS__PUBLIC"),
        "{}",
        bad.stderr
    );
}
