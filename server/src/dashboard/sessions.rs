//! Sessions: a filterable, keyset-paginated list, and one session with its timeline.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use shared::api::{SessionDetails, SessionId};
use shared::{Method, PaymentStatus, SessionStatus};
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::auth::Signed;
use super::layout::{
    Lang, Page, Section, action_button, badge, csrf_field, notice, render, rub, table, when,
    when_ms,
};
use super::{DashError, notifications};
use crate::html::escape as esc;
use crate::page::{self, Cursor};
use crate::routes::AppState;
use crate::sessions::SessionError;
use crate::store::ListFilter;
use crate::store::outbox::EventFilter;

/// The list's filters as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    order_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    attention: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    amount_min: String,
    #[serde(default)]
    amount_max: String,
    /// Order id, session id, gateway payment id or token prefix.
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: String,
}

/// Rubles as typed by a person (`1500`, `1 500,50`, `1500.5`) in kopecks.
fn rubles(name: &str, text: &str) -> Result<Option<u64>, DashError> {
    let plain: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '₽')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if plain.is_empty() {
        return Ok(None);
    }
    if plain == "0" {
        return Ok(Some(0));
    }
    plain
        .parse::<shared::Amount>()
        .map(|a| Some(a.kopecks()))
        .map_err(|_| {
            DashError::BadRequest(format!(
                "{name}: expected an amount in rubles, e.g. 1500 or 1500,50"
            ))
        })
}

fn date(name: &str, text: &str) -> Result<Option<Date>, DashError> {
    if text.is_empty() {
        return Ok(None);
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| DashError::BadRequest(format!("{name}: expected a date YYYY-MM-DD")))
}

impl Filters {
    /// The store's filter (page size `limit`).
    pub fn to_list_filter(&self, limit: u32) -> Result<ListFilter, DashError> {
        let at_midnight = |d: Date| OffsetDateTime::new_utc(d, Time::MIDNIGHT);
        Ok(ListFilter {
            status: match self.status.as_str() {
                "" => None,
                s => Some(
                    s.parse::<SessionStatus>()
                        .map_err(|e| DashError::BadRequest(format!("status: {e}")))?,
                ),
            },
            method: match self.method.as_str() {
                "" => None,
                m => Some(
                    m.parse::<Method>()
                        .map_err(|e| DashError::BadRequest(format!("method: {e}")))?,
                ),
            },
            order_id: Some(self.order_id.trim().to_owned()).filter(|o| !o.is_empty()),
            needs_attention: (self.attention == "1").then_some(true),
            created_from: date("from", &self.from)?.map(at_midnight),
            // The last day counts whole.
            created_to: date("to", &self.to)?.map(|d| at_midnight(d) + Duration::days(1)),
            cursor: match self.cursor.as_str() {
                "" => None,
                c => Some(
                    Cursor::decode(c, |id| SessionId::parse(id).is_ok()).ok_or_else(|| {
                        DashError::BadRequest("cursor: not from a previous page".into())
                    })?,
                ),
            },
            customer_user_id: Some(self.customer.trim().to_owned()).filter(|c| !c.is_empty()),
            amount_min: rubles("amount_min", &self.amount_min)?,
            amount_max: rubles("amount_max", &self.amount_max)?,
            search: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            limit,
        })
    }

