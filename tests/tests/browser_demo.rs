//! The demo shop at `/` (sandbox mode): cart → Pay → embedded widget → the sandbox panel marks
//! the payment paid; a second checkout is expired with the clock buttons.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use e2e::browser::{Browser, CheckoutServer, WAIT, serial};

async fn until_enabled(browser: &Browser, testid: &str) {
    let deadline = Instant::now() + WAIT;
    while browser.attr(testid, "disabled").await.is_some() {
        assert!(Instant::now() < deadline, "{testid} stayed disabled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shop_runs_the_whole_flow() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let browser = Browser::start().await;
    browser.goto(&format!("{}/", server.base)).await;
    browser.click("demo-pay").await;
    browser.wait_for("method-sbp").await;
    browser.click("method-sbp").await;
    browser.wait_for("requisite-phone").await;
    until_enabled(&browser, "sandbox-paid").await;
    let id = browser.text("sandbox-payment").await.unwrap();
    assert!(id.parse::<u64>().is_ok(), "gateway id shown: {id}");
    browser.click("sandbox-paid").await;
    browser.wait_status("paid").await;
    let log = browser.text("sandbox-log").await.unwrap();
    assert!(log.contains("paid {"), "event log: {log}");
    browser.resize(1280, 800).await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    browser
        .screenshot(&shots.join("demo-shop-paid-1280x800.png"))
        .await;

    // A new checkout, expired by moving the sandbox clock an hour ahead.
    browser.click("demo-pay").await;
    browser.wait_for("method-card_transfer").await;
    browser.click("method-card_transfer").await;
    browser.wait_for("requisite-card_number").await;
    browser.click("sandbox-advance-3600").await;
    browser.wait_status("expired").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    browser.close().await;
}
