//! OpenAPI schemas of the wire types in `shared` (which stays free of server dependencies, so
//! it cannot derive them itself). Each mirrors one `shared` type field for field; the
//! conformance test in `super::tests` serialises real values and checks them against these
//! schemas, so a drift fails the build.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// A payment method.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Redirect to the gateway's hosted card form.
    CardForm,
    /// Card number to transfer to.
    CardTransfer,
    /// SBP transfer to a phone.
    Sbp,
    /// SberPay link / QR.
    Sberpay,
    /// Redirect to the gateway's hosted account form.
    AccountForm,
    /// Bank-account transfer.
    AccountTransfer,
}

/// A session's status (`open → pending → paid | underpaid | failed | cancelled | expired`;
/// money arriving after the end makes an ended session `paid` or `underpaid`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// No payment started yet.
    Open,
    /// A payment waits for the buyer's money.
    Pending,
    /// Paid in full (final).
    Paid,
    /// Paid with less than the amount (final; never announced as paid).
    Underpaid,
    /// Failed (final).
    Failed,
    /// Cancelled by the gateway (final).
    Cancelled,
    /// The session's time ran out (final).
    Expired,
}

/// The gateway's payment status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Waiting.
    Wait,
    /// Paid.
    Paid,
    /// Cancelled.
    Cancel,
    /// Failed.
    Fail,
}

/// Widget language.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// Russian.
    Ru,
    /// English.
    En,
}

/// Body of `POST /api/v1/sessions`; unknown fields are refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreateSessionRequest {
    /// The merchant's order id, unique per merchant (1–120 characters).
    #[schema(min_length = 1, max_length = 120, example = "A-1001")]
    pub order_id: String,
    /// Amount, `"1500.00"` (a JSON number is accepted too); at most 2 decimals.
    #[schema(example = "1500.00", pattern = r"^\d{1,9}(\.\d{1,2})?$")]
    pub amount: String,
    /// The buyer's id in the merchant's system (1–100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub customer_user_id: String,
    /// Methods to offer, in display order (default: all enabled ones); no repeats.
    #[schema(nullable = false)]
    pub methods: Option<Vec<Method>>,
    /// Shown to the buyer and sent to the gateway (1–128 characters).
    #[schema(nullable = false, max_length = 128)]
    pub description: Option<String>,
    /// Widget language (default `ru`).
    #[schema(nullable = false)]
    pub locale: Option<Locale>,
    /// Where the hosted page sends the buyer after paying.
    #[schema(nullable = false, format = "uri", max_length = 255)]
    pub success_url: Option<String>,
    /// Where the hosted page sends the buyer after a failure.
    #[schema(nullable = false, format = "uri", max_length = 255)]
    pub fail_url: Option<String>,
    /// How long the session stays payable, 900–3600 s (default 900).
    #[schema(nullable = false, minimum = 900, maximum = 3600)]
    pub lifetime_secs: Option<u32>,
    /// Free-form object (≤ 50 keys, ≤ 4096 bytes) returned with the session.
    #[schema(nullable = false, value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// `201` of `POST /api/v1/sessions` (`200` when the same order was created before).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Session id for the merchant API.
    #[schema(format = "uuid")]
    pub id: String,
    /// The widget's token (`data-token`): a secret capability for this one session.
    pub token: String,
    /// The hosted payment page.
    #[schema(format = "uri")]
    pub hosted_url: String,
    /// `open`.
    pub status: SessionStatus,
    /// When the session stops being payable.
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// What the buyer must do, tagged by `kind`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Requisites {
    /// Transfer to a card.
    Card {
        /// 16 digits.
        card_number: String,
        /// Recipient.
        #[schema(nullable = false)]
        holder: Option<String>,
        /// Recipient's bank.
        #[schema(nullable = false)]
        bank: Option<String>,
    },
    /// SBP transfer to a phone.
    Phone {
        /// `7XXXXXXXXXX`.
        phone: String,
        /// Recipient.
        #[schema(nullable = false)]
        holder: Option<String>,
        /// Recipient's bank.
        #[schema(nullable = false)]
        bank: Option<String>,
    },
    /// Transfer to a bank account.
    Account {
        /// 20 digits.
        account: String,
        /// BIC.
        #[schema(nullable = false)]
        bic: Option<String>,
        /// Recipient.
        #[schema(nullable = false)]
        holder: Option<String>,
        /// Recipient's bank.
        #[schema(nullable = false)]
        bank: Option<String>,
    },
    /// Go to the gateway's hosted form.
    Redirect {
        /// The form.
        #[schema(format = "uri")]
        url: String,
    },
    /// SberPay link (QR on desktop).
    Sberpay {
        /// The link.
        #[schema(format = "uri")]
        url: String,
        /// Phone, if any.
        #[schema(nullable = false)]
        phone: Option<String>,
        /// Recipient, if any.
        #[schema(nullable = false)]
        holder: Option<String>,
    },
}

/// Where a payment attempt stands with the gateway.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// The create call is in flight.
    Creating,
    /// Created.
    Created,
    /// The create's outcome is unknown; looked up before any retry.
    Unknown,
    /// Refused by the gateway.
    Rejected,
    /// Exists upstream, but its requisites were lost; superseded.
    Abandoned,
}

