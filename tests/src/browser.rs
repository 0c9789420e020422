//! Browser suites' helpers: the real `alikassa-checkout serve` in sandbox mode, Debian's
//! chromedriver + headless Chromium driven over WebDriver (fantoccini), a second "shop" server
//! on another origin, and reads / clicks that reach into the widget's shadow root.
//!
//! Needs `chromium` and `chromium-driver` (Debian) and a widget build in `dist/`
//! (`scripts/build-widget.sh`); `CHROMEDRIVER` / `CHROMIUM` override the binaries,
//! `ALIKASSA_DIST_DIR` the build.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::{Answer, Daemon, Instance, TempDir, curl, temp_dir, write};

/// How long a condition in the browser may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// The API key the test server is configured with.
pub const API_KEY: &str = "sk_test_e2e-browser-key-0123456789abcdefghijkl";

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Browser suites run one at a time (two cores: several Chromiums at once only add noise).
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// The widget build the server serves.
pub fn dist_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ALIKASSA_DIST_DIR") {
        return PathBuf::from(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dir.join("checkout.js").is_file(),
        "no widget build at {}: run scripts/build-widget.sh first",
        dir.display()
    );
    dir.canonicalize().unwrap_or(dir)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// `alikassa-checkout serve` in sandbox mode on a free port.
pub struct CheckoutServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    daemon: Instance,
    data_dir: PathBuf,
    config: PathBuf,
    _data: TempDir,
}

impl std::fmt::Debug for CheckoutServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutServer")
            .field("base", &self.base)
            .finish()
    }
}

impl CheckoutServer {
    /// Starts the server; `cors_origins` may embed the widget.
    pub fn start(cors_origins: &[&str]) -> CheckoutServer {
        CheckoutServer::start_with(cors_origins, "")
    }

    /// Starts the server with `extra` TOML sections after the suite's own (e.g.
    /// `"[webhooks]\nurl = …"`).
    pub fn start_with(cors_origins: &[&str], extra: &str) -> CheckoutServer {
        CheckoutServer::start_with_env(cors_origins, extra, &[])
    }

