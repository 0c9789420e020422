//! System: readiness, version, mode, the gateway's reachability, the configuration without
//! secrets; the sandbox clock in sandbox mode.

use std::time::Instant;

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::DashError;
use super::auth::Signed;
use super::layout::{Page, Section, badge, csrf_field, notice, render, when};
use crate::html::escape as esc;
use crate::routes::AppState;

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /dashboard/system`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let (_, axum::Json(ready)) = crate::routes::health::readyz(State(state.clone())).await;
    let started = Instant::now();
    let gateway = match state.payouts.balance().await {
        Ok(_) => format!(
            r#"{} <span class="muted">{} ms</span>"#,
            badge("ok"),
            started.elapsed().as_millis()
        ),
        Err(e) => format!("{} {}", badge("failed"), esc(&e.to_string())),
    };
    let check = |value: &str| {
        if value == "ok" {
            badge("ok")
        } else {
            format!("{} {}", badge("failed"), esc(value))
        }
    };
    let facts: String = [
        (
            l.t("Ready", "Готовность"),
            format!(
                r#"<span data-testid="ready">{}</span>"#,
                badge(ready.status)
            ),
        ),
        (
            l.t("Database", "База данных"),
            format!(
                "{} ({})",
                check(&ready.checks.database),
                match state.sessions.store().backend() {
                    crate::store::Backend::Sqlite => "SQLite",
                    crate::store::Backend::Postgres => "PostgreSQL",
                }
            ),
        ),
        (
            l.t("Signing keys", "Ключи подписи"),
            check(&ready.checks.keys),
        ),
        (
            l.t("Widget build", "Сборка виджета"),
            check(&ready.checks.widget),
        ),
        (
            l.t("Gateway (balance call)", "Шлюз (запрос баланса)"),
            gateway,
        ),
        (
            l.t("Version", "Версия"),
            format!(
                r#"<span data-testid="version">{}</span>"#,
                env!("CARGO_PKG_VERSION")
            ),
        ),
        (
            l.t("Mode", "Режим"),
            format!(
                r#"<span data-testid="mode">{}</span>"#,
                if state.http.test_mode {
                    l.t("sandbox (no real money)", "песочница (без реальных денег)")
                } else {
                    l.t("live", "боевой")
                }
            ),
        ),
        (
            l.t("Server time", "Время сервера"),
            when(state.sessions.clock().now()),
        ),
    ]
    .iter()
    .map(|(k, v)| format!("<div><dt>{}</dt><dd>{v}</dd></div>", esc(k)))
    .collect();
    let config: String = state
        .dashboard
        .config_summary
        .iter()
        .map(|(k, v)| {
            format!(
                "<div><dt><code>{}</code></dt><dd>{}</dd></div>",
                esc(k),
                esc(v)
            )
        })
        .collect();
    let sandbox = if state.http.test_mode && signed.can_act() {
        format!(
            r#"<section><h2>{h}</h2><form method="post" action="/dashboard/sandbox/clock" class="inline" data-testid="sandbox-clock">{csrf}<label for="minutes">{label}</label> <input id="minutes" name="minutes" inputmode="numeric" value="60" size="6"> <button type="submit">{go}</button></form></section>"#,
            h = l.t("Sandbox clock", "Часы песочницы"),
            csrf = csrf_field(&signed),
            label = l.t("Move forward by minutes", "Перевести вперёд на минут"),
            go = l.t("Advance", "Перевести"),
        )
    } else {
        String::new()
    };
    let done = if q.done == "clock" {
        notice(l.t(
            "The sandbox clock moved forward.",
            "Часы песочницы переведены.",
        ))
    } else {
        String::new()
    };
    Ok(render(Page {
        signed: &signed,
        section: Section::System,
        title: l.t("System", "Система").to_owned(),
        path: "/dashboard/system".to_owned(),
        body: format!(
            r#"{done}<dl class="facts" data-testid="system">{facts}</dl><section><h2>{ch}</h2><p class="muted">{cn}</p><dl class="facts" data-testid="config">{config}</dl></section>{sandbox}"#,
            ch = l.t("Configuration", "Настройки"),
            cn = l.t(
                "Secrets (keys, passwords, API keys) are never shown.",
                "Секреты (ключи, пароли, API-ключи) не показываются."
            ),
        ),
    }))
}
