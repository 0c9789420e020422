//! Signatures per second of our signing core against `openssl speed rsa2048`, measured in the
//! same run on the same CPU core.
//!
//! `cargo bench -p server --bench signing`; `BENCH_SECS=1` for a short run (default 3 s per
//! measurement), `BENCH_ROUNDS` interleaved rounds of ours-then-openssl (default 3; the
//! medians are reported). The process pins itself to one core by re-executing under `taskset -c N`
//! (util-linux) when it is not pinned already; `openssl speed` is its child and inherits the
//! pinning. If `taskset` is missing the figures are printed with "NOT pinned". Timing is
//! reported, never asserted.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use server::signing::{Digest, GeneratedKeys, Password, PrivateKey};

/// A typical payment-create body (~300 bytes), as the gateway client will send it.
const BODY: &[u8] = br#"{"amount":"1500.00","order_id":"ord-2026-11-27-000123","service":"payment_card_sbp_rub_card","customer_ip":"203.0.113.7","customer_user_id":"user-8841","customer_phone":"79031112233","customer_browser_user_agent":"Mozilla/5.0 (X11; Linux x86_64)","success_redirect_url":"https://shop.example.ru/ok","fail_redirect_url":"https://shop.example.ru/fail"}"#;

const REEXEC_ENV: &str = "ALIKASSA_BENCH_PINNED_BY_TASKSET";

fn main() -> ExitCode {
    match pin_or_reexec() {
        Pinning::Reexecuted(code) => code,
        Pinning::Ready(pinning) => match run(&pinning) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench failed: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

enum Pinning {
    /// The pinned child ran; this is its exit code.
    Reexecuted(ExitCode),
    /// Run here; the text says how the process is pinned.
    Ready(String),
}

/// Re-execute under `taskset -c <first allowed cpu>` unless already on a single core.
fn pin_or_reexec() -> Pinning {
    let allowed = allowed_cpus();
    if let Some(list) = allowed.as_deref().filter(|l| !l.contains([',', '-'])) {
        let how = if std::env::var_os(REEXEC_ENV).is_some() {
            "re-executed under taskset"
        } else {
            "already pinned by the caller"
        };
        return Pinning::Ready(format!("pinned to CPU {list} ({how})"));
    }
    let cpu = allowed
        .as_deref()
        .and_then(|l| l.split([',', '-']).next())
        .unwrap_or("0")
        .to_owned();
    if std::env::var_os(REEXEC_ENV).is_none()
        && let Ok(exe) = std::env::current_exe()
        && let Ok(status) = Command::new("taskset")
            .arg("-c")
            .arg(&cpu)
            .arg(exe)
            .args(std::env::args_os().skip(1))
            .env(REEXEC_ENV, "1")
            .status()
    {
        let code = status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1);
        return Pinning::Reexecuted(ExitCode::from(code));
    }
    Pinning::Ready(format!(
        "NOT pinned (allowed CPUs: {}; taskset unavailable) — figures are noisier",
        allowed.unwrap_or_else(|| "unknown".to_owned())
    ))
}

/// `Cpus_allowed_list` of this process, e.g. "0-1" or "0".
fn allowed_cpus() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .map(|list| list.trim().to_owned())
}

fn run(pinning: &str) -> Result<(), String> {
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(3.0);
    let window = Duration::from_secs_f64(secs);

    // Load through the production path: encrypted traditional PEM + password, parsed once.
    let generated = GeneratedKeys::generate(2048).map_err(|e| e.to_string())?;
    let password = Password::new(generated.password().expose());
    let key = PrivateKey::from_pem(
        generated.private_pem(),
        Some(&password),
        Path::new("private.pem"),
        Path::new("password.txt"),
    )
    .map_err(|e| e.to_string())?;

    println!(
        "signing benchmark: RSA {} bits, body {} bytes, one thread, {pinning}",
        key.bits(),
        BODY.len()
    );
    println!("{}", cpu_model());
    println!("{}", openssl::version::version());
    println!("each figure: {secs} s of signing after a short warm-up\n");

    measure(&key, Digest::Sha1, Duration::from_millis(300))?;
    // Interleaved rounds, so that drift from other load on the machine hits both sides alike.
    let mut rounds = Vec::new();
    for round in 1..=rounds_wanted() {
        let ours = measure(&key, Digest::Sha1, window)?;
        let reference = openssl_speed(secs)?;
        println!(
            "round {round}: signing core SHA-1 {ours:>8.1} sign/s, openssl speed {reference:>8.1} sign/s, ratio {:.3}",
            ours / reference
        );
        rounds.push((ours, reference));
    }
    let ours_sha256 = measure(&key, Digest::Sha256, window)?;

    let ours = median(rounds.iter().map(|r| r.0));
    let reference = median(rounds.iter().map(|r| r.1));
    let ratio = median(rounds.iter().map(|r| r.0 / r.1));
    let best = |pick: fn(&(f64, f64)) -> f64| rounds.iter().map(pick).fold(0.0, f64::max);
    let best_ratio = best(|r| r.0) / best(|r| r.1);

    println!();
    println!("openssl speed rsa2048 (sign/s, median) {reference:>10.1}");
    println!("signing core, SHA-1   (sign/s, median) {ours:>10.1}");
    println!("signing core, SHA-256 (sign/s)         {ours_sha256:>10.1}");
    println!(
        "ratio core SHA-1 / openssl speed        {ratio:>10.3}   (median of rounds; best/best {best_ratio:.3}) target >= 0.9: {}",
        if ratio >= 0.9 { "met" } else { "NOT met" }
    );
    println!(
        "\nnote: `openssl speed rsa2048` times the bare RSA private-key operation on a 36-byte \
         digest; the core also hashes the body, sets up a digest context per call and encodes \
         base64."
    );
    Ok(())
}

/// `BENCH_ROUNDS`, default 3.
fn rounds_wanted() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Signatures per second over `window`.
fn measure(key: &PrivateKey, digest: Digest, window: Duration) -> Result<f64, String> {
    let start = Instant::now();
    let mut count: u64 = 0;
    while start.elapsed() < window {
        let sign = key
            .sign(std::hint::black_box(BODY), digest)
            .map_err(|e| e.to_string())?;
        std::hint::black_box(sign);
        count += 1;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Run `openssl speed -seconds N rsa2048` (same core: it inherits our affinity) and read the
/// `sign/s` column of its `rsa 2048 bits` line.
fn openssl_speed(secs: f64) -> Result<f64, String> {
    let seconds = (secs.round() as u64).max(1).to_string();
    let output = Command::new("openssl")
        .args(["speed", "-seconds", &seconds, "rsa2048"])
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    parse_speed(&stdout).ok_or_else(|| {
        format!(
            "no `rsa 2048 bits` line in the output of openssl speed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `rsa 2048 bits 0.000690s 0.000020s   1449.3  49013.2` → 1449.3
fn parse_speed(stdout: &str) -> Option<f64> {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("rsa") && l.contains("2048 bits"))?;
    let after_bits = line.split("bits").nth(1)?;
    after_bits
        .split_whitespace()
        .find(|t| !t.ends_with('s'))?
        .parse()
        .ok()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .map_or_else(|| "CPU: unknown".to_owned(), |m| format!("CPU: {m}"))
}
