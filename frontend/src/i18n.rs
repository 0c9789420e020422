//! Every text the widget shows, in Russian (default) and English, and the plural rules that
//! numbers need ("1 минута / 2 минуты / 5 минут").

use shared::Method;
use shared::api::Locale;

/// A piece of interface text. One enum, so a missing translation is a compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Screen-reader name of the whole widget.
    WidgetLabel,
    /// "Loading…".
    Loading,
    /// The session could not be loaded.
    LoadFailed,
    /// The token is unknown or the link is stale.
    NotFound,
    /// The page may not show the widget (origin not allowed, CSP).
    Refused,
    /// Retry after an error.
    Retry,
    /// Sandbox banner.
    TestMode,
    /// Label of the language switch.
    Language,
    /// "Order №".
    Order,
    /// Label of the amount.
    AmountToPay,
    /// Heading of the method picker.
    ChooseMethod,
    /// Shown while the payment is being created.
    Preparing,
    /// Card number label.
    CardNumber,
    /// Recipient label.
    Holder,
    /// Bank label.
    Bank,
    /// Phone label.
    Phone,
    /// Account number label.
    Account,
    /// BIC label.
    Bic,
    /// Amount label on the requisites.
    ExactAmount,
    /// Copy button.
    Copy,
    /// Copy confirmation.
    Copied,
    /// Copy failed: select by hand.
    CopyFailed,
    /// Instructions for a card transfer.
    HowCard,
    /// Instructions for an SBP transfer.
    HowSbp,
    /// Instructions for an account transfer.
    HowAccount,
    /// Instructions for SberPay on mobile.
    HowSberpayMobile,
    /// Instructions for SberPay on desktop.
    HowSberpayDesktop,
    /// "Pay with SberPay".
    PayWithSberpay,
    /// Text alternative of the QR code.
    QrAlt,
    /// Instructions for a hosted form.
    HowRedirect,
    /// Link to the gateway's form.
    GoToForm,
    /// Note that the form opens in a new tab.
    OpensInNewTab,
    /// Countdown label.
    TimeLeft,
    /// The countdown reached zero.
    TimeUp,
    /// "I've paid".
    IvePaid,
    /// Shown while the check runs.
    Checking,
    /// Waiting for the money.
    Waiting,
    /// Go back to the method picker.
    OtherMethod,
    /// Final: paid.
    PaidTitle,
    /// Final: paid, details.
    PaidText,
    /// Final: paid, but less than the amount.
    UnderpaidTitle,
    /// Final: underpaid, what the buyer does next.
    UnderpaidText,
    /// Final: failed.
    FailedTitle,
    /// Final: failed, details.
    FailedText,
    /// Final: cancelled.
    CancelledTitle,
    /// Final: cancelled, details.
    CancelledText,
    /// Final: expired.
    ExpiredTitle,
    /// Final: expired, details.
    ExpiredText,
    /// Start again.
    TryAgain,
    /// Back to the shop.
    BackToShop,
    /// The payment could not be created.
    PayFailed,
    /// Status `open`, for the status line.
    StatusOpen,
    /// Status `pending`.
    StatusPending,
}

/// The text of `msg` in `locale`.
pub fn tr(locale: Locale, msg: Msg) -> &'static str {
    match locale {
        Locale::Ru => ru(msg),
        Locale::En => en(msg),
    }
}

