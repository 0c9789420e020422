//! `sign`: the `Sign` header value for a body on stdin.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::signing::{Digest, PrivateKey};

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Directory holding private.pem and password.txt.
    #[arg(long, value_name = "DIR")]
    pub keys: PathBuf,
    /// Digest of the signature: sha1 (what the gateway's reference sample uses) or sha256.
    #[arg(long, value_enum, default_value_t = Digest::default())]
    pub digest: Digest,
}

pub(super) fn sign(
    args: &SignArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let key = PrivateKey::load_dir(&args.keys)?;
    // The exact bytes: the gateway verifies what is sent, so nothing is trimmed.
    let mut body = Vec::new();
    stdin
        .read_to_end(&mut body)
        .context("cannot read the body from stdin")?;
    writeln!(out, "{}", key.sign(&body, args.digest)?)?;
    Ok(())
}
