//! `GET /dashboard/`: today / 7 days / 30 days at a glance.

use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use shared::SessionStatus;
use time::{Duration, OffsetDateTime, Time};

use super::DashError;
use super::auth::Signed;
use super::chart::{self, Column};
use super::layout::{Lang, Page, Section, render, rub, rub_signed, table};
use crate::html::escape as esc;
use crate::routes::AppState;
use crate::sessions::find_status;
use crate::store::dashboard::DayTotals;

/// How long the overview waits for the gateway's balance.
const BALANCE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

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

/// Paid ÷ all, as a percentage with one decimal (`—` when there is nothing to divide), as
/// each language writes it: `16.7%`, `16,7 %` (a no-break space before the sign).
pub fn percent(l: Lang, part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    match l {
        Lang::En => format!("{whole}.{tenth}%"),
        Lang::Ru => format!("{whole},{tenth}\u{a0}%"),
    }
}

/// A decimal money string of the gateway (`"93.84"`, `"-5.5"`) in kopecks.
fn kopecks_of(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (rubles, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if rubles.is_empty() || !rubles.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kopecks: String = fraction.chars().chain("00".chars()).take(2).collect();
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = rubles
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(kopecks.parse().ok()?)?;
    Some(if negative { -value } else { value })
}

/// A duration for people: `45 s`, `4 min 12 s`, `2 h 5 min`.
pub fn took(l: Lang, d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let (hl, ml, sl) = (l.t("h", "ч"), l.t("min", "мин"), l.t("s", "с"));
    if h > 0 {
        format!("{h}\u{a0}{hl} {m}\u{a0}{ml}")
    } else if m > 0 {
        format!("{m}\u{a0}{ml} {s}\u{a0}{sl}")
    } else if s < 10 {
        // Under ten seconds (a sandbox, a fast SBP payment) tenths say more than "0 s".
        let tenths = d.as_millis() / 100;
        let point = l.t(".", ",");
        format!("{}{point}{}\u{a0}{sl}", tenths / 10, tenths % 10)
    } else {
        format!("{s}\u{a0}{sl}")
    }
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
    // The gateway's balance is asked at the same time and given a second at most: a slow or
    // failing gateway shows "unavailable" on its card, never an error page or a slow one.
    let (o, failed_events, balance) = tokio::join!(
        state.sessions.overview(from, to),
        state.events.failed_between(from, to),
        tokio::time::timeout(BALANCE_WAIT, state.payouts.balance()),
    );
    let (o, failed_events) = (o?, failed_events?);
    let balance = match balance {
        Ok(Ok(b)) => kopecks_of(&b.balance),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "dashboard: balance unavailable");
            None
        }
        Err(_) => {
            tracing::warn!("dashboard: balance unavailable: the gateway took over a second");
            None
        }
    };
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
    let took_card = |testid: &str, label: &str, value: Option<std::time::Duration>| match value {
        Some(d) => format!(
            r#"<div class="card"><dt>{label}</dt><dd data-testid="{testid}" data-value="{ms}">{value}</dd></div>"#,
            label = esc(label),
            ms = d.as_millis(),
            value = took(l, d),
        ),
        None => format!(
            r#"<div class="card"><dt>{label}</dt><dd data-testid="{testid}">—</dd></div>"#,
            label = esc(label)
        ),
    };
    let from_day = from.date().to_string();
    let to_day = (to - Duration::days(1)).date().to_string();
    let range_query = format!("from={from_day}&to={to_day}");
    let cards = [
        card(
            "paid-volume",
            l.t("Paid volume", "Оплачено, сумма"),
            rub(l, paid.received_kopecks),
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
            percent(l, paid.sessions, sessions),
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
        took_card(
            "time-to-paid-median",
            l.t("Median time to paid", "Медиана времени до оплаты"),
            o.time_to_paid(500),
        ),
        took_card(
            "time-to-paid-p90",
            l.t("90% paid within", "90% оплачены за"),
            o.time_to_paid(900),
        ),
        match balance {
            Some(k) => format!(
                r#"<div class="card"><dt>{label}</dt><dd data-testid="balance" data-value="{k}"><a href="/dashboard/payouts">{value}</a></dd></div>"#,
                label = esc(l.t("Gateway balance", "Баланс в шлюзе")),
                value = rub_signed(l, k),
            ),
            None => format!(
                r#"<div class="card"><dt>{label}</dt><dd data-testid="balance" class="muted">{value}</dd></div>"#,
                label = esc(l.t("Gateway balance", "Баланс в шлюзе")),
                value = esc(l.t("unavailable now", "сейчас недоступен")),
            ),
        },
        card(
            "webhook-failures",
            l.t("Webhook failures", "Сбои вебхуков"),
            failed_events.to_string(),
            failed_events,
            Some("/dashboard/webhooks?state=failed".to_owned()),
        ),
    ]
    .concat();

    // Every day of the period stacked by the methods that paid anything in it.
    let paying: Vec<&str> = o
        .by_method
        .iter()
        .filter(|m| m.paid_kopecks > 0)
        .map(|m| m.method.as_str())
        .collect();
    let series: Vec<String> = paying.iter().map(|m| (*m).to_owned()).collect();
    let day_volume = |day: &DayTotals, method: &str| {
        day.by_method
            .iter()
            .find(|m| m.method == method)
            .map_or(0, |m| m.paid_kopecks)
    };
    let columns: Vec<Column> = (0_i64..)
        .zip(&o.days)
        .map(|(d, day)| {
            let date = from + Duration::days(d);
            Column {
                label: format!("{:02}-{:02}", u8::from(date.month()), date.day()),
                values: paying.iter().map(|m| day_volume(day, m)).collect(),
            }
        })
        .collect();
    let chart_title = l.t(
        "Paid volume per day, by method",
        "Оплачено по дням, по способам",
    );
    let chart_desc = format!(
        "{} {from_day} — {to_day}, UTC. {}: {}{}",
        l.t(
            "Money received by sessions paid in full, by the day they were created, stacked by the method of the paying attempt,",
            "Деньги полностью оплаченных сессий по дню создания, по способу оплатившей попытки,",
        ),
        l.t("Total", "Итого"),
        rub(l, paid.received_kopecks),
        paying
            .iter()
            .map(|m| {
                let total = o.by_method.iter().find(|t| t.method == *m).map_or(0, |t| t.paid_kopecks);
                format!("; {m}: {}", rub(l, total))
            })
            .collect::<String>()
    );
    let svg = chart::stacked(
        "chart-paid",
        chart_title,
        &chart_desc,
        &series,
        &columns,
        |k| rub(l, k),
    );
    let day_rows: Vec<String> = (0_i64..)
        .zip(&o.days)
        .map(|(d, day)| {
            let date = (from + Duration::days(d)).date();
            let paid = find_status(&day.by_status, SessionStatus::Paid);
            let methods: String = paying
                .iter()
                .map(|m| format!(r#"<td class="num">{}</td>"#, rub(l, day_volume(day, m))))
                .collect();
            format!(
                "<tr><td>{date}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{methods}</tr>",
                paid.sessions,
                rub(l, paid.received_kopecks)
            )
        })
        .collect();
    let mut day_head = vec![
        l.t("Day", "День"),
        l.t("Paid", "Оплачено"),
        l.t("Volume", "Сумма"),
    ];
    day_head.extend(paying.iter().copied());
    let day_table = table(chart_title, &day_head, &day_rows, "chart-table");

    let method_rows: Vec<String> = o
        .by_method
        .iter()
        .map(|m| {
            format!(
                r#"<tr data-testid="method-{m}"><th scope="row">{m}</th><td class="num">{n}</td><td class="num">{p}</td><td class="num" data-testid="method-{m}-conversion">{c}</td></tr>"#,
                m = esc(&m.method),
                n = m.sessions,
                p = m.paid,
                c = percent(l, m.paid, m.sessions),
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
                share = percent(l, t.sessions, sessions),
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
    fn gateway_money_strings_are_read_to_the_kopeck() {
        assert_eq!(kopecks_of("93.84"), Some(9384));
        assert_eq!(kopecks_of("93.84000000"), Some(9384));
        assert_eq!(kopecks_of("-5.5"), Some(-550));
        assert_eq!(kopecks_of("100"), Some(10000));
        for bad in ["", "abc", "1.2x", "-", ".5"] {
            assert_eq!(kopecks_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_read_naturally() {
        let s = std::time::Duration::from_secs;
        assert_eq!(took(Lang::En, s(45)), "45\u{a0}s");
        let ms = std::time::Duration::from_millis;
        assert_eq!(took(Lang::En, ms(420)), "0.4\u{a0}s");
        assert_eq!(took(Lang::Ru, ms(9_960)), "9,9\u{a0}с");
        assert_eq!(took(Lang::Ru, s(252)), "4\u{a0}мин 12\u{a0}с");
        assert_eq!(took(Lang::En, s(7500)), "2\u{a0}h 5\u{a0}min");
    }

    #[test]
    fn percentages_round_to_a_tenth() {
        assert_eq!(percent(Lang::En, 1, 3), "33.3%");
        assert_eq!(percent(Lang::En, 2, 3), "66.7%");
        assert_eq!(percent(Lang::En, 0, 0), "—");
        assert_eq!(percent(Lang::En, 5, 5), "100.0%");
        assert_eq!(percent(Lang::Ru, 1, 6), "16,7\u{a0}%");
        assert_eq!(percent(Lang::Ru, 0, 0), "—");
    }
}
