//! The page frame (header, navigation, language switch, sign-out), the language, and the
//! small formatters every page uses. Everything interpolated goes through [`esc`].

use axum::extract::Query;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;

use super::auth::{Signed, cookie};
use crate::html::escape as esc;

/// The page language: `ru` or `en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Russian.
    Ru,
}

/// The cookie that keeps a chosen language.
const LANG_COOKIE: &str = "ak_lang";

impl Lang {
    /// The chosen language (cookie), else the browser's (`Accept-Language` naming Russian
    /// before English), else English.
    pub fn of(parts: &Parts) -> Lang {
        match cookie(parts, LANG_COOKIE) {
            Some("ru") => return Lang::Ru,
            Some("en") => return Lang::En,
            _ => {}
        }
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let position = |code: &str| {
            accept
                .split(',')
                .position(|l| l.trim().starts_with(code))
                .unwrap_or(usize::MAX)
        };
        if position("ru") < position("en") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    /// `en` or `ru`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, en: &'a str, ru: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ru => ru,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    to: String,
    #[serde(default)]
    back: String,
}

/// `GET /dashboard/lang?to=ru&back=/dashboard/…`: keeps the choice in a cookie and goes back.
pub async fn switch_language(Query(q): Query<SwitchQuery>) -> Response {
    let lang = if q.to == "ru" { "ru" } else { "en" };
    // Only back into the dashboard (never an open redirect).
    let back = if q.back.starts_with("/dashboard/") && !q.back.contains("//") {
        q.back
    } else {
        "/dashboard/".to_owned()
    };
    (
        [(
            header::SET_COOKIE,
            format!("{LANG_COOKIE}={lang}; Path=/dashboard; SameSite=Lax; Max-Age=31536000"),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

/// The sections in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Sessions,
    Payouts,
    Webhooks,
    System,
}

/// A page inside the frame.
pub struct Page<'a> {
    /// Who is signed in.
    pub signed: &'a Signed,
    /// Which section it belongs to.
    pub section: Section,
    /// `<title>` and `<h1>`.
    pub title: String,
    /// The page's own path and query (for the language switch).
    pub path: String,
    /// The markup of `<main>` after the heading.
    pub body: String,
}

/// The page in the frame.
pub fn render(page: Page<'_>) -> Html<String> {
    let l = page.signed.lang;
    let op = &page.signed.session.operator;
    let nav: String = [
        (Section::Overview, "/dashboard/", l.t("Overview", "Обзор")),
        (
            Section::Sessions,
            "/dashboard/sessions",
            l.t("Sessions", "Сессии"),
        ),
        (
            Section::Payouts,
            "/dashboard/payouts",
            l.t("Payouts", "Выплаты"),
        ),
        (
            Section::Webhooks,
            "/dashboard/webhooks",
            l.t("Webhooks", "Вебхуки"),
        ),
        (
            Section::System,
            "/dashboard/system",
            l.t("System", "Система"),
        ),
    ]
    .iter()
    .map(|(section, href, label)| {
        let current = if *section == page.section {
            r#" aria-current="page""#
        } else {
            ""
        };
        format!(r#"<li><a href="{href}"{current} data-testid="nav-{href}">{label}</a></li>"#)
    })
    .collect();
    let other = match l {
        Lang::En => ("ru", "Русский"),
        Lang::Ru => ("en", "English"),
    };
    let back: String = form_urlencoded::byte_serialize(page.path.as_bytes()).collect();
    let role = match op.role {
        crate::operators::Role::Viewer => l.t("viewer", "наблюдатель"),
        crate::operators::Role::Operator => l.t("operator", "оператор"),
    };
    let header = format!(
        r##"<header class="top"><a class="skip" href="#main">{skip}</a>
<a class="brand" href="/dashboard/">AliKassa Checkout</a>
<nav aria-label="{navlabel}"><ul>{nav}</ul></nav>
<div class="who"><span data-testid="operator">{email}</span> <span class="role" data-testid="role">{role}</span>
<a href="/dashboard/lang?to={code}&amp;back={back}" lang="{code}" hreflang="{code}" data-testid="lang">{other_name}</a>
<form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" class="link" data-testid="logout">{logout}</button></form></div></header>"##,
        skip = l.t("Skip to content", "К содержимому"),
        navlabel = l.t("Sections", "Разделы"),
        email = esc(&op.email),
        code = other.0,
        other_name = other.1,
        csrf = esc(&page.signed.session.csrf),
        logout = l.t("Sign out", "Выйти"),
    );
    Html(document(
        l,
        &page.title,
        &format!(
            "{header}<main id=\"main\" tabindex=\"-1\"><h1>{}</h1>{}</main>",
            esc(&page.title),
            page.body
        ),
    ))
}

/// A whole HTML document.
pub fn document(l: Lang, title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="{code}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title} · AliKassa Checkout</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body>{body}</body></html>"#,
        code = l.code(),
        title = esc(title),
    )
}

/// A bare error page (both languages: it may be shown before anyone is known).
pub fn error_page(status: u16, en: &str, ru: &str, detail: &str) -> Html<String> {
    Html(document(
        Lang::En,
        en,
        &format!(
            r#"<main id="main" class="narrow"><h1 data-testid="error">{status} · {en}</h1><p lang="ru">{ru}</p><p>{}</p><p><a href="/dashboard/">← Dashboard / Панель</a></p></main>"#,
            esc(detail)
        ),
    ))
}

/// Kopecks as rubles, as the widget writes them: `1 500,00 ₽` (ru: narrow no-break spaces,
/// decimal comma) or `₽1,500.00` (en).
pub fn rub(l: Lang, kopecks: u64) -> String {
    let locale = match l {
        Lang::Ru => shared::api::Locale::Ru,
        Lang::En => shared::api::Locale::En,
    };
    shared::display::kopecks_exact(locale, kopecks)
}

/// Signed kopecks (a balance may be negative) as rubles.
pub fn rub_signed(l: Lang, kopecks: i64) -> String {
    let sign = if kopecks < 0 { "−" } else { "" };
    format!("{sign}{}", rub(l, kopecks.unsigned_abs()))
}

/// A time as `2026-12-03 11:25 UTC`.
pub fn when(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .map(|s| format!("{s} UTC"))
    .unwrap_or_default()
}

/// A time to the millisecond, `2026-12-03 11:25:07.042 UTC`: timeline entries of the same
/// second read in their real order.
pub fn when_ms(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]"
    ))
    .map(|s| format!("{s} UTC"))
    .unwrap_or_default()
}

