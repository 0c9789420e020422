use super::*;

#[test]
fn russian_plural_forms() {
    let cases = [
        (0, "0 минут"),
        (1, "1 минута"),
        (2, "2 минуты"),
        (4, "4 минуты"),
        (5, "5 минут"),
        (11, "11 минут"),
        (12, "12 минут"),
        (14, "14 минут"),
        (15, "15 минут"),
        (21, "21 минута"),
        (22, "22 минуты"),
        (25, "25 минут"),
        (101, "101 минута"),
        (111, "111 минут"),
        (112, "112 минут"),
        (122, "122 минуты"),
    ];
    for (n, want) in cases {
        assert_eq!(
            count_phrase(Locale::Ru, n, TimeUnit::Minute),
            want,
            "n = {n}"
        );
    }
    assert_eq!(count_phrase(Locale::Ru, 1, TimeUnit::Second), "1 секунда");
    assert_eq!(count_phrase(Locale::Ru, 3, TimeUnit::Hour), "3 часа");
}

#[test]
fn english_plural_forms() {
    assert_eq!(count_phrase(Locale::En, 1, TimeUnit::Minute), "1 minute");
    assert_eq!(count_phrase(Locale::En, 2, TimeUnit::Minute), "2 minutes");
    assert_eq!(count_phrase(Locale::En, 0, TimeUnit::Second), "0 seconds");
}

#[test]
fn remaining_rounds_up_to_minutes() {
    assert_eq!(remaining_phrase(Locale::Ru, 899), "осталось 15 минут");
    assert_eq!(remaining_phrase(Locale::Ru, 61), "осталось 2 минуты");
    assert_eq!(remaining_phrase(Locale::Ru, 60), "осталось 1 минута");
    assert_eq!(remaining_phrase(Locale::Ru, 45), "осталось 45 секунд");
    assert_eq!(remaining_phrase(Locale::Ru, 3900), "осталось 1 час 5 минут");
    assert_eq!(remaining_phrase(Locale::En, 3600), "1 hour left");
}

#[test]
fn received_of_reads_in_both_languages() {
    assert_eq!(
        received_of(Locale::Ru, "1 ₽", "2 ₽"),
        "Получено 1 ₽ из\u{a0}2 ₽"
    );
    assert_eq!(
        received_of(Locale::En, "₽1", "₽2"),
        "Received ₽1 of\u{a0}₽2"
    );
}

#[test]
fn every_method_has_names_in_both_languages() {
    for locale in Locale::ALL {
        for method in Method::ALL {
            let (name, hint) = method_name(locale, method);
            assert!(!name.is_empty() && !hint.is_empty());
        }
    }
}
