//! `keys generate` and `keys check`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use clap::{Args, Subcommand};

use crate::signing::generate::MIN_BITS;
use crate::signing::{Digest, GeneratedKeys, KeyError, KeySet, PrivateKey, PublicKey};
use crate::signing::{PASSWORD_TXT, PRIVATE_PEM, PUBLIC_PEM};

/// The body `keys check` signs and verifies.
const PROBE: &[u8] = br#"{"probe":"alikassa-checkout keys check","amount":"1.00"}"#;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new key set: private.pem (encrypted, traditional PEM, AES-256-CBC),
    /// password.txt (random), public.pem (SPKI).
    Generate(GenerateArgs),
    /// Load a key set, sign a probe, verify it with public.pem, and explain any problem.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// RSA key size in bits.
    #[arg(long, default_value_t = 2048, value_name = "BITS")]
    pub bits: u32,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Directory holding private.pem, password.txt and public.pem.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Digest of the probe signature.
    #[arg(long, value_enum, default_value_t = Digest::default())]
    pub digest: Digest,
}

pub(super) fn generate(args: &GenerateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let keys = GeneratedKeys::generate(args.bits)?;
    let written = keys.write_to(&args.out, args.force)?;
    // Read the files back the way every other command will.
    let set = KeySet::load(&args.out).context("the key set just written does not load")?;
    for path in &written {
        writeln!(out, "wrote {}", path.display())?;
    }
    writeln!(
        out,
        "{PRIVATE_PEM}: RSA {} bits, {}; {PASSWORD_TXT}: {} random characters; {PUBLIC_PEM}: SPKI",
        set.private().bits(),
        set.private().flavour(),
        keys.password().expose().len(),
    )?;
    Ok(())
}

pub(super) fn check(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let dir = &args.dir;
    let private_path = dir.join(PRIVATE_PEM);
    let public_path = dir.join(PUBLIC_PEM);
    writeln!(out, "checking the key set in {}", dir.display())?;

    let private = PrivateKey::load(&private_path, &dir.join(PASSWORD_TXT)).map_err(explain)?;
    writeln!(
        out,
        "{PRIVATE_PEM}:  RSA {} bits, {}",
        private.bits(),
        private.flavour()
    )?;
    writeln!(out, "{PASSWORD_TXT}: {}", private.password_use())?;
    if !private.flavour().is_encrypted() {
        writeln!(
            out,
            "warning: {PRIVATE_PEM} is not encrypted; anyone who can read it can sign as you"
        )?;
    }
    if private.bits() < MIN_BITS {
        writeln!(
            out,
            "warning: {} bits is weak; AliKassa keys are normally 2048 bits",
            private.bits()
        )?;
    }

    let public = PublicKey::load(&public_path).map_err(explain)?;
    writeln!(
        out,
        "{PUBLIC_PEM}:   RSA {} bits, {}",
        public.bits(),
        public.format()
    )?;
    private.check_matches(&public).map_err(|detail| {
        explain(KeyError::Mismatch {
            private: private_path.clone(),
            public: public_path.clone(),
            detail,
        })
    })?;
    writeln!(
        out,
        "match:        {PUBLIC_PEM} is the public half of {PRIVATE_PEM}"
    )?;

    let sign = private.sign(PROBE, args.digest)?;
    public
        .verify(PROBE, &sign, args.digest)
        .map_err(|e| anyhow!("the probe signature does not verify with {PUBLIC_PEM}: {e}"))?;
    writeln!(
        out,
        "probe:        signed with {} and verified with {PUBLIC_PEM}",
        args.digest
    )?;
    writeln!(out, "OK: the key set is usable")?;
    Ok(())
}

/// The error plus what to do about it.
fn explain(error: KeyError) -> anyhow::Error {
    let hint = match &error {
        KeyError::WrongPassword { .. } => Some(
            "use the password.txt from the same archive as private.pem \
             (the certificate page of the AliKassa cabinet)",
        ),
        KeyError::PasswordMissing { .. } => {
            Some("put the archive's password.txt next to private.pem")
        }
        KeyError::Mismatch { .. } => Some(
            "private.pem and public.pem must come from the same archive \
             (payment and payout certificates are different key sets)",
        ),
        KeyError::NotRsa { .. } | KeyError::NotPem { .. } | KeyError::Malformed { .. } => {
            Some("use the files of the archive downloaded from the AliKassa cabinet as they are")
        }
        KeyError::Missing { .. } | KeyError::Unreadable { .. } | KeyError::PasswordNul { .. } => {
            None
        }
    };
    match hint {
        Some(hint) => anyhow!("{error}\nhint: {hint}"),
        None => anyhow::Error::new(error),
    }
}
