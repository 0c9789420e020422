//! What to do next with a payout whose create outcome is not settled, given what the gateway
//! just said and how long we have been unsure: one pure function ([`decide`]), so the rules
//! can be read, and are tested, as a table. The async code only carries the decision out.
//!
//! **A refusal that proves nothing was made.** Only the answer to the payout's *first* create
//! call can prove that, and only when it refuses our own request:
//! * HTTP 400 / 422 with the gateway's Laravel body (`{"message":…, "errors":{field:[…]}}`)
//!   whose `errors` name at least one field and no field but those of our `v1/payout` body
//!   other than `order_id` (`amount`, `service`, `number`, `customer_code`, `bik_bank`,
//!   `notification_url`, …): the gateway looked at the data we sent and refused it;
//! * HTTP 401: the gateway refused our signature or Account before looking at the request;
//! * a request we could not even build or sign (nothing was sent).
//!
//! Anything else — a refusal naming `order_id` ("The order id has already been taken." means
//! an earlier send of ours may have landed), a 400 without field errors, a 404, or *any*
//! refusal of a re-send (the first send may have been made and taken the money, so "Insufficient
//! funds" or "taken" say nothing about whether it exists) — leaves the payout possibly made.
//!
//! **The rules.** After an unknown outcome the payout is looked up by its `order_id`. It is
//! sent again (same `order_id`, once at most) only when the gateway has answered "no such
//! payout" at least twice, the first time at least the grace period (`reconciler.
//! payout_grace_secs`, well beyond the call timeout) before the last — a payout the gateway is
//! still recording is found in the meantime. A refused re-send, a re-send whose outcome is
//! unknown again, or a grace period without a positive answer makes the payout `unknown`: it
//! is looked up with backoff from then on and never sent again. Whatever the gateway reports
//! about the payout (found by a lookup, a poll or a signed notification) applies at any point.

use std::time::Duration;

use crate::gateway::GatewayError;

/// The call whose answer is being decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// The payout's first create call.
    FirstSend,
    /// The one re-send (same `order_id`).
    SecondSend,
    /// A lookup by `order_id` while the outcome is unsettled.
    Lookup,
}

/// What the gateway answered, as far as the decision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It holds the payout (created now, or found by a lookup).
    Found,
    /// A lookup: it has no payout under our `order_id`.
    NotFound,
    /// No usable answer (timeout, 5xx, garbled, broken connection, a failed lookup).
    Nothing,
    /// A create refused our own request (see the module header).
    RefusedOurRequest,
    /// A create refused for another reason: the payout may exist.
    RefusedOther,
}

/// Where the payout stood before the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `creating`, sent once.
    Creating,
    /// Sent a second time (that send in flight or answered): never sent again.
    Resent,
    /// `unknown`: only looked up from now on.
    Unknown,
}

/// What the decision is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The call answered.
    pub call: Call,
    /// Where the payout stood.
    pub stage: Stage,
    /// Time since the first create call.
    pub since_first_send: Duration,
    /// Time since the gateway first said it has no such payout, if it ever did.
    pub since_first_not_found: Option<Duration>,
    /// `reconciler.payout_grace_secs`.
    pub grace: Duration,
    /// The gateway's answer.
    pub answer: Answer,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Take over what the gateway holds; its status applies.
    Adopt,
    /// Final `rejected`: nothing was made.
    Reject,
    /// Stay `creating`; look the `order_id` up again later.
    LookUpLater,
    /// Send again with the same `order_id`.
    Resend,
    /// `unknown`: look up with backoff from now on; never send again.
    Unknown,
}

