//! The checkout domain: sessions, their payment attempts and statuses.
//!
//! [`Sessions`] is the one service the routes, the webhook and the reconciler call. Every
//! change to a session happens under that session's lock ([`locks`]) and is committed in one
//! transaction with its history entry, then published to SSE subscribers ([`events`]).
//!
//! Gateway order ids: attempt `n` of a session with order id `A` is sent as `A-n`. Retrying
//! the same attempt reuses `A-n` (after a status lookup), and switching method starts `A-(n+1)`,
//! so there is exactly one gateway payment per attempt. Merchant order ids are therefore
//! limited to [`MAX_ORDER_ID_CHARS`] characters.

pub mod decide;
mod error;
pub mod events;
#[cfg(test)]
mod fixtures;
pub mod limiter;
pub mod locks;
pub mod metrics;
mod notification;
mod overview;
mod pay;
mod poll;
mod status;
mod views;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shared::api::{
    CheckoutView, CreateSessionRequest, Locale, SessionCreated, SessionDetails, SessionId,
    SessionList, SessionToken, StatusChange, StatusSource, StatusUpdate,
};
use shared::{BankCode, HttpUrl, LifetimeSecs, Method, SessionStatus};
use time::OffsetDateTime;

pub use decide::StatusReport;
pub use error::SessionError;
pub use events::{EventHub, SessionEvent, Subscription};
pub use limiter::UpstreamLimiter;
pub use locks::{SessionGuard, SessionLocks};
pub use overview::{Overview, TIME_TO_PAID_SAMPLE, find_status};
pub use pay::Payer;
pub use status::Applied;

use crate::clock::{self, Clock};
use crate::config::ReconcilerConfig;
use crate::gateway::GatewayClient;
use crate::metrics::{Metrics, MetricsError};
use crate::page;
use crate::store::{Change, ListFilter, SessionRecord, Store, StoreError};

/// Longest merchant order id: the gateway's 128 less room for the attempt suffix (`-20`).
pub const MAX_ORDER_ID_CHARS: usize = 120;

/// What the service needs to know about this checkout.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The shop name buyers see.
    pub merchant_name: String,
    /// Methods enabled on this checkout, in display order (a session offers a subset).
    pub methods: Vec<Method>,
    /// Gateway service per method.
    pub services: Vec<(Method, String)>,
    /// `customer_code` where the gateway requires one.
    pub default_bank: BankCode,
    /// Lifetime when the merchant gives none.
    pub default_lifetime: LifetimeSecs,
    /// Most attempts per session.
    pub max_attempts: u32,
    /// This server's public base URL, no trailing slash (hosted page links).
    pub public_url: String,
    /// Where the gateway sends notifications.
    pub notification_url: Option<HttpUrl>,
    /// Sandbox mode.
    pub test_mode: bool,
    /// Poll schedule and the per-payment upstream call limit.
    pub reconciler: ReconcilerConfig,
}

impl Settings {
    fn service(&self, method: Method) -> &str {
        self.services
            .iter()
            .find(|(m, _)| *m == method)
            .map_or(method.default_service(), |(_, s)| s.as_str())
    }
}

/// The checkout service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sessions {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    gateway: GatewayClient,
    clock: Clock,
    events: EventHub,
    limiter: UpstreamLimiter,
    locks: SessionLocks,
    settings: Settings,
    /// Gateway reports that did not match the payment they named, by field.
    conflicts: metrics::Conflicts,
    /// The dashboard overview's figures per day.
    day_cache: overview::DayCache,
}

