//! The widget on the wire: its files compressed as served (and the same bytes, SRI intact,
//! whichever coding travels), a sandbox that lets any loopback shop embed it, and a visible,
//! accessible message with an `error` event — never a blank box — for every way loading can
//! fail: unknown session, origin not allowed, network down, server error, wasm that does not
//! load, a Content-Security-Policy that blocks it. Screenshots go to target/screenshots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use e2e::browser::{Browser, CheckoutServer, ShopServer, WAIT, serial};
use e2e::curl;
use serde_json::{Value, json};

fn screenshot_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("{name}.png"))
}

fn decode(coding: &str, bytes: &[u8]) -> Vec<u8> {
    let (tool, args): (&str, &[&str]) = match coding {
        "br" => ("brotli", &["--decompress", "--stdout"]),
        "gzip" => ("gzip", &["--decompress", "--stdout"]),
        other => panic!("unexpected coding {other}"),
    };
    let run = e2e::run(tool, args, bytes);
    assert!(run.success(), "{tool} could not decode: {}", run.stderr);
    run.stdout
}

fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `GET url` with an optional `Accept-Encoding`: (headers text, raw body).
fn fetch_raw(url: &str, accept: Option<&str>) -> (String, Vec<u8>) {
    let work = e2e::temp_dir();
    let head = work.path().join("head.txt");
    let body = work.path().join("body.bin");
    let mut args = vec![
        "-s".to_owned(),
        "-D".to_owned(),
        e2e::arg(&head).to_owned(),
        "-o".to_owned(),
        e2e::arg(&body).to_owned(),
    ];
    if let Some(accept) = accept {
        args.push("-H".to_owned());
        args.push(format!("Accept-Encoding: {accept}"));
    }
    args.push(url.to_owned());
    let run = e2e::run("curl", &args, b"");
    assert!(run.success(), "curl {url}: {}", run.stderr);
    (
        String::from_utf8_lossy(&e2e::read(&head)).into_owned(),
        e2e::read(&body),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_asset_decodes_to_the_same_bytes_and_sri_holds_in_any_coding() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let manifest: Value =
        serde_json::from_slice(&server.get("/widget/v1/manifest.json").body).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert!(files.contains_key("frontend_bg.wasm"), "{manifest}");
    for (name, file) in files {
        let url = format!("{}{}", server.base, file["url"].as_str().unwrap());
        let (plain_head, plain) = fetch_raw(&url, None);
        assert_eq!(header(&plain_head, "content-encoding"), None, "{name}");
        assert_eq!(
            header(&plain_head, "content-length"),
            Some(plain.len().to_string().as_str()),
            "{name}"
        );
        assert_eq!(
            plain.len() as u64,
            file["bytes"].as_u64().unwrap(),
            "{name}"
        );
        if name.ends_with(".wasm") {
            assert_eq!(
                header(&plain_head, "content-type"),
                Some("application/wasm")
            );
        }
        for (accept, coding) in [
            ("br, gzip", "br"),
            ("gzip;q=1, br;q=0.5", "gzip"),
            ("gzip", "gzip"),
        ] {
            let (head, raw) = fetch_raw(&url, Some(accept));
            assert_eq!(
                header(&head, "content-encoding"),
                Some(coding),
                "{name} {accept}: {head}"
            );
            assert!(
                header(&head, "vary")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
                "{name}: {head}"
            );
            assert_eq!(
                header(&head, "content-length"),
                Some(raw.len().to_string().as_str()),
                "{name} {coding}"
            );
            assert!(raw.len() < plain.len(), "{name} {coding} is smaller");
            assert_eq!(decode(coding, &raw), plain, "{name} {coding} decodes");
        }
        let (head, _) = fetch_raw(&url, Some("identity, br;q=0"));
        assert_eq!(header(&head, "content-encoding"), None, "{name}");
    }

    // In the browser (which decodes whatever travels): every file matches its manifest
    // integrity, and the wasm and entry really came compressed.
    let browser = Browser::start().await;
    browser.goto(&format!("{}/healthz", server.base)).await;
    let checked = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             (async () => { const m = await (await fetch('/widget/v1/manifest.json')).json(); const out = {}; \
               for (const [name, f] of Object.entries(m.files)) { \
                 try { const r = await fetch(f.url, {integrity: f.integrity, cache: 'no-store'}); await r.arrayBuffer(); \
                   const e = performance.getEntriesByName(new URL(f.url, location.href).href).pop(); \
                   out[name] = {ok: r.ok, encoded: e ? e.encodedBodySize : -1, decoded: e ? e.decodedBodySize : -1}; \
                 } catch (err) { out[name] = {ok: false, error: String(err)}; } } \
               return out; })().then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert!(checked.as_object().is_some(), "{checked}");
    for (name, result) in checked.as_object().unwrap() {
        assert_eq!(result["ok"], json!(true), "SRI of {name}: {result}");
    }
    let wasm = &checked["frontend_bg.wasm"];
    assert!(
        wasm["encoded"].as_i64().unwrap() * 2 < wasm["decoded"].as_i64().unwrap(),
        "the wasm travels compressed: {wasm}"
    );
    browser.close().await;

    // HTML and JSON are compressed on the fly; the event stream never is.
    let (_, token) = server.create_session(&["sbp"], "ru");
    let page = curl(
        "GET",
        &format!("{}/pay/{token}", server.base),
        &[("accept-encoding", "gzip")],
        None,
        10,
    );
    assert_eq!(page.status, 200);
    assert!(
        page.body.starts_with(&[0x1f, 0x8b]),
        "the hosted page is gzip-compressed"
    );
    let (head, _) = fetch_raw(
        &format!("{}/api/v1/checkout/{token}", server.base),
        Some("br"),
    );
    assert_eq!(header(&head, "content-encoding"), Some("br"), "{head}");
    let sse = e2e::run(
        "curl",
        &[
            "-s",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "--max-time",
            "2",
            "-H",
            "Accept-Encoding: br, gzip",
            &format!("{}/api/v1/checkout/{token}/events", server.base),
        ],
        b"",
    );
    let head = sse.stdout_text();
    assert!(head.contains("text/event-stream"), "{head}");
    assert_eq!(header(&head, "content-encoding"), None, "{head}");
}

async fn shop_events(browser: &Browser) -> Vec<String> {
    match browser.js("return window.widgetEvents || []", vec![]).await {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Waits for the widget's alert and the page's `error` event with `code`; returns (alert text,
/// dev hint).
async fn alert_and_event(browser: &Browser, code: &str) -> (String, Option<String>) {
    let deadline = Instant::now() + WAIT;
    loop {
        let alert = browser
            .js(
                "const hosts = document.querySelectorAll('[data-alikassa-checkout], alikassa-checkout'); \
                 for (const h of hosts) { const a = h.shadowRoot && h.shadowRoot.querySelector('[role=alert][data-testid=load-error]'); \
                   if (a) { const r = a.getBoundingClientRect(); const hint = a.querySelector('[data-testid=dev-hint]'); \
                     return {code: a.dataset.code, text: a.innerText, visible: r.width > 100 && r.height > 20, hint: hint && hint.innerText}; } } \
                 return null;",
                vec![],
            )
            .await;
        let event = shop_events(browser)
            .await
            .into_iter()
            .find(|e| e.starts_with("error "));
        if let (Some(a), Some(event)) = (alert.as_object(), &event) {
            assert_eq!(a["code"], json!(code), "{alert}");
            assert_eq!(a["visible"], json!(true), "the alert is visible: {alert}");
            assert!(event.contains(&format!("\"code\":\"{code}\"")), "{event}");
            return (
                a["text"].as_str().unwrap_or_default().to_owned(),
                a["hint"].as_str().map(str::to_owned),
            );
        }
        assert!(
            Instant::now() < deadline,
            "no {code} alert and error event; events {:?}; widget: {}",
            shop_events(browser).await,
            browser.widget_html().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct World {
    shop: ShopServer,
    server: CheckoutServer,
    browser: Browser,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

/// A sandbox checkout with no `cors_origins` at all, a shop on localhost, a phone-sized
/// browser.
async fn world(phone: bool) -> World {
    let serial = serial().await;
    let shop = ShopServer::start();
    let server = CheckoutServer::start(&[]);
    shop.set_checkout(&server.base);
    let browser = Browser::start().await;
    if phone {
        browser.resize(375, 740).await;
    }
    World {
        shop,
        server,
        browser,
        _serial: serial,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_lets_a_loopback_shop_embed_without_configuration() {
    let w = world(false).await;
    let (_, token) = w.server.create_session(&["card_transfer", "sbp"], "ru");
    w.browser
        .goto(&format!("{}/embed?token={token}&locale=ru", w.shop.origin))
        .await;
    w.browser.wait_for("method-card_transfer").await;
    w.browser.close().await;
}

/// While the wasm is still downloading (a slow link), the embed's skeleton shows the shop and
/// the amount written exactly as the widget then writes it: the swap changes no glyph.
#[tokio::test(flavor = "multi_thread")]
async fn the_embed_skeleton_writes_the_amount_as_the_widget_does() {
    let w = world(false).await;
    let (_, token) = w.server.create_session(&["card_transfer", "sbp"], "ru");
    w.browser.cdp("Network.enable", json!({})).await;
    // About 3 s for the wasm (119 KB brotli), a moment for the session view.
    let slow = json!({"offline": false, "latency": 20, "downloadThroughput": 40_000, "uploadThroughput": 40_000});
    w.browser
        .cdp("Network.emulateNetworkConditions", slow)
        .await;
    w.browser
        .goto(&format!("{}/embed?token={token}&locale=ru", w.shop.origin))
        .await;
    let read = "const h = document.querySelector('[data-alikassa-checkout]'); \
                const r = h && h.shadowRoot; \
                const s = r && r.querySelector('[data-testid=skeleton] .t'); \
                const t = r && r.querySelector('[data-testid=total]'); \
                return {skeleton: s ? s.textContent : null, widget: t ? t.textContent : null};";
    let deadline = Instant::now() + WAIT;
    let skeleton = loop {
        let seen = w.browser.js(read, vec![]).await;
        assert!(
            seen["widget"].is_null(),
            "the widget mounted before the skeleton showed the amount: {seen}"
        );
        if let Some(text) = seen["skeleton"].as_str().filter(|t| !t.is_empty()) {
            break text.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no amount in the skeleton: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(skeleton, "1\u{202f}500\u{a0}₽");
    w.browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    w.browser.wait_for("total").await;
    assert_eq!(w.browser.text("total").await.unwrap(), skeleton);
    w.browser.close().await;
}

/// One way loading fails on a shop page: what the buyer reads, what the sandbox tells the
/// developer, and whether "retry" (offered only where it can help) brings the widget back once
/// the fault is gone. In `page` and `hint`, `{shop}` is the shop's loopback origin, `{foreign}`
/// the same shop on a name the sandbox does not allow, `{token}` a new session's token.
struct Failure {
    /// The screenshot is wire-{name}-{phone|desktop}.png.
    name: &'static str,
    phone: bool,
    /// The session's language.
    locale: &'static str,
    page: &'static str,
    code: &'static str,
    says: &'static str,
    /// `None`: no hint (the server cannot be asked whether it is a sandbox).
    hint: Option<&'static str>,
    retry: bool,
}

const PHONE: bool = true;
const DESKTOP: bool = false;

#[rustfmt::skip]
const FAILURES: [Failure; 7] = [
    Failure { name: "origin-not-allowed", phone: DESKTOP, locale: "en", page: "{foreign}/embed?token={token}&locale=en",
        code: "origin_not_allowed", says: "can't be shown on this page", hint: Some("the origin {foreign} is not in server.cors_origins"), retry: false },
    Failure { name: "unknown-session-embed", phone: PHONE, locale: "ru", page: "{shop}/embed?token=q9Xr2mKd8Lp0Zt5Wv7Yb3N&locale=ru",
        code: "session_not_found", says: "не найден", hint: Some("POST /api/v1/sessions"), retry: false },
    Failure { name: "network-down", phone: PHONE, locale: "ru", page: "{shop}/embed?token={token}&locale=ru&fault=offline",
        code: "network_error", says: "Проверьте соединение", hint: None, retry: true },
    Failure { name: "server-error", phone: DESKTOP, locale: "en", page: "{shop}/embed?token={token}&locale=en&fault=502",
        code: "gateway_unavailable", says: "Could not load the payment", hint: Some("HTTP 502"), retry: true },
    Failure { name: "wasm-failed", phone: PHONE, locale: "ru", page: "{shop}/embed?token={token}&locale=ru&fault=wasm",
        code: "load_failed", says: "Не удалось загрузить форму оплаты", hint: Some("WebAssembly"), retry: true },
    Failure { name: "csp-blocked", phone: DESKTOP, locale: "en", page: "{shop}/strict?token={token}",
        code: "csp_blocked", says: "can't be shown on this page", hint: Some("'wasm-unsafe-eval'"), retry: false },
    // The requests the stable entry starts are blocked before the widget's entry listens.
    Failure { name: "csp-connect-blocked", phone: PHONE, locale: "en", page: "{shop}/strict?token={token}&forgot=connect",
        code: "csp_blocked", says: "can't be shown on this page", hint: None, retry: false },
];

#[tokio::test(flavor = "multi_thread")]
async fn every_way_loading_fails_is_shown_in_the_box_with_an_event() {
    let w = world(false).await;
    for case in &FAILURES {
        let (_, token) = w
            .server
            .create_session(&["card_transfer", "sbp"], case.locale);
        let fill = |text: &str| {
            text.replace("{shop}", &w.shop.origin)
                .replace(
                    "{foreign}",
                    &w.shop.origin.replace("localhost", "shop.test"),
                )
                .replace("{token}", &token)
        };
        let (width, height) = if case.phone { (375, 740) } else { (1280, 800) };
        w.browser.resize(width, height).await;
        w.browser.goto(&fill(case.page)).await;
        let (text, hint) = alert_and_event(&w.browser, case.code).await;
        assert!(text.contains(case.says), "{}: {text}", case.name);
        match (case.hint, hint) {
            (Some(cause), Some(hint)) => assert!(
                hint.contains(&fill(cause)),
                "{}: the sandbox names the cause: {hint}",
                case.name
            ),
            (cause, hint) => assert_eq!(cause.map(fill), hint, "{}: the sandbox hint", case.name),
        }
        let width = if case.phone { "phone" } else { "desktop" };
        w.browser
            .screenshot(&screenshot_path(&format!("wire-{}-{width}", case.name)))
            .await;
        if !case.retry {
            assert!(
                w.browser.text("retry").await.is_none(),
                "{}: retrying cannot help",
                case.name
            );
            continue;
        }
        w.browser.js("window.fault = ''", vec![]).await;
        w.browser.click("retry").await;
        w.browser.wait_for("method-card_transfer").await;
    }
    w.browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hosted_page_says_an_unknown_session_before_any_script() {
    let w = world(true).await;
    let token = "q9Xr2mKd8Lp0Zt5Wv7Yb3N";
    let page = w.server.get(&format!("/pay/{token}"));
    assert_eq!(page.status, 404);
    w.browser
        .goto(&format!("{}/pay/{token}", w.server.base))
        .await;
    let alert = w
        .browser
        .js(
            "const a = document.querySelector('[role=alert][data-code=session_not_found]'); return a && a.innerText;",
            vec![],
        )
        .await;
    assert!(
        alert.as_str().is_some_and(|t| t.contains("устарела")),
        "{alert}"
    );
    w.browser
        .screenshot(&screenshot_path("wire-unknown-session-hosted-phone"))
        .await;
    w.browser.close().await;
}

/// The stable entry starts the build's glue, its wasm and the session view beside the entry
/// (each downloaded once: the widget's own requests are the ones the stable entry started),
/// and exports what the entry exports.
#[tokio::test(flavor = "multi_thread")]
async fn the_stable_entry_starts_the_build_and_the_view_and_exports_what_the_entry_does() {
    let w = world(false).await;
    let (_, token) = w.server.create_session(&["card_transfer", "sbp"], "ru");
    w.browser
        .goto(&format!("{}/embed?token={token}&locale=ru", w.shop.origin))
        .await;
    w.browser.wait_for("method-card_transfer").await;
    let loads = w
        .browser
        .js(
            "const entries = performance.getEntriesByType('resource'); \
             const of = (suffix) => entries.filter(e => e.name.endsWith(suffix)).map(e => e.initiatorType); \
             return {wasm: of('/frontend_bg.wasm'), glue: of('/frontend.js'), entry: of('/checkout.js'), \
               view: of('/api/v1/checkout/' + arguments[0]), \
               handed: [...(globalThis.__alikassaCheckout?.wasm?.keys() ?? []), ...(globalThis.__alikassaCheckout?.views?.keys() ?? [])], \
               links: [...document.head.querySelectorAll('link[rel$=preload]')].map(l => l.rel + ' ' + l.href)};",
            vec![json!(token)],
        )
        .await;
    assert_eq!(
        loads["wasm"],
        json!(["fetch"]),
        "the wasm came once, by the stable entry's fetch: {loads}"
    );
    assert_eq!(
        loads["view"],
        json!(["fetch"]),
        "the view came once: {loads}"
    );
    assert_eq!(
        loads["handed"],
        json!([]),
        "the entry took both requests over: {loads}"
    );
    assert_eq!(
        loads["glue"].as_array().map(Vec::len),
        Some(1),
        "the glue came once: {loads}"
    );
    assert_eq!(
        loads["links"].as_array().map(Vec::len),
        Some(1),
        "only the glue is preloaded by a link: {loads}"
    );
    assert_eq!(
        loads["entry"].as_array().map(Vec::len),
        Some(2),
        "stable and versioned entry: {loads}"
    );
    let manifest: Value =
        serde_json::from_slice(&w.server.get("/widget/v1/manifest.json").body).unwrap();
    let versioned = format!("{}{}", w.server.base, manifest["entry"].as_str().unwrap());
    let names = w
        .browser
        .client
        .execute_async(
            "const [stable, versioned, done] = arguments; \
             Promise.all([import(stable), import(versioned)]) \
               .then(([a, b]) => done([Object.keys(a), Object.keys(b)]), (e) => done(String(e)));",
            vec![
                json!(format!("{}/widget/v1/checkout.js", w.server.base)),
                json!(versioned),
            ],
        )
        .await
        .unwrap();
    assert_eq!(names[0], names[1], "{names}");
    assert_eq!(names[0], json!(["mount"]), "{names}");
    w.browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hosted_page_paints_the_amount_first_and_survives_a_missing_wasm() {
    let w = world(true).await;
    let (_, token) = w.server.create_session(&["card_transfer", "sbp"], "ru");
    // The first screen is in the HTML: shop, amount, a picker skeleton, the view as data.
    let html = w.server.get(&format!("/pay/{token}")).text();
    assert!(html.contains("shadowrootmode=\"open\""), "{html}");
    assert!(
        html.contains("1\u{202f}500\u{a0}₽"),
        "the amount is rendered: {html}"
    );
    assert!(
        html.contains("<script type=\"application/json\" id=\"akc-view\" data-status=\"200\">")
    );
    assert!(
        html.contains("rel=\"preload\"") && html.contains("as=\"fetch\" type=\"application/wasm\"")
    );

    w.browser.cdp("Network.enable", json!({})).await;
    w.browser
        .cdp(
            "Network.setBlockedURLs",
            json!({"urls": ["*frontend_bg.wasm*"]}),
        )
        .await;
    w.browser
        .goto(&format!("{}/pay/{token}", w.server.base))
        .await;
    let (text, border) = alert_hosted(&w.browser, "load_failed").await;
    assert!(text.contains("Не удалось загрузить форму оплаты"), "{text}");
    assert_eq!(
        border, "0px",
        "the page's card frames the message: no border of its own"
    );
    w.browser
        .screenshot(&screenshot_path("wire-hosted-wasm-failed-phone"))
        .await;
    w.browser.resize(1280, 800).await;
    w.browser
        .screenshot(&screenshot_path("wire-hosted-wasm-failed-desktop"))
        .await;
    w.browser
        .cdp("Network.setBlockedURLs", json!({"urls": []}))
        .await;
    w.browser.click("retry").await;
    w.browser.wait_for("method-card_transfer").await;
    // The widget took the view from the page: no request for it.
    let fetched = w
        .browser
        .js(
            "return performance.getEntriesByType('resource').filter(e => /\\/api\\/v1\\/checkout\\/[^/]+$/.test(e.name)).length",
            vec![],
        )
        .await;
    assert_eq!(fetched, json!(0), "the view came with the page");
    w.browser.close().await;
}

/// The hosted page has no shop listening for events: the alert alone; returns its text and its
/// bottom border's width.
async fn alert_hosted(browser: &Browser, code: &str) -> (String, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        let alert = browser
            .js(
                "const h = document.querySelector('[data-alikassa-checkout]'); \
                 const a = h && h.shadowRoot && h.shadowRoot.querySelector('[role=alert]'); \
                 return a ? {code: a.dataset.code, text: a.innerText, border: getComputedStyle(a).borderBottomWidth} : null;",
                vec![],
            )
            .await;
        if alert["code"] == json!(code) {
            return (
                alert["text"].as_str().unwrap_or_default().to_owned(),
                alert["border"].as_str().unwrap_or_default().to_owned(),
            );
        }
        assert!(
            Instant::now() < deadline,
            "no {code} alert: {}",
            browser.widget_html().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
