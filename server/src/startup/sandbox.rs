//! Sandbox mode set-up: key sets made on first start in the data dir (the vendor's layout),
//! an Account UUID made once, and the emulator started over its own SQLite file.
//!
//! Layout under the data dir:
//! * `keys/payment/`, `keys/payout/` — the merchant's key sets (`private.pem`,
//!   `password.txt`, `public.pem`); the emulator gets the public halves;
//! * `sandbox/notification/` — the emulator's notification key set; the checkout verifies
//!   notifications with its `public.pem`;
//! * `sandbox/account` — the Account UUID; `sandbox/sandbox.db` — the emulator's state.

use std::path::Path;

use shared::AccountUuid;

use super::StartupError;
use crate::config::SandboxSettings;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxStorage};
use crate::signing::{GeneratedKeys, KeySet, PRIVATE_PEM};

/// Key size of generated sets.
const BITS: u32 = 2048;

/// What sandbox mode runs with.
#[derive(Debug)]
pub struct SandboxSetup {
    /// The running emulator.
    pub sandbox: Sandbox,
    /// The merchant's Account UUID at the emulator.
    pub account: AccountUuid,
    /// Signs pay-in calls.
    pub payment: KeySet,
    /// Signs payout calls.
    pub payout: KeySet,
    /// The emulator's notification key set (the checkout uses its public half).
    pub notification: KeySet,
}

/// Makes what is missing and starts the emulator; `public_base` is how browsers reach this
/// server (for the emulator's hosted pages).
pub async fn prepare(
    data_dir: &Path,
    settings: &SandboxSettings,
    public_base: &str,
) -> Result<SandboxSetup, StartupError> {
    let payment = key_set(&data_dir.join("keys").join("payment"))?;
    let payout = key_set(&data_dir.join("keys").join("payout"))?;
    let sandbox_dir = data_dir.join("sandbox");
    let notification = key_set(&sandbox_dir.join("notification"))?;
    let account = account(&sandbox_dir.join("account"))?;
    let mut config = SandboxConfig::single_account(
        account,
        payment.public().clone(),
        payout.public().clone(),
        notification.private().clone(),
    );
    config.digest = settings.accepts;
    config.storage = SandboxStorage::Sqlite(sandbox_dir.join("sandbox.db"));
    config.public_base_url = Some(format!("{public_base}/sandbox"));
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| StartupError::Sandbox(e.to_string()))?;
    Ok(SandboxSetup {
        sandbox,
        account,
        payment,
        payout,
        notification,
    })
}

/// Loads the key set in `dir`, generating it first when there is none.
fn key_set(dir: &Path) -> Result<KeySet, StartupError> {
    if !dir.join(PRIVATE_PEM).exists() {
        tracing::info!(dir = %dir.display(), "generating a sandbox key set");
        GeneratedKeys::generate(BITS)
            .and_then(|keys| keys.write_to(dir, false))
            .map_err(|e| StartupError::Keys(e.to_string()))?;
    }
    KeySet::load(dir).map_err(|e| StartupError::Keys(e.to_string()))
}

/// The Account UUID stored in `path`, made on first start.
fn account(path: &Path) -> Result<AccountUuid, StartupError> {
    let io = |e: std::io::Error| StartupError::Io(format!("{}: {e}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => AccountUuid::parse(text.trim())
            .map_err(|e| StartupError::Keys(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let account = AccountUuid::from(uuid::Uuid::new_v4());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(path, format!("{account}\n")).map_err(io)?;
            Ok(account)
        }
        Err(e) => Err(io(e)),
    }
}