fn ru(msg: Msg) -> &'static str {
    match msg {
        Msg::WidgetLabel => "Оплата заказа",
        Msg::Loading => "Загружаем платёж…",
        Msg::LoadFailed => "Не удалось загрузить платёж. Проверьте соединение.",
        Msg::NotFound => "Платёж не найден или ссылка устарела.",
        Msg::Refused => "Форму оплаты нельзя показать на этой странице. Сообщите об этом магазину.",
        Msg::Retry => "Повторить",
        Msg::TestMode => "ТЕСТОВЫЙ РЕЖИМ — деньги не списываются",
        Msg::Language => "Язык",
        Msg::Order => "Заказ №",
        Msg::AmountToPay => "К оплате",
        Msg::ChooseMethod => "Выберите способ оплаты",
        Msg::Preparing => "Готовим реквизиты…",
        Msg::CardNumber => "Номер карты",
        Msg::Holder => "Получатель",
        Msg::Bank => "Банк",
        Msg::Phone => "Телефон",
        Msg::Account => "Номер счёта",
        Msg::Bic => "БИК",
        Msg::ExactAmount => "Точная сумма",
        Msg::Copy => "Копировать",
        Msg::Copied => "Скопировано",
        Msg::CopyFailed => "Не удалось скопировать — выделите текст и скопируйте вручную",
        Msg::HowCard => {
            "Переведите точную сумму на эту карту из приложения своего банка. Платёж зачислится автоматически."
        }
        Msg::HowSbp => {
            "В приложении банка выберите «Перевод по СБП» и переведите точную сумму по этому номеру телефона."
        }
        Msg::HowAccount => "Переведите точную сумму по этим реквизитам счёта.",
        Msg::HowSberpayMobile => {
            "Нажмите кнопку — откроется СберБанк Онлайн для подтверждения оплаты."
        }
        Msg::HowSberpayDesktop => {
            "Наведите камеру телефона на QR-код или откройте ссылку на телефоне с СберБанк Онлайн."
        }
        Msg::PayWithSberpay => "Оплатить через SberPay",
        Msg::QrAlt => "QR-код ссылки для оплаты через SberPay",
        Msg::HowRedirect => "Оплата проходит на защищённой странице платёжной системы.",
        Msg::GoToForm => "Перейти к оплате",
        Msg::OpensInNewTab => "(откроется в новой вкладке)",
        Msg::TimeLeft => "Реквизиты действительны",
        Msg::TimeUp => "Время вышло — проверяем статус платежа",
        Msg::IvePaid => "Я оплатил",
        Msg::Checking => "Проверяем оплату…",
        Msg::Waiting => "Ждём поступления платежа",
        Msg::OtherMethod => "Выбрать другой способ",
        Msg::PaidTitle => "Оплата прошла успешно",
        Msg::PaidText => "Спасибо! Магазин получил ваш платёж.",
        Msg::UnderpaidTitle => "Оплачено не полностью",
        Msg::UnderpaidText => {
            "Магазин получил не всю сумму. Не платите повторно\u{a0}— свяжитесь с магазином, чтобы доплатить или вернуть деньги."
        }
        Msg::FailedTitle => "Платёж не прошёл",
        Msg::FailedText => "Деньги не списаны. Попробуйте ещё раз или выберите другой способ.",
        Msg::CancelledTitle => "Платёж отменён",
        Msg::CancelledText => "Оплата по этому заказу отменена.",
        Msg::ExpiredTitle => "Время на оплату истекло",
        Msg::ExpiredText => "Реквизиты больше не действуют. Не переводите по ним деньги.",
        Msg::TryAgain => "Попробовать снова",
        Msg::BackToShop => "Вернуться в магазин",
        Msg::PayFailed => "Не удалось создать платёж. Попробуйте ещё раз.",
        Msg::StatusOpen => "Ожидаем выбора способа оплаты",
        Msg::StatusPending => "Ждём поступления платежа",
    }
}

