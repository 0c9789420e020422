//! A started payment: what to transfer where (or where to go), the countdown, "I've paid".

use leptos::prelude::*;
use shared::api::{PayAnswer, Requisites};

use super::{Countdown, RedirectView, RequisiteField, SberpayView, use_ui};
use crate::clock::Clock;
use crate::countdown::{ClockSync, epoch_ms};
use crate::format::{account_display, amount_copy, amount_display, phone_copy};
use crate::i18n::{Msg, method_name};

fn holder_and_bank(holder: Option<String>, bank: Option<String>) -> impl IntoView {
    view! {
        {holder.map(|h| view! { <RequisiteField field="holder" label=Msg::Holder display=h.clone() copy=h /> })}
        {bank.map(|b| view! { <RequisiteField field="bank" label=Msg::Bank display=b.clone() copy=b /> })}
    }
}

/// The requisites of `answer` for its method.
#[component]
pub fn RequisitesView(
    /// What the server answered to `pay` (or the resumed payment).
    answer: PayAnswer,
    /// Server/buyer clock offset.
    #[prop(into)]
    sync: Signal<ClockSync>,
    /// The buyer's clock.
    clock: Clock,
    /// The countdown reached zero.
    on_time_up: Callback<()>,
    /// "I've paid".
    on_paid: Callback<()>,
    /// A check is running.
    #[prop(into)]
    checking: Signal<bool>,
    /// "Choose another method", when there is another.
    on_other_method: Option<Callback<()>>,
) -> impl IntoView {
    let ui = use_ui();
    let method = answer.method;
    let amount = answer.amount;
    let deadline = epoch_ms(answer.expires_at);
    let amount_field = move || {
        view! {
            <RequisiteField
                field="amount"
                label=Msg::ExactAmount
                display=Signal::derive(move || amount_display(ui.lang(), amount))
                copy=amount_copy(amount)
                emphasis=true
            />
        }
    };
    let (how, body) = match answer.requisites {
        Requisites::Card { card_number, holder, bank } => (
            Some(Msg::HowCard),
            view! {
                <RequisiteField
                    field="card_number"
                    label=Msg::CardNumber
                    display=card_number.grouped()
                    copy=card_number.as_str().to_owned()
                    emphasis=true
                />
                {holder_and_bank(holder, bank)}
                {amount_field()}
            }
            .into_any(),
        ),
        Requisites::Phone { phone, holder, bank } => (
            Some(Msg::HowSbp),
            view! {
                <RequisiteField
                    field="phone"
                    label=Msg::Phone
                    display=phone.display()
                    copy=phone_copy(&phone)
                    emphasis=true
                />
                {holder_and_bank(holder, bank)}
                {amount_field()}
            }
            .into_any(),
        ),
        Requisites::Account { account, bic, holder, bank } => (
            Some(Msg::HowAccount),
            view! {
                <RequisiteField
                    field="account"
                    label=Msg::Account
                    display=account_display(&account)
                    copy=account.as_str().to_owned()
                    emphasis=true
                />
                {bic.map(|bic| view! {
                    <RequisiteField field="bic" label=Msg::Bic display=bic.as_str().to_owned() copy=bic.as_str().to_owned() />
                })}
                {holder_and_bank(holder, bank)}
                {amount_field()}
            }
            .into_any(),
        ),
        Requisites::Sberpay { url, holder, .. } => (
            None,
            view! {
                <SberpayView url=url.as_str().to_owned() />
                {holder_and_bank(holder, None)}
                {amount_field()}
            }
            .into_any(),
        ),
        Requisites::Redirect { url } => (
            None,
            view! { <RedirectView url=url.as_str().to_owned() /> }.into_any(),
        ),
    };
    view! {
        <section class="akc-requisites" data-method=method.as_str() aria-labelledby="akc-req-title">
            <h2 class="akc-h2" id="akc-req-title">{move || method_name(ui.lang(), method).0}</h2>
            {how.map(|how| view! { <p class="akc-how">{ui.t(how)}</p> })}
            <div class="akc-fields">{body}</div>
            <Countdown deadline_ms=deadline sync=sync clock=clock on_time_up=on_time_up />
            <div class="akc-actions">
                <button
                    type="button"
                    class="akc-button akc-button-primary"
                    data-testid="ive-paid"
                    disabled=move || checking.get()
                    aria-busy=move || checking.get().to_string()
                    on:click=move |_| on_paid.run(())
                >
                    {move || if checking.get() { ui.t(Msg::Checking)() } else { ui.t(Msg::IvePaid)() }}
                </button>
                {on_other_method.map(|cb| view! {
                    <button
                        type="button"
                        class="akc-button akc-button-link"
                        data-testid="other-method"
                        on:click=move |_| cb.run(())
                    >
                        {ui.t(Msg::OtherMethod)}
                    </button>
                })}
            </div>
        </section>
    }
}
