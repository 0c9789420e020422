#![allow(clippy::unwrap_used, clippy::expect_used)] // assertions: a missing field fails the run
//! The end-of-run checks of the kill -9 suites (`chaos`, `chaos_replicas`): every final
//! status a session reached has exactly one merchant event, each received by the merchant's
//! endpoint; one payout per idempotency key, sent to the gateway at most once, every answered
//! key present.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Captured;
use crate::server::Checkout;

/// The final session statuses (each announced by one `payment.<status>` event).
pub const FINAL: [&str; 5] = ["paid", "underpaid", "failed", "cancelled", "expired"];

/// A session's attempts after the run: none left `creating`, each at most one payment at the
/// gateway (`made` counts them by gateway order id); a `paid` session got its amount in full.
/// Returns how many attempts the session has.
pub fn assert_attempts_sound(s: &Value, seed: u64, made: impl Fn(&str) -> usize) -> usize {
    let mut attempts = 0;
    for a in s["attempts"].as_array().into_iter().flatten() {
        attempts += 1;
        assert_ne!(a["state"], "creating", "{s}");
        let order = a["gateway_order_id"].as_str().unwrap();
        let made = made(order);
        assert!(
            made <= 1,
            "attempt {order} has {made} gateway payments (CHAOS_SEED={seed})"
        );
    }
    if s["status"] == "paid" {
        assert_eq!(s["paid_amount"], s["amount"], "{s}");
    }
    attempts
}

/// Every event of `app`, once all of them are delivered (waits up to `within`; on timeout
/// fails with `report()` appended).
pub fn all_events_once_delivered(
    app: &Checkout,
    within: Duration,
    seed: u64,
    report: impl Fn() -> String,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let events = all_pages(app, "/api/v1/events");
        let undelivered = events
            .iter()
            .filter(|e| e["delivery"]["state"] != "delivered")
            .count();
        if undelivered == 0 {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "{undelivered} events never delivered (CHAOS_SEED={seed})\n{}",
            report()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Every item of a merchant list (`/api/v1/events`, `/api/v1/payouts`), page by page.
pub fn all_pages(app: &Checkout, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=200&cursor={c}"),
            None => format!("{path}?limit=200"),
        };
        let page = app.merchant_get(&url);
        assert_eq!(page.status, 200, "{url}: {}", page.text);
        let page = page.json();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// The final-status events of `events`, by session id.
pub fn finals_by_session(events: &[Value]) -> BTreeMap<&str, Vec<&Value>> {
    let mut finals: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for e in events {
        let kind = e["type"].as_str().unwrap();
        if FINAL.iter().any(|f| kind == format!("payment.{f}")) {
            finals
                .entry(e["subject_id"].as_str().unwrap())
                .or_default()
                .push(e);
        }
    }
    finals
}

/// The event ids the merchant's endpoint received.
pub fn delivered_ids(requests: &[Captured]) -> BTreeSet<String> {
    requests
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.body_text()).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect()
}

/// Checks that `session` (as `GET /api/v1/sessions/{id}` shows it) has exactly one event
/// (one id) per final status its history reached, none for a status it never reached, and
/// that each was received. Returns the final statuses reached.
pub fn assert_one_event_per_final_status(
    session: &Value,
    finals: &BTreeMap<&str, Vec<&Value>>,
    delivered: &BTreeSet<String>,
    seed: u64,
) -> BTreeSet<String> {
    let id = session["id"].as_str().unwrap();
    let mine = finals.get(id).cloned().unwrap_or_default();
    let reached: BTreeSet<String> = session["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["status"].as_str())
        .filter(|st| FINAL.contains(st))
        .map(str::to_owned)
        .collect();
    for status in &reached {
        let of_kind: BTreeSet<&str> = mine
            .iter()
            .filter(|e| e["type"] == format!("payment.{status}"))
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            of_kind.len(),
            1,
            "session {id}: {status} has events {mine:?} (CHAOS_SEED={seed})"
        );
    }
    assert_eq!(
        mine.len(),
        reached.len(),
        "session {id}: events {mine:?} for {reached:?} (CHAOS_SEED={seed})"
    );
    for e in &mine {
        assert!(
            delivered.contains(e["id"].as_str().unwrap()),
            "event {} not received (CHAOS_SEED={seed})",
            e["id"]
        );
    }
    reached
}

/// Checks one payout per idempotency key, each sent to the gateway at most once
/// (`sent_at_gateway(gateway order id)` counts them there), and every key that was answered
/// present.
pub fn assert_one_payout_per_key(
    payouts: &[Value],
    answered_keys: &BTreeSet<String>,
    sent_at_gateway: impl Fn(&str) -> usize,
    seed: u64,
) {
    let mut keys = BTreeSet::new();
    for p in payouts {
        assert!(
            keys.insert(p["idempotency_key"].as_str().unwrap().to_owned()),
            "two payouts for {p}"
        );
        let sent = sent_at_gateway(p["gateway_order_id"].as_str().unwrap());
        assert!(
            sent <= 1,
            "payout {} sent {sent} times (CHAOS_SEED={seed})",
            p["id"]
        );
    }
    for key in answered_keys {
        assert!(keys.contains(key), "answered payout {key} is missing");
    }
}
