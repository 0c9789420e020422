//! The exact texts the gateway signs for notifications (alikassa-api.md §4.3) and success /
//! fail redirects (§4.5), rebuilt from the raw received fields with PHP's `json_encode`.
//!
//! Input is the received fields as raw strings (query, form or JSON values as text), looked
//! up by name through [`Fields`], so any map type works.

use std::collections::{BTreeMap, HashMap};

use super::php_json::{self, Flags, PhpValue, php_int};

/// Field order of the documented notification text (variant (a)).
pub const NOTIFICATION_FIELDS: [&str; 11] = [
    "type",
    "id",
    "order_id",
    "payment_status",
    "amount",
    "payment_amount",
    "commission_amount",
    "is_partial_payment",
    "account",
    "service",
    "desc",
];

/// Received fields by name, as raw strings.
pub trait Fields {
    /// The raw value of `name`, if it was received.
    fn field(&self, name: &str) -> Option<&str>;
}

impl Fields for BTreeMap<String, String> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> Fields for HashMap<String, String, S> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// Pairs in received order; for a repeated name the last one wins, as in PHP's `$_GET`.
impl<K: AsRef<str>, V: AsRef<str>> Fields for [(K, V)] {
    fn field(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Fields for Vec<(K, V)> {
    fn field(&self, name: &str) -> Option<&str> {
        self.as_slice().field(name)
    }
}

/// Which reconstruction of the notification text (§4.3 "robust verifier").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationVariant {
    /// (a) The documented PHP sample: the 11 fields of [`NOTIFICATION_FIELDS`], `id` cast
    /// to int (missing ⇒ 0), every other value the raw string or `null`.
    Documented,
    /// (b) As (a) without `commission_amount` (an older field list).
    WithoutCommission,
    /// (c) As one integrator builds it: `id` int or `null` when missing,
    /// `is_partial_payment` a JSON bool when it reads `true`/`1`/`false`/`0`, and a trailing
    /// `card_brand` (its value or `null`).
    TypedPartial,
    /// (c) without the `card_brand` key.
    TypedPartialNoBrand,
}

impl NotificationVariant {
    /// All field-map variants, the documented one first.
    pub const ALL: [NotificationVariant; 4] = [
        NotificationVariant::Documented,
        NotificationVariant::WithoutCommission,
        NotificationVariant::TypedPartial,
        NotificationVariant::TypedPartialNoBrand,
    ];

    /// Short name for logs.
    pub fn label(self) -> &'static str {
        match self {
            NotificationVariant::Documented => "a:documented",
            NotificationVariant::WithoutCommission => "b:without_commission",
            NotificationVariant::TypedPartial => "c:typed_partial",
            NotificationVariant::TypedPartialNoBrand => "c:typed_partial_no_brand",
        }
    }
}

/// The PHP array the gateway encodes for a notification, per `variant`.
pub fn notification_value<F: Fields + ?Sized>(
    fields: &F,
    variant: NotificationVariant,
) -> PhpValue {
    let typed = matches!(
        variant,
        NotificationVariant::TypedPartial | NotificationVariant::TypedPartialNoBrand
    );
    let mut entries = Vec::with_capacity(NOTIFICATION_FIELDS.len() + 1);
    for name in NOTIFICATION_FIELDS {
        let raw = fields.field(name);
        let value = match name {
            "commission_amount" if variant == NotificationVariant::WithoutCommission => continue,
            "id" => match (raw, typed) {
                (None, true) => PhpValue::Null,
                (raw, _) => PhpValue::Int(php_int(raw.unwrap_or_default())),
            },
            "is_partial_payment" if typed => match raw {
                None => PhpValue::Null,
                Some(text) => match text.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" => PhpValue::Bool(true),
                    "false" | "0" => PhpValue::Bool(false),
                    _ => PhpValue::str(text),
                },
            },
            _ => PhpValue::opt_str(raw),
        };
        entries.push((name.to_owned(), value));
    }
    if variant == NotificationVariant::TypedPartial {
        entries.push((
            "card_brand".to_owned(),
            PhpValue::opt_str(fields.field("card_brand")),
        ));
    }
    PhpValue::Map(entries)
}

