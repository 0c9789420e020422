//! Records for the sessions service's unit tests: a session of 1500.00 created at a fixed
//! moment, and its attempts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use shared::api::{AttemptState, Locale, SessionId, SessionToken};
use shared::{Amount, CustomerIp, CustomerUserId, Method, OrderId};
use time::OffsetDateTime;

use crate::store::{AttemptRecord, SessionRecord};

/// When the fixtures were created.
pub fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()
}

/// Session `A-1001` of 1500.00 in `status`, offering SBP and card transfer, nothing paid,
/// payable for 900 s from [`t0`].
pub fn session(status: shared::SessionStatus) -> SessionRecord {
    SessionRecord {
        id: SessionId::from(uuid::Uuid::nil()),
        token: SessionToken::parse(format!("tok{}", "a".repeat(40))).unwrap(),
        order_id: OrderId::parse("A-1001").unwrap(),
        amount: Amount::parse("1500.00").unwrap(),
        customer_user_id: CustomerUserId::parse("u1").unwrap(),
        methods: vec![Method::Sbp, Method::CardTransfer],
        description: None,
        locale: Locale::Ru,
        success_url: None,
        fail_url: None,
        metadata: None,
        status,
        paid_amount: None,
        needs_attention: false,
        current_attempt: None,
        created_at: t0(),
        updated_at: t0(),
        expires_at: t0() + Duration::from_secs(900),
    }
}

/// Attempt `number` of `method` (order id `A-1001-{number}`), being created, nothing known.
pub fn attempt(number: u32, method: Method) -> AttemptRecord {
    AttemptRecord {
        session_id: SessionId::from(uuid::Uuid::nil()),
        number,
        method,
        service: method.default_service().to_owned(),
        gateway_order_id: OrderId::parse(format!("A-1001-{number}")).unwrap(),
        state: AttemptState::Creating,
        gateway_payment_id: None,
        gateway_uuid: None,
        payment_status: None,
        paid_amount: None,
        requisites: None,
        customer_ip: CustomerIp::parse("203.0.113.7").unwrap(),
        user_agent: None,
        last_error: None,
        next_poll_at: None,
        poll_interval_secs: None,
        created_at: t0(),
        updated_at: t0(),
    }
}
