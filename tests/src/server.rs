//! `serve` in sandbox mode for the API suites: the real binary on port 0 with its own data
//! directory and config file, and a small blocking HTTP client for our API, the sandbox
//! controls and the metrics.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use crate::{Instance, TempDir, arg, temp_dir, write};

/// Unless a suite sets its own, no per-IP limit (tests hammer from one address).
const NO_RATE_LIMIT: &str = "rate_limit_per_minute = 0\n";

/// A running `alikassa-checkout serve` in sandbox mode.
pub struct Checkout {
    /// The process.
    pub daemon: Instance,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The merchant API key (generated at first start).
    pub api_key: String,
    /// The data directory.
    pub data_dir: PathBuf,
    http: Client,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub text: String,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// The stable error code of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    fn from(response: Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().unwrap_or_default();
        Reply {
            status,
            headers,
            text,
        }
    }
}

/// A fresh data directory.
pub fn data_dir() -> TempDir {
    temp_dir()
}

impl Checkout {
    /// Starts `serve` on port 0 over `data_dir` with `config` (TOML): its leading keys belong
    /// to `[server]`, later sections are its own, e.g.
    /// `"cors_origins = [\"https://a.ru\"]\n[gateway]\ntimeout_secs = 1\n"`.
    pub fn start(data_dir: &Path, config: &str) -> Checkout {
        let path = data_dir.join("suite-checkout.toml");
        let limit = if config.contains("rate_limit_per_minute") {
            ""
        } else {
            NO_RATE_LIMIT
        };
        write(&path, format!("[server]\n{limit}{config}"));
        Checkout::spawn(data_dir, &path)
    }

    /// Starts `serve` on `listen` over `data_dir` with `config` (TOML, leading keys in
    /// `[server]`, as for [`Checkout::start`]) and `envs`, the merchant API key being
    /// `api_key` (set in the config: the way a replica in gateway mode runs, nothing
    /// generated). The database is `DATABASE_URL` from `envs`, else as for any instance.
    pub fn start_configured(
        data_dir: &Path,
        listen: &str,
        config: &str,
        envs: &[(&str, &str)],
        api_key: &str,
    ) -> Checkout {
        let path = data_dir.join("suite-checkout.toml");
        let limit = if config.contains("rate_limit_per_minute") {
            ""
        } else {
            NO_RATE_LIMIT
        };
        write(
            &path,
            format!("[server]\napi_key = \"{api_key}\"\n{limit}{config}"),
        );
        let daemon = Instance::start(
            &[
                "serve",
                "--listen",
                listen,
                "--data-dir",
                arg(data_dir),
                "--config",
                arg(&path),
            ],
            envs,
        );
        Checkout::with(daemon, api_key.to_owned(), data_dir.to_owned())
    }