/// The next step for a payout in the situation `f` (the table in the module header).
pub fn decide(f: &Facts) -> Decision {
    let graced = f.since_first_send >= f.grace;
    match (f.call, f.answer) {
        (_, Answer::Found) => Decision::Adopt,
        (Call::FirstSend, Answer::RefusedOurRequest) => Decision::Reject,
        (Call::SecondSend, _) => Decision::Unknown,
        (Call::FirstSend | Call::Lookup, _) if f.stage != Stage::Creating => Decision::Unknown,
        (Call::Lookup, Answer::NotFound)
            if f.since_first_not_found.is_some_and(|d| d >= f.grace) =>
        {
            Decision::Resend
        }
        (Call::FirstSend | Call::Lookup, Answer::NotFound) => Decision::LookUpLater,
        (Call::FirstSend | Call::Lookup, _) if graced => Decision::Unknown,
        (Call::FirstSend | Call::Lookup, _) => Decision::LookUpLater,
    }
}

/// How a create call's refusal counts (see the module header): on the first send, field
/// errors none of which is about `order_id`, a 401 or a request never sent refuse our own
/// request; anything else leaves the payout possibly made.
pub fn refusal(e: &GatewayError) -> Answer {
    match e {
        GatewayError::Validation(body) => {
            if !body.errors.is_empty() && !body.errors.contains_key("order_id") {
                Answer::RefusedOurRequest
            } else {
                Answer::RefusedOther
            }
        }
        GatewayError::Unauthenticated { .. } | GatewayError::Local { .. } => {
            Answer::RefusedOurRequest
        }
        GatewayError::NotFound => Answer::RefusedOther,
        GatewayError::Upstream { .. }
        | GatewayError::Timeout { .. }
        | GatewayError::Malformed { .. }
        | GatewayError::Transport { .. } => Answer::Nothing,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use shared::gateway::ValidationErrorBody;

    use super::*;

    const GRACE: Duration = Duration::from_secs(600);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_decision_table() {
        use Answer::*;
        use Call::*;
        use Decision::*;
        use Stage::{Creating, Resent, Unknown as Unsure};
        // (call, stage, since first send, since first "not found", answer) → decision
        let table: [(Call, Stage, u64, Option<u64>, Answer, Decision); 27] = [
            // The first create call.
            (FirstSend, Creating, 1, None, Found, Adopt),
            (FirstSend, Creating, 1, None, RefusedOurRequest, Reject),
            (FirstSend, Creating, 1, None, RefusedOther, LookUpLater),
            (FirstSend, Creating, 1, None, Nothing, LookUpLater),
            (FirstSend, Creating, 1, Some(0), NotFound, LookUpLater),
            // Lookups inside the grace period: never a second create.
            (Lookup, Creating, 20, Some(10), NotFound, LookUpLater),
            (Lookup, Creating, 599, Some(598), NotFound, LookUpLater),
            (Lookup, Creating, 700, Some(599), NotFound, LookUpLater),
            // A first "no such payout" long after the send (a crash) starts the grace period.
            (Lookup, Creating, 5000, None, NotFound, LookUpLater),
            (Lookup, Creating, 30, None, Nothing, LookUpLater),
            (Lookup, Creating, 30, None, Found, Adopt),
            // "No such payout", said over the whole grace period: one re-send.
            (Lookup, Creating, 615, Some(600), NotFound, Resend),
            (Lookup, Creating, 5000, Some(4000), NotFound, Resend),
            // No positive answer within the grace period: unknown.
            (Lookup, Creating, 600, None, Nothing, Unknown),
            (Lookup, Creating, 700, Some(599), Nothing, Unknown),
            // The re-send's own answer: any refusal or no answer is `unknown`, never `rejected`.
            (SecondSend, Resent, 615, Some(600), Found, Adopt),
            (
                SecondSend,
                Resent,
                615,
                Some(600),
                RefusedOurRequest,
                Unknown,
            ),
            (SecondSend, Resent, 615, Some(600), RefusedOther, Unknown),
            (SecondSend, Resent, 615, Some(600), Nothing, Unknown),
            (SecondSend, Resent, 615, Some(600), NotFound, Unknown),
            // After the re-send (a crash in flight): only lookups.
            (Lookup, Resent, 700, Some(600), NotFound, Unknown),
            (Lookup, Resent, 700, Some(600), Found, Adopt),
            // `unknown`: looked up for good, whatever they say; found settles it.
            (Lookup, Unsure, 700, Some(690), NotFound, Unknown),
            (Lookup, Unsure, 90_000, Some(89_000), NotFound, Unknown),
            (Lookup, Unsure, 700, None, Nothing, Unknown),
            (Lookup, Unsure, 90_000, Some(690), Found, Adopt),
            (Lookup, Unsure, 30, Some(20), Nothing, Unknown),
        ];
        for (call, stage, since, not_found, answer, expected) in table {
            let facts = Facts {
                call,
                stage,
                since_first_send: secs(since),
                since_first_not_found: not_found.map(secs),
                grace: GRACE,
                answer,
            };
            assert_eq!(decide(&facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn only_a_first_send_is_ever_rejected_and_a_resend_only_follows_not_found() {
        let answers = [
            Answer::Found,
            Answer::NotFound,
            Answer::Nothing,
            Answer::RefusedOurRequest,
            Answer::RefusedOther,
        ];
        for call in [Call::FirstSend, Call::SecondSend, Call::Lookup] {
            for stage in [Stage::Creating, Stage::Resent, Stage::Unknown] {
                for answer in answers {
                    for since in [0, 10, 599, 600, 601, 86_400 * 2] {
                        for not_found in [None, Some(0), Some(599), Some(600), Some(90_000)] {
                            let f = Facts {
                                call,
                                stage,
                                since_first_send: secs(since),
                                since_first_not_found: not_found.map(secs),
                                grace: GRACE,
                                answer,
                            };
                            match decide(&f) {
                                Decision::Reject => assert_eq!(
                                    (call, answer),
                                    (Call::FirstSend, Answer::RefusedOurRequest)
                                ),
                                Decision::Resend => {
                                    assert_eq!(
                                        (call, stage, answer),
                                        (Call::Lookup, Stage::Creating, Answer::NotFound)
                                    );
                                    assert!(not_found.unwrap() >= 600, "{f:?}");
                                }
                                Decision::Adopt => assert_eq!(answer, Answer::Found),
                                Decision::LookUpLater | Decision::Unknown => {}
                            }
                        }
                    }
                }
            }
        }
    }

    fn refused(field: &str, message: &str) -> GatewayError {
        let mut body = ValidationErrorBody::new();
        if !field.is_empty() {
            body.add(field, message);
        }
        GatewayError::Validation(body)
    }

    #[test]
    fn a_refusal_of_our_own_request_names_fields_other_than_the_order_id() {
        let cases = [
            (
                refused("amount", "Insufficient funds."),
                Answer::RefusedOurRequest,
            ),
            (
                refused("number", "The number format is invalid."),
                Answer::RefusedOurRequest,
            ),
            (
                refused("order_id", "The order id has already been taken."),
                Answer::RefusedOther,
            ),
            (refused("", ""), Answer::RefusedOther),
            (
                GatewayError::Unauthenticated { hint: "" },
                Answer::RefusedOurRequest,
            ),
            (
                GatewayError::Local {
                    detail: String::new(),
                },
                Answer::RefusedOurRequest,
            ),
            (GatewayError::NotFound, Answer::RefusedOther),
            (GatewayError::Upstream { status: 502 }, Answer::Nothing),
            (GatewayError::Timeout { secs: 1 }, Answer::Nothing),
        ];
        for (error, expected) in cases {
            assert_eq!(refusal(&error), expected, "{error:?}");
        }
        let mut both = ValidationErrorBody::new();
        both.add("amount", "Insufficient funds.");
        both.add("order_id", "The order id has already been taken.");
        assert_eq!(
            refusal(&GatewayError::Validation(both)),
            Answer::RefusedOther
        );
    }
}
