//! Signing in and out.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::DashError;
use super::auth::{Signed, cleared_cookie, session_cookie};
use super::layout::{Lang, document, when};
use crate::html::escape as esc;
use crate::operators::OperatorError;
use crate::routes::AppState;
use crate::routes::caps::ClientGroup;
use crate::routes::extract::ClientIp;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only back into the dashboard (never an open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with("/dashboard/") && !next.contains("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard/"
    }
}

/// `GET /dashboard/login`.
pub async fn form(lang: Lang, Query(q): Query<NextQuery>) -> Html<String> {
    login_page(lang, "", safe_next(&q.next), None)
}

fn login_page(l: Lang, email: &str, next: &str, error: Option<String>) -> Html<String> {
    let error = error
        .map(|e| {
            format!(
                r#"<p class="error" role="alert" data-testid="login-error">{}</p>"#,
                esc(&e)
            )
        })
        .unwrap_or_default();
    let other = match l {
        Lang::En => ("ru", "Русский"),
        Lang::Ru => ("en", "English"),
    };
    let back: String =
        form_urlencoded::byte_serialize(format!("/dashboard/login?next={next}").as_bytes())
            .collect();
    let body = format!(
        r#"<main id="main" class="narrow login"><p class="brand">AliKassa Checkout</p>
<h1>{title}</h1>{error}
<form method="post" action="/dashboard/login" data-testid="login-form">
<input type="hidden" name="next" value="{next}">
<label for="email">{email_label}</label>
<input id="email" name="email" type="email" autocomplete="username" required value="{email}" data-testid="login-email">
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required data-testid="login-password">
<button type="submit" data-testid="login-submit">{submit}</button></form>
<p><a href="/dashboard/lang?to={code}&amp;back={back}" lang="{code}">{other_name}</a></p>
<p class="hint">{hint}</p></main>"#,
        title = l.t("Sign in to the dashboard", "Вход в панель"),
        next = esc(next),
        email = esc(email),
        email_label = l.t("E-mail", "Эл. почта"),
        password_label = l.t("Password", "Пароль"),
        submit = l.t("Sign in", "Войти"),
        code = other.0,
        other_name = other.1,
        hint = l.t(
            "No account? An administrator creates one with: alikassa-checkout operators add EMAIL --role viewer|operator",
            "Нет учётной записи? Администратор создаёт её командой: alikassa-checkout operators add EMAIL --role viewer|operator"
        ),
    );
    Html(document(l, l.t("Sign in", "Вход"), &body))
}

/// `POST /dashboard/login`.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(&form.next).to_owned();
    match state
        .dashboard
        .operators
        .login(
            &form.email,
            &form.password,
            &ClientGroup::from(ip).to_string(),
        )
        .await
    {
        Ok(session) => (
            [(
                header::SET_COOKIE,
                session_cookie(&session.token, state.dashboard.secure_cookie),
            )],
            Redirect::to(&next),
        )
            .into_response(),
        Err(OperatorError::BadCredentials) => (
            StatusCode::UNAUTHORIZED,
            login_page(
                lang,
                &form.email,
                &next,
                Some(
                    lang.t("Wrong e-mail or password.", "Неверная почта или пароль.")
                        .to_owned(),
                ),
            ),
        )
            .into_response(),
        Err(OperatorError::Locked { until }) => (
            StatusCode::TOO_MANY_REQUESTS,
            login_page(
                lang,
                &form.email,
                &next,
                Some(format!(
                    "{} {}",
                    lang.t(
                        "Too many failed attempts. Try again after",
                        "Слишком много неудачных попыток. Повторите после"
                    ),
                    when(until)
                )),
            ),
        )
            .into_response(),
        Err(e) => DashError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /dashboard/logout`: this browser only (a password reset signs out every browser).
pub async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DashError> {
    if !signed.session.csrf_ok(form.csrf.as_deref()) {
        return Err(DashError::Forbidden(
            "the form's security token is missing or out of date: reload the page",
        ));
    }
    state.dashboard.operators.logout(&signed.token).await?;
    Ok((
        [(
            header::SET_COOKIE,
            cleared_cookie(state.dashboard.secure_cookie),
        )],
        Redirect::to("/dashboard/login"),
    )
        .into_response())
}
