use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::OnceLock;

use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;

use super::*;
use crate::signing::{GenerateError, GeneratedKeys, PublicKeyFormat, VerifyError};

const BODY: &[u8] =
    br#"{"amount":"1500.00","order_id":"A-1","service":"payment_card_sbp_rub_card"}"#;

/// One 2048-bit key for the whole module (generation is the slow part).
fn rsa() -> &'static Rsa<Private> {
    static KEY: OnceLock<Rsa<Private>> = OnceLock::new();
    KEY.get_or_init(|| Rsa::generate(2048).unwrap())
}

fn other_rsa() -> &'static Rsa<Private> {
    static KEY: OnceLock<Rsa<Private>> = OnceLock::new();
    KEY.get_or_init(|| Rsa::generate(2048).unwrap())
}

fn traditional(rsa: &Rsa<Private>, pass: &[u8]) -> Vec<u8> {
    rsa.private_key_to_pem_passphrase(Cipher::aes_256_cbc(), pass)
        .unwrap()
}

fn pkcs8(rsa: &Rsa<Private>, pass: &[u8]) -> Vec<u8> {
    PKey::from_rsa(rsa.clone())
        .unwrap()
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), pass)
        .unwrap()
}

fn spki(rsa: &Rsa<Private>) -> Vec<u8> {
    PKey::from_rsa(rsa.clone())
        .unwrap()
        .public_key_to_pem()
        .unwrap()
}

/// Write a key directory; `None` leaves a file out.
fn key_dir(
    private: Option<&[u8]>,
    password: Option<&[u8]>,
    public: Option<&[u8]>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        (PRIVATE_PEM, private),
        (PASSWORD_TXT, password),
        (PUBLIC_PEM, public),
    ] {
        if let Some(content) = content {
            fs::write(dir.path().join(name), content).unwrap();
        }
    }
    dir
}

fn load_private(pem: &[u8], password: &[u8]) -> Result<PrivateKey, KeyError> {
    PrivateKey::from_pem(
        pem,
        Some(&Password::new(password)),
        Path::new("private.pem"),
        Path::new("password.txt"),
    )
}

#[test]
fn both_encrypted_flavours_load_and_sign_identically() {
    let traditional_key = load_private(&traditional(rsa(), b"s3cret"), b"s3cret").unwrap();
    let pkcs8_key = load_private(&pkcs8(rsa(), b"s3cret"), b"s3cret").unwrap();
    assert!(matches!(
        traditional_key.flavour(),
        PemFlavour::TraditionalEncrypted { cipher } if cipher == "AES-256-CBC"
    ));
    assert_eq!(pkcs8_key.flavour(), &PemFlavour::Pkcs8Encrypted);
    assert_eq!(traditional_key.bits(), 2048);
    for digest in Digest::ALL {
        assert_eq!(
            traditional_key.sign(BODY, digest).unwrap(),
            pkcs8_key.sign(BODY, digest).unwrap()
        );
    }
}

#[test]
fn unencrypted_flavours_load_without_password() {
    let pkey = PKey::from_rsa(rsa().clone()).unwrap();
    for (pem, flavour) in [
        (rsa().private_key_to_pem().unwrap(), PemFlavour::Traditional),
        (pkey.private_key_to_pem_pkcs8().unwrap(), PemFlavour::Pkcs8),
    ] {
        let key = PrivateKey::from_pem(&pem, None, Path::new("p.pem"), Path::new("pw")).unwrap();
        assert_eq!(key.flavour(), &flavour);
        assert_eq!(key.password_use(), PasswordUse::NotNeeded);
    }
}

