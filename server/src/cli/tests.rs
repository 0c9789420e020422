use std::path::Path;

use clap::CommandFactory as _;

use super::*;
use crate::signing::{Digest, KeySet};

/// Run in-process; returns (exit code, stdout, stderr).
fn run_cli(args: &[&str], stdin: &[u8]) -> (u8, String, String) {
    let mut input = stdin;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(
        std::iter::once("alikassa-checkout").chain(args.iter().copied()),
        Streams {
            stdin: &mut input,
            stdout: &mut out,
            stderr: &mut err,
        },
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let (code, _, err) = run_cli(&["sign"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("--keys"), "{err}");
    let (code, _, err) = run_cli(&["sign", "--keys", "x", "--digest", "md5"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("sha256"), "{err}");
    let (code, out, _) = run_cli(&["--help"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("keys") && out.contains("sign"), "{out}");
}

#[test]
fn generate_check_sign_round_trip() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("keys");
    let (code, out, err) = run_cli(&["keys", "generate", "--out", path(&dir)], b"");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("private.pem") && out.contains("AES-256-CBC"),
        "{out}"
    );

    let (code, out, err) = run_cli(&["keys", "check", "--dir", path(&dir)], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("OK: the key set is usable"), "{out}");
    assert!(out.contains("password.txt: used as is"), "{out}");

    let body = b"{\"a\":1}\n";
    for digest in Digest::ALL {
        let (code, out, err) = run_cli(
            &["sign", "--keys", path(&dir), "--digest", digest.as_str()],
            body,
        );
        assert_eq!(code, 0, "{err}");
        let sign = out.strip_suffix('\n').unwrap();
        KeySet::load(&dir)
            .unwrap()
            .public()
            .verify(body, sign, digest)
            .unwrap();
    }

    let (code, _, err) = run_cli(&["keys", "generate", "--out", path(&dir)], b"");
    assert_eq!(code, 1);
    assert!(err.starts_with("error: refusing to overwrite"), "{err}");
    let (code, _, err) = run_cli(&["keys", "generate", "--out", path(&dir), "--force"], b"");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn check_explains_a_wrong_password() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    assert_eq!(run_cli(&["keys", "generate", "--out", path(dir)], b"").0, 0);
    std::fs::write(dir.join("password.txt"), "not-the-password\n").unwrap();
    let (code, out, err) = run_cli(&["keys", "check", "--dir", path(dir)], b"");
    assert_eq!(code, 1);
    assert!(out.starts_with("checking the key set in"), "{out}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn sign_reports_missing_keys() {
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(&["sign", "--keys", path(root.path())], b"{}");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("private.pem: file not found"), "{err}");
}
