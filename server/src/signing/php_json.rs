//! A PHP-`json_encode`-compatible encoder (default flags) and PHP's `(int)` cast.
//!
//! The gateway signs notifications and redirects over `json_encode($array)` of a PHP array
//! (alikassa-api.md §4.3, §4.5), so a verifier must rebuild those bytes exactly. PHP differs
//! from `serde_json`: `/` is written `\/`, every non-ASCII character is `\uXXXX` (lower-case
//! hex, UTF-16 surrogate pairs above U+FFFF), other control characters are `\u00XX`, DEL
//! passes through raw, an array with keys `0..n` is a JSON list and an empty array is `[]`.

use std::fmt::{self, Write as _};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A PHP value as `json_encode` sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum PhpValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A PHP int (64-bit).
    Int(i64),
    /// A PHP float, written like PHP with `serialize_precision = -1`.
    Float(f64),
    /// A PHP string (always valid UTF-8 here: PHP's `json_encode` fails on anything else).
    Str(String),
    /// A PHP array with keys `0..n` in order: a JSON list.
    List(Vec<PhpValue>),
    /// A PHP array with string keys, in insertion order. Written as a JSON object unless its
    /// keys happen to be `"0".."n-1"` in order, or it is empty: then PHP writes a list.
    Map(Vec<(String, PhpValue)>),
}

impl PhpValue {
    /// `Str` from anything string-like.
    pub fn str(s: impl Into<String>) -> PhpValue {
        PhpValue::Str(s.into())
    }

    /// `Str(s)` or `Null` for a missing value (PHP's `$_GET['x'] ?? null`).
    pub fn opt_str(s: Option<&str>) -> PhpValue {
        s.map_or(PhpValue::Null, PhpValue::str)
    }

    /// Parse JSON the way PHP's `json_decode($text, true)` does: objects become ordered
    /// arrays (a repeated key keeps its first position and its last value), integers beyond
    /// 64 bits become floats.
    pub fn from_json(text: &[u8]) -> Result<PhpValue, serde_json::Error> {
        serde_json::from_slice(text)
    }

    /// Remove a key from a `Map` (PHP `unset($a[$key])`); `true` if it was there.
    pub fn remove_key(&mut self, key: &str) -> bool {
        match self {
            PhpValue::Map(entries) => {
                let before = entries.len();
                entries.retain(|(k, _)| k != key);
                entries.len() != before
            }
            _ => false,
        }
    }
}

/// `json_encode` options we reproduce. Default = PHP's default flags.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// `JSON_UNESCAPED_SLASHES`: write `/` instead of `\/` (some integrators verify this way).
    pub unescaped_slashes: bool,
}

/// `json_encode($value)` with PHP's default flags.
pub fn encode(value: &PhpValue) -> String {
    encode_with(value, Flags::default())
}

/// `json_encode($value, $flags)` for the flags in [`Flags`].
pub fn encode_with(value: &PhpValue, flags: Flags) -> String {
    let mut out = String::new();
    write_value(&mut out, value, flags);
    out
}

fn write_value(out: &mut String, value: &PhpValue, flags: Flags) {
    match value {
        PhpValue::Null => out.push_str("null"),
        PhpValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        PhpValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PhpValue::Float(f) => write_float(out, *f),
        PhpValue::Str(s) => write_string(out, s, flags),
        PhpValue::List(items) => write_list(out, items.iter(), flags),
        PhpValue::Map(entries) => {
            let is_list = entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == i.to_string());
            if is_list {
                write_list(out, entries.iter().map(|(_, v)| v), flags);
            } else {
                out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, key, flags);
                    out.push(':');
                    write_value(out, item, flags);
                }
                out.push('}');
            }
        }
    }
}

fn write_list<'a>(out: &mut String, items: impl Iterator<Item = &'a PhpValue>, flags: Flags) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(out, item, flags);
    }
    out.push(']');
}

/// `php_json_escape_string` with default flags.
fn write_string(out: &mut String, s: &str, flags: Flags) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if !flags.unescaped_slashes => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Other C0 controls; DEL (0x7f) is not escaped by PHP.
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// PHP's `php_gcvt(value, 17, '.', 'e')` with `serialize_precision = -1`: the shortest
/// round-trip digits; exponent form (`1.0e+25`, `1.5e-7`) when the decimal exponent is below
/// -4 or at least 17.
fn write_float(out: &mut String, value: f64) {
    if !value.is_finite() {
        // json_encode fails with JSON_ERROR_INF_OR_NAN and substitutes 0.
        out.push('0');
        return;
    }
    if value == 0.0 {
        out.push_str(if value.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // `{:e}` gives the shortest round-trip digits, e.g. "1.5e-7", "1e25".
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // PHP's `decpt`: value = 0.DIGITS × 10^decpt.
    let decpt = exponent + 1;
    if value < 0.0 {
        out.push('-');
    }
    if !(-3..=17).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        let _ = write!(
            out,
            "e{}{}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in decpt..0 {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = usize::try_from(decpt).unwrap_or(0);
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// PHP 8's `(int)` cast of a string: leading whitespace skipped, optional sign, the longest
/// numeric prefix (digits, optional fraction and exponent) else 0; fractions truncate toward
/// zero, out-of-range values saturate, infinities give 0. `(int)""` and `(int)null` are 0.
pub fn php_int(s: &str) -> i64 {
    let b = s.as_bytes();
    let digits_from = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let start = i;
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    let int_end = digits_from(i);
    let int_digits = int_end - i;
    i = int_end;
    let mut is_float = false;
    if i < b.len() && b[i] == b'.' {
        let frac_end = digits_from(i + 1);
        if int_digits > 0 || frac_end > i + 1 {
            is_float = true;
            i = frac_end;
        }
    }
    if int_digits == 0 && !is_float {
        return 0;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        let mut j = i + 1;
        if j < b.len() && matches!(b[j], b'+' | b'-') {
            j += 1;
        }
        let exp_end = digits_from(j);
        if exp_end > j {
            is_float = true;
            i = exp_end;
        }
    }
    let number = &s[start..i];
    if !is_float && let Ok(v) = number.parse::<i64>() {
        return v;
    }
    let value: f64 = number.parse().unwrap_or(0.0);
    if !value.is_finite() {
        0
    } else {
        // `as` truncates toward zero and saturates, like zend_dval_to_lval_cap.
        value as i64
    }
}

impl<'de> Deserialize<'de> for PhpValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PhpValue, D::Error> {
        deserializer.deserialize_any(PhpValueVisitor)
    }
}

struct PhpValueVisitor;

impl<'de> Visitor<'de> for PhpValueVisitor {
    type Value = PhpValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<PhpValue, E> {
        Ok(PhpValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<PhpValue, E> {
        Ok(PhpValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PhpValue, E> {
        Ok(PhpValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PhpValue, E> {
        Ok(PhpValue::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PhpValue, E> {
        // Beyond PHP_INT_MAX json_decode gives a float.
        Ok(i64::try_from(v).map_or(PhpValue::Float(v as f64), PhpValue::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PhpValue, E> {
        Ok(PhpValue::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PhpValue, E> {
        Ok(PhpValue::str(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<PhpValue, E> {
        Ok(PhpValue::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PhpValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(PhpValue::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PhpValue, A::Error> {
        let mut entries: Vec<(String, PhpValue)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, PhpValue>()? {
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(PhpValue::Map(entries))
    }
}

#[cfg(test)]
mod tests;
