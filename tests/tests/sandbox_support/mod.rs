//! Shared by the `sandbox_*` suites: a merchant key set made by our `keys generate`, the
//! real `alikassa-checkout sandbox` on port 0, and requests signed by foreign tools
//! (`openssl dgst` + `curl`, the vendor-style Python client).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use e2e::{Answer, Instance, TempDir, arg, checkout, curl, openssl, run, temp_dir, write};
use serde_json::Value;

/// A merchant: an Account UUID and payment / payout key sets in the vendor layout.
pub struct Merchant {
    pub dir: TempDir,
    pub account: String,
    pub payment: PathBuf,
    pub payout: PathBuf,
}

/// A fresh random UUID from the kernel (no uuid crate in this package).
pub fn random_uuid() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .unwrap()
        .trim()
        .to_owned()
}

pub fn merchant() -> Merchant {
    let dir = temp_dir();
    let payment = dir.path().join("payment");
    let payout = dir.path().join("payout");
    for keys in [&payment, &payout] {
        checkout(&["keys", "generate", "--out", arg(keys)], b"").assert_ok();
    }
    Merchant {
        dir,
        account: random_uuid(),
        payment,
        payout,
    }
}

/// A running sandbox.
pub struct Sandbox {
    pub daemon: Instance,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub notification_public_key: PathBuf,
}

/// Starts the sandbox for `m` with `extra` flags; the notification keys live in `m.dir`.
pub fn start(m: &Merchant, extra: &[&str]) -> Sandbox {
    let payment_pem = m.payment.join("public.pem");
    let payout_pem = m.payout.join("public.pem");
    let notification_dir = m.dir.path().join("notification");
    let mut args = vec![
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--account",
        &m.account,
        "--payment-public-key",
        arg(&payment_pem),
        "--payout-public-key",
        arg(&payout_pem),
        "--notification-key-dir",
        arg(&notification_dir),
    ];
    args.extend_from_slice(extra);
    let daemon = Instance::start_until(&args, &[], |lines| {
        lines.iter().any(|l| l.starts_with("account: "))
    });
    let notification_public_key = PathBuf::from(
        daemon
            .line_value("notification public key: ")
            .unwrap_or_else(|| panic!("no key line\n{}", daemon.report())),
    );
    let base = daemon.base.clone();
    Sandbox {
        daemon,
        base,
        notification_public_key,
    }
}

/// `openssl dgst -<digest> -sign private.pem` over `body`, base64 on one line.
pub fn openssl_sign(key_dir: &Path, digest: &str, body: &[u8]) -> String {
    let work = temp_dir();
    let body_path = work.path().join("body.bin");
    write(&body_path, body);
    let password = format!("file:{}", arg(&key_dir.join("password.txt")));
    let signature = openssl(
        &[
            "dgst",
            &format!("-{digest}"),
            "-sign",
            arg(&key_dir.join("private.pem")),
            "-passin",
            &password,
            arg(&body_path),
        ],
        b"",
    )
    .assert_ok()
    .stdout;
    openssl(&["base64", "-A"], &signature)
        .assert_ok()
        .stdout_text()
        .trim()
        .to_owned()
}

/// An answer's body as JSON (`Null` when it is not JSON).
pub fn json(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
}

impl Sandbox {
    /// A gateway call signed by openssl with `key_dir`, sent by curl as `account`.
    pub fn call_as(
        &self,
        account: &str,
        path: &str,
        body: &[u8],
        key_dir: &Path,
        digest: &str,
    ) -> Answer {
        let sign = openssl_sign(key_dir, digest, body);
        curl(
            "POST",
            &format!("{}/{path}", self.base),
            &[
                ("Content-Type", "application/json"),
                ("Account", account),
                ("Sign", &sign),
            ],
            Some(body),
            30,
        )
    }

    /// A gateway call with the right key of `m` for `path`, SHA-1; returns (status, JSON).
    pub fn call(&self, m: &Merchant, path: &str, body: &str) -> (u16, Value) {
        let key = if path.starts_with("v1/payment") {
            &m.payment
        } else {
            &m.payout
        };
        let answer = self.call_as(&m.account, path, body.as_bytes(), key, "sha1");
        (answer.status, json(&answer))
    }

    /// A control call; `body` `Null` sends none.
    pub fn control(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let text = body.to_string();
        let answer = curl(
            method,
            &format!("{}/{path}", self.base),
            &[("Content-Type", "application/json")],
            (!body.is_null()).then_some(text.as_bytes()),
            30,
        );
        (answer.status, json(&answer))
    }

    /// Payments the sandbox holds with `order_id`.
    pub fn payments_with_order(&self, order_id: &str) -> Vec<Value> {
        let (_, list) = self.control(
            "GET",
            &format!("control/payments?order_id={order_id}"),
            Value::Null,
        );
        list["payments"].as_array().cloned().unwrap_or_default()
    }

    /// The notification delivery log for `id`.
    pub fn deliveries(&self, id: u64) -> Vec<Value> {
        let (_, log) = self.control(
            "GET",
            &format!("control/notifications?id={id}"),
            Value::Null,
        );
        log["deliveries"].as_array().cloned().unwrap_or_default()
    }
}

/// A pay-in body for `service` (amount as a JSON number, as the vendor samples send it).
pub fn payment_body(order_id: &str, service: &str, extra: &[(&str, Value)]) -> String {
    let mut body = serde_json::json!({
        "amount": 1500,
        "order_id": order_id,
        "service": service,
        "customer_ip": "203.0.113.7",
        "customer_user_id": "user-42",
        "customer_code": "100000000111",
        "customer_browser_user_agent": "Mozilla/5.0",
    });
    for (k, v) in extra {
        body[*k] = v.clone();
    }
    body.to_string()
}

/// Path of the vendor-style Python client.
pub fn vendor_client() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/vendor_client.py")
}

/// Fails with what to install when Python's `cryptography` package is missing.
pub fn require_python_cryptography() {
    let check = run("python3", &["-c", "import cryptography"], b"");
    assert!(
        check.success(),
        "the sandbox suites need python3 with the 'cryptography' package \
         (apt-get install python3-cryptography, or pip install cryptography):\n{check}"
    );
}

/// Runs the Python client; returns (status, answer JSON, body text sent).
pub fn python(
    sb: &Sandbox,
    account: &str,
    key_dir: &Path,
    path: &str,
    params: &str,
    extra: &[&str],
) -> (u16, Value, String) {
    require_python_cryptography();
    let client = vendor_client();
    let mut args = vec![
        arg(&client),
        "--base",
        &sb.base,
        "--account",
        account,
        "--key-dir",
        arg(key_dir),
    ];
    args.extend_from_slice(extra);
    args.extend([path, params]);
    let out = run("python3", &args, b"").assert_ok();
    let result: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let status = u16::try_from(result["status"].as_u64().unwrap()).unwrap();
    let body = serde_json::from_str(result["body"].as_str().unwrap()).unwrap_or(Value::Null);
    (status, body, result["sent"].as_str().unwrap().to_owned())
}
