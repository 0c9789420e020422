//! HTTP fuzzing of the real `serve` binary (sandbox mode): thousands of generated and mutated
//! requests — methods, paths, query strings, headers, bodies (JSON deep / huge / odd Unicode /
//! truncated / slow, forms, garbage, chunked), API keys real and fake, session tokens real
//! and fake — at every public route: merchant API, widget API, webhook, sandbox gateway and
//! controls, hosted page, widget assets.
//!
//! It passes only when:
//! * the server log has no panic;
//! * no answer is a 5xx except the documented gateway errors ([`allowed_5xx`]);
//! * every well-formed request gets an answer (a dropped connection is a crashed handler);
//! * phase A (no valid credential: no key or a wrong one, fake tokens, unsigned webhooks,
//!   sandbox controls on ids that do not exist) changes nothing: sessions, attempts, events,
//!   payouts and the sandbox's payments, payouts, clock and faults are the same after it;
//! * phase B (the real key, real tokens) leaves the final session final;
//! * at the end `/healthz` answers and a fresh session is paid.
//!
//! Seeded: the seed is printed, `FUZZ_SEED=N` replays it (each worker thread draws from its
//! own generator seeded from it). `FUZZ_REQUESTS=N` sets the number of requests (default
//! 15 000), `FUZZ_LONG=1` runs 200 000; either way the run stops at its time budget (35 s, long:
//! 15 min) and says how many were sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::server::{Checkout, data_dir};
use serde_json::{Value, json};
use socket2::{Domain, Socket, Type};

const THREADS: u64 = 4;

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: sends exactly the bytes it is given.
// ---------------------------------------------------------------------------------------------

/// One generated request.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    target: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// Send only this many body bytes (a truncated body) and close the write side.
    truncate: Option<usize>,
    /// Send the body in pieces with pauses.
    slow: bool,
    /// Valid HTTP with a complete body: an answer is owed.
    well_formed: bool,
    /// Which route family, for the figures and the 5xx rule.
    family: &'static str,
}

/// What came back.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    head: String,
    body: Vec<u8>,
}

/// A connection to `addr` from 127.0.0.2: the fuzzer is not the gateway, whose notifications
/// (the sandbox's, from 127.0.0.1) must still get through the per-address limit on refused
/// notifications that the fuzzer's garbage runs into.
fn connect(addr: &str) -> Option<TcpStream> {
    let server: SocketAddr = addr.parse().ok()?;
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .ok()?;
    socket.connect(&server.into()).ok()?;
    Some(socket.into())
}

