//! The alikassa-checkout widget: a Leptos (CSR) component tree compiled to WebAssembly.
//!
//! For now it renders the checkout shell; the payment views arrive with the widget work.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// The outer frame every checkout view is drawn in.
#[component]
pub fn CheckoutShell() -> impl IntoView {
    view! {
        <section class="akc-shell" data-testid="checkout">
            <h1 class="akc-title">"AliKassa Checkout"</h1>
            <p class="akc-note" role="status" data-testid="status" data-status="open">
                "Оплата скоро будет доступна"
            </p>
        </section>
    }
}

/// Entry point run by the generated `checkout.js` once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(CheckoutShell);
}
