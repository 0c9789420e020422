//! The hosted payment page in headless Chromium: its strict CSP holds with no console errors,
//! Russian and English, a reload resumes the same requisites and timer; prints the time from
//! navigation to requisites on screen and saves mobile and desktop screenshots; a partial
//! payment ends on the "paid in part" screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use e2e::browser::{Browser, CheckoutServer, serial};
use serde_json::json;

fn screenshots_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots")
}

#[tokio::test(flavor = "multi_thread")]
async fn hosted_page_under_its_csp_without_console_errors_in_both_languages() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let (_, token) = server.create_session(&["sbp", "card_transfer"], "ru");

    let page = server.get(&format!("/pay/{token}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(!html.contains("<style"), "no inline style element");
    // Every script is external; the only other one is the session view as a data block,
    // which the browser never executes.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=").count() + 1,
        "every script is external"
    );
    assert_eq!(html.matches("<script type=\"application/json\"").count(), 1);

    let browser = Browser::start().await;
    browser.goto(&format!("{}/pay/{token}", server.base)).await;
    browser.wait_for("method-sbp").await;
    // The CSP header reached the browser and the page still works under it.
    let policy_violations = browser
        .js(
            "return new Promise(r => { const v = []; document.addEventListener('securitypolicyviolation', e => v.push(e.violatedDirective)); setTimeout(() => r(v), 300); });",
            vec![],
        )
        .await;
    assert_eq!(policy_violations, json!([]));
    assert_eq!(
        browser.text("test-mode").await.unwrap(),
        "ТЕСТОВЫЙ РЕЖИМ — деньги не списываются"
    );
    browser.click("method-card_transfer").await;
    browser.wait_for("requisite-card_number").await;
    let card = browser.text("requisite-card_number").await.unwrap();
    assert!(
        card.len() == 19 && card.split(' ').all(|g| g.len() == 4),
        "grouped 4-4-4-4: {card}"
    );
    let countdown = browser.text("countdown").await.unwrap();
    assert!(
        countdown.starts_with("14:") || countdown == "15:00",
        "{countdown}"
    );

    // English, switched in the widget, and by ?lang=en on a fresh load.
    browser.click("lang-en").await;
    let deadline = Instant::now() + e2e::browser::WAIT;
    while browser.text("copy-card_number").await.as_deref() != Some("Copy") {
        assert!(Instant::now() < deadline, "no English after the switch");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser
        .goto(&format!("{}/pay/{token}?lang=en", server.base))
        .await;
    browser.wait_for("requisite-card_number").await;
    assert_eq!(
        browser.text("test-mode").await.unwrap(),
        "TEST MODE — no real money is charged"
    );
    let lang = browser
        .js("return document.documentElement.lang", vec![])
        .await;
    assert_eq!(lang, json!("en"));

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_resumes_the_same_requisites_and_timer() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let (id, token) = server.create_session(&["sbp"], "ru");
    let browser = Browser::start().await;
    let url = format!("{}/pay/{token}", server.base);
    browser.goto(&url).await;
    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    let phone = browser.text("requisite-phone").await.unwrap();
    assert!(phone.starts_with("+7 "), "{phone}");
    let gateway_id = server.gateway_payment_id(&id);
    let before: u64 = browser
        .attr("countdown", "data-remaining")
        .await
        .unwrap()
        .parse()
        .unwrap();

    // A minute passes on the server's clock, then the buyer comes back from the bank app.
    server.advance_clock(60);
    browser.client.refresh().await.unwrap();
    browser.wait_for("requisite-phone").await;
    assert_eq!(
        browser.text("requisite-phone").await.unwrap(),
        phone,
        "same requisites"
    );
    assert!(
        browser.text("method-sbp").await.is_none(),
        "no second method choice"
    );
    let after: u64 = browser
        .attr("countdown", "data-remaining")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        after + 55 <= before && after + 70 >= before,
        "the timer continued from the server's deadline: {before} s, then {after} s"
    );
    assert_eq!(
        server.gateway_payment_id(&id),
        gateway_id,
        "no second gateway payment"
    );
    browser.wait_status("pending").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn time_to_requisites_and_screenshots() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let browser = Browser::start().await;
    let dir = screenshots_dir();

    // Desktop, 1280×800: a fresh page, the buyer picks SBP.
    let (_, token) = server.create_session(&["sbp", "card_transfer", "sberpay", "card_form"], "ru");
    let url = format!("{}/pay/{token}", server.base);
    let started = Instant::now();
    browser.goto(&url).await;
    browser.wait_for("method-sbp").await;
    let picker_ms = started.elapsed().as_millis();
    let clicked = Instant::now();
    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    let pay_ms = clicked.elapsed().as_millis();
    // A reload shows the requisites straight away: navigation → requisites on screen.
    let reloaded = Instant::now();
    browser.goto(&url).await;
    browser.wait_for("requisite-phone").await;
    let resume_ms = reloaded.elapsed().as_millis();
    let in_page = browser
        .js("return Math.round(performance.now())", vec![])
        .await;
    println!(
        "time to requisites: page load → method picker {picker_ms} ms; click → requisites {pay_ms} ms; \
         navigation → requisites on a reload {resume_ms} ms (in-page performance.now() {in_page} ms)"
    );
    browser.resize(1280, 800).await;
    browser
        .screenshot(&dir.join("hosted-desktop-1280x800.png"))
        .await;

    // Mobile, 375×812.
    browser.resize(375, 812).await;
    browser.goto(&url).await;
    browser.wait_for("requisite-phone").await;
    browser
        .screenshot(&dir.join("hosted-mobile-375x812.png"))
        .await;
    println!("screenshots in {}", dir.display());
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}

