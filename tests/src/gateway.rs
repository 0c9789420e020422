//! A standalone `alikassa-checkout sandbox` in its own process, configured into `serve` the
//! way a real gateway is: its URL, the Account and merchant key sets it made, its notification
//! public key. Used where the checkout must not run the emulator in-process (live mode,
//! several replicas sharing one gateway).
#![allow(clippy::unwrap_used, clippy::expect_used)] // set-up: a failure fails the run

use std::net::TcpListener;
use std::ops::Deref;
use std::path::PathBuf;

use crate::{Instance, TempDir, arg, temp_dir};

/// The running emulator (dereferences to its [`Instance`]: `base`, `report()`, …) and the
/// key sets it made, removed when it is dropped.
#[derive(Debug)]
pub struct StandaloneGateway {
    instance: Instance,
    keys: PathBuf,
    _dir: TempDir,
}

impl StandaloneGateway {
    /// Starts `sandbox --listen 127.0.0.1:0` with its keys in a fresh temporary directory and
    /// waits until it printed the Account.
    pub fn start() -> StandaloneGateway {
        let dir = temp_dir();
        let keys = dir.path().join("sandbox");
        let instance = Instance::start_until(
            &[
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--notification-key-dir",
                arg(&keys),
            ],
            &[],
            |lines| lines.iter().any(|l| l.starts_with("account: ")),
        );
        StandaloneGateway {
            instance,
            keys,
            _dir: dir,
        }
    }

    /// The `[gateway]` section of a `serve` config that talks to this emulator, with `extra`
    /// lines (e.g. `"timeout_secs = 2\n"`) at its end.
    pub fn config_section(&self, extra: &str) -> String {
        let merchant = self.keys.join("merchant");
        let account = std::fs::read_to_string(merchant.join("account.txt")).unwrap();
        format!(
            "[gateway]\nbase_url = \"{}/\"\naccount = \"{}\"\npayment_keys_dir = \"{}\"\n\
             payout_keys_dir = \"{}\"\nnotification_public_key = \"{}\"\n{extra}",
            self.instance.base,
            account.trim(),
            arg(&merchant.join("payment")),
            arg(&merchant.join("payout")),
            arg(&self.keys.join("public.pem")),
        )
    }
}

impl Deref for StandaloneGateway {
    type Target = Instance;

    fn deref(&self) -> &Instance {
        &self.instance
    }
}

/// A port free right now (for a replica that must know its public URL before it starts).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
