//! The end: paid, paid in part, failed, cancelled or expired — with "try again" after a failure
//! or expiry and "back to the shop" on the hosted page.

use leptos::prelude::*;
use shared::{Amount, SessionStatus};

use super::use_ui;
use crate::format::amount_exact;
use crate::i18n::{Msg, received_of};

fn texts(status: SessionStatus) -> (Msg, Msg) {
    match status {
        SessionStatus::Paid => (Msg::PaidTitle, Msg::PaidText),
        SessionStatus::Underpaid => (Msg::UnderpaidTitle, Msg::UnderpaidText),
        SessionStatus::Failed => (Msg::FailedTitle, Msg::FailedText),
        SessionStatus::Cancelled => (Msg::CancelledTitle, Msg::CancelledText),
        SessionStatus::Expired => (Msg::ExpiredTitle, Msg::ExpiredText),
        // Not final: the caller never shows this screen for them.
        SessionStatus::Open => (Msg::StatusOpen, Msg::StatusOpen),
        SessionStatus::Pending => (Msg::StatusPending, Msg::StatusPending),
    }
}

/// "Received 1,00 ₽ of 1 500,00 ₽": what the shop received against what it asked, with kopecks.
#[component]
fn PaidOfAsked(
    /// What the gateway reported received.
    paid: Amount,
    /// The session's amount.
    asked: Amount,
) -> impl IntoView {
    let ui = use_ui();
    view! {
        <p class="akc-final-amounts" data-testid="underpaid-amounts">
            {move || {
                let lang = ui.lang();
                received_of(lang, &amount_exact(lang, paid), &amount_exact(lang, asked))
            }}
        </p>
    }
}

/// A final status, said once and plainly.
#[component]
pub fn FinalScreen(
    /// The final status.
    status: SessionStatus,
    /// The session's amount.
    amount: Amount,
    /// Money received, when the server reported it (shown for `underpaid`).
    paid_amount: Option<Amount>,
    /// Where "back to the shop" goes (hosted page only).
    back_url: Option<String>,
    /// "Try again" (offered after a failure or expiry; never after money came, in full or not).
    on_retry: Callback<()>,
) -> impl IntoView {
    let ui = use_ui();
    let (title, text) = texts(status);
    let retry = matches!(status, SessionStatus::Failed | SessionStatus::Expired);
    let ok = status == SessionStatus::Paid;
    let icon = if ok { "✓" } else { "!" };
    let amounts = paid_amount
        .filter(|_| status == SessionStatus::Underpaid)
        .map(|paid| view! { <PaidOfAsked paid=paid asked=amount /> });
    view! {
        <section
            class="akc-final"
            class:akc-final-ok=ok
            data-testid="final"
            data-status=status.as_str()
        >
            <p class="akc-final-icon" aria-hidden="true">{icon}</p>
            <h2 class="akc-h2" data-testid="final-title">{ui.t(title)}</h2>
            {amounts}
            <p
                class="akc-note"
                class:akc-how=status == SessionStatus::Underpaid
                data-testid="final-text"
            >
                {ui.t(text)}
            </p>
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
