//! The method picker: only the methods the merchant allowed, named the way buyers know them.

use leptos::prelude::*;
use shared::Method;

use super::use_ui;
use crate::i18n::{Msg, method_name};

/// A short mark for a method (drawn with CSS, no image host).
fn mark(method: Method) -> (&'static str, &'static str) {
    match method {
        Method::CardForm => ("akc-mark akc-mark-card", "МИР"),
        Method::CardTransfer => ("akc-mark akc-mark-card", "₽→"),
        Method::Sbp => ("akc-mark akc-mark-sbp", "СБП"),
        Method::Sberpay => ("akc-mark akc-mark-sber", "Pay"),
        Method::AccountForm => ("akc-mark akc-mark-bank", "БАНК"),
        Method::AccountTransfer => ("akc-mark akc-mark-bank", "№"),
    }
}

/// One button per allowed method.
#[component]
pub fn MethodPicker(
    /// Allowed methods, in display order.
    methods: Vec<Method>,
    /// The method being prepared, if any (its button shows progress, all are disabled).
    #[prop(into)]
    busy: Signal<Option<Method>>,
    /// Called with the chosen method.
    on_pick: Callback<Method>,
) -> impl IntoView {
    let ui = use_ui();
    let items = methods
        .into_iter()
        .map(|method| {
            let (mark_class, mark_text) = mark(method);
            view! {
                <li>
                    <button
                        type="button"
                        class="akc-method"
                        data-testid=format!("method-{method}")
                        data-method=method.as_str()
                        disabled=move || busy.get().is_some()
                        aria-busy=move || (busy.get() == Some(method)).to_string()
                        on:click=move |_| on_pick.run(method)
                    >
                        <span class=mark_class aria-hidden="true">{mark_text}</span>
                        <span class="akc-method-text">
                            <span class="akc-method-name">
                                {move || method_name(ui.lang(), method).0}
                            </span>
                            <span class="akc-method-hint">
                                {move || method_name(ui.lang(), method).1}
                            </span>
                        </span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="akc-picker" aria-labelledby="akc-picker-title">
            <h2 class="akc-h2" id="akc-picker-title">{ui.t(Msg::ChooseMethod)}</h2>
            <ul class="akc-methods">{items}</ul>
            {move || {
                busy.get()
                    .is_some()
                    .then(|| view! { <p class="akc-note" role="status">{ui.t(Msg::Preparing)}</p> })
            }}
        </section>
    }
    .into_any()
}
