#![allow(clippy::unwrap_used, clippy::expect_used)]

use shared::{
    BankCode, CustomerIp, CustomerUserId, HttpUrl, LifetimeSecs, Method, OrderId, PayoutKind,
};

use super::*;

const T0: i64 = 1_800_000_000_000;

fn acc() -> AccountUuid {
    AccountUuid::parse("0f9c2d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f").unwrap()
}

fn ledger(balance_rub: i64) -> Ledger {
    Ledger::restore(
        vec![],
        vec![],
        HashMap::new(),
        None,
        &[(acc(), Money::from_kopecks(balance_rub * 100))],
    )
}

fn new_payment(order: &str, method: Method, amount: &str) -> NewPayment {
    NewPayment {
        amount: Amount::parse(amount).unwrap(),
        order_id: OrderId::parse(order).unwrap(),
        service: method.default_service().to_owned(),
        method,
        customer_ip: CustomerIp::parse("203.0.113.7").unwrap(),
        customer_user_id: CustomerUserId::parse("u").unwrap(),
        customer_code: Some(BankCode::parse("sberbank").unwrap()),
        desc: None,
        lifetime: LifetimeSecs::new(900).unwrap(),
        notification_url: Some(HttpUrl::parse("http://127.0.0.1:1/n").unwrap()),
        notification_endpoint_id: None,
        success_url: None,
        fail_url: None,
    }
}

fn new_payout(order: &str, amount: &str) -> NewPayout {
    NewPayout {
        amount: Amount::parse(amount).unwrap(),
        order_id: OrderId::parse(order).unwrap(),
        service: PayoutKind::Sbp.default_service().to_owned(),
        kind: PayoutKind::Sbp,
        number: "79031112233".to_owned(),
        customer_code: Some("100000000111".to_owned()),
        bik_bank: None,
        notification_url: None,
        notification_endpoint_id: None,
    }
}

#[test]
fn ids_count_from_first_id_across_payments_and_payouts() {
    let mut l = ledger(1_000);
    let (p, c) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "http://sb")
        .unwrap();
    assert_eq!(p.id, FIRST_ID);
    assert_eq!(c.next_id, Some(FIRST_ID + 1));
    let (q, _) = l.create_payout(acc(), new_payout("B", "1"), T0).unwrap();
    assert_eq!(q.id, FIRST_ID + 1);
    assert!(p.url.is_none());
    assert_eq!(p.requisites.as_ref().unwrap().bank, "Sberbank");
    let (f, _) = l
        .create_payment(
            acc(),
            new_payment("C", Method::CardForm, "10"),
            T0,
            "http://sb/x",
        )
        .unwrap();
    assert_eq!(f.url, Some(format!("http://sb/x/pay/{}", f.uuid)));
    assert!(f.requisites.is_none());
}

