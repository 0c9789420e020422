//! `payout sbp|account|status` and `balance`: the merchant API of a running `serve`, from the
//! shell.
//!
//! The server is `--url` (default `http://127.0.0.1:8080`, where `serve` listens by default;
//! env `CHECKOUT_URL`), the API key `--api-key` or `CHECKOUT_API_KEY` (the `api key: …` line
//! `serve` prints in sandbox mode). Results are printed as text, or as the server's JSON with
//! `--json`; a refusal exits 1 with the server's error message.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::payouts::{BalanceView, PayoutStatus, PayoutView};

/// How to reach the server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Base URL of the running checkout server.
    #[arg(
        long,
        value_name = "URL",
        env = "CHECKOUT_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// Merchant API key.
    #[arg(
        long,
        value_name = "KEY",
        env = "CHECKOUT_API_KEY",
        hide_env_values = true
    )]
    pub api_key: String,
    /// Print the server's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `payout` subcommands.
#[derive(Debug, Subcommand)]
pub enum PayoutCommand {
    /// Pay out through SBP to a phone.
    Sbp(SbpArgs),
    /// Pay out to a bank account.
    Account(AccountArgs),
    /// Show a payout; with --refresh, ask the gateway about it now first.
    ///
    /// A payout in status `unknown` may have been paid out: do not pay it again. It is looked
    /// up in the background until the gateway reports it; --refresh asks right away.
    Status(StatusArgs),
}

/// `payout status`.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// The payout id (UUID), as `payout sbp|account` printed it.
    pub id: String,
    /// Ask the gateway now (by the gateway's payout id, else by the order id) and apply its
    /// answer before showing the payout.
    #[arg(long)]
    pub refresh: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Options of every payout.
#[derive(Debug, Clone, Args)]
pub struct CommonPayoutArgs {
    /// Amount in rubles, e.g. 1500.00.
    #[arg(long, value_name = "RUB")]
    pub amount: String,
    /// Idempotency key: reuse it to retry this very payout (default: a new random one, printed).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// Your reference for the payout.
    #[arg(long, value_name = "TEXT")]
    pub order_id: Option<String>,
    /// Free text kept with the payout.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `payout sbp`.
#[derive(Debug, Clone, Args)]
pub struct SbpArgs {
    /// Recipient phone, 7XXXXXXXXXX.
    #[arg(long)]
    pub phone: String,
    /// Recipient's bank: 12-digit SBP member id (100000000111 = Sber).
    #[arg(long, value_name = "ID")]
    pub bank_member_id: String,
    #[command(flatten)]
    pub common: CommonPayoutArgs,
}

/// `payout account`.
#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// 20-digit account number.
    #[arg(long)]
    pub account: String,
    /// 9-digit BIC of the recipient's bank.
    #[arg(long)]
    pub bic: String,
    /// Recipient's bank for the gateway (member id or slug; default: the server's default bank).
    #[arg(long)]
    pub bank: Option<String>,
    /// Recipient's name, kept with the payout.
    #[arg(long)]
    pub holder: Option<String>,
    #[command(flatten)]
    pub common: CommonPayoutArgs,
}

/// `balance`.
#[derive(Debug, Clone, Args)]
pub struct BalanceArgs {
    #[command(flatten)]
    pub server: ServerArgs,
}

pub(super) fn payout(command: &PayoutCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let (body, common) = match command {
        PayoutCommand::Status(args) => return status(args, out),
        PayoutCommand::Sbp(a) => (
            json!({"kind": "sbp", "phone": a.phone, "bank_member_id": a.bank_member_id}),
            &a.common,
        ),
        PayoutCommand::Account(a) => {
            let mut body = json!({"kind": "account", "account": a.account, "bic": a.bic});
            optional(&mut body, "bank", a.bank.as_ref());
            optional(&mut body, "holder", a.holder.as_ref());
            (body, &a.common)
        }
    };
    let mut body = body;
    body["amount"] = json!(common.amount);
    optional(&mut body, "order_id", common.order_id.as_ref());
    optional(&mut body, "description", common.description.as_ref());
    let key = common
        .idempotency_key
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let server = &common.server;
    let (status, answer) = call(server, Method::POST, "/api/v1/payouts", |r| {
        r.header("Idempotency-Key", &key).json(&body)
    })?;
    if printed_json(server, &answer, out)? {
        return Ok(());
    }
    let payout: PayoutView =
        serde_json::from_value(answer).context("the server's answer is not a payout")?;
    let how = match status {
        200 => " (the payout made earlier with this idempotency key; nothing was sent again)",
        202 => {
            " (the gateway's answer was lost; it is resolved in the background, never sent twice)"
        }
        _ => "",
    };
    writeln!(out, "payout {} {}{how}", payout.id, payout.status)?;
    print_payout(&payout, out)?;
    Ok(())
}