#[test]
fn password_is_tried_raw_first_then_trimmed() {
    let table: &[(&[u8], &[u8], PasswordUse)] = &[
        // (encrypted with, password.txt content, what opened it)
        (b"s3cret", b"s3cret", PasswordUse::AsIs),
        (
            b"s3cret",
            b"s3cret\n",
            PasswordUse::TrailingWhitespaceTrimmed,
        ),
        (
            b"s3cret",
            b"s3cret\r\n",
            PasswordUse::TrailingWhitespaceTrimmed,
        ),
        (
            b"s3cret",
            b"s3cret  \n",
            PasswordUse::TrailingWhitespaceTrimmed,
        ),
        (b"s3cret", b" s3cret\n", PasswordUse::WhitespaceTrimmed),
        // A key really encrypted with the newline opens with the raw bytes.
        (b"s3cret\n", b"s3cret\n", PasswordUse::AsIs),
    ];
    for (encrypted_with, file, expected) in table {
        for pem in [
            traditional(rsa(), encrypted_with),
            pkcs8(rsa(), encrypted_with),
        ] {
            let key = load_private(&pem, file).unwrap();
            assert_eq!(key.password_use(), *expected, "{file:?}");
        }
    }
}

#[test]
fn wrong_password_is_named_as_such() {
    for pem in [traditional(rsa(), b"right"), pkcs8(rsa(), b"right")] {
        let err = load_private(&pem, b"wrong\n").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassword { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("wrong password"), "{message}");
        assert!(
            message.contains("private.pem") && message.contains("password.txt"),
            "{message}"
        );
    }
}

