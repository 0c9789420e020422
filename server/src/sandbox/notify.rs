//! Notifications: on every final transition the sandbox GETs the `notification_endpoint_url`
//! with the §4.2 fields as query parameters, signed per §4.3 variant (a) with the
//! notification key. Deliveries go through an in-process queue and each runs in its own task,
//! so a slow receiver never blocks the API or other receivers. A non-200 answer (or no answer
//! within 10 s) is retried with exponential backoff per the fault settings' schedule; every
//! try is logged with tracing and kept in the delivery log (`GET /control/notifications`).
//!
//! Pending retries live in memory only: a restarted sandbox does not resume them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use super::faults::{Faults, NotifyFault, lock};
use super::model::Kind;
use crate::clock::SandboxClock;
use crate::signing::signed_text::{NotificationVariant, notification_text};
use crate::signing::{Digest, PrivateKey};

/// Most delivery records kept.
const LOG_CAP: usize = 10_000;

/// How long one try may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// One try (or a decision not to try) of one notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// `payment` or `payout`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The payment / payout id.
    pub id: u64,
    /// Its final status.
    pub payment_status: String,
    /// Where it went (without the query).
    pub url: String,
    /// Try number, from 1; 0 for a notification that was not sent.
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// `delivered`, `retrying`, `gave_up`, `dropped` (fault), `no_url` (endpoint id only).
    pub outcome: &'static str,
    /// Transport error, if any.
    pub error: Option<String>,
    /// Sent as the second copy of a duplicated notification (fault).
    pub duplicate: bool,
    /// Sandbox time of the try, RFC 3339.
    pub at: String,
}

/// A notification to deliver.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub kind: Kind,
    pub id: u64,
    pub url: String,
    /// The signed query pairs, `sign` last.
    pub query: Vec<(String, String)>,
    pub duplicate: bool,
}

impl Job {
    fn status(&self) -> String {
        self.query
            .iter()
            .find(|(k, _)| k == "payment_status")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Queue, key and log of notifications.
#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    tx: mpsc::UnboundedSender<Job>,
    key: PrivateKey,
    digest: Digest,
    log: Arc<Mutex<VecDeque<Delivery>>>,
    clock: SandboxClock,
}

/// What a delivery task needs.
#[derive(Clone)]
struct Sender {
    http: reqwest::Client,
    faults: Arc<Faults>,
    log: Arc<Mutex<VecDeque<Delivery>>>,
    clock: SandboxClock,
}

impl Notifier {
    /// Starts the dispatcher task (on the current tokio runtime).
    pub fn start(
        key: PrivateKey,
        digest: Digest,
        faults: Arc<Faults>,
        clock: SandboxClock,
    ) -> Notifier {
        let (tx, rx) = mpsc::unbounded_channel();
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let http = reqwest::Client::builder()
            .timeout(TRY_TIMEOUT)
            .user_agent("AliKassa sandbox notifier")
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let sender = Sender {
            http,
            faults,
            log: Arc::clone(&log),
            clock: clock.clone(),
        };
        tokio::spawn(dispatch(rx, sender));
        Notifier {
            tx,
            key,
            digest,
            log,
            clock,
        }
    }

    /// Signs `fields` and queues the notification. Without a URL (only an endpoint id, which
    /// the sandbox has no cabinet for) nothing is sent and the log says so.
    pub fn send(&self, kind: Kind, id: u64, url: Option<&str>, fields: Vec<(String, String)>) {
        let status = field(&fields, "payment_status");
        let Some(url) = url else {
            tracing::info!(
                kind = kind.as_str(),
                id,
                "no notification_endpoint_url: nothing sent"
            );
            push(
                &self.log,
                Delivery {
                    kind: kind.as_str(),
                    id,
                    payment_status: status,
                    url: String::new(),
                    attempt: 0,
                    status: None,
                    outcome: "no_url",
                    error: None,
                    duplicate: false,
                    at: rfc3339(&self.clock),
                },
            );
            return;
        };
        let sign = match self.sign(&fields) {
            Ok(sign) => sign,
            Err(e) => {
                tracing::error!(kind = kind.as_str(), id, error = %e, "cannot sign notification");
                return;
            }
        };
        let mut query = fields;
        query.push(("sign".to_owned(), sign));
        let job = Job {
            kind,
            id,
            url: url.to_owned(),
            query,
            duplicate: false,
        };
        if self.tx.send(job).is_err() {
            tracing::error!(kind = kind.as_str(), id, "notification queue closed");
        }
    }

