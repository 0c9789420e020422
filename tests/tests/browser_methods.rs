//! Every payment method on the hosted page, driven in headless Chromium against the real
//! server in sandbox mode: to paid, cancelled, failed and expired.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::browser::{Browser, CheckoutServer, serial};

const METHODS: [&str; 6] = [
    "card_transfer",
    "sbp",
    "sberpay",
    "account_transfer",
    "card_form",
    "account_form",
];

/// What the buyer sees right after choosing `method`.
fn first_hook(method: &str) -> &'static str {
    match method {
        "card_transfer" => "requisite-card_number",
        "sbp" => "requisite-phone",
        "account_transfer" => "requisite-account",
        "sberpay" => "qr",
        _ => "redirect",
    }
}

fn is_form(method: &str) -> bool {
    method.ends_with("_form")
}

/// Opens the hosted page, picks `method`, waits for what the buyer must do; returns the
/// session id and token.
async fn start_payment(
    server: &CheckoutServer,
    browser: &Browser,
    method: &str,
) -> (String, String) {
    let (id, token) = server.create_session(&[method], "ru");
    browser.goto(&format!("{}/pay/{token}", server.base)).await;
    browser.click(&format!("method-{method}")).await;
    if is_form(method) {
        // The hosted page sends the buyer to the gateway's form in the same tab.
        let deadline = std::time::Instant::now() + e2e::browser::WAIT;
        loop {
            let url = browser.client.current_url().await.unwrap();
            if !url.path().starts_with("/pay/") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no redirect to the gateway form"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    } else {
        browser.wait_for(first_hook(method)).await;
        browser.wait_status("pending").await;
    }
    (id, token)
}

async fn outcome_for_every_method(action: &str, expected: &str) {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let browser = Browser::start().await;
    for method in METHODS {
        let (id, token) = start_payment(&server, &browser, method).await;
        let gateway_id = server
            .gateway_payment_id(&id)
            .unwrap_or_else(|| panic!("{method}: no gateway payment id\n{}", server.logs()));
        server.finish_payment(gateway_id, action);
        if is_form(method) {
            // Back from the gateway's form: the same page shows the outcome.
            browser.goto(&format!("{}/pay/{token}", server.base)).await;
        }
        browser.wait_status(expected).await;
        browser.wait_for("final").await;
        assert_eq!(
            browser.attr("final", "data-status").await.as_deref(),
            Some(expected),
            "{method}"
        );
        let retry = browser.text("try-again").await.is_some();
        assert_eq!(
            retry,
            expected == "failed",
            "{method}: try again after {expected}"
        );
        println!("{method}: {action} → {expected} ✓");
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_to_paid() {
    outcome_for_every_method("paid", "paid").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_to_cancelled() {
    outcome_for_every_method("cancel", "cancelled").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_to_failed() {
    outcome_for_every_method("fail", "failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_to_expired() {
    let _serial = serial().await;
    let server = CheckoutServer::start(&[]);
    let browser = Browser::start().await;
    for method in METHODS {
        let (_, token) = start_payment(&server, &browser, method).await;
        // Past the session's lifetime (default 15 minutes) on the sandbox's clock.
        server.advance_clock(16 * 60);
        if is_form(method) {
            browser.goto(&format!("{}/pay/{token}", server.base)).await;
        }
        // The session's deadline passed: the widget says so (not merely "cancelled"), and
        // offers to start again.
        browser.wait_status("expired").await;
        browser.wait_for("try-again").await;
        println!("{method}: clock +16 min → expired ✓");
    }
    browser.close().await;
}
