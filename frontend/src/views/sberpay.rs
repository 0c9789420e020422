//! SberPay: the link opens the app on a phone; on a computer a QR code of the same link (drawn
//! here, in WebAssembly) lets the buyer continue on the phone.

use leptos::prelude::*;

use super::use_ui;
use crate::i18n::Msg;
use crate::qr::qr_svg;

/// The SberPay link, and its QR code on desktop.
#[component]
pub fn SberpayView(
    /// The SberPay link.
    url: String,
) -> impl IntoView {
    let ui = use_ui();
    let qr = (!ui.mobile).then(|| qr_svg(&url).ok()).flatten();
    let target = if ui.hosted || ui.mobile {
        "_self"
    } else {
        "_blank"
    };
    view! {
        <div class="akc-sberpay">
            <p class="akc-how">
                {move || if ui.mobile { ui.t(Msg::HowSberpayMobile)() } else { ui.t(Msg::HowSberpayDesktop)() }}
            </p>
            {qr.map(|qr| {
                let view_box = format!("0 0 {0} {0}", qr.size);
                view! {
                    <svg
                        class="akc-qr"
                        data-testid="qr"
                        role="img"
                        aria-label=ui.t(Msg::QrAlt)
                        viewBox=view_box
                        shape-rendering="crispEdges"
                    >
                        <title>{ui.t(Msg::QrAlt)}</title>
                        <rect class="akc-qr-bg" width=qr.size.to_string() height=qr.size.to_string()></rect>
                        <path class="akc-qr-fg" d=qr.path></path>
                    </svg>
                }
            })}
            <a
                class="akc-button akc-button-sber"
                data-testid="redirect"
                href=url
                target=target
                rel="noopener noreferrer"
            >
                {ui.t(Msg::PayWithSberpay)}
            </a>
        </div>
    }
    .into_any()
}
