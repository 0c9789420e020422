//! The sandbox: a faithful, stateful emulator of the AliKassa `api-merchant` gateway
//! (`alikassa-api.md`), so the checkout is built, demonstrated and tested on one machine.
//!
//! * Gateway paths at the router's root — `POST /v1/payment`, `/v1/payment/status`,
//!   `/v1/payment/history`, `/v1/payout`, `/v1/payout/status`, `/v1/account/balance`,
//!   `/v1/account/info` — authenticated ([`auth`]) and validated ([`validate`]) like the
//!   gateway, answering its shapes ([`wire`]).
//! * State ([`ledger`]) in memory or SQLite ([`store`]); expiry by a controllable clock
//!   ([`SandboxClock`], in [`crate::clock`]); notifications with retries ([`notify`]); fault switches ([`faults`]).
//! * Hosted pages `/pay/{uuid}` ([`pages`]) and scenario controls `/control/…` ([`control`]),
//!   which have no authentication: the sandbox is for test machines only.
//!
//! Mount it with `Router::nest("/sandbox", sandbox.router())` or serve it alone.

mod auth;
pub mod config;
mod control;
pub mod error;
pub mod faults;
mod fixtures;
mod gateway;
mod ledger;
mod model;
pub mod notify;
mod pages;
mod store;
mod validate;
mod wire;

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Uri};
use shared::{AccountUuid, Amount, PaymentStatus};
use tokio::sync::{Mutex, MutexGuard, watch};

pub use crate::clock::SandboxClock;
pub use crate::signing::DigestMode;
pub use config::{SandboxAccount, SandboxConfig, SandboxStorage};
pub use error::SandboxError;
pub use faults::{FaultEvent, FaultPatch, FaultSettings};
pub use notify::Delivery;

use error::GatewayError;
use faults::Faults;
use ledger::{FinishError, Ledger};
use model::{Kind, Payment, Payout};
use notify::Notifier;
use store::Store;
use validate::{NewPayment, NewPayout};

/// How often the expiry task looks for payments whose lifetime has passed (real time).
const EXPIRY_TICK: Duration = Duration::from_millis(500);

