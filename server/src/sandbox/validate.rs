//! Request validation the way the gateway (Laravel) reports it: the body is read as a JSON
//! object, every field is checked with the `shared` parsers, and every problem becomes a
//! Laravel-style message under its field (`The amount field is required.`), all at once.
//!
//! Like Laravel, an empty string or `null` counts as absent, and a body that is not a JSON
//! object is treated as an empty one. Numbers are accepted where the docs say "string"
//! (`order_id`, `customer_user_id`) because PHP clients send ids as integers.

use serde_json::{Map, Value};
use shared::gateway::ValidationErrorBody;
use shared::{
    AccountNumber, Amount, BankCode, BankMemberId, Bic, CardNumber, CustomerIp, CustomerUserId,
    Description, HttpUrl, LifetimeSecs, Method, OrderId, PayoutKind, Phone, UserAgent,
};
use time::Date;

use super::config::SandboxAccount;

mod check;

use check::Check;

/// The fields of a body, `{}` when it is not a JSON object (`[]`, empty, garbage).
pub(crate) fn fields(body: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// A validated `v1/payment` body.
#[derive(Debug, Clone)]
pub(crate) struct NewPayment {
    pub amount: Amount,
    pub order_id: OrderId,
    pub service: String,
    pub method: Method,
    pub customer_ip: CustomerIp,
    pub customer_user_id: CustomerUserId,
    pub customer_code: Option<BankCode>,
    pub desc: Option<Description>,
    pub lifetime: LifetimeSecs,
    pub notification_url: Option<HttpUrl>,
    pub notification_endpoint_id: Option<u64>,
    pub success_url: Option<HttpUrl>,
    pub fail_url: Option<HttpUrl>,
}

/// A validated `v1/payout` body.
#[derive(Debug, Clone)]
pub(crate) struct NewPayout {
    pub amount: Amount,
    pub order_id: OrderId,
    pub service: String,
    pub kind: PayoutKind,
    /// Normalised phone, account or card number.
    pub number: String,
    pub customer_code: Option<String>,
    pub bik_bank: Option<String>,
    pub notification_url: Option<HttpUrl>,
    pub notification_endpoint_id: Option<u64>,
}

/// What a status request looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// By the gateway's id.
    Id(u64),
    /// By the merchant's order id (the latest one wins).
    OrderId(String),
    /// An `id` that cannot be any id (not a number): nothing will match.
    Nothing,
}

/// A validated `v1/payment/history` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryQuery {
    pub date_from: Option<Date>,
    pub date_to: Option<Date>,
    pub page: u64,
    pub per_page: u64,
}

/// Optional customer fields of the generic create page and their maximum lengths.
const OPTIONAL_TEXTS: [(&str, usize); 11] = [
    ("customer_account", 50),
    ("customer_email", 50),
    ("customer_first_name", 50),
    ("customer_last_name", 50),
    ("customer_address", 50),
    ("customer_phone", 12),
    ("customer_state", 50),
    ("customer_city", 20),
    ("customer_browser_accept_header", 2000),
    ("customer_browser_language", 8),
    ("customer_country", 3),
];

/// Optional integer fields.
const OPTIONAL_INTEGERS: [&str; 4] = [
    "customer_post_code",
    "customer_browser_color_depth",
    "customer_browser_screen_height",
    "customer_browser_screen_width",
];

/// Validates a `v1/payment` body for `account`.
pub(crate) fn payment(
    fields: &Map<String, Value>,
    account: &SandboxAccount,
) -> Result<NewPayment, ValidationErrorBody> {
    let mut c = Check::new(fields);
    let amount = c.amount();
    let order_id = c.order_id();
    let customer_ip = c.text("customer_ip", true, 64).and_then(|ip| {
        CustomerIp::parse(&ip)
            .map_err(|_| c.error("customer_ip", "must be a valid IP address."))
            .ok()
    });
    let customer_user_id = c
        .text("customer_user_id", true, CustomerUserId::MAX_CHARS)
        .and_then(|t| c.bounded("customer_user_id", CustomerUserId::parse(t)));
    let service = c.text("service", true, 100);
    let method = service.as_deref().and_then(|s| {
        let method = Method::for_service(s).filter(|m| account.allows_method(*m));
        if method.is_none() {
            c.add("service", "The selected service is invalid.");
        }
        method
    });
    let customer_code = c.text("customer_code", false, 100).and_then(|t| {
        BankCode::parse(&t)
            .map_err(|_| c.error("customer_code", "format is invalid."))
            .ok()
    });
    if method.is_some_and(Method::requires_customer_code) && !c.present("customer_code") {
        c.required("customer_code");
    }
    let desc = c
        .text("desc", false, Description::MAX_CHARS)
        .and_then(|t| c.bounded("desc", Description::parse(t)));
    let lifetime = c.integer("lifetime").and_then(|secs| {
        LifetimeSecs::new(secs)
            .map_err(|_| c.error("lifetime", "must be between 900 and 3600."))
            .ok()
    });
    if let Some(ua) = c.text("customer_browser_user_agent", false, UserAgent::MAX_CHARS) {
        c.bounded("customer_browser_user_agent", UserAgent::parse(ua));
    }
    for (name, max) in OPTIONAL_TEXTS {
        c.text(name, false, max);
    }
    for name in OPTIONAL_INTEGERS {
        c.integer(name);
    }
    let notification_url = c.url("notification_endpoint_url");
    let notification_endpoint_id = c.integer("notification_endpoint_id");
    let success_url = c.url("success_redirect_url");
    let fail_url = c.url("fail_redirect_url");
    c.integer("success_redirect_id");
    c.integer("fail_redirect_id");

    match (
        amount,
        order_id,
        service,
        method,
        customer_ip,
        customer_user_id,
    ) {
        (
            Some(amount),
            Some(order_id),
            Some(service),
            Some(method),
            Some(customer_ip),
            Some(customer_user_id),
        ) if c.errors.is_empty() => Ok(NewPayment {
            amount,
            order_id,
            service,
            method,
            customer_ip,
            customer_user_id,
            customer_code,
            desc,
            lifetime: lifetime.unwrap_or_default(),
            notification_url,
            notification_endpoint_id,
            success_url,
            fail_url,
        }),
        _ => Err(c.finish()),
    }
}