    /// The query string of these filters without the cursor.
    pub fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("method", &self.method),
            ("order_id", &self.order_id),
            ("from", &self.from),
            ("to", &self.to),
            ("attention", &self.attention),
            ("customer", &self.customer),
            ("amount_min", &self.amount_min),
            ("amount_max", &self.amount_max),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

fn select(name: &str, label: &str, any: &str, options: &[&str], chosen: &str) -> String {
    let options: String = std::iter::once(("", any))
        .chain(options.iter().map(|o| (*o, *o)))
        .map(|(value, text)| {
            let selected = if value == chosen { " selected" } else { "" };
            format!(r#"<option value="{value}"{selected}>{text}</option>"#)
        })
        .collect();
    format!(
        r#"<div class="field"><label for="f-{name}">{label}</label><select id="f-{name}" name="{name}" data-testid="filter-{name}">{options}</select></div>"#
    )
}

/// `GET /dashboard/sessions`.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(f): Query<Filters>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let filter = f.to_list_filter(page::DEFAULT_PAGE)?;
    let list = state.sessions.list(filter).await?;
    let statuses: Vec<&str> = SessionStatus::ALL.iter().map(|s| s.as_str()).collect();
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
    let attention = if f.attention == "1" { " checked" } else { "" };
    let form = format!(
        r#"<form method="get" action="/dashboard/sessions" class="filters" data-testid="filters" aria-label="{flabel}">
{status}{method}
<div class="field wide"><label for="f-q">{q_l}</label><input id="f-q" name="q" type="search" value="{q}" data-testid="filter-q" aria-describedby="f-q-hint"><span id="f-q-hint" class="hint">{q_hint}</span></div>
<div class="field"><label for="f-order">{order_l}</label><input id="f-order" name="order_id" value="{order}" data-testid="filter-order"></div>
<div class="field"><label for="f-customer">{customer_l}</label><input id="f-customer" name="customer" value="{customer}" data-testid="filter-customer"></div>
<div class="field"><label for="f-min">{min_l}</label><input id="f-min" name="amount_min" inputmode="decimal" value="{min}" data-testid="filter-amount-min"></div>
<div class="field"><label for="f-max">{max_l}</label><input id="f-max" name="amount_max" inputmode="decimal" value="{max}" data-testid="filter-amount-max"></div>
<div class="field"><label for="f-from">{from_l}</label><input id="f-from" type="date" name="from" value="{from}"></div>
<div class="field"><label for="f-to">{to_l}</label><input id="f-to" type="date" name="to" value="{to}"></div>
<div class="field check"><input id="f-att" type="checkbox" name="attention" value="1"{attention} data-testid="filter-attention"><label for="f-att">{att_l}</label></div>
<div class="field buttons"><button type="submit" data-testid="filter-apply">{apply}</button> <a href="/dashboard/sessions">{reset}</a> <a href="/dashboard/sessions.csv{export_q}" download data-testid="export-csv">{export}</a></div></form>"#,
        flabel = l.t("Filters", "Фильтры"),
        status = select(
            "status",
            l.t("Status", "Статус"),
            l.t("any", "любой"),
            &statuses,
            &f.status
        ),
        method = select(
            "method",
            l.t("Method", "Способ"),
            l.t("any", "любой"),
            &methods,
            &f.method
        ),
        order_l = l.t("Order id", "Номер заказа"),
        order = esc(&f.order_id),
        from_l = l.t("Created from", "Создана с"),
        from = esc(&f.from),
        to_l = l.t("to (inclusive)", "по (включительно)"),
        to = esc(&f.to),
        att_l = l.t("Needs attention only", "Только требующие внимания"),
        apply = l.t("Apply", "Применить"),
        q_l = l.t("Search", "Поиск"),
        q = esc(&f.q),
        q_hint = l.t(
            "Order id, session id, gateway payment id or the start of the token",
            "Номер заказа, id сессии, id платежа в шлюзе или начало токена"
        ),
        customer_l = l.t("Customer id", "Покупатель (id)"),
        customer = esc(&f.customer),
        min_l = l.t("Amount from, ₽", "Сумма от, ₽"),
        min = esc(&f.amount_min),
        max_l = l.t("Amount to, ₽", "Сумма до, ₽"),
        max = esc(&f.amount_max),
        export = l.t(
            "Export CSV (these filters)",
            "Выгрузить CSV (с этими фильтрами)"
        ),
        export_q = {
            let q = f.query();
            esc(&if q.is_empty() { q } else { format!("?{q}") })
        },
        reset = l.t("Reset", "Сбросить"),
    );
    let rows: Vec<String> = list.items.iter().map(|s| row(l, s)).collect();
    let results = if rows.is_empty() {
        format!(
            r#"<p data-testid="no-sessions">{}</p>"#,
            l.t("No sessions match.", "Сессий не найдено.")
        )
    } else {
        table(
            l.t("Sessions, newest first", "Сессии, новые сверху"),
            &[
                l.t("Created", "Создана"),
                l.t("Order", "Заказ"),
                l.t("Customer", "Покупатель"),
                l.t("Amount", "Сумма"),
                l.t("Paid", "Оплачено"),
                l.t("Status", "Статус"),
                l.t("Method", "Способ"),
            ],
            &rows,
            "sessions-table",
        )
    };
    let query = f.query();
    let first = if f.cursor.is_empty() {
        String::new()
    } else {
        format!(
            r#"<a href="/dashboard/sessions?{}">{}</a>"#,
            esc(&query),
            l.t("← First page", "← Первая страница")
        )
    };
    let next = list
        .next_cursor
        .map(|c| {
            let sep = if query.is_empty() { "" } else { "&" };
            format!(
                r#"<a href="/dashboard/sessions?{}" rel="next" data-testid="next-page">{}</a>"#,
                esc(&format!("{query}{sep}cursor={c}")),
                l.t("Next page →", "Следующая страница →")
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"{form}{results}<nav class="pager" aria-label="{}">{first} {next}</nav>"#,
        l.t("Pages", "Страницы")
    );
    Ok(render(Page {
        signed: &signed,
        section: Section::Sessions,
        title: l.t("Sessions", "Сессии").to_owned(),
        path: format!("/dashboard/sessions?{query}"),
        body,
    }))
}

fn row(l: Lang, s: &SessionDetails) -> String {
    let attention = if s.needs_attention {
        format!(
            r#" <span class="flag">⚑ {}</span>"#,
            l.t("attention", "внимание")
        )
    } else {
        String::new()
    };
    // `data-label`: on a phone each row is a card and each cell says what it is.
    format!(
        r#"<tr data-testid="session-row" data-order="{order}"><td data-label="{created_l}">{created}</td><td data-label="{order_l}"><a href="/dashboard/sessions/{id}">{order}</a></td><td data-label="{customer_l}">{customer}</td><td class="num" data-label="{amount_l}">{amount}</td><td class="num" data-label="{paid_l}">{paid}</td><td data-label="{status_l}">{status}{attention}</td><td data-label="{method_l}">{method}</td></tr>"#,
        created = when(s.created_at),
        id = s.id,
        order = esc(s.order_id.as_str()),
        customer = esc(s.customer_user_id.as_str()),
        amount = rub(l, s.amount.kopecks()),
        paid = s
            .paid_amount
            .map(|a| rub(l, a.kopecks()))
            .unwrap_or_else(|| "—".into()),
        status = badge(s.status.as_str()),
        method = s.method.map_or("—", Method::as_str),
        created_l = l.t("Created", "Создана"),
        order_l = l.t("Order", "Заказ"),
        customer_l = l.t("Customer", "Покупатель"),
        amount_l = l.t("Amount", "Сумма"),
        paid_l = l.t("Paid", "Оплачено"),
        status_l = l.t("Status", "Статус"),
        method_l = l.t("Method", "Способ"),
    )
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /dashboard/sessions/{id}`: the amounts and everything that happened.
pub async fn details(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let id = SessionId::parse(&id).map_err(|_| DashError::NotFound)?;
    let s = match state.sessions.details(id).await {
        Ok(s) => s,
        Err(SessionError::NotFound) => return Err(DashError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let events = state
        .events
        .list(&EventFilter {
            subject_id: Some(id.to_string()),
            limit: 100,
            ..EventFilter::default()
        })
        .await?;
    // Timeline entries: (time, order within the same time, markup).
    let mut timeline: Vec<(OffsetDateTime, u8, String)> = Vec::new();
    for h in &s.history {
        let detail = h
            .detail
            .as_deref()
            .map(|d| format!(" — {}", esc(d)))
            .unwrap_or_default();
        let payment = h
            .payment_status
            .map(|p| format!(" ({} {})", l.t("gateway", "шлюз"), p.as_str()))
            .unwrap_or_default();
        timeline.push((
            h.at,
            1,
            format!(
                r#"<li data-testid="timeline-status"><span class="kind">{status_l}</span> {badge}{payment} <span class="muted">{via} {source}</span>{detail}"#,
                status_l = l.t("Status", "Статус"),
                badge = badge(h.status.as_str()),
                via = l.t("via", "источник:"),
                source = h.source.as_str(),
            ),
        ));
    }
    for a in &s.attempts {
        timeline.push((
            a.created_at,
            0,
            format!(
                r#"<li data-testid="timeline-attempt"><span class="kind">{attempt_l} {n}</span> {method} · {state_l} {st}{gid}{paid}"#,
                attempt_l = l.t("Attempt", "Попытка"),
                n = a.number,
                method = a.method.as_str(),
                state_l = l.t("state", "состояние"),
                st = a.state.as_str(),
                gid = a.gateway_payment_id.map(|g| format!(" · {} {g}", l.t("gateway id", "id в шлюзе"))).unwrap_or_default(),
                paid = a.paid_amount.map(|p| format!(" · {} {}", l.t("paid", "оплачено"), rub(l, p.kopecks()))).unwrap_or_default(),
            ),
        ));
    }
    // A notification arrives before the status it causes: it sorts first within its millisecond.
    for n in state.notifications.of_session(&id.to_string()).await? {
        timeline.push((n.at, 0, notifications::timeline_item(l, &n)));
    }
    for e in &events {
        let attempts = state
            .events
            .get(&e.id)
            .await?
            .map(|(_, a)| a)
            .unwrap_or_default();
        let tries: String = attempts
            .iter()
            .map(|a| {
                format!(
                    "<li>#{n} {at} → {code}{err} ({ms} ms)</li>",
                    n = a.number,
                    at = when(a.started_at),
                    code = a
                        .status_code
                        .map_or_else(|| "—".to_owned(), |c| c.to_string()),
                    err = a
                        .error
                        .as_deref()
                        .map(|e| format!(" {}", esc(e)))
                        .unwrap_or_default(),
                    ms = a.duration_ms,
                )
            })
            .collect();
        let resend = if signed.can_act() {
            action_button(
                &signed,
                &format!(
                    "/dashboard/events/{}/resend?back=/dashboard/sessions/{id}",
                    e.id
                ),
                l.t("Resend", "Отправить снова"),
                &format!("resend-{}", e.id),
            )
        } else {
            String::new()
        };
        timeline.push((
            e.created_at,
            2,
            format!(
                r#"<li data-testid="timeline-webhook"><span class="kind">{webhook_l}</span> <code>{kind}</code> {badge} <span class="muted">{id}</span> {resend}<ul class="tries">{tries}</ul>"#,
                webhook_l = l.t("Webhook", "Вебхук"),
                kind = e.kind.as_str(),
                badge = badge(e.state.as_str()),
                id = esc(&e.id),
            ),
        ));
    }
    // Stored times are exact to the millisecond: the timeline shows them so, and entries of
    // the same millisecond keep the order of their kinds (an attempt is made before the status
    // it causes, a webhook is queued by it), each kind in its stored order (the sort is stable).
    timeline.sort_by_key(|(at, order, _)| (*at, *order));
    let items: String = timeline
        .into_iter()
        .map(|(at, _, item)| {
            format!(
                r#"{item} <time datetime="{iso}">{shown}</time></li>"#,
                iso = at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                shown = when_ms(at),
            )
        })
        .collect();

    let dl = |rows: &[(&str, String)]| -> String {
        rows.iter()
            .map(|(k, v)| format!("<div><dt>{}</dt><dd>{v}</dd></div>", esc(k)))
            .collect()
    };
    let summary = dl(&[
        (
            l.t("Status", "Статус"),
            format!(
                r#"<span data-testid="session-status">{}</span>{}"#,
                badge(s.status.as_str()),
                if s.needs_attention {
                    format!(
                        r#" <span class="flag">⚑ {}</span>"#,
                        l.t("needs attention", "требует внимания")
                    )
                } else {
                    String::new()
                }
            ),
        ),
        (
            l.t("Amount asked", "Запрошено"),
            format!(
                r#"<span data-testid="amount-asked">{}</span>"#,
                rub(l, s.amount.kopecks())
            ),
        ),
        (
            l.t("Amount paid", "Оплачено"),
            format!(
                r#"<span data-testid="amount-paid">{}</span>"#,
                s.paid_amount
                    .map_or_else(|| "—".to_owned(), |a| rub(l, a.kopecks()))
            ),
        ),
        (
            l.t("Overpaid", "Переплата"),
            s.overpaid_amount
                .map_or_else(|| "—".to_owned(), |a| rub(l, a.kopecks())),
        ),
        (l.t("Order id", "Номер заказа"), esc(s.order_id.as_str())),
        (
            l.t("Customer", "Покупатель"),
            esc(s.customer_user_id.as_str()),
        ),
        (
            l.t("Method", "Способ"),
            s.method.map_or("—", Method::as_str).to_owned(),
        ),
        (
            l.t("Gateway payment", "Платёж в шлюзе"),
            s.gateway_payment_id
                .map_or_else(|| "—".to_owned(), |g| g.to_string()),
        ),
        (l.t("Created", "Создана"), when(s.created_at)),
        (l.t("Expires", "Истекает"), when(s.expires_at)),
        (
            l.t("Session id", "Id сессии"),
            format!("<code>{}</code>", s.id),
        ),
        (
            l.t("Hosted page", "Страница оплаты"),
            format!(r#"<a href="{u}">{u}</a>"#, u = esc(s.hosted_url.as_str())),
        ),
    ]);
    let mut actions = String::new();
    if signed.can_act() {
        actions.push_str(&action_button(
            &signed,
            &format!("/dashboard/sessions/{id}/refresh"),
            l.t("Refresh from the gateway", "Обновить из шлюза"),
            "refresh",
        ));
        let waiting = s.payment_status == Some(PaymentStatus::Wait);
        if state.http.test_mode && waiting && s.gateway_payment_id.is_some() {
            actions.push_str(&sandbox_controls(&signed, &s));
        }
    }
    let done = match q.done.as_str() {
        "refreshed" => notice(l.t(
            "Asked the gateway; the page shows its answer.",
            "Шлюз опрошен; страница показывает его ответ.",
        )),
        "wait" => notice(l.t(
            "The gateway was asked moments ago; try again in a few seconds.",
            "Шлюз только что опрашивался; повторите через несколько секунд.",
        )),
        "resent" => notice(l.t(
            "The webhook event is queued for sending again.",
            "Событие вебхука поставлено в очередь повторно.",
        )),
        "sandbox" => notice(l.t(
            "The sandbox gateway finished the payment.",
            "Песочница завершила платёж.",
        )),
        _ => String::new(),
    };
    let body = format!(
        r#"{done}<dl class="facts">{summary}</dl><div class="actions">{actions}</div>
<section aria-labelledby="tl-h"><h2 id="tl-h">{tl}</h2><ol class="timeline" data-testid="timeline">{items}</ol></section>
<p><a href="/dashboard/sessions">← {back}</a></p>"#,
        tl = l.t("Timeline", "Хронология"),
        back = l.t("All sessions", "Все сессии"),
    );
    Ok(render(Page {
        signed: &signed,
        section: Section::Sessions,
        title: format!("{} {}", l.t("Session", "Сессия"), s.order_id.as_str()),
        path: format!("/dashboard/sessions/{id}"),
        body,
    }))
}

fn sandbox_controls(signed: &Signed, s: &SessionDetails) -> String {
    let l = signed.lang;
    let button = |action: &str, label: &str| {
        format!(
            r#"<button type="submit" name="action" value="{action}" data-testid="sandbox-{action}">{label}</button>"#
        )
    };
    format!(
        r#"<form method="post" action="/dashboard/sessions/{id}/sandbox" class="sandbox" data-testid="sandbox-controls"><fieldset><legend>{legend}</legend>{csrf}
{paid}{cancel}{fail}
<label for="partial-amount">{amount_l}</label><input id="partial-amount" name="amount" inputmode="decimal" placeholder="{half}" size="10">{partial}</fieldset></form>"#,
        id = s.id,
        legend = l.t(
            "Sandbox: finish this payment",
            "Песочница: завершить платёж"
        ),
        csrf = csrf_field(signed),
        paid = button("paid", l.t("Paid", "Оплачен")),
        cancel = button("cancel", l.t("Cancel", "Отменён")),
        fail = button("fail", l.t("Fail", "Ошибка")),
        amount_l = l.t("Amount for a partial payment", "Сумма частичной оплаты"),
        half = shared::Amount::from_kopecks(s.amount.kopecks() / 2)
            .map(|a| a.to_string())
            .unwrap_or_default(),
        partial = button("partial", l.t("Paid partly", "Оплачен частично")),
    )
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /dashboard/sessions/{id}/refresh`: ask the gateway now.
pub async fn refresh(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let id = SessionId::parse(&id).map_err(|_| DashError::NotFound)?;
    let done = match state.sessions.refresh(id).await {
        Ok(None) => "refreshed",
        Ok(Some(_)) => "wait",
        Err(SessionError::NotFound) => return Err(DashError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/dashboard/sessions/{id}?done={done}")).into_response())
}
