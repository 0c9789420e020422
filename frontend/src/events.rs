//! What the widget tells the page: bubbling, composed DOM `CustomEvent`s on the host element,
//! and the merchant's `onEvent({type, detail})` callback, with the same typed details.

use serde::Serialize;
use shared::api::Locale;
use shared::{Amount, GatewayPaymentId, Method, OrderId, SessionStatus};
use wasm_bindgen::JsValue;

use crate::json::{Writer, push_u64};
use web_sys::{CustomEvent, CustomEventInit, Element};

/// Detail of `ready`: the session is loaded and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadyDetail {
    /// The merchant's order id.
    pub order_id: OrderId,
    /// Amount to pay.
    pub amount: Amount,
    /// Current status.
    pub status: SessionStatus,
    /// Methods offered.
    pub methods: Vec<Method>,
    /// Language shown.
    pub locale: Locale,
    /// Sandbox mode.
    pub test_mode: bool,
}

/// Detail of `requisites_shown`: what the buyer now sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequisitesDetail {
    /// The chosen method.
    pub method: Method,
    /// Exact amount.
    pub amount: Amount,
    /// When the requisites stop being valid (RFC 3339).
    pub expires_at: String,
    /// True when an earlier payment was resumed (reload, return from the bank app).
    pub resumed: bool,
    /// The gateway's payment id (sandbox mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_payment_id: Option<GatewayPaymentId>,
}

/// Detail of the final events and of `retry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeDetail {
    /// The merchant's order id.
    pub order_id: OrderId,
    /// Final status.
    pub status: SessionStatus,
    /// The method used, if any.
    pub method: Option<Method>,
    /// Money the gateway reported received (`underpaid` only: less than the amount).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Amount>,
}

/// Detail of `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    /// Stable code (`session_not_found`, `network_error`, …).
    pub code: String,
    /// Human-readable text.
    pub message: String,
}

/// One event of the public contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetEvent {
    /// The session is loaded.
    Ready(ReadyDetail),
    /// The buyer picked a method.
    MethodSelected {
        /// The method.
        method: Method,
    },
    /// Requisites (or the redirect) are on screen.
    RequisitesShown(RequisitesDetail),
    /// Paid.
    Paid(OutcomeDetail),
    /// Paid, but less than the amount: the buyer is told not to pay again and to contact the
    /// shop.
    Underpaid(OutcomeDetail),
    /// The gateway reported a failure.
    Failed(OutcomeDetail),
    /// The payment was cancelled.
    Cancelled(OutcomeDetail),
    /// Time ran out.
    Expired(OutcomeDetail),
    /// Something went wrong (load, pay).
    Error(ErrorDetail),
    /// The buyer asked to start again after a failure or expiry (the merchant makes a new
    /// session).
    Retry(OutcomeDetail),
}

impl WidgetEvent {
    /// The DOM event type.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ready(_) => "ready",
            Self::MethodSelected { .. } => "method_selected",
            Self::RequisitesShown(_) => "requisites_shown",
            Self::Paid(_) => "paid",
            Self::Underpaid(_) => "underpaid",
            Self::Failed(_) => "failed",
            Self::Cancelled(_) => "cancelled",
            Self::Expired(_) => "expired",
            Self::Error(_) => "error",
            Self::Retry(_) => "retry",
        }
    }

    /// The detail as JSON text (written by hand: no `serde_json` in the widget).
    pub fn detail_json(&self) -> String {
        let w = Writer::new();
        match self {
            Self::Ready(d) => w
                .str("order_id", d.order_id.as_str())
                .str("amount", &amount_text(d.amount))
                .str("status", d.status.as_str())
                .str_list("methods", d.methods.iter().map(|m| m.as_str()))
                .str("locale", d.locale.as_str())
                .bool("test_mode", d.test_mode),
            Self::MethodSelected { method } => w.str("method", method.as_str()),
            Self::RequisitesShown(d) => {
                let w = w
                    .str("method", d.method.as_str())
                    .str("amount", &amount_text(d.amount))
                    .str("expires_at", &d.expires_at)
                    .bool("resumed", d.resumed);
                match d.gateway_payment_id {
                    Some(id) => w.u64("gateway_payment_id", id.get()),
                    None => w,
                }
            }
            Self::Paid(d)
            | Self::Underpaid(d)
            | Self::Failed(d)
            | Self::Cancelled(d)
            | Self::Expired(d)
            | Self::Retry(d) => {
                let w = w
                    .str("order_id", d.order_id.as_str())
                    .str("status", d.status.as_str())
                    .opt_str("method", d.method.map(Method::as_str));
                match d.paid_amount {
                    Some(paid) => w.str("paid_amount", &amount_text(paid)),
                    None => w,
                }
            }
            Self::Error(d) => w.str("code", &d.code).str("message", &d.message),
        }
        .finish()
    }

    /// The final event for `status`, if it is final.
    pub fn for_final(status: SessionStatus, detail: OutcomeDetail) -> Option<Self> {
        match status {
            SessionStatus::Paid => Some(Self::Paid(detail)),
            SessionStatus::Underpaid => Some(Self::Underpaid(detail)),
            SessionStatus::Failed => Some(Self::Failed(detail)),
            SessionStatus::Cancelled => Some(Self::Cancelled(detail)),
            SessionStatus::Expired => Some(Self::Expired(detail)),
            SessionStatus::Open | SessionStatus::Pending => None,
        }
    }
}

