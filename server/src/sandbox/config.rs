//! What a sandbox is started with: accounts, the digest it verifies, the notification key,
//! storage and the initial fault switches. Key files are loaded by the caller (the `sandbox`
//! CLI or `serve`), never by the router.

use std::path::PathBuf;

use shared::{AccountUuid, Method, Money, PayoutKind};

use super::faults::FaultSettings;
use crate::signing::{Digest, DigestMode, PrivateKey, PublicKey};

/// Where payments, payouts, balances and counters are kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum SandboxStorage {
    /// In memory: everything is gone when the process ends.
    #[default]
    Memory,
    /// A SQLite file (created if missing), so a restarted sandbox still knows its state.
    Sqlite(PathBuf),
}

/// One merchant account the sandbox knows (the `Account` header selects it).
#[derive(Debug, Clone)]
pub struct SandboxAccount {
    /// The account UUID clients send in the `Account` header.
    pub uuid: AccountUuid,
    /// Verifies `v1/payment`, `v1/payment/status`, `v1/payment/history`.
    pub payment_key: PublicKey,
    /// Verifies `v1/payout`, `v1/payout/status`, `v1/account/balance`, `v1/account/info`.
    pub payout_key: PublicKey,
    /// Services the account may use (pay-in and payout service codes, default names or known
    /// aliases); `None` = the six RU-4 pay-in services and the three payouts.
    pub services: Option<Vec<String>>,
    /// Starting balance (used when the account is not yet in storage).
    pub balance: Money,
}

impl SandboxAccount {
    /// Whether pay-in `method` is enabled for this account.
    pub fn allows_method(&self, method: Method) -> bool {
        match &self.services {
            None => true,
            Some(list) => list.iter().any(|s| Method::for_service(s) == Some(method)),
        }
    }

    /// Whether payout `kind` is enabled for this account.
    pub fn allows_payout(&self, kind: PayoutKind) -> bool {
        match &self.services {
            None => true,
            Some(list) => list
                .iter()
                .any(|s| PayoutKind::for_service(s) == Some(kind)),
        }
    }
}

/// Everything [`Sandbox::start`](super::Sandbox::start) needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The merchant accounts (at least one).
    pub accounts: Vec<SandboxAccount>,
    /// How incoming `Sign` headers are verified.
    pub digest: DigestMode,
    /// Signs notifications and success / fail redirect forms (the gateway's key).
    pub notification_key: PrivateKey,
    /// Digest of notification and redirect signatures.
    pub notification_digest: Digest,
    /// Memory or a SQLite file.
    pub storage: SandboxStorage,
    /// Initial fault switches and notification schedule (changeable at `/control/faults`).
    pub faults: FaultSettings,
    /// Absolute base URL of the sandbox as payers' browsers reach it, e.g.
    /// `http://127.0.0.1:8080/sandbox`; `None` = derived per request from `Host` and the
    /// prefix the router is nested under.
    pub public_base_url: Option<String>,
}

impl SandboxConfig {
    /// Starting balance of accounts made by [`SandboxConfig::single_account`]: 100 000 RUB.
    pub const DEFAULT_BALANCE: Money = Money::from_kopecks(10_000_000);

    /// One account with every service and [`Self::DEFAULT_BALANCE`], SHA-1 everywhere, memory
    /// storage, no faults; adjust the public fields afterwards.
    pub fn single_account(
        uuid: AccountUuid,
        payment_key: PublicKey,
        payout_key: PublicKey,
        notification_key: PrivateKey,
    ) -> SandboxConfig {
        SandboxConfig {
            accounts: vec![SandboxAccount {
                uuid,
                payment_key,
                payout_key,
                services: None,
                balance: Self::DEFAULT_BALANCE,
            }],
            digest: DigestMode::default(),
            notification_key,
            notification_digest: Digest::default(),
            storage: SandboxStorage::Memory,
            faults: FaultSettings::default(),
            public_base_url: None,
        }
    }
}
