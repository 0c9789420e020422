//! OpenAPI schemas of the wire types (the `openapi` feature, used by the server's document at
//! `GET /api/openapi.json`): the API structs and enums derive `utoipa::ToSchema`; the validated
//! newtypes, whose serde form is a plain string or number, describe that form here, once.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// `impl ToSchema` for newtypes sent as one JSON string (or integer), with a description and an
/// example of the wire form.
macro_rules! scalar_schema {
    ($($ty:ty => $kind:ident, $format:expr, $description:literal, $example:expr;)+) => {$(
        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::$kind)
                    .format($format)
                    .description(Some($description))
                    .examples([$example])
                    .into()
            }
        }
        impl utoipa::ToSchema for $ty {}
    )+};
}

fn known(format: KnownFormat) -> Option<SchemaFormat> {
    Some(SchemaFormat::KnownFormat(format))
}

/// A format utoipa has no variant for without extra features (`uri`, `uuid`).
fn named(format: &str) -> Option<SchemaFormat> {
    Some(SchemaFormat::Custom(format.to_owned()))
}

scalar_schema! {
    crate::Amount => String, None,
        "Rubles with two decimals as a string (a JSON number is accepted in requests).", "1500.00";
    crate::OrderId => String, None, "The merchant's order id, 1–128 characters.", "1001";
    crate::CustomerUserId => String, None,
        "The buyer's id in the merchant's system, 1–100 characters.", "u-42";
    crate::Description => String, None, "Shown to the buyer, 1–128 characters.", "Order 1001";
    crate::HttpUrl => String, named("uri"), "An `http(s)://` URL.",
        "https://shop.example.ru/thanks";
    crate::GatewayPaymentId => Integer, known(KnownFormat::Int64),
        "The gateway's payment id.", 100_000_001;
    crate::LifetimeSecs => Integer, known(KnownFormat::Int32),
        "How long the session stays payable, 900–3600 seconds.", 900;
    crate::Phone => String, None, "Russian phone, 11 digits from 7.", "79031112233";
    crate::CardNumber => String, None, "Card number, 16 digits.", "2200123412341234";
    crate::AccountNumber => String, None, "Bank account number, 20 digits.",
        "40817810099910004312";
    crate::Bic => String, None, "BIC of a Russian bank, 9 digits.", "044525225";
    crate::api::SessionId => String, named("uuid"), "Session id.",
        "cd50b1e5-d9fb-43a5-9261-cfc8bbe79fe8";
    crate::api::SessionToken => String, None,
        "The widget's token (`data-token`): a secret capability for this one session.",
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
}

impl utoipa::PartialSchema for crate::api::Metadata {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Free-form merchant data (a JSON object), returned with the session and in events.",
            ))
            .into()
    }
}
impl utoipa::ToSchema for crate::api::Metadata {}
