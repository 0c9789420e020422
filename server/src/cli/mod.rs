//! The `alikassa-checkout` command line: clap definitions and dispatch.
//!
//! Each subcommand lives in its own module and writes to the streams it is given, so tests can
//! drive [`run_with`] in-process; the binary calls [`run`]. Exit codes: 0 success, 1 a problem
//! (explained on stderr), 2 a usage error (clap's).

mod keys;
mod operators;
mod payout;
mod sandbox;
mod serve;
mod sign;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use keys::{CheckArgs, GenerateArgs, KeysCommand};
pub use operators::{DatabaseArgs, OperatorsCommand};
pub use payout::{
    AccountArgs, BalanceArgs, CommonPayoutArgs, PayoutCommand, SbpArgs, ServerArgs, StatusArgs,
};
pub use sandbox::{FaultArgs, SandboxArgs};
pub use serve::ServeArgs;
pub use sign::SignArgs;

/// Self-hosted checkout for the AliKassa payment gateway.
#[derive(Debug, Parser)]
#[command(name = "alikassa-checkout", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or check a key set in the vendor's layout (private.pem, password.txt, public.pem).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Sign a request body read from stdin (exact bytes); prints the `Sign` header value.
    Sign(SignArgs),
    /// Run the gateway emulator alone: the gateway paths at the root (`POST /v1/payment` …),
    /// scenario controls at `/control/…`, hosted pages at `/pay/…`.
    Sandbox(Box<SandboxArgs>),
    /// Run the checkout backend (sandbox mode when no gateway is configured).
    Serve(ServeArgs),
    /// Make a payout, or show one, through a running server (`--url`, `--api-key` /
    /// CHECKOUT_API_KEY).
    #[command(subcommand)]
    Payout(PayoutCommand),
    /// Show the gateway balance through a running server.
    Balance(BalanceArgs),
    /// Manage the people who sign in to the dashboard (/dashboard/).
    #[command(subcommand)]
    Operators(OperatorsCommand),
}

/// The standard streams, replaceable in tests.
pub struct Streams<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

impl std::fmt::Debug for Streams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streams").finish_non_exhaustive()
    }
}

/// Parse the process arguments, run, and map the outcome to an exit code.
pub fn run() -> ExitCode {
    let (stdin, mut stdout, mut stderr) = (io::stdin(), io::stdout(), io::stderr());
    // stdout / stderr are not locked for the whole run: long-running subcommands (`serve`,
    // `sandbox`) log to stderr from runtime threads, which would wait forever on a lock held
    // by the main thread.
    let code = run_with(
        std::env::args_os(),
        Streams {
            stdin: &mut stdin.lock(),
            stdout: &mut stdout,
            stderr: &mut stderr,
        },
    );
    ExitCode::from(code)
}

/// Run with the given arguments (program name first) and streams; returns the exit code.
pub fn run_with<I, T>(args: I, streams: Streams<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help / --version go to stdout with 0, usage errors to stderr with 2.
            let out = if e.use_stderr() {
                &mut *streams.stderr
            } else {
                &mut *streams.stdout
            };
            let _ = write!(out, "{}", e.render());
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    match execute(cli.command, streams.stdin, streams.stdout) {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(streams.stderr, "error: {error:#}");
            1
        }
    }
}

fn execute(command: Command, stdin: &mut dyn Read, stdout: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Keys(KeysCommand::Generate(args)) => keys::generate(&args, stdout),
        Command::Keys(KeysCommand::Check(args)) => keys::check(&args, stdout),
        Command::Sign(args) => sign::sign(&args, stdin, stdout),
        Command::Sandbox(args) => sandbox::sandbox(&args, stdout),
        Command::Serve(args) => serve::serve(&args, stdout),
        Command::Payout(command) => payout::payout(&command, stdout),
        Command::Balance(args) => payout::balance(&args, stdout),
        Command::Operators(command) => operators::operators(&command, stdin, stdout),
    }
}

#[cfg(test)]
mod tests;
