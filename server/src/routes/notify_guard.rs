//! What keeps `/webhooks/alikassa` responsive under a flood of notifications: signature checks
//! (RSA work, one per candidate text and digest) run off the async threads, a few at a time,
//! with a short queue — past it the answer is `503 server_busy` with `Retry-After`, and the
//! gateway retries; an address whose notifications keep being refused is answered
//! `429 rate_limited` unread for the rest of its window, and logged once per window with a
//! count instead of once per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::caps::ClientGroup;
use crate::config::FloodLimits;
use crate::error::ApiError;

/// The window refusals are counted in.
pub const REFUSAL_WINDOW: Duration = Duration::from_secs(60);
/// Longest wait for a turn to verify before `503`.
const MAX_WAIT: Duration = Duration::from_secs(2);
/// Notifications that may wait for a turn, per verifying slot.
const QUEUE_PER_SLOT: usize = 64;
/// Addresses tracked before expired windows are swept.
const SWEEP_AT: usize = 10_000;
/// What `503` tells the gateway to wait.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// The limits of the notification endpoint.
#[derive(Debug)]
pub struct NotificationGuard {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_refusals: u32,
    window: Duration,
    refusals: Mutex<HashMap<ClientGroup, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    refused: u32,
    limited: u32,
}

impl NotificationGuard {
    /// A guard with `limits`.
    pub fn new(limits: &FloodLimits) -> NotificationGuard {
        NotificationGuard::with_window(limits, REFUSAL_WINDOW)
    }

    fn with_window(limits: &FloodLimits, window: Duration) -> NotificationGuard {
        let slots = limits.notification_concurrency.max(1);
        NotificationGuard {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: AtomicUsize::new(0),
            max_waiting: slots * QUEUE_PER_SLOT,
            max_refusals: limits.notification_max_refusals.max(1),
            window,
            refusals: Mutex::new(HashMap::new()),
        }
    }

    fn refusals(&self) -> MutexGuard<'_, HashMap<ClientGroup, Window>> {
        self.refusals.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Err(seconds left in the window)` when `ip` was refused too often lately.
    pub fn admit(&self, ip: IpAddr) -> Result<(), u64> {
        self.admit_at(ip, Instant::now())
    }

    fn admit_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let group = ClientGroup::from(ip);
        let mut refusals = self.refusals();
        let Some(window) = refusals.get_mut(&group) else {
            return Ok(());
        };
        let elapsed = now.saturating_duration_since(window.started);
        if elapsed >= self.window || window.refused < self.max_refusals {
            return Ok(());
        }
        window.limited = window.limited.saturating_add(1);
        Err((self.window - elapsed).as_secs().max(1))
    }

    /// Counts a refused notification from `ip`. The first of a window is logged with its
    /// reason; the window's total is logged when the address is next seen after it, or when
    /// expired windows are swept.
    pub fn refused(&self, ip: IpAddr, reason: &dyn std::fmt::Display) {
        self.refused_at(ip, reason, Instant::now());
    }

    fn refused_at(&self, ip: IpAddr, reason: &dyn std::fmt::Display, now: Instant) {
        let group = ClientGroup::from(ip);
        let mut refusals = self.refusals();
        if refusals.len() >= SWEEP_AT {
            refusals.retain(|group, w| {
                let live = now.saturating_duration_since(w.started) < self.window;
                if !live {
                    log_window(group, w);
                }
                live
            });
        }
        let window = refusals.entry(group).or_insert(Window {
            started: now,
            refused: 0,
            limited: 0,
        });
        if now.saturating_duration_since(window.started) >= self.window {
            log_window(&group, window);
            *window = Window {
                started: now,
                refused: 0,
                limited: 0,
            };
        }
        window.refused = window.refused.saturating_add(1);
        if window.refused == 1 {
            tracing::warn!(client = %group, error = %reason,
                "notification refused (further refusals from this address are counted and logged once per minute)");
        } else if window.refused == self.max_refusals {
            tracing::warn!(client = %group, refused = window.refused,
                "notifications refused repeatedly: this address is answered 429 until its window ends");
        }
    }

    /// Runs `verify` on a blocking thread once a verifying slot is free; `503 server_busy`
    /// when too many wait already or no slot frees up in time.
    pub async fn verify<T: Send + 'static>(
        &self,
        verify: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = ApiError::ServerBusy {
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy);
        }
        let permit = tokio::time::timeout(MAX_WAIT, Arc::clone(&self.slots).acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let Ok(Ok(permit)) = permit else {
            return Err(busy);
        };
        tokio::task::spawn_blocking(move || {
            let result = verify();
            drop(permit);
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("signature check: {e}")))
    }
}

fn log_window(group: &ClientGroup, window: &Window) {
    if window.refused > 1 || window.limited > 0 {
        tracing::warn!(client = %group, refused = window.refused, answered_429 = window.limited,
            "notifications refused from this address in the last window");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn guard(concurrency: usize, max_refusals: u32) -> NotificationGuard {
        NotificationGuard::with_window(
            &FloodLimits {
                notification_concurrency: concurrency,
                notification_max_refusals: max_refusals,
                ..FloodLimits::default()
            },
            Duration::from_secs(60),
        )
    }

    #[test]
    fn an_address_refused_too_often_is_limited_until_its_window_ends() {
        let guard = guard(1, 3);
        let bad: IpAddr = "198.51.100.7".parse().unwrap();
        let same_64: IpAddr = "2001:db8::1".parse().unwrap();
        let other: IpAddr = "198.51.100.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(guard.admit_at(bad, t0).is_ok());
            guard.refused_at(bad, &"bad signature", t0);
        }
        assert_eq!(guard.admit_at(bad, t0 + Duration::from_secs(1)), Err(59));
        assert!(guard.admit_at(other, t0).is_ok());
        assert!(guard.admit_at(bad, t0 + Duration::from_secs(60)).is_ok());
        // A new window starts from zero.
        guard.refused_at(bad, &"bad signature", t0 + Duration::from_secs(61));
        assert!(guard.admit_at(bad, t0 + Duration::from_secs(62)).is_ok());
        // IPv6 addresses of one /64 share a window.
        for i in 0..3 {
            let ip: IpAddr = format!("2001:db8::{:x}", i + 100).parse().unwrap();
            guard.refused_at(ip, &"bad", t0);
        }
        assert!(guard.admit_at(same_64, t0).is_err());
    }

    #[tokio::test]
    async fn verification_runs_a_few_at_a_time_and_refuses_past_the_queue() {
        let guard = Arc::new(guard(1, 3));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        let running = {
            let guard = Arc::clone(&guard);
            let hold = Arc::clone(&hold);
            tokio::spawn(async move {
                guard
                    .verify(move || {
                        let _ = hold.lock().unwrap().recv();
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The slot is taken: the queue fills (64 per slot), the next is refused at once.
        let mut queued = Vec::new();
        for _ in 0..QUEUE_PER_SLOT {
            let guard = Arc::clone(&guard);
            queued.push(tokio::spawn(async move { guard.verify(|| 7).await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = guard.verify(|| 0).await;
        assert!(
            matches!(refused, Err(ApiError::ServerBusy { .. })),
            "{refused:?}"
        );
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        for q in queued {
            assert_eq!(q.await.unwrap().unwrap(), 7);
        }
        assert_eq!(guard.verify(|| 1).await.unwrap(), 1);
    }
}
