//! `sandbox`: the gateway emulator alone, serving the gateway paths at the root like the real
//! host, so a client's base URL is simply `http://ADDR/`.
//!
//! Keys are loaded here, never by the router: the accounts' public keys (flags or a TOML
//! config with several accounts) and the notification key set, generated on first start. With
//! no account given, a demo merchant (account UUID and both key sets) is generated beside the
//! notification keys, so `alikassa-checkout sandbox` alone is enough to try it.
//!
//! Start-up prints, one line each, stable for scripts: `listening on http://ADDR`,
//! `notification public key: PATH`, and `account: UUID payment-key: FILE payout-key: FILE`
//! per account. Ctrl-C / SIGTERM shut down gracefully.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use serde::Deserialize;
use shared::{AccountUuid, Money};

use crate::sandbox::{
    DigestMode, FaultSettings, Sandbox, SandboxAccount, SandboxConfig, SandboxStorage,
};
use crate::signing::PUBLIC_PEM;
use crate::signing::{Digest, GeneratedKeys, KeySet, PublicKey};

/// Options of `alikassa-checkout sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on (`127.0.0.1:0` picks a free port; the line `listening on …`
    /// tells which).
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Account UUID clients send in the `Account` header.
    #[arg(long, value_name = "UUID", requires_all = ["payment_public_key", "payout_public_key"])]
    pub account: Option<AccountUuid>,
    /// The account's payment public.pem (verifies v1/payment*).
    #[arg(long, value_name = "FILE", requires = "account")]
    pub payment_public_key: Option<PathBuf>,
    /// The account's payout public.pem (verifies v1/payout*, v1/account/*).
    #[arg(long, value_name = "FILE", requires = "account")]
    pub payout_public_key: Option<PathBuf>,
    /// Starting balance of the --account (rubles).
    #[arg(long, default_value = "100000.00", value_name = "RUB")]
    pub balance: Money,
    /// Digest accepted in `Sign` headers: sha1 (the gateway's), sha256, or any.
    #[arg(long, value_enum, default_value_t = DigestMode::Sha1)]
    pub digest: DigestMode,
    /// Directory of the notification key set (private.pem, password.txt, public.pem);
    /// generated there if absent.
    #[arg(long, default_value = "sandbox-keys", value_name = "DIR")]
    pub notification_key_dir: PathBuf,
    /// Digest of notification and redirect signatures.
    #[arg(long, value_enum, default_value_t = Digest::Sha1)]
    pub notification_digest: Digest,
    /// Keep payments, payouts, balances and counters in this SQLite file (memory otherwise).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// TOML file with several accounts (`[[accounts]]` uuid, payment_public_key,
    /// payout_public_key, optional services and balance; paths relative to the file).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Base URL payers' browsers reach the sandbox at, for `/pay/…` links (default: taken
    /// from each request's Host).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub faults: FaultArgs,
}

/// Initial fault switches and notification schedule (all changeable at `/control/faults`).
#[derive(Debug, Args)]
pub struct FaultArgs {
    /// Milliseconds added to every gateway call.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Answer 500/502/503 to the next N gateway calls.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fail_next: u32,
    /// With --fail-next: the call takes effect before the 5xx is answered.
    #[arg(long)]
    pub fail_next_after_commit: bool,
    /// The next N gateway calls take effect, then their answer is held (client timeout).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub timeout_next: u32,
    /// How long a --timeout-next answer is held.
    #[arg(long, default_value_t = 120_000, value_name = "MS")]
    pub timeout_hold_ms: u64,
    /// The next N gateway calls take effect and answer 200 with broken JSON.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub malformed_next: u32,
    /// `v1/payout/status` by order_id answers 404 for payouts younger than this (sandbox clock).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub hide_payouts_from_lookup_ms: u64,
    /// The next N notifications are not sent.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub drop_notifications: u32,
    /// The next N notifications are sent twice.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub duplicate_notifications: u32,
    /// First notification retry delay (doubles per try).
    #[arg(long, default_value_t = 1_000, value_name = "MS")]
    pub notify_retry_base_ms: u64,
    /// Largest notification retry delay.
    #[arg(long, default_value_t = 60_000, value_name = "MS")]
    pub notify_retry_max_ms: u64,
    /// Tries per notification.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub notify_max_attempts: u32,
}

impl FaultArgs {
    fn settings(&self) -> FaultSettings {
        FaultSettings {
            latency_ms: self.latency_ms,
            fail_next: self.fail_next,
            fail_next_after_commit: self.fail_next_after_commit,
            timeout_next: self.timeout_next,
            timeout_hold_ms: self.timeout_hold_ms,
            malformed_next: self.malformed_next,
            hide_payouts_from_lookup_ms: self.hide_payouts_from_lookup_ms,
            drop_notifications: self.drop_notifications,
            duplicate_notifications: self.duplicate_notifications,
            notify_retry_base_ms: self.notify_retry_base_ms,
            notify_retry_max_ms: self.notify_retry_max_ms,
            notify_max_attempts: self.notify_max_attempts.max(1),
        }
    }
}

/// The `--config` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    accounts: Vec<AccountEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountEntry {
    uuid: AccountUuid,
    payment_public_key: PathBuf,
    payout_public_key: PathBuf,
    services: Option<Vec<String>>,
    balance: Option<Money>,
}

