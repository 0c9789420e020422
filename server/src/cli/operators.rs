//! `operators add|list|remove|reset-password`: the people who sign in to `/dashboard/`.
//! Works on the database directly (same `--config` / `--data-dir` / `DATABASE_URL` as
//! `serve`), with or without a server running.

use std::io::{BufRead as _, BufReader, IsTerminal as _, Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use crate::clock::Clock;
use crate::config::{self, Overrides};
use crate::operators::{Email, Operators, Password, Role};
use crate::store::Store;

/// Where the database is (as for `serve`).
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Data directory (default ./data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default ./checkout.toml when it exists; env CHECKOUT_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `operators` subcommands.
#[derive(Debug, Subcommand)]
pub enum OperatorsCommand {
    /// Add an operator; the password is prompted for (or read from stdin's first line).
    Add {
        /// Their e-mail (the login).
        email: String,
        /// viewer (reads) or operator (also resends webhooks, creates payouts, refreshes).
        #[arg(long, value_name = "ROLE")]
        role: Role,
        /// Read the password from stdin's first line even on a terminal.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List operators.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove an operator (their browsers are signed out).
    Remove {
        /// Their e-mail.
        email: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Set a new password; every browser of the operator is signed out.
    ResetPassword {
        /// Their e-mail.
        email: String,
        /// Read the password from stdin's first line even on a terminal.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub(super) fn operators(
    command: &OperatorsCommand,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let db = match command {
        OperatorsCommand::Add { db, .. }
        | OperatorsCommand::List { db }
        | OperatorsCommand::Remove { db, .. }
        | OperatorsCommand::ResetPassword { db, .. } => db,
    };
    let config = config::load(&Overrides {
        config_file: db.config.clone(),
        listen: None,
        data_dir: db.data_dir.clone(),
        sandbox_public: false,
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = Store::open(&config.server.database).await?;
        let ops = Operators::new(store.clone(), Clock::System);
        let result = run(&ops, command, stdin, out).await;
        store.close().await;
        result
    })
}

async fn run(
    ops: &Operators,
    command: &OperatorsCommand,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        OperatorsCommand::Add {
            email,
            role,
            password_stdin,
            ..
        } => {
            let email = Email::parse(email)?;
            let password = read_password(*password_stdin, stdin)?;
            ops.add(&email, *role, &password).await?;
            writeln!(
                out,
                "operator {} added as {}",
                email.as_str(),
                role.as_str()
            )?;
        }
        OperatorsCommand::List { .. } => {
            let list = ops.list().await?;
            if list.is_empty() {
                writeln!(
                    out,
                    "no operators; add one: alikassa-checkout operators add EMAIL --role operator"
                )?;
            }
            for o in list {
                writeln!(
                    out,
                    "{}\t{}\t{}",
                    o.email,
                    o.role.as_str(),
                    o.created_at.date()
                )?;
            }
        }
        OperatorsCommand::Remove { email, .. } => {
            let email = Email::parse(email)?;
            ops.remove(&email).await?;
            writeln!(out, "operator {} removed", email.as_str())?;
        }
        OperatorsCommand::ResetPassword {
            email,
            password_stdin,
            ..
        } => {
            let email = Email::parse(email)?;
            if !ops.exists(&email).await? {
                bail!("no operator with this e-mail");
            }
            let password = read_password(*password_stdin, stdin)?;
            ops.reset_password(&email, &password).await?;
            writeln!(
                out,
                "password of {} reset; their sessions are signed out",
                email.as_str()
            )?;
        }
    }
    Ok(())
}

/// The password: prompted twice without echo on a terminal, else stdin's first line.
fn read_password(from_stdin: bool, stdin: &mut dyn Read) -> anyhow::Result<Password> {
    if !from_stdin && std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the passwords differ");
        }
        return Ok(Password::new(&first)?);
    }
    let mut line = String::new();
    BufReader::new(stdin).read_line(&mut line)?;
    Ok(Password::new(line.trim_end_matches(['\r', '\n']))?)
}
