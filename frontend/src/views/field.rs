//! One requisite: label, value, and a copy button with an accessible "Copied" confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::use_ui;
use crate::clipboard::{CopyOutcome, copy_text};
use crate::i18n::Msg;

/// How long "Copied" stays on the button.
const CONFIRM_MS: u64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyState {
    Idle,
    Copied,
    Manual,
}

impl CopyState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Copied => "copied",
            Self::Manual => "manual",
        }
    }
}

/// A labelled value with a copy button (`requisite-{field}`, `copy-{field}`).
#[component]
pub fn RequisiteField(
    /// Stable name for test hooks: `card_number`, `phone`, `holder`, `bank`, `account`, `bic`,
    /// `amount`.
    field: &'static str,
    /// The label.
    label: Msg,
    /// The value as shown (grouped, localised).
    #[prop(into)]
    display: Signal<String>,
    /// The value as copied (plain digits).
    #[prop(into)]
    copy: String,
    /// Show the value larger (card number, phone, account, amount).
    #[prop(optional)]
    emphasis: bool,
) -> impl IntoView {
    let ui = use_ui();
    let state = RwSignal::new(CopyState::Idle);
    let scratch = NodeRef::<leptos::html::Div>::new();
    let label_id = format!("akc-label-{field}");
    let value_id = format!("akc-value-{field}");
    let on_copy = move |_| {
        let Some(node) = scratch.get_untracked() else {
            return;
        };
        let text = copy.clone();
        spawn_local(async move {
            let outcome = copy_text(&text, &node).await;
            state.try_set(if outcome.copied() {
                CopyState::Copied
            } else {
                CopyState::Manual
            });
            if outcome != CopyOutcome::Failed {
                set_timeout(
                    move || {
                        state.try_set(CopyState::Idle);
                    },
                    std::time::Duration::from_millis(CONFIRM_MS),
                );
            }
        });
    };
    view! {
        <div class="akc-field" node_ref=scratch>
            <span class="akc-field-label" id=label_id.clone()>{ui.t(label)}</span>
            <span
                class="akc-field-value"
                class:akc-field-value-big=emphasis
                id=value_id.clone()
                data-testid=format!("requisite-{field}")
                aria-labelledby=format!("{label_id} {value_id}")
            >
                {move || display.get()}
            </span>
            <button
                type="button"
                class="akc-copy"
                data-testid=format!("copy-{field}")
                data-copy-state=move || state.get().as_str()
                aria-describedby=label_id
                on:click=on_copy
            >
                {move || match state.get() {
                    CopyState::Copied => ui.t(Msg::Copied)(),
                    CopyState::Idle | CopyState::Manual => ui.t(Msg::Copy)(),
                }}
            </button>
            <span class="akc-sr" role="status" aria-live="polite">
                {move || match state.get() {
                    CopyState::Copied => ui.t(Msg::Copied)(),
                    CopyState::Manual => ui.t(Msg::CopyFailed)(),
                    CopyState::Idle => "",
                }}
            </span>
            {move || {
                (state.get() == CopyState::Manual)
                    .then(|| view! { <p class="akc-field-hint">{ui.t(Msg::CopyFailed)}</p> })
            }}
        </div>
    }
    .into_any()
}
