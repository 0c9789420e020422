//! "Now" as a signal: ticking once a second from the buyer's clock in the widget, set by hand
//! in tests.

use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// The buyer's clock, in milliseconds since the epoch, as a reactive value.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: RwSignal<i64>,
}

impl Clock {
    /// A clock that follows `Date.now()`, updated every second while its owner lives.
    pub fn ticking() -> Self {
        let now = RwSignal::new(crate::dom::now_ms());
        let interval = gloo_timers::callback::Interval::new(1_000, move || {
            now.try_set(crate::dom::now_ms());
        });
        let interval = SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
        Self { now }
    }

    /// A clock that only moves when [`Clock::set`] is called.
    pub fn manual(start_ms: i64) -> Self {
        Self {
            now: RwSignal::new(start_ms),
        }
    }

    /// The current time (tracked: readers re-run when it moves).
    pub fn now_ms(self) -> i64 {
        self.now.get()
    }

    /// The current time, untracked.
    pub fn now_untracked(self) -> i64 {
        self.now
            .try_get_untracked()
            .unwrap_or_else(crate::dom::now_ms)
    }

    /// Moves the clock (manual clocks; a ticking one is also brought up to date this way).
    pub fn set(self, ms: i64) {
        self.now.set(ms);
    }
}
