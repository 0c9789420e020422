//! Fault switches: what the sandbox does wrong on purpose so clients can be tested against
//! slow, failing, hanging and garbled gateways and lost or repeated notifications. Set at
//! start-up (CLI flags) and at run time (`GET/POST /control/faults`); every fault applied is
//! logged (tracing) and kept in a short log (`GET /control/faults/log`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The switches. Counters (`*_next`, `*_notifications`) count down as they are used.
///
/// The notification schedule lives here too: it is a knob tests turn (fast retries), settable
/// the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSettings {
    /// Added to every gateway call (`/v1/…`), in milliseconds.
    pub latency_ms: u64,
    /// Answer 500 / 502 / 503 (in turn) to the next N gateway calls.
    pub fail_next: u32,
    /// With `fail_next`: the call still takes effect before the 5xx is answered ("the
    /// gateway created it but answered 5xx"); otherwise nothing happens.
    pub fail_next_after_commit: bool,
    /// The next N gateway calls take effect, then their answer is held for `timeout_hold_ms`
    /// (or until shutdown): the client times out without knowing the outcome.
    pub timeout_next: u32,
    /// How long a `timeout_next` answer is held, in milliseconds.
    pub timeout_hold_ms: u64,
    /// The next N gateway calls take effect and answer 200 with a truncated JSON body.
    pub malformed_next: u32,
    /// `v1/payout/status` by `order_id` answers "not found" (404) for a payout made less than
    /// this many milliseconds ago (sandbox clock), although it exists: a gateway slow to
    /// show what it recorded.
    pub hide_payouts_from_lookup_ms: u64,
    /// The next N notifications are never sent.
    pub drop_notifications: u32,
    /// The next N notifications are delivered twice.
    pub duplicate_notifications: u32,
    /// First retry delay of a notification answered with non-200, in milliseconds; each
    /// further retry doubles it.
    pub notify_retry_base_ms: u64,
    /// Largest retry delay, in milliseconds.
    pub notify_retry_max_ms: u64,
    /// Tries per notification, the first included.
    pub notify_max_attempts: u32,
}

impl Default for FaultSettings {
    /// No faults; retries after 1 s, 2 s, 4 s … capped at 60 s, 8 tries.
    fn default() -> Self {
        FaultSettings {
            latency_ms: 0,
            fail_next: 0,
            fail_next_after_commit: false,
            timeout_next: 0,
            timeout_hold_ms: 120_000,
            malformed_next: 0,
            hide_payouts_from_lookup_ms: 0,
            drop_notifications: 0,
            duplicate_notifications: 0,
            notify_retry_base_ms: 1_000,
            notify_retry_max_ms: 60_000,
            notify_max_attempts: 8,
        }
    }
}

impl FaultSettings {
    /// The delay before try number `attempt + 1` (attempt counts from 1): base × 2^(attempt-1),
    /// capped.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        crate::backoff::nth(
            attempt,
            Duration::from_millis(self.notify_retry_base_ms),
            Duration::from_millis(self.notify_retry_max_ms),
        )
    }
}

/// A partial update of [`FaultSettings`] (`POST /control/faults`): fields present replace the
/// current values, unknown fields are refused so a typo is not silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    latency_ms: Option<u64>,
    fail_next: Option<u32>,
    fail_next_after_commit: Option<bool>,
    timeout_next: Option<u32>,
    timeout_hold_ms: Option<u64>,
    malformed_next: Option<u32>,
    hide_payouts_from_lookup_ms: Option<u64>,
    drop_notifications: Option<u32>,
    duplicate_notifications: Option<u32>,
    notify_retry_base_ms: Option<u64>,
    notify_retry_max_ms: Option<u64>,
    notify_max_attempts: Option<u32>,
}

impl FaultPatch {
    fn apply(self, s: &mut FaultSettings) {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { s.$field = v; } )* };
        }
        set!(
            latency_ms,
            fail_next,
            fail_next_after_commit,
            timeout_next,
            timeout_hold_ms,
            malformed_next,
            hide_payouts_from_lookup_ms,
            drop_notifications,
            duplicate_notifications,
            notify_retry_base_ms,
            notify_retry_max_ms,
            notify_max_attempts
        );
        s.notify_max_attempts = s.notify_max_attempts.max(1);
    }
}

/// What to do to one gateway call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallFaults {
    /// Wait this long first.
    pub latency: Duration,
    /// Then this, if anything.
    pub outcome: Option<CallFault>,
}

/// A fault replacing a gateway call's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallFault {
    /// Answer `status` (500/502/503); run the call first when `after_commit`.
    Fail { status: u16, after_commit: bool },
    /// Run the call, then hold the answer.
    Timeout { hold: Duration },
    /// Run the call, answer 200 with broken JSON.
    Malformed,
}

/// A fault on one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotifyFault {
    /// Not sent at all.
    Drop,
    /// Sent twice.
    Duplicate,
}

/// One fault that was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultEvent {
    /// Sandbox time, RFC 3339.
    pub at: String,
    /// `latency`, `fail`, `fail_after_commit`, `timeout`, `malformed`, `hide_payout`,
    /// `drop_notification`, `duplicate_notification`.
    pub kind: &'static str,
    /// The gateway path or the notification's target.
    pub target: String,
    /// Details (status sent, delay, …).
    pub detail: String,
}

/// Most fault events kept.
const LOG_CAP: usize = 1_000;

/// The live switches and the log of applied faults.
#[derive(Debug)]
pub(crate) struct Faults {
    settings: Mutex<FaultSettings>,
    log: Mutex<VecDeque<FaultEvent>>,
    fail_turn: Mutex<usize>,
}