/// `payout status ID [--refresh]`.
fn status(args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let server = &args.server;
    let id = urlencoding(&args.id);
    let (method, path) = if args.refresh {
        (Method::POST, format!("/api/v1/payouts/{id}/refresh"))
    } else {
        (Method::GET, format!("/api/v1/payouts/{id}"))
    };
    let (_, answer) = call(server, method, &path, |r| r)?;
    if printed_json(server, &answer, out)? {
        return Ok(());
    }
    let payout: PayoutView =
        serde_json::from_value(answer).context("the server's answer is not a payout")?;
    let how = match payout.status {
        PayoutStatus::Unknown => {
            " (the gateway has not confirmed it either way: it may have been paid out — do not pay it again; it is looked up until the gateway reports it)"
        }
        PayoutStatus::Creating
        | PayoutStatus::Pending
        | PayoutStatus::Paid
        | PayoutStatus::Failed
        | PayoutStatus::Rejected => "",
    };
    writeln!(out, "payout {} {}{how}", payout.id, payout.status)?;
    print_payout(&payout, out)?;
    Ok(())
}

/// `id` as one path segment.
fn urlencoding(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

pub(super) fn balance(args: &BalanceArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let server = &args.server;
    let (_, answer) = call(server, Method::GET, "/api/v1/balance", |r| r)?;
    if printed_json(server, &answer, out)? {
        return Ok(());
    }
    let b: BalanceView =
        serde_json::from_value(answer).context("the server's answer is not a balance")?;
    let c = &b.currency;
    writeln!(out, "balance:          {} {c}", b.balance)?;
    for (label, value) in [
        ("hold:            ", &b.hold),
        ("rolling reserve: ", &b.rolling_reserve),
        ("pending payouts: ", &b.pending_payouts),
    ] {
        if let Some(v) = value {
            writeln!(out, "{label} {v} {c}")?;
        }
    }
    Ok(())
}

fn print_payout(p: &PayoutView, out: &mut dyn Write) -> std::io::Result<()> {
    let lines = [
        ("kind", Some(p.kind.clone())),
        ("amount", Some(p.amount.clone())),
        ("paid amount", p.paid_amount.clone()),
        ("phone", p.phone.clone()),
        ("bank member id", p.bank_member_id.clone()),
        ("account", p.account.clone()),
        ("bic", p.bic.clone()),
        ("bank", p.bank.clone()),
        ("holder", p.holder.clone()),
        ("order id", p.order_id.clone()),
        ("description", p.description.clone()),
        ("idempotency key", Some(p.idempotency_key.clone())),
        ("gateway order id", Some(p.gateway_order_id.clone())),
        (
            "gateway payout id",
            p.gateway_payout_id.map(|g| g.to_string()),
        ),
        ("gateway status", p.gateway_status.map(|s| s.to_string())),
        ("error", p.error.clone()),
        ("created at", Some(p.created_at.clone())),
    ];
    for (label, value) in lines {
        if let Some(value) = value {
            writeln!(out, "  {:<18} {value}", format!("{label}:"))?;
        }
    }
    Ok(())
}

fn optional(body: &mut Value, name: &str, value: Option<&String>) {
    if let Some(v) = value {
        body[name] = json!(v);
    }
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// `method path` on the running server with the API key, and whatever `extra` adds to the
/// request: the answer's status and JSON, or the server's error.
fn call(
    server: &ServerArgs,
    method: Method,
    path: &str,
    extra: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> anyhow::Result<(u16, Value)> {
    runtime()?.block_on(async {
        let request = client()?
            .request(method, format!("{}{path}", base(&server.url)))
            .bearer_auth(&server.api_key);
        let response = extra(request)
            .send()
            .await
            .with_context(|| format!("cannot reach the checkout server at {}", server.url))?;
        read(response).await
    })
}

/// Prints `answer` as JSON when `--json` asked for it; whether it did.
fn printed_json(server: &ServerArgs, answer: &Value, out: &mut dyn Write) -> anyhow::Result<bool> {
    if server.json {
        writeln!(out, "{}", serde_json::to_string_pretty(answer)?)?;
    }
    Ok(server.json)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .context("cannot build the HTTP client")
}

/// The status and JSON of a success; the server's error message (and field details) as the
/// error otherwise.
async fn read(response: reqwest::Response) -> anyhow::Result<(u16, Value)> {
    let status = response.status();
    let text = response
        .text()
        .await
        .context("reading the server's answer")?;
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok((status.as_u16(), json));
    }
    let error = &json["error"];
    let Some(message) = error["message"].as_str() else {
        return Err(anyhow!(
            "the server answered HTTP {status}: {}",
            text.trim()
        ));
    };
    let mut text = format!(
        "{message} ({}, HTTP {})",
        error["code"].as_str().unwrap_or("?"),
        status.as_u16()
    );
    if let Some(details) = error["details"].as_object() {
        for (field, messages) in details {
            let messages: Vec<&str> = messages
                .as_array()
                .map(|m| m.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            text.push_str(&format!("\n  {field}: {}", messages.join("; ")));
        }
    }
    Err(anyhow!(text))
}
