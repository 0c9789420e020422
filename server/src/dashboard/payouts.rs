//! Payouts: the list with the gateway balance, one payout with its events, and the create
//! form: fill in → confirm (nothing sent yet) → send. The form carries one idempotency key
//! from the start, so a double submit or a reload of the confirmation sends one payout.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::auth::Signed;
use super::layout::{
    Lang, Page, Section, action_button, badge, csrf_field, notice, render, table, when_ms,
};
use super::{DashError, notifications};
use crate::html::escape as esc;
use crate::page::{self, Cursor};
use crate::payouts::{
    IdempotencyKey, PayoutBody, PayoutError, PayoutState, PayoutStatus, PayoutView,
};
use crate::routes::AppState;
use crate::store::outbox::{EventFilter, EventRecord};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

impl From<PayoutError> for DashError {
    fn from(e: PayoutError) -> DashError {
        match e {
            PayoutError::NotFound => DashError::NotFound,
            PayoutError::InvalidQuery(why) => DashError::BadRequest(why),
            other => DashError::Internal(other.to_string()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    cursor: String,
}

fn recipient(p: &PayoutView) -> String {
    match (&p.phone, &p.account) {
        (Some(phone), _) => format!(
            "SBP {} · {}",
            esc(phone),
            esc(p.bank_member_id.as_deref().unwrap_or(""))
        ),
        (None, Some(account)) => format!(
            "{} · BIC {}",
            esc(account),
            esc(p.bic.as_deref().unwrap_or(""))
        ),
        (None, None) => "—".to_owned(),
    }
}

fn amount(text: &str) -> String {
    format!("{text}\u{a0}₽")
}

/// `GET /dashboard/payouts`.
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let after = match q.cursor.as_str() {
        "" => None,
        c => Some(
            Cursor::decode(c, |id| uuid::Uuid::try_parse(id).is_ok())
                .ok_or_else(|| DashError::BadRequest("cursor: not from a previous page".into()))?,
        ),
    };
    let list = state.payouts.list(page::DEFAULT_PAGE, after).await?;
    let balance = match state.payouts.balance().await {
        Ok(b) => format!(
            r#"<dl class="cards"><div class="card"><dt>{bl}</dt><dd data-testid="balance">{} {}</dd></div><div class="card"><dt>{hl}</dt><dd>{}</dd></div><div class="card"><dt>{pl}</dt><dd>{}</dd></div></dl>"#,
            esc(&b.balance),
            esc(&b.currency),
            esc(b.hold.as_deref().unwrap_or("—")),
            esc(b.pending_payouts.as_deref().unwrap_or("—")),
            bl = l.t("Gateway balance", "Баланс в шлюзе"),
            hl = l.t("On hold", "Заморожено"),
            pl = l.t("Payouts in progress", "Выплаты в обработке"),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "dashboard: balance unavailable");
            format!(
                r#"<p class="error" role="status">{}</p>"#,
                l.t(
                    "The gateway balance is unavailable right now.",
                    "Баланс в шлюзе сейчас недоступен."
                )
            )
        }
    };
    let rows: Vec<String> = list
        .items
        .iter()
        .map(|p| {
            format!(
                r#"<tr data-testid="payout-row"><td>{at}</td><td><a href="/dashboard/payouts/{id}">{amount}</a></td><td>{status}</td><td>{kind}</td><td class="wide">{to}</td><td class="wide">{order}</td></tr>"#,
                at = esc(&p.created_at),
                id = esc(&p.id),
                amount = amount(&esc(&p.amount)),
                status = badge(p.status.as_str()),
                kind = esc(&p.kind),
                to = recipient(p),
                order = esc(p.order_id.as_deref().unwrap_or("—")),
            )
        })
        .collect();
    let payouts = if rows.is_empty() {
        format!("<p>{}</p>", l.t("No payouts yet.", "Выплат пока нет."))
    } else {
        table(
            l.t("Payouts, newest first", "Выплаты, новые сверху"),
            &[
                l.t("Created", "Создана"),
                l.t("Amount", "Сумма"),
                l.t("Status", "Статус"),
                l.t("Kind", "Вид"),
                l.t("Recipient", "Получатель"),
                l.t("Your reference", "Ваш номер"),
            ],
            &rows,
            "payouts-table",
        )
    };
    let new = if signed.can_act() {
        format!(
            r#"<p><a class="button" href="/dashboard/payouts/new" data-testid="payout-new">{}</a></p>"#,
            l.t("New payout", "Новая выплата")
        )
    } else {
        String::new()
    };
    let next = list
        .next_cursor
        .map(|c| {
            format!(
                r#"<a href="/dashboard/payouts?cursor={c}" rel="next">{}</a>"#,
                l.t("Next page →", "Следующая страница →")
            )
        })
        .unwrap_or_default();
    Ok(render(Page {
        signed: &signed,
        section: Section::Payouts,
        title: l.t("Payouts", "Выплаты").to_owned(),
        path: "/dashboard/payouts".to_owned(),
        body: format!(r#"{balance}{new}{payouts}<nav class="pager">{next}</nav>"#),
    }))
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /dashboard/payouts/{id}`.
pub async fn details(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let p = state.payouts.get(&id).await?;
    let events = state
        .events
        .list(&EventFilter {
            subject_id: Some(p.id.clone()),
            limit: 50,
            ..EventFilter::default()
        })
        .await?;
    let facts: String = [
        (
            l.t("Status", "Статус"),
            format!(
                r#"<span data-testid="payout-status">{}</span>"#,
                badge(p.status.as_str())
            ),
        ),
        (l.t("Amount", "Сумма"), amount(&esc(&p.amount))),
        (
            l.t("Paid", "Выплачено"),
            p.paid_amount
                .as_deref()
                .map_or_else(|| "—".to_owned(), |a| amount(&esc(a))),
        ),
        (l.t("Recipient", "Получатель"), recipient(&p)),
        (
            l.t("Holder", "Владелец счёта"),
            esc(p.holder.as_deref().unwrap_or("—")),
        ),
        (
            l.t("Your reference", "Ваш номер"),
            esc(p.order_id.as_deref().unwrap_or("—")),
        ),
        (
            l.t("Description", "Описание"),
            esc(p.description.as_deref().unwrap_or("—")),
        ),
        (
            l.t("Gateway order id", "Номер в шлюзе"),
            format!("<code>{}</code>", esc(&p.gateway_order_id)),
        ),
        (
            l.t("Gateway payout id", "Id выплаты в шлюзе"),
            p.gateway_payout_id
                .map_or_else(|| "—".to_owned(), |g| g.to_string()),
        ),
        (
            l.t("Error", "Ошибка"),
            esc(p.error.as_deref().unwrap_or("—")),
        ),
        (
            l.t("Idempotency key", "Ключ идемпотентности"),
            format!("<code>{}</code>", esc(&p.idempotency_key)),
        ),
        (l.t("Created", "Создана"), esc(&p.created_at)),
    ]
    .iter()
    .map(|(k, v)| format!("<div><dt>{}</dt><dd>{v}</dd></div>", esc(k)))
    .collect();
    let timeline = timeline(&state, l, &p, &events).await?;
    let mut actions = String::new();
    if signed.can_act() {
        actions.push_str(&action_button(
            &signed,
            &format!("/dashboard/payouts/{}/refresh", p.id),
            l.t("Refresh from the gateway", "Обновить из шлюза"),
            "refresh",
        ));
        if state.http.test_mode
            && p.status == PayoutStatus::Pending
            && p.gateway_payout_id.is_some()
        {
            actions.push_str(&format!(
                r#"<form method="post" action="/dashboard/payouts/{id}/sandbox" class="sandbox"><fieldset><legend>{legend}</legend>{csrf}<button type="submit" name="action" value="paid" data-testid="sandbox-paid">{paid}</button><button type="submit" name="action" value="fail" data-testid="sandbox-fail">{fail}</button></fieldset></form>"#,
                id = esc(&p.id),
                legend = l.t("Sandbox: finish this payout", "Песочница: завершить выплату"),
                csrf = csrf_field(&signed),
                paid = l.t("Paid", "Выплачена"),
                fail = l.t("Fail", "Ошибка"),
            ));
        }
    }
    let done = match q.done.as_str() {
        "created" => notice(l.t(
            "The payout was sent to the gateway.",
            "Выплата отправлена в шлюз.",
        )),
        "replayed" => notice(l.t(
            "This payout was already sent with this form: nothing was sent again.",
            "Эта выплата уже была отправлена этой формой: повторно ничего не отправлено.",
        )),
        "refreshed" => notice(l.t(
            "Asked the gateway; the page shows its answer.",
            "Шлюз опрошен; страница показывает его ответ.",
        )),
        "sandbox" => notice(l.t(
            "The sandbox gateway finished the payout.",
            "Песочница завершила выплату.",
        )),
        _ => String::new(),
    };
    Ok(render(Page {
        signed: &signed,
        section: Section::Payouts,
        title: format!("{} {}", l.t("Payout", "Выплата"), amount(&p.amount)),
        path: format!("/dashboard/payouts/{}", p.id),
        body: format!(
            r#"{done}<dl class="facts">{facts}</dl><div class="actions">{actions}</div><section aria-labelledby="tl-h"><h2 id="tl-h">{tl}</h2><ol class="timeline" data-testid="timeline">{timeline}</ol></section><p><a href="/dashboard/payouts">← {back}</a></p>"#,
            tl = l.t("Timeline", "Хронология"),
            back = l.t("All payouts", "Все выплаты"),
        ),
    }))
}

/// A payout's timeline: created (by whom, with which idempotency key), each create call's
/// outcome and each status change with its source, the gateway notifications about it, the
/// webhook events it caused — to the millisecond, oldest first.
async fn timeline(
    state: &AppState,
    l: Lang,
    p: &PayoutView,
    events: &[EventRecord],
) -> Result<String, DashError> {
    let history = state.payouts.history(&p.id).await?;
    // Entries: (time, order within the same millisecond, markup).
    let mut items: Vec<(OffsetDateTime, u8, String)> = Vec::new();
    let created = |at: OffsetDateTime, by: Option<&str>| -> (OffsetDateTime, u8, String) {
        let item = format!(
            r#"<li data-testid="timeline-payout" data-source="created"><span class="kind">{created}</span>{by} <span class="muted">{key_l}</span> <code>{key}</code>"#,
            created = l.t("Created", "Создана"),
            by = by.map(|b| format!(" — {}", esc(b))).unwrap_or_default(),
            key_l = l.t("idempotency key", "ключ идемпотентности"),
            key = esc(&p.idempotency_key),
        );
        (at, 0, item)
    };
    if !history.iter().any(|h| h.source == "created")
        && let Ok(at) = OffsetDateTime::parse(&p.created_at, &Rfc3339)
    {
        // A payout from before its history was kept (migration 0010).
        items.push(created(at, None));
    }
    let mut unsure = false;
    for h in &history {
        if h.source == "created" {
            items.push(created(h.at, h.detail.as_deref()));
            continue;
        }
        let was_unsure = unsure;
        unsure = matches!(h.state, PayoutState::Unknown | PayoutState::Unresolved);
        let resolved = if was_unsure && !unsure {
            format!(" <strong>{}</strong>", l.t("resolved", "выяснено"))
        } else {
            String::new()
        };
        let (what, via) = match h.source.as_str() {
            "send" => (
                l.t("Sent to the gateway", "Отправлена в шлюз"),
                l.t("create call", "создание"),
            ),
            "resend" => (
                l.t(
                    "Sent again, same order id",
                    "Отправлена повторно, тот же номер",
                ),
                l.t("re-send", "повторная отправка"),
            ),
            "lookup" => (
                l.t("Looked up by order id", "Поиск по номеру заказа"),
                l.t("reconciler", "сверка"),
            ),
            "poll" => (l.t("Status", "Статус"), l.t("status poll", "опрос статуса")),
            "notification" => (
                l.t("Status", "Статус"),
                l.t("gateway notification", "уведомление шлюза"),
            ),
            "refresh" => (
                l.t("Status", "Статус"),
                l.t(
                    "refresh by an operator or the API",
                    "обновление оператором или через API",
                ),
            ),
            other => (l.t("Status", "Статус"), other),
        };
        items.push((
            h.at,
            1,
            format!(
                r#"<li data-testid="timeline-payout" data-source="{source}" data-status="{status}"><span class="kind">{what}</span> {badge}{gateway}{resolved} <span class="muted">{via_l} {via}</span>{detail}"#,
                source = esc(&h.source),
                status = h.status.as_str(),
                badge = badge(h.status.as_str()),
                gateway = h
                    .gateway_status
                    .map(|g| format!(" ({} {})", l.t("gateway", "шлюз"), g.as_str()))
                    .unwrap_or_default(),
                via_l = l.t("via", "источник:"),
                detail = h.detail.as_deref().map(|d| format!(" — {}", esc(d))).unwrap_or_default(),
            ),
        ));
    }
    for n in state.notifications.of_payout(&p.id).await? {
        items.push((n.at, 0, notifications::timeline_item(l, &n)));
    }
    for e in events {
        items.push((
            e.created_at,
            2,
            format!(
                r#"<li data-testid="timeline-webhook"><span class="kind">{}</span> <code>{}</code> {}"#,
                l.t("Webhook", "Вебхук"),
                e.kind.as_str(),
                badge(e.state.as_str()),
            ),
        ));
    }
    items.sort_by_key(|(at, order, _)| (*at, *order));
    Ok(items
        .into_iter()
        .map(|(at, _, item)| {
            format!(
                r#"{item} <time datetime="{iso}">{shown}</time></li>"#,
                iso = at.format(&Rfc3339).unwrap_or_default(),
                shown = when_ms(at),
            )
        })
        .collect())
}

/// The create form's fields (all optional text, as a browser sends them).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PayoutForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    idempotency_key: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    bank_member_id: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    order_id: String,
    #[serde(default)]
    description: String,
    /// Back from the confirmation to the form.
    #[serde(default)]
    edit: String,
}

impl PayoutForm {
    /// The API's request body (empty fields absent).
    pub fn body(&self) -> PayoutBody {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        PayoutBody {
            kind: opt(&self.kind),
            amount: opt(&self.amount).map(|a| Value::String(a.replace(',', "."))),
            phone: opt(&self.phone),
            bank_member_id: opt(&self.bank_member_id),
            account: opt(&self.account),
            bic: opt(&self.bic),
            bank: opt(&self.bank),
            holder: opt(&self.holder),
            order_id: opt(&self.order_id),
            description: opt(&self.description),
        }
    }

    fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("kind", &self.kind),
            ("amount", &self.amount),
            ("phone", &self.phone),
            ("bank_member_id", &self.bank_member_id),
            ("account", &self.account),
            ("bic", &self.bic),
            ("bank", &self.bank),
            ("holder", &self.holder),
            ("order_id", &self.order_id),
            ("description", &self.description),
        ]
    }

    fn hidden(&self, signed: &Signed) -> String {
        let mut out = csrf_field(signed);
        out.push_str(&format!(
            r#"<input type="hidden" name="idempotency_key" value="{}">"#,
            esc(&self.idempotency_key)
        ));
        for (name, value) in self.fields() {
            out.push_str(&format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                esc(value)
            ));
        }
        out
    }
}

fn label(l: Lang, field: &str) -> &'static str {
    match field {
        "kind" => l.t("Kind", "Вид"),
        "amount" => l.t("Amount, ₽", "Сумма, ₽"),
        "phone" => l.t("SBP: recipient's phone", "СБП: телефон получателя"),
        "bank_member_id" => l.t(
            "SBP: bank member id (12 digits)",
            "СБП: id банка-участника (12 цифр)",
        ),
        "account" => l.t("Account: number (20 digits)", "Счёт: номер (20 цифр)"),
        "bic" => l.t("Account: BIC", "Счёт: БИК"),
        "bank" => l.t(
            "Account: bank code (optional)",
            "Счёт: код банка (необязательно)",
        ),
        "holder" => l.t("Account: holder's name", "Счёт: имя владельца"),
        "order_id" => l.t("Your reference (optional)", "Ваш номер (необязательно)"),
        "description" => l.t("Description (optional)", "Описание (необязательно)"),
        _ => "",
    }
}

fn form_page(signed: &Signed, form: &PayoutForm, errors: &shared::FieldErrors) -> Html<String> {
    let l = signed.lang;
    let error_list: String = errors
        .iter()
        .map(|(field, msgs)| {
            format!(
                "<li><a href=\"#p-{f}\">{}</a>: {}</li>",
                esc(label(l, field)),
                esc(&msgs.join("; ")),
                f = esc(field)
            )
        })
        .collect();
    let summary = if errors.is_empty() {
        String::new()
    } else {
        format!(
            r#"<div class="error" role="alert" data-testid="payout-errors"><p>{}</p><ul>{error_list}</ul></div>"#,
            l.t("Please correct:", "Исправьте:")
        )
    };
    let kind = |value: &str, text: &str| {
        let checked = if form.kind == value || (form.kind.is_empty() && value == "sbp") {
            " checked"
        } else {
            ""
        };
        format!(
            r#"<div class="check"><input type="radio" id="k-{value}" name="kind" value="{value}"{checked}><label for="k-{value}">{text}</label></div>"#
        )
    };
    let inputs: String = form
        .fields()
        .iter()
        .filter(|(name, _)| *name != "kind")
        .map(|(name, value)| {
            let invalid = if errors.contains_key(*name) { r#" aria-invalid="true""# } else { "" };
            let mode = match *name {
                "amount" => r#" inputmode="decimal""#,
                "phone" => r#" inputmode="tel" autocomplete="off""#,
                "bank_member_id" | "account" | "bic" => r#" inputmode="numeric""#,
                _ => "",
            };
            format!(
                r#"<div class="field"><label for="p-{name}">{label}</label><input id="p-{name}" name="{name}" value="{value}"{invalid}{mode} data-testid="payout-{name}"></div>"#,
                label = esc(label(l, name)),
                value = esc(value),
            )
        })
        .collect();
    let body = format!(
        r#"{summary}<form method="post" action="/dashboard/payouts/confirm" class="stack" data-testid="payout-form">{csrf}<input type="hidden" name="idempotency_key" value="{key}">
<fieldset><legend>{kind_l}</legend>{sbp}{account}</fieldset>{inputs}
<button type="submit" data-testid="payout-review">{review}</button></form>
<p class="muted">{note}</p>"#,
        csrf = csrf_field(signed),
        key = esc(&form.idempotency_key),
        kind_l = l.t("Kind", "Вид"),
        sbp = kind("sbp", l.t("SBP to a phone", "СБП по номеру телефона")),
        account = kind("account", l.t("Bank account", "На банковский счёт")),
        review = l.t("Review the payout", "Проверить выплату"),
        note = l.t(
            "Nothing is sent until you confirm on the next page.",
            "Ничего не отправляется, пока вы не подтвердите на следующей странице."
        ),
    );
    render(Page {
        signed,
        section: Section::Payouts,
        title: l.t("New payout", "Новая выплата").to_owned(),
        path: "/dashboard/payouts/new".to_owned(),
        body,
    })
}

/// `GET /dashboard/payouts/new`: a fresh form with its own idempotency key.
pub async fn form(signed: Signed) -> Result<Html<String>, DashError> {
    if !signed.can_act() {
        return Err(DashError::Forbidden(
            "viewers can read but not change anything",
        ));
    }
    let form = PayoutForm {
        idempotency_key: format!("dash-{}", uuid::Uuid::new_v4()),
        kind: "sbp".to_owned(),
        ..PayoutForm::default()
    };
    Ok(form_page(&signed, &form, &shared::FieldErrors::new()))
}

/// `POST /dashboard/payouts/confirm`: checks the fields and shows what would be sent.
pub async fn confirm(signed: Signed, Form(form): Form<PayoutForm>) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let l = signed.lang;
    if !form.edit.is_empty() {
        return Ok(form_page(&signed, &form, &shared::FieldErrors::new()).into_response());
    }
    let request = match form.body().validate() {
        Ok(request) => request,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&signed, &form, &errors),
            )
                .into_response());
        }
    };
    let to = match &request.recipient {
        crate::payouts::Recipient::Sbp {
            phone,
            bank_member_id,
        } => format!(
            "SBP {} · {}",
            esc(phone.as_str()),
            esc(bank_member_id.as_str())
        ),
        crate::payouts::Recipient::Account {
            account,
            bic,
            holder,
            ..
        } => format!(
            "{} · BIC {}{}",
            esc(account.as_str()),
            esc(bic.as_str()),
            holder
                .as_deref()
                .map(|h| format!(" · {}", esc(h)))
                .unwrap_or_default()
        ),
    };
    let body = format!(
        r#"<div class="confirm" data-testid="payout-confirm"><p>{ask}</p><dl class="facts"><div><dt>{amount_l}</dt><dd data-testid="confirm-amount">{amount}</dd></div><div><dt>{to_l}</dt><dd>{to}</dd></div><div><dt>{ref_l}</dt><dd>{reference}</dd></div></dl>
<form method="post" action="/dashboard/payouts" class="inline" data-testid="confirm-form">{hidden}<button type="submit" data-testid="payout-send">{send}</button></form>
<form method="post" action="/dashboard/payouts/confirm" class="inline">{hidden}<input type="hidden" name="edit" value="1"><button type="submit" class="secondary">{edit}</button></form></div>"#,
        ask = l.t(
            "Send this payout? Money leaves the account once the gateway accepts it.",
            "Отправить выплату? Деньги уйдут со счёта, как только шлюз её примет."
        ),
        amount_l = l.t("Amount", "Сумма"),
        amount = amount(&request.amount.to_string()),
        to_l = l.t("To", "Кому"),
        ref_l = l.t("Your reference", "Ваш номер"),
        reference = esc(request.order_id.as_ref().map_or("—", |o| o.as_str())),
        hidden = form.hidden(&signed),
        send = l.t("Send the payout", "Отправить выплату"),
        edit = l.t("Change", "Изменить"),
    );
    Ok(render(Page {
        signed: &signed,
        section: Section::Payouts,
        title: l.t("Confirm the payout", "Подтвердите выплату").to_owned(),
        path: "/dashboard/payouts/new".to_owned(),
        body,
    })
    .into_response())
}

/// `POST /dashboard/payouts`: sends the confirmed payout through the payouts service, with
/// the form's idempotency key (a second submit answers the first payout).
pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<PayoutForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let key = IdempotencyKey::parse(form.idempotency_key.as_bytes())
        .map_err(|e| DashError::BadRequest(format!("idempotency key: {e}")))?;
    let by = format!("dashboard operator {}", signed.session.operator.email);
    match state.payouts.create(key, &form.body(), &by).await {
        Ok(created) => {
            let done = if created.replayed {
                "replayed"
            } else {
                "created"
            };
            Ok(Redirect::to(&format!(
                "/dashboard/payouts/{}?done={done}",
                created.payout.id
            ))
            .into_response())
        }
        Err(PayoutError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&signed, &form, &errors),
        )
            .into_response()),
        Err(PayoutError::IdempotencyConflict) => Err(DashError::BadRequest(
            "this form was already used for a different payout: start a new one".into(),
        )),
        Err(PayoutError::Gateway(cause)) => Err(DashError::BadRequest(format!(
            "the gateway refused the payout (stored as rejected): {cause}"
        ))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /dashboard/payouts/{id}/refresh`.
pub async fn refresh(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DashError> {
    signed.authorize_change(form.csrf.as_deref())?;
    let payout = state.payouts.refresh(&id).await?;
    Ok(Redirect::to(&format!("/dashboard/payouts/{}?done=refreshed", payout.id)).into_response())
}
