//! Gateway notifications made in the tests: the fields the gateway sends for a payment, signed
//! with the sandbox's notification key (or any other), sent to `/webhooks/alikassa`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use e2e::server::{Checkout, Reply};
use server::signing::signed_text::{NotificationVariant, notification_text};
use server::signing::{Digest, KeySet, PrivateKey};

/// The notification fields for payment `gid` as the gateway sends them (unsigned), paid in
/// full when `status` is `paid`.
pub fn fields(app: &Checkout, gid: u64, order: &str, status: &str) -> Vec<(String, String)> {
    let account = std::fs::read_to_string(app.data_dir.join("sandbox/account")).unwrap();
    [
        ("type", "payment"),
        ("id", gid.to_string().as_str()),
        ("order_id", order),
        ("payment_status", status),
        ("amount", "1500.00"),
        ("payment_amount", "1500.00"),
        ("commission_amount", "45.00"),
        ("is_partial_payment", "0"),
        ("account", account.trim()),
        ("service", "payment_card_sbp_rub_card"),
        ("desc", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// `fields` with `name` set to `value`.
pub fn with(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    for (k, v) in &mut fields {
        if k == name {
            *v = value.to_owned();
        }
    }
    fields
}

/// `fields` plus a `sign` made by `key` over the documented text.
pub fn sign(fields: &[(String, String)], key: &PrivateKey) -> Vec<(String, String)> {
    let text = notification_text(fields, NotificationVariant::Documented);
    let mut out = fields.to_vec();
    out.push((
        "sign".into(),
        key.sign(text.as_bytes(), Digest::Sha1).unwrap(),
    ));
    out
}

/// The sandbox gateway's notification key set (its private half signs like the gateway).
pub fn gateway_key(app: &Checkout) -> KeySet {
    KeySet::load(&app.data_dir.join("sandbox/notification")).unwrap()
}

/// Sends `fields` as a GET query to the notification endpoint.
pub fn send_get(app: &Checkout, fields: &[(String, String)]) -> Reply {
    app.send(
        app.client()
            .get(format!("{}/webhooks/alikassa", app.base))
            .query(fields),
    )
}
