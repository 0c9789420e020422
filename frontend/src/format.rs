//! How values read for people (grouped, localised) and how they are copied (plain digits a
//! banking app accepts).

use shared::{AccountNumber, Amount};

pub use shared::display::{amount_display, amount_exact};

/// An amount as copied into a banking app: `1500` or `1500.50` (no spaces, no sign).
pub fn amount_copy(amount: Amount) -> String {
    let (rubles, kopecks) = (amount.kopecks() / 100, amount.kopecks() % 100);
    if kopecks == 0 {
        rubles.to_string()
    } else {
        format!("{rubles}.{kopecks:02}")
    }
}

/// A 20-digit account as Russian bank statements print it: balance account, currency, check
/// digit, branch, personal number — `40817 810 0 0000 0000001`.
pub fn account_display(account: &AccountNumber) -> String {
    let d = account.as_str();
    if d.len() != 20 {
        return d.to_owned();
    }
    format!(
        "{} {} {} {} {}",
        &d[0..5],
        &d[5..8],
        &d[8..9],
        &d[9..13],
        &d[13..20]
    )
}

/// A phone as copied into the SBP transfer form: `+79031112233`.
pub fn phone_copy(phone: &shared::Phone) -> String {
    format!("+{}", phone.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::Locale;

    fn amount(text: &str) -> Amount {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn amounts_read_naturally() {
        assert_eq!(
            amount_display(Locale::Ru, amount("1500.00")),
            "1\u{202f}500\u{a0}₽"
        );
        assert_eq!(
            amount_display(Locale::Ru, amount("1234567.05")),
            "1\u{202f}234\u{202f}567,05\u{a0}₽"
        );
        assert_eq!(amount_display(Locale::Ru, amount("999")), "999\u{a0}₽");
        assert_eq!(amount_display(Locale::En, amount("1500.5")), "₽1,500.50");
        assert_eq!(amount_display(Locale::En, amount("100000")), "₽100,000");
    }

    #[test]
    fn exact_amounts_always_show_kopecks() {
        assert_eq!(amount_exact(Locale::Ru, amount("1.00")), "1,00\u{a0}₽");
        assert_eq!(
            amount_exact(Locale::Ru, amount("1500")),
            "1\u{202f}500,00\u{a0}₽"
        );
        assert_eq!(amount_exact(Locale::En, amount("1500.5")), "₽1,500.50");
        assert_eq!(amount_exact(Locale::En, amount("0.01")), "₽0.01");
    }

    #[test]
    fn copied_amounts_are_plain() {
        assert_eq!(amount_copy(amount("1500.00")), "1500");
        assert_eq!(amount_copy(amount("1500.5")), "1500.50");
        assert_eq!(amount_copy(amount("0.01")), "0.01");
    }

    #[test]
    fn accounts_and_phones() {
        let account: AccountNumber = "40817810000000000001".parse().unwrap();
        assert_eq!(account_display(&account), "40817 810 0 0000 0000001");
        let phone: shared::Phone = "79031112233".parse().unwrap();
        assert_eq!(phone.display(), "+7 903 111-22-33");
        assert_eq!(phone_copy(&phone), "+79031112233");
    }
}
