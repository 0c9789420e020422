//! [`Application`]: everything `serve` runs, built from a [`Config`], bound to its port (0
//! picks a free one) before it is started, so tests and the CLI learn the address first.

mod sandbox;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use shared::HttpUrl;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use sandbox::SandboxSetup;

use crate::auth::{self, ApiKeys};
use crate::clock::Clock;
use crate::config::{Config, CorsOrigins, DatabaseLocation, GatewayMode, Secret};
use crate::gateway::{GatewayClient, GatewaySettings};
use crate::metrics::Metrics;
use crate::notify::NotificationVerifier;
use crate::payouts::{PayoutSettings, Payouts};
use crate::routes::extract::ClientIpPolicy;
use crate::routes::health::{KeyProbe, Readiness};
use crate::routes::layers::RateLimiter;
use crate::routes::{AppState, HttpSettings, build_router};
use crate::sandbox::Sandbox;
use crate::sessions::{Sessions, Settings};
use crate::signing::{KeySet, PublicKey};
use crate::store::Store;
use crate::widget::assets::WidgetAssets;
use crate::widget::{self, WidgetConfig};
use crate::{reconciler, telemetry};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A file or directory problem.
    #[error("{0}")]
    Io(String),
    /// Key material is missing or wrong.
    #[error("keys: {0}")]
    Keys(String),
    /// The database cannot be opened or migrated.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The emulator did not start.
    #[error("{0}")]
    Sandbox(String),
    /// Something else in the configuration cannot work.
    #[error("config error: {0}")]
    Config(String),
}

/// Sandbox mode: a missing `checkout.db` beside the emulator's state means the sessions were
/// lost while the emulator still holds their payments; a fresh database would silently forget
/// them. Starting afresh is a choice: remove the `sandbox` directory too.
fn refuse_lost_database(config: &Config) -> Result<(), StartupError> {
    let server = &config.server;
    let sandbox_db = server.data_dir.join("sandbox").join("sandbox.db");
    match &server.database {
        DatabaseLocation::Sqlite(path)
            if config.gateway.is_sandbox() && !path.exists() && sandbox_db.exists() =>
        {
            Err(StartupError::Io(format!(
                "the database {} is missing but the sandbox state {} is there: restore the \
                 database, or remove {} to start afresh",
                path.display(),
                sandbox_db.display(),
                server.data_dir.join("sandbox").display()
            )))
        }
        _ => Ok(()),
    }
}

/// A built, bound, not yet running server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    sessions: Sessions,
    config: Config,
    generated_api_key: Option<Secret>,
    sandbox: Option<Sandbox>,
    shutdown: watch::Sender<bool>,
    base_url: String,
    outbox_metrics: crate::outbox::OutboxMetrics,
    payouts: Payouts,
}