fn send(addr: &str, req: &Req) -> Answer {
    let none = Answer {
        status: None,
        head: String::new(),
        body: Vec::new(),
    };
    let Some(mut stream) = connect(addr) else {
        return none;
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut head = Vec::new();
    head.extend_from_slice(req.method.as_bytes());
    head.push(b' ');
    head.extend_from_slice(&req.target);
    head.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &req.headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let body = match req.truncate {
        Some(n) => &req.body[..n.min(req.body.len())],
        None => &req.body[..],
    };
    let wrote = if req.slow {
        stream.write_all(&head).is_ok()
            && body.chunks(body.len().div_ceil(4).max(1)).all(|piece| {
                std::thread::sleep(Duration::from_millis(60));
                stream.write_all(piece).is_ok()
            })
    } else {
        head.extend_from_slice(body);
        stream.write_all(&head).is_ok()
    };
    if req.truncate.is_some() {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let _ = wrote;
    read_answer(&mut stream, req.method == "HEAD")
}

fn read_answer(stream: &mut TcpStream, head_only: bool) -> Answer {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break Some(i);
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let Some(head_end) = head_end else {
        return Answer {
            status: None,
            head: String::from_utf8_lossy(&buf).into_owned(),
            body: Vec::new(),
        };
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok());
    let lower = head.to_ascii_lowercase();
    let mut body = buf[head_end + 4..].to_vec();
    // Streams (SSE) never end: the status is what counts.
    let no_body = head_only || matches!(status, Some(100..=199 | 204 | 304));
    if !no_body && !lower.contains("text/event-stream") {
        let want = lower
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let deadline = Instant::now() + Duration::from_secs(5);
        while want.is_none_or(|w| body.len() < w) && Instant::now() < deadline {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
            if want.is_none() && body.ends_with(b"0\r\n\r\n") {
                break;
            }
        }
    }
    Answer { status, head, body }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------------------------

/// What the generator may aim at.
#[derive(Debug, Clone)]
struct Targets {
    host: String,
    api_key: String,
    /// Tokens of sessions phase B may use (the sacrificial open one and the paid one).
    tokens: Vec<String>,
    session_ids: Vec<String>,
    payout_ids: Vec<String>,
    /// Ids the sandbox holds: phase A must not aim controls at them.
    gateway_ids: Vec<u64>,
    gateway_uuids: Vec<String>,
    /// Whether this server has the widget built (else its assets answer 503 by design).
    widget_built: bool,
}

const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "\u{feff}",
    "😀👨‍👩‍👧",
    "\u{202e}evil",
    "Ё\u{301}",
    "\\",
    "\"",
    "../../../../etc/passwd",
    "%00",
    "%zz",
    "%ff%fe",
    "null",
    "-0",
    "1e400",
    "99999999999999999999999",
    "0x10",
    "NaN",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\r\nX-Injected: 1",
];

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "FOO", "POST",
    "GET",
];

const PAY_METHODS: &[&str] = &[
    "card_form",
    "card_transfer",
    "sbp",
    "sberpay",
    "account_form",
    "account_transfer",
];

struct Gen {
    rng: fastrand::Rng,
    t: Targets,
    authed: bool,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn odd(&mut self) -> String {
        match self.rng.u8(..6) {
            0 => (*self.pick(ODD_STRINGS)).to_owned(),
            1 => self.rng.u64(..).to_string(),
            2 => {
                let n = self.rng.usize(0..40);
                std::iter::repeat_with(|| self.rng.alphanumeric())
                    .take(n)
                    .collect()
            }
            3 => {
                let n = self.rng.usize(0..20);
                std::iter::repeat_with(|| self.rng.char(..))
                    .take(n)
                    .collect()
            }
            4 => "x".repeat(self.rng.usize(100..5000)),
            _ => format!("{}-{}", self.rng.i64(..), self.rng.alphanumeric()),
        }
    }

    fn token(&mut self) -> String {
        if self.authed && !self.t.tokens.is_empty() && self.chance(0.6) {
            return self.pick(&self.t.tokens.clone()).clone();
        }
        match self.rng.u8(..4) {
            // Token-shaped but not issued.
            0 => std::iter::repeat_with(|| self.rng.alphanumeric())
                .take(32)
                .collect(),
            1 => {
                // A real token with one character changed.
                let mut t: Vec<char> = self
                    .t
                    .tokens
                    .first()
                    .cloned()
                    .unwrap_or_default()
                    .chars()
                    .collect();
                if !t.is_empty() {
                    let i = self.rng.usize(..t.len());
                    t[i] = if t[i] == 'A' { 'B' } else { 'A' };
                }
                t.into_iter().collect()
            }
            _ => url_escape(&self.odd()),
        }
    }

    fn id(&mut self, known: &[String]) -> String {
        if self.authed && !known.is_empty() && self.chance(0.5) {
            return self.pick(known).clone();
        }
        match self.rng.u8(..3) {
            0 => uuid_like(&mut self.rng),
            1 => self.rng.u64(..).to_string(),
            _ => url_escape(&self.odd()),
        }
    }

    /// A gateway id the sandbox does not hold (phase A) or any (phase B).
    fn gateway_id(&mut self) -> String {
        if self.authed && !self.t.gateway_ids.is_empty() && self.chance(0.3) {
            return self.pick(&self.t.gateway_ids.clone()).to_string();
        }
        loop {
            let candidate = match self.rng.u8(..3) {
                0 => self.rng.u64(..).to_string(),
                1 => self.rng.u64(1..100_000_000_000).to_string(),
                _ => url_escape(&self.odd()),
            };
            if !self
                .t
                .gateway_ids
                .iter()
                .any(|g| g.to_string() == candidate.trim_start_matches('0'))
            {
                return candidate;
            }
        }
    }

    fn json_value(&mut self, depth: u32) -> Value {
        match self.rng.u8(..if depth > 3 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.rng.bool()),
            2 => json!(self.rng.i64(..)),
            3 => json!(self.rng.f64() * 1e12),
            4 => json!(self.odd()),
            5 => Value::Array(
                (0..self.rng.usize(0..4))
                    .map(|_| self.json_value(depth + 1))
                    .collect(),
            ),
            _ => {
                let mut m = serde_json::Map::new();
                for _ in 0..self.rng.usize(0..4) {
                    let k = self.odd();
                    m.insert(k, self.json_value(depth + 1));
                }
                Value::Object(m)
            }
        }
    }

    /// A plausible body for the route, then maybe broken.
    fn body_for(&mut self, family: &str) -> Vec<u8> {
        let base = match family {
            "sessions" => {
                let mut v = json!({
                    "order_id": format!("fz-{}", self.rng.u64(..)),
                    "amount": self.pick(&["1500.00", "0.01", "0", "-1", "1e3", "999999999.99", "1000000000"]).to_string(),
                    "customer_user_id": "fuzz-buyer",
                });
                if self.chance(0.5) {
                    v["methods"] = json!([self.pick(PAY_METHODS), self.odd()]);
                }
                if self.chance(0.3) {
                    v["success_url"] = json!(
                        self.pick(&[
                            "https://shop.example/ok",
                            "javascript:alert(1)",
                            "http://[::1",
                            ""
                        ])
                        .to_string()
                    );
                }
                if self.chance(0.3) {
                    v["lifetime_secs"] = self.json_value(3);
                }
                if self.chance(0.3) {
                    v["description"] = json!(self.odd());
                }
                v
            }
            "pay" => {
                json!({"method": if self.chance(0.7) { (*self.pick(PAY_METHODS)).to_owned() } else { self.odd() }})
            }
            "payouts" => json!({
                "kind": self.pick(&["sbp", "account", "card", "x"]).to_string(),
                "amount": self.pick(&["1.00", "0", "abc", "100000000000"]).to_string(),
                "phone": self.pick(&["79031112233", "89031112233", "+7 (903) 111-22-33", ""]).to_string(),
                "bank_member_id": "100000000111",
                "account": "40817810099910004312", "bic": "044525225", "holder": self.odd(),
            }),
            "webhook" => json!({
                "type": "payment", "id": self.gateway_id(), "order_id": self.odd(),
                "payment_status": self.pick(&["paid", "cancel", "fail", "wait"]).to_string(),
                "amount": "1500.00", "payment_amount": "1500.00", "sign": self.odd(),
            }),
            "control" => json!({"amount": self.pick(&["1.00", "-1", "x"]).to_string()}),
            _ => self.json_value(0),
        };
        let text = serde_json::to_vec(&base).unwrap();
        self.mangle(text)
    }

    fn mangle(&mut self, mut body: Vec<u8>) -> Vec<u8> {
        match self.rng.u8(..16) {
            0 => body.clear(),
            1 => {
                // Byte flips.
                for _ in 0..self.rng.usize(1..6) {
                    if !body.is_empty() {
                        let i = self.rng.usize(..body.len());
                        body[i] = self.rng.u8(..);
                    }
                }
            }
            2 => body.truncate(self.rng.usize(..=body.len())),
            3 => {
                let depth = self.rng.usize(50..20_000);
                body = format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
            }
            4 => {
                let depth = self.rng.usize(50..5_000);
                body = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes();
            }
            5 => {
                // Huge: near and past the 64 KiB body limit.
                let n = self
                    .pick(&[60_000usize, 65_536, 70_000, 300_000])
                    .to_owned();
                body = format!("{{\"method\":\"{}\"}}", "é".repeat(n / 2)).into_bytes();
            }
            6 => body = br#"{"method":"\ud800","order_id":"\udfff\u0000"}"#.to_vec(),
            7 => {
                let mut b = vec![0xef, 0xbb, 0xbf];
                b.extend_from_slice(&body);
                body = b;
            }
            8 => body = b"\xff\xfe\x00{\x00}".to_vec(),
            9 => body = br#"{"method":"sbp","method":"card_form","amount":1e999}"#.to_vec(),
            10 => body = format!("a=1&sign={}&id=%zz&%ff=\u{0}", self.odd()).into_bytes(),
            11 => body = serde_json::to_vec(&self.json_value(0)).unwrap(),
            _ => {}
        }
        body
    }

    fn query(&mut self) -> String {
        match self.rng.u8(..8) {
            0 => format!("?{}", url_escape(&self.odd())),
            1 => "?limit=-1&limit=99999999999&cursor=%zz&status=nope".to_owned(),
            2 => format!("?order_id={}", url_escape(&self.odd())),
            3 => format!("?{}", "a=1&".repeat(self.rng.usize(1..500))),
            4 => "?secs=abc".to_owned(),
            _ => String::new(),
        }
    }

    fn auth(&mut self) -> Option<Vec<u8>> {
        if self.authed && self.chance(0.8) {
            return Some(format!("Bearer {}", self.t.api_key).into_bytes());
        }
        let key = self.t.api_key.clone();
        match self.rng.u8(..8) {
            0 => None,
            1 => Some(b"Bearer ".to_vec()),
            2 => Some(format!("Bearer {}", key.to_uppercase()).into_bytes()),
            3 => Some(format!("Bearer {}x", key).into_bytes()),
            4 => Some(format!("Bearer {}", &key[..key.len() - 1]).into_bytes()),
            5 => Some(format!("Basic {key}").into_bytes()),
            6 => Some(vec![b'B', 0xff, 0xfe, b' ', 0x80]),
            _ => Some(format!("Bearer sk_test_{}", self.odd()).into_bytes()),
        }
    }

    fn request(&mut self) -> Req {
        let token = self.token();
        let session_ids = self.t.session_ids.clone();
        let payout_ids = self.t.payout_ids.clone();
        let gid = self.gateway_id();
        let uuid = if self.authed && !self.t.gateway_uuids.is_empty() && self.chance(0.3) {
            self.pick(&self.t.gateway_uuids.clone()).clone()
        } else {
            uuid_like(&mut self.rng)
        };
        let action = self.pick(&["paid", "cancel", "fail", "x", ""]).to_string();
        let (method, path, family): (&str, String, &'static str) = match self.rng.u8(..30) {
            0 | 1 => ("POST", "/api/v1/sessions".into(), "sessions"),
            2 => ("GET", "/api/v1/sessions".into(), "merchant"),
            3 => (
                "GET",
                format!("/api/v1/sessions/{}", self.id(&session_ids)),
                "merchant",
            ),
            4 => ("GET", "/api/v1/events".into(), "merchant"),
            5 => (
                "GET",
                format!("/api/v1/events/{}", self.id(&[])),
                "merchant",
            ),
            6 => (
                "POST",
                format!("/api/v1/events/{}/resend", self.id(&[])),
                "merchant",
            ),
            7 => ("POST", "/api/v1/payouts".into(), "payouts"),
            8 => (
                "GET",
                format!("/api/v1/payouts/{}", self.id(&payout_ids)),
                "merchant",
            ),
            9 => (
                "POST",
                format!("/api/v1/payouts/{}/refresh", self.id(&payout_ids)),
                "gateway",
            ),
            10 => ("GET", "/api/v1/balance".into(), "gateway"),
            11 | 12 => ("GET", format!("/api/v1/checkout/{token}"), "widget"),
            13 | 14 => ("POST", format!("/api/v1/checkout/{token}/pay"), "pay"),
            15 => ("GET", format!("/api/v1/checkout/{token}/status"), "widget"),
            16 => ("GET", format!("/api/v1/checkout/{token}/events"), "widget"),
            17 => ("POST", format!("/api/v1/checkout/{token}/check"), "gateway"),
            18 | 19 => (
                *self.pick(&["GET", "POST"]),
                "/webhooks/alikassa".into(),
                "webhook",
            ),
            20 => (
                "POST",
                format!(
                    "/sandbox/v1/{}",
                    self.pick(&[
                        "payment",
                        "payment/status",
                        "payment/history",
                        "payout",
                        "payout/status",
                        "account/balance",
                        "account/info"
                    ])
                ),
                "sandbox",
            ),
            21 => (
                "POST",
                format!(
                    "/sandbox/control/{}/{gid}/{action}",
                    self.pick(&["payments", "payouts"])
                ),
                "control",
            ),
            22 => (
                "GET",
                format!(
                    "/sandbox/control/{}{}",
                    self.pick(&[
                        "payments",
                        "payouts",
                        "accounts",
                        "clock",
                        "faults",
                        "faults/log",
                        "notifications"
                    ]),
                    self.query()
                ),
                "sandbox",
            ),
            23 => ("GET", format!("/sandbox/control/payments/{gid}"), "sandbox"),
            24 => ("POST", format!("/sandbox/pay/{uuid}/{action}"), "sandbox"),
            25 => ("GET", format!("/sandbox/pay/{uuid}"), "sandbox"),
            26 => ("GET", format!("/pay/{token}"), "hosted"),
            27 => (
                "GET",
                format!(
                    "/widget/v1/{}",
                    self.pick(&[
                        "checkout.js",
                        "checkout.css",
                        "x.wasm",
                        "../../Cargo.toml",
                        "%2e%2e/%2e%2e/etc/passwd",
                        ""
                    ])
                ),
                "assets",
            ),
            28 => (
                "GET",
                (*self.pick(&[
                    "/healthz",
                    "/readyz",
                    "/metrics",
                    "/api/openapi.json",
                    "/",
                    "/dashboard/",
                    "/demo/",
                ]))
                .to_owned(),
                "misc",
            ),
            _ => ("GET", format!("/{}", url_escape(&self.odd())), "misc"),
        };
        // Sandbox controls other than a payment's or payout's end are read only here: a
        // clock move or a fault patch changes the emulator by design.
        let read_only = family == "sandbox" && path.starts_with("/sandbox/control/");
        let method = if !read_only && self.chance(0.12) {
            (*self.pick(METHODS)).to_owned()
        } else {
            method.to_owned()
        };
        let mut target = format!(
            "{path}{}",
            if family == "sandbox" || path.contains('?') {
                String::new()
            } else {
                self.query()
            }
        )
        .into_bytes();
        if self.chance(0.03) {
            // Raw bytes in the request target.
            target.extend_from_slice(&[b'/', 0xc3, 0x28, b'%', b'%']);
        }
        let mut body = if method == "GET" && self.chance(0.8) {
            Vec::new()
        } else {
            self.body_for(family)
        };
        if family == "webhook" && self.chance(0.4) {
            body = format!(
                "type=payment&id={}&payment_status=paid&order_id={}&sign={}",
                gid,
                url_escape(&self.odd()),
                url_escape(&self.odd())
            )
            .into_bytes();
        }
        let mut headers: Vec<(String, Vec<u8>)> =
            vec![("Host".into(), self.t.host.clone().into_bytes())];
        if let Some(auth) = self.auth() {
            headers.push(("Authorization".into(), auth));
        }
        let content_type = self.pick(&[
            "application/json",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/json; charset=utf-16",
            "",
            "application/json",
        ]);
        if !content_type.is_empty() {
            headers.push(("Content-Type".into(), content_type.as_bytes().to_vec()));
        }
        let mut well_formed = !target.iter().any(|b| !b.is_ascii_graphic());
        let mut chunked = false;
        match self.rng.u8(..20) {
            0 => headers.push(("Idempotency-Key".into(), self.odd().into_bytes())),
            1 => headers.push(("Last-Event-ID".into(), self.odd().into_bytes())),
            2 => headers.push(("X-Forwarded-For".into(), b"1.2.3.4, ::1, garbage".to_vec())),
            3 => headers.push(("Origin".into(), b"https://evil.example".to_vec())),
            4 => headers.push(("Accept-Language".into(), self.odd().into_bytes())),
            5 => headers.push(("Content-Encoding".into(), b"gzip".to_vec())),
            6 => headers.push(("X-Request-Id".into(), self.odd().into_bytes())),
            7 => {
                headers.push(("X-Big".into(), vec![b'a'; self.rng.usize(1000..70_000)]));
                well_formed = false;
            }
            8 => {
                headers.push(("Bad\u{1}Name".into(), b"v".to_vec()));
                well_formed = false;
            }
            9 => {
                headers.push(("X-Bytes".into(), vec![0xff, 0x00, 0x7f]));
                well_formed = false;
            }
            10 => chunked = true,
            11 => headers.push(("Sign".into(), self.odd().into_bytes())),
            12 => headers.push(("Account".into(), uuid_like(&mut self.rng).into_bytes())),
            _ => {}
        }
        if family == "payouts" && self.chance(0.7) {
            headers.push((
                "Idempotency-Key".into(),
                format!("fz-{}", self.rng.u32(..)).into_bytes(),
            ));
        }
        let mut truncate = None;
        let slow = self.chance(0.02);
        if chunked {
            headers.push(("Transfer-Encoding".into(), b"chunked".to_vec()));
            body = if self.chance(0.5) {
                format!("{:x}\r\n", body.len())
                    .into_bytes()
                    .into_iter()
                    .chain(body)
                    .chain(*b"\r\n0\r\n\r\n")
                    .collect()
            } else {
                well_formed = false;
                b"zz\r\nabc\r\n".to_vec()
            };
        } else {
            match self.rng.u8(..25) {
                0 => {
                    // Claims more than it sends.
                    headers.push((
                        "Content-Length".into(),
                        (body.len() + 100).to_string().into_bytes(),
                    ));
                    truncate = Some(body.len());
                    well_formed = false;
                }
                1 => {
                    headers.push(("Content-Length".into(), b"-5".to_vec()));
                    well_formed = false;
                }
                2 => {
                    headers.push(("Content-Length".into(), body.len().to_string().into_bytes()));
                    headers.push((
                        "Content-Length".into(),
                        (body.len() + 1).to_string().into_bytes(),
                    ));
                    well_formed = false;
                }
                _ => headers.push(("Content-Length".into(), body.len().to_string().into_bytes())),
            }
        }
        let control_bytes = headers
            .iter()
            .any(|(_, v)| v.iter().any(|b| *b < 0x20 && *b != b'\t'));
        if control_bytes || !METHODS[..8].contains(&method.as_str()) || method == "TRACE" {
            well_formed = false;
        }
        headers.push(("Connection".into(), b"close".to_vec()));
        Req {
            method,
            target,
            headers,
            body,
            truncate,
            slow,
            well_formed,
            family,
        }
    }
}

