//! The widget embedded with one script tag on a shop page of another origin that has hostile
//! CSS: it renders untouched, talks to its own server (CORS allowlist), and the page receives
//! its DOM events. Also the `<alikassa-checkout>` custom element.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use e2e::browser::{Browser, CheckoutServer, ShopServer, WAIT, serial};
use serde_json::{Value, json};

async fn shop_events(browser: &Browser) -> Vec<String> {
    match browser.js("return window.widgetEvents || []", vec![]).await {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

async fn until_event(browser: &Browser, name: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(e) = shop_events(browser)
            .await
            .into_iter()
            .find(|e| e.starts_with(&format!("{name} ")))
        {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "no {name} event; got {:?}",
            shop_events(browser).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One test's world: a shop on another origin, a checkout that lets `allowed` embed (the
/// shop's own origin when `None`), one session, and a browser on the shop's `page` (`{token}`
/// in it replaced by the session's). Browser tests run one at a time: the guard is held.
struct Shop {
    _shop: ShopServer,
    server: CheckoutServer,
    browser: Browser,
    /// The session's id.
    id: String,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

impl Shop {
    async fn close(self) {
        self.browser.close().await;
    }
}

async fn open_shop(allowed: Option<&str>, methods: &[&str], locale: &str, page: &str) -> Shop {
    let serial = serial().await;
    let shop = ShopServer::start();
    let server = CheckoutServer::start(&[allowed.unwrap_or(&shop.origin)]);
    shop.set_checkout(&server.base);
    let (id, token) = server.create_session(methods, locale);
    let browser = Browser::start().await;
    browser
        .goto(&format!(
            "{}{}",
            shop.origin,
            page.replace("{token}", &token)
        ))
        .await;
    Shop {
        _shop: shop,
        server,
        browser,
        id,
        _serial: serial,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn embedded_on_another_origin_with_hostile_css() {
    let t = open_shop(
        None,
        &["card_transfer", "sbp"],
        "ru",
        "/embed?token={token}&locale=ru",
    )
    .await;
    let (server, browser, id) = (&t.server, &t.browser, t.id.clone());
    browser.wait_for("method-card_transfer").await;
    let ready = until_event(browser, "ready").await;
    assert!(ready.contains("\"status\":\"open\""), "{ready}");

    // Hostile CSS stops at the shadow root.
    let style = browser
        .js(
            "const h = document.querySelector('[data-alikassa-checkout]'); \
             const b = h.shadowRoot.querySelector('[data-testid=method-card_transfer]'); \
             const s = getComputedStyle(b); const r = getComputedStyle(h.shadowRoot.querySelector('.akc-root')); \
             return {color: s.color, size: s.fontSize, spacing: s.letterSpacing, visibility: s.visibility, \
                     rootDisplay: r.display, rootBg: r.backgroundColor, hostDisplay: getComputedStyle(h).display, \
                     hostPadding: getComputedStyle(h).paddingTop, h1: getComputedStyle(document.querySelector('h1')).color};",
            vec![],
        )
        .await;
    assert_eq!(
        style["h1"],
        json!("rgb(255, 0, 0)"),
        "the hostile CSS is active on the page: {style}"
    );
    assert_ne!(style["color"], json!("rgb(255, 0, 0)"), "{style}");
    assert_ne!(style["size"], json!("31px"), "{style}");
    assert_eq!(style["visibility"], json!("visible"), "{style}");
    assert_eq!(style["rootDisplay"], json!("block"), "{style}");
    assert_ne!(style["rootBg"], json!("rgb(0, 255, 0)"), "{style}");
    assert_eq!(style["hostDisplay"], json!("block"), "{style}");
    assert_eq!(style["hostPadding"], json!("0px"), "{style}");
    // And the widget cannot reach the shop: nothing of ours outside the shadow root.
    let leaked = browser
        .js(
            "return document.querySelectorAll('.akc-root, [data-testid]').length",
            vec![],
        )
        .await;
    assert_eq!(leaked, json!(0));

    browser.click("method-card_transfer").await;
    browser.wait_for("requisite-card_number").await;
    assert!(
        until_event(browser, "method_selected")
            .await
            .contains("card_transfer")
    );
    until_event(browser, "requisites_shown").await;

    let gateway_id = server.gateway_payment_id(&id).unwrap();
    server.finish_payment(gateway_id, "paid");
    browser.wait_status("paid").await;
    let paid = until_event(browser, "paid").await;
    assert!(paid.contains("\"status\":\"paid\""), "{paid}");
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    t.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_element_in_english_and_dark() {
    let t = open_shop(None, &["sbp"], "ru", "/element?token={token}").await;
    let browser = &t.browser;
    browser.wait_for("method-sbp").await;
    let heading = browser
        .js(
            "const r = document.querySelector('alikassa-checkout').shadowRoot; \
             return [r.querySelector('h2').textContent, r.querySelector('.akc-root').className];",
            vec![],
        )
        .await;
    assert_eq!(heading[0], json!("Choose a payment method"));
    assert!(
        heading[1].as_str().unwrap().contains("akc-theme-dark"),
        "{heading}"
    );
    // Changing the attribute switches the language in place.
    browser
        .js(
            "document.querySelector('alikassa-checkout').setAttribute('locale', 'ru')",
            vec![],
        )
        .await;
    let deadline = Instant::now() + WAIT;
    loop {
        let h = browser
            .js("return document.querySelector('alikassa-checkout').shadowRoot.querySelector('h2').textContent", vec![])
            .await;
        if h == json!("Выберите способ оплаты") {
            break;
        }
        assert!(Instant::now() < deadline, "still {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t.close().await;
}

/// Status polls the server has answered for the widget.
fn status_polls(server: &CheckoutServer) -> f64 {
    server
        .metric_sum(
            "checkout_http_requests_total{route=\"/api/v1/checkout/{token}/status\",method=\"GET\"",
        )
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn status_by_polling_when_the_event_stream_cannot_connect() {
    let t = open_shop(
        None,
        &["sbp"],
        "en",
        "/embed?token={token}&locale=en&sse=blocked",
    )
    .await;
    let (server, browser, id) = (&t.server, &t.browser, t.id.clone());
    browser.wait_for("method-sbp").await;
    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    let streams = browser.js("return window.blockedStreams", vec![]).await;
    assert!(
        streams.as_u64().is_some_and(|n| n >= 1),
        "the widget never tried the event stream: {streams}"
    );

    // Polling keeps the status current, at the documented pace: 2 s, then 3 s, 4.5 s … ≤ 10 s.
    let before = status_polls(server);
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    let polled = status_polls(server) - before;
    assert!(
        (1.0..=4.0).contains(&polled),
        "{polled} status polls in 6.5 s with the stream down (expected 1 to 4)"
    );

    let gateway_id = server.gateway_payment_id(&id).unwrap();
    server.finish_payment(gateway_id, "paid");
    browser.wait_status("paid").await;
    let paid = until_event(browser, "paid").await;
    assert!(paid.contains("\"status\":\"paid\""), "{paid}");
    assert_eq!(
        server.metric_sum("checkout_sse_subscribers "),
        Some(0.0),
        "no event stream reached the server"
    );
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    t.close().await;
}

/// A browser without constructed stylesheets (Safari before 16.4) on a shop whose policy
/// allows styles from the checkout's origin only: the widget takes its CSS from the
/// stylesheet beside its script, shows only once styled, and breaks no rule of the policy.
#[tokio::test(flavor = "multi_thread")]
async fn styled_without_constructed_stylesheets_under_a_strict_policy() {
    let t = open_shop(None, &["sbp"], "en", "/legacy?token={token}").await;
    let (server, browser) = (&t.server, &t.browser);
    browser.wait_for("method-sbp").await;
    let probe = "const h = document.querySelector('[data-alikassa-checkout]'); const r = h.shadowRoot; \
         const b = r.querySelector('[data-testid=method-sbp]'); const l = r.querySelector('link[rel=stylesheet]'); \
         return {styles: r.querySelectorAll('style').length, adopted: (r.adoptedStyleSheets || []).length, \
                 link: l ? l.href : null, loaded: !!(l && l.sheet), hidden: b.closest('[hidden]') !== null, \
                 display: getComputedStyle(b).display, minHeight: getComputedStyle(b).minHeight};";
    let deadline = Instant::now() + WAIT;
    let state = loop {
        let state = browser.js(probe, vec![]).await;
        if state["hidden"] == json!(false) || Instant::now() > deadline {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(state["adopted"], json!(0), "{state}");
    assert_eq!(state["styles"], json!(0), "no inline style: {state}");
    let link = state["link"].as_str().unwrap_or_default();
    assert!(
        link.starts_with(&format!("{}/widget/v1/", server.base)) && link.ends_with("/widget.css"),
        "{state}"
    );
    assert_eq!(state["loaded"], json!(true), "{state}");
    assert_eq!(state["hidden"], json!(false), "shown once styled: {state}");
    assert_eq!(
        state["display"],
        json!("flex"),
        "the widget's CSS applies: {state}"
    );
    assert_eq!(state["minHeight"], json!("56px"), "{state}");

    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    t.close().await;
}

/// A partial payment reaches the shop's page as `underpaid` with the money received, never as
/// `paid`, and the buyer reads "Paid X of Y" in the widget.
#[tokio::test(flavor = "multi_thread")]
async fn a_partial_payment_reaches_the_shop_page_as_underpaid() {
    let t = open_shop(None, &["sbp"], "en", "/embed?token={token}&locale=en").await;
    let (server, browser, id) = (&t.server, &t.browser, t.id.clone());
    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    let gateway_id = server.gateway_payment_id(&id).unwrap();
    server.pay_amount(gateway_id, "1.00");
    browser.wait_status("underpaid").await;
    let underpaid = until_event(browser, "underpaid").await;
    let detail: Value = serde_json::from_str(underpaid.trim_start_matches("underpaid ")).unwrap();
    assert_eq!(detail["status"], json!("underpaid"), "{underpaid}");
    assert_eq!(detail["method"], json!("sbp"), "{underpaid}");
    assert_eq!(detail["paid_amount"], json!("1.00"), "{underpaid}");
    assert_eq!(
        browser.text("underpaid-amounts").await.unwrap(),
        "Received ₽1.00 of\u{a0}₽1,500.00"
    );
    let events = shop_events(browser).await;
    assert!(
        !events.iter().any(|e| e.starts_with("paid ")),
        "announced as paid: {events:?}"
    );
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    t.close().await;
}
