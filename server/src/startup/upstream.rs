//! The gateway side of start-up: in sandbox mode the emulator started in-process with keys made
//! on first start, otherwise the configured key sets and the real gateway. Either way the
//! result is the same [`Upstream`]: a signed client, the notification verifier, the clock and
//! what `/readyz` probes.

use std::path::{Path, PathBuf};

use shared::HttpUrl;

use super::{StartupError, Urls, sandbox};
use crate::clock::Clock;
use crate::config::{Config, GatewayMode, RemoteGateway, SandboxSettings};
use crate::gateway::{GatewayClient, GatewaySettings};
use crate::notify::NotificationVerifier;
use crate::routes::health::KeyProbe;
use crate::sandbox::Sandbox;
use crate::signing::{Digest, KeySet, PublicKey};

/// The gateway this server talks to, and what comes with it.
#[derive(Debug)]
pub(super) struct Upstream {
    /// The one signed client.
    pub gateway: GatewayClient,
    /// Checks the gateway's notifications.
    pub verifier: NotificationVerifier,
    /// The emulator's clock in sandbox mode (tests move it), else the system's.
    pub clock: Clock,
    /// The running emulator, in sandbox mode.
    pub sandbox: Option<Sandbox>,
    /// Where the gateway sends notifications (`None`: nowhere it could reach).
    pub notification_url: Option<HttpUrl>,
    /// The key sets `/readyz` signs with.
    pub key_probes: Vec<KeyProbe>,
    /// The public keys `/readyz` loads.
    pub public_keys: Vec<PathBuf>,
}

/// Connects to the configured gateway (sandbox mode: starts the emulator first).
pub(super) async fn connect(config: &Config, urls: &Urls) -> Result<Upstream, StartupError> {
    match &config.gateway {
        GatewayMode::Sandbox(settings) => emulator(config, settings, urls).await,
        GatewayMode::Remote(remote) => remote_gateway(config, remote),
    }
}

/// Sandbox mode: the emulator under `/sandbox/` of this very server, reached over loopback.
async fn emulator(
    config: &Config,
    settings: &SandboxSettings,
    urls: &Urls,
) -> Result<Upstream, StartupError> {
    let setup = sandbox::prepare(&config.server.data_dir, settings, &urls.base).await?;
    let gateway = client(GatewaySettings {
        base_url: format!("{}/sandbox/", urls.loopback),
        account: setup.account,
        payment_key: setup.payment.private().clone(),
        payout_key: setup.payout.private().clone(),
        digest: settings.digest,
        timeout: settings.timeout,
    })?;
    // The emulator is in-process: it reaches our webhook over loopback.
    let notification_url = url(&format!("{}/webhooks/alikassa", urls.loopback))?;
    Ok(Upstream {
        gateway,
        verifier: NotificationVerifier::new(setup.notification.public().clone()),
        clock: Clock::Sandbox(setup.sandbox.clock().clone()),
        key_probes: key_probes(setup.payment.dir(), setup.payout.dir(), settings.digest),
        public_keys: Vec::new(),
        sandbox: Some(setup.sandbox),
        notification_url: Some(notification_url),
    })
}

/// The real gateway, with the merchant's key sets and the gateway's notification key.
fn remote_gateway(config: &Config, remote: &RemoteGateway) -> Result<Upstream, StartupError> {
    let keys = |dir: &Path| KeySet::load(dir).map_err(|e| StartupError::Keys(e.to_string()));
    let payment = keys(&remote.payment_keys_dir)?;
    let payout = keys(&remote.payout_keys_dir)?;
    let notification = PublicKey::load(&remote.notification_public_key)
        .map_err(|e| StartupError::Keys(e.to_string()))?;
    let gateway = client(GatewaySettings {
        base_url: remote.base_url.to_string(),
        account: remote.account,
        payment_key: payment.private().clone(),
        payout_key: payout.private().clone(),
        digest: remote.digest,
        timeout: remote.timeout,
    })?;
    let notification_url = match &config.server.public_url {
        Some(public) => Some(url(&format!("{public}/webhooks/alikassa"))?),
        None => {
            tracing::warn!(
                "server.public_url is not set: the gateway cannot send notifications; statuses come from the reconciler only"
            );
            None
        }
    };
    Ok(Upstream {
        gateway,
        verifier: NotificationVerifier::new(notification),
        clock: Clock::System,
        sandbox: None,
        notification_url,
        key_probes: key_probes(
            &remote.payment_keys_dir,
            &remote.payout_keys_dir,
            remote.digest,
        ),
        public_keys: vec![remote.notification_public_key.clone()],
    })
}

/// What `/readyz` signs with: the two signing key sets.
fn key_probes(payment: &Path, payout: &Path, digest: Digest) -> Vec<KeyProbe> {
    let probe = |name, dir: &Path| KeyProbe {
        name,
        dir: dir.to_owned(),
        digest,
    };
    vec![probe("payment", payment), probe("payout", payout)]
}

fn client(settings: GatewaySettings) -> Result<GatewayClient, StartupError> {
    GatewayClient::new(settings).map_err(|e| StartupError::Io(e.to_string()))
}

fn url(text: &str) -> Result<HttpUrl, StartupError> {
    HttpUrl::parse(text).map_err(|e| StartupError::Config(format!("{text}: {e}")))
}
