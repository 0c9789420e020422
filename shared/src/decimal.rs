//! Syntax of the decimal texts the gateway speaks (`"1500.00"`, `"-93.84000000"`), shared by
//! [`crate::Amount`] and [`crate::Money`]. Only splits text into sign, integer and fraction digits;
//! the value rules live with each type. Never uses floating-point arithmetic.

/// A syntactically valid decimal: `-?[0-9]+(\.[0-9]+)?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecimalText<'a> {
    /// A leading `-` was present.
    pub negative: bool,
    /// Integer digits with leading zeros removed (may be empty for a zero integer part).
    pub int: &'a str,
    /// Fraction digits as written (empty when there was no `.`).
    pub frac: &'a str,
}

/// Why a text is not a plain decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalSyntax {
    Empty,
    Malformed,
}

pub(crate) fn split(text: &str) -> Result<DecimalText<'_>, DecimalSyntax> {
    if text.is_empty() {
        return Err(DecimalSyntax::Empty);
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => {
            if frac.is_empty() {
                return Err(DecimalSyntax::Malformed);
            }
            (int, frac)
        }
        None => (unsigned, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return Err(DecimalSyntax::Malformed);
    }
    Ok(DecimalText {
        negative,
        int: int.trim_start_matches('0'),
        frac,
    })
}

/// The shortest decimal text that reads back as `value` (Rust's `Display` for `f64` never uses
/// an exponent), so a JSON number such as `500.5` is judged by the digits a sender wrote, not by
/// float arithmetic.
pub(crate) fn float_text(value: f64) -> String {
    format!("{value}")
}

/// Value of at most 18 ASCII digits; callers bound the length first.
pub(crate) fn digits_value(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_valid_texts() {
        let d = split("-0012.50").unwrap();
        assert_eq!((d.negative, d.int, d.frac), (true, "12", "50"));
        let d = split("0").unwrap();
        assert_eq!((d.negative, d.int, d.frac), (false, "", ""));
    }

    #[test]
    fn rejects_malformed_texts() {
        for bad in [
            "-", ".5", "5.", "1.2.3", "+1", "1e5", " 1", "1 ", "1,5", "١",
        ] {
            assert_eq!(split(bad), Err(DecimalSyntax::Malformed), "{bad:?}");
        }
        assert_eq!(split(""), Err(DecimalSyntax::Empty));
    }

    #[test]
    fn float_text_is_shortest_without_exponent() {
        assert_eq!(float_text(500.5), "500.5");
        assert_eq!(float_text(500.0), "500");
        assert_eq!(float_text(1e21), "1000000000000000000000");
        assert_eq!(float_text(1e-7), "0.0000001");
        assert_eq!(float_text(999_999_999.99), "999999999.99");
    }
}
