#![allow(clippy::unwrap_used, clippy::expect_used)]
//! In-process: the whole application (sandbox mode, port 0) driven over loopback HTTP.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::redact_path;
use crate::config::{Overrides, load_from};
use crate::startup::Application;

struct Running {
    base: String,
    key: String,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start(extra_env: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = vec![
        ("CHECKOUT_SERVER__RATE_LIMIT_PER_MINUTE".into(), "0".into()),
        (
            "CHECKOUT_SERVER__DIST_DIR".into(),
            dir.path().join("dist").display().to_string(),
        ),
    ];
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let overrides = Overrides {
        config_file: None,
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_owned()),
        sandbox_public: false,
    };
    let config = load_from(None, &env, &overrides).unwrap();
    let app = Application::build(config).await.unwrap();
    let base = format!("http://{}", app.addr());
    let key = app.generated_api_key().unwrap().expose().to_owned();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    Running {
        base,
        key,
        stop: Some(stop),
        done,
        _dir: dir,
    }
}

impl Running {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.done)
            .await
            .expect("graceful shutdown took over 10 s")
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_a_payment_and_shuts_down_with_an_open_event_stream() {
    let app = start(&[]).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/api/v1/sessions", app.base))
        .bearer_auth(&app.key)
        .json(&json!({"order_id": "IN-1", "amount": "10.00", "customer_user_id": "u"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let answer = http
        .post(format!("{}/api/v1/checkout/{token}/pay", app.base))
        .json(&json!({"method": "card_form"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["requisites"]["kind"], "redirect");
    // An SSE stream stays open (the session is pending) until the server stops.
    let mut events = http
        .get(format!("{}/api/v1/checkout/{token}/events", app.base))
        .send()
        .await
        .unwrap();
    let first = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("\"pending\""));
    let widget = http
        .get(format!("{}/widget/v1/checkout.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        widget.headers().get("x-frame-options").is_none(),
        "widget assets may be framed"
    );
    app.stop().await;
    // The stream ended with the server.
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the event stream did not end at shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_public_url_turns_on_hsts() {
    let app = start(&[("CHECKOUT_SERVER__PUBLIC_URL", "https://checkout.example.ru")]).await;
    let reply = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(
        reply.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    app.stop().await;
}

#[test]
fn tokens_are_masked_in_logged_paths() {
    let token = "GFNNJMo_-moiIedc_m9YouwhXi0etEK6EgsCGviAJvQ";
    assert_eq!(
        redact_path(&format!("/api/v1/checkout/{token}/pay")),
        "/api/v1/checkout/GFNN…/pay"
    );
    assert_eq!(redact_path(&format!("/pay/{token}")), "/pay/GFNN…");
    let id = "cd50b1e5-d9fb-43a5-9261-cfc8bbe79fe8";
    assert_eq!(
        redact_path(&format!("/api/v1/sessions/{id}")),
        format!("/api/v1/sessions/{id}")
    );
    assert_eq!(
        redact_path("/sandbox/control/payments/100000000/paid"),
        "/sandbox/control/payments/100000000/paid"
    );
}
