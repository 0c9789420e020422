//! `serve`: the checkout backend. Configuration: defaults → `checkout.toml` (or `--config`)
//! → `CHECKOUT_*` environment → these flags (see `crate::config`).
//!
//! Prints to stdout, one line each, in this order (stable, for scripts and tests):
//! `sandbox mode: …` (sandbox mode only), `api key: …` (only when one was generated),
//! `dashboard: …` (sandbox mode only: the demo operator's login), and
//! last `listening on http://ADDR` once the port is bound.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::config::{self, LogFormat, Overrides};
use crate::startup::Application;

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Data directory: database, generated keys, sandbox state (default ./data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default ./checkout.toml when it exists; env CHECKOUT_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format on stderr: text or json (one object per line); overrides `log.format` and
    /// CHECKOUT_LOG__FORMAT.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Sandbox mode only: allow listening on a non-loopback address although the sandbox
    /// controls are unauthenticated (anyone reaching it could mark a payment paid); same as
    /// server.sandbox_public = true / CHECKOUT_SERVER__SANDBOX_PUBLIC=true.
    #[arg(long)]
    pub sandbox_public: bool,
}

pub(super) fn serve(args: &ServeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut config = config::load(&Overrides {
        config_file: args.config.clone(),
        listen: args.listen.clone(),
        data_dir: args.data_dir.clone(),
        sandbox_public: args.sandbox_public,
    })?;
    if let Some(format) = args.log_format {
        config.server.log_format = format;
    }
    Application::init_telemetry(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let app = Application::build(config).await?;
        let base = app.base_url().to_owned();
        if app.sandbox().is_some() {
            writeln!(
                out,
                "sandbox mode: gateway emulator at {base}/sandbox/, demo shop at {base}/ (no real money, test keys sk_test_…)"
            )?;
        }
        if let Some(key) = app.generated_api_key() {
            writeln!(out, "api key: {}", key.expose())?;
        }
        if let Some((email, password)) = app.demo_operator().await? {
            writeln!(
                out,
                "dashboard: {base}/dashboard/ (demo operator {email}, password {password})"
            )?;
        }
        writeln!(out, "listening on http://{}", app.addr())?;
        out.flush()?;
        app.run_until_stopped().await.context("server failed")
    })
}