fn en(msg: Msg) -> &'static str {
    match msg {
        Msg::WidgetLabel => "Order payment",
        Msg::Loading => "Loading the payment…",
        Msg::LoadFailed => "Could not load the payment. Check your connection.",
        Msg::NotFound => "Payment not found, or the link has expired.",
        Msg::Refused => "The payment form can't be shown on this page. Please tell the shop.",
        Msg::Retry => "Retry",
        Msg::TestMode => "TEST MODE — no real money is charged",
        Msg::Language => "Language",
        Msg::Order => "Order #",
        Msg::AmountToPay => "To pay",
        Msg::ChooseMethod => "Choose a payment method",
        Msg::Preparing => "Preparing the payment details…",
        Msg::CardNumber => "Card number",
        Msg::Holder => "Recipient",
        Msg::Bank => "Bank",
        Msg::Phone => "Phone",
        Msg::Account => "Account number",
        Msg::Bic => "BIC",
        Msg::ExactAmount => "Exact amount",
        Msg::Copy => "Copy",
        Msg::Copied => "Copied",
        Msg::CopyFailed => "Could not copy — select the text and copy it by hand",
        Msg::HowCard => {
            "Transfer the exact amount to this card from your bank's app. The payment is credited automatically."
        }
        Msg::HowSbp => {
            "In your bank's app choose an SBP (Faster Payments) transfer and send the exact amount to this phone number."
        }
        Msg::HowAccount => "Transfer the exact amount using these account details.",
        Msg::HowSberpayMobile => {
            "Tap the button to confirm the payment in the SberBank Online app."
        }
        Msg::HowSberpayDesktop => {
            "Scan the QR code with your phone's camera, or open the link on a phone with SberBank Online."
        }
        Msg::PayWithSberpay => "Pay with SberPay",
        Msg::QrAlt => "QR code of the SberPay payment link",
        Msg::HowRedirect => "You pay on the payment system's secure page.",
        Msg::GoToForm => "Go to payment",
        Msg::OpensInNewTab => "(opens in a new tab)",
        Msg::TimeLeft => "Details valid for",
        Msg::TimeUp => "Time is up — checking the payment status",
        Msg::IvePaid => "I've paid",
        Msg::Checking => "Checking the payment…",
        Msg::Waiting => "Waiting for your payment",
        Msg::OtherMethod => "Choose another method",
        Msg::PaidTitle => "Payment successful",
        Msg::PaidText => "Thank you! The shop has received your payment.",
        Msg::UnderpaidTitle => "Paid in part",
        Msg::UnderpaidText => {
            "The shop did not receive the full amount. Do not pay again\u{a0}— contact the shop to pay the rest or get a refund."
        }
        Msg::FailedTitle => "Payment failed",
        Msg::FailedText => "No money was taken. Try again or choose another method.",
        Msg::CancelledTitle => "Payment cancelled",
        Msg::CancelledText => "The payment for this order was cancelled.",
        Msg::ExpiredTitle => "Payment time is over",
        Msg::ExpiredText => {
            "These payment details are no longer valid. Do not transfer money to them."
        }
        Msg::TryAgain => "Try again",
        Msg::BackToShop => "Back to the shop",
        Msg::PayFailed => "Could not create the payment. Please try again.",
        Msg::StatusOpen => "Waiting for a payment method",
        Msg::StatusPending => "Waiting for your payment",
    }
}

/// What came against what was asked, both amounts already formatted: `Получено 1,00 ₽ из
/// 1 500,00 ₽`, `Received ₽1.00 of ₽1,500.00` (under the title "Оплачено не полностью" / "Paid
/// in part", so the verb differs). The preposition stays with the amount after it, so a narrow
/// screen breaks the line as "Получено 1,00 ₽ / из 1 500,00 ₽".
pub fn received_of(locale: Locale, paid: &str, asked: &str) -> String {
    match locale {
        Locale::Ru => format!("Получено {paid} из\u{a0}{asked}"),
        Locale::En => format!("Received {paid} of\u{a0}{asked}"),
    }
}

