//! Webhooks: the merchant's endpoint, the events sent to it (deliveries, failures) and the
//! resend button.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::Signed;
use super::layout::{Page, Section, action_button, badge, notice, render, table, when};
use super::{DashError, notifications};
use crate::html::escape as esc;
use crate::page::{self, Cursor};
use crate::routes::AppState;
use crate::store::outbox::{DeliveryState, EventFilter};

/// Refused notifications the page lists.
const REFUSED_SHOWN: u32 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct WebhookQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

/// `GET /dashboard/webhooks?state=pending|delivered|failed`.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<WebhookQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let delivery = match q.state.as_str() {
        "" => None,
        s => Some(
            s.parse::<DeliveryState>()
                .map_err(|e| DashError::BadRequest(format!("state: {e}")))?,
        ),
    };
    let cursor = match q.cursor.as_str() {
        "" => None,
        c => Some(
            Cursor::decode(c, |id| id.starts_with("evt_"))
                .ok_or_else(|| DashError::BadRequest("cursor: not from a previous page".into()))?,
        ),
    };
    let limit = page::DEFAULT_PAGE;
    let records = state
        .events
        .list(&EventFilter {
            state: delivery,
            cursor,
            limit: limit + 1,
            ..EventFilter::default()
        })
        .await?;
    let (records, next) = page::page(records, limit, |e| Cursor {
        created_at_ms: crate::clock::unix_ms(e.created_at),
        id: e.id.clone(),
    });
    let endpoint = match &state.dashboard.webhook_endpoint {
        Some((url, tail)) => format!(
            r#"<dl class="facts"><div><dt>{url_l}</dt><dd><code data-testid="endpoint-url">{url}</code></dd></div><div><dt>{secret_l}</dt><dd><code>…{tail}</code></dd></div></dl>"#,
            url_l = l.t("Endpoint", "Адрес"),
            url = esc(url),
            secret_l = l.t("Signing secret", "Секрет подписи"),
            tail = esc(tail),
        ),
        None => format!(
            "<p>{}</p>",
            l.t(
                "No webhook endpoint is configured (webhooks.url): events are kept but not sent.",
                "Адрес вебхуков не настроен (webhooks.url): события сохраняются, но не отправляются."
            )
        ),
    };
    let tabs: String = [
        ("", l.t("All", "Все")),
        ("pending", l.t("Pending", "В очереди")),
        ("delivered", l.t("Delivered", "Доставлены")),
        ("failed", l.t("Failed", "Не доставлены")),
    ]
    .iter()
    .map(|(code, label)| {
        let current = if *code == q.state { r#" aria-current="true""# } else { "" };
        format!(r#"<a href="/dashboard/webhooks?state={code}"{current} data-testid="webhooks-{code}">{label}</a>"#)
    })
    .collect();
    let rows: Vec<String> = records
        .iter()
        .map(|e| {
            let subject = if e.stream.starts_with("session:") {
                format!(r#"<a href="/dashboard/sessions/{s}">{s}</a>"#, s = esc(&e.subject_id))
            } else {
                format!(r#"<a href="/dashboard/payouts/{s}">{s}</a>"#, s = esc(&e.subject_id))
            };
            let resend = if signed.can_act() {
                action_button(
                    &signed,
                    &format!("/dashboard/events/{}/resend?back=/dashboard/webhooks", e.id),
                    l.t("Resend", "Отправить снова"),
                    &format!("resend-{}", e.id),
                )
            } else {
                String::new()
            };
            format!(
                r#"<tr data-testid="event-row"><td>{at}</td><td><code>{kind}</code></td><td>{badge}</td><td class="num">{tries}</td><td class="wide">{error}</td><td class="wide">{subject}</td><td>{resend}</td></tr>"#,
                at = when(e.created_at),
                kind = e.kind.as_str(),
                badge = badge(e.state.as_str()),
                tries = e.attempts,
                error = e.last_error.as_deref().map(esc).unwrap_or_default(),
            )
        })
        .collect();
    let events = if rows.is_empty() {
        format!("<p>{}</p>", l.t("No events.", "Событий нет."))
    } else {
        table(
            l.t("Events, newest first", "События, новые сверху"),
            &[
                l.t("Created", "Создано"),
                l.t("Type", "Тип"),
                l.t("Delivery", "Доставка"),
                l.t("Attempts", "Попыток"),
                l.t("Last error", "Последняя ошибка"),
                l.t("About", "Объект"),
                "",
            ],
            &rows,
            "events-table",
        )
    };
    let next = next
        .map(|c| {
            format!(
                r#"<a href="/dashboard/webhooks?state={}&amp;cursor={c}" rel="next">{}</a>"#,
                esc(&q.state),
                l.t("Next page →", "Следующая страница →")
            )
        })
        .unwrap_or_default();
    let done = if q.done == "resent" {
        notice(l.t(
            "The webhook event is queued for sending again.",
            "Событие вебхука поставлено в очередь повторно.",
        ))
    } else {
        String::new()
    };
    let refused =
        notifications::refused_table(l, &state.notifications.refused_untied(REFUSED_SHOWN).await?);
    Ok(render(Page {
        signed: &signed,
        section: Section::Webhooks,
        title: l.t("Webhooks", "Вебхуки").to_owned(),
        path: format!("/dashboard/webhooks?state={}", q.state),
        body: format!(
            r#"{done}{endpoint}<nav class="tabs" aria-label="{dl}">{tabs}</nav>{events}<nav class="pager">{next}</nav>
<section aria-labelledby="refused-h" data-testid="refused-notifications"><h2 id="refused-h">{refused_h}</h2><p class="hint">{refused_hint}</p>{refused}</section>"#,
            dl = l.t("Delivery state", "Состояние доставки"),
            refused_h = l.t("Refused gateway notifications", "Отклонённые уведомления шлюза"),
            refused_hint = l.t(
                "Notifications to /webhooks/alikassa that were refused and named no session or payout of ours (those show on their session's or payout's timeline). Many from one address: an attack; all with a wrong signature: check the gateway's notification key.",
                "Уведомления на /webhooks/alikassa, которые были отклонены и не относятся ни к одной нашей сессии или выплате (остальные видны в хронологии своей сессии или выплаты). Много с одного адреса — атака; все с неверной подписью — проверьте ключ уведомлений шлюза."
            ),
        ),
    }))
}

#[derive(Debug, Deserialize)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /dashboard/events/{id}/resend?back=…`: queue the event again, then back.
pub async fn resend(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<BackQuery>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    if !id.starts_with("evt_") || state.events.resend(&id).await?.is_none() {
        return Err(DashError::NotFound);
    }
    let back =
        if q.back.starts_with("/dashboard/") && !q.back.contains("//") && !q.back.contains('?') {
            q.back
        } else {
            "/dashboard/webhooks".to_owned()
        };
    Ok(Redirect::to(&format!("{back}?done=resent")).into_response())
}
