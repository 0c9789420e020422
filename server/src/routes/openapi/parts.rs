//! Pieces of the document that several merchant endpoints share: the `401` of an API key,
//! the `400` of a list's query, and a list's `limit` and `cursor` parameters.

use shared::api::ApiErrorBody;
use utoipa::{IntoParams, IntoResponses};

/// `401`: the merchant endpoints' answer to a missing or wrong API key.
#[derive(Debug, IntoResponses)]
#[response(
    status = 401,
    description = "`unauthorized`, or `api_key_wrong_mode` (a key of the other mode, or one without a mode prefix)"
)]
pub struct Unauthorized(#[allow(dead_code)] ApiErrorBody);

/// `400`: a list's query refused (unknown parameter, bad value, foreign cursor).
#[derive(Debug, IntoResponses)]
#[response(status = 400, description = "`invalid_query`")]
pub struct InvalidQuery(#[allow(dead_code)] ApiErrorBody);

/// The page parameters of every list ([`crate::page::ListQuery`] reads them).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–200 (default 50)
    #[allow(dead_code)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page
    #[allow(dead_code)]
    cursor: Option<String>,
}
