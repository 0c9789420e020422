//! Merchant API (`Authorization: Bearer <api key>`): create, read and list sessions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::api::{CreateSessionRequest, SessionCreated, SessionDetails, SessionId, SessionList};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::AppState;
use super::extract::{ApiJson, Merchant, query_value, session_id};
use super::openapi::parts::{InvalidQuery, PageParams, Unauthorized};
use crate::error::ApiError;
use crate::page::ListQuery;
use crate::store::ListFilter;

/// Create a checkout session.
///
/// The same `order_id` with the same amount and buyer returns the existing session (`200`),
/// so a retry is safe; with other values it is a `409 order_id_conflict`.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "merchant",
    request_body = shared::api::CreateSessionRequest,
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created", body = shared::api::SessionCreated),
        (status = 200, description = "This order's session already exists", body = shared::api::SessionCreated),
        (status = 400, description = "Not JSON (`invalid_json`)", body = shared::api::ApiErrorBody),
        (status = 401, description = "No or wrong API key (`unauthorized`)", body = shared::api::ApiErrorBody),
        (status = 409, description = "`order_id_conflict`", body = shared::api::ApiErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = shared::api::ApiErrorBody),
        (status = 422, description = "Invalid fields (`invalid_request`, with `details`)", body = shared::api::ApiErrorBody),
    ))]
pub async fn create(
    _: Merchant,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateSessionRequest>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let (created, new) = state.sessions.create(request).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(created)))
}

/// Read a session: status, the gateway payment id, requisites, attempts, status history.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "merchant",
    params(("id" = String, Path, description = "Session id (UUID)")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The session", body = shared::api::SessionDetails),
        Unauthorized,
        (status = 404, description = "`session_not_found`", body = shared::api::ApiErrorBody),
    ))]
pub async fn details(
    _: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SessionDetails>, ApiError> {
    Ok(Json(state.sessions.details(session_id(&id)?).await?))
}

/// List sessions, newest first, filtered; pages follow `next_cursor`.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "merchant",
    params(
        ("status" = Option<String>, Query, description = "Only this status"),
        ("needs_attention" = Option<bool>, Query, description = "`true`: only sessions whose money the merchant must look at (underpaid, overpaid, paid twice, paid after the end, unconfirmed amount, a report that did not match); `false`: only the others"),
        ("order_id" = Option<String>, Query, description = "Only this order id"),
        ("customer_user_id" = Option<String>, Query, description = "Only this buyer"),
        ("created_from" = Option<String>, Query, description = "Created at or after (RFC 3339)"),
        ("created_to" = Option<String>, Query, description = "Created before (RFC 3339)"),
        PageParams,
    ),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = shared::api::SessionList),
        InvalidQuery,
        Unauthorized,
    ))]
pub async fn list(
    _: Merchant,
    State(state): State<AppState>,
    query: ListQuery,
) -> Result<Json<SessionList>, ApiError> {
    Ok(Json(state.sessions.list(list_filter(query)?).await?))
}

/// The list's filters; unknown or malformed parameters are refused by name.
fn list_filter(query: ListQuery) -> Result<ListFilter, ApiError> {
    let mut filter = ListFilter {
        limit: query.limit,
        cursor: query
            .after(|id| SessionId::parse(id).is_ok())
            .map_err(ApiError::InvalidQuery)?,
        ..ListFilter::default()
    };
    let time = |name: &str, value: &str| {
        OffsetDateTime::parse(value, &Rfc3339)
            .map_err(|_| ApiError::InvalidQuery(format!("{name}: expected an RFC 3339 time")))
    };
    for (name, value) in query.filters {
        match name.as_str() {
            "status" => filter.status = Some(query_value("status", &value)?),
            "needs_attention" => {
                filter.needs_attention = Some(match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::InvalidQuery(
                            "needs_attention: expected true or false".into(),
                        ));
                    }
                });
            }
            "order_id" => filter.order_id = Some(value),
            "customer_user_id" => filter.customer_user_id = Some(value),
            "created_from" => filter.created_from = Some(time("created_from", &value)?),
            "created_to" => filter.created_to = Some(time("created_to", &value)?),
            other => return Err(super::extract::unknown_parameter(other)),
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use shared::SessionStatus;

    fn list_query(query: &str) -> Result<ListFilter, ApiError> {
        list_filter(ListQuery::parse(query).map_err(ApiError::InvalidQuery)?)
    }

    #[test]
    fn list_query_parses_and_refuses_by_name() {
        let cursor = crate::page::Cursor {
            created_at_ms: 1_795_000_000_123,
            id: "cd50b1e5-d9fb-43a5-9261-cfc8bbe79fe8".into(),
        };
        let f = list_query(&format!(
            "status=paid&limit=10&customer_user_id=u%201&cursor={}",
            cursor.encode()
        ))
        .unwrap();
        assert_eq!(f.status, Some(SessionStatus::Paid));
        assert_eq!(f.needs_attention, None);
        assert_eq!(f.limit, 10);
        assert_eq!(f.customer_user_id.as_deref(), Some("u 1"));
        assert_eq!(f.cursor, Some(cursor));
        let f = list_query("needs_attention=true&status=underpaid").unwrap();
        assert_eq!(f.needs_attention, Some(true));
        assert_eq!(f.status, Some(SessionStatus::Underpaid));
        assert_eq!(
            list_query("needs_attention=false").unwrap().needs_attention,
            Some(false)
        );
        for bad in [
            "needs_attention=yes",
            "status=done",
            "limit=0",
            "limit=201",
            "created_from=yesterday",
            "cursor=abc",
            "foo=1",
        ] {
            match list_query(bad) {
                Err(ApiError::InvalidQuery(_)) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
