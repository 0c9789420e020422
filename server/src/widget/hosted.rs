//! The hosted payment page, `GET /pay/{token}`: a server-rendered shell (merchant name and logo
//! from the configuration) that loads the widget full-page. No inline script or style; the
//! page sends a strict Content-Security-Policy (docs/embedding.md) and works under it.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use shared::api::{Locale, SessionToken};

use super::WidgetState;
use super::assets::ENTRY;
use super::html::escape;

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
    page_response(StatusCode::OK, &csp, render(&state, &token, locale))
}

fn head(state: &WidgetState, lang: Locale, title: &str) -> String {
    let css = match &state.assets {
        Some(assets) => format!(
            r#"<link rel="stylesheet" href="{}" integrity="{}">"#,
            assets.url("hosted.css"),
            assets
                .get("hosted.css")
                .map(|a| a.integrity.as_str())
                .unwrap_or_default()
        ),
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

fn render(state: &WidgetState, token: &SessionToken, locale: Option<Locale>) -> String {
    let lang = locale.unwrap_or_default();
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
            (
                format!(
                    r##"<link rel="modulepreload" href="{js}" integrity="{js_sri}">
<link rel="preload" href="{wasm}" as="fetch" type="application/wasm" crossorigin="anonymous">
<script type="module" src="{entry}" integrity="{entry_sri}" data-token="{token}" data-target="#checkout" data-mode="hosted"{locale_attr}></script>"##,
                    js = assets.url("frontend.js"),
                    js_sri = integrity("frontend.js"),
                    wasm = assets.url("frontend_bg.wasm"),
                    entry = assets.url(ENTRY),
                    entry_sri = integrity(ENTRY),
                    token = escape(token.as_str()),
                ),
                String::new(),
            )
        }
        None => (
            String::new(),
            r#"<p class="akc-page-noscript">The payment widget is not built on this server (scripts/build-widget.sh).</p>"#
                .to_owned(),
        ),
    };
    let noscript = match lang {
        Locale::Ru => "Для оплаты включите JavaScript.",
        Locale::En => "Please enable JavaScript to pay.",
    };
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
<main class="akc-page-main"><div class="akc-page-card"><p class="akc-page-noscript">{text}</p></div></main>
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