/// `"1500.00"`, as `Amount`'s `Display` (and serde form) writes it, without `core::fmt`.
pub fn amount_text(amount: Amount) -> String {
    let kopecks = amount.kopecks();
    let mut out = String::new();
    push_u64(&mut out, kopecks / 100);
    out.push('.');
    let cents = kopecks % 100;
    out.push(char::from(b'0' + (cents / 10) as u8));
    out.push(char::from(b'0' + (cents % 10) as u8));
    out
}

/// Delivers events to the page.
#[derive(Debug, Clone)]
pub struct Emitter {
    host: Element,
    on_event: Option<js_sys::Function>,
}

impl Emitter {
    /// Events go to `host` (and bubble out of the shadow root) and to `on_event`.
    pub fn new(host: Element, on_event: Option<js_sys::Function>) -> Self {
        Self { host, on_event }
    }

    /// Dispatches `event`.
    pub fn emit(&self, event: &WidgetEvent) {
        let detail = js_sys::JSON::parse(&event.detail_json()).unwrap_or(JsValue::NULL);
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        if let Ok(dom_event) = CustomEvent::new_with_event_init_dict(event.name(), &init) {
            let _ = self.host.dispatch_event(&dom_event);
        }
        if let Some(callback) = &self.on_event {
            let payload = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&payload, &"type".into(), &event.name().into());
            let _ = js_sys::Reflect::set(&payload, &"detail".into(), &detail);
            // A throwing merchant callback must not break the checkout.
            let _ = callback.call1(&JsValue::NULL, &payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_details() {
        let detail = OutcomeDetail {
            order_id: "A-1".parse().unwrap(),
            status: SessionStatus::Paid,
            method: Some(Method::Sbp),
            paid_amount: None,
        };
        let paid = WidgetEvent::for_final(SessionStatus::Paid, detail.clone()).unwrap();
        assert_eq!(paid.name(), "paid");
        assert_eq!(
            paid.detail_json(),
            r#"{"order_id":"A-1","status":"paid","method":"sbp"}"#
        );
        assert!(WidgetEvent::for_final(SessionStatus::Pending, detail.clone()).is_none());
        let short = OutcomeDetail {
            status: SessionStatus::Underpaid,
            paid_amount: Some(Amount::parse("1.00").unwrap()),
            ..detail
        };
        let underpaid = WidgetEvent::for_final(SessionStatus::Underpaid, short).unwrap();
        assert_eq!(underpaid.name(), "underpaid");
        assert_eq!(
            underpaid.detail_json(),
            r#"{"order_id":"A-1","status":"underpaid","method":"sbp","paid_amount":"1.00"}"#
        );
        let selected = WidgetEvent::MethodSelected {
            method: Method::CardTransfer,
        };
        assert_eq!(selected.name(), "method_selected");
        assert_eq!(selected.detail_json(), r#"{"method":"card_transfer"}"#);
    }

    /// The hand-written details equal what serde writes for the same structs.
    #[test]
    fn details_match_serde() {
        let ready = ReadyDetail {
            order_id: "A-\"1\"\n"
                .parse()
                .unwrap_or_else(|_| "A-1".parse().unwrap()),
            amount: Amount::parse("1500.05").unwrap(),
            status: SessionStatus::Open,
            methods: vec![Method::Sbp, Method::CardTransfer],
            locale: Locale::Ru,
            test_mode: true,
        };
        let json = WidgetEvent::Ready(ready.clone()).detail_json();
        assert_eq!(json, serde_json::to_string(&ready).unwrap());
        for id in [None, Some(GatewayPaymentId::new(108_465_371).unwrap())] {
            let shown = RequisitesDetail {
                method: Method::Sbp,
                amount: Amount::parse("0.10").unwrap(),
                expires_at: "2026-01-02T03:04:05Z".into(),
                resumed: false,
                gateway_payment_id: id,
            };
            let json = WidgetEvent::RequisitesShown(shown.clone()).detail_json();
            assert_eq!(json, serde_json::to_string(&shown).unwrap());
        }
        let outcome = OutcomeDetail {
            order_id: "A-1".parse().unwrap(),
            status: SessionStatus::Expired,
            method: None,
            paid_amount: None,
        };
        let json = WidgetEvent::Expired(outcome.clone()).detail_json();
        assert_eq!(json, serde_json::to_string(&outcome).unwrap());
        let short = OutcomeDetail {
            status: SessionStatus::Underpaid,
            method: Some(Method::CardTransfer),
            paid_amount: Some(Amount::parse("1499.99").unwrap()),
            ..outcome
        };
        let json = WidgetEvent::Underpaid(short.clone()).detail_json();
        assert_eq!(json, serde_json::to_string(&short).unwrap());
        let error = ErrorDetail {
            code: "network_error".into(),
            message: "tab\t \"quoted\" \u{7}".into(),
        };
        let json = WidgetEvent::Error(error.clone()).detail_json();
        assert_eq!(json, serde_json::to_string(&error).unwrap());
        for k in [1, 5, 10, 99, 100, 123_456] {
            let a = Amount::from_kopecks(k).unwrap();
            assert_eq!(amount_text(a), a.to_string());
        }
    }
}
