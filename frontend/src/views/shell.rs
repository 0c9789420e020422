//! The frame around every screen: merchant and amount, the sandbox banner, the language switch.

use leptos::prelude::*;
use shared::Amount;
use shared::api::Locale;

use super::use_ui;
use crate::format::amount_display;
use crate::i18n::Msg;

/// Merchant, order number and the amount to pay.
#[component]
pub fn Header(
    /// The shop's name (hidden on the hosted page, whose own header shows it).
    merchant_name: String,
    /// The merchant's order id.
    order_id: String,
    /// Amount to pay.
    amount: Amount,
) -> impl IntoView {
    let ui = use_ui();
    view! {
        <header class="akc-header">
            {(!ui.hosted).then(|| view! { <p class="akc-merchant">{merchant_name}</p> })}
            <p class="akc-order">{ui.t(Msg::Order)} {order_id}</p>
            <p class="akc-total">
                <span class="akc-total-label">{ui.t(Msg::AmountToPay)}</span>
                " "
                <span class="akc-total-value" data-testid="total">
                    {move || amount_display(ui.lang(), amount)}
                </span>
            </p>
        </header>
    }
}

/// The "TEST MODE" banner shown in sandbox mode.
#[component]
pub fn TestBanner() -> impl IntoView {
    let ui = use_ui();
    view! {
        <p class="akc-test-banner" data-testid="test-mode">{ui.t(Msg::TestMode)}</p>
    }
}

/// RU / EN buttons; switching re-renders the text in place.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let ui = use_ui();
    let button = move |locale: Locale, label: &'static str| {
        view! {
            <button
                type="button"
                class="akc-lang"
                lang=locale.as_str()
                data-testid=format!("lang-{locale}")
                aria-pressed=move || (ui.lang() == locale).to_string()
                on:click=move |_| ui.locale.set(locale)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="akc-langs" role="group" aria-label=ui.t(Msg::Language)>
            {button(Locale::Ru, "RU")}
            {button(Locale::En, "EN")}
        </div>
    }
}