#[test]
fn order_id_is_unique_among_waiting_payments_only() {
    let mut l = ledger(0);
    let (p, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    let err = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap_err();
    assert_eq!(
        err.first("order_id"),
        Some("The order id has already been taken.")
    );
    l.finish_payment(p.id, PaymentStatus::Fail, None, T0)
        .unwrap();
    let (again, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    let found = l
        .find_payment(&acc(), &Lookup::OrderId("A".to_owned()))
        .unwrap();
    assert_eq!(
        found.id, again.id,
        "the latest payment with the order id wins"
    );
}

#[test]
fn paid_credits_minus_commission_and_partial_is_flagged() {
    let mut l = ledger(100);
    let (p, _) = l
        .create_payment(
            acc(),
            new_payment("A", Method::CardTransfer, "1000.00"),
            T0,
            "",
        )
        .unwrap();
    let (p, c) = l
        .finish_payment(
            p.id,
            PaymentStatus::Paid,
            Some(Amount::parse("700").unwrap()),
            T0,
        )
        .unwrap();
    let s = p.settlement.clone().unwrap();
    assert!(s.partial);
    assert_eq!(s.payment_amount.to_string(), "700.00");
    assert_eq!(s.commission.to_string(), "21.00");
    assert_eq!(l.balance(&acc()).balance.to_string(), "779.00");
    assert_eq!(c.balances.len(), 1);
    assert!(p.card_mask.is_some());
    let fields = p.notification_fields();
    assert!(fields.contains(&("is_partial_payment".to_owned(), "1".to_owned())));
    assert!(fields.contains(&("payment_amount".to_owned(), "700.00".to_owned())));
    assert_eq!(
        l.finish_payment(p.id, PaymentStatus::Cancel, None, T0)
            .unwrap_err(),
        FinishError::AlreadyFinal(PaymentStatus::Paid)
    );
}

#[test]
fn transitions_are_checked() {
    let mut l = ledger(0);
    let (p, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    assert_eq!(
        l.finish_payment(
            p.id,
            PaymentStatus::Fail,
            Some(Amount::parse("1").unwrap()),
            T0
        )
        .unwrap_err(),
        FinishError::AmountWithoutPaid
    );
    assert_eq!(
        l.finish_payment(p.id, PaymentStatus::Wait, None, T0)
            .unwrap_err(),
        FinishError::NotFinal
    );
    assert_eq!(
        l.finish_payment(7, PaymentStatus::Paid, None, T0)
            .unwrap_err(),
        FinishError::NotFound("payment")
    );
}

#[test]
fn a_payin_may_be_overpaid_and_paid_after_cancel_but_never_twice() {
    let mut l = ledger(0);
    let (over, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    let (over, _) = l
        .finish_payment(
            over.id,
            PaymentStatus::Paid,
            Some(Amount::parse("11").unwrap()),
            T0,
        )
        .unwrap();
    let s = over.settlement.clone().unwrap();
    assert_eq!(s.payment_amount.to_string(), "11.00");
    assert!(!s.partial);
    let (late, _) = l
        .create_payment(acc(), new_payment("B", Method::CardTransfer, "10"), T0, "")
        .unwrap();
    l.finish_payment(late.id, PaymentStatus::Cancel, None, T0)
        .unwrap();
    let (late, _) = l
        .finish_payment(late.id, PaymentStatus::Paid, None, T0 + 1)
        .unwrap();
    assert_eq!(late.status, PaymentStatus::Paid);
    assert_eq!(
        l.finish_payment(late.id, PaymentStatus::Paid, None, T0 + 2)
            .unwrap_err(),
        FinishError::AlreadyFinal(PaymentStatus::Paid)
    );
    let (failed, _) = l
        .create_payment(acc(), new_payment("C", Method::Sbp, "10"), T0, "")
        .unwrap();
    l.finish_payment(failed.id, PaymentStatus::Fail, None, T0)
        .unwrap();
    assert_eq!(
        l.finish_payment(failed.id, PaymentStatus::Paid, None, T0)
            .unwrap_err(),
        FinishError::AlreadyFinal(PaymentStatus::Fail)
    );
}

#[test]
fn expiry_cancels_only_what_is_due() {
    let mut l = ledger(0);
    let (a, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    let mut long = new_payment("B", Method::Sbp, "10");
    long.lifetime = LifetimeSecs::new(3600).unwrap();
    let (b, _) = l.create_payment(acc(), long, T0, "").unwrap();
    assert!(l.expire(T0 + 899_999).0.is_empty());
    let (expired, changes) = l.expire(T0 + 900_000);
    assert_eq!(expired.iter().map(|p| p.id).collect::<Vec<_>>(), [a.id]);
    assert_eq!(expired[0].status, PaymentStatus::Cancel);
    assert_eq!(changes.payments.len(), 1);
    assert!(l.expire(T0 + 900_000).0.is_empty());
    assert_eq!(l.expire(T0 + 3_600_000).0[0].id, b.id);
}

#[test]
fn payouts_debit_at_creation_and_settle_or_refund() {
    let mut l = ledger(1_000);
    let err = l
        .create_payout(acc(), new_payout("X", "1000.01"), T0)
        .unwrap_err();
    assert_eq!(err.first("amount"), Some("Insufficient funds."));
    let (p1, _) = l.create_payout(acc(), new_payout("P1", "300"), T0).unwrap();
    let (p2, _) = l.create_payout(acc(), new_payout("P2", "200"), T0).unwrap();
    let b = l.balance(&acc());
    assert_eq!(
        (b.balance.to_string(), b.pending_payouts.to_string()),
        ("500.00".into(), "500.00".into())
    );
    let dup = l
        .create_payout(acc(), new_payout("P1", "1"), T0)
        .unwrap_err();
    assert_eq!(
        dup.first("order_id"),
        Some("The order id has already been taken.")
    );
    assert_eq!(
        l.finish_payout(
            p1.id,
            PaymentStatus::Paid,
            Some(Amount::parse("300.01").unwrap()),
            T0,
        )
        .unwrap_err(),
        FinishError::AmountTooLarge {
            paid: Amount::parse("300.01").unwrap(),
            amount: Amount::parse("300").unwrap()
        },
        "a payout never pays more than its amount"
    );
    l.finish_payout(
        p1.id,
        PaymentStatus::Paid,
        Some(Amount::parse("250").unwrap()),
        T0,
    )
    .unwrap();
    let (p2, _) = l
        .finish_payout(p2.id, PaymentStatus::Fail, None, T0)
        .unwrap();
    let b = l.balance(&acc());
    assert_eq!(
        (b.balance.to_string(), b.pending_payouts.to_string()),
        ("750.00".into(), "0.00".into())
    );
    assert_eq!(p2.balance_after.to_string(), "750.00");
    let status = l
        .find_payout(&acc(), &Lookup::Id(p1.id))
        .unwrap()
        .status_response()
        .unwrap();
    assert_eq!(status.is_partial_payment, Some(true));
    assert!(status.rrn.is_some());
}

#[test]
fn restore_keeps_ids_indexes_and_live_payments() {
    let mut l = ledger(10);
    let (p, _) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "")
        .unwrap();
    let (q, _) = l.create_payout(acc(), new_payout("P", "5"), T0).unwrap();
    let balances = HashMap::from([(acc(), l.balance(&acc()))]);
    let mut r = Ledger::restore(
        vec![p.clone()],
        vec![q.clone()],
        balances,
        Some(FIRST_ID + 2),
        &[(acc(), Money::ZERO)],
    );
    assert_eq!(r.balance(&acc()).balance.to_string(), "5.00");
    assert!(
        r.find_payout(&acc(), &Lookup::OrderId("P".into()))
            .is_some()
    );
    assert_eq!(r.expire(T0 + 900_000).0.len(), 1);
    let (n, _) = r
        .create_payment(acc(), new_payment("B", Method::Sbp, "10"), T0, "")
        .unwrap();
    assert_eq!(n.id, FIRST_ID + 2);
}

#[test]
fn history_pages_newest_first() {
    let mut l = ledger(0);
    for i in 0..5 {
        l.create_payment(
            acc(),
            new_payment(&format!("O{i}"), Method::Sbp, "10"),
            T0,
            "",
        )
        .unwrap();
    }
    let q = HistoryQuery {
        date_from: None,
        date_to: None,
        page: 2,
        per_page: 2,
    };
    let (items, total) = l.history(&acc(), &q);
    assert_eq!(total, 5);
    assert_eq!(
        items
            .iter()
            .map(|p| p.order_id.as_str())
            .collect::<Vec<_>>(),
        ["O2", "O1"]
    );
    let other = AccountUuid::from(uuid::Uuid::new_v4());
    assert_eq!(l.history(&other, &q).1, 0);
}

/// What a file store writes for each operation survives a restart: payments, payouts, the
/// balance they hold, and the next id (implied by the rows, or written when it is not).
#[tokio::test]
async fn a_restored_ledger_carries_on_where_the_stored_one_stopped() {
    use crate::sandbox::config::SandboxStorage;
    use crate::sandbox::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let storage = SandboxStorage::Sqlite(dir.path().join("sandbox.db"));
    let store = Store::open(&storage).await.unwrap();
    let mut l = ledger(1_000);
    let (a, c) = l
        .create_payment(acc(), new_payment("A", Method::Sbp, "10"), T0, "http://sb")
        .unwrap();
    store.save(&c).await.unwrap();
    let (b, c) = l.create_payout(acc(), new_payout("B", "7"), T0).unwrap();
    store.save(&c).await.unwrap();
    let (a, c) = l
        .finish_payment(a.id, PaymentStatus::Paid, None, T0)
        .unwrap();
    store.save(&c).await.unwrap();
    // An id handed out without a row of its own: only the stored next id keeps it.
    store
        .save(&Changes {
            next_id: Some(b.id + 5),
            ..Changes::default()
        })
        .await
        .unwrap();
    drop(store);

    let snapshot = Store::open(&storage).await.unwrap().load().await.unwrap();
    assert_eq!(snapshot.next_id, Some(b.id + 5));
    let mut restored = Ledger::restore(
        snapshot.payments,
        snapshot.payouts,
        snapshot.balances,
        snapshot.next_id,
        &[(acc(), Money::from_kopecks(1_000 * 100))],
    );
    assert_eq!(restored.payment(a.id).unwrap().status, PaymentStatus::Paid);
    assert_eq!(restored.balance(&acc()), l.balance(&acc()));
    let (d, _) = restored
        .create_payment(acc(), new_payment("D", Method::Sbp, "10"), T0, "http://sb")
        .unwrap();
    assert_eq!(d.id, b.id + 5);

    // Without that extra id, the rows alone give the next one: a created payment writes
    // one row and nothing else.
    let dir = tempfile::tempdir().unwrap();
    let storage = SandboxStorage::Sqlite(dir.path().join("sandbox.db"));
    let store = Store::open(&storage).await.unwrap();
    let mut l = ledger(1_000);
    let (p, c) = l
        .create_payment(acc(), new_payment("P", Method::Sbp, "10"), T0, "http://sb")
        .unwrap();
    store.save(&c).await.unwrap();
    let snapshot = store.load().await.unwrap();
    assert_eq!(snapshot.next_id, None, "no meta row for an implied id");
    let mut restored = Ledger::restore(
        snapshot.payments,
        snapshot.payouts,
        snapshot.balances,
        snapshot.next_id,
        &[],
    );
    let (q, _) = restored
        .create_payment(acc(), new_payment("Q", Method::Sbp, "10"), T0, "http://sb")
        .unwrap();
    assert_eq!(q.id, p.id + 1);
}