/// `json_encode` of [`notification_value`] with PHP's default flags.
pub fn notification_text<F: Fields + ?Sized>(fields: &F, variant: NotificationVariant) -> String {
    php_json::encode(&notification_value(fields, variant))
}

/// Variant (d): a JSON notification body re-encoded by PHP after `unset($data['sign'])`
/// (`json_decode($body, true)`, key order kept, values keep their JSON types).
pub fn json_body_text(body: &[u8], flags: Flags) -> Result<String, serde_json::Error> {
    let mut value = PhpValue::from_json(body)?;
    value.remove_key("sign");
    Ok(php_json::encode_with(&value, flags))
}

/// Fields a JSON body must carry for variant (d) to be tried: the gateway signs other texts
/// with the same key (the redirect's `{"order_id","uuid"}`, §4.5), and "any signed object"
/// would let such a text pass as a notification.
pub const NOTIFICATION_BODY_REQUIRED: [&str; 4] = ["type", "id", "payment_status", "order_id"];

/// Whether a decoded JSON body is shaped like a notification: an object with every field of
/// [`NOTIFICATION_BODY_REQUIRED`], none of them `null`.
fn is_notification_body(body: &PhpValue) -> bool {
    match body {
        PhpValue::Map(entries) => NOTIFICATION_BODY_REQUIRED.iter().all(|name| {
            entries
                .iter()
                .any(|(k, v)| k == name && !matches!(v, PhpValue::Null))
        }),
        _ => false,
    }
}

/// The text signed for a success/fail redirect: `json_encode(["order_id"=>…, "uuid"=>…])`
/// with the raw received strings (missing ⇒ `null`).
pub fn redirect_text<F: Fields + ?Sized>(fields: &F) -> String {
    php_json::encode(&PhpValue::Map(vec![
        (
            "order_id".to_owned(),
            PhpValue::opt_str(fields.field("order_id")),
        ),
        ("uuid".to_owned(), PhpValue::opt_str(fields.field("uuid"))),
    ]))
}

/// One text a notification signature may have been made over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Which reconstruction, e.g. `a:documented`, `d:json_body/unescaped_slashes`.
    pub label: String,
    /// The bytes to verify.
    pub text: String,
}

/// Every reconstruction worth trying for a notification, most likely first: the variants of
/// [`NotificationVariant::ALL`], then (d) when the body was JSON; each also with
/// `JSON_UNESCAPED_SLASHES` when that changes the text (one integrator encodes that way).
/// Duplicates are dropped.
pub fn notification_candidates<F: Fields + ?Sized>(
    fields: &F,
    json_body: Option<&[u8]>,
) -> Vec<Candidate> {
    let unescaped = Flags {
        unescaped_slashes: true,
    };
    let mut values: Vec<(String, PhpValue)> = NotificationVariant::ALL
        .iter()
        .filter(|v| {
            // Without a card_brand field the keyless twin is the interesting one to add.
            **v != NotificationVariant::TypedPartialNoBrand || fields.field("card_brand").is_none()
        })
        .map(|&v| (v.label().to_owned(), notification_value(fields, v)))
        .collect();
    if let Some(Ok(mut body)) = json_body.map(PhpValue::from_json)
        && is_notification_body(&body)
    {
        body.remove_key("sign");
        values.push(("d:json_body".to_owned(), body));
    }
    let mut out: Vec<Candidate> = Vec::new();
    for (label, value) in &values {
        for (suffix, flags) in [("", Flags::default()), ("/unescaped_slashes", unescaped)] {
            let text = php_json::encode_with(value, flags);
            if out.iter().all(|c| c.text != text) {
                out.push(Candidate {
                    label: format!("{label}{suffix}"),
                    text,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