    fn spawn(data_dir: &Path, config: &Path) -> Checkout {
        let daemon = Instance::start(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                arg(data_dir),
                "--config",
                arg(config),
            ],
            &[],
        );
        let api_key = daemon
            .line_value("api key: ")
            .unwrap_or_else(|| panic!("no api key printed\n{}", daemon.report()))
            .to_owned();
        Checkout::with(daemon, api_key, data_dir.to_owned())
    }

    fn with(daemon: Instance, api_key: String, data_dir: PathBuf) -> Checkout {
        Checkout {
            base: daemon.base.clone(),
            daemon,
            api_key,
            data_dir,
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_else(|e| panic!("http client: {e}")),
        }
    }

    /// Stops the process (SIGTERM, graceful) and starts it again on the same port, data dir
    /// and config (the gateway keeps the notification URLs it was given). The API key
    /// generated at the first start stays valid.
    pub fn restart(self) -> Checkout {
        let Checkout {
            daemon,
            data_dir,
            api_key,
            ..
        } = self;
        Checkout::with(daemon.restart(), api_key, data_dir)
    }

    /// Kills the process (SIGKILL: a crash, nothing flushed on the way out) and starts it
    /// again on the same port, data dir and config.
    pub fn crash_and_restart(self) -> Checkout {
        let Checkout {
            daemon,
            data_dir,
            api_key,
            ..
        } = self;
        Checkout::with(daemon.crash_and_restart(), api_key, data_dir)
    }

    /// The HTTP client.
    pub fn client(&self) -> &Client {
        &self.http
    }

    /// `GET path` without credentials.
    pub fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base)))
    }

    /// `POST path` with a JSON body, without credentials.
    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
    }

    /// `GET path` with the API key.
    pub fn merchant_get(&self, path: &str) -> Reply {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.api_key),
        )
    }

    /// `POST path` with the API key and a JSON body.
    pub fn merchant_post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&self.api_key)
                .json(body),
        )
    }

    /// Sends a prepared request.
    pub fn send(&self, request: reqwest::blocking::RequestBuilder) -> Reply {
        Reply::from(
            request
                .send()
                .unwrap_or_else(|e| panic!("request failed: {e}\n{}", self.daemon.report())),
        )
    }

    /// Creates a session (201 expected); returns its body.
    pub fn create_session(&self, order_id: &str, amount: &str) -> Value {
        let reply = self.merchant_post(
            "/api/v1/sessions",
            &json!({"order_id": order_id, "amount": amount, "customer_user_id": "buyer-1"}),
        );
        assert_eq!(reply.status, 201, "create session: {}", reply.text);
        reply.json()
    }

    /// `POST /api/v1/checkout/{token}/pay {method}`.
    pub fn pay(&self, token: &str, method: &str) -> Reply {
        self.post(
            &format!("/api/v1/checkout/{token}/pay"),
            &json!({ "method": method }),
        )
    }

    /// `GET /api/v1/sessions/{id}` (200 expected).
    pub fn session(&self, id: &str) -> Value {
        let reply = self.merchant_get(&format!("/api/v1/sessions/{id}"));
        assert_eq!(reply.status, 200, "get session: {}", reply.text);
        reply.json()
    }

    /// `POST /sandbox/control/{path}` with an optional JSON body.
    pub fn control(&self, path: &str, body: Option<&Value>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/sandbox/control/{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request)
    }

    /// Sets sandbox fault switches.
    pub fn faults(&self, patch: &Value) {
        let reply = self.control("faults", Some(patch));
        assert_eq!(reply.status, 200, "faults: {}", reply.text);
    }

    /// How many gateway payments the sandbox holds under `order_id`.
    pub fn gateway_payments(&self, order_id: &str) -> usize {
        let reply = self.send(
            self.http
                .get(format!("{}/sandbox/control/payments", self.base))
                .query(&[("order_id", order_id)]),
        );
        reply.json()["payments"].as_array().map_or(0, Vec::len)
    }

    /// Our own counter of signed gateway calls to `path` (e.g. `v1/payment/status`).
    pub fn gateway_calls(&self, path: &str) -> u64 {
        let reply = self.merchant_get("/metrics");
        assert_eq!(reply.status, 200, "metrics: {}", reply.text);
        let prefix = format!("checkout_gateway_calls_total{{path=\"{path}\"}} ");
        reply
            .text
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map_or(0, |n| n.trim().parse().unwrap_or(0))
    }

    /// Polls `done` until it holds (10 s at most); `what` names it in the failure.
    pub fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting until {what}\n{}",
                self.daemon.report()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Polls the widget status until it is `status` (10 s at most); returns the last answer.
    pub fn wait_for_status(&self, token: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let reply = self.get(&format!("/api/v1/checkout/{token}/status"));
            let body = reply.json();
            if body["status"] == status {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "status stayed {body} instead of {status}\n{}",
                self.daemon.report()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl std::fmt::Debug for Checkout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout")
            .field("base", &self.base)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}
