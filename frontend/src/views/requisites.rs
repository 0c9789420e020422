//! A started payment: what to transfer where (or where to go), the countdown, "I've paid".

use leptos::prelude::*;
use shared::api::{PayAnswer, Requisites};

use super::{Countdown, RedirectView, RequisiteField, SberpayView, use_ui};
use crate::clock::Clock;
use crate::countdown::{ClockSync, epoch_ms};
use crate::format::{account_display, amount_copy, amount_display, phone_copy};
use crate::i18n::{Msg, method_name};

/// One requisite row: test-hook name, label, shown value, copied value, emphasis.
type Row = (&'static str, Msg, Signal<String>, String, bool);

fn row(field: &'static str, label: Msg, value: String, copy: String, emphasis: bool) -> Row {
    (field, label, Signal::stored(value), copy, emphasis)
}

fn holder_and_bank(rows: &mut Vec<Row>, holder: Option<String>, bank: Option<String>) {
    if let Some(h) = holder {
        rows.push(row("holder", Msg::Holder, h.clone(), h, false));
    }
    if let Some(b) = bank {
        rows.push(row("bank", Msg::Bank, b.clone(), b, false));
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
    let mut rows: Vec<Row> = Vec::with_capacity(5);
    let mut special = None;
    let mut redirect = false;
    let how = match answer.requisites {
        Requisites::Card {
            card_number,
            holder,
            bank,
        } => {
            let copy = card_number.as_str().to_owned();
            rows.push(row(
                "card_number",
                Msg::CardNumber,
                card_number.grouped(),
                copy,
                true,
            ));
            holder_and_bank(&mut rows, holder, bank);
            Some(Msg::HowCard)
        }
        Requisites::Phone {
            phone,
            holder,
            bank,
        } => {
            rows.push(row(
                "phone",
                Msg::Phone,
                phone.display(),
                phone_copy(&phone),
                true,
            ));
            holder_and_bank(&mut rows, holder, bank);
            Some(Msg::HowSbp)
        }
        Requisites::Account {
            account,
            bic,
            holder,
            bank,
        } => {
            let copy = account.as_str().to_owned();
            rows.push(row(
                "account",
                Msg::Account,
                account_display(&account),
                copy,
                true,
            ));
            if let Some(bic) = bic {
                let bic = bic.as_str().to_owned();
                rows.push(row("bic", Msg::Bic, bic.clone(), bic, false));
            }
            holder_and_bank(&mut rows, holder, bank);
            Some(Msg::HowAccount)
        }
        Requisites::Sberpay { url, holder, .. } => {
            special = Some(view! { <SberpayView url=url.as_str().to_owned() /> }.into_any());
            holder_and_bank(&mut rows, holder, None);
            None
        }
        Requisites::Redirect { url } => {
            special = Some(view! { <RedirectView url=url.as_str().to_owned() /> }.into_any());
            redirect = true;
            None
        }
    };
    if !redirect {
        rows.push((
            "amount",
            Msg::ExactAmount,
            Signal::derive(move || amount_display(ui.lang(), amount)),
            amount_copy(amount),
            true,
        ));
    }
    let fields = rows
        .into_iter()
        .map(|(field, label, display, copy, emphasis)| {
            view! {
                <RequisiteField field=field label=label display=display copy=copy emphasis=emphasis />
            }
        })
        .collect_view();
    view! {
        <section class="akc-requisites" data-method=method.as_str() aria-labelledby="akc-req-title">
            <h2 class="akc-h2" id="akc-req-title">{move || method_name(ui.lang(), method).0}</h2>
            {how.map(|how| view! { <p class="akc-how">{ui.t(how)}</p> })}
            <div class="akc-fields">{special}{fields}</div>
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
    .into_any()
}