    /// [`CheckoutServer::start_with`], with `env` set for the server (e.g.
    /// `CHECKOUT_SERVER__TRUSTED_PROXIES`, whose section the suite's config already opens).
    pub fn start_with_env(
        cors_origins: &[&str],
        extra: &str,
        env: &[(&str, &str)],
    ) -> CheckoutServer {
        let data = temp_dir();
        let config = data.path().join("checkout.toml");
        let origins = cors_origins
            .iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        write(
            &config,
            format!(
                "[server]\ndist_dir = {dist:?}\ncors_origins = [{origins}]\napi_key = {API_KEY:?}\n\
                 rate_limit_per_minute = 100000\nrate_limit_burst = 100000\n\
                 [checkout]\nmerchant_name = \"Кофейня «Зерно»\"\n{extra}",
                dist = dist_dir().display().to_string(),
            ),
        );
        let data_dir = data.path().join("data");
        let daemon = Instance::start(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                crate::arg(&data_dir),
                "--config",
                crate::arg(&config),
            ],
            env,
        );
        let base = daemon.base.clone();
        CheckoutServer {
            base,
            daemon,
            data_dir,
            config,
            _data: data,
        }
    }

    /// The rest of the start-up line starting with `prefix` (e.g. `"dashboard: "`).
    pub fn startup_line(&self, prefix: &str) -> Option<&str> {
        self.daemon.line_value(prefix)
    }

    /// Where this server's database is: its PostgreSQL URL, else its SQLite file.
    pub fn database(&self) -> String {
        self.daemon.database_url().map_or_else(
            || self.data_dir.join("checkout.db").display().to_string(),
            str::to_owned,
        )
    }

    /// `alikassa-checkout operators ARGS` on this server's database, `stdin` given.
    pub fn operators(&self, args: &[&str], stdin: &[u8]) -> crate::Run {
        let mut all: Vec<&str> = vec!["operators"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[
            "--data-dir",
            crate::arg(&self.data_dir),
            "--config",
            crate::arg(&self.config),
        ]);
        // On a PostgreSQL run the server's database is the instance's, not the data dir's.
        let envs: Vec<(&str, &str)> = self
            .daemon
            .database_url()
            .map(|url| ("DATABASE_URL", url))
            .into_iter()
            .collect();
        crate::run_env(crate::bin(), &all, stdin, &envs)
    }

    /// A merchant API call (`Authorization: Bearer` the suite's key).
    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call(method, path, body)
    }

    /// `POST /api/v1/checkout/{token}/pay {method}` (the buyer's choice).
    pub fn pay(&self, token: &str, method: &str) -> Answer {
        self.call(
            "POST",
            &format!("/api/v1/checkout/{token}/pay"),
            Some(json!({ "method": method })),
        )
    }

    /// The server's logs, for failure messages.
    pub fn logs(&self) -> String {
        self.daemon.report()
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string());
        curl(
            method,
            &format!("{}{path}", self.base),
            &[
                ("authorization", &format!("Bearer {API_KEY}")),
                ("content-type", "application/json"),
            ],
            body.as_deref().map(str::as_bytes),
            20,
        )
    }

    /// `POST /api/v1/sessions` for `methods`; returns `(id, token)`.
    pub fn create_session(&self, methods: &[&str], locale: &str) -> (String, String) {
        let order = format!("e2e-{}", uuid_like());
        let answer = self.call(
            "POST",
            "/api/v1/sessions",
            Some(json!({
                "order_id": order,
                "amount": "1500.00",
                "customer_user_id": "buyer-42",
                "methods": methods,
                "locale": locale,
                "description": "Кофе в зёрнах, 1 кг",
                "success_url": "https://shop.example/thanks",
                "fail_url": "https://shop.example/cart",
            })),
        );
        assert_eq!(
            answer.status,
            201,
            "create session: {}\n{}",
            answer.text(),
            self.logs()
        );
        let created: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let field = |name: &str| {
            created[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {created}"))
                .to_owned()
        };
        (field("id"), field("token"))
    }

    /// The gateway payment id of session `id` (once the buyer chose a method).
    pub fn gateway_payment_id(&self, id: &str) -> Option<u64> {
        let answer = self.call("GET", &format!("/api/v1/sessions/{id}"), None);
        let details: Value = serde_json::from_slice(&answer.body).ok()?;
        details["gateway_payment_id"].as_u64()
    }

    /// `POST /sandbox/control/payments/{id}/{action}` (`paid`, `cancel`, `fail`).
    pub fn finish_payment(&self, gateway_id: u64, action: &str) {
        let answer = self.call(
            "POST",
            &format!("/sandbox/control/payments/{gateway_id}/{action}"),
            None,
        );
        assert!(
            (200..300).contains(&answer.status),
            "sandbox {action}: {} {}",
            answer.status,
            answer.text()
        );
    }

    /// `POST /sandbox/control/payments/{id}/paid {"amount": amount}`: the gateway reports the
    /// payment paid with `amount` (`"1.00"`), which may be less than asked.
    pub fn pay_amount(&self, gateway_id: u64, amount: &str) {
        let answer = self.call(
            "POST",
            &format!("/sandbox/control/payments/{gateway_id}/paid"),
            Some(json!({ "amount": amount })),
        );
        assert!(
            (200..300).contains(&answer.status),
            "sandbox paid {amount}: {} {}",
            answer.status,
            answer.text()
        );
    }

    /// `POST /sandbox/control/clock/advance?secs=N`.
    pub fn advance_clock(&self, secs: u64) {
        let answer = self.call(
            "POST",
            &format!("/sandbox/control/clock/advance?secs={secs}"),
            None,
        );
        assert!(
            (200..300).contains(&answer.status),
            "advance clock: {} {}",
            answer.status,
            answer.text()
        );
    }

    /// The sum of the Prometheus samples at `/metrics` whose line starts with `prefix` (a
    /// metric name with the start of its labels); `None` when no sample matches.
    pub fn metric_sum(&self, prefix: &str) -> Option<f64> {
        let answer = self.call("GET", "/metrics", None);
        assert_eq!(answer.status, 200, "/metrics: {}", answer.text());
        let samples: Vec<f64> = answer
            .text()
            .lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .collect();
        (!samples.is_empty()).then(|| samples.iter().sum())
    }

    /// `GET path` without credentials: `(status, headers text, body)`.
    pub fn get(&self, path: &str) -> Answer {
        curl("GET", &format!("{}{path}", self.base), &[], None, 20)
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}")
}

