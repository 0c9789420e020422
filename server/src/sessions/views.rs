//! Stored records → what the merchant API and the widget API answer.

use shared::HttpUrl;
use shared::api::{
    AttemptState, CheckoutView, PayAnswer, PaymentAttempt, SessionCreated, SessionDetails,
    StatusChange, StatusUpdate,
};
use time::OffsetDateTime;

use super::{SessionError, Settings};
use crate::store::{AttemptRecord, SessionRecord};

/// The hosted payment page of a session: `{public_url}/pay/{token}`.
pub(super) fn hosted_url(
    settings: &Settings,
    session: &SessionRecord,
) -> Result<HttpUrl, SessionError> {
    HttpUrl::parse(format!("{}/pay/{}", settings.public_url, session.token))
        .map_err(|e| SessionError::Internal(format!("hosted page URL: {e}")))
}

/// The attempt the buyer sees.
pub(super) fn current<'a>(
    session: &SessionRecord,
    attempts: &'a [AttemptRecord],
) -> Option<&'a AttemptRecord> {
    let number = session.current_attempt?;
    attempts.iter().find(|a| a.number == number)
}

/// `GET …/status` and SSE event data.
pub(super) fn status_update(
    session: &SessionRecord,
    current: Option<&AttemptRecord>,
) -> StatusUpdate {
    StatusUpdate {
        status: session.status,
        payment_status: current.and_then(|a| a.payment_status),
        paid_amount: session.paid_amount,
        updated_at: session.updated_at,
    }
}

/// What the buyer must do for `attempt`, if it was created.
pub(super) fn pay_answer(
    settings: &Settings,
    session: &SessionRecord,
    attempt: &AttemptRecord,
    now: OffsetDateTime,
) -> Option<PayAnswer> {
    if attempt.state != AttemptState::Created {
        return None;
    }
    Some(PayAnswer {
        method: attempt.method,
        requisites: attempt.requisites.clone()?,
        amount: session.amount,
        expires_at: session.expires_at,
        server_time: now,
        status: session.status,
        // Only the sandbox panel of the demo shop needs it (to drive the emulator).
        gateway_payment_id: if settings.test_mode {
            attempt.gateway_payment_id
        } else {
            None
        },
    })
}

/// `GET /api/v1/checkout/{token}`.
pub(super) fn checkout_view(
    settings: &Settings,
    session: &SessionRecord,
    current: Option<&AttemptRecord>,
    now: OffsetDateTime,
) -> CheckoutView {
    CheckoutView {
        order_id: session.order_id.clone(),
        amount: session.amount,
        description: session.description.clone(),
        methods: session.methods.clone(),
        status: session.status,
        paid_amount: session.paid_amount,
        locale: session.locale,
        merchant_name: settings.merchant_name.clone(),
        expires_at: session.expires_at,
        server_time: now,
        test_mode: settings.test_mode,
        payment: current.and_then(|a| pay_answer(settings, session, a, now)),
        success_url: session.success_url.clone(),
        fail_url: session.fail_url.clone(),
    }
}

/// `201` of `POST /api/v1/sessions`.
pub(super) fn created(
    settings: &Settings,
    session: &SessionRecord,
) -> Result<SessionCreated, SessionError> {
    Ok(SessionCreated {
        id: session.id,
        token: session.token.clone(),
        hosted_url: hosted_url(settings, session)?,
        status: session.status,
        expires_at: session.expires_at,
    })
}

/// One attempt for the merchant.
fn attempt_summary(a: &AttemptRecord) -> PaymentAttempt {
    PaymentAttempt {
        number: a.number,
        method: a.method,
        gateway_order_id: a.gateway_order_id.clone(),
        state: a.state,
        gateway_payment_id: a.gateway_payment_id,
        payment_status: a.payment_status,
        paid_amount: a.paid_amount,
        created_at: a.created_at,
    }
}

/// `GET /api/v1/sessions/{id}` (with attempts and history) or a list item (without).
pub(super) fn details(
    settings: &Settings,
    session: &SessionRecord,
    attempts: &[AttemptRecord],
    history: Vec<StatusChange>,
) -> Result<SessionDetails, SessionError> {
    Ok(public_details(
        hosted_url(settings, session)?,
        !settings.test_mode,
        session,
        attempts,
        history,
    ))
}

/// The merchant's view of a session with its hosted page at `hosted_url`: what
/// [`details`] answers and what the `data` of a `payment.*` event to the merchant holds.
fn public_details(
    hosted_url: HttpUrl,
    livemode: bool,
    session: &SessionRecord,
    attempts: &[AttemptRecord],
    history: Vec<StatusChange>,
) -> SessionDetails {
    let current = current(session, attempts);
    SessionDetails {
        id: session.id,
        token: session.token.clone(),
        order_id: session.order_id.clone(),
        amount: session.amount,
        customer_user_id: session.customer_user_id.clone(),
        status: session.status,
        paid_amount: session.paid_amount,
        overpaid_amount: session
            .paid_amount
            .and_then(|paid| paid.checked_sub(session.amount)),
        needs_attention: session.needs_attention,
        livemode,
        methods: session.methods.clone(),
        method: current.map(|a| a.method),
        gateway_payment_id: current.and_then(|a| a.gateway_payment_id),
        payment_status: current.and_then(|a| a.payment_status),
        description: session.description.clone(),
        hosted_url,
        metadata: session.metadata.clone(),
        created_at: session.created_at,
        updated_at: session.updated_at,
        expires_at: session.expires_at,
        requisites: current.and_then(|a| a.requisites.clone()),
        attempts: attempts.iter().map(attempt_summary).collect(),
        history,
    }
}
