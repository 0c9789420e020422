//! [`Application`]: everything `serve` runs, built from a [`Config`], bound to its port (0
//! picks a free one) before it is started, so tests and the CLI learn the address first.
//!
//! [`Application::build`] reads as the start-up order: bind, open the store, connect to the
//! gateway (sandbox mode: start the emulator, [`upstream`]), load the API keys
//! ([`api_keys`]), make the services and their metrics, wire the router. Background work is
//! started by [`Application::run_until`] ([`workers`]).
//!
//! About 400 lines: the application type, its build order and the small steps that only wire
//! values together; each larger step is a submodule.

mod api_keys;
mod database;
mod demo;
mod sandbox;
mod summary;
mod upstream;
mod widget;
mod workers;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use sandbox::SandboxSetup;

use crate::auth::ApiKeys;
use crate::config::{Config, CorsOrigins, Secret, ServerConfig};
use crate::metrics::{Metrics, MetricsError};
use crate::outbox::OutboxMetrics;
use crate::payouts::{PayoutSettings, Payouts};
use crate::routes::caps::StreamCaps;
use crate::routes::extract::ClientIpPolicy;
use crate::routes::health::Readiness;
use crate::routes::layers::RateLimiter;
use crate::routes::notify_guard::NotificationGuard;
use crate::routes::{AppState, HttpSettings, Shared, build_router};
use crate::sandbox::Sandbox;
use crate::sessions::{Sessions, Settings};
use crate::store::Store;
use crate::telemetry;
use upstream::Upstream;
use workers::Workers;

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

/// A built, bound, not yet running server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    urls: Urls,
    router: Router,
    services: Services,
    config: Config,
    generated_api_key: Option<Secret>,
    sandbox: Option<Sandbox>,
    shutdown: watch::Sender<bool>,
}

/// The services and their metrics.
#[derive(Debug)]
struct Services {
    sessions: Sessions,
    payouts: Payouts,
    metrics: Metrics,
    /// Handed to the outbox worker when it starts.
    outbox_metrics: OutboxMetrics,
}

/// How this server is reached.
#[derive(Debug, Clone)]
struct Urls {
    /// The bound address.
    addr: SocketAddr,
    /// `http://<address>` from this machine (the in-process emulator calls us there).
    loopback: String,
    /// How buyers reach us: `server.public_url`, else [`Urls::loopback`].
    base: String,
}

