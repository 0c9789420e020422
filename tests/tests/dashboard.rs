//! The merchant dashboard through the real binary and headless Chromium: sign-in, the
//! overview's numbers against the API's own lists, filters, a timeline with a webhook resend,
//! a payout submitted twice that leaves once, what a viewer may not do, a change without the
//! CSRF token, the lockout, sign-out and reset-password. Screenshots of every page at desktop
//! and 375 px go to target/screenshots/dashboard-*.png.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::Receiver;
use e2e::browser::{Browser, CheckoutServer, WAIT, serial};
use serde_json::{Value, json};

fn screenshot_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("dashboard-{name}.png"))
}

/// Desktop and phone screenshots of the current page (back to desktop after).
async fn shots(b: &Browser, name: &str) {
    b.resize(1280, 900).await;
    b.screenshot(&screenshot_path(&format!("{name}-desktop")))
        .await;
    b.resize(375, 812).await;
    b.screenshot(&screenshot_path(&format!("{name}-375"))).await;
    let overflow = b
        .js(
            "return document.documentElement.scrollWidth - innerWidth",
            vec![],
        )
        .await;
    assert!(
        overflow.as_i64().unwrap_or(0) <= 0,
        "{name}: the page is wider than a 375 px phone by {overflow} px"
    );
    b.resize(1280, 900).await;
}

async fn set(b: &Browser, testid: &str, value: &str) {
    b.wait_for(testid).await;
    b.js(
        "const el = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); el.value = arguments[1];",
        vec![json!(testid), json!(value)],
    )
    .await;
}

async fn login(b: &Browser, base: &str, email: &str, password: &str) {
    b.goto(&format!("{base}/dashboard/login")).await;
    fill_login(b, email, password).await;
}

async fn fill_login(b: &Browser, email: &str, password: &str) {
    set(b, "login-email", email).await;
    set(b, "login-password", password).await;
    b.click("login-submit").await;
}

async fn value(b: &Browser, testid: &str) -> u64 {
    b.wait_for(testid).await;
    b.attr(testid, "data-value")
        .await
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no data-value on {testid}"))
}

