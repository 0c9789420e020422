//! JSON without `serde_json` in the widget: the browser parses (`JSON.parse`) and the fields are
//! read through `Reflect` into the shared types (via their validating constructors); event
//! details are written by a tiny writer. `serde_json`'s deserializer (plus serde's visitors and
//! float formatting) was over a third of the widget's code size.
//!
//! The decoders follow the serde shapes of the shared types: missing `Option` fields and `null`
//! are `None`; any other missing or malformed field fails the whole decode.

use shared::api::{CheckoutView, Locale, PayAnswer, Requisites, StatusUpdate};
use shared::{
    AccountNumber, Amount, Bic, CardNumber, Description, GatewayPaymentId, HttpUrl, Method,
    OrderId, PaymentStatus, Phone, SessionStatus,
};
use time::OffsetDateTime;
use wasm_bindgen::JsValue;

/// A failed decode (the reason is not shown to buyers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bad;

type R<T> = Result<T, Bad>;

/// Parses JSON text with the browser's parser.
pub fn parse(text: &str) -> R<JsValue> {
    js_sys::JSON::parse(text).map_err(|_| Bad)
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    js_sys::Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `None` for missing or `null`.
fn opt(obj: &JsValue, name: &str) -> Option<JsValue> {
    let v = field(obj, name);
    (!v.is_undefined() && !v.is_null()).then_some(v)
}

fn string(obj: &JsValue, name: &str) -> R<String> {
    field(obj, name).as_string().ok_or(Bad)
}

fn opt_string(obj: &JsValue, name: &str) -> R<Option<String>> {
    opt(obj, name).map(|v| v.as_string().ok_or(Bad)).transpose()
}

fn boolean(obj: &JsValue, name: &str) -> R<bool> {
    field(obj, name).as_bool().ok_or(Bad)
}

fn parsed<T: core::str::FromStr>(obj: &JsValue, name: &str) -> R<T> {
    string(obj, name)?.parse().map_err(|_| Bad)
}

fn opt_parsed<T: core::str::FromStr>(obj: &JsValue, name: &str) -> R<Option<T>> {
    opt_string(obj, name)?
        .map(|s| s.parse().map_err(|_| Bad))
        .transpose()
}

/// The text of a string, or of a number as JavaScript writes it (`1500`, `1500.5`).
fn text_or_number(v: &JsValue) -> R<String> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.as_f64().is_some() {
        return js_sys::Number::from(v.clone())
            .to_string_with_radix(10)
            .map(String::from)
            .map_err(|_| Bad);
    }
    Err(Bad)
}

fn amount(obj: &JsValue, name: &str) -> R<Amount> {
    let v = field(obj, name);
    if let Some(s) = v.as_string() {
        return Amount::parse(&s).map_err(|_| Bad);
    }
    match v.as_f64() {
        // Whole rubles, as the serde decoder reads an integer.
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 9.0e15 => {
            Amount::from_kopecks((n as u64).checked_mul(100).ok_or(Bad)?).map_err(|_| Bad)
        }
        Some(_) => Amount::parse(&text_or_number(&v)?).map_err(|_| Bad),
        None => Err(Bad),
    }
}

fn opt_amount(obj: &JsValue, name: &str) -> R<Option<Amount>> {
    opt(obj, name).map(|_| amount(obj, name)).transpose()
}

/// An RFC 3339 instant, read by `Date.parse` (millisecond precision).
fn instant(obj: &JsValue, name: &str) -> R<OffsetDateTime> {
    let ms = js_sys::Date::parse(&string(obj, name)?);
    if !ms.is_finite() {
        return Err(Bad);
    }
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms as i64) * 1_000_000).map_err(|_| Bad)
}

/// The server validated its URLs: only the scheme is checked here (keeps the URL validator,
/// with its IP address parser, out of the wasm).
fn url(s: String) -> R<HttpUrl> {
    HttpUrl::from_validated(s).ok_or(Bad)
}

fn opt_url(obj: &JsValue, name: &str) -> R<Option<HttpUrl>> {
    opt_string(obj, name)?.map(url).transpose()
}

fn opt_phone(obj: &JsValue, name: &str) -> R<Option<Phone>> {
    opt_string(obj, name)?
        .map(|s| Phone::parse(&s).map_err(|_| Bad))
        .transpose()
}

/// `GET …/{token}`.
pub fn checkout_view(v: &JsValue) -> R<CheckoutView> {
    let methods = field(v, "methods");
    if !js_sys::Array::is_array(&methods) {
        return Err(Bad);
    }
    let methods = js_sys::Array::from(&methods)
        .iter()
        .map(|m| m.as_string().ok_or(Bad)?.parse::<Method>().map_err(|_| Bad))
        .collect::<R<Vec<_>>>()?;
    Ok(CheckoutView {
        order_id: OrderId::parse(string(v, "order_id")?).map_err(|_| Bad)?,
        amount: amount(v, "amount")?,
        description: opt_string(v, "description")?
            .map(|s| Description::parse(s).map_err(|_| Bad))
            .transpose()?,
        methods,
        status: parsed::<SessionStatus>(v, "status")?,
        paid_amount: opt_amount(v, "paid_amount")?,
        locale: parsed::<Locale>(v, "locale")?,
        merchant_name: string(v, "merchant_name")?,
        expires_at: instant(v, "expires_at")?,
        server_time: instant(v, "server_time")?,
        test_mode: boolean(v, "test_mode")?,
        payment: opt(v, "payment").map(|p| pay_answer(&p)).transpose()?,
        success_url: opt_url(v, "success_url")?,
        fail_url: opt_url(v, "fail_url")?,
    })
}