/// A buyer transfers less than asked: the gateway reports the payment paid with 1,00 ₽ of
/// 1 500,00 ₽. The page says so, tells them not to pay again, links back by the fail URL (never
/// the success URL), and keeps saying it after a reload; desktop and phone screenshots.
#[tokio::test(flavor = "multi_thread")]
async fn a_partial_payment_shows_received_x_of_y_and_what_to_do() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let (id, token) = server.create_session(&["sbp", "card_transfer"], "ru");
    let browser = Browser::start().await;
    let dir = screenshots_dir();
    let url = format!("{}/pay/{token}", server.base);
    browser.goto(&url).await;
    browser.click("method-card_transfer").await;
    browser.wait_for("requisite-card_number").await;
    let gateway_id = server
        .gateway_payment_id(&id)
        .unwrap_or_else(|| panic!("no gateway payment id\n{}", server.logs()));

    server.pay_amount(gateway_id, "1.00");
    browser.wait_status("underpaid").await;
    let says_underpaid = async || {
        assert_eq!(
            browser.attr("final", "data-status").await.as_deref(),
            Some("underpaid")
        );
        assert_eq!(
            browser.text("final-title").await.unwrap(),
            "Оплачено не полностью"
        );
        assert_eq!(
            browser.text("underpaid-amounts").await.unwrap(),
            "Получено 1,00\u{a0}₽ из\u{a0}1\u{202f}500,00\u{a0}₽"
        );
        let next = browser.text("final-text").await.unwrap();
        assert!(next.contains("Не платите повторно"), "{next}");
        let class = browser.attr("final", "class").await.unwrap_or_default();
        assert!(
            !class.contains("akc-final-ok"),
            "styled as a success: {class}"
        );
        assert!(
            browser.text("try-again").await.is_none(),
            "no second payment"
        );
        assert_eq!(
            browser.attr("back-to-shop", "href").await.as_deref(),
            Some("https://shop.example/cart"),
            "back by the fail URL"
        );
    };
    says_underpaid().await;
    browser.resize(1280, 800).await;
    browser
        .screenshot(&dir.join("hosted-underpaid-desktop-1280x800.png"))
        .await;

    // A phone, and a fresh load: the view itself carries the money received.
    browser.resize(375, 812).await;
    browser.goto(&url).await;
    browser.wait_status("underpaid").await;
    says_underpaid().await;
    browser
        .screenshot(&dir.join("hosted-underpaid-mobile-375x812.png"))
        .await;

    browser.goto(&format!("{url}?lang=en")).await;
    browser.wait_status("underpaid").await;
    assert_eq!(
        browser.text("underpaid-amounts").await.unwrap(),
        "Received ₽1.00 of\u{a0}₽1,500.00"
    );
    let next = browser.text("final-text").await.unwrap();
    assert!(next.contains("Do not pay again"), "{next}");
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}
