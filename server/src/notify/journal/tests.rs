#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::config::DatabaseLocation;

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_budget_caps_each_address_and_all_of_them_per_minute() {
    let t0 = Instant::now();
    let mut budget = Budget::new(t0);
    for _ in 0..REFUSED_PER_CLIENT {
        assert!(budget.take("198.51.100.7", t0));
    }
    assert!(
        !budget.take("198.51.100.7", t0),
        "the address's share is spent"
    );
    // Other addresses fill the rest of the minute's budget, then nobody is recorded.
    let mut other = 0;
    while budget.take(&format!("203.0.113.{}", other / REFUSED_PER_CLIENT), t0) {
        other += 1;
    }
    assert_eq!(other + REFUSED_PER_CLIENT, REFUSED_PER_MINUTE);
    assert!(!budget.take("192.0.2.1", t0 + Duration::from_secs(59)));
    // A new minute starts from zero.
    assert!(budget.take("198.51.100.7", t0 + Duration::from_secs(60)));
}

#[test]
fn a_claim_keeps_what_it_names_and_a_short_excerpt_without_the_signature() {
    let claim = Claim::of_fields(&fields(&[
        ("type", "payout"),
        ("id", "12345"),
        ("order_id", "ord-1"),
        ("payment_status", "paid"),
        ("sign", "c2VjcmV0LXNpZ25hdHVyZQ=="),
        ("note", &format!("line\nbreak{}", "x".repeat(500))),
    ]));
    assert_eq!(claim.kind, Some(NotificationType::Payout));
    assert_eq!(claim.gateway_id, Some(12345));
    assert_eq!(claim.order_id.as_deref(), Some("ord-1"));
    let excerpt = claim.excerpt.unwrap();
    assert!(
        excerpt
            .starts_with("type=payout&id=12345&order_id=ord-1&payment_status=paid&note=line·break"),
        "{excerpt}"
    );
    assert!(
        !excerpt.contains("c2Vj"),
        "the signature is not kept: {excerpt}"
    );
    assert!(excerpt.chars().count() <= EXCERPT_CHARS);
    assert!(excerpt.ends_with('…'), "a cut value is marked: {excerpt}");

    // Nothing usable: no kind, no id, no order id.
    let junk = Claim::of_fields(&fields(&[("id", "-3"), ("order_id", &"o".repeat(65))]));
    assert_eq!(
        (junk.kind, junk.gateway_id, junk.order_id),
        (None, None, None)
    );
    assert_eq!(Claim::of_fields(&[]).excerpt, None);

    let body = Claim::of_body(format!("<html>\r\n{}", "y".repeat(10_000)).as_bytes());
    let excerpt = body.excerpt.unwrap();
    assert!(excerpt.starts_with("<html>··yyy"), "{excerpt}");
    assert_eq!(excerpt.chars().count(), EXCERPT_CHARS / 2);
}

#[test]
fn every_reason_reads_back_from_its_code() {
    for r in Refusal::ALL {
        assert_eq!(Refusal::parse(r.as_str()), Some(r));
    }
    assert_eq!(Refusal::parse("nope"), None);
    assert_eq!(
        Refusal::of_outcome(NotificationType::Payout, "unknown"),
        Refusal::UnknownPayout
    );
    assert_eq!(
        Refusal::of_outcome(NotificationType::Payment, "unknown_payment"),
        Refusal::UnknownPayment
    );
    assert_eq!(
        Refusal::of_outcome(NotificationType::Payment, "unconfirmed"),
        Refusal::Unconfirmed
    );
    assert_eq!(
        Refusal::of(&NotifyError::BadSignature { candidates: 4 }),
        Refusal::BadSignature
    );
}

#[tokio::test]
async fn refused_ones_are_listed_newest_first_and_pruned_by_age_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DatabaseLocation::Sqlite(dir.path().join("checkout.db")))
        .await
        .unwrap();
    let t0 = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
    let journal = Notifications::new(store.clone(), Clock::manual(t0));
    let claim = Claim::of_fields(&fields(&[("id", "777"), ("order_id", "nobody")]));
    for (i, refusal) in [
        Refusal::BadSignature,
        Refusal::MissingSign,
        Refusal::MalformedBody,
    ]
    .into_iter()
    .enumerate()
    {
        let at = t0 - time::Duration::days(8) + time::Duration::days(4 * i as i64);
        assert!(journal.refused(at, "198.51.100.7", refusal, &claim).await);
    }
    let listed = journal.refused_untied(10).await.unwrap();
    let reasons: Vec<_> = listed.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(
        reasons,
        [
            Err(Refusal::MalformedBody),
            Err(Refusal::MissingSign),
            Err(Refusal::BadSignature)
        ]
    );
    assert_eq!(listed[0].claim.gateway_id, Some(777));
    assert_eq!(listed[0].claim.order_id.as_deref(), Some("nobody"));
    assert_eq!(listed[0].client, "198.51.100.7");
    assert_eq!(listed[0].at, t0);

    // Older than 7 days: gone; then only the newest one is kept.
    assert_eq!(
        store
            .prune_refused_notifications(t0 - RETENTION, MAX_REFUSED_ROWS)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .prune_refused_notifications(t0 - RETENTION, 1)
            .await
            .unwrap(),
        1
    );
    let left = journal.refused_untied(10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].outcome, Err(Refusal::MalformedBody));
}
