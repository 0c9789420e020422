//! The hosted payment page, `GET /pay/{token}`: a server-rendered shell (merchant name and logo
//! from the configuration) that loads the widget full-page. No inline script or style; the
//! page sends a strict Content-Security-Policy (docs/embedding.md) and works under it.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use shared::api::{CheckoutView, Locale, SessionToken};

use super::assets::ENTRY;
use super::{ViewAnswer, WidgetState};
use crate::html::escape;

/// The policy of our pages. `'wasm-unsafe-eval'` lets the WebAssembly module compile; the
/// widget's CSS is a constructed stylesheet (or, in browsers without those, its own file), so
/// `style-src 'self'` needs no `'unsafe-inline'`.
pub fn content_security_policy(extra_img_origin: Option<&str>) -> String {
    let img = match extra_img_origin {
        Some(origin) => format!("'self' data: {origin}"),
        None => "'self' data:".to_owned(),
    };
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         connect-src 'self'; img-src {img}; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (end > 0).then(|| &url[..scheme.len() + 3 + end])
}

/// Headers every page of ours carries.
pub fn page_response(status: StatusCode, csp: &str, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    // The URL holds a bearer token: never cached, never sent onwards as a referrer.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `?lang=ru|en` overrides the session's language.
#[derive(Debug, Deserialize)]
pub(super) struct PageQuery {
    lang: Option<String>,
}

/// `GET /pay/{token}`.
pub(super) async fn page(
    State(state): State<WidgetState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let config = &state.config;
    let logo_origin = config.merchant_logo_url.as_deref().and_then(origin_of);
    let csp = content_security_policy(logo_origin);
    let locale = query.lang.as_deref().and_then(|l| l.parse::<Locale>().ok());
    let lang = locale.unwrap_or_default();
    let Ok(token) = SessionToken::parse(token) else {
        return page_response(StatusCode::NOT_FOUND, &csp, not_found_page(&state, lang));
    };
    let view = match &state.config.views {
        Some(views) => Some(views.load(token.clone()).await),
        None => None,
    };
    if let Some(Err((StatusCode::NOT_FOUND, _))) = &view {
        return page_response(StatusCode::NOT_FOUND, &csp, not_found_page(&state, lang));
    }
    page_response(
        StatusCode::OK,
        &csp,
        render(&state, &token, locale, view.as_ref()),
    )
}

fn head(state: &WidgetState, lang: Locale, title: &str) -> String {
    // widget.css too: the skeleton's shadow root links it, and loading it here (render
    // blocking, then cached) means the skeleton is never painted unstyled.
    let css = match &state.assets {
        Some(assets) => ["hosted.css", "widget.css"]
            .iter()
            .filter_map(|name| {
                let asset = assets.get(name)?;
                Some(format!(
                    r#"<link rel="stylesheet" href="{}" integrity="{}">"#,
                    assets.url(name),
                    asset.integrity
                ))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => String::new(),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<meta name="robots" content="noindex">
<title>{title}</title>
{css}"#,
        title = escape(title),
    )
}

fn header_html(state: &WidgetState) -> String {
    let logo = state
        .config
        .merchant_logo_url
        .as_deref()
        .map(|url| {
            format!(
                r#"<img class="akc-page-logo" src="{}" alt="">"#,
                escape(url)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<header class="akc-page-header">{logo}<p class="akc-page-merchant">{}</p></header>"#,
        escape(&state.config.merchant_name)
    )
}

/// The widget's first screen from HTML and CSS alone, in a declarative shadow root styled by
/// the widget's own stylesheet: the amount and a method-picker skeleton paint before the
/// wasm arrives, and the widget replaces it in place (same classes, same CSS).
fn skeleton(state: &WidgetState, view: &CheckoutView, lang: Locale) -> String {
    let Some(css) = state.assets.as_ref().map(|a| a.url("widget.css")) else {
        return String::new();
    };
    let (order, to_pay, choose, loading, test) = match lang {
        Locale::Ru => (
            "Заказ №",
            "К оплате",
            "Выберите способ оплаты",
            "Загружаем платёж…",
            "ТЕСТОВЫЙ РЕЖИМ — деньги не списываются",
        ),
        Locale::En => (
            "Order #",
            "To pay",
            "Choose a payment method",
            "Loading the payment…",
            "TEST MODE — no real money is charged",
        ),
    };
    let banner = if view.test_mode {
        format!(r#"<p class="akc-test-banner">{test}</p>"#)
    } else {
        String::new()
    };
    // Method buttons only where the widget will show the picker.
    let picker = if view.status.is_final() || view.payment.is_some() {
        String::new()
    } else {
        let rows = view
            .methods
            .iter()
            .map(|_| {
                r#"<li><button type="button" class="akc-method" disabled tabindex="-1"><span class="akc-mark" aria-hidden="true"></span></button></li>"#
            })
            .collect::<String>();
        format!(
            r#"<section class="akc-picker"><h2 class="akc-h2">{choose}</h2><ul class="akc-methods" aria-hidden="true">{rows}</ul></section>"#
        )
    };
    format!(
        r#"<div data-alikassa-checkout><template shadowrootmode="open"><link rel="stylesheet" href="{css}"><div class="akc-root akc-theme-auto akc-hosted" role="region" aria-busy="true" data-testid="skeleton"><div class="akc-topbar akc-skeleton-topbar"></div>{banner}<header class="akc-header"><p class="akc-order">{order} {order_id}</p><p class="akc-total"><span class="akc-total-label">{to_pay}</span> <span class="akc-total-value">{amount}</span></p></header><p class="akc-sr" role="status">{loading}</p><div class="akc-body">{picker}</div></div></template></div>"#,
        order_id = escape(view.order_id.as_str()),
        amount = escape(&shared::display::amount_display(lang, view.amount)),
    )
}

/// The view as a non-executable data block for the widget (`<` escaped so the JSON cannot
/// close the element); `data-status` is the HTTP status the widget API would have answered.
fn data_block(view: &ViewAnswer) -> String {
    let (status, json) = match view {
        Ok(view) => (
            StatusCode::OK,
            serde_json::to_string(view).unwrap_or_default(),
        ),
        Err((status, body)) => (*status, body.clone()),
    };
    format!(
        r#"<script type="application/json" id="{VIEW_BLOCK}" data-status="{}">{}</script>"#,
        status.as_u16(),
        json.replace('<', "\\u003c")
    )
}

/// Id of the data block holding the session view.
pub const VIEW_BLOCK: &str = "akc-view";

fn render(
    state: &WidgetState,
    token: &SessionToken,
    locale: Option<Locale>,
    view: Option<&ViewAnswer>,
) -> String {
    let session = view.and_then(|v| v.as_ref().ok());
    let lang = locale
        .or_else(|| session.map(|v| v.locale))
        .unwrap_or_default();
    let title = match lang {
        Locale::Ru => format!("Оплата — {}", state.config.merchant_name),
        Locale::En => format!("Payment — {}", state.config.merchant_name),
    };
    let (scripts, fallback) = match &state.assets {
        Some(assets) => {
            let integrity = |name: &str| {
                assets
                    .get(name)
                    .map(|a| a.integrity.clone())
                    .unwrap_or_default()
            };
            let locale_attr = locale
                .map(|l| format!(r#" data-locale="{l}""#))
                .unwrap_or_default();
            let view_attr = if view.is_some() {
                format!(r#" data-view="{VIEW_BLOCK}""#)
            } else {
                String::new()
            };
            let sandbox_attr = if state.config.test_mode {
                r#" data-sandbox="""#
            } else {
                ""
            };
            (
                format!(
                    r##"<link rel="preload" href="{wasm}" as="fetch" type="application/wasm" crossorigin="anonymous">
<link rel="modulepreload" href="{js}" integrity="{js_sri}">
<script type="module" src="{entry}" integrity="{entry_sri}" data-token="{token}" data-target="#checkout" data-mode="hosted"{locale_attr}{view_attr}{sandbox_attr}></script>"##,
                    js = assets.url("frontend.js"),
                    js_sri = integrity("frontend.js"),
                    wasm = assets.url("frontend_bg.wasm"),
                    entry = assets.url(ENTRY),
                    entry_sri = integrity(ENTRY),
                    token = escape(token.as_str()),
                ),
                session
                    .map(|v| skeleton(state, v, lang))
                    .unwrap_or_default(),
            )
        }
        None => (
            String::new(),
            r#"<p class="akc-page-noscript" role="alert">The payment widget is not built on this server (scripts/build-widget.sh).</p>"#
                .to_owned(),
        ),
    };
    let noscript = match lang {
        Locale::Ru => "Для оплаты включите JavaScript.",
        Locale::En => "Please enable JavaScript to pay.",
    };
    let data = view.map(data_block).unwrap_or_default();
    format!(
        r#"{head}
{scripts}
</head>
<body>
{header}
<main class="akc-page-main">
<div class="akc-page-card" id="checkout">{fallback}<noscript><p class="akc-page-noscript">{noscript}</p></noscript></div>
</main>
<footer class="akc-page-footer">AliKassa Checkout</footer>
{data}
</body>
</html>
"#,
        head = head(state, lang, &title),
        header = header_html(state),
    )
}

fn not_found_page(state: &WidgetState, lang: Locale) -> String {
    let (title, text) = match lang {
        Locale::Ru => ("Платёж не найден", "Ссылка на оплату неверна или устарела."),
        Locale::En => (
            "Payment not found",
            "The payment link is wrong or has expired.",
        ),
    };
    format!(
        r#"{head}
</head>
<body>
{header}
<main class="akc-page-main"><div class="akc-page-card"><p class="akc-page-noscript" role="alert" data-testid="load-error" data-code="session_not_found">{text}</p></div></main>
</body>
</html>
"#,
        head = head(state, lang, title),
        header = header_html(state),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_is_strict() {
        let csp = content_security_policy(None);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(csp.contains("style-src 'self';"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
        let with_logo = content_security_policy(Some("https://cdn.shop.ru"));
        assert!(with_logo.contains("img-src 'self' data: https://cdn.shop.ru;"));
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://cdn.shop.ru/logo.png"),
            Some("https://cdn.shop.ru")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https:///x"), None);
    }
}