/// A tiny shop on another origin (`http://localhost:PORT`, while the checkout is on
/// `127.0.0.1`): `GET /embed?token=…&locale=…` answers a page with hostile CSS that embeds the
/// widget with one script tag. With `&sse=blocked` the page's `EventSource` never connects (as
/// behind a proxy that buffers streams): it stays `CONNECTING`, reports an error, and counts the
/// streams opened in `window.blockedStreams`. `GET /legacy?token=…` plays a browser without
/// constructed stylesheets (Safari before 16.4) under a policy that allows styles from the
/// checkout's origin only, no inline ones. `GET /strict?token=…[&forgot=connect]` is a shop
/// under a strict policy that forgot what the widget needs ('wasm-unsafe-eval', or the checkout
/// in connect-src).
pub struct ShopServer {
    /// `http://localhost:PORT`.
    pub origin: String,
    checkout: Arc<Mutex<String>>,
}

/// CSS a careless or hostile shop might have: it must not reach the widget.
pub const HOSTILE_CSS: &str = "* { color: rgb(255, 0, 0) !important; font-family: 'Comic Sans MS', cursive !important; \
     font-size: 31px !important; letter-spacing: 9px !important; } \
     div { display: inline !important; padding: 40px !important; background: rgb(0, 255, 0) !important; } \
     button, a { visibility: hidden !important; } span { display: none !important; } \
     :root { --akc-accent: rgb(1, 2, 3); }";

impl std::fmt::Debug for ShopServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopServer")
            .field("origin", &self.origin)
            .finish()
    }
}

impl ShopServer {
    /// Listens on a free port; pages embed the checkout at the origin given by
    /// [`ShopServer::set_checkout`].
    pub fn start() -> ShopServer {
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("shop bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let checkout = Arc::new(Mutex::new(String::new()));
        let base = Arc::clone(&checkout);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let base = base.lock().map(|b| b.clone()).unwrap_or_default();
                std::thread::spawn(move || serve_shop(stream, &base));
            }
        });
        ShopServer {
            origin: format!("http://localhost:{port}"),
            checkout,
        }
    }

    /// Where the widget comes from.
    pub fn set_checkout(&self, base: &str) {
        if let Ok(mut b) = self.checkout.lock() {
            *b = base.to_owned();
        }
    }
}

fn query_param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

