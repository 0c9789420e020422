//! The merchant API keys at start-up: the configured one, else the stored ones of this mode,
//! else (sandbox mode) a new `sk_test_` key, stored hashed and shown once.

use super::StartupError;
use crate::auth::{self, ApiKeys};
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::store::Store;

/// The API keys, and the key made at this start if one was. Keys stored before keys had
/// modes carry no prefix: a sandbox start then makes a new key (the old ones would be refused
/// for their missing prefix anyway).
pub(super) async fn load(
    config: &Config,
    store: &Store,
    clock: &Clock,
) -> Result<(ApiKeys, Option<Secret>), StartupError> {
    let mode = config.gateway.mode();
    if let Some(setting) = &config.server.api_key {
        return Ok((ApiKeys::from_setting(mode, setting), None));
    }
    let label = generated_label(mode);
    let stored = store.api_key_hashes().await?;
    let (current, outdated): (Vec<_>, Vec<_>) = stored.into_iter().partition(|k| k.label == label);
    if !current.is_empty() {
        let digests = current.into_iter().map(|k| k.sha256).collect();
        return Ok((ApiKeys::from_digests(mode, digests), None));
    }
    if !config.gateway.is_sandbox() {
        return Err(StartupError::Config(
            "server.api_key: set CHECKOUT_API_KEY (an sk_live_… key) or server.api_key_hash (required outside sandbox mode)"
                .to_owned(),
        ));
    }
    if !outdated.is_empty() {
        tracing::warn!(
            keys = outdated.len(),
            "stored API keys without a mode prefix are no longer accepted; a new sk_test_ key is printed"
        );
    }
    let key = auth::generate(mode).map_err(|e| StartupError::Keys(e.to_string()))?;
    let digest = auth::digest(key.expose());
    store.insert_api_key(&digest, &label, clock.now()).await?;
    Ok((ApiKeys::from_digests(mode, vec![digest]), Some(key)))
}

/// The label of a key generated at start-up in `mode`.
fn generated_label(mode: auth::Mode) -> String {
    format!("generated {}", mode.key_prefix())
}