/// A status as a labelled badge (the word is always there: colour is never the only cue).
pub fn badge(status: &str) -> String {
    let class = match status {
        "paid" | "delivered" | "ok" | "ready" => "ok",
        "underpaid" | "unknown" | "creating" | "pending" | "open" => "warn",
        "failed" | "cancelled" | "rejected" => "bad",
        _ => "neutral",
    };
    format!(
        r#"<span class="badge {class}" data-status="{s}">{s}</span>"#,
        s = esc(status)
    )
}

/// The hidden CSRF field of a change form.
pub fn csrf_field(signed: &Signed) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(&signed.session.csrf)
    )
}

/// A one-button POST form (shown to operators only; the caller decides).
pub fn action_button(signed: &Signed, action: &str, label: &str, testid: &str) -> String {
    format!(
        r#"<form method="post" action="{action}" class="inline">{csrf}<button type="submit" data-testid="{testid}">{label}</button></form>"#,
        action = esc(action),
        csrf = csrf_field(signed),
        label = esc(label),
        testid = esc(testid),
    )
}

/// A notice after an action (`?done=…`), announced to screen readers.
pub fn notice(text: &str) -> String {
    format!(
        r#"<p class="notice" role="status" data-testid="notice">{}</p>"#,
        esc(text)
    )
}

/// A table inside a scrolling box (wide tables never widen a phone's page).
pub fn table(caption: &str, head: &[&str], rows: &[String], testid: &str) -> String {
    let head: String = head
        .iter()
        .map(|h| format!(r#"<th scope="col">{}</th>"#, esc(h)))
        .collect();
    format!(
        r#"<div class="table-wrap" role="region" aria-label="{cap}" tabindex="0"><table data-testid="{testid}"><caption>{cap}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"#,
        cap = esc(caption),
        rows = rows.concat(),
    )
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of(parts))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rubles_are_grouped_with_kopecks() {
        assert_eq!(rub(Lang::Ru, 0), "0,00\u{a0}₽");
        assert_eq!(rub(Lang::Ru, 150_000), "1\u{202f}500,00\u{a0}₽");
        assert_eq!(
            rub(Lang::Ru, 123_456_789),
            "1\u{202f}234\u{202f}567,89\u{a0}₽"
        );
        assert_eq!(rub(Lang::En, 150_000), "₽1,500.00");
        assert_eq!(rub_signed(Lang::Ru, -5_050), "−50,50\u{a0}₽");
    }

    #[test]
    fn the_language_comes_from_the_cookie_then_the_browser() {
        let parts = |headers: &[(&str, &str)]| {
            let mut b = axum::http::Request::builder();
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            b.body(()).unwrap().into_parts().0
        };
        assert_eq!(Lang::of(&parts(&[])), Lang::En);
        assert_eq!(
            Lang::of(&parts(&[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")])),
            Lang::Ru
        );
        assert_eq!(
            Lang::of(&parts(&[("accept-language", "en-US,ru;q=0.5")])),
            Lang::En
        );
        assert_eq!(
            Lang::of(&parts(&[
                ("accept-language", "ru"),
                ("cookie", "ak_lang=en")
            ])),
            Lang::En
        );
    }
}