/// One gateway payment attempt (`{order_id}-{number}` at the gateway).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAttempt {
    /// From 1.
    pub number: u32,
    /// Method.
    pub method: Method,
    /// The `order_id` sent to the gateway.
    pub gateway_order_id: String,
    /// State.
    pub state: AttemptState,
    /// The gateway's id.
    pub gateway_payment_id: Option<u64>,
    /// The gateway's status.
    pub payment_status: Option<PaymentStatus>,
    /// Amount actually paid.
    #[schema(nullable = false)]
    pub paid_amount: Option<String>,
    /// Start.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// What changed a status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// Session created.
    Created,
    /// Buyer started / switched a payment.
    Pay,
    /// Verified gateway notification.
    Notification,
    /// Reconciler status call.
    Reconciler,
    /// Buyer's status check.
    Check,
    /// Deadline passed.
    Expiry,
    /// Start-up recovery.
    Recovery,
}

/// One status history entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChange {
    /// Session status after the change.
    pub status: SessionStatus,
    /// Gateway status concerned.
    #[schema(nullable = false)]
    pub payment_status: Option<PaymentStatus>,
    /// Gateway payment concerned.
    #[schema(nullable = false)]
    pub gateway_payment_id: Option<u64>,
    /// Cause.
    pub source: StatusSource,
    /// Extra facts.
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
}

/// `GET /api/v1/sessions/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetails {
    /// Id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Widget token.
    pub token: String,
    /// Merchant order id.
    pub order_id: String,
    /// Amount.
    pub amount: String,
    /// Buyer id.
    pub customer_user_id: String,
    /// Status.
    pub status: SessionStatus,
    /// Money received for the session, every payment together (absent until one is paid
    /// with a confirmed amount).
    #[schema(nullable = false)]
    pub paid_amount: Option<String>,
    /// Received beyond `amount` (paid more, or paid twice).
    #[schema(nullable = false)]
    pub overpaid_amount: Option<String>,
    /// The merchant must look at this session's money (the history says why).
    pub needs_attention: bool,
    /// `true` with a real gateway (real money), `false` in sandbox mode (test money).
    pub livemode: bool,
    /// Methods offered.
    pub methods: Vec<Method>,
    /// Method of the current payment.
    pub method: Option<Method>,
    /// Gateway id of the current payment (what sandbox controls take).
    pub gateway_payment_id: Option<u64>,
    /// Gateway status of the current payment.
    pub payment_status: Option<PaymentStatus>,
    /// Description.
    pub description: Option<String>,
    /// Hosted page.
    #[schema(format = "uri")]
    pub hosted_url: String,
    /// Merchant metadata.
    #[schema(nullable = false, value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Deadline.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// What the buyer was shown for the current payment.
    #[schema(nullable = false)]
    pub requisites: Option<Requisites>,
    /// Payment attempts, oldest first (not in list items).
    #[schema(nullable = false)]
    pub attempts: Option<Vec<PaymentAttempt>>,
    /// Status history, oldest first (not in list items).
    #[schema(nullable = false)]
    pub history: Option<Vec<StatusChange>>,
}

/// `GET /api/v1/sessions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// Newest first.
    pub items: Vec<SessionDetails>,
    /// Pass as `cursor` for the next page.
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
}

/// Body of `POST …/pay`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayRequest {
    /// The chosen method.
    pub method: Method,
}

/// What the buyer must do.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayAnswer {
    /// Method.
    pub method: Method,
    /// Requisites or where to go.
    pub requisites: Requisites,
    /// Exact amount.
    pub amount: String,
    /// Countdown target.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Server clock.
    #[schema(format = DateTime)]
    pub server_time: String,
    /// Status.
    pub status: SessionStatus,
    /// Sandbox mode only: the gateway payment id for the emulator's controls.
    #[schema(nullable = false)]
    pub gateway_payment_id: Option<u64>,
}

/// `GET /api/v1/checkout/{token}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutView {
    /// Order id.
    pub order_id: String,
    /// Amount.
    pub amount: String,
    /// Description.
    pub description: Option<String>,
    /// Methods, display order.
    pub methods: Vec<Method>,
    /// Status.
    pub status: SessionStatus,
    /// Money received, once a payment is paid.
    #[schema(nullable = false)]
    pub paid_amount: Option<String>,
    /// Language.
    pub locale: Locale,
    /// Shop name.
    pub merchant_name: String,
    /// Countdown target.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Server clock.
    #[schema(format = DateTime)]
    pub server_time: String,
    /// Sandbox mode.
    pub test_mode: bool,
    /// The payment already started.
    pub payment: Option<PayAnswer>,
    /// After paying (hosted page).
    #[schema(nullable = false, format = "uri")]
    pub success_url: Option<String>,
    /// After a failure (hosted page).
    #[schema(nullable = false, format = "uri")]
    pub fail_url: Option<String>,
}

/// `GET …/status`, `POST …/check` and the data of each SSE `status` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusUpdate {
    /// Session status.
    pub status: SessionStatus,
    /// Gateway status of the current payment.
    pub payment_status: Option<PaymentStatus>,
    /// Money received, once a payment is paid.
    #[schema(nullable = false)]
    pub paid_amount: Option<String>,
    /// Last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Every error: `{"error":{"code","message","details"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The error inside [`ApiErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable snake_case code.
    #[schema(example = "invalid_request")]
    pub code: String,
    /// Human-readable text.
    pub message: String,
    /// Field → messages (validation errors).
    #[schema(nullable = false)]
    pub details: Option<BTreeMap<String, Vec<String>>>,
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `ok` or the problem.
    pub database: String,
    /// `sandbox` or `production`.
    pub mode: String,
    /// Server version.
    pub version: String,
}
