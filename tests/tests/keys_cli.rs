//! `keys generate` and `keys check` driven as a merchant would, checked with the openssl CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use e2e::{
    PemFlavour, arg, checkout, openssl, openssl_key_set, openssl_verify, read, temp_dir, write,
};

fn passin(dir: &Path) -> String {
    format!("file:{}", arg(&dir.join("password.txt")))
}

#[test]
fn generated_set_opens_with_openssl_and_matches() {
    let root = temp_dir();
    let dir = root.path().join("new").join("payment");
    let run = checkout(&["keys", "generate", "--out", arg(&dir)], b"").assert_ok();
    assert!(run.stdout_text().contains("AES-256-CBC"), "{run}");

    let private = dir.join("private.pem");
    let pem = String::from_utf8(read(&private)).unwrap();
    assert!(
        pem.starts_with(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,"
        ),
        "{pem}"
    );
    let password = read(&dir.join("password.txt"));
    assert_eq!(password.len(), 32, "32 characters, no newline");
    assert!(
        password
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    );
    for name in ["private.pem", "password.txt"] {
        let mode = fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }

    openssl(
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            &passin(&dir),
            "-noout",
        ],
        b"",
    )
    .assert_ok();
    let checked = openssl(
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            &passin(&dir),
            "-check",
            "-noout",
        ],
        b"",
    )
    .assert_ok();
    assert!(checked.all_output().contains("RSA key ok"), "{checked}");
    // The public key openssl derives from private.pem is byte-for-byte public.pem.
    let derived = openssl(
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            &passin(&dir),
            "-pubout",
        ],
        b"",
    )
    .assert_ok();
    assert_eq!(derived.stdout, read(&dir.join("public.pem")));
    let text = openssl(
        &[
            "pkey",
            "-pubin",
            "-in",
            arg(&dir.join("public.pem")),
            "-text",
            "-noout",
        ],
        b"",
    )
    .assert_ok();
    assert!(
        text.stdout_text().contains("Public-Key: (2048 bit)"),
        "{text}"
    );

    let sign = checkout(&["sign", "--keys", arg(&dir)], b"[]")
        .assert_ok()
        .stdout_text();
    openssl_verify(&dir.join("public.pem"), "sha1", b"[]", sign.trim_end()).assert_ok();

    let run = checkout(&["keys", "check", "--dir", arg(&dir)], b"").assert_ok();
    assert!(
        run.stdout_text().contains("OK: the key set is usable"),
        "{run}"
    );
}

#[test]
fn generate_refuses_to_overwrite_without_force() {
    let dir = temp_dir();
    checkout(&["keys", "generate", "--out", arg(dir.path())], b"").assert_ok();
    let before = read(&dir.path().join("private.pem"));

    let refused = checkout(&["keys", "generate", "--out", arg(dir.path())], b"").assert_code(1);
    assert!(
        refused.stderr.contains("refusing to overwrite"),
        "{refused}"
    );
    assert!(refused.stderr.contains("--force"), "{refused}");
    assert_eq!(read(&dir.path().join("private.pem")), before);

    checkout(
        &[
            "keys",
            "generate",
            "--out",
            arg(dir.path()),
            "--force",
            "--bits",
            "3072",
        ],
        b"",
    )
    .assert_ok();
    assert_ne!(read(&dir.path().join("private.pem")), before);
    let private = dir.path().join("private.pem");
    let text = openssl(
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            &passin(dir.path()),
            "-text",
            "-noout",
        ],
        b"",
    )
    .assert_ok();
    assert!(
        text.stdout_text().contains("Private-Key: (3072 bit"),
        "{text}"
    );
}

#[test]
fn check_names_a_wrong_password() {
    let dir = temp_dir();
    openssl_key_set(
        dir.path(),
        PemFlavour::Traditional,
        "right-password",
        b"wrong-password\n",
    );
    let run = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_code(1);
    assert!(run.stderr.contains("wrong password"), "{run}");
    assert!(run.stderr.contains("password.txt"), "{run}");
    assert!(!run.all_output().contains("does not match"), "{run}");

    // `sign` refuses the same way and prints no signature.
    let run = checkout(&["sign", "--keys", arg(dir.path())], b"{}").assert_code(1);
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("wrong password"), "{run}");
}

#[test]
fn check_names_a_mismatched_public_key() {
    let dir = temp_dir();
    let other = temp_dir();
    openssl_key_set(dir.path(), PemFlavour::Pkcs8, "pw", b"pw");
    openssl_key_set(other.path(), PemFlavour::Pkcs8, "pw", b"pw");
    write(
        &dir.path().join("public.pem"),
        read(&other.path().join("public.pem")),
    );
    let run = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_code(1);
    assert!(
        run.stderr
            .contains("public key does not match the private key"),
        "{run}"
    );
    assert!(
        run.stderr.contains("public.pem") && run.stderr.contains("private.pem"),
        "{run}"
    );
    assert!(!run.all_output().contains("wrong password"), "{run}");
    // What was fine is still reported.
    assert!(
        run.stdout_text().contains("password.txt: used as is"),
        "{run}"
    );
}

#[test]
fn check_accepts_a_pkcs1_public_key() {
    let dir = temp_dir();
    openssl_key_set(dir.path(), PemFlavour::Traditional, "pw", b"pw\n");
    let private = dir.path().join("private.pem");
    let pkcs1 = openssl(
        &[
            "rsa",
            "-in",
            arg(&private),
            "-passin",
            &passin(dir.path()),
            "-RSAPublicKey_out",
        ],
        b"",
    )
    .assert_ok();
    assert!(
        pkcs1
            .stdout_text()
            .starts_with("-----BEGIN RSA PUBLIC KEY-----"),
        "{pkcs1}"
    );
    write(&dir.path().join("public.pem"), &pkcs1.stdout);
    let run = checkout(
        &[
            "keys",
            "check",
            "--dir",
            arg(dir.path()),
            "--digest",
            "sha256",
        ],
        b"",
    )
    .assert_ok();
    assert!(
        run.stdout_text()
            .contains("PKCS#1 PEM (BEGIN RSA PUBLIC KEY)"),
        "{run}"
    );
    assert!(run.stdout_text().contains("signed with sha256"), "{run}");
}

#[test]
fn check_refuses_a_non_rsa_key() {
    let dir = temp_dir();
    let private = dir.path().join("private.pem");
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-aes256",
            "-pass",
            "pass:pw",
            "-out",
            arg(&private),
        ],
        b"",
    )
    .assert_ok();
    write(&dir.path().join("password.txt"), "pw\n");
    let run = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_code(1);
    assert!(run.stderr.contains("not an RSA key"), "{run}");
}

#[test]
fn check_names_missing_files() {
    let dir = temp_dir();
    let run = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_code(1);
    assert!(run.stderr.contains("private.pem: file not found"), "{run}");

    openssl_key_set(dir.path(), PemFlavour::Traditional, "pw", b"pw");
    fs::remove_file(dir.path().join("public.pem")).unwrap();
    let run = checkout(&["keys", "check", "--dir", arg(dir.path())], b"").assert_code(1);
    assert!(run.stderr.contains("public.pem: file not found"), "{run}");
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        vec!["sign"],
        vec!["sign", "--keys", "x", "--digest", "md5"],
        vec!["keys", "check"],
        vec!["no-such-command"],
    ] {
        let run = checkout(&args, b"").assert_code(2);
        assert!(run.stderr.starts_with("error:"), "{run}");
    }
    let help = checkout(&["--help"], b"").assert_ok();
    for word in ["keys", "sign"] {
        assert!(help.stdout_text().contains(word), "{help}");
    }
}
