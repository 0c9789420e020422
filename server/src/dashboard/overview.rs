//! `GET /dashboard/`: today / 7 days / 30 days at a glance.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use shared::SessionStatus;
use time::{Duration, OffsetDateTime, Time};

use super::DashError;
use super::auth::Signed;
use super::chart::{self, Bar};
use super::layout::{Lang, Page, Section, render, rub, table};
use crate::html::escape as esc;
use crate::routes::AppState;

/// A period of the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Since midnight UTC.
    Today,
    /// Today and the 6 days before.
    Week,
    /// Today and the 29 days before.
    Month,
}

impl Period {
    fn parse(text: &str) -> Period {
        match text {
            "7d" => Period::Week,
            "30d" => Period::Month,
            _ => Period::Today,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Week => "7d",
            Period::Month => "30d",
        }
    }

    fn days(self) -> i64 {
        match self {
            Period::Today => 1,
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    fn label(self, l: Lang) -> &'static str {
        match self {
            Period::Today => l.t("Today", "Сегодня"),
            Period::Week => l.t("7 days", "7 дней"),
            Period::Month => l.t("30 days", "30 дней"),
        }
    }

    /// `[from, to)`: whole UTC days, the last one today.
    pub fn range(self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let midnight = now.replace_time(Time::MIDNIGHT);
        (
            midnight - Duration::days(self.days() - 1),
            midnight + Duration::days(1),
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    period: String,
}

/// Paid ÷ all, as a percentage with one decimal (`—` when there is nothing to divide).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// `GET /dashboard/?period=today|7d|30d`.
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<OverviewQuery>,
) -> Result<Html<String>, DashError> {
    let l = signed.lang;
    let period = Period::parse(&q.period);
    let now = state.sessions.clock().now();
    let (from, to) = period.range(now);
    let (o, failed_events) = tokio::join!(
        state.sessions.overview(from, to),
        state.events.failed_between(from, to)
    );
    let (o, failed_events) = (o?, failed_events?);
    let paid = o.status(SessionStatus::Paid);
    let underpaid = o.status(SessionStatus::Underpaid);
    let sessions = o.sessions();

    let tabs: String = [Period::Today, Period::Week, Period::Month]
        .iter()
        .map(|p| {
            let current = if *p == period { r#" aria-current="true""# } else { "" };
            format!(
                r#"<a href="/dashboard/?period={code}"{current} data-testid="period-{code}">{label}</a>"#,
                code = p.code(),
                label = p.label(l)
            )
        })
        .collect();
    // `data-value`: the raw number (kopecks, a count, per mille) for tests and tools.
    let card = |testid: &str, label: &str, value: String, raw: u64, link: Option<String>| {
        let value = match link {
            Some(href) => format!(r#"<a href="{href}">{value}</a>"#, href = esc(&href)),
            None => value,
        };
        format!(
            r#"<div class="card"><dt>{label}</dt><dd data-testid="{testid}" data-value="{raw}">{value}</dd></div>"#,
            label = esc(label)
        )
    };
    let from_day = from.date().to_string();
    let to_day = (to - Duration::days(1)).date().to_string();
    let range_query = format!("from={from_day}&to={to_day}");
    let cards = [
        card(
            "paid-volume",
            l.t("Paid volume", "Оплачено, сумма"),
            rub(paid.received_kopecks),
            paid.received_kopecks,
            None,
        ),
        card(
            "paid-count",
            l.t("Paid sessions", "Оплачено, сессий"),
            paid.sessions.to_string(),
            paid.sessions,
            Some(format!("/dashboard/sessions?status=paid&{range_query}")),
        ),
        card(
            "sessions-count",
            l.t("Sessions", "Сессий"),
            sessions.to_string(),
            sessions,
            Some(format!("/dashboard/sessions?{range_query}")),
        ),
        card(
            "conversion",
            l.t("Conversion", "Конверсия"),
            percent(paid.sessions, sessions),
            (paid.sessions * 1000).checked_div(sessions).unwrap_or(0),
            None,
        ),
        card(
            "attention-count",
            l.t("Need attention", "Требуют внимания"),
            o.needs_attention().to_string(),
            o.needs_attention(),
            Some(format!("/dashboard/sessions?attention=1&{range_query}")),
        ),
        card(
            "underpaid-count",
            l.t("Underpaid", "Недоплачено"),
            underpaid.sessions.to_string(),
            underpaid.sessions,
            Some(format!(
                "/dashboard/sessions?status=underpaid&{range_query}"
            )),
        ),
        card(
            "webhook-failures",
            l.t("Webhook failures", "Сбои вебхуков"),
            failed_events.to_string(),
            failed_events,
            Some("/dashboard/webhooks?state=failed".to_owned()),
        ),
    ]
    .concat();

    // Every day of the period, zero where nothing was paid.
    let days = period.days();
    let bars: Vec<Bar> = (0..days)
        .map(|d| {
            let day = from + Duration::days(d);
            Bar {
                label: format!("{:02}-{:02}", u8::from(day.month()), day.day()),
                value: o
                    .paid_by_day
                    .iter()
                    .find(|t| t.day == d)
                    .map_or(0, |t| t.paid_kopecks),
            }
        })
        .collect();
    let chart_title = l.t("Paid volume per day", "Оплачено по дням");
    let chart_desc = format!(
        "{} {from_day} — {to_day}, UTC. {}: {}",
        l.t(
            "Sessions paid in full, by the day they were created,",
            "Полностью оплаченные сессии по дню создания,"
        ),
        l.t("Total", "Итого"),
        rub(paid.received_kopecks)
    );
    let svg = chart::bars("chart-paid", chart_title, &chart_desc, &bars, rub);
    let day_rows: Vec<String> = (0..days)
        .map(|d| {
            let day = (from + Duration::days(d)).date();
            let t = o.paid_by_day.iter().find(|t| t.day == d);
            format!(
                "<tr><td>{day}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                t.map_or(0, |t| t.paid),
                rub(t.map_or(0, |t| t.paid_kopecks))
            )
        })
        .collect();
    let day_table = table(
        chart_title,
        &[
            l.t("Day", "День"),
            l.t("Paid", "Оплачено"),
            l.t("Volume", "Сумма"),
        ],
        &day_rows,
        "chart-table",
    );

    let method_rows: Vec<String> = o
        .by_method
        .iter()
        .map(|m| {
            format!(
                r#"<tr data-testid="method-{m}"><th scope="row">{m}</th><td class="num">{n}</td><td class="num">{p}</td><td class="num" data-testid="method-{m}-conversion">{c}</td></tr>"#,
                m = esc(&m.method),
                n = m.sessions,
                p = m.paid,
                c = percent(m.paid, m.sessions),
            )
        })
        .collect();
    let methods = if method_rows.is_empty() {
        format!(
            "<p>{}</p>",
            l.t(
                "No payment attempts in this period.",
                "За период попыток оплаты не было."
            )
        )
    } else {
        table(
            l.t(
                "Conversion by method (sessions that chose the method)",
                "Конверсия по способам (сессии, выбравшие способ)",
            ),
            &[
                l.t("Method", "Способ"),
                l.t("Sessions", "Сессий"),
                l.t("Paid", "Оплачено"),
                l.t("Conversion", "Конверсия"),
            ],
            &method_rows,
            "methods-table",
        )
    };
    let status_rows: Vec<String> = SessionStatus::ALL
        .iter()
        .map(|s| {
            let t = o.status(*s);
            format!(
                r#"<tr><th scope="row"><a href="/dashboard/sessions?status={s}&amp;{range}">{s}</a></th><td class="num" data-testid="status-{s}">{n}</td><td class="num">{share}</td></tr>"#,
                n = t.sessions,
                share = percent(t.sessions, sessions),
                range = esc(&range_query),
            )
        })
        .collect();
    let statuses = table(
        l.t("Sessions by status", "Сессии по статусам"),
        &[
            l.t("Status", "Статус"),
            l.t("Sessions", "Сессий"),
            l.t("Share", "Доля"),
        ],
        &status_rows,
        "status-table",
    );

    let body = format!(
        r#"<nav class="tabs" aria-label="{period_label}">{tabs}</nav>
<p class="muted">{from_day} — {to_day} (UTC). {cohort}</p>
<dl class="cards">{cards}</dl>
<section aria-labelledby="chart-h"><h2 id="chart-h">{chart_title}</h2>{svg}
<details><summary>{as_table}</summary>{day_table}</details></section>
<div class="two"><section><h2>{methods_h}</h2>{methods}</section><section><h2>{status_h}</h2>{statuses}</section></div>"#,
        period_label = l.t("Period", "Период"),
        cohort = l.t(
            "Sessions are counted by the day they were created; paid means paid in full.",
            "Сессии считаются по дню создания; «оплачено» — оплачено полностью."
        ),
        as_table = l.t("Show the numbers as a table", "Показать числа таблицей"),
        methods_h = l.t("Methods", "Способы оплаты"),
        status_h = l.t("Status mix", "Статусы"),
    );
    Ok(render(Page {
        signed: &signed,
        section: Section::Overview,
        title: l.t("Overview", "Обзор").to_owned(),
        path: format!("/dashboard/?period={}", period.code()),
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_utc_days_ending_today() {
        let now = time::macros::datetime!(2026-12-03 11:25 UTC);
        let (from, to) = Period::Week.range(now);
        assert_eq!(from, time::macros::datetime!(2026-11-27 0:00 UTC));
        assert_eq!(to, time::macros::datetime!(2026-12-04 0:00 UTC));
        assert_eq!(
            Period::Today.range(now).0,
            time::macros::datetime!(2026-12-03 0:00 UTC)
        );
    }

    #[test]
    fn percentages_round_to_a_tenth() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(5, 5), "100.0%");
    }
}
