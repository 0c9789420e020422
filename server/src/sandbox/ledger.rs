//! The sandbox's state and its rules, in memory and synchronous: creating payments and
//! payouts, final transitions with their balance moves, expiry, look-ups. Every change is
//! returned as [`Changes`] so the caller can persist exactly what moved.
//!
//! Ids: one counter from 100 000 000 serves payments and payouts alike, so an id names one
//! thing (notifications and controls never mix them up).
//!
//! Long (~490 lines) on purpose: one state type whose every change is a balance move, kept in
//! one file so the invariants (ids unique, balances never negative, finals final) are checked
//! in one place; its tests are in `ledger/tests.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use shared::gateway::ValidationErrorBody;
use shared::{AccountUuid, Amount, Flow, Money, PaymentStatus};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::fixtures;
use super::model::{Balance, Payment, Payout, Settlement, payin_commission};
use super::validate::{HistoryQuery, Lookup, NewPayment, NewPayout};

/// The first id handed out.
pub(crate) const FIRST_ID: u64 = 100_000_000;

/// What one operation changed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Changes {
    pub payments: Vec<Payment>,
    pub payouts: Vec<Payout>,
    pub balances: Vec<(AccountUuid, Balance)>,
    pub next_id: Option<u64>,
}

/// Why a final transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FinishError {
    /// No such payment / payout.
    #[error("no {0} with this id")]
    NotFound(&'static str),
    /// It is already final; final statuses never change.
    #[error("it is already {0}; final statuses never change")]
    AlreadyFinal(PaymentStatus),
    /// `wait` is not a final status.
    #[error("wait is not a final status")]
    NotFinal,
    /// A partial amount was given for cancel / fail.
    #[error("a paid amount only goes with paid")]
    AmountWithoutPaid,
    /// The partial amount is above the amount.
    #[error("the paid amount {paid} is above the amount {amount}")]
    AmountTooLarge { paid: Amount, amount: Amount },
}

/// Payments, payouts and balances.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    payments: BTreeMap<u64, Payment>,
    payouts: BTreeMap<u64, Payout>,
    balances: HashMap<AccountUuid, Balance>,
    /// Payment ids per (account, order_id), oldest first.
    payment_orders: HashMap<(AccountUuid, String), Vec<u64>>,
    /// Payout ids per (account, order_id), oldest first.
    payout_orders: HashMap<(AccountUuid, String), Vec<u64>>,
    /// Waiting payments by expiry.
    live: BTreeSet<(i64, u64)>,
    next_id: u64,
}

impl Ledger {
    /// A ledger holding `payments`, `payouts` and `balances` (from storage); accounts missing
    /// from `balances` start at their `opening` balance.
    pub fn restore(
        payments: Vec<Payment>,
        payouts: Vec<Payout>,
        balances: HashMap<AccountUuid, Balance>,
        next_id: Option<u64>,
        opening: &[(AccountUuid, Money)],
    ) -> Ledger {
        let mut ledger = Ledger {
            balances,
            next_id: next_id.unwrap_or(FIRST_ID).max(FIRST_ID),
            ..Ledger::default()
        };
        for (account, balance) in opening {
            ledger.balances.entry(*account).or_insert(Balance {
                balance: *balance,
                pending_payouts: Money::ZERO,
            });
        }
        for p in payments {
            ledger.next_id = ledger.next_id.max(p.id + 1);
            ledger.index_payment(&p);
            ledger.payments.insert(p.id, p);
        }
        for p in payouts {
            ledger.next_id = ledger.next_id.max(p.id + 1);
            ledger
                .payout_orders
                .entry((p.account, p.order_id.clone()))
                .or_default()
                .push(p.id);
            ledger.payouts.insert(p.id, p);
        }
        ledger
    }

    fn index_payment(&mut self, p: &Payment) {
        self.payment_orders
            .entry((p.account, p.order_id.clone()))
            .or_default()
            .push(p.id);
        if p.status == PaymentStatus::Wait {
            self.live.insert((p.expires_at_ms, p.id));
        }
    }