fn uuid_like(rng: &mut fastrand::Rng) -> String {
    let hex: String = std::iter::repeat_with(|| char::from_digit(rng.u32(..16), 16).unwrap())
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rules.
// ---------------------------------------------------------------------------------------------

/// The 5xx a route may answer by design: 502 (`gateway_rejected`, `gateway_unavailable`,
/// `gateway_auth`) and 504 (`gateway_timeout`) where the server calls the gateway (pay, the
/// buyer's check, payouts, refresh, balance), and 503 `request_timeout` for a body that is
/// sent slowly; 503 from `/readyz` (not ready is its answer) and from the widget's assets and
/// hosted page on a server whose widget is not built. Everything else — a 500 above all — fails the run.
fn allowed_5xx(req: &Req, status: u16, body: &[u8], widget_built: bool) -> bool {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let calls_gateway = matches!(req.family, "pay" | "gateway" | "payouts");
    match status {
        502 => {
            calls_gateway
                && matches!(
                    code.as_str(),
                    "gateway_rejected" | "gateway_unavailable" | "gateway_auth"
                )
        }
        504 => calls_gateway && code == "gateway_timeout",
        503 => {
            let text = String::from_utf8_lossy(body);
            (req.slow && code == "request_timeout")
                // Readiness says "not ready" with a 503 by design; assets and the hosted page
                // answer 503 on a server whose widget is not built (`cargo test` without
                // scripts/build-widget.sh).
                || (String::from_utf8_lossy(&req.target).starts_with("/readyz")
                    && text.contains("not_ready"))
                || (matches!(req.family, "assets" | "hosted" | "misc") && !widget_built)
        }
        _ => false,
    }
}

#[derive(Debug, Default)]
struct Tally {
    sent: u64,
    by_status: BTreeMap<String, u64>,
    by_family: BTreeMap<&'static str, u64>,
    failures: Vec<String>,
}

fn run_phase(
    app: &Checkout,
    targets: &Targets,
    authed: bool,
    seed: u64,
    budget: u64,
    deadline: Instant,
) -> Tally {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let per_thread = budget.div_ceil(THREADS);
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (addr, tally, stop) = (addr.clone(), Arc::clone(&tally), Arc::clone(&stop));
            let mut generator = Gen {
                rng: fastrand::Rng::with_seed(
                    seed.wrapping_mul(31)
                        .wrapping_add(i + u64::from(authed) * 1000),
                ),
                t: targets.clone(),
                authed,
            };
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    if stop.load(Ordering::Relaxed) || Instant::now() > deadline {
                        break;
                    }
                    let req = generator.request();
                    let answer = send(&addr, &req);
                    let mut t = tally.lock().unwrap();
                    t.sent += 1;
                    *t.by_family.entry(req.family).or_default() += 1;
                    let key = answer
                        .status
                        .map_or("no answer".to_owned(), |s| s.to_string());
                    *t.by_status.entry(key).or_default() += 1;
                    let failure = match answer.status {
                        None if req.well_formed && req.truncate.is_none() => {
                            Some("no answer to a well-formed request")
                        }
                        Some(s)
                            if s >= 500
                                && !allowed_5xx(
                                    &req,
                                    s,
                                    &answer.body,
                                    generator.t.widget_built,
                                ) =>
                        {
                            Some("5xx")
                        }
                        _ => None,
                    };
                    if let Some(why) = failure
                        && t.failures.len() < 20
                    {
                        t.failures.push(format!(
                            "{why}: {} {} ({}) → {}\n{}",
                            req.method,
                            String::from_utf8_lossy(&req.target)
                                .chars()
                                .take(200)
                                .collect::<String>(),
                            req.family,
                            answer.head.lines().next().unwrap_or(""),
                            String::from_utf8_lossy(&answer.body)
                                .chars()
                                .take(300)
                                .collect::<String>(),
                        ));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    Arc::try_unwrap(tally).unwrap().into_inner().unwrap()
}

/// Everything phase A must leave as it was.
fn snapshot(app: &Checkout, targets: &Targets) -> Value {
    let get = |path: &str| {
        let reply = app.merchant_get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        reply.json()
    };
    let sessions: Vec<Value> = targets
        .session_ids
        .iter()
        .map(|id| get(&format!("/api/v1/sessions/{id}")))
        .collect();
    json!({
        "sessions": sessions,
        "session_list": get("/api/v1/sessions?limit=100"),
        "events": get("/api/v1/events?limit=100"),
        "payouts": get("/api/v1/payouts?limit=100"),
        "gateway_payments": app.get("/sandbox/control/payments").json(),
        "gateway_payouts": app.get("/sandbox/control/payouts").json(),
        // The emulator's clock: its offset (wall time moves on its own).
        "clock": app.get("/sandbox/control/clock").json()["offset_secs"],
        "faults": app.get("/sandbox/control/faults").json(),
    })
}

fn settings() -> (u64, u64, Duration) {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let long = std::env::var("FUZZ_LONG").is_ok_and(|v| v == "1");
    let requests = std::env::var("FUZZ_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if long { 200_000 } else { 15_000 });
    let budget = if long {
        Duration::from_secs(900)
    } else {
        Duration::from_secs(35)
    };
    (seed, requests, budget)
}

#[test]
fn no_input_makes_the_server_panic_answer_5xx_or_change_state_without_credentials() {
    let (seed, requests, budget) = settings();
    eprintln!("fuzz_http: FUZZ_SEED={seed} FUZZ_REQUESTS={requests} (budget {budget:?})");
    let dir = data_dir();
    let app = Checkout::start(dir.path(), "[reconciler]\ntick_millis = 200\n");
    let host = app.base.trim_start_matches("http://").to_owned();

    // State to aim at: a paid session, a pending one, an open one (phase B's sacrificial
    // token), a payout.
    let paid = app.create_session("fz-paid", "150.00");
    let paid_token = paid["token"].as_str().unwrap().to_owned();
    assert_eq!(app.pay(&paid_token, "card_transfer").status, 200);
    let paid_id = paid["id"].as_str().unwrap().to_owned();
    let gid = app.session(&paid_id)["attempts"][0]["gateway_payment_id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        app.control(&format!("payments/{gid}/paid"), None).status,
        200
    );
    app.wait_for_status(&paid_token, "paid");
    let pending = app.create_session("fz-pending", "10.00");
    let pending_token = pending["token"].as_str().unwrap().to_owned();
    assert_eq!(app.pay(&pending_token, "sbp").status, 200);
    let pending_id = pending["id"].as_str().unwrap().to_owned();
    let open = app.create_session("fz-open", "20.00");
    let payout = app.send(
        app.client()
            .post(format!("{}/api/v1/payouts", app.base))
            .bearer_auth(&app.api_key)
            .header("Idempotency-Key", "fz-payout")
            .json(&json!({"kind": "sbp", "amount": "1.00", "phone": "79031112233", "bank_member_id": "100000000111"})),
    );
    assert!(
        payout.status == 201 || payout.status == 200,
        "{}",
        payout.text
    );
    let payments = app.get("/sandbox/control/payments").json();
    let list = payments["payments"].as_array().unwrap();
    let mut targets = Targets {
        host,
        api_key: app.api_key.clone(),
        tokens: vec![
            paid_token.clone(),
            pending_token,
            open["token"].as_str().unwrap().to_owned(),
        ],
        session_ids: vec![
            paid_id.clone(),
            pending_id,
            open["id"].as_str().unwrap().to_owned(),
        ],
        payout_ids: vec![payout.json()["id"].as_str().unwrap().to_owned()],
        gateway_ids: list.iter().filter_map(|p| p["id"].as_u64()).collect(),
        gateway_uuids: list
            .iter()
            .filter_map(|p| p["uuid"].as_str().map(str::to_owned))
            .collect(),
        widget_built: !app.get("/readyz").text.contains("not built"),
    };
    let payouts = app.get("/sandbox/control/payouts").json();
    targets.gateway_ids.extend(
        payouts["payouts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["id"].as_u64()),
    );

    let started = Instant::now();
    let deadline = started + budget;
    // Phase A: no valid credential.
    let before = snapshot(&app, &targets);
    let a = run_phase(&app, &targets, false, seed, requests / 2, deadline);
    let after = snapshot(&app, &targets);
    // Phase B: the real key and real tokens.
    let b = run_phase(
        &app,
        &targets,
        true,
        seed,
        requests - requests / 2,
        deadline,
    );
    let elapsed = started.elapsed();

    let logs = app.daemon.stderr();
    let panics = logs.matches("panicked").count();
    for (name, t) in [("A (no credentials)", &a), ("B (key and tokens)", &b)] {
        eprintln!(
            "phase {name}: {} requests; by status {:?}; by route {:?}",
            t.sent, t.by_status, t.by_family
        );
    }
    eprintln!(
        "fuzz_http: {} requests in {:.1} s, {panics} panics, seed {seed}",
        a.sent + b.sent,
        elapsed.as_secs_f64()
    );
    assert_eq!(
        panics,
        0,
        "the server panicked (FUZZ_SEED={seed})\n{}",
        app.daemon.report()
    );
    let failures: Vec<&String> = a.failures.iter().chain(&b.failures).collect();
    assert!(
        failures.is_empty(),
        "FUZZ_SEED={seed}:\n{}",
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(
        a.sent + b.sent >= requests.min(500),
        "too few requests sent: {}",
        a.sent + b.sent
    );
    let changed: Vec<String> = before
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| after[k.as_str()] != **v)
        .map(|(k, v)| format!("{k}:\n  before {v}\n  after  {}", after[k.as_str()]))
        .collect();
    assert!(
        changed.is_empty(),
        "phase A (no credentials) changed state (FUZZ_SEED={seed}):\n{}",
        changed.join("\n")
    );

    // The paid session is still paid, and the server still works.
    assert_eq!(app.session(&paid_id)["status"], "paid");
    assert_eq!(app.get("/healthz").status, 200);
    let fresh = app.create_session(&format!("fz-after-{seed}"), "42.00");
    let token = fresh["token"].as_str().unwrap();
    let reply = app.pay(token, "card_transfer");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let fresh_id = fresh["id"].as_str().unwrap();
    let gid = app.session(fresh_id)["attempts"][0]["gateway_payment_id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        app.control(&format!("payments/{gid}/paid"), None).status,
        200
    );
    app.wait_for_status(token, "paid");
}