impl Sessions {
    /// The service over `store` and `gateway`, counting what it counts in `metrics`.
    pub fn new(
        store: Store,
        gateway: GatewayClient,
        clock: Clock,
        settings: Settings,
        metrics: &Metrics,
    ) -> Result<Sessions, MetricsError> {
        let conflicts = metrics::conflicts(metrics)?;
        Ok(Sessions {
            inner: Arc::new(Inner {
                conflicts,
                limiter: UpstreamLimiter::new(settings.reconciler.min_call_interval),
                store,
                gateway,
                clock,
                events: EventHub::new(1024),
                locks: SessionLocks::default(),
                day_cache: overview::DayCache::default(),
                settings,
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The gateway client.
    pub fn gateway(&self) -> &GatewayClient {
        &self.inner.gateway
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Subscribes to every session's status changes.
    pub fn events(&self) -> &EventHub {
        &self.inner.events
    }

    /// `POST /api/v1/sessions`. Returns the session and whether it is new: the same
    /// `order_id` with the same amount and buyer returns the existing session (a safe retry);
    /// with other values it is a conflict.
    pub async fn create(
        &self,
        request: CreateSessionRequest,
    ) -> Result<(SessionCreated, bool), SessionError> {
        let settings = &self.inner.settings;
        let order_chars = request.order_id.as_str().chars().count();
        if order_chars > MAX_ORDER_ID_CHARS {
            return Err(SessionError::Invalid {
                field: "order_id",
                message: format!(
                    "order_id must be at most {MAX_ORDER_ID_CHARS} characters long, got {order_chars}"
                ),
            });
        }
        let methods = match request.methods {
            Some(methods) => {
                if let Some(m) = methods.iter().find(|m| !settings.methods.contains(m)) {
                    return Err(SessionError::Invalid {
                        field: "methods",
                        message: format!("method {m} is not enabled on this checkout"),
                    });
                }
                methods
            }
            None => settings.methods.clone(),
        };
        let now = self.inner.clock.now();
        let lifetime = request.lifetime_secs.unwrap_or(settings.default_lifetime);
        let session = SessionRecord {
            id: SessionId::from(uuid::Uuid::new_v4()),
            token: new_token()?,
            order_id: request.order_id,
            amount: request.amount,
            customer_user_id: request.customer_user_id,
            methods,
            description: request.description,
            locale: request.locale.unwrap_or(Locale::Ru),
            success_url: request.success_url,
            fail_url: request.fail_url,
            metadata: request.metadata,
            status: SessionStatus::Open,
            paid_amount: None,
            needs_attention: false,
            current_attempt: None,
            created_at: now,
            updated_at: now,
            expires_at: now + lifetime.duration(),
        };
        let entry = StatusChange {
            status: SessionStatus::Open,
            payment_status: None,
            gateway_payment_id: None,
            source: StatusSource::Created,
            detail: None,
            at: now,
        };
        match self.inner.store.insert_session(&session, &entry).await {
            Ok(()) => {
                tracing::info!(session = %session.id, order_id = session.order_id.as_str(),
                    amount = %session.amount, "session created");
                Ok((views::created(settings, &session)?, true))
            }
            Err(StoreError::Conflict { what: "order_id" }) => {
                let existing = self
                    .inner
                    .store
                    .session_by_order_id(session.order_id.as_str())
                    .await?
                    .ok_or_else(|| SessionError::Internal("order id vanished".into()))?;
                if existing.amount == session.amount
                    && existing.customer_user_id == session.customer_user_id
                {
                    Ok((views::created(settings, &existing)?, false))
                } else {
                    Err(SessionError::OrderIdConflict(session.order_id.into_inner()))
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `GET /api/v1/sessions/{id}`.
    pub async fn details(&self, id: SessionId) -> Result<SessionDetails, SessionError> {
        let session = self
            .inner
            .store
            .session_by_id(id)
            .await?
            .ok_or(SessionError::NotFound)?;
        let session = self.expire_if_due(session).await?;
        let attempts = self.inner.store.attempts(id).await?;
        let history = self.inner.store.history(id).await?;
        views::details(&self.inner.settings, &session, &attempts, history)
    }

    /// `GET /api/v1/sessions`: a page, newest first, with the cursor of the next one.
    pub async fn list(&self, mut filter: ListFilter) -> Result<SessionList, SessionError> {
        let limit = filter.limit.clamp(1, page::MAX_PAGE);
        // One extra row tells whether another page exists.
        filter.limit = limit + 1;
        let records = self.inner.store.list_sessions(&filter).await?;
        let (records, next_cursor) = page::page(records, limit, |last| page::Cursor {
            created_at_ms: clock::unix_ms(last.created_at),
            id: last.id.to_string(),
        });
        let mut items = Vec::with_capacity(records.len());
        for record in &records {
            let attempts = self.inner.store.attempts(record.id).await?;
            let mut item = views::details(&self.inner.settings, record, &attempts, Vec::new())?;
            item.attempts.clear();
            items.push(item);
        }
        Ok(SessionList { items, next_cursor })
    }

    /// `GET /api/v1/checkout/{token}`.
    pub async fn view(&self, token: &SessionToken) -> Result<CheckoutView, SessionError> {
        let session = self.by_token(token).await?;
        let attempts = self.inner.store.attempts(session.id).await?;
        let now = self.inner.clock.now();
        Ok(views::checkout_view(
            &self.inner.settings,
            &session,
            views::current(&session, &attempts),
            now,
        ))
    }

    /// The id of the session with `token`.
    pub async fn session_id_of(&self, token: &SessionToken) -> Result<SessionId, SessionError> {
        Ok(self
            .inner
            .store
            .status_by_token(token.as_str())
            .await?
            .ok_or(SessionError::NotFound)?
            .id)
    }

    /// `GET /api/v1/checkout/{token}/status`: from the store only.
    pub async fn status(
        &self,
        token: &SessionToken,
    ) -> Result<(SessionId, StatusUpdate), SessionError> {
        let row = self
            .inner
            .store
            .status_by_token(token.as_str())
            .await?
            .ok_or(SessionError::NotFound)?;
        let now = self.inner.clock.now();
        if !row.status.is_final() && now >= row.expires_at {
            // Due: expire it on the way (the full path takes the session's lock).
            let session = self.by_token(token).await?;
            let update = self.update_of(&session).await?;
            return Ok((session.id, update));
        }
        Ok((
            row.id,
            StatusUpdate {
                status: row.status,
                payment_status: row.payment_status,
                paid_amount: row.paid_amount,
                updated_at: row.updated_at,
            },
        ))
    }

    /// The current [`StatusUpdate`] of `session`.
    async fn update_of(&self, session: &SessionRecord) -> Result<StatusUpdate, SessionError> {
        let attempts = self.inner.store.attempts(session.id).await?;
        Ok(views::status_update(
            session,
            views::current(session, &attempts),
        ))
    }

    /// The session addressed by `token`, expired first if its deadline passed.
    async fn by_token(&self, token: &SessionToken) -> Result<SessionRecord, SessionError> {
        let session = self
            .inner
            .store
            .session_by_token(token)
            .await?
            .ok_or(SessionError::NotFound)?;
        self.expire_if_due(session).await
    }

    /// Commits `change` and tells SSE subscribers of the session's new status.
    async fn commit(
        &self,
        session: &SessionRecord,
        change: Change<'_>,
    ) -> Result<(), SessionError> {
        self.inner.store.commit(change).await?;
        // Nobody watching this session here: skip re-reading the status. A stream subscribes
        // before it reads its first status, so one starting now reads what was committed.
        if !self.inner.events.is_watched(session.id) {
            return Ok(());
        }
        let update = self.update_of(session).await?;
        self.inner.events.publish(SessionEvent {
            session_id: session.id,
            update,
        });
        Ok(())
    }
}

/// 32 random bytes, URL-safe base64 (43 characters, 256 bits).
fn new_token() -> Result<SessionToken, SessionError> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes)
        .map_err(|e| SessionError::Internal(format!("random token: {e}")))?;
    SessionToken::parse(URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|e| SessionError::Internal(format!("random token: {e}")))
}

/// Whether `session` is past its deadline at `now` and not final yet.
fn due(session: &SessionRecord, now: OffsetDateTime) -> bool {
    !session.status.is_final() && now >= session.expires_at
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
    }
}
