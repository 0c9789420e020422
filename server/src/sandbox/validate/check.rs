//! The collector of one body's field errors, with Laravel's wording.

use serde_json::{Map, Value};
use shared::gateway::ValidationErrorBody;
use shared::{Amount, AmountError, HttpUrl, OrderId, TextError};
use time::Date;

/// Laravel's attribute name: `order_id` → `order id`.
fn attribute(field: &str) -> String {
    field.replace('_', " ")
}

/// Collects the errors of one body.
pub(super) struct Check<'a> {
    fields: &'a Map<String, Value>,
    pub(super) errors: ValidationErrorBody,
}

impl<'a> Check<'a> {
    pub(super) fn new(fields: &'a Map<String, Value>) -> Check<'a> {
        Check {
            fields,
            errors: ValidationErrorBody::new(),
        }
    }

    pub(super) fn finish(self) -> ValidationErrorBody {
        self.errors
    }

    pub(super) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.add(field, message);
    }

    /// Adds `The <attribute> <rest>` and returns unit, for `map_err(..).ok()` chains.
    pub(super) fn error(&mut self, field: &str, rest: &str) {
        let message = format!("The {} {rest}", attribute(field));
        self.add(field, message);
    }

    pub(super) fn required(&mut self, field: &str) {
        self.error(field, "field is required.");
    }

    /// The raw value, `None` when absent, `null` or a blank string (Laravel's
    /// `ConvertEmptyStringsToNull` + `TrimStrings`).
    pub(super) fn value(&self, field: &str) -> Option<&'a Value> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    pub(super) fn present(&self, field: &str) -> bool {
        self.value(field).is_some()
    }

    /// A string field (numbers are taken as their text) of at most `max` characters.
    pub(super) fn text(&mut self, field: &str, required: bool, max: usize) -> Option<String> {
        let text = match self.value(field) {
            None => {
                if required {
                    self.required(field);
                }
                return None;
            }
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                self.error(field, "must be a string.");
                return None;
            }
        };
        if text.chars().count() > max {
            self.error(field, &format!("may not be greater than {max} characters."));
            return None;
        }
        Some(text)
    }

    /// The outcome of a `shared` text parser, its errors worded for Laravel.
    pub(super) fn bounded<T>(&mut self, field: &str, parsed: Result<T, TextError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(TextError::Empty { .. }) => {
                self.required(field);
                None
            }
            Err(TextError::TooLong { max, .. }) => {
                self.error(field, &format!("may not be greater than {max} characters."));
                None
            }
            Err(TextError::ControlCharacter { .. }) => {
                self.error(field, "format is invalid.");
                None
            }
        }
    }

    pub(super) fn order_id(&mut self) -> Option<OrderId> {
        self.text("order_id", true, OrderId::MAX_CHARS)
            .and_then(|t| self.bounded("order_id", OrderId::parse(t)))
    }

    /// `amount`: required, a number (JSON number or numeric string), above zero, at most two
    /// decimals and nine integer digits.
    pub(super) fn amount(&mut self) -> Option<Amount> {
        let text = match self.value("amount") {
            None => {
                self.required("amount");
                return None;
            }
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                self.error("amount", "must be a number.");
                return None;
            }
        };
        match Amount::parse(&text) {
            Ok(amount) => Some(amount),
            Err(e) => {
                let rest = match e {
                    AmountError::Empty => "field is required.",
                    AmountError::NotANumber => "must be a number.",
                    AmountError::Negative | AmountError::Zero => "must be greater than 0.",
                    AmountError::TooManyDecimals { .. } => "format is invalid.",
                    AmountError::TooLarge => "may not be greater than 999999999.99.",
                };
                self.error("amount", rest);
                None
            }
        }
    }

    /// An optional whole number (JSON integer or digit string).
    pub(super) fn integer(&mut self, field: &str) -> Option<u64> {
        let parsed = match self.value(field)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(field, "must be an integer.");
        }
        parsed
    }

    /// An optional `YYYY-MM-DD` date.
    pub(super) fn date(&mut self, field: &str) -> Option<Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let text = self.text(field, false, 10)?;
        Date::parse(&text, format)
            .map_err(|_| self.error(field, "does not match the format Y-m-d."))
            .ok()
    }

    /// An optional URL of at most 255 characters.
    pub(super) fn url(&mut self, field: &str) -> Option<HttpUrl> {
        let text = self.text(field, false, HttpUrl::MAX_CHARS)?;
        HttpUrl::parse(text)
            .map_err(|_| self.error(field, "format is invalid."))
            .ok()
    }

    /// `field` is required (`value` is its text); when present, `then` checks it.
    pub(super) fn required_then<T>(
        &mut self,
        value: Option<String>,
        field: &str,
        then: impl FnOnce(&mut Self, String) -> Option<T>,
    ) -> Option<T> {
        match value {
            Some(text) => then(self, text),
            None => {
                if !self.errors.errors.contains_key(field) {
                    self.required(field);
                }
                None
            }
        }
    }

    /// A fixed-length digit value; any failure reads `The <field> must be <len> digits.`
    pub(super) fn digits<T: ToString>(
        &mut self,
        field: &str,
        parsed: Result<T, impl Sized>,
        len: usize,
    ) -> Option<String> {
        match parsed {
            Ok(v) => Some(v.to_string()),
            Err(_) => {
                self.error(field, &format!("must be {len} digits."));
                None
            }
        }
    }
}