/// One line printed per account.
struct AccountLine {
    uuid: AccountUuid,
    payment: PathBuf,
    payout: PathBuf,
}

pub(super) fn sandbox(args: &SandboxArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, out))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Another subcommand or a test may have installed one already.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve(args: &SandboxArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let notification = notification_keys(&args.notification_key_dir)?;
    let (accounts, lines) = accounts(args)?;
    let config = SandboxConfig {
        accounts,
        digest: args.digest,
        notification_key: notification.private().clone(),
        notification_digest: args.notification_digest,
        storage: args
            .db
            .clone()
            .map_or(SandboxStorage::Memory, SandboxStorage::Sqlite),
        faults: args.faults.settings(),
        public_base_url: args.public_url.clone(),
    };
    let sandbox = Sandbox::start(config).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let public_pem = absolute(&notification.dir().join(PUBLIC_PEM));
    writeln!(out, "listening on http://{addr}")?;
    writeln!(out, "notification public key: {}", public_pem.display())?;
    for line in &lines {
        writeln!(
            out,
            "account: {} payment-key: {} payout-key: {}",
            line.uuid,
            line.payment.display(),
            line.payout.display()
        )?;
    }
    out.flush()?;

    let app = sandbox
        .router()
        .layer(tower_http::trace::TraceLayer::new_for_http());
    let stopping = sandbox.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            stopping.shutdown();
        })
        .await
        .context("the server failed")?;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Loads the key set in `dir`, generating it first when `dir` has no `private.pem`.
fn load_or_generate(dir: &Path, what: &str) -> anyhow::Result<KeySet> {
    if !dir.join(crate::signing::PRIVATE_PEM).exists() {
        GeneratedKeys::generate(2048)?
            .write_to(dir, false)
            .with_context(|| format!("cannot write the {what} key set"))?;
        tracing::info!(dir = %dir.display(), "generated the {what} key set");
    }
    KeySet::load(dir).with_context(|| format!("cannot load the {what} key set"))
}

fn notification_keys(dir: &Path) -> anyhow::Result<KeySet> {
    load_or_generate(dir, "notification")
}

fn public_key(path: &Path) -> anyhow::Result<PublicKey> {
    PublicKey::load(path).with_context(|| format!("cannot load the public key {}", path.display()))
}

/// The accounts of the flags and the config file, or a generated demo merchant.
fn accounts(args: &SandboxArgs) -> anyhow::Result<(Vec<SandboxAccount>, Vec<AccountLine>)> {
    let mut accounts = Vec::new();
    let mut lines = Vec::new();
    if let (Some(uuid), Some(payment), Some(payout)) = (
        args.account,
        &args.payment_public_key,
        &args.payout_public_key,
    ) {
        accounts.push(SandboxAccount {
            uuid,
            payment_key: public_key(payment)?,
            payout_key: public_key(payout)?,
            services: None,
            balance: args.balance,
        });
        lines.push(AccountLine {
            uuid,
            payment: absolute(payment),
            payout: absolute(payout),
        });
    }
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: ConfigFile =
            toml::from_str(&text).with_context(|| format!("invalid {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for entry in file.accounts {
            let payment = base.join(&entry.payment_public_key);
            let payout = base.join(&entry.payout_public_key);
            accounts.push(SandboxAccount {
                uuid: entry.uuid,
                payment_key: public_key(&payment)?,
                payout_key: public_key(&payout)?,
                services: entry.services,
                balance: entry.balance.unwrap_or(args.balance),
            });
            lines.push(AccountLine {
                uuid: entry.uuid,
                payment: absolute(&payment),
                payout: absolute(&payout),
            });
        }
        if lines.is_empty() {
            bail!("{} lists no [[accounts]]", path.display());
        }
    }
    if accounts.is_empty() {
        let (account, line) =
            demo_merchant(&args.notification_key_dir.join("merchant"), args.balance)?;
        accounts.push(account);
        lines.push(line);
    }
    Ok((accounts, lines))
}

/// A merchant made on first start: `account.txt` plus `payment/` and `payout/` key sets, for
/// trying the sandbox without any key of one's own.
fn demo_merchant(dir: &Path, balance: Money) -> anyhow::Result<(SandboxAccount, AccountLine)> {
    let payment = load_or_generate(&dir.join("payment"), "demo payment")?;
    let payout = load_or_generate(&dir.join("payout"), "demo payout")?;
    let account_file = dir.join("account.txt");
    let uuid = match std::fs::read_to_string(&account_file) {
        Ok(text) => AccountUuid::parse(text.trim())
            .map_err(|e| anyhow!("{}: {e}", account_file.display()))?,
        Err(_) => {
            let uuid = AccountUuid::from(uuid::Uuid::new_v4());
            std::fs::write(&account_file, format!("{uuid}\n"))
                .with_context(|| format!("cannot write {}", account_file.display()))?;
            uuid
        }
    };
    let line = AccountLine {
        uuid,
        payment: absolute(&payment.dir().join(PUBLIC_PEM)),
        payout: absolute(&payout.dir().join(PUBLIC_PEM)),
    };
    let account = SandboxAccount {
        uuid,
        payment_key: payment.public().clone(),
        payout_key: payout.public().clone(),
        services: None,
        balance,
    };
    Ok((account, line))
}
