//! The countdown to the server's deadline, as a `role="timer"` face plus spoken updates at a
//! sensible pace (every five minutes, each of the last five, at 30 s, at the end).

use leptos::prelude::*;

use super::use_ui;
use crate::clock::Clock;
use crate::countdown::{ClockSync, announce_mark, clock_face, remaining_secs};
use crate::i18n::{Msg, remaining_phrase};

/// Time left until `deadline_ms` (server clock), corrected by `sync`.
#[component]
pub fn Countdown(
    /// The deadline, milliseconds since the epoch on the server's clock.
    #[prop(into)]
    deadline_ms: Signal<i64>,
    /// The measured offset between the server's clock and the buyer's.
    #[prop(into)]
    sync: Signal<ClockSync>,
    /// The buyer's clock.
    clock: Clock,
    /// Called once when the time is up (the caller asks the server what happened).
    on_time_up: Callback<()>,
) -> impl IntoView {
    let ui = use_ui();
    let secs = Memo::new(move |_| {
        remaining_secs(sync.get().remaining_ms(deadline_ms.get(), clock.now_ms()))
    });
    let announced = RwSignal::new(None::<u64>);
    let spoken = RwSignal::new(String::new());
    let fired = RwSignal::new(false);
    Effect::new(move |_| {
        let s = secs.get();
        let mark = announce_mark(s);
        if mark.is_some() && mark != announced.get_untracked() {
            announced.set(mark);
            spoken.set(if s == 0 {
                ui.t(Msg::TimeUp)().to_owned()
            } else {
                remaining_phrase(ui.locale.get_untracked(), s)
            });
        }
        if s == 0 && !fired.get_untracked() {
            fired.set(true);
            on_time_up.run(());
        }
    });
    view! {
        <div class="akc-countdown" class:akc-countdown-low=move || secs.get() <= 60>
            <span class="akc-countdown-label" id="akc-countdown-label">{ui.t(Msg::TimeLeft)}</span>
            <span
                class="akc-countdown-face"
                role="timer"
                aria-labelledby="akc-countdown-label"
                data-testid="countdown"
                data-remaining=move || secs.get().to_string()
                title=move || remaining_phrase(ui.lang(), secs.get())
            >
                {move || clock_face(secs.get())}
            </span>
            <span class="akc-sr" aria-live="polite" aria-atomic="true">{move || spoken.get()}</span>
            {move || (secs.get() == 0).then(|| view! { <p class="akc-note">{ui.t(Msg::TimeUp)}</p> })}
        </div>
    }
    .into_any()
}
