//! Lenient readers for gateway fields whose JSON type varies (numbers or strings, `""` for
//! "nothing", `0`/`1` for booleans). Used with `#[serde(default, deserialize_with = …)]`.
//! They go through `deserialize_option`, so they also work for query strings and forms.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

use crate::Money;
use crate::decimal;
use crate::money::MoneyVisitor;

/// Any JSON scalar (or null), as received.
enum Scalar {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Text(String),
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_option(ScalarVisitor)
}

/// A whole non-negative number from a number or a numeric string; `null`/`""` → `None`.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Text(t) if t.is_empty() => Ok(None),
        Scalar::Text(t) => t
            .parse::<u64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a whole number, got {t:?}"))),
        Scalar::U64(v) => Ok(Some(v)),
        Scalar::I64(v) => u64::try_from(v).map(Some).map_err(|_| {
            de::Error::custom(format!("expected a whole non-negative number, got {v}"))
        }),
        Scalar::Bool(_) | Scalar::F64(_) => Err(de::Error::custom("expected a whole number")),
    }
}

/// A boolean from `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`; `null`/`""` → `None`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::U64(0) | Scalar::I64(0) => Ok(Some(false)),
        Scalar::U64(1) | Scalar::I64(1) => Ok(Some(true)),
        Scalar::Text(t) => {
            text_bool(&t).map_err(|()| de::Error::custom(format!("expected a boolean, got {t:?}")))
        }
        Scalar::U64(_) | Scalar::I64(_) | Scalar::F64(_) => {
            Err(de::Error::custom("expected a boolean"))
        }
    }
}

/// How PHP and friends spell booleans as text; `""` is "absent".
pub(crate) fn text_bool(text: &str) -> Result<Option<bool>, ()> {
    match text {
        "" => Ok(None),
        "1" | "true" | "TRUE" | "True" => Ok(Some(true)),
        "0" | "false" | "FALSE" | "False" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// A reported amount from a number or a string; `null`/`""` → `None`.
pub(crate) fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Text(t) if t.is_empty() => Ok(None),
        Scalar::Text(t) => MoneyVisitor.visit_str(&t).map(Some),
        Scalar::U64(v) => MoneyVisitor.visit_u64(v).map(Some),
        Scalar::I64(v) => MoneyVisitor.visit_i64(v).map(Some),
        Scalar::F64(v) => MoneyVisitor.visit_f64(v).map(Some),
        Scalar::Bool(_) => Err(de::Error::custom("expected an amount, got a boolean")),
    }
}

/// Any scalar as text: strings as received, numbers as their shortest decimal text, booleans as
/// `true`/`false`; `null` → `None`.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Null => None,
        Scalar::Text(t) => Some(t),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::U64(v) => Some(v.to_string()),
        Scalar::I64(v) => Some(v.to_string()),
        Scalar::F64(v) => Some(decimal::float_text(v)),
    })
}

/// Like [`opt_text`], but a value is required.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_text(d)?.ok_or_else(|| de::Error::custom("expected a string or number, got null"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "super::opt_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::opt_money")]
        m: Option<crate::Money>,
        #[serde(default, deserialize_with = "super::opt_text")]
        t: Option<String>,
    }

    #[test]
    fn lenient_forms() {
        let p: Probe = serde_json::from_str(r#"{"n":"12","b":"1","m":"","t":5}"#).unwrap();
        assert_eq!(
            (p.n, p.b, p.m, p.t.as_deref()),
            (Some(12), Some(true), None, Some("5"))
        );
        let p: Probe = serde_json::from_str(r#"{"n":null,"b":false,"m":3.5,"t":true}"#).unwrap();
        assert_eq!(p.n, None);
        assert_eq!(p.b, Some(false));
        assert_eq!(p.m.map(crate::Money::kopecks), Some(350));
        assert_eq!(p.t.as_deref(), Some("true"));
        let p: Probe = serde_json::from_str("{}").unwrap();
        assert_eq!((p.n, p.b, p.m, p.t), (None, None, None, None));
        assert!(serde_json::from_str::<Probe>(r#"{"b":"maybe"}"#).is_err());
    }
}