impl Faults {
    pub fn new(initial: FaultSettings) -> Faults {
        Faults {
            settings: Mutex::new(initial),
            log: Mutex::new(VecDeque::new()),
            fail_turn: Mutex::new(0),
        }
    }

    /// The current switches.
    pub fn settings(&self) -> FaultSettings {
        lock(&self.settings).clone()
    }

    /// Applies `patch`; returns the new switches.
    pub fn update(&self, patch: FaultPatch) -> FaultSettings {
        let mut settings = lock(&self.settings);
        patch.apply(&mut settings);
        tracing::info!(settings = ?*settings, "sandbox fault switches changed");
        settings.clone()
    }

    /// Takes the faults for the next gateway call (counting their counters down).
    pub fn take_call(&self) -> CallFaults {
        let mut s = lock(&self.settings);
        let latency = Duration::from_millis(s.latency_ms);
        let outcome = if s.fail_next > 0 {
            s.fail_next -= 1;
            let mut turn = lock(&self.fail_turn);
            let status = [500, 502, 503][*turn % 3];
            *turn += 1;
            Some(CallFault::Fail {
                status,
                after_commit: s.fail_next_after_commit,
            })
        } else if s.timeout_next > 0 {
            s.timeout_next -= 1;
            Some(CallFault::Timeout {
                hold: Duration::from_millis(s.timeout_hold_ms),
            })
        } else if s.malformed_next > 0 {
            s.malformed_next -= 1;
            Some(CallFault::Malformed)
        } else {
            None
        };
        CallFaults { latency, outcome }
    }

    /// Whether a lookup by order id is to miss a payout made at `created_ms`, at `now_ms`.
    pub fn hides_payout(&self, created_ms: i64, now_ms: i64) -> bool {
        let hide = lock(&self.settings).hide_payouts_from_lookup_ms;
        hide > 0 && now_ms.saturating_sub(created_ms) < i64::try_from(hide).unwrap_or(i64::MAX)
    }

    /// Takes the fault for the next notification, if any.
    pub fn take_notification(&self) -> Option<NotifyFault> {
        let mut s = lock(&self.settings);
        if s.drop_notifications > 0 {
            s.drop_notifications -= 1;
            Some(NotifyFault::Drop)
        } else if s.duplicate_notifications > 0 {
            s.duplicate_notifications -= 1;
            Some(NotifyFault::Duplicate)
        } else {
            None
        }
    }

    /// Logs an applied fault (tracing at `warn`, and the control log).
    pub fn record(&self, at: String, kind: &'static str, target: &str, detail: String) {
        tracing::warn!(fault = kind, target, detail = %detail, "sandbox fault applied");
        let mut log = lock(&self.log);
        if log.len() == LOG_CAP {
            log.pop_front();
        }
        log.push_back(FaultEvent {
            at,
            kind,
            target: target.to_owned(),
            detail,
        });
    }

    /// The applied faults, oldest first.
    pub fn log(&self) -> Vec<FaultEvent> {
        lock(&self.log).iter().cloned().collect()
    }
}

/// Locks a mutex; a panic elsewhere while holding it cannot leave these plain values in a
/// broken state, so a poisoned lock is used as is.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn counters_count_down_in_priority_order() {
        let faults = Faults::new(FaultSettings {
            fail_next: 2,
            timeout_next: 1,
            malformed_next: 1,
            latency_ms: 5,
            ..FaultSettings::default()
        });
        let outcomes: Vec<_> = (0..5).map(|_| faults.take_call().outcome).collect();
        assert_eq!(
            outcomes,
            [
                Some(CallFault::Fail {
                    status: 500,
                    after_commit: false
                }),
                Some(CallFault::Fail {
                    status: 502,
                    after_commit: false
                }),
                Some(CallFault::Timeout {
                    hold: Duration::from_millis(120_000)
                }),
                Some(CallFault::Malformed),
                None,
            ]
        );
        assert_eq!(faults.take_call().latency, Duration::from_millis(5));
    }

    #[test]
    fn patch_changes_only_given_fields_and_rejects_unknown_ones() {
        let faults = Faults::new(FaultSettings::default());
        let patch: FaultPatch = serde_json::from_str(r#"{"drop_notifications":1}"#).unwrap();
        let s = faults.update(patch);
        assert_eq!(s.drop_notifications, 1);
        assert_eq!(s.notify_max_attempts, 8);
        assert!(serde_json::from_str::<FaultPatch>(r#"{"fail_nxt":1}"#).is_err());
        assert_eq!(faults.take_notification(), Some(NotifyFault::Drop));
        assert_eq!(faults.take_notification(), None);
    }

    #[test]
    fn payouts_are_hidden_from_lookups_only_while_young() {
        let faults = Faults::new(FaultSettings::default());
        assert!(!faults.hides_payout(1_000, 1_000));
        let patch: FaultPatch =
            serde_json::from_str(r#"{"hide_payouts_from_lookup_ms":60000}"#).unwrap();
        faults.update(patch);
        assert!(faults.hides_payout(1_000, 1_000));
        assert!(faults.hides_payout(1_000, 60_999));
        assert!(!faults.hides_payout(1_000, 61_000));
    }

    #[test]
    fn retry_delays_double_and_cap() {
        let s = FaultSettings {
            notify_retry_base_ms: 100,
            notify_retry_max_ms: 500,
            ..FaultSettings::default()
        };
        let delays: Vec<u128> = (1..=5).map(|a| s.retry_delay(a).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
    }
}
