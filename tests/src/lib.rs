//! Helpers for the end-to-end suites: they drive the real `alikassa-checkout` binary and real
//! peers (the `openssl` CLI) as separate processes.
//!
//! The binary is not built by `cargo test -p e2e` (it belongs to another package): build it
//! first with `cargo build --bins`, or point `ALIKASSA_CHECKOUT_BIN` at one.

use std::ffi::OsStr;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use tempfile::TempDir;

/// Name of the product binary.
pub const BIN_NAME: &str = "alikassa-checkout";

/// Environment variable that overrides where the binary is.
pub const BIN_ENV: &str = "ALIKASSA_CHECKOUT_BIN";

/// Path of the `alikassa-checkout` binary: `$ALIKASSA_CHECKOUT_BIN`, else
/// `target/<profile>/alikassa-checkout` beside this test executable (which runs from
/// `target/<profile>/deps/`). Panics with what to do when it is missing.
pub fn bin() -> PathBuf {
    let path = match std::env::var_os(BIN_ENV) {
        Some(path) => PathBuf::from(path),
        None => {
            let exe = std::env::current_exe()
                .unwrap_or_else(|e| panic!("cannot locate the test executable: {e}"));
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .unwrap_or_else(|| panic!("unexpected test executable path {}", exe.display()));
            profile_dir.join(BIN_NAME)
        }
    };
    assert!(
        path.is_file(),
        "{} not found: build it first: cargo build --bins (or set {BIN_ENV})",
        path.display()
    );
    path
}

/// The outcome of a finished process.
pub struct Run {
    /// What ran, for failure messages.
    pub command: String,
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Raw stdout.
    pub stdout: Vec<u8>,
    /// Stderr as text (lossy).
    pub stderr: String,
}

impl Run {
    /// Whether the process exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Stdout as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Panic with the whole output unless the process exited with 0; returns `self`.
    #[track_caller]
    pub fn assert_ok(self) -> Run {
        assert!(self.success(), "expected success:\n{self}");
        self
    }

    /// Panic unless the process exited with `code`; returns `self`.
    #[track_caller]
    pub fn assert_code(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "unexpected exit code:\n{self}");
        self
    }

    /// Stdout and stderr together, for matching messages wherever they went.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout_text(), self.stderr)
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        writeln!(f, "exit: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout_text())?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Run `program` with `args`, feeding `stdin`, and wait for it.
pub fn run<S: AsRef<OsStr>>(program: impl AsRef<OsStr>, args: &[S], stdin: &[u8]) -> Run {
    run_env(program, args, stdin, &[])
}

/// Like [`run`], with extra environment variables.
pub fn run_env<S: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    args: &[S],
    stdin: &[u8],
    envs: &[(&str, &str)],
) -> Run {
    let program = program.as_ref();
    let command_line = std::iter::once(program)
        .chain(args.iter().map(AsRef::as_ref))
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command_line}: {e}"));
    let mut pipe = child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin pipe for {command_line}"));
    let input = stdin.to_vec();
    // Feed stdin from a thread so a chatty child cannot dead-lock on a full stdout pipe.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {command_line}: {e}"));
    let _ = feeder.join();
    Run {
        command: command_line,
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Run the product binary.
pub fn checkout<S: AsRef<OsStr>>(args: &[S], stdin: &[u8]) -> Run {
    run(bin(), args, stdin)
}

/// Run the system `openssl` CLI.
pub fn openssl<S: AsRef<OsStr>>(args: &[S], stdin: &[u8]) -> Run {
    run("openssl", args, stdin)
}

/// A fresh temporary directory (under `$TMPDIR`), removed on drop.
pub fn temp_dir() -> TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

/// Write a file, panicking with its path on failure.
pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::write(path, content).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Read a file, panicking with its path on failure.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {}", path.display()))
}

/// PEM flavour of a private key made by the openssl CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemFlavour {
    /// `openssl genrsa -aes256 -traditional`: `BEGIN RSA PRIVATE KEY` + `Proc-Type: 4,ENCRYPTED`.
    Traditional,
    /// `openssl genpkey -algorithm RSA -aes256`: `BEGIN ENCRYPTED PRIVATE KEY` (PKCS#8).
    Pkcs8,
}

/// Make a key set in the vendor layout with the openssl CLI: `private.pem` encrypted with
/// exactly `passphrase` (passed through the environment, so a trailing newline is kept),
/// `password.txt` holding `password_txt`, and `public.pem` (SPKI).
pub fn openssl_key_set(dir: &Path, flavour: PemFlavour, passphrase: &str, password_txt: &[u8]) {
    let private = dir.join("private.pem");
    let env = [("E2E_KEY_PASSPHRASE", passphrase)];
    let args: Vec<&str> = match flavour {
        PemFlavour::Traditional => vec![
            "genrsa",
            "-aes256",
            "-traditional",
            "-passout",
            "env:E2E_KEY_PASSPHRASE",
            "-out",
            arg(&private),
            "2048",
        ],
        PemFlavour::Pkcs8 => vec![
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-aes256",
            "-pass",
            "env:E2E_KEY_PASSPHRASE",
            "-out",
            arg(&private),
        ],
    };
    run_env("openssl", &args, b"", &env).assert_ok();
    let public = dir.join("public.pem");
    run_env(
        "openssl",
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            "env:E2E_KEY_PASSPHRASE",
            "-pubout",
            "-out",
            arg(&public),
        ],
        b"",
        &env,
    )
    .assert_ok();
    write(&dir.join("password.txt"), password_txt);
}

/// Check a base64 `Sign` value over `body` with `openssl dgst -<digest> -verify public_pem`.
/// The base64 is decoded by `openssl base64 -d -A` too. Returns the dgst run.
pub fn openssl_verify(public_pem: &Path, digest: &str, body: &[u8], sign_b64: &str) -> Run {
    let work = temp_dir();
    let body_path = work.path().join("body.bin");
    let sig_path = work.path().join("sig.bin");
    write(&body_path, body);
    let decoded = openssl(&["base64", "-d", "-A"], sign_b64.as_bytes()).assert_ok();
    write(&sig_path, &decoded.stdout);
    openssl(
        &[
            "dgst",
            &format!("-{digest}"),
            "-verify",
            arg(public_pem),
            "-signature",
            arg(&sig_path),
            arg(&body_path),
        ],
        b"",
    )
}

pub mod chaos;
mod curl;
mod daemon;
pub mod database;
pub mod gateway;
mod receiver;
pub mod server;

pub use curl::{Answer, curl};
pub use daemon::{Daemon, Instance};
pub use receiver::{Capture, Captured, Hit, Receiver, decode_query};
pub mod browser;
