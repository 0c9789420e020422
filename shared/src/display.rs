//! Amounts as people read them (grouped, localised): one implementation for the widget and
//! the server-rendered hosted page, so the page's first paint and the widget agree.

use crate::Amount;
use crate::api::Locale;

/// Digit groups of three, joined by `sep`: `1500` → `1 500`.
fn group_thousands(n: u64, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * sep.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// An amount for people: `1 500 ₽`, `1 500,50 ₽` (ru, narrow no-break spaces) or `₽1,500.50` (en).
/// Kopecks are shown only when there are any.
pub fn amount_display(locale: Locale, amount: Amount) -> String {
    money(locale, amount, !amount.kopecks().is_multiple_of(100))
}

/// An amount with its kopecks always shown (`1,00 ₽`, `₽1.00`): for two sums read side by
/// side, where "1 ₽" next to "1 500,50 ₽" would look like a typo.
pub fn amount_exact(locale: Locale, amount: Amount) -> String {
    money(locale, amount, true)
}

/// A sum of kopecks with its kopecks always shown, as [`amount_exact`] writes an amount, for
/// totals that may be zero or above one amount's limit (the merchant dashboard's figures).
pub fn kopecks_exact(locale: Locale, kopecks: u64) -> String {
    money_of(locale, kopecks, true)
}

fn money(locale: Locale, amount: Amount, with_kopecks: bool) -> String {
    money_of(locale, amount.kopecks(), with_kopecks)
}

fn money_of(locale: Locale, kopecks: u64, with_kopecks: bool) -> String {
    let (rubles, kopecks) = (kopecks / 100, kopecks % 100);
    match locale {
        Locale::Ru => {
            let int = group_thousands(rubles, "\u{202f}");
            if with_kopecks {
                format!("{int},{kopecks:02}\u{a0}₽")
            } else {
                format!("{int}\u{a0}₽")
            }
        }
        Locale::En => {
            let int = group_thousands(rubles, ",");
            if with_kopecks {
                format!("₽{int}.{kopecks:02}")
            } else {
                format!("₽{int}")
            }
        }
    }
}
