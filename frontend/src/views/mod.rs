//! The widget's components. Each takes plain data (and callbacks), so tests render them with
//! given data; [`crate::app`] wires them to the server.

mod countdown;
mod field;
mod final_screen;
mod picker;
mod redirect;
mod requisites;
mod sberpay;
mod shell;

pub use countdown::Countdown;
pub use field::RequisiteField;
pub use final_screen::FinalScreen;
pub use picker::MethodPicker;
pub use redirect::RedirectView;
pub use requisites::RequisitesView;
pub use sberpay::SberpayView;
pub use shell::{Header, LanguageSwitch, TestBanner};

use leptos::prelude::*;
use shared::api::Locale;

use crate::i18n::{Msg, tr};

/// What every component may read: the language (switchable at runtime) and how the widget is
/// shown.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Current language.
    pub locale: RwSignal<Locale>,
    /// Full page (`/pay/{token}`) rather than embedded in a shop's page.
    pub hosted: bool,
    /// Phone or tablet (SberPay opens the app; no QR).
    pub mobile: bool,
}

impl Ui {
    /// A context for `locale`.
    pub fn new(locale: Locale, hosted: bool, mobile: bool) -> Self {
        Self {
            locale: RwSignal::new(locale),
            hosted,
            mobile,
        }
    }

    /// The text of `msg`, following the language.
    pub fn t(self, msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || tr(self.locale.get(), msg)
    }

    /// The current language (tracked).
    pub fn lang(self) -> Locale {
        self.locale.get()
    }
}

/// The [`Ui`] provided by the root (a Russian embedded default keeps components usable alone).
pub fn use_ui() -> Ui {
    use_context::<Ui>().unwrap_or_else(|| {
        let ui = Ui::new(Locale::Ru, false, false);
        provide_context(ui);
        ui
    })
}