impl Application {
    /// Opens storage, prepares keys (sandbox mode: made on first start), binds the listener
    /// and wires the router.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let server = &config.server;
        create_private_dir(&server.data_dir)?;
        let listener = TcpListener::bind(server.listen)
            .await
            .map_err(|e| StartupError::Io(format!("cannot listen on {}: {e}", server.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartupError::Io(e.to_string()))?;
        let loopback = format!("http://{}", loopback(addr));
        let base_url = server
            .public_url
            .clone()
            .unwrap_or_else(|| loopback.clone());
        refuse_lost_database(&config)?;
        let store = Store::open(&server.database).await?;
        let (shutdown, shutdown_rx) = watch::channel(false);

        let (gateway, verifier, clock, sandbox, notification_url, probes) = match &config.gateway {
            GatewayMode::Sandbox(settings) => {
                let setup = sandbox::prepare(&server.data_dir, settings, &base_url).await?;
                let gateway = client(GatewaySettings {
                    base_url: format!("{loopback}/sandbox/"),
                    account: setup.account,
                    payment_key: setup.payment.private().clone(),
                    payout_key: setup.payout.private().clone(),
                    digest: settings.digest,
                    timeout: settings.timeout,
                })?;
                let verifier = NotificationVerifier::new(setup.notification.public().clone());
                let clock = Clock::Sandbox(setup.sandbox.clock().clone());
                // The emulator is in-process: it reaches our webhook over loopback.
                let url = url(&format!("{loopback}/webhooks/alikassa"))?;
                let probes = key_probes(
                    setup.payment.dir(),
                    setup.payout.dir(),
                    settings.digest,
                    None,
                );
                (
                    gateway,
                    verifier,
                    clock,
                    Some(setup.sandbox),
                    Some(url),
                    probes,
                )
            }
            GatewayMode::Remote(remote) => {
                let keys =
                    |dir: &Path| KeySet::load(dir).map_err(|e| StartupError::Keys(e.to_string()));
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
                let notification_url = match &server.public_url {
                    Some(public) => Some(url(&format!("{public}/webhooks/alikassa"))?),
                    None => {
                        tracing::warn!(
                            "server.public_url is not set: the gateway cannot send notifications; statuses come from the reconciler only"
                        );
                        None
                    }
                };
                let probes = key_probes(
                    &remote.payment_keys_dir,
                    &remote.payout_keys_dir,
                    remote.digest,
                    Some(&remote.notification_public_key),
                );
                (
                    gateway,
                    NotificationVerifier::new(notification),
                    Clock::System,
                    None,
                    notification_url,
                    probes,
                )
            }
        };

        let (api_keys, generated_api_key) = api_keys(&config, &store, &clock).await?;
        let checkout = &config.checkout;
        let test_mode = sandbox.is_some();
        let metrics = Metrics::new();
        let sessions = Sessions::new(
            store,
            gateway,
            clock,
            Settings {
                merchant_name: checkout.merchant_name.clone(),
                methods: checkout.methods.clone(),
                services: checkout.services.clone(),
                default_bank: checkout.default_bank.clone(),
                default_lifetime: checkout.default_lifetime,
                max_attempts: checkout.max_attempts,
                public_url: base_url.clone(),
                notification_url,
                test_mode,
                reconciler: config.reconciler,
            },
            &metrics,
        )
        .map_err(|e| StartupError::Config(format!("metrics: {e}")))?;
        let payouts = Payouts::new(
            sessions.store().clone(),
            sessions.gateway().clone(),
            sessions.clock().clone(),
            PayoutSettings {
                default_bank: checkout.default_bank.clone(),
                notification_url: sessions.settings().notification_url.clone(),
                gateway_timeout: sessions.gateway().timeout(),
                reconciler: config.reconciler,
                livemode: !test_mode,
            },
        );
        let assets = widget_assets(&server.dist_dir);
        let (key_probes, public_keys) = probes;
        let readiness = Readiness::new(
            key_probes,
            public_keys,
            assets.as_ref().map(|a| a.build().to_owned()),
        );
        let widget = widget::routes_with(
            WidgetConfig {
                dist_dir: server.dist_dir.clone(),
                merchant_name: checkout.merchant_name.clone(),
                merchant_logo_url: checkout.merchant_logo_url.clone(),
                test_mode,
                views: Some(session_views(&sessions)),
            },
            assets,
        );
        if !test_mode && matches!(&server.cors_origins, CorsOrigins::List(list) if list.is_empty())
        {
            tracing::warn!(
                "server.cors_origins is empty: the widget works on the hosted page (/pay/…) only; \
                 list the shops' origins to embed it on their pages"
            );
        }
        crate::sessions::metrics::register(&metrics, &sessions)
            .map_err(|e| StartupError::Config(format!("metrics: {e}")))?;
        let outbox_metrics = crate::outbox::OutboxMetrics::register(&metrics, sessions.store())
            .map_err(|e| StartupError::Config(format!("metrics: {e}")))?;
        crate::payouts::metrics::register(&metrics, &payouts)
            .map_err(|e| StartupError::Config(format!("metrics: {e}")))?;
        let state = AppState {
            sessions: sessions.clone(),
            payouts: payouts.clone(),
            events: crate::outbox::Events::new(sessions.store().clone(), sessions.clock().clone()),
            api_keys: Arc::new(api_keys),
            verifier: Arc::new(verifier),
            client_ip: Arc::new(ClientIpPolicy::new(server.trusted_proxies.clone())),
            rate_limiter: Arc::new(RateLimiter::new(server.rate_limit)),
            shutdown: shutdown_rx,
            http: Arc::new(HttpSettings {
                cors: server.cors_origins.clone(),
                body_limit: server.body_limit,
                request_timeout: server.request_timeout,
                hsts: base_url.starts_with("https://"),
                test_mode,
                metrics_public: config.metrics.public,
                widget,
                sandbox: sandbox.as_ref().map(Sandbox::router),
            }),
            metrics,
            readiness: Arc::new(readiness),
            stream_caps: crate::routes::caps::StreamCaps::new(&server.floods),
            notify_guard: Arc::new(crate::routes::notify_guard::NotificationGuard::new(
                &server.floods,
            )),
        };
        Ok(Application {
            listener,
            addr,
            router: build_router(state),
            sessions,
            generated_api_key,
            sandbox,
            shutdown,
            base_url,
            config,
            outbox_metrics,
            payouts,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How buyers reach this server (`server.public_url`, else `http://<address>`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key made at this start, if one was (shown once).
    pub fn generated_api_key(&self) -> Option<&Secret> {
        self.generated_api_key.as_ref()
    }

    /// The emulator, in sandbox mode.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// The checkout service.
    pub fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` resolves, then stops the reconciler, ends SSE streams, drains
    /// connections and stops the emulator.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            sessions,
            config,
            sandbox,
            shutdown,
            outbox_metrics,
            payouts,
            ..
        } = self;
        let payout_reconciler: JoinHandle<()> =
            crate::payouts::reconciler::spawn(payouts, config.reconciler, shutdown.subscribe());
        let reconciler: JoinHandle<()> =
            reconciler::spawn(sessions.clone(), config.reconciler, shutdown.subscribe());
        let outbox: JoinHandle<()> = crate::outbox::spawn(
            sessions.store().clone(),
            config.webhooks.clone(),
            sessions.clock().clone(),
            outbox_metrics,
            shutdown.subscribe(),
        );
        // Several replicas on PostgreSQL: SSE subscribers here hear changes made elsewhere.
        let relay = match &config.server.database {
            DatabaseLocation::Postgres(url) => {
                Some(sessions.spawn_relay(url.clone(), shutdown.subscribe()))
            }
            DatabaseLocation::Sqlite(_) => None,
        };
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let stopping = shutdown.clone();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                signal.await;
                tracing::info!("shutting down");
                let _ = stopping.send(true);
            })
            .await;
        let _ = shutdown.send(true);
        let _ = reconciler.await;
        let _ = payout_reconciler.await;
        let _ = outbox.await;
        if let Some(relay) = relay {
            let _ = relay.await;
        }
        if let Some(sandbox) = sandbox {
            sandbox.shutdown();
        }
        sessions.store().close().await;
        result
    }

    /// Initialises logging as configured (for the CLI).
    pub fn init_telemetry(config: &Config) {
        telemetry::init(config.server.log_format);
    }
}

/// The API keys: the configured one, else the stored ones of this mode, else (sandbox mode) a
/// new `sk_test_` one whose hash is stored and which is returned to be shown once. Keys stored
/// before keys had modes carry no prefix: a sandbox start then makes a new key (the old ones
/// would be refused for their missing prefix anyway).
async fn api_keys(
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

/// What `/readyz` probes: the two signing key sets, and the public keys that must load (the
/// gateway's notification key in production).
fn key_probes(
    payment: &Path,
    payout: &Path,
    digest: crate::signing::Digest,
    notification: Option<&Path>,
) -> (Vec<KeyProbe>, Vec<PathBuf>) {
    let probe = |name, dir: &Path| KeyProbe {
        name,
        dir: dir.to_owned(),
        digest,
    };
    (
        vec![probe("payment", payment), probe("payout", payout)],
        notification.map(Path::to_owned).into_iter().collect(),
    )
}

/// The hosted page's view loader: the widget API's own answer (view or error body).
fn session_views(sessions: &Sessions) -> widget::SessionViews {
    let sessions = sessions.clone();
    widget::SessionViews::new(move |token| {
        let sessions = sessions.clone();
        Box::pin(async move {
            match sessions.view(&token).await {
                Ok(view) => Ok(view),
                Err(error) => {
                    let response = axum::response::IntoResponse::into_response(
                        crate::error::ApiError::from(error),
                    );
                    let status = response.status();
                    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                        .await
                        .unwrap_or_default();
                    Err((status, String::from_utf8_lossy(&body).into_owned()))
                }
            }
        })
    })
}

/// The widget build in `dist_dir`, or `None` (logged; `/widget/v1` answers 503 and `/readyz`
/// says `widget: not built`).
fn widget_assets(dist_dir: &Path) -> Option<Arc<WidgetAssets>> {
    match WidgetAssets::load(dist_dir) {
        Ok(assets) => {
            tracing::info!(build = assets.build(), dir = %dist_dir.display(), "widget build loaded");
            Some(Arc::new(assets))
        }
        Err(error) => {
            tracing::warn!(%error, "widget build not available; /widget/v1 answers 503");
            None
        }
    }
}

fn client(settings: GatewaySettings) -> Result<GatewayClient, StartupError> {
    GatewayClient::new(settings).map_err(|e| StartupError::Io(e.to_string()))
}

fn url(text: &str) -> Result<HttpUrl, StartupError> {
    HttpUrl::parse(text).map_err(|e| StartupError::Config(format!("{text}: {e}")))
}

/// The address to reach a listener bound to `addr` from this machine.
fn loopback(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    SocketAddr::new(ip, addr.port())
}

/// Creates the data dir, readable by its owner only.
fn create_private_dir(dir: &Path) -> Result<(), StartupError> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StartupError::Io(format!("{}: {e}", dir.display())))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
