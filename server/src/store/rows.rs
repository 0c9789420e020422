//! Reading rows back into records.

use sqlx::Row;
use sqlx::any::AnyRow;

use shared::api::{AttemptState, Locale, Metadata, StatusChange, StatusSource};
use shared::{
    Amount, CustomerUserId, Description, GatewayPaymentId, HttpUrl, Method, OrderId, PaymentStatus,
    SessionStatus, UserAgent,
};

use super::{AttemptRecord, SessionRecord, StoreError, parse, time};

/// The columns [`session`] reads (a macro, so queries stay `&'static str` via `concat!`).
macro_rules! session_columns {
    () => {
        "id, token, order_id, amount_kopecks, customer_user_id, methods, description, locale, \
         success_url, fail_url, metadata, status, current_attempt, created_at, updated_at, \
         expires_at, paid_kopecks, needs_attention"
    };
}
pub(super) use session_columns;

/// The columns [`attempt`] reads.
macro_rules! attempt_columns {
    () => {
        "session_id, number, method, service, gateway_order_id, state, gateway_payment_id, \
         gateway_uuid, payment_status, paid_amount_kopecks, requisites, customer_ip, \
         user_agent, last_error, next_poll_at, poll_interval_secs, created_at, updated_at"
    };
}
pub(super) use attempt_columns;

/// `SELECT` the columns a reader here reads `FROM` its table, then the rest of the statement:
/// `select!(sessions "WHERE id = $1")`, `select!(payment_attempts "…")`.
macro_rules! select {
    (sessions $rest:literal) => {
        $crate::store::rows::select!(session_columns "sessions" $rest)
    };
    (payment_attempts $rest:literal) => {
        $crate::store::rows::select!(attempt_columns "payment_attempts" $rest)
    };
    ($columns:ident $table:literal $rest:literal) => {
        concat!("SELECT ", $crate::store::rows::$columns!(), " FROM ", $table, " ", $rest)
    };
}
pub(super) use select;

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

fn text<T, E: std::fmt::Display>(
    column: &str,
    value: Option<String>,
    f: impl FnOnce(String) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    value.map(f).transpose().map_err(|e| corrupt(column, e))
}

pub(super) fn kopecks(column: &str, value: i64) -> Result<Amount, StoreError> {
    u64::try_from(value)
        .map_err(|e| corrupt(column, e))
        .and_then(|k| Amount::from_kopecks(k).map_err(|e| corrupt(column, e)))
}

fn gateway_id(column: &str, value: Option<i64>) -> Result<Option<GatewayPaymentId>, StoreError> {
    value
        .map(|v| {
            u64::try_from(v)
                .map_err(|e| corrupt(column, e))
                .and_then(|v| GatewayPaymentId::new(v).map_err(|e| corrupt(column, e)))
        })
        .transpose()
}

fn small(column: &str, value: Option<i64>) -> Result<Option<u32>, StoreError> {
    value
        .map(|v| u32::try_from(v).map_err(|e| corrupt(column, e)))
        .transpose()
}

pub(super) fn session(row: &AnyRow) -> Result<SessionRecord, StoreError> {
    let methods: String = row.try_get("methods")?;
    let methods = methods
        .split(',')
        .filter(|m| !m.is_empty())
        .map(|m| parse::<Method>("methods", m))
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = text("metadata", row.try_get("metadata")?, |json| {
        serde_json::from_str::<Metadata>(&json)
    })?;
    Ok(SessionRecord {
        id: parse("id", &row.try_get::<String, _>("id")?)?,
        token: parse("token", &row.try_get::<String, _>("token")?)?,
        order_id: OrderId::parse(row.try_get::<String, _>("order_id")?)
            .map_err(|e| corrupt("order_id", e))?,
        amount: kopecks("amount_kopecks", row.try_get("amount_kopecks")?)?,
        customer_user_id: CustomerUserId::parse(row.try_get::<String, _>("customer_user_id")?)
            .map_err(|e| corrupt("customer_user_id", e))?,
        methods,
        description: text(
            "description",
            row.try_get("description")?,
            Description::parse,
        )?,
        locale: parse::<Locale>("locale", &row.try_get::<String, _>("locale")?)?,
        success_url: text("success_url", row.try_get("success_url")?, HttpUrl::parse)?,
        fail_url: text("fail_url", row.try_get("fail_url")?, HttpUrl::parse)?,
        metadata,
        status: parse::<SessionStatus>("status", &row.try_get::<String, _>("status")?)?,
        paid_amount: row
            .try_get::<Option<i64>, _>("paid_kopecks")?
            .map(|k| kopecks("paid_kopecks", k))
            .transpose()?,
        needs_attention: row.try_get::<i64, _>("needs_attention")? != 0,
        current_attempt: small("current_attempt", row.try_get("current_attempt")?)?,
        created_at: time(row.try_get("created_at")?)?,
        updated_at: time(row.try_get("updated_at")?)?,
        expires_at: time(row.try_get("expires_at")?)?,
    })
}

pub(super) fn attempt(row: &AnyRow) -> Result<AttemptRecord, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(AttemptRecord {
        session_id: parse("session_id", &row.try_get::<String, _>("session_id")?)?,
        number: small("number", row.try_get("number")?)?.unwrap_or_default(),
        method: parse("method", &row.try_get::<String, _>("method")?)?,
        service: row.try_get("service")?,
        gateway_order_id: OrderId::parse(row.try_get::<String, _>("gateway_order_id")?)
            .map_err(|e| corrupt("gateway_order_id", e))?,
        state: AttemptState::from_name(&state).ok_or_else(|| corrupt("state", &state))?,
        gateway_payment_id: gateway_id("gateway_payment_id", row.try_get("gateway_payment_id")?)?,
        gateway_uuid: text("gateway_uuid", row.try_get("gateway_uuid")?, |u| {
            uuid::Uuid::parse_str(&u)
        })?,
        payment_status: text("payment_status", row.try_get("payment_status")?, |s| {
            s.parse::<PaymentStatus>()
        })?,
        paid_amount: row
            .try_get::<Option<i64>, _>("paid_amount_kopecks")?
            .map(|k| kopecks("paid_amount_kopecks", k))
            .transpose()?,
        requisites: text("requisites", row.try_get("requisites")?, |json| {
            serde_json::from_str(&json)
        })?,
        customer_ip: parse("customer_ip", &row.try_get::<String, _>("customer_ip")?)?,
        user_agent: text("user_agent", row.try_get("user_agent")?, UserAgent::parse)?,
        last_error: row.try_get("last_error")?,
        next_poll_at: row
            .try_get::<Option<i64>, _>("next_poll_at")?
            .map(time)
            .transpose()?,
        poll_interval_secs: small("poll_interval_secs", row.try_get("poll_interval_secs")?)?,
        created_at: time(row.try_get("created_at")?)?,
        updated_at: time(row.try_get("updated_at")?)?,
    })
}

pub(super) fn history(row: &AnyRow) -> Result<StatusChange, StoreError> {
    let source: String = row.try_get("source")?;
    Ok(StatusChange {
        status: parse("status", &row.try_get::<String, _>("status")?)?,
        payment_status: text("payment_status", row.try_get("payment_status")?, |s| {
            s.parse::<PaymentStatus>()
        })?,
        gateway_payment_id: gateway_id("gateway_payment_id", row.try_get("gateway_payment_id")?)?,
        source: StatusSource::from_name(&source).ok_or_else(|| corrupt("source", &source))?,
        detail: row.try_get("detail")?,
        at: time(row.try_get("at")?)?,
    })
}