    /// The base64 signature of the §4.3 (a) text of `fields`.
    pub fn sign(&self, fields: &[(String, String)]) -> Result<String, crate::signing::SignError> {
        let text = notification_text(fields, NotificationVariant::Documented);
        self.key.sign(text.as_bytes(), self.digest)
    }

    /// Signs any text with the notification key (redirect forms).
    pub fn sign_text(&self, text: &str) -> Result<String, crate::signing::SignError> {
        self.key.sign(text.as_bytes(), self.digest)
    }

    /// The delivery log, oldest first, optionally for one id.
    pub fn log(&self, id: Option<u64>) -> Vec<Delivery> {
        lock(&self.log)
            .iter()
            .filter(|d| id.is_none_or(|id| d.id == id))
            .cloned()
            .collect()
    }
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The error and its causes on one line (the URL is left out: it carries the signature).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn rfc3339(clock: &SandboxClock) -> String {
    clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn push(log: &Mutex<VecDeque<Delivery>>, delivery: Delivery) {
    let mut log = lock(log);
    if log.len() == LOG_CAP {
        log.pop_front();
    }
    log.push_back(delivery);
}

/// Takes jobs off the queue, applies notification faults, and starts one task per delivery.
async fn dispatch(mut rx: mpsc::UnboundedReceiver<Job>, sender: Sender) {
    while let Some(job) = rx.recv().await {
        match sender.faults.take_notification() {
            Some(NotifyFault::Drop) => {
                sender.faults.record(
                    rfc3339(&sender.clock),
                    "drop_notification",
                    &job.url,
                    format!("{} {} not sent", job.kind.as_str(), job.id),
                );
                push(&sender.log, sender.record(&job, 0, None, "dropped", None));
            }
            Some(NotifyFault::Duplicate) => {
                sender.faults.record(
                    rfc3339(&sender.clock),
                    "duplicate_notification",
                    &job.url,
                    format!("{} {} sent twice", job.kind.as_str(), job.id),
                );
                let twin = Job {
                    duplicate: true,
                    ..job.clone()
                };
                tokio::spawn(sender.clone().deliver(job));
                tokio::spawn(sender.clone().deliver(twin));
            }
            None => {
                tokio::spawn(sender.clone().deliver(job));
            }
        }
    }
}

impl Sender {
    fn record(
        &self,
        job: &Job,
        attempt: u32,
        status: Option<u16>,
        outcome: &'static str,
        error: Option<String>,
    ) -> Delivery {
        Delivery {
            kind: job.kind.as_str(),
            id: job.id,
            payment_status: job.status(),
            url: job.url.clone(),
            attempt,
            status,
            outcome,
            error,
            duplicate: job.duplicate,
            at: rfc3339(&self.clock),
        }
    }

    /// Tries until a 200 or the attempts run out.
    async fn deliver(self, job: Job) {
        let mut attempt = 1;
        loop {
            let result = self.http.get(&job.url).query(&job.query).send().await;
            let (status, error) = match result {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(describe(&e.without_url()))),
            };
            let schedule = self.faults.settings();
            let max = schedule.notify_max_attempts.max(1);
            let outcome = match status {
                Some(200) => "delivered",
                _ if attempt >= max => "gave_up",
                _ => "retrying",
            };
            tracing::info!(
                kind = job.kind.as_str(),
                id = job.id,
                url = %job.url,
                attempt,
                status = status.map(i64::from).unwrap_or(-1),
                error = error.as_deref().unwrap_or(""),
                outcome,
                "sandbox notification try"
            );
            push(
                &self.log,
                self.record(&job, attempt, status, outcome, error),
            );
            if outcome != "retrying" {
                return;
            }
            tokio::time::sleep(schedule.retry_delay(attempt)).await;
            attempt += 1;
        }
    }
}