/// A method's name and the line under it, the way buyers know them.
pub fn method_name(locale: Locale, method: Method) -> (&'static str, &'static str) {
    match (locale, method) {
        (Locale::Ru, Method::CardForm) => ("Банковская карта", "МИР, Visa, Mastercard"),
        (Locale::Ru, Method::CardTransfer) => ("Перевод на карту", "По номеру карты"),
        (Locale::Ru, Method::Sbp) => ("СБП", "Система быстрых платежей, по номеру телефона"),
        (Locale::Ru, Method::Sberpay) => ("SberPay", "В приложении СберБанк Онлайн"),
        (Locale::Ru, Method::AccountForm) => ("Счёт в банке", "Оплата на странице банка"),
        (Locale::Ru, Method::AccountTransfer) => ("Перевод по реквизитам", "На банковский счёт"),
        (Locale::En, Method::CardForm) => ("Bank card", "MIR, Visa, Mastercard"),
        (Locale::En, Method::CardTransfer) => ("Card transfer", "To a card number"),
        (Locale::En, Method::Sbp) => ("SBP", "Faster Payments System, by phone number"),
        (Locale::En, Method::Sberpay) => ("SberPay", "In the SberBank Online app"),
        (Locale::En, Method::AccountForm) => ("Bank account", "Pay on the bank's page"),
        (Locale::En, Method::AccountTransfer) => ("Bank transfer", "To a bank account"),
    }
}

/// The three plural forms of Russian nouns after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuPlural {
    /// 1, 21, 101 … (минута).
    One,
    /// 2–4, 22–24 … (минуты).
    Few,
    /// 0, 5–20, 25–30, 11–14 … (минут).
    Many,
}

/// The Russian plural form for `n` (CLDR rules for integers).
pub fn ru_plural(n: u64) -> RuPlural {
    let (d10, d100) = (n % 10, n % 100);
    if d10 == 1 && d100 != 11 {
        RuPlural::One
    } else if (2..=4).contains(&d10) && !(12..=14).contains(&d100) {
        RuPlural::Few
    } else {
        RuPlural::Many
    }
}

/// A unit of time in duration phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Hours.
    Hour,
    /// Minutes.
    Minute,
    /// Seconds.
    Second,
}

/// `n` with its unit in words: `1 минута`, `2 минуты`, `5 минут`, `1 minute`, `2 minutes`.
pub fn count_phrase(locale: Locale, n: u64, unit: TimeUnit) -> String {
    let word = match locale {
        Locale::Ru => {
            let forms = match unit {
                TimeUnit::Hour => ["час", "часа", "часов"],
                TimeUnit::Minute => ["минута", "минуты", "минут"],
                TimeUnit::Second => ["секунда", "секунды", "секунд"],
            };
            match ru_plural(n) {
                RuPlural::One => forms[0],
                RuPlural::Few => forms[1],
                RuPlural::Many => forms[2],
            }
        }
        Locale::En => {
            let (one, many) = match unit {
                TimeUnit::Hour => ("hour", "hours"),
                TimeUnit::Minute => ("minute", "minutes"),
                TimeUnit::Second => ("second", "seconds"),
            };
            if n == 1 { one } else { many }
        }
    };
    format!("{n} {word}")
}

/// A remaining duration for screen readers, rounded up to whole minutes above a minute:
/// `осталось 15 минут`, `осталось 1 час 5 минут`, `осталось 40 секунд`.
pub fn remaining_phrase(locale: Locale, remaining_secs: u64) -> String {
    let body = if remaining_secs < 60 {
        count_phrase(locale, remaining_secs, TimeUnit::Second)
    } else {
        let minutes = remaining_secs.div_ceil(60);
        let (hours, minutes) = (minutes / 60, minutes % 60);
        match (hours, minutes) {
            (0, m) => count_phrase(locale, m, TimeUnit::Minute),
            (h, 0) => count_phrase(locale, h, TimeUnit::Hour),
            (h, m) => format!(
                "{} {}",
                count_phrase(locale, h, TimeUnit::Hour),
                count_phrase(locale, m, TimeUnit::Minute)
            ),
        }
    };
    match locale {
        Locale::Ru => format!("осталось {body}"),
        Locale::En => format!("{body} left"),
    }
}

#[cfg(test)]
mod tests;
