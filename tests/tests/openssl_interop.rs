//! Our `sign` against the real OpenSSL: key sets made by the openssl CLI in both PEM flavours,
//! with and without a trailing newline in password.txt; every signature must verify with
//! `openssl dgst -verify public.pem` and equal what `openssl dgst -sign` makes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use e2e::{
    PemFlavour, arg, checkout, openssl, openssl_key_set, openssl_verify, run_env, temp_dir, write,
};

/// A typical request body, with a slash and Cyrillic, as the gateway client sends it.
const BODY: &[u8] = "{\"amount\":\"1500.00\",\"order_id\":\"A/42\",\"service\":\"payment_card_sbp_rub_card\",\"desc\":\"Оплата заказа\"}".as_bytes();

fn sign(dir: &Path, digest: Option<&str>, body: &[u8]) -> String {
    let mut args = vec!["sign", "--keys", arg(dir)];
    if let Some(digest) = digest {
        args.extend(["--digest", digest]);
    }
    let run = checkout(&args, body).assert_ok();
    let out = run.stdout_text();
    let sign = out
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no final newline:\n{run}"));
    assert!(
        !sign.contains(['\n', '\r', ' ']),
        "one line of base64:\n{run}"
    );
    sign.to_owned()
}

/// What `openssl dgst -sign` makes over the same bytes (PKCS#1 v1.5 is deterministic). The
/// passphrase goes through the environment: `-passin file:` would strip only a final `\n`.
fn openssl_sign(dir: &Path, passphrase: &str, digest: &str, body: &[u8]) -> Vec<u8> {
    let work = temp_dir();
    let body_path = work.path().join("body.bin");
    write(&body_path, body);
    let private = dir.join("private.pem");
    run_env(
        "openssl",
        &[
            "dgst",
            &format!("-{digest}"),
            "-sign",
            arg(&private),
            "-passin",
            "env:E2E_SIGN_PASSPHRASE",
            arg(&body_path),
        ],
        b"",
        &[("E2E_SIGN_PASSPHRASE", passphrase)],
    )
    .assert_ok()
    .stdout
}

fn interop(flavour: PemFlavour, password_txt: &[u8], passphrase: &str, expect_password: &str) {
    let dir = temp_dir();
    openssl_key_set(dir.path(), flavour, passphrase, password_txt);

    let check = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_ok();
    let report = check.stdout_text();
    let expect_flavour = match flavour {
        PemFlavour::Traditional => {
            "traditional PEM (BEGIN RSA PRIVATE KEY), encrypted with AES-256-CBC"
        }
        PemFlavour::Pkcs8 => "PKCS#8 PEM (BEGIN ENCRYPTED PRIVATE KEY)",
    };
    assert!(report.contains(expect_flavour), "{check}");
    assert!(
        report.contains(&format!("password.txt: {expect_password}")),
        "{check}"
    );
    assert!(report.contains("RSA 2048 bits"), "{check}");

    let public = dir.path().join("public.pem");
    for digest in ["sha1", "sha256"] {
        let ours = sign(dir.path(), Some(digest), BODY);
        let verified = openssl_verify(&public, digest, BODY, &ours).assert_ok();
        assert_eq!(verified.stdout_text().trim(), "Verified OK", "{verified}");

        let theirs = openssl_sign(dir.path(), passphrase, digest, BODY);
        let ours_raw = openssl(&["base64", "-d", "-A"], ours.as_bytes())
            .assert_ok()
            .stdout;
        assert_eq!(
            ours_raw, theirs,
            "{digest}: same key, same bytes, same signature"
        );

        // The check is not vacuous: one changed byte fails.
        let mut tampered = BODY.to_vec();
        tampered[3] ^= 0x20;
        let rejected = openssl_verify(&public, digest, &tampered, &ours);
        assert!(!rejected.success(), "{rejected}");
        assert!(
            rejected.stdout_text().contains("Verification failure"),
            "{rejected}"
        );
    }
    // SHA-1 is the default digest.
    assert_eq!(
        sign(dir.path(), None, BODY),
        sign(dir.path(), Some("sha1"), BODY)
    );
}

#[test]
fn traditional_pem_password_without_newline() {
    interop(
        PemFlavour::Traditional,
        b"Zx8-pQ_r7sT2",
        "Zx8-pQ_r7sT2",
        "used as is",
    );
}

#[test]
fn traditional_pem_password_with_newline() {
    interop(
        PemFlavour::Traditional,
        b"Zx8-pQ_r7sT2\n",
        "Zx8-pQ_r7sT2",
        "used with trailing whitespace trimmed",
    );
}

#[test]
fn pkcs8_pem_password_without_newline() {
    interop(
        PemFlavour::Pkcs8,
        b"Zx8-pQ_r7sT2",
        "Zx8-pQ_r7sT2",
        "used as is",
    );
}

#[test]
fn pkcs8_pem_password_with_newline() {
    interop(
        PemFlavour::Pkcs8,
        b"Zx8-pQ_r7sT2\r\n",
        "Zx8-pQ_r7sT2",
        "used with trailing whitespace trimmed",
    );
}

#[test]
fn key_encrypted_with_the_newline_itself_opens_with_the_raw_file() {
    // PHP passes password.txt raw: a key made that way has the newline in its passphrase.
    interop(
        PemFlavour::Traditional,
        b"Zx8-pQ_r7sT2\n",
        "Zx8-pQ_r7sT2\n",
        "used as is",
    );
}

#[test]
fn sign_uses_the_exact_bytes_of_stdin() {
    let dir = temp_dir();
    openssl_key_set(dir.path(), PemFlavour::Pkcs8, "pw", b"pw\n");
    let public = dir.path().join("public.pem");
    let with_newline = b"{}\n";
    let without = b"{}";
    let binary: &[u8] = &[0, 0xff, 0xfe, b'\r', b'\n', 0x80];
    let sign_with = sign(dir.path(), None, with_newline);
    let sign_without = sign(dir.path(), None, without);
    assert_ne!(sign_with, sign_without);
    openssl_verify(&public, "sha1", with_newline, &sign_with).assert_ok();
    openssl_verify(&public, "sha1", without, &sign_without).assert_ok();
    assert!(!openssl_verify(&public, "sha1", without, &sign_with).success());
    for body in [binary, b"".as_slice()] {
        let ours = sign(dir.path(), Some("sha256"), body);
        openssl_verify(&public, "sha256", body, &ours).assert_ok();
    }
}