fn serve_shop(stream: TcpStream, checkout: &str) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
        line.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut policy = String::new();
    let (status, body): (&str, String) = match path {
        "/embed" => {
            let token = query_param(query, "token");
            let locale = query_param(query, "locale");
            let mut blocker = if query_param(query, "sse") == "blocked" {
                BLOCKED_EVENT_SOURCE.to_owned()
            } else {
                String::new()
            };
            let fault = query_param(query, "fault");
            if !fault.is_empty() {
                blocker.push_str(&FAULTY_FETCH.replace("{fault}", &fault));
            }
            let page = format!(
                r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Hostile shop</title>
<style>{HOSTILE_CSS}</style></head>
<body><h1>Checkout</h1>
<div id="pay"></div>{blocker}
<script>window.widgetEvents = []; for (const t of ["ready","method_selected","requisites_shown","paid","underpaid","failed","cancelled","expired","error"]) document.addEventListener(t, e => window.widgetEvents.push(t + " " + JSON.stringify(e.detail)));</script>
<script type="module" src="{checkout}/widget/v1/checkout.js" data-token="{token}" data-target="#pay" data-locale="{locale}"></script>
</body></html>"##
            );
            ("200 OK", page)
        }
        "/element" => {
            let token = query_param(query, "token");
            let page = format!(
                r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Element shop</title><style>{HOSTILE_CSS}</style></head>
<body><alikassa-checkout token="{token}" locale="en" theme="dark"></alikassa-checkout>
<script type="module" src="{checkout}/widget/v1/checkout.js"></script></body></html>"#
            );
            ("200 OK", page)
        }
        "/strict" => {
            // A strict policy that forgot 'wasm-unsafe-eval': the wasm may not compile. With
            // `&forgot=connect`, one that forgot the checkout in connect-src instead: no request
            // to it (wasm, view) may leave.
            let token = query_param(query, "token");
            policy = if query_param(query, "forgot") == "connect" {
                format!(
                    "content-security-policy: default-src 'none'; script-src 'unsafe-inline' {checkout} \
                     'wasm-unsafe-eval'; connect-src 'self'; style-src 'unsafe-inline'\r\n"
                )
            } else {
                format!(
                    "content-security-policy: default-src 'none'; script-src 'unsafe-inline' {checkout}; \
                     connect-src {checkout}; style-src 'unsafe-inline'\r\n"
                )
            };
            let page = format!(
                r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Strict shop</title></head>
<body><h1>Checkout</h1><div id="pay">Loading the payment form…</div>
<script>window.widgetEvents = []; document.addEventListener("error", e => e.detail && window.widgetEvents.push("error " + JSON.stringify(e.detail)));</script>
<script type="module" src="{checkout}/widget/v1/checkout.js" data-token="{token}" data-target="#pay" data-locale="en"></script>
</body></html>"##
            );
            ("200 OK", page)
        }
        "/legacy" => {
            let token = query_param(query, "token");
            policy = format!(
                "content-security-policy: default-src 'none'; script-src 'unsafe-inline' {checkout} \
                 'wasm-unsafe-eval'; connect-src {checkout}; style-src {checkout}; img-src {checkout} data:\r\n"
            );
            let page = format!(
                r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Legacy shop</title>
<script>window.CSSStyleSheet = class {{ constructor() {{ throw new TypeError("Illegal constructor"); }} }};</script></head>
<body><div id="pay"></div>
<script type="module" src="{checkout}/widget/v1/checkout.js" data-token="{token}" data-target="#pay" data-locale="en"></script>
</body></html>"##
            );
            ("200 OK", page)
        }
        _ => ("404 Not Found", "not found".to_owned()),
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n{policy}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// An `EventSource` that never connects: constructed, it stays `CONNECTING` and fires `error`
/// after a moment, like a stream a proxy holds back.
const BLOCKED_EVENT_SOURCE: &str = r#"
<script>window.blockedStreams = 0; window.EventSource = class extends EventTarget {
  constructor(url) { super(); this.url = url; this.readyState = 0; window.blockedStreams += 1;
    setTimeout(() => { if (this.readyState === 0) this.dispatchEvent(new Event("error")); }, 300); }
  close() { this.readyState = 2; } };</script>"#;

/// `window.fetch` that fails the way `window.fault` says (`offline`: no answer from the
/// checkout's API; `502`: the API answers a gateway error; `wasm`: the WebAssembly does not
/// download). Setting `window.fault = ""` heals it.
const FAULTY_FETCH: &str = r#"
<script>window.fault = "{fault}"; const realFetch = window.fetch;
window.fetch = function (input, init) {
  const url = String(input && input.url ? input.url : input);
  if (fault === "offline" && (url.includes("/api/") || url.includes("/widget/v1/origin"))) return Promise.reject(new TypeError("Failed to fetch"));
  if (fault === "502" && url.includes("/api/v1/checkout/")) return Promise.resolve(new Response(JSON.stringify({error: {code: "gateway_unavailable", message: "The payment gateway is not answering."}}), {status: 502, headers: {"content-type": "application/json"}}));
  if (fault === "wasm" && url.endsWith(".wasm")) return Promise.reject(new TypeError("Failed to fetch"));
  return realFetch.apply(this, arguments);
};</script>"#;

/// `POST /session/{id}/goog/cdp/execute`: one DevTools command through chromedriver.
#[derive(Debug)]
struct Cdp {
    command: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.command, "params": self.params}).to_string()),
        )
    }
}

/// `POST /session/{id}/se/log {"type": "browser"}`: chromedriver's console log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// Headless Chromium behind chromedriver.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    _driver: Daemon,
    _profile: TempDir,
}

