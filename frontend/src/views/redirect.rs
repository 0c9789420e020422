//! Hosted forms (`card_form`, `account_form`): a link to the gateway's page — same tab on the
//! hosted page, a new tab when embedded in a shop's page.

use leptos::prelude::*;

use super::use_ui;
use crate::i18n::Msg;

/// The "Go to payment" link.
#[component]
pub fn RedirectView(
    /// The gateway's form.
    url: String,
) -> impl IntoView {
    let ui = use_ui();
    let target = if ui.hosted { "_self" } else { "_blank" };
    view! {
        <div class="akc-redirect">
            <p class="akc-how">{ui.t(Msg::HowRedirect)}</p>
            <a
                class="akc-button akc-button-primary"
                data-testid="redirect"
                href=url
                target=target
                rel="noopener noreferrer"
            >
                {ui.t(Msg::GoToForm)}
                {(!ui.hosted).then(|| view! { " " <span class="akc-sr">{ui.t(Msg::OpensInNewTab)}</span> })}
            </a>
        </div>
    }
    .into_any()
}
