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
    // A stand-in widget build, so `/widget/v1/…` answers with files.
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    for (name, bytes) in [
        ("checkout.js", &b"export const mount = () => {};"[..]),
        ("frontend.js", b"export default function init() {}"),
        ("frontend_bg.wasm", b"\0asm\x01\0\0\0"),
    ] {
        std::fs::write(dist.join(name), bytes).unwrap();
    }
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

/// `Access-Control-Allow-Origin: *` is for the widget's public files under `/widget/` only:
/// every API answer, to a listed origin or not, preflight or not, names at most the caller's
/// own listed origin, and nothing allows credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_widget_files_are_open_to_any_origin() {
    let listed = "https://shop.example.ru";
    let stranger = "https://elsewhere.example";
    let app = start(&[("CHECKOUT_SERVER__CORS_ORIGINS", listed)]).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/api/v1/sessions", app.base))
        .bearer_auth(&app.key)
        .json(&json!({"order_id": "CORS-1", "amount": "10.00", "customer_user_id": "u"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let cors = |method: reqwest::Method, path: String, origin: &'static str| {
        let http = http.clone();
        let url = format!("{}{path}", app.base);
        let key = app.key.clone();
        async move {
            let mut request = http.request(method.clone(), &url).header("origin", origin);
            if method == reqwest::Method::OPTIONS {
                request = request.header("access-control-request-method", "GET");
            }
            let reply = request.bearer_auth(key).send().await.unwrap();
            let header = |name: &str| {
                reply
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
            };
            assert_eq!(
                header("access-control-allow-credentials"),
                None,
                "{method} {path}"
            );
            header("access-control-allow-origin")
        }
    };
    use reqwest::Method;
    for path in [
        "/widget/v1/checkout.js".to_owned(),
        "/widget/v1/manifest.json".to_owned(),
        "/widget/v1/frontend_bg.wasm".to_owned(),
        "/widget/v1/origin".to_owned(),
    ] {
        for origin in [listed, stranger] {
            assert_eq!(
                cors(Method::GET, path.clone(), origin).await.as_deref(),
                Some("*"),
                "{path} from {origin}"
            );
        }
    }
    let api = [
        format!("/api/v1/checkout/{token}"),
        format!("/api/v1/checkout/{token}/status"),
        "/api/v1/sessions".to_owned(),
        "/api/v1/balance".to_owned(),
        "/api/openapi.json".to_owned(),
        format!("/pay/{token}"),
        "/healthz".to_owned(),
        "/metrics".to_owned(),
    ];
    for path in api {
        for method in [Method::GET, Method::OPTIONS] {
            for origin in [listed, stranger] {
                let allowed = cors(method.clone(), path.clone(), origin).await;
                assert_ne!(
                    allowed.as_deref(),
                    Some("*"),
                    "{method} {path} from {origin}"
                );
                let widget_api = path.starts_with("/api/v1/checkout/");
                let expected = (widget_api && origin == listed).then_some(listed);
                assert_eq!(
                    allowed.as_deref(),
                    expected,
                    "{method} {path} from {origin}"
                );
            }
        }
    }
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