/// Finds `[data-testid=ID]` in the page or inside any widget's shadow root.
const FIND_JS: &str = r#"
const id = arguments[0];
const sel = `[data-testid="${id}"]`;
const direct = document.querySelector(sel);
if (direct) return direct;
for (const host of document.querySelectorAll("[data-alikassa-checkout], alikassa-checkout")) {
  const el = host.shadowRoot && host.shadowRoot.querySelector(sel);
  if (el) return el;
}
return null;
"#;

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Browser")
    }
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium profile (1280×800).
    pub async fn start() -> Browser {
        let profile = temp_dir();
        let port = free_port();
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port_arg = format!("--port={port}");
        let driver = Daemon::spawn(&driver_bin, &[port_arg.as_str()], |lines| {
            lines.iter().any(|l| l.contains("started successfully"))
        });
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                    // A shop origin that is not loopback (sandbox mode allows any loopback one).
                    "--host-resolver-rules=MAP shop.test 127.0.0.1",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!("cannot start a Chromium session: {e}\n{}", driver.report())
            });
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` available) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// `(exists, text, data-status, attribute)` of a test hook, read in one round trip.
    pub async fn probe(&self, testid: &str, attribute: &str) -> Option<(String, Option<String>)> {
        let script = format!(
            "const find = () => {{ {FIND_JS} }}; const el = find(); \
             return el ? [el.textContent, el.getAttribute(arguments[1])] : null;"
        );
        let value = self
            .js(&script, vec![json!(testid), json!(attribute)])
            .await;
        let pair = value.as_array()?;
        Some((
            pair.first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            pair.get(1).and_then(Value::as_str).map(str::to_owned),
        ))
    }

    /// Text of a test hook, if present.
    pub async fn text(&self, testid: &str) -> Option<String> {
        self.probe(testid, "data-testid").await.map(|(t, _)| t)
    }

    /// An attribute of a test hook, if present.
    pub async fn attr(&self, testid: &str, attribute: &str) -> Option<String> {
        self.probe(testid, attribute).await.and_then(|(_, a)| a)
    }

    /// Waits until `testid` exists.
    pub async fn wait_for(&self, testid: &str) {
        let deadline = Instant::now() + WAIT;
        while self.text(testid).await.is_none() {
            assert!(
                Instant::now() < deadline,
                "[data-testid={testid}] did not appear; page: {}",
                self.widget_html().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the widget's status hook says `status`.
    pub async fn wait_status(&self, status: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = self.attr("status", "data-status").await;
            if now.as_deref() == Some(status) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "status stayed {now:?}, expected {status}; page: {}",
                self.widget_html().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks a test hook like a person would (WebDriver click through the shadow root).
    pub async fn click(&self, testid: &str) {
        self.wait_for(testid).await;
        let hosts = self
            .client
            .find_all(Locator::Css("[data-alikassa-checkout], alikassa-checkout"))
            .await
            .unwrap_or_default();
        let selector = format!("[data-testid='{testid}']");
        for host in hosts {
            let Ok(root) = host.shadow_root().await else {
                continue;
            };
            if let Ok(element) = root.find(Locator::Css(&selector)).await {
                element
                    .click()
                    .await
                    .unwrap_or_else(|e| panic!("click {testid}: {e}"));
                return;
            }
        }
        let element = self
            .client
            .find(Locator::Css(&selector))
            .await
            .unwrap_or_else(|e| panic!("no {testid} to click: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {testid}: {e}"));
    }

    /// The widget's markup (first widget), for failure messages.
    pub async fn widget_html(&self) -> String {
        self.js(
            "const h = document.querySelector('[data-alikassa-checkout], alikassa-checkout'); \
             return h && h.shadowRoot ? h.shadowRoot.innerHTML : document.documentElement.outerHTML;",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(4000)
        .collect()
    }

    /// Console messages of level SEVERE since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .unwrap_or_else(|e| panic!("reading the console: {e}"));
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs a DevTools protocol command (`Network.setBlockedURLs`, …) in the current tab.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                command: command.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    /// Resizes the window so that the viewport is `width`×`height` CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize: {e}"));
        let inner = self.js("return [innerWidth, innerHeight]", vec![]).await;
        let dim = |i: usize, want: u32| {
            let got = inner[i].as_u64().unwrap_or(u64::from(want));
            u32::try_from(u64::from(want) * 2 - got.min(u64::from(want) * 2)).unwrap_or(want)
        };
        self.client
            .set_window_size(dim(0, width), dim(1, height))
            .await
            .unwrap_or_else(|e| panic!("resize: {e}"));
    }

    /// Saves a PNG screenshot of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        write(path, png);
    }

    /// Ends the session (the driver and profile go with the struct).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
