//! The requisites pool of H2H payments: deterministic from the payment id, so the same
//! payment always shows the same card / phone / account, and realistic enough for the widget
//! (16-digit Luhn-valid cards, `79…` phones, 20-digit `40817810…` accounts, holders written as
//! "Name Patronymic L.", bank names with their SBP member ids and BICs).

use shared::{BankCode, CardNumber, Method};

/// A bank the fixtures draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bank {
    /// Display name (the `bank` response field).
    pub name: &'static str,
    /// 12-digit SBP member id (`customer_code`).
    pub member_id: &'static str,
    /// Slug some integrations send as `customer_code`.
    pub slug: &'static str,
    /// 9-digit BIC.
    pub bic: &'static str,
    /// First six digits of its cards.
    pub card_bin: &'static str,
}

/// The pool (alikassa-api.md §2.9 member ids).
pub(crate) const BANKS: [Bank; 8] = [
    bank(
        "Sberbank",
        "100000000111",
        "sberbank",
        "044525225",
        "220220",
    ),
    bank("T-Bank", "100000000004", "tinkoff", "044525974", "220070"),
    bank("VTB", "100000000005", "vtb", "044525187", "220024"),
    bank(
        "Alfa-Bank",
        "100000000008",
        "alfabank",
        "044525593",
        "220015",
    ),
    bank(
        "Raiffeisen",
        "100000000007",
        "raiffeisen",
        "044525700",
        "220030",
    ),
    bank(
        "Gazprombank",
        "100000000001",
        "gazprombank",
        "044525823",
        "220001",
    ),
    bank(
        "Promsvyazbank",
        "100000000010",
        "psb",
        "044525555",
        "220029",
    ),
    bank(
        "Sovcombank",
        "100000000013",
        "sovcombank",
        "043469743",
        "220100",
    ),
];

const fn bank(
    name: &'static str,
    member_id: &'static str,
    slug: &'static str,
    bic: &'static str,
    card_bin: &'static str,
) -> Bank {
    Bank {
        name,
        member_id,
        slug,
        bic,
        card_bin,
    }
}

const FIRST_NAMES: [&str; 8] = [
    "Ivan", "Pyotr", "Sergey", "Alexey", "Dmitry", "Andrey", "Nikolay", "Mikhail",
];
const PATRONYMICS: [&str; 8] = [
    "Ivanovich",
    "Petrovich",
    "Sergeevich",
    "Alexeevich",
    "Dmitrievich",
    "Andreevich",
    "Nikolaevich",
    "Mikhailovich",
];
const INITIALS: [char; 10] = ['P', 'S', 'K', 'M', 'V', 'N', 'O', 'T', 'B', 'Z'];

/// What an H2H payer is told to transfer to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Requisites {
    /// `cardNumber`: card, phone or account number depending on the service.
    pub card_number: String,
    /// `cardHolderName`.
    pub holder: String,
    /// `bank`.
    pub bank: String,
}

/// A stream of pseudo-random numbers seeded by the payment id (splitmix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // n is a small table size; the modulo bias is irrelevant for fixtures.
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + u8::try_from(self.next() % 10).unwrap_or(0)))
            .collect()
    }
}

/// The bank a `customer_code` names (member id or slug), if it is in the pool.
pub(crate) fn bank_for_code(code: &BankCode) -> Option<&'static Bank> {
    BANKS
        .iter()
        .find(|b| b.member_id == code.as_str() || b.slug == code.as_str())
}

/// Requisites of payment `id` for `method`; `None` for the hosted card form, which shows
/// nothing. The payer's bank (`customer_code`) is preferred as the recipient's bank, as P2P
/// providers do for fast same-bank transfers.
pub(crate) fn requisites(
    id: u64,
    method: Method,
    customer_code: Option<&BankCode>,
) -> Option<Requisites> {
    let mut mix = Mix(id);
    let bank = customer_code
        .and_then(bank_for_code)
        .unwrap_or(&BANKS[mix.below(BANKS.len())]);
    let holder = format!(
        "{} {} {}.",
        FIRST_NAMES[mix.below(FIRST_NAMES.len())],
        PATRONYMICS[mix.below(PATRONYMICS.len())],
        INITIALS[mix.below(INITIALS.len())]
    );
    let card_number = match method {
        Method::CardForm => return None,
        Method::CardTransfer => card_number(bank.card_bin, &mut mix),
        Method::Sbp | Method::Sberpay => format!("79{}", mix.digits(9)),
        Method::AccountForm | Method::AccountTransfer => account_number(bank.bic, &mut mix),
    };
    Some(Requisites {
        card_number,
        holder,
        bank: bank.name.to_owned(),
    })
}

