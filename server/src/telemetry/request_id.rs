//! The request id: taken from the client's `X-Request-Id` when it is a sane value, else a new
//! UUID; echoed in the response, a field of the request's log span, and sent on the gateway
//! calls made while serving the request (through a task-local, so no signature changes).

use std::fmt;
use std::future::Future;

/// The header, on our requests, our answers and our gateway calls.
pub const HEADER: &str = "x-request-id";

/// Longest client-supplied id kept.
const MAX_LEN: usize = 128;

/// One request's id: 1–128 characters of `A–Z a–z 0–9 - _ . : / + =`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

tokio::task_local! {
    static CURRENT: RequestId;
}

impl RequestId {
    /// A new random id (UUID v4).
    pub fn generate() -> RequestId {
        RequestId(uuid::Uuid::new_v4().to_string())
    }

    /// The client's id if it is sane; `None` otherwise (too long, empty, or characters that
    /// could forge log lines or headers).
    pub fn parse(text: &str) -> Option<RequestId> {
        let sane = !text.is_empty()
            && text.len() <= MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
        sane.then(|| RequestId(text.to_owned()))
    }

    /// The client's id when sane, else a new one.
    pub fn from_header(value: Option<&[u8]>) -> RequestId {
        value
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(RequestId::parse)
            .unwrap_or_else(RequestId::generate)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Runs `future` with this id as the current one (see [`RequestId::current`]).
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// The id of the request being served by this task, if any.
    pub fn current() -> Option<RequestId> {
        CURRENT.try_with(RequestId::clone).ok()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sane_ids_are_kept_others_replaced() {
        for kept in [
            "trace-me-123",
            "a",
            "00-4bf92f3577b34da6-00f067aa0ba902b7-01",
            "x/y:z=1+2",
        ] {
            assert_eq!(RequestId::parse(kept).unwrap().as_str(), kept);
        }
        let long = "a".repeat(129);
        for refused in [
            "",
            "has space",
            "line\nbreak",
            "quote\"",
            "ключ",
            long.as_str(),
        ] {
            assert!(RequestId::parse(refused).is_none(), "{refused:?}");
        }
        let made = RequestId::from_header(Some(b"bad id"));
        assert!(uuid::Uuid::try_parse(made.as_str()).is_ok());
        assert_eq!(RequestId::from_header(Some(b"ok-1")).as_str(), "ok-1");
        assert!(uuid::Uuid::try_parse(RequestId::from_header(None).as_str()).is_ok());
    }

    #[tokio::test]
    async fn current_is_scoped_to_the_task() {
        assert!(RequestId::current().is_none());
        let id = RequestId::parse("req-7").unwrap();
        let seen = id.clone().scope(async { RequestId::current() }).await;
        assert_eq!(seen, Some(id));
        assert!(RequestId::current().is_none());
    }
}
