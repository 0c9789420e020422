//! Gateway notifications as the dashboard shows them: an entry on a session's or payout's
//! timeline (applied, or refused with its reason), and the refused ones that named nothing of
//! ours (on the webhooks page), so an operator sees a key mismatch or an attack.

use super::layout::{Lang, table, when_ms};
use crate::html::escape as esc;
use crate::notify::journal::{Received, Refusal};

/// Why a notification was refused, in words.
pub fn reason(l: Lang, r: Refusal) -> &'static str {
    match r {
        Refusal::MalformedBody => l.t(
            "unreadable body (not a form or JSON object, or too large)",
            "тело не читается (не форма и не JSON-объект или слишком большое)",
        ),
        Refusal::MissingSign => l.t("no signature", "нет подписи"),
        Refusal::BadSignature => l.t(
            "wrong signature (not the gateway's key?)",
            "неверная подпись (не ключ шлюза?)",
        ),
        Refusal::Unusable => l.t(
            "signed, but a required field is missing or malformed",
            "подписано, но обязательное поле отсутствует или неверно",
        ),
        Refusal::UnknownPayment => l.t(
            "signed, about a payment we do not know",
            "подписано, о неизвестном нам платеже",
        ),
        Refusal::UnknownPayout => l.t(
            "signed, about a payout we do not know",
            "подписано, о неизвестной нам выплате",
        ),
        Refusal::Unconfirmed => l.t(
            "not applied yet: the gateway's status answer did not confirm the amount",
            "пока не применено: ответ шлюза о статусе не подтвердил сумму",
        ),
        Refusal::OtherAccount => l.t("about another gateway account", "о другом счёте в шлюзе"),
    }
}

/// What applying an accepted notification did, in words.
fn applied(l: Lang, outcome: &str) -> String {
    match outcome {
        "changed" => l
            .t("applied: the status changed", "применено: статус изменился")
            .to_owned(),
        "unchanged" => l
            .t("applied: nothing new", "применено: ничего нового")
            .to_owned(),
        "conflict" => l
            .t(
                "a different final status after a final one: kept in the history",
                "другой финальный статус после финального: сохранён в истории",
            )
            .to_owned(),
        "mismatch" => l
            .t(
                "did not match the payment it named: needs attention",
                "не совпало с платежом: требует внимания",
            )
            .to_owned(),
        other => esc(other),
    }
}

/// A timeline entry (an open `<li>`: the timeline adds the time and closes it).
pub fn timeline_item(l: Lang, n: &Received) -> String {
    let what = match &n.outcome {
        Ok(outcome) => format!(
            r#"<span class="badge ok" data-status="accepted">{}</span> {}"#,
            l.t("accepted", "принято"),
            applied(l, outcome)
        ),
        // Signed and about this payment, only not confirmed yet: not a refusal of the sender.
        Err(r @ Refusal::Unconfirmed) => format!(
            r#"<span class="badge warn" data-status="deferred">{}</span> <span data-testid="refusal" data-code="{code}">{text}</span>"#,
            l.t("not applied", "не применено"),
            code = r.as_str(),
            text = esc(reason(l, *r)),
        ),
        Err(r) => format!(
            r#"<span class="badge bad" data-status="refused">{}</span> <span data-testid="refusal" data-code="{code}">{text}</span>"#,
            l.t("refused", "отклонено"),
            code = r.as_str(),
            text = esc(reason(l, *r)),
        ),
    };
    let excerpt = n
        .claim
        .excerpt
        .as_deref()
        .map(|e| format!(r#"<br><code class="excerpt">{}</code>"#, esc(e)))
        .unwrap_or_default();
    format!(
        r#"<li data-testid="timeline-notification" data-refused="{refused}"><span class="kind">{kind_l}</span> {what} <span class="muted">{from} {client}</span>{excerpt}"#,
        refused = n.outcome.is_err(),
        kind_l = l.t("Gateway notification", "Уведомление шлюза"),
        from = l.t("from", "от"),
        client = esc(&n.client),
    )
}

/// The refused notifications that named no session or payout, as a table (or a line saying
/// there were none).
pub fn refused_table(l: Lang, refused: &[Received]) -> String {
    if refused.is_empty() {
        return format!(
            r#"<p data-testid="no-refused-notifications">{}</p>"#,
            l.t(
                "None lately: every notification named a session or payout of ours.",
                "Недавно не было: каждое уведомление относилось к нашей сессии или выплате."
            )
        );
    }
    let rows: Vec<String> = refused
        .iter()
        .map(|n| {
            let code = n.outcome.as_ref().err().copied();
            let claimed = [
                n.claim.gateway_id.map(|g| format!("id {g}")),
                n.claim.order_id.as_deref().map(|o| format!("order_id {}", esc(o))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            format!(
                r#"<tr data-testid="refused-row" data-code="{code}"><td>{at}</td><td>{reason}</td><td><code>{client}</code></td><td>{claimed}</td><td class="wide"><code class="excerpt">{excerpt}</code></td></tr>"#,
                code = code.map_or("", Refusal::as_str),
                at = when_ms(n.at),
                reason = code.map_or("", |r| reason(l, r)),
                client = esc(&n.client),
                claimed = if claimed.is_empty() { "—".to_owned() } else { claimed },
                excerpt = n.claim.excerpt.as_deref().map(esc).unwrap_or_default(),
            )
        })
        .collect();
    table(
        l.t(
            "Refused notifications about nothing of ours, newest first",
            "Отклонённые уведомления не о наших платежах, новые сверху",
        ),
        &[
            l.t("Received", "Получено"),
            l.t("Why refused", "Причина"),
            l.t("From", "От"),
            l.t("Names", "Указано"),
            l.t("Excerpt", "Фрагмент"),
        ],
        &rows,
        "refused-table",
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::notify::journal::Claim;

    fn received(outcome: Result<String, Refusal>, excerpt: Option<&str>) -> Received {
        Received {
            at: datetime!(2026-12-03 18:00:00 UTC),
            outcome,
            client: "198.51.100.7".into(),
            claim: Claim {
                excerpt: excerpt.map(str::to_owned),
                ..Claim::default()
            },
        }
    }

    #[test]
    fn entries_say_why_in_each_language_and_escape_what_the_sender_wrote() {
        let forged = received(
            Err(Refusal::BadSignature),
            Some("id=1&note=<script>alert(1)</script>"),
        );
        let en = timeline_item(Lang::En, &forged);
        assert!(en.contains(r#"data-refused="true""#), "{en}");
        assert!(en.contains(r#"data-code="bad_signature""#), "{en}");
        assert!(en.contains("wrong signature"), "{en}");
        assert!(en.contains("&lt;script&gt;"), "escaped: {en}");
        assert!(!en.contains("<script>"), "{en}");
        assert!(timeline_item(Lang::Ru, &forged).contains("неверная подпись"));
        let waiting = timeline_item(Lang::En, &received(Err(Refusal::Unconfirmed), None));
        assert!(
            waiting.contains("not applied"),
            "not called refused: {waiting}"
        );
        let applied = timeline_item(Lang::Ru, &received(Ok("changed".into()), None));
        assert!(applied.contains(r#"data-refused="false""#), "{applied}");
        assert!(applied.contains("применено: статус изменился"), "{applied}");
        // Every reason has words in both languages.
        for r in Refusal::ALL {
            assert!(!reason(Lang::En, r).is_empty() && !reason(Lang::Ru, r).is_empty());
        }
    }
}
