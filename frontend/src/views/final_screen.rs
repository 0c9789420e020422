//! The end: paid, failed, cancelled or expired — with "try again" after a failure or expiry and
//! "back to the shop" on the hosted page.

use leptos::prelude::*;
use shared::SessionStatus;

use super::use_ui;
use crate::i18n::Msg;

fn texts(status: SessionStatus) -> (Msg, Msg) {
    match status {
        SessionStatus::Paid => (Msg::PaidTitle, Msg::PaidText),
        SessionStatus::Failed => (Msg::FailedTitle, Msg::FailedText),
        SessionStatus::Cancelled => (Msg::CancelledTitle, Msg::CancelledText),
        SessionStatus::Expired => (Msg::ExpiredTitle, Msg::ExpiredText),
        // Not final: the caller never shows this screen for them.
        SessionStatus::Open => (Msg::StatusOpen, Msg::StatusOpen),
        SessionStatus::Pending => (Msg::StatusPending, Msg::StatusPending),
    }
}

/// A final status, said once and plainly.
#[component]
pub fn FinalScreen(
    /// The final status.
    status: SessionStatus,
    /// Where "back to the shop" goes (hosted page only).
    back_url: Option<String>,
    /// "Try again" (offered after a failure or expiry).
    on_retry: Callback<()>,
) -> impl IntoView {
    let ui = use_ui();
    let (title, text) = texts(status);
    let retry = matches!(status, SessionStatus::Failed | SessionStatus::Expired);
    let icon = match status {
        SessionStatus::Paid => "✓",
        _ => "!",
    };
    view! {
        <section
            class="akc-final"
            class:akc-final-ok=status == SessionStatus::Paid
            data-testid="final"
            data-status=status.as_str()
        >
            <p class="akc-final-icon" aria-hidden="true">{icon}</p>
            <h2 class="akc-h2" data-testid="final-title">{ui.t(title)}</h2>
            <p class="akc-note">{ui.t(text)}</p>
            <div class="akc-actions">
                {retry.then(|| view! {
                    <button
                        type="button"
                        class="akc-button akc-button-primary"
                        data-testid="try-again"
                        on:click=move |_| on_retry.run(())
                    >
                        {ui.t(Msg::TryAgain)}
                    </button>
                })}
                {back_url.filter(|_| ui.hosted).map(|url| view! {
                    <a class="akc-button akc-button-link" data-testid="back-to-shop" href=url>
                        {ui.t(Msg::BackToShop)}
                    </a>
                })}
            </div>
        </section>
    }
    .into_any()
}