impl Application {
    /// Opens storage, prepares keys (sandbox mode: made on first start), binds the listener
    /// and wires the router.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        database::create_private_dir(&config.server.data_dir)?;
        let (listener, urls) = bind(&config.server).await?;
        let store = database::open(&config).await?;
        let upstream = upstream::connect(&config, &urls).await?;
        let (api_keys, generated_api_key) =
            api_keys::load(&config, &store, &upstream.clock).await?;
        let services = services(&config, &urls, store, &upstream)
            .map_err(|e| StartupError::Config(format!("metrics: {e}")))?;
        warn_if_not_embeddable(&config, upstream.sandbox.is_some());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = app_state(&config, &urls, &upstream, &services, api_keys, shutdown_rx);
        Ok(Application {
            listener,
            urls,
            router: build_router(state),
            services,
            config,
            generated_api_key,
            sandbox: upstream.sandbox,
            shutdown,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.urls.addr
    }

    /// How buyers reach this server (`server.public_url`, else `http://<address>`).
    pub fn base_url(&self) -> &str {
        &self.urls.base
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
        &self.services.sessions
    }

    /// Sandbox mode: the demo operator's e-mail and password, for the dashboard (see
    /// [`demo::operator`]). `None` outside sandbox mode.
    pub async fn demo_operator(&self) -> Result<Option<(String, String)>, StartupError> {
        if self.sandbox.is_none() {
            return Ok(None);
        }
        demo::operator(&self.services.sessions, &self.config.server.data_dir)
            .await
            .map(Some)
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` resolves, then stops the background work, ends SSE streams,
    /// drains connections and stops the emulator.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            services:
                Services {
                    sessions,
                    payouts,
                    outbox_metrics,
                    ..
                },
            config,
            sandbox,
            shutdown,
            ..
        } = self;
        let workers = Workers::spawn(&config, &sessions, payouts, outbox_metrics, &shutdown);
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
        workers.join().await;
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

/// Binds `server.listen` and says how the bound server is reached.
async fn bind(server: &ServerConfig) -> Result<(TcpListener, Urls), StartupError> {
    let listener = TcpListener::bind(server.listen)
        .await
        .map_err(|e| StartupError::Io(format!("cannot listen on {}: {e}", server.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartupError::Io(e.to_string()))?;
    let loopback = format!("http://{}", loopback(addr));
    let base = server
        .public_url
        .clone()
        .unwrap_or_else(|| loopback.clone());
    Ok((
        listener,
        Urls {
            addr,
            loopback,
            base,
        },
    ))
}

/// The services over the store and the gateway, their families registered on a new
/// [`Metrics`].
fn services(
    config: &Config,
    urls: &Urls,
    store: Store,
    upstream: &Upstream,
) -> Result<Services, MetricsError> {
    let metrics = Metrics::new();
    let sessions = sessions(config, urls, store, upstream, &metrics)?;
    let payouts = payouts(config, &sessions);
    crate::sessions::metrics::register(&metrics, &sessions)?;
    crate::payouts::metrics::register(&metrics, &payouts)?;
    let outbox_metrics = OutboxMetrics::register(&metrics, sessions.store())?;
    Ok(Services {
        sessions,
        payouts,
        metrics,
        outbox_metrics,
    })
}

/// The checkout service over the store and the gateway.
fn sessions(
    config: &Config,
    urls: &Urls,
    store: Store,
    upstream: &Upstream,
    metrics: &Metrics,
) -> Result<Sessions, MetricsError> {
    let checkout = &config.checkout;
    let settings = Settings {
        merchant_name: checkout.merchant_name.clone(),
        methods: checkout.methods.clone(),
        services: checkout.services.clone(),
        default_bank: checkout.default_bank.clone(),
        default_lifetime: checkout.default_lifetime,
        max_attempts: checkout.max_attempts,
        public_url: urls.base.clone(),
        notification_url: upstream.notification_url.clone(),
        test_mode: upstream.sandbox.is_some(),
        reconciler: config.reconciler,
    };
    Sessions::new(
        store,
        upstream.gateway.clone(),
        upstream.clock.clone(),
        settings,
        metrics,
    )
}

/// The payout service, sharing the sessions' store, gateway and clock.
fn payouts(config: &Config, sessions: &Sessions) -> Payouts {
    let settings = sessions.settings();
    Payouts::new(
        sessions.store().clone(),
        sessions.gateway().clone(),
        sessions.clock().clone(),
        PayoutSettings {
            default_bank: config.checkout.default_bank.clone(),
            notification_url: settings.notification_url.clone(),
            gateway_timeout: sessions.gateway().timeout(),
            reconciler: config.reconciler,
            livemode: !settings.test_mode,
        },
    )
}

/// Outside sandbox mode, an empty `server.cors_origins` keeps the widget off shops' pages.
fn warn_if_not_embeddable(config: &Config, test_mode: bool) {
    if !test_mode
        && matches!(&config.server.cors_origins, CorsOrigins::List(list) if list.is_empty())
    {
        tracing::warn!(
            "server.cors_origins is empty: the widget works on the hosted page (/pay/…) only; \
             list the shops' origins to embed it on their pages"
        );
    }
}

/// Everything the handlers share: the services, the HTTP settings and the guards.
fn app_state(
    config: &Config,
    urls: &Urls,
    upstream: &Upstream,
    services: &Services,
    api_keys: ApiKeys,
    shutdown: watch::Receiver<bool>,
) -> AppState {
    let Services {
        sessions,
        payouts,
        metrics,
        ..
    } = services;
    let server = &config.server;
    let test_mode = upstream.sandbox.is_some();
    let assets = widget::assets(&server.dist_dir);
    let readiness = Readiness::new(
        upstream.key_probes.clone(),
        upstream.public_keys.clone(),
        assets.as_ref().map(|a| a.build().to_owned()),
    );
    AppState::new(Shared {
        sessions: sessions.clone(),
        payouts: payouts.clone(),
        events: crate::outbox::Events::new(sessions.store().clone(), sessions.clock().clone()),
        api_keys: Arc::new(api_keys),
        verifier: Arc::new(upstream.verifier.clone()),
        client_ip: Arc::new(ClientIpPolicy::new(server.trusted_proxies.clone())),
        rate_limiter: Arc::new(RateLimiter::new(server.rate_limit)),
        shutdown,
        http: Arc::new(HttpSettings {
            cors: server.cors_origins.clone(),
            body_limit: server.body_limit,
            request_timeout: server.request_timeout,
            hsts: urls.base.starts_with("https://"),
            test_mode,
            metrics_public: config.metrics.public,
            widget: widget::routes(config, sessions, test_mode, assets),
            sandbox: upstream.sandbox.as_ref().map(Sandbox::router),
        }),
        metrics: metrics.clone(),
        readiness: Arc::new(readiness),
        stream_caps: StreamCaps::new(&server.floods),
        notifications: crate::notify::journal::Notifications::new(
            sessions.store().clone(),
            sessions.clock().clone(),
        ),
        notify_guard: Arc::new(NotificationGuard::new(&server.floods)),
        dashboard: Arc::new(crate::dashboard::Dashboard {
            operators: crate::operators::Operators::new(
                sessions.store().clone(),
                sessions.clock().clone(),
            ),
            secure_cookie: urls.base.starts_with("https://"),
            config_summary: summary::config_summary(config, &urls.base),
            webhook_endpoint: config.webhooks.endpoint.as_ref().map(|e| {
                let secret = e.secret.expose();
                let tail: String = secret
                    .chars()
                    .skip(secret.chars().count().saturating_sub(4))
                    .collect();
                (e.url.clone(), tail)
            }),
        }),
    })
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