/// The masked card a card payment of `id` was "paid with" (status `card_mask`).
pub(crate) fn payer_card_mask(id: u64) -> String {
    let mut mix = Mix(id ^ 0x5A5A_5A5A);
    let bin = BANKS[mix.below(BANKS.len())].card_bin;
    let number = card_number(bin, &mut mix);
    CardNumber::parse(&number)
        .map(|c| c.masked())
        .unwrap_or_else(|_| format!("{bin}******0000"))
}

/// A 12-digit retrieval reference number for a settled payout.
pub(crate) fn rrn(id: u64) -> String {
    Mix(id ^ 0xA5A5_A5A5).digits(12)
}

fn card_number(bin: &str, mix: &mut Mix) -> String {
    let mut digits = format!("{bin}{}", mix.digits(9));
    digits.push(luhn_check_digit(&digits));
    digits
}

/// The digit that makes `partial` + digit pass the Luhn check.
fn luhn_check_digit(partial: &str) -> char {
    let sum: u32 = partial
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + u8::try_from((10 - sum % 10) % 10).unwrap_or(0))
}

/// `40817810` + 12 digits with the control key (digit 9) computed against the BIC, as Russian
/// banks do (weights 7-1-3 over the BIC's last three digits and the account).
fn account_number(bic: &str, mix: &mut Mix) -> String {
    let mut account: Vec<u8> = format!("408178100{}", mix.digits(11)).into_bytes();
    let weights = [7u32, 1, 3];
    let key_input: Vec<u8> = bic.bytes().skip(6).chain(account.iter().copied()).collect();
    let sum: u32 = key_input
        .iter()
        .enumerate()
        .map(|(i, b)| (u32::from(b - b'0') * weights[i % 3]) % 10)
        .sum();
    let key = (sum % 10) * 3 % 10;
    account[8] = b'0' + u8::try_from(key).unwrap_or(0);
    String::from_utf8(account).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use shared::{AccountNumber, Phone};

    #[test]
    fn cards_pass_luhn_and_are_deterministic() {
        for id in 100_000_000..100_000_200u64 {
            let r = requisites(id, Method::CardTransfer, None).unwrap();
            let card = CardNumber::parse(&r.card_number).unwrap();
            assert!(card.luhn_valid(), "{}", r.card_number);
            assert_eq!(requisites(id, Method::CardTransfer, None).unwrap(), r);
            assert!(r.holder.ends_with('.') && r.holder.split(' ').count() == 3);
        }
    }

    #[test]
    fn phones_accounts_and_banks() {
        let sbp = requisites(100_000_001, Method::Sbp, None).unwrap();
        assert!(Phone::parse(&sbp.card_number).is_ok());
        assert!(sbp.card_number.starts_with("79"));
        let code = BankCode::parse("100000000004").unwrap();
        let acc = requisites(100_000_002, Method::AccountTransfer, Some(&code)).unwrap();
        assert_eq!(acc.bank, "T-Bank");
        assert!(acc.card_number.starts_with("40817810"));
        AccountNumber::parse(&acc.card_number).unwrap();
        assert!(requisites(1, Method::CardForm, None).is_none());
        assert_eq!(payer_card_mask(5).len(), 16);
        assert_eq!(rrn(5).len(), 12);
    }

    #[test]
    fn account_control_key_matches_a_known_example() {
        // A published valid pair: BIC 044525225 (Sber) with account 40702810038000017240.
        let account = b"40702810038000017240";
        let bic = "044525225";
        let weights = [7u32, 1, 3];
        let sum: u32 = bic
            .bytes()
            .skip(6)
            .chain(account.iter().copied())
            .enumerate()
            .map(|(i, b)| (u32::from(b - b'0') * weights[i % 3]) % 10)
            .sum();
        assert_eq!(sum % 10, 0);
        let mut mix = Mix(7);
        let ours = account_number(bic, &mut mix);
        let sum: u32 = bic
            .bytes()
            .skip(6)
            .chain(ours.bytes())
            .enumerate()
            .map(|(i, b)| (u32::from(b - b'0') * weights[i % 3]) % 10)
            .sum();
        assert_eq!(sum % 10, 0, "{ours}");
    }
}