/// Validates a `v1/payout` body for `account`.
pub(crate) fn payout(
    fields: &Map<String, Value>,
    account: &SandboxAccount,
) -> Result<NewPayout, ValidationErrorBody> {
    let mut c = Check::new(fields);
    let amount = c.amount();
    let order_id = c.order_id();
    let service = c.text("service", true, 100);
    let kind = service.as_deref().and_then(|s| {
        let kind = PayoutKind::for_service(s).filter(|k| account.allows_payout(*k));
        if kind.is_none() {
            c.add("service", "The selected service is invalid.");
        }
        kind
    });
    let number = c.text("number", true, 100);
    let code = c.text("customer_code", false, 100);
    let bik = c.text("bik_bank", false, 100);
    let mut customer_code = None;
    let mut bik_bank = None;
    let number = match (kind, number) {
        (Some(PayoutKind::Sbp), Some(n)) => {
            customer_code = c.required_then(code, "customer_code", |c, t| {
                c.digits("customer_code", BankMemberId::parse(&t), 12)
            });
            let digits_only = n.bytes().all(|b| b.is_ascii_digit());
            match Phone::parse(&n) {
                Ok(p) if digits_only => Some(p.as_str().to_owned()),
                _ => {
                    c.add("number", "The number format is invalid.");
                    None
                }
            }
        }
        (Some(PayoutKind::Account), Some(n)) => {
            customer_code = c.required_then(code, "customer_code", |c, t| {
                BankCode::parse(&t)
                    .map(|b| b.as_str().to_owned())
                    .map_err(|_| c.error("customer_code", "format is invalid."))
                    .ok()
            });
            bik_bank = c.required_then(bik, "bik_bank", |c, t| {
                c.digits("bik_bank", Bic::parse(&t), 9)
            });
            c.digits("number", strict(&n, AccountNumber::parse), 20)
        }
        (Some(PayoutKind::Card), Some(n)) => match strict(&n, CardNumber::parse) {
            Ok(card) if card.luhn_valid() => Some(card.as_str().to_owned()),
            Ok(_) => {
                c.add("number", "The number format is invalid.");
                None
            }
            Err(e) => c.digits("number", Err::<CardNumber, _>(e), 16),
        },
        _ => None,
    };
    if let Some(extra) = fields.get("extra")
        && !extra.is_null()
        && !extra.is_object()
    {
        c.add("extra", "The extra must be an array.");
    }
    let notification_url = c.url("notification_endpoint_url");
    let notification_endpoint_id = c.integer("notification_endpoint_id");

    match (amount, order_id, service, kind, number) {
        (Some(amount), Some(order_id), Some(service), Some(kind), Some(number))
            if c.errors.is_empty() =>
        {
            Ok(NewPayout {
                amount,
                order_id,
                service,
                kind,
                number,
                customer_code,
                bik_bank,
                notification_url,
                notification_endpoint_id,
            })
        }
        _ => Err(c.finish()),
    }
}

/// Digits only: the gateway takes numbers without the separators our parsers forgive.
fn strict<T, E>(text: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<T, Option<E>> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        parse(text).map_err(Some)
    } else {
        Err(None)
    }
}

/// Validates a status body: `id` or `order_id` (`id` wins when both are sent).
pub(crate) fn status(fields: &Map<String, Value>) -> Result<Lookup, ValidationErrorBody> {
    let mut c = Check::new(fields);
    let id = c.text("id", false, 128);
    let order_id = c.text("order_id", false, 128);
    if !c.errors.is_empty() {
        return Err(c.finish());
    }
    match (id, order_id) {
        (Some(id), _) => Ok(id.parse::<u64>().map_or(Lookup::Nothing, Lookup::Id)),
        (None, Some(order_id)) => Ok(Lookup::OrderId(order_id)),
        (None, None) => {
            c.add(
                "id",
                "The id field is required when order id is not present.",
            );
            c.add(
                "order_id",
                "The order id field is required when id is not present.",
            );
            Err(c.finish())
        }
    }
}

/// Validates a history body.
pub(crate) fn history(fields: &Map<String, Value>) -> Result<HistoryQuery, ValidationErrorBody> {
    let mut c = Check::new(fields);
    let date_from = c.date("date_from");
    let date_to = c.date("date_to");
    let page = c.integer("page");
    if page == Some(0) {
        c.add("page", "The page must be at least 1.");
    }
    let per_page = c.integer("paginate");
    if per_page.is_some_and(|p| !(1..=100).contains(&p)) {
        c.add("paginate", "The paginate must be between 1 and 100.");
    }
    if !c.errors.is_empty() {
        return Err(c.finish());
    }
    Ok(HistoryQuery {
        date_from,
        date_to,
        page: page.unwrap_or(1),
        per_page: per_page.unwrap_or(15),
    })
}

#[cfg(test)]
mod tests;