/// A running sandbox. Cheap to clone (an `Arc` inside); its background tasks (expiry,
/// notifications) stop when the last clone is dropped or [`Sandbox::shutdown`] is called.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    accounts: Vec<SandboxAccount>,
    digest: DigestMode,
    ledger: Mutex<Ledger>,
    store: Store,
    clock: SandboxClock,
    faults: Arc<Faults>,
    notifier: Notifier,
    public_base_url: Option<String>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("accounts", &self.inner.accounts.len())
            .field("digest", &self.inner.digest)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Opens storage, restores what it holds, and starts the expiry and notification tasks
    /// (on the current tokio runtime).
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if config.accounts.is_empty() {
            return Err(SandboxError::Config(
                "at least one account is needed".to_owned(),
            ));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = config.accounts.iter().find(|a| !seen.insert(a.uuid)) {
            return Err(SandboxError::Config(format!(
                "account {} is configured twice",
                dup.uuid
            )));
        }
        let store = Store::open(&config.storage).await?;
        let snapshot = store.load().await?;
        let clock = SandboxClock::new();
        if let Some(offset) = snapshot.clock_offset_ms {
            clock.restore_offset_ms(offset);
        }
        let opening: Vec<(AccountUuid, shared::Money)> = config
            .accounts
            .iter()
            .map(|a| (a.uuid, a.balance))
            .collect();
        let restored = (snapshot.payments.len(), snapshot.payouts.len());
        let ledger = Ledger::restore(
            snapshot.payments,
            snapshot.payouts,
            snapshot.balances,
            snapshot.next_id,
            &opening,
        );
        let faults = Arc::new(Faults::new(config.faults));
        let notifier = Notifier::start(
            config.notification_key,
            config.notification_digest,
            Arc::clone(&faults),
            clock.clone(),
        );
        let (shutdown, _) = watch::channel(false);
        let sandbox = Sandbox {
            inner: Arc::new(Inner {
                accounts: config.accounts,
                digest: config.digest,
                ledger: Mutex::new(ledger),
                store,
                clock,
                faults,
                notifier,
                public_base_url: config
                    .public_base_url
                    .map(|u| u.trim_end_matches('/').to_owned()),
                shutdown,
            }),
        };
        tracing::info!(
            accounts = sandbox.inner.accounts.len(),
            digest = config.digest.as_str(),
            restored_payments = restored.0,
            restored_payouts = restored.1,
            "sandbox started"
        );
        tokio::spawn(expiry_task(Arc::downgrade(&sandbox.inner)));
        // Payments that expired while the sandbox was down are cancelled at once.
        sandbox.expire_due().await;
        Ok(sandbox)
    }

    /// The sandbox's routes: gateway paths at the root (`/v1/payment` …), `/control/…` and
    /// `/pay/{uuid}`. Nest it anywhere: links it makes follow the prefix.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(gateway::routes(self.clone()))
            .merge(control::routes())
            .merge(pages::routes())
            .with_state(self.clone())
    }

    /// The controllable clock.
    pub fn clock(&self) -> &SandboxClock {
        &self.inner.clock
    }

    /// Ends held (`timeout_next`) answers and the expiry task; call before a graceful
    /// server shutdown so no request waits for its hold to run out.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Resolves once [`Sandbox::shutdown`] was called.
    pub(crate) async fn shutting_down(&self) {
        let mut rx = self.inner.shutdown.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }

    fn accounts(&self) -> &[SandboxAccount] {
        &self.inner.accounts
    }

    fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    fn notifier(&self) -> &Notifier {
        &self.inner.notifier
    }

    async fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.inner.ledger.lock().await
    }

    /// The sandbox's absolute base URL for links in answers (`{base}/pay/{uuid}`): the
    /// configured one, else `http(s)://{Host}{nest prefix}` of this request.
    fn base_url(&self, headers: &HeaderMap, original: &Uri, uri: &Uri) -> String {
        if let Some(base) = &self.inner.public_base_url {
            return base.clone();
        }
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        let prefix = original
            .path()
            .strip_suffix(uri.path())
            .unwrap_or_default()
            .trim_end_matches('/');
        format!("{scheme}://{host}{prefix}")
    }

    async fn create_payment(
        &self,
        account: AccountUuid,
        new: NewPayment,
        page_base: &str,
    ) -> Result<Payment, GatewayError> {
        let mut ledger = self.ledger().await;
        let (payment, changes) =
            ledger.create_payment(account, new, self.inner.clock.now_ms(), page_base)?;
        self.inner.store.save(&changes).await?;
        tracing::info!(id = payment.id, order_id = %payment.order_id, service = %payment.service, amount = %payment.amount, "sandbox payment created");
        Ok(payment)
    }

    async fn create_payout(
        &self,
        account: AccountUuid,
        new: NewPayout,
    ) -> Result<Payout, GatewayError> {
        let mut ledger = self.ledger().await;
        let (payout, changes) = ledger.create_payout(account, new, self.inner.clock.now_ms())?;
        self.inner.store.save(&changes).await?;
        tracing::info!(id = payout.id, order_id = %payout.order_id, service = %payout.service, amount = %payout.amount, "sandbox payout created");
        Ok(payout)
    }

    /// Moves payment `id` to `status` (a partial `paid` amount optional) and notifies.
    async fn finish_payment(
        &self,
        id: u64,
        status: PaymentStatus,
        paid: Option<Amount>,
    ) -> Result<Payment, Finish> {
        let payment = {
            let mut ledger = self.ledger().await;
            let (payment, changes) =
                ledger.finish_payment(id, status, paid, self.inner.clock.now_ms())?;
            self.inner.store.save(&changes).await?;
            payment
        };
        self.notify_payment(&payment);
        Ok(payment)
    }

    /// Moves payout `id` to `status` and notifies.
    async fn finish_payout(
        &self,
        id: u64,
        status: PaymentStatus,
        paid: Option<Amount>,
    ) -> Result<Payout, Finish> {
        let payout = {
            let mut ledger = self.ledger().await;
            let (payout, changes) =
                ledger.finish_payout(id, status, paid, self.inner.clock.now_ms())?;
            self.inner.store.save(&changes).await?;
            payout
        };
        tracing::info!(id, status = status.as_str(), "sandbox payout finished");
        self.notifier().send(
            Kind::Payout,
            payout.id,
            payout.notification_url.as_deref(),
            payout.notification_fields(),
        );
        Ok(payout)
    }

    fn notify_payment(&self, payment: &Payment) {
        tracing::info!(
            id = payment.id,
            status = payment.status.as_str(),
            "sandbox payment finished"
        );
        self.notifier().send(
            Kind::Payment,
            payment.id,
            payment.notification_url.as_deref(),
            payment.notification_fields(),
        );
    }

    /// Cancels the payments whose lifetime has passed; returns how many.
    async fn expire_due(&self) -> usize {
        self.advance_and_expire(0).await
    }

    /// Moves the clock `secs` forward and cancels what expired, as one step: the ledger is
    /// locked first, so the expiry task cannot take (and the caller miscount) the payments
    /// in between. Returns how many expired.
    async fn advance_and_expire(&self, secs: u64) -> usize {
        let expired = {
            let mut ledger = self.ledger().await;
            if secs > 0 {
                self.inner.clock.advance_quietly(secs);
            }
            let (expired, changes) = ledger.expire(self.inner.clock.now_ms());
            if let Err(e) = self.inner.store.save(&changes).await {
                tracing::error!(error = %e, "sandbox: cannot store expired payments");
            }
            expired
        };
        for payment in &expired {
            self.notify_payment(payment);
        }
        expired.len()
    }

    /// Sandbox time now, RFC 3339.
    fn now_rfc3339(&self) -> String {
        self.inner
            .clock
            .now()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// Logs an applied fault.
    fn record_fault(&self, kind: &'static str, target: &str, detail: String) {
        self.faults()
            .record(self.now_rfc3339(), kind, target, detail);
    }

    /// Persists the clock offset (SQLite storage).
    async fn save_clock(&self) {
        if let Err(e) = self
            .inner
            .store
            .save_clock(self.inner.clock.offset_ms())
            .await
        {
            tracing::error!(error = %e, "sandbox: cannot store the clock offset");
        }
    }
}

/// A refused or failed final transition.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Finish {
    #[error(transparent)]
    Refused(#[from] FinishError),
    #[error(transparent)]
    Storage(#[from] SandboxError),
}

/// Cancels expired payments every [`EXPIRY_TICK`] and right after the clock jumps; ends with
/// the sandbox.
async fn expiry_task(inner: Weak<Inner>) {
    let (clock, mut shutdown) = match inner.upgrade() {
        Some(i) => (i.clock.clone(), i.shutdown.subscribe()),
        None => return,
    };
    let mut saved_offset = clock.offset_ms();
    loop {
        tokio::select! {
            () = tokio::time::sleep(EXPIRY_TICK) => {}
            () = clock.advanced() => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        let Some(inner) = inner.upgrade() else { return };
        let sandbox = Sandbox { inner };
        sandbox.expire_due().await;
        if clock.offset_ms() != saved_offset {
            saved_offset = clock.offset_ms();
            sandbox.save_clock().await;
        }
    }
}