/// `POST path` from the page (same origin, the session cookie goes along) with a form body;
/// the final status.
async fn post_from_page(b: &Browser, path: &str, body: &str) -> u64 {
    b.js(
        "return fetch(arguments[0], {method: 'POST', headers: {'content-type': \
         'application/x-www-form-urlencoded'}, body: arguments[1]}).then(r => r.status);",
        vec![json!(path), json!(body)],
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

async fn csrf(b: &Browser) -> String {
    b.js(
        "return document.querySelector('input[name=csrf]').value",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Unix nanoseconds of an RFC 3339 time as the API writes it.
fn time_of(text: &str) -> i128 {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .unix_timestamp_nanos()
}

fn json_of(answer: &e2e::Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
}

/// A session taken to `status` through the widget API and the sandbox; its id.
fn seed(server: &CheckoutServer, method: Option<&str>, finish: Option<&str>) -> String {
    let (id, token) = server.create_session(&["sbp", "card_transfer"], "ru");
    let Some(method) = method else { return id };
    let paid = server.pay(&token, method);
    assert_eq!(paid.status, 200, "pay: {}", paid.text());
    let gid = server.gateway_payment_id(&id).expect("a gateway payment");
    match finish {
        Some("partial") => server.pay_amount(gid, "500.00"),
        Some(action) => server.finish_payment(gid, action),
        None => return id,
    }
    let want = match finish {
        Some("partial") => "underpaid",
        Some("paid") => "paid",
        Some("cancel") => "cancelled",
        _ => "failed",
    };
    wait_until(&format!("session {id} is {want}"), || {
        json_of(&server.api("GET", &format!("/api/v1/sessions/{id}"), None))["status"] == want
    });
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_see_the_numbers_act_safely_and_viewers_only_read() {
    let _serial = serial().await;
    // The first webhook delivery is refused and, with one attempt allowed, fails for good.
    let receiver = Receiver::start(&[500]);
    // Loopback is a trusted proxy, so the lockout check below can sign in "from" other
    // addresses with X-Forwarded-For (the browser sends none: its address is 127.0.0.1).
    let server = CheckoutServer::start_with_env(
        &[],
        &format!(
            "[webhooks]\nurl = {:?}\nsecret = \"dashboard-e2e-secret-0123456789\"\nmax_attempts = 1\ntick_millis = 100\n",
            receiver.url
        ),
        &[("CHECKOUT_SERVER__TRUSTED_PROXIES", "127.0.0.1")],
    );
    let base = server.base.clone();
    let demo = server
        .startup_line("dashboard: ")
        .expect("sandbox mode prints the demo login")
        .to_owned();
    assert!(demo.starts_with(&format!("{base}/dashboard/")), "{demo}");
    let password = demo
        .split("password ")
        .nth(1)
        .and_then(|p| p.strip_suffix(')'))
        .expect("a password in the demo line")
        .to_owned();

    // Seed: paid, underpaid, cancelled, waiting, untouched.
    let paid = seed(&server, Some("sbp"), Some("paid"));
    let underpaid = seed(&server, Some("card_transfer"), Some("partial"));
    let _cancelled = seed(&server, Some("sbp"), Some("cancel"));
    let waiting = seed(&server, Some("sbp"), None);
    let _open = seed(&server, None, None);
    let failed_events = || {
        json_of(&server.api("GET", "/api/v1/events?state=failed", None))["items"]
            .as_array()
            .map_or(0, Vec::len)
    };
    wait_until("one webhook event failed", || failed_events() == 1);

    let b = Browser::start().await;
    // Not signed in: the login page, then back.
    b.goto(&format!("{base}/dashboard/sessions")).await;
    b.wait_for("login-form").await;
    shots(&b, "login").await;
    fill_login(&b, "demo@sandbox.test", &password).await;
    b.wait_for("filters").await;

    // Overview: the database's numbers equal the API's own list.
    b.goto(&format!("{base}/dashboard/?period=today")).await;
    let list = json_of(&server.api("GET", "/api/v1/sessions?limit=200", None));
    let items = list["items"].as_array().unwrap();
    let paid_items: Vec<&Value> = items.iter().filter(|s| s["status"] == "paid").collect();
    let volume: u64 = paid_items
        .iter()
        .map(|s| {
            let (r, k) = s["paid_amount"].as_str().unwrap().split_once('.').unwrap();
            r.parse::<u64>().unwrap() * 100 + k.parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(value(&b, "sessions-count").await, items.len() as u64);
    assert_eq!(value(&b, "paid-count").await, paid_items.len() as u64);
    assert_eq!(value(&b, "paid-volume").await, volume);
    assert_eq!(volume, 150_000, "one session paid 1500.00");
    assert_eq!(
        value(&b, "attention-count").await,
        items
            .iter()
            .filter(|s| s["needs_attention"] == true)
            .count() as u64
    );
    assert_eq!(
        value(&b, "underpaid-count").await,
        items.iter().filter(|s| s["status"] == "underpaid").count() as u64
    );
    assert_eq!(
        value(&b, "conversion").await,
        paid_items.len() as u64 * 1000 / items.len() as u64
    );
    assert_eq!(value(&b, "webhook-failures").await, 1);
    // sbp: 3 sessions tried it (paid, cancelled, waiting), 1 paid.
    assert_eq!(
        b.text("method-sbp-conversion").await.as_deref(),
        Some("33.3%")
    );
    let chart = b.attr("chart-paid", "role").await;
    assert_eq!(
        chart.as_deref(),
        Some("img"),
        "the chart is announced as an image"
    );
    // Time to paid: one paid session, so median and p90 are its time from creation to its
    // `paid` status as the API's history says.
    let paid_details = json_of(&server.api("GET", &format!("/api/v1/sessions/{paid}"), None));
    let ms_of = |v: &Value| -> i128 {
        let text = v.as_str().unwrap();
        let t = time_of(text);
        t / 1_000_000
    };
    let paid_at = paid_details["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["status"] == "paid")
        .map(|h| ms_of(&h["at"]))
        .expect("a paid status in the history");
    let took = (paid_at - ms_of(&paid_details["created_at"])) as u64;
    assert_eq!(value(&b, "time-to-paid-median").await, took);
    assert_eq!(value(&b, "time-to-paid-p90").await, took);
    // The gateway balance, as the API reads it.
    let balance = json_of(&server.api("GET", "/api/v1/balance", None));
    let (r, k) = balance["balance"]
        .as_str()
        .unwrap()
        .split_once('.')
        .unwrap();
    assert_eq!(
        value(&b, "balance").await,
        r.parse::<u64>().unwrap() * 100 + format!("{k:0<2}").parse::<u64>().unwrap()
    );
    // The chart is stacked by the methods that paid, with a legend naming them.
    assert_eq!(
        b.text("chart-paid-legend").await.as_deref().map(str::trim),
        Some("sbp")
    );
    shots(&b, "overview").await;

    // Sessions: filter by status, then by method.
    b.goto(&format!("{base}/dashboard/sessions")).await;
    let rows = || async {
        b.js(
            "return document.querySelectorAll('[data-testid=session-row]').length",
            vec![],
        )
        .await
        .as_u64()
        .unwrap_or(0)
    };
    assert_eq!(rows().await, items.len() as u64);
    shots(&b, "sessions").await;
    set(&b, "filter-status", "underpaid").await;
    b.click("filter-apply").await;
    b.wait_for("sessions-table").await;
    assert_eq!(rows().await, 1);
    let order = b.attr("session-row", "data-order").await.unwrap();
    let underpaid_order =
        json_of(&server.api("GET", &format!("/api/v1/sessions/{underpaid}"), None))["order_id"]
            .clone();
    assert_eq!(Value::String(order), underpaid_order);
    b.goto(&format!("{base}/dashboard/sessions?method=card_transfer"))
        .await;
    assert_eq!(rows().await, 1);
    b.goto(&format!("{base}/dashboard/sessions?status=expired"))
        .await;
    b.wait_for("no-sessions").await;
    // Search by order id, gateway payment id and token prefix; customer; amount range.
    let underpaid_details =
        json_of(&server.api("GET", &format!("/api/v1/sessions/{underpaid}"), None));
    let gateway_id = underpaid_details["gateway_payment_id"].to_string();
    let token_prefix = &underpaid_details["token"].as_str().unwrap()[..8];
    for q in [
        underpaid_order.as_str().unwrap(),
        gateway_id.as_str(),
        token_prefix,
        underpaid.as_str(),
    ] {
        b.goto(&format!("{base}/dashboard/sessions")).await;
        set(&b, "filter-q", q).await;
        b.click("filter-apply").await;
        b.wait_for("sessions-table").await;
        assert_eq!(rows().await, 1, "search {q}");
        assert_eq!(
            b.attr("session-row", "data-order").await.map(Value::String),
            Some(underpaid_order.clone()),
            "search {q}"
        );
    }
    b.goto(&format!("{base}/dashboard/sessions?customer=buyer-42"))
        .await;
    assert_eq!(rows().await, items.len() as u64);
    b.goto(&format!("{base}/dashboard/sessions?customer=somebody-else"))
        .await;
    b.wait_for("no-sessions").await;
    b.goto(&format!(
        "{base}/dashboard/sessions?amount_min=1500&amount_max=1%20500%2C00"
    ))
    .await;
    assert_eq!(rows().await, items.len() as u64);
    b.goto(&format!("{base}/dashboard/sessions?amount_min=1500%2C01"))
        .await;
    b.wait_for("no-sessions").await;

    // Gateway notifications on the timelines: the sandbox's signed one that paid a session
    // (accepted), a forged one naming the waiting session's payment (refused: bad signature),
    // and refused ones naming nothing of ours, listed on the webhooks page.
    let waiting_gid = server
        .gateway_payment_id(&waiting)
        .expect("a gateway payment");
    let forged = server.get(&format!(
        "/webhooks/alikassa?type=payment&id={waiting_gid}&payment_status=paid&amount=1500.00&sign=Zm9yZ2Vk"
    ));
    assert_eq!(forged.status, 401, "{}", forged.text());
    let stray = server.get("/webhooks/alikassa?id=987654321&payment_status=paid&sign=Zm9yZ2Vk");
    assert_eq!(stray.status, 401, "{}", stray.text());
    let unsigned = server.get("/webhooks/alikassa?id=987654322&payment_status=paid");
    assert_eq!(unsigned.status, 401, "{}", unsigned.text());
    b.goto(&format!("{base}/dashboard/sessions/{waiting}"))
        .await;
    b.wait_for("timeline").await;
    let refused = b
        .js(
            "return [...document.querySelectorAll('[data-testid=timeline-notification][data-refused=true]')] \
             .map(li => [li.querySelector('[data-testid=refusal]').dataset.code, li.textContent]);",
            vec![],
        )
        .await;
    assert_eq!(refused.as_array().map(Vec::len), Some(1), "{refused}");
    assert_eq!(refused[0][0], "bad_signature");
    let entry = refused[0][1].as_str().unwrap();
    assert!(entry.contains("wrong signature"), "{entry}");
    assert!(
        entry.contains(&format!("id={waiting_gid}")),
        "the excerpt: {entry}"
    );
    assert!(!entry.contains("Zm9yZ2Vk"), "never the signature: {entry}");
    shots(&b, "session-refused-notification").await;
    b.click("lang").await;
    b.wait_for("timeline").await;
    let entry = b.text("refusal").await.unwrap();
    assert!(entry.contains("неверная подпись"), "{entry}");
    b.click("lang").await;
    b.wait_for("timeline").await;
    b.goto(&format!("{base}/dashboard/sessions/{paid}")).await;
    b.wait_for("timeline").await;
    let accepted = b
        .js(
            "return [...document.querySelectorAll('[data-testid=timeline-notification]')] \
             .map(li => li.dataset.refused + ' ' + li.textContent);",
            vec![],
        )
        .await;
    assert!(
        accepted
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("false ")
                && t.as_str().unwrap().contains("applied: ")),
        "the sandbox's paid notification, accepted: {accepted}"
    );
    b.goto(&format!("{base}/dashboard/webhooks")).await;
    b.wait_for("refused-table").await;
    let codes = b
        .js(
            "return [...document.querySelectorAll('[data-testid=refused-row]')].map(r => r.dataset.code + ' ' + r.textContent);",
            vec![],
        )
        .await;
    let codes: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        2,
        "the forged one names a session, so it is not here: {codes:?}"
    );
    assert!(
        codes[0].starts_with("missing_sign ") && codes[0].contains("987654322"),
        "{codes:?}"
    );
    assert!(
        codes[1].starts_with("bad_signature ") && codes[1].contains("987654321"),
        "{codes:?}"
    );
    shots(&b, "webhooks-refused").await;

    // A timeline, and the failed webhook re-sent from it.
    let failed =
        json_of(&server.api("GET", "/api/v1/events?state=failed", None))["items"][0].clone();
    let event_id = failed["id"].as_str().unwrap().to_owned();
    let subject = failed["subject_id"].as_str().unwrap().to_owned();
    b.goto(&format!("{base}/dashboard/sessions/{subject}"))
        .await;
    b.wait_for("timeline").await;
    assert!(b.text("timeline-attempt").await.is_some());
    assert!(b.text("timeline-status").await.is_some());
    assert!(b.text("timeline-webhook").await.is_some());
    shots(&b, "session").await;
    let hits_before = receiver.hits().len();
    b.click(&format!("resend-{event_id}")).await;
    b.wait_for("notice").await;
    receiver.wait_for(hits_before + 1);
    wait_until("the re-sent event is delivered", || {
        json_of(&server.api("GET", &format!("/api/v1/events/{event_id}"), None))["delivery"]["state"]
            == "delivered"
    });

    // Every page so far rendered under the strict CSP without a violation.
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors (CSP?): {errors:?}");
    // The checks below post from the page with fetch(), which the dashboard's CSP (no
    // connect-src) forbids to any script: the test lifts it for itself.
    b.cdp("Page.setBypassCSP", json!({"enabled": true})).await;
    b.goto(&format!("{base}/dashboard/sessions/{subject}"))
        .await;
    b.wait_for("timeline").await;

    // CSV export of a filter: a header, one quoted line per session, formulas defused.
    let formula = server.api(
        "POST",
        "/api/v1/sessions",
        Some(
            json!({"order_id": "=HYPERLINK(\"http://x\")", "amount": "10.00",
                    "customer_user_id": "@buyer", "methods": ["sbp"], "locale": "ru"}),
        ),
    );
    assert_eq!(formula.status, 201, "{}", formula.text());
    let csv = |query: &str| {
        let query = query.to_owned();
        let b = &b;
        async move {
            b.js(
                "return fetch('/dashboard/sessions.csv' + arguments[0]).then(async r => \
                 [r.status, r.headers.get('content-type'), await r.text()]);",
                vec![json!(query)],
            )
            .await
        }
    };
    let answer = csv("?status=underpaid").await;
    assert_eq!(answer[0], 200);
    assert_eq!(answer[1], "text/csv; charset=utf-8");
    let text = answer[2].as_str().unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("created_at,session_id,order_id"),
        "{text}"
    );
    assert!(
        lines[1].contains(&format!(
            "\"{underpaid}\",\"{}\"",
            underpaid_order.as_str().unwrap()
        )),
        "{text}"
    );
    assert!(
        lines[1].contains("\"1500.00\",\"500.00\",\"underpaid\",\"yes\""),
        "{text}"
    );
    let all = csv("?customer=%40buyer").await;
    let text = all[2].as_str().unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",\"'@buyer\""),
        "{text}"
    );
    // The list's form links to the export of what it shows.
    b.goto(&format!("{base}/dashboard/sessions?status=underpaid"))
        .await;
    assert_eq!(
        b.attr("export-csv", "href").await.as_deref(),
        Some("/dashboard/sessions.csv?status=underpaid")
    );
    assert_eq!(csv("?amount_min=abc").await[0], 400);

    // A change without the CSRF token, or with a wrong one, is refused.
    let token = csrf(&b).await;
    assert_eq!(
        post_from_page(&b, &format!("/dashboard/sessions/{waiting}/refresh"), "").await,
        403
    );
    assert_eq!(
        post_from_page(
            &b,
            &format!("/dashboard/sessions/{waiting}/refresh"),
            "csrf=forged"
        )
        .await,
        403
    );
    assert_eq!(
        post_from_page(
            &b,
            &format!("/dashboard/sessions/{waiting}/refresh"),
            &format!("csrf={token}")
        )
        .await,
        200,
        "with the token it works (after the redirect)"
    );

    // A payout: form, confirmation, and the confirmation submitted twice at once → one payout.
    b.goto(&format!("{base}/dashboard/payouts")).await;
    b.click("payout-new").await;
    set(&b, "payout-amount", "250.00").await;
    set(&b, "payout-phone", "79031112233").await;
    set(&b, "payout-bank_member_id", "100000000111").await;
    shots(&b, "payout-form").await;
    b.click("payout-review").await;
    b.wait_for("payout-confirm").await;
    assert!(b.text("confirm-amount").await.unwrap().contains("250.00"));
    shots(&b, "payout-confirm").await;
    let statuses = b
        .js(
            "const f = document.querySelector('[data-testid=confirm-form]'); \
             const body = new URLSearchParams(new FormData(f)).toString(); \
             const send = () => fetch(f.action, {method: 'POST', headers: {'content-type': \
             'application/x-www-form-urlencoded'}, body}).then(r => r.status); \
             return Promise.all([send(), send()]);",
            vec![],
        )
        .await;
    assert_eq!(statuses, json!([200, 200]), "both submits answered");
    b.click("payout-send").await;
    b.wait_for("payout-status").await;
    assert!(
        b.text("notice")
            .await
            .unwrap()
            .contains("nothing was sent again")
    );
    let payouts = json_of(&server.api("GET", "/api/v1/payouts", None));
    assert_eq!(
        payouts["items"].as_array().unwrap().len(),
        1,
        "one payout: {payouts}"
    );
    assert_eq!(payouts["items"][0]["amount"], "250.00");
    // Its timeline: created by the demo operator with the form's idempotency key, then sent.
    let entries = || async {
        b.js(
            "return [...document.querySelectorAll('[data-testid=timeline] > li')].map(li => \
             [li.dataset.testid, li.dataset.source || '', li.dataset.status || li.dataset.refused || '', li.textContent]);",
            vec![],
        )
        .await
    };
    let first = entries().await;
    let key = payouts["items"][0]["idempotency_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(first[0][1], "created", "{first}");
    let created = first[0][3].as_str().unwrap();
    assert!(
        created.contains("dashboard operator demo@sandbox.test"),
        "{created}"
    );
    assert!(
        !key.is_empty() && created.contains(&key),
        "the idempotency key {key}: {created}"
    );
    assert_eq!(first[1][1], "send", "{first}");
    assert_eq!(first[1][2], "pending", "{first}");
    assert!(
        first[1][3].as_str().unwrap().contains("gateway payout id"),
        "{first}"
    );
    shots(&b, "payout").await;
    // The sandbox pays it: the change shows with its source, then the gateway's notification.
    b.click("sandbox-paid").await;
    b.wait_for("notice").await;
    let payout_path = b.js("return location.pathname", vec![]).await;
    let payout_url = format!("{base}{}", payout_path.as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(15);
    let done = loop {
        b.goto(&payout_url).await;
        b.wait_for("timeline").await;
        let all = entries().await;
        let all = all.as_array().unwrap().clone();
        let paid = all.iter().any(|e| {
            e[0] == "timeline-payout"
                && e[2] == "paid"
                && ["refresh", "notification", "poll"].contains(&e[1].as_str().unwrap())
        });
        let notified = all
            .iter()
            .any(|e| e[0] == "timeline-notification" && e[2] == "false");
        if (paid && notified) || Instant::now() > deadline {
            break all;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let sources: Vec<&str> = done.iter().map(|e| e[1].as_str().unwrap()).collect();
    assert!(
        done.iter()
            .any(|e| e[0] == "timeline-notification" && e[2] == "false"),
        "the sandbox's notification about the payout, accepted: {done:?}"
    );
    assert_eq!(&sources[..2], ["created", "send"], "{done:?}");
    assert!(
        done.iter()
            .any(|e| e[0] == "timeline-payout" && e[2] == "paid"),
        "paid, with its source: {done:?}"
    );
    shots(&b, "payout-timeline").await;
    b.goto(&format!("{base}/dashboard/payouts")).await;
    b.wait_for("payouts-table").await;
    shots(&b, "payouts").await;
    b.goto(&format!("{base}/dashboard/webhooks")).await;
    b.wait_for("events-table").await;
    shots(&b, "webhooks").await;
    b.goto(&format!("{base}/dashboard/system")).await;
    b.wait_for("system").await;
    assert_eq!(
        b.text("mode").await.as_deref(),
        Some("sandbox (no real money)")
    );
    let config = b.text("config").await.unwrap();
    assert!(
        !config.contains("dashboard-e2e-secret"),
        "no secrets: {config}"
    );
    assert!(!config.contains("sk_test_"), "no API key: {config}");
    shots(&b, "system").await;
    // Russian.
    b.goto(&format!("{base}/dashboard/")).await;
    b.click("lang").await;
    b.wait_for("paid-volume").await;
    assert_eq!(
        b.js("return document.documentElement.lang", vec![]).await,
        json!("ru")
    );
    shots(&b, "overview-ru").await;
    b.click("lang").await;
    b.wait_for("paid-volume").await;

    // Sign out: the dashboard asks for a login again.
    b.click("logout").await;
    b.wait_for("login-form").await;
    b.goto(&format!("{base}/dashboard/")).await;
    b.wait_for("login-form").await;

    // A viewer reads but has no buttons, and a change is 403 even with the right token.
    let added = server.operators(
        &[
            "add",
            "viewer@shop.test",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        b"viewer password 1\n",
    );
    assert!(added.success(), "{added}");
    let listed = server.operators(&["list"], b"").assert_ok().stdout_text();
    assert!(listed.contains("viewer@shop.test\tviewer"), "{listed}");
    login(&b, &base, "viewer@shop.test", "viewer password 1").await;
    b.wait_for("paid-volume").await;
    assert_eq!(b.text("role").await.as_deref(), Some("viewer"));
    b.goto(&format!("{base}/dashboard/sessions/{subject}"))
        .await;
    b.wait_for("timeline").await;
    assert!(
        b.text("refresh").await.is_none(),
        "no refresh button for a viewer"
    );
    assert!(
        b.text(&format!("resend-{event_id}")).await.is_none(),
        "no resend button"
    );
    let token = csrf(&b).await;
    assert_eq!(
        post_from_page(
            &b,
            &format!("/dashboard/events/{event_id}/resend"),
            &format!("csrf={token}")
        )
        .await,
        403
    );
    b.goto(&format!("{base}/dashboard/payouts")).await;
    b.wait_for("payouts-table").await;
    assert!(
        b.text("payout-new").await.is_none(),
        "no payout button for a viewer"
    );
    b.goto(&format!("{base}/dashboard/payouts/new")).await;
    b.wait_for("error").await;
    assert!(b.text("error").await.unwrap().starts_with("403"));

    // Reset-password signs the viewer out everywhere.
    server
        .operators(
            &["reset-password", "viewer@shop.test", "--password-stdin"],
            b"viewer password 2\n",
        )
        .assert_ok();
    b.goto(&format!("{base}/dashboard/")).await;
    b.wait_for("login-form").await;

    // Lockout: five wrong passwords, then even the right one is refused for a while.
    for _ in 0..5 {
        login(&b, &base, "viewer@shop.test", "wrong password!").await;
        b.wait_for("login-error").await;
    }
    assert!(b.text("login-error").await.unwrap().contains("Too many"));
    login(&b, &base, "viewer@shop.test", "viewer password 2").await;
    b.wait_for("login-error").await;
    assert!(b.text("login-error").await.unwrap().contains("Too many"));
    shots(&b, "login-locked").await;
    // That lock is the e-mail's from this address only: from another one the viewer signs in
    // (a guesser cannot cheaply lock an operator out everywhere).
    let sign_in = |from: &str, email: &str, password: &str| {
        let body = format!(
            "email={}&password={}&next=%2Fdashboard%2F",
            email.replace('@', "%40"),
            password.replace(' ', "+")
        );
        e2e::curl(
            "POST",
            &format!("{base}/dashboard/login"),
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-forwarded-for", from),
            ],
            Some(body.as_bytes()),
            20,
        )
        .status
    };
    assert_eq!(
        sign_in("203.0.113.50", "viewer@shop.test", "viewer password 2"),
        303
    );
    // One address trying many e-mails: after 20 failures it is locked, for any e-mail and
    // even with the right password; other addresses are not.
    for i in 1..20 {
        assert_eq!(
            sign_in(
                "198.51.100.66",
                &format!("guess{i}@shop.test"),
                "wrong password!"
            ),
            401,
            "failure {i}"
        );
    }
    assert_eq!(
        sign_in("198.51.100.66", "guess20@shop.test", "wrong password!"),
        429
    );
    assert_eq!(
        sign_in("198.51.100.66", "demo@sandbox.test", &password),
        429
    );
    assert_eq!(
        sign_in("198.51.100.67", "demo@sandbox.test", &password),
        303
    );
    // The browser's own address (127.0.0.1) still reaches the demo operator.
    login(&b, &base, "demo@sandbox.test", &password).await;
    b.wait_for("paid-volume").await;
    b.close().await;
    drop(receiver);
}
