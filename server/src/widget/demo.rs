//! The demo shop at `/` (sandbox mode only): a cart whose "Pay" creates a session through
//! `POST /demo/api/sessions` and embeds the widget, beside a sandbox panel that marks the
//! payment paid / cancelled / failed and moves the emulator's clock. Script and style are
//! external files, under the same strict policy as the hosted page.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::WidgetState;
use super::assets::ENTRY;
use super::hosted::{content_security_policy, page_response};
use crate::html::escape;

const SHOP_JS: &str = include_str!("demo/shop.js");
const SHOP_CSS: &str = include_str!("demo/shop.css");

/// `GET /`.
pub async fn page(State(state): State<WidgetState>) -> Response {
    let entry = state
        .assets
        .as_ref()
        .map(|a| a.url(ENTRY))
        .unwrap_or_default();
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Demo shop — alikassa-checkout sandbox</title>
<link rel="stylesheet" href="/demo/shop.css">
<script type="module" src="/demo/shop.js" data-widget="{entry}"></script>
</head>
<body>
<header class="shop-header">
  <p class="shop-logo">☕ {merchant}</p>
  <p class="shop-badge">SANDBOX · no real money</p>
</header>
<main class="shop-main">
  <section class="shop-cart" aria-labelledby="cart-title">
    <h1 id="cart-title">Корзина / Cart</h1>
    <ul class="shop-items">
      <li><span>Футболка alikassa-checkout / T-shirt</span><span>1 × 1 500,00 ₽</span></li>
    </ul>
    <p class="shop-total"><span>Итого / Total</span><strong>1 500,00 ₽</strong></p>
    <label class="shop-label" for="shop-locale">Язык виджета / Widget language</label>
    <select id="shop-locale" data-testid="demo-locale">
      <option value="ru">Русский</option>
      <option value="en">English</option>
    </select>
    <button type="button" id="shop-pay" class="shop-pay" data-testid="demo-pay">Оплатить / Pay</button>
    <p class="shop-note" id="shop-message" role="status"></p>
    <p class="shop-note" id="shop-hosted" hidden>Hosted page: <a id="shop-hosted-link" data-testid="demo-hosted-link" href="/">/pay/…</a></p>
  </section>
  <section class="shop-checkout" aria-label="Checkout">
    <div id="checkout" data-testid="demo-checkout"></div>
  </section>
  <aside class="shop-sandbox" aria-labelledby="sandbox-title">
    <h2 id="sandbox-title">Sandbox panel</h2>
    <p class="shop-note">Acts as the gateway: decide what happens to the payment.</p>
    <p>Gateway payment id: <code id="sandbox-payment" data-testid="sandbox-payment">—</code></p>
    <div class="shop-buttons">
      <button type="button" data-action="paid" data-testid="sandbox-paid" disabled>Mark paid</button>
      <button type="button" data-action="cancel" data-testid="sandbox-cancel" disabled>Cancel</button>
      <button type="button" data-action="fail" data-testid="sandbox-fail" disabled>Fail</button>
    </div>
    <div class="shop-buttons">
      <button type="button" data-advance="300" data-testid="sandbox-advance-300">Clock +5 min</button>
      <button type="button" data-advance="3600" data-testid="sandbox-advance-3600">Clock +1 h</button>
    </div>
    <h3>Widget events</h3>
    <ol id="sandbox-log" class="shop-log" data-testid="sandbox-log"></ol>
  </aside>
</main>
</body>
</html>
"#,
        entry = escape(&entry),
        merchant = escape(&state.config.merchant_name),
    );
    page_response(StatusCode::OK, &content_security_policy(None), body)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /demo/shop.js`.
pub async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", SHOP_JS)
}

/// `GET /demo/shop.css`.
pub async fn style() -> Response {
    static_file("text/css; charset=utf-8", SHOP_CSS)
}