#[test]
fn encrypted_key_without_password_file() {
    let dir = key_dir(Some(&traditional(rsa(), b"pw")), None, None);
    let err = PrivateKey::load_dir(dir.path()).unwrap_err();
    assert!(matches!(err, KeyError::PasswordMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("password.txt"), "{err}");
}

#[test]
fn nul_in_password_is_an_error_not_a_panic() {
    let err = load_private(&traditional(rsa(), b"pw"), b"p\0w").unwrap_err();
    assert!(matches!(err, KeyError::PasswordNul { .. }), "{err:?}");
}

#[test]
fn non_rsa_keys_are_refused() {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let ec = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let pem = ec
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"pw")
        .unwrap();
    let err = load_private(&pem, b"pw").unwrap_err();
    assert!(matches!(err, KeyError::NotRsa { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("not an RSA key (it holds an EC key)"),
        "{err}"
    );

    let public = ec.public_key_to_pem().unwrap();
    let err = PublicKey::from_pem(&public, Path::new("public.pem")).unwrap_err();
    assert!(matches!(err, KeyError::NotRsa { .. }), "{err:?}");
}

#[test]
fn not_pem_and_swapped_files() {
    let err = load_private(b"hello", b"pw").unwrap_err();
    assert!(matches!(err, KeyError::NotPem { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("private.pem: not a PEM file"),
        "{err}"
    );

    let err = load_private(&spki(rsa()), b"pw").unwrap_err();
    assert!(
        err.to_string().contains("\"PUBLIC KEY\" PEM block"),
        "{err}"
    );

    let err = PublicKey::from_pem(&traditional(rsa(), b"pw"), Path::new("public.pem")).unwrap_err();
    assert!(err.to_string().contains("a private key"), "{err}");

    let mut broken = spki(rsa());
    broken.truncate(80);
    broken.extend_from_slice(b"\n-----END PUBLIC KEY-----\n");
    let err = PublicKey::from_pem(&broken, Path::new("public.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Malformed {
                what: "public key",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn missing_and_unreadable_files_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = KeySet::load(dir.path()).unwrap_err();
    assert!(matches!(err, KeyError::Missing { .. }), "{err:?}");
    assert!(
        err.to_string().ends_with("private.pem: file not found"),
        "{err}"
    );

    fs::create_dir(dir.path().join(PRIVATE_PEM)).unwrap();
    let err = KeySet::load(dir.path()).unwrap_err();
    assert!(matches!(err, KeyError::Unreadable { .. }), "{err:?}");
    assert!(
        err.to_string().contains("private.pem: cannot read"),
        "{err}"
    );
}

#[test]
fn key_set_checks_the_public_key() {
    let good = key_dir(
        Some(&pkcs8(rsa(), b"pw")),
        Some(b"pw\n"),
        Some(&spki(rsa())),
    );
    let set = KeySet::load(good.path()).unwrap();
    assert_eq!(set.public().format(), PublicKeyFormat::Spki);
    assert_eq!(
        set.private().password_use(),
        PasswordUse::TrailingWhitespaceTrimmed
    );

    let mismatched = key_dir(
        Some(&pkcs8(rsa(), b"pw")),
        Some(b"pw"),
        Some(&spki(other_rsa())),
    );
    let err = KeySet::load(mismatched.path()).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Mismatch {
                detail: "different modulus",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("does not match"), "{message}");
    assert!(
        message.contains("public.pem") && message.contains("private.pem"),
        "{message}"
    );
}

#[test]
fn pkcs1_public_key_verifies() {
    let pem = rsa().public_key_to_pem_pkcs1().unwrap();
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN RSA PUBLIC KEY"));
    let public = PublicKey::from_pem(&pem, Path::new("public.pem")).unwrap();
    assert_eq!(public.format(), PublicKeyFormat::Pkcs1);
    let private = load_private(&traditional(rsa(), b"pw"), b"pw").unwrap();
    let sign = private.sign(BODY, Digest::Sha1).unwrap();
    public.verify(BODY, &sign, Digest::Sha1).unwrap();
}

#[test]
fn sign_and_verify_both_digests() {
    let private = load_private(&traditional(rsa(), b"pw"), b"pw").unwrap();
    let public = PublicKey::from_pem(&spki(rsa()), Path::new("public.pem")).unwrap();
    for digest in Digest::ALL {
        let sign = private.sign(BODY, digest).unwrap();
        assert_eq!(sign.len(), 344, "2048-bit signature in base64");
        // PKCS#1 v1.5 is deterministic.
        assert_eq!(sign, private.sign(BODY, digest).unwrap());
        public.verify(BODY, &sign, digest).unwrap();
        assert_eq!(public.verify_any(BODY, &sign, &Digest::ALL), Ok(digest));

        let mut tampered = BODY.to_vec();
        tampered[12] ^= 1;
        assert_eq!(
            public.verify(&tampered, &sign, digest),
            Err(VerifyError::Mismatch {
                digest,
                verifies_with_other: false
            })
        );
        // Signed with one digest, checked with the other: reported as a mix-up.
        let err = public.verify(BODY, &sign, digest.other()).unwrap_err();
        assert_eq!(
            err,
            VerifyError::Mismatch {
                digest: digest.other(),
                verifies_with_other: true
            }
        );
        assert!(
            err.to_string()
                .contains(&format!("(it does with {digest})")),
            "{err}"
        );
    }
}

#[test]
fn the_signature_matches_the_raw_openssl_primitive() {
    // RSA PKCS#1 v1.5 = private-key operation on DigestInfo(SHA-1) padded with 0x01 0xff….
    let private = load_private(&traditional(rsa(), b"pw"), b"pw").unwrap();
    let sig = private.sign_raw(BODY, Digest::Sha1).unwrap();
    let mut recovered = vec![0u8; 256];
    let len = rsa()
        .public_decrypt(&sig, &mut recovered, openssl::rsa::Padding::PKCS1)
        .unwrap();
    let digest_info_prefix = [
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    assert_eq!(&recovered[..15], digest_info_prefix);
    assert_eq!(&recovered[15..len], openssl::sha::sha1(BODY));
}

#[test]
fn malformed_signatures() {
    let private = load_private(&traditional(rsa(), b"pw"), b"pw").unwrap();
    let public = private.public_key().unwrap();
    assert!(matches!(
        public.verify(BODY, "not base64!", Digest::Sha1),
        Err(VerifyError::Base64(_))
    ));
    assert_eq!(
        public.verify(BODY, "AAAA", Digest::Sha1),
        Err(VerifyError::Length {
            actual: 3,
            expected: 256,
            bits: 2048
        })
    );
    // Line-wrapped base64 (as some clients send it) is accepted.
    let sign = private.sign(BODY, Digest::Sha1).unwrap();
    let wrapped = format!("{}\r\n{}\n", &sign[..60], &sign[60..]);
    public.verify(BODY, wrapped, Digest::Sha1).unwrap();
}

#[test]
fn debug_shows_no_key_material() {
    let dir = key_dir(
        Some(&traditional(rsa(), b"hunter2-pass")),
        Some(b"hunter2-pass"),
        Some(&spki(rsa())),
    );
    let set = KeySet::load(dir.path()).unwrap();
    let generated = GeneratedKeys::generate(2048).unwrap();
    let password = String::from_utf8(generated.password().expose().to_vec()).unwrap();
    let shown = [
        format!("{set:?}"),
        format!("{:?}", set.private()),
        format!("{:?}", set.public()),
        format!("{:?}", Password::new("hunter2-pass")),
        format!("{generated:?}"),
    ];
    for text in shown {
        for secret in ["BEGIN", "MII", "hunter2", password.as_str()] {
            assert!(!text.contains(secret), "{text:?} shows {secret:?}");
        }
    }
    assert_eq!(
        format!("{:?}", set.private()),
        "PrivateKey { bits: 2048, flavour: TraditionalEncrypted { cipher: \"AES-256-CBC\" }, password_use: AsIs, .. }"
    );
}

#[test]
fn keys_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<PrivateKey>();
    assert_send_sync::<PublicKey>();
    assert_send_sync::<KeySet>();

    let private = load_private(&traditional(rsa(), b"pw"), b"pw").unwrap();
    let expected = private.sign(BODY, Digest::Sha1).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let key = private.clone();
            std::thread::spawn(move || key.sign(BODY, Digest::Sha1).unwrap())
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), expected);
    }
}

#[test]
fn generated_set_has_vendor_layout_and_safe_modes() {
    let generated = GeneratedKeys::generate(2048).unwrap();
    let password = generated.password().expose();
    assert_eq!(password.len(), 32);
    assert!(
        password
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    );
    let pem = String::from_utf8_lossy(generated.private_pem()).into_owned();
    assert!(pem.starts_with(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,"
    ));

    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("new/keys");
    generated.write_to(&dir, false).unwrap();
    for (name, mode) in [
        (PRIVATE_PEM, 0o600),
        (PASSWORD_TXT, 0o600),
        (PUBLIC_PEM, 0o644),
    ] {
        let meta = fs::metadata(dir.join(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, mode, "{name}");
    }
    assert_eq!(fs::read(dir.join(PASSWORD_TXT)).unwrap(), password);

    let set = KeySet::load(&dir).unwrap();
    assert_eq!(set.private().password_use(), PasswordUse::AsIs);
    let sign = set.private().sign(BODY, Digest::Sha1).unwrap();
    assert_eq!(
        sign,
        generated.private_key().sign(BODY, Digest::Sha1).unwrap()
    );

    let again = GeneratedKeys::generate(2048).unwrap();
    let err = again.write_to(&dir, false).unwrap_err();
    assert!(
        matches!(err, GenerateError::Exists { ref paths } if paths.len() == 3),
        "{err:?}"
    );
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(
        KeySet::load(&dir)
            .unwrap()
            .private()
            .sign(BODY, Digest::Sha1)
            .unwrap(),
        sign
    );

    fs::set_permissions(dir.join(PASSWORD_TXT), fs::Permissions::from_mode(0o644)).unwrap();
    again.write_to(&dir, true).unwrap();
    let meta = fs::metadata(dir.join(PASSWORD_TXT)).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_ne!(
        KeySet::load(&dir)
            .unwrap()
            .private()
            .sign(BODY, Digest::Sha1)
            .unwrap(),
        sign
    );

    assert!(matches!(
        GeneratedKeys::generate(512),
        Err(GenerateError::Bits { bits: 512 })
    ));
}