    fn take_id(&mut self, changes: &mut Changes) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        changes.next_id = Some(self.next_id);
        id
    }

    /// The balance of `account` (zero for an unknown one).
    pub fn balance(&self, account: &AccountUuid) -> Balance {
        self.balances.get(account).copied().unwrap_or(Balance {
            balance: Money::ZERO,
            pending_payouts: Money::ZERO,
        })
    }

    /// Creates a pay-in; `page_base` is the sandbox's absolute base URL for `/pay/{uuid}`.
    /// Refuses an `order_id` that a waiting payment of the account already uses.
    pub fn create_payment(
        &mut self,
        account: AccountUuid,
        new: NewPayment,
        now_ms: i64,
        page_base: &str,
    ) -> Result<(Payment, Changes), ValidationErrorBody> {
        let key = (account, new.order_id.as_str().to_owned());
        let taken = self.payment_orders.get(&key).is_some_and(|ids| {
            ids.iter().any(|id| {
                self.payments
                    .get(id)
                    .is_some_and(|p| p.status == PaymentStatus::Wait)
            })
        });
        if taken {
            return Err(order_id_taken());
        }
        let mut changes = Changes::default();
        let id = self.take_id(&mut changes);
        let uuid = Uuid::new_v4();
        let url = match new.method.flow() {
            Flow::HostedForm | Flow::SberPay => Some(format!("{page_base}/pay/{uuid}")),
            Flow::Transfer => None,
        };
        let lifetime_ms = i64::from(new.lifetime.secs()) * 1000;
        let payment = Payment {
            id,
            uuid,
            account,
            order_id: new.order_id.into_inner(),
            service: new.service,
            method: new.method,
            amount: new.amount,
            customer_ip: new.customer_ip.to_string(),
            customer_user_id: new.customer_user_id.into_inner(),
            requisites: fixtures::requisites(id, new.method, new.customer_code.as_ref()),
            customer_code: new.customer_code.map(|c| c.as_str().to_owned()),
            desc: new.desc.map(|d| d.into_inner()),
            notification_url: new.notification_url.map(|u| u.as_str().to_owned()),
            notification_endpoint_id: new.notification_endpoint_id,
            success_url: new.success_url.map(|u| u.as_str().to_owned()),
            fail_url: new.fail_url.map(|u| u.as_str().to_owned()),
            url,
            status: PaymentStatus::Wait,
            created_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(lifetime_ms),
            settlement: None,
            card_mask: None,
            balance_before: None,
            balance_after: None,
        };
        self.index_payment(&payment);
        self.payments.insert(id, payment.clone());
        changes.payments.push(payment.clone());
        Ok((payment, changes))
    }

    /// Moves a waiting payment to a final status, or a cancelled one to `paid` (a late
    /// transfer). `paid` (only with `paid`) is the amount received, below the amount (partial)
    /// or above it. A paid payment credits the account with the paid amount minus commission.
    pub fn finish_payment(
        &mut self,
        id: u64,
        status: PaymentStatus,
        paid: Option<Amount>,
        now_ms: i64,
    ) -> Result<(Payment, Changes), FinishError> {
        let payment = self
            .payments
            .get(&id)
            .ok_or(FinishError::NotFound("payment"))?;
        let settlement = settle(payment.status, payment.amount, status, paid, now_ms, true)?;
        let account = payment.account;
        let mut changes = Changes::default();
        let mut credited = None;
        if status == PaymentStatus::Paid {
            let credit = settlement
                .payment_amount
                .checked_sub(settlement.commission)
                .unwrap_or(Money::ZERO);
            let balance = self.balances.entry(account).or_insert(Balance {
                balance: Money::ZERO,
                pending_payouts: Money::ZERO,
            });
            let before = balance.balance;
            balance.balance = before.checked_add(credit).unwrap_or(before);
            credited = Some((before, balance.balance));
            changes.balances.push((account, *balance));
        }
        let Some(payment) = self.payments.get_mut(&id) else {
            return Err(FinishError::NotFound("payment"));
        };
        self.live.remove(&(payment.expires_at_ms, id));
        payment.status = status;
        if status == PaymentStatus::Paid
            && matches!(
                payment.method,
                shared::Method::CardForm | shared::Method::CardTransfer
            )
        {
            payment.card_mask = Some(fixtures::payer_card_mask(id));
        }
        payment.settlement = Some(settlement);
        if let Some((before, after)) = credited {
            payment.balance_before = Some(before);
            payment.balance_after = Some(after);
        }
        changes.payments.push(payment.clone());
        Ok((payment.clone(), changes))
    }

    /// Cancels every waiting payment whose lifetime has passed at `now_ms`.
    pub fn expire(&mut self, now_ms: i64) -> (Vec<Payment>, Changes) {
        let due: Vec<u64> = self
            .live
            .range(..=(now_ms, u64::MAX))
            .map(|(_, id)| *id)
            .collect();
        let mut expired = Vec::new();
        let mut changes = Changes::default();
        for id in due {
            if let Ok((payment, c)) = self.finish_payment(id, PaymentStatus::Cancel, None, now_ms) {
                changes.payments.extend(c.payments);
                expired.push(payment);
            }
        }
        (expired, changes)
    }

    /// Creates a payout, debiting the account at once (shown as `pending_payouts`).
    /// Refuses a used `order_id` and an amount above the balance.
    pub fn create_payout(
        &mut self,
        account: AccountUuid,
        new: NewPayout,
        now_ms: i64,
    ) -> Result<(Payout, Changes), ValidationErrorBody> {
        let key = (account, new.order_id.as_str().to_owned());
        if self.payout_orders.contains_key(&key) {
            return Err(order_id_taken());
        }
        let mut balance = self.balance(&account);
        let amount = Money::from(new.amount);
        let before = balance.balance;
        let Some(after) = before.checked_sub(amount).filter(|a| !a.is_negative()) else {
            let mut body = ValidationErrorBody::new();
            body.add("amount", "Insufficient funds.");
            return Err(body);
        };
        balance.balance = after;
        balance.pending_payouts = balance
            .pending_payouts
            .checked_add(amount)
            .unwrap_or(balance.pending_payouts);
        let mut changes = Changes::default();
        let id = self.take_id(&mut changes);
        let payout = Payout {
            id,
            account,
            order_id: new.order_id.into_inner(),
            service: new.service,
            kind: new.kind,
            amount: new.amount,
            number: new.number,
            customer_code: new.customer_code,
            bik_bank: new.bik_bank,
            notification_url: new.notification_url.map(|u| u.as_str().to_owned()),
            notification_endpoint_id: new.notification_endpoint_id,
            status: PaymentStatus::Wait,
            created_at_ms: now_ms,
            settlement: None,
            balance_before: before,
            balance_after: after,
        };
        self.balances.insert(account, balance);
        self.payout_orders.entry(key).or_default().push(id);
        self.payouts.insert(id, payout.clone());
        changes.balances.push((account, balance));
        changes.payouts.push(payout.clone());
        Ok((payout, changes))
    }

    /// Moves a waiting payout to a final status: `paid` settles the debit (returning what a
    /// partial payout did not pay), `cancel` / `fail` return the whole amount.
    pub fn finish_payout(
        &mut self,
        id: u64,
        status: PaymentStatus,
        paid: Option<Amount>,
        now_ms: i64,
    ) -> Result<(Payout, Changes), FinishError> {
        let payout = self
            .payouts
            .get(&id)
            .ok_or(FinishError::NotFound("payout"))?;
        let settlement = settle(payout.status, payout.amount, status, paid, now_ms, false)?;
        let amount = Money::from(payout.amount);
        let refund = amount
            .checked_sub(settlement.payment_amount)
            .unwrap_or(Money::ZERO);
        let account = payout.account;
        let mut balance = self.balance(&account);
        let before = balance.balance;
        balance.balance = before.checked_add(refund).unwrap_or(before);
        balance.pending_payouts = balance
            .pending_payouts
            .checked_sub(amount)
            .unwrap_or(Money::ZERO);
        self.balances.insert(account, balance);
        let Some(payout) = self.payouts.get_mut(&id) else {
            return Err(FinishError::NotFound("payout"));
        };
        payout.status = status;
        payout.settlement = Some(settlement);
        if refund != Money::ZERO {
            payout.balance_before = before;
            payout.balance_after = balance.balance;
        }
        let changes = Changes {
            payouts: vec![payout.clone()],
            balances: vec![(account, balance)],
            ..Changes::default()
        };
        Ok((payout.clone(), changes))
    }

    /// A payment of `account` by id or order id (the latest with that order id).
    pub fn find_payment(&self, account: &AccountUuid, lookup: &Lookup) -> Option<&Payment> {
        match lookup {
            Lookup::Id(id) => self.payments.get(id).filter(|p| p.account == *account),
            Lookup::OrderId(order_id) => self
                .payment_orders
                .get(&(*account, order_id.clone()))
                .and_then(|ids| ids.last())
                .and_then(|id| self.payments.get(id)),
            Lookup::Nothing => None,
        }
    }

    /// A payout of `account` by id or order id.
    pub fn find_payout(&self, account: &AccountUuid, lookup: &Lookup) -> Option<&Payout> {
        match lookup {
            Lookup::Id(id) => self.payouts.get(id).filter(|p| p.account == *account),
            Lookup::OrderId(order_id) => self
                .payout_orders
                .get(&(*account, order_id.clone()))
                .and_then(|ids| ids.last())
                .and_then(|id| self.payouts.get(id)),
            Lookup::Nothing => None,
        }
    }

    /// Any payment by id.
    pub fn payment(&self, id: u64) -> Option<&Payment> {
        self.payments.get(&id)
    }

    /// Any payment by uuid.
    pub fn payment_by_uuid(&self, uuid: &Uuid) -> Option<&Payment> {
        self.payments.values().find(|p| p.uuid == *uuid)
    }

    /// Any payout by id.
    pub fn payout(&self, id: u64) -> Option<&Payout> {
        self.payouts.get(&id)
    }

    /// Payments, oldest first, optionally only those with `order_id`.
    pub fn payments(&self, order_id: Option<&str>) -> Vec<&Payment> {
        self.payments
            .values()
            .filter(|p| order_id.is_none_or(|o| p.order_id == o))
            .collect()
    }

    /// Payouts, oldest first, optionally only those with `order_id`.
    pub fn payouts(&self, order_id: Option<&str>) -> Vec<&Payout> {
        self.payouts
            .values()
            .filter(|p| order_id.is_none_or(|o| p.order_id == o))
            .collect()
    }

    /// One history page of `account`'s payments, newest first, and the total matching.
    pub fn history(&self, account: &AccountUuid, q: &HistoryQuery) -> (Vec<&Payment>, u64) {
        let day = |ms: i64| -> Option<Date> {
            OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
                .ok()
                .map(OffsetDateTime::date)
        };
        let matching: Vec<&Payment> = self
            .payments
            .values()
            .rev()
            .filter(|p| p.account == *account)
            .filter(|p| {
                let d = day(p.created_at_ms);
                q.date_from.is_none_or(|from| d.is_some_and(|d| d >= from))
                    && q.date_to.is_none_or(|to| d.is_some_and(|d| d <= to))
            })
            .collect();
        let total = u64::try_from(matching.len()).unwrap_or(u64::MAX);
        let skip = usize::try_from((q.page - 1).saturating_mul(q.per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(q.per_page).unwrap_or(usize::MAX);
        (matching.into_iter().skip(skip).take(take).collect(), total)
    }
}

fn order_id_taken() -> ValidationErrorBody {
    let mut body = ValidationErrorBody::new();
    body.add("order_id", "The order id has already been taken.");
    body
}

/// The settlement of a transition from `current` to `next`, or why it is refused.
/// Pay-ins pay commission; payouts (as configured here) do not. A pay-in may be paid more
/// than its amount (the payer sent more), and a cancelled one may still be paid (a transfer
/// that arrived after the gateway gave up on it); a payout never pays more than its amount.
fn settle(
    current: PaymentStatus,
    amount: Amount,
    next: PaymentStatus,
    paid: Option<Amount>,
    now_ms: i64,
    payin: bool,
) -> Result<Settlement, FinishError> {
    let late_transfer = payin && current == PaymentStatus::Cancel && next == PaymentStatus::Paid;
    if current.is_final() && !late_transfer {
        return Err(FinishError::AlreadyFinal(current));
    }
    match next {
        PaymentStatus::Wait => Err(FinishError::NotFinal),
        PaymentStatus::Cancel | PaymentStatus::Fail => match paid {
            Some(_) => Err(FinishError::AmountWithoutPaid),
            None => Ok(Settlement {
                finished_at_ms: now_ms,
                payment_amount: Money::ZERO,
                commission: Money::ZERO,
                partial: false,
            }),
        },
        PaymentStatus::Paid => {
            let paid = paid.unwrap_or(amount);
            if !payin && paid > amount {
                return Err(FinishError::AmountTooLarge { paid, amount });
            }
            let paid_money = Money::from(paid);
            Ok(Settlement {
                finished_at_ms: now_ms,
                payment_amount: paid_money,
                commission: if payin {
                    payin_commission(paid_money)
                } else {
                    Money::ZERO
                },
                partial: paid < amount,
            })
        }
    }
}

#[cfg(test)]
mod tests;