/// `POST …/pay`.
pub fn pay_answer(v: &JsValue) -> R<PayAnswer> {
    let gateway_payment_id = match opt(v, "gateway_payment_id") {
        None => None,
        Some(id) => Some(
            text_or_number(&id)?
                .parse::<GatewayPaymentId>()
                .map_err(|_| Bad)?,
        ),
    };
    Ok(PayAnswer {
        method: parsed::<Method>(v, "method")?,
        requisites: requisites(&field(v, "requisites"))?,
        amount: amount(v, "amount")?,
        expires_at: instant(v, "expires_at")?,
        server_time: instant(v, "server_time")?,
        status: parsed::<SessionStatus>(v, "status")?,
        gateway_payment_id,
    })
}

/// The `kind`-tagged requisites.
pub fn requisites(v: &JsValue) -> R<Requisites> {
    let holder = opt_string(v, "holder")?;
    Ok(match string(v, "kind")?.as_str() {
        "card" => Requisites::Card {
            card_number: CardNumber::parse(&string(v, "card_number")?).map_err(|_| Bad)?,
            holder,
            bank: opt_string(v, "bank")?,
        },
        "phone" => Requisites::Phone {
            phone: Phone::parse(&string(v, "phone")?).map_err(|_| Bad)?,
            holder,
            bank: opt_string(v, "bank")?,
        },
        "account" => Requisites::Account {
            account: AccountNumber::parse(&string(v, "account")?).map_err(|_| Bad)?,
            bic: opt_string(v, "bic")?
                .map(|s| Bic::parse(&s).map_err(|_| Bad))
                .transpose()?,
            holder,
            bank: opt_string(v, "bank")?,
        },
        "redirect" => Requisites::Redirect {
            url: url(string(v, "url")?)?,
        },
        "sberpay" => Requisites::Sberpay {
            url: url(string(v, "url")?)?,
            phone: opt_phone(v, "phone")?,
            holder,
        },
        _ => return Err(Bad),
    })
}

/// `GET …/status`, `POST …/check` and each live event.
pub fn status_update(v: &JsValue) -> R<StatusUpdate> {
    Ok(StatusUpdate {
        status: parsed::<SessionStatus>(v, "status")?,
        payment_status: opt_parsed::<PaymentStatus>(v, "payment_status")?,
        paid_amount: opt_amount(v, "paid_amount")?,
        updated_at: instant(v, "updated_at")?,
    })
}

/// Our error body: `(code, message)`.
pub fn error_body(v: &JsValue) -> R<(String, String)> {
    let error = field(v, "error");
    Ok((string(&error, "code")?, string(&error, "message")?))
}

/// A JSON object writer for event details (field order as written).
#[derive(Debug)]
pub struct Writer {
    out: String,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// `{`.
    pub fn new() -> Self {
        Self {
            out: String::from("{"),
        }
    }

    fn key(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_str(&mut self.out, name);
        self.out.push(':');
    }

    /// `"name":"value"`.
    pub fn str(mut self, name: &str, value: &str) -> Self {
        self.key(name);
        push_str(&mut self.out, value);
        self
    }

    /// `"name":"value"` or `"name":null`.
    pub fn opt_str(mut self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(name, v),
            None => {
                self.key(name);
                self.out.push_str("null");
                self
            }
        }
    }

    /// `"name":true`.
    pub fn bool(mut self, name: &str, value: bool) -> Self {
        self.key(name);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// `"name":123`.
    pub fn u64(mut self, name: &str, value: u64) -> Self {
        self.key(name);
        push_u64(&mut self.out, value);
        self
    }

    /// `"name":["a","b"]`.
    pub fn str_list<'a>(mut self, name: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.key(name);
        self.out.push('[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_str(&mut self.out, v);
        }
        self.out.push(']');
        self
    }

    /// `}`: the text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decimal digits of `n` without `core::fmt`.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

fn push_padded(out: &mut String, n: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    while div > 0 {
        out.push(char::from(b'0' + ((n / div) % 10) as u8));
        div /= 10;
    }
}

/// RFC 3339 in UTC (`2026-01-02T03:04:05.5Z`), as `time`'s `Rfc3339` writes a UTC value
/// (fraction only when non-zero, trailing zeros trimmed), without `time`'s formatter.
pub fn rfc3339_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = String::with_capacity(30);
    push_padded(&mut out, t.year().clamp(0, 9999) as u32, 4);
    out.push('-');
    push_padded(&mut out, u32::from(u8::from(t.month())), 2);
    out.push('-');
    push_padded(&mut out, u32::from(t.day()), 2);
    out.push('T');
    push_padded(&mut out, u32::from(t.hour()), 2);
    out.push(':');
    push_padded(&mut out, u32::from(t.minute()), 2);
    out.push(':');
    push_padded(&mut out, u32::from(t.second()), 2);
    let mut nanos = t.nanosecond();
    if nanos != 0 {
        let mut width = 9;
        while nanos.is_multiple_of(10) {
            nanos /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(&mut out, nanos, width);
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests;
