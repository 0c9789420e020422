//! Talking to our server's widget API (`/api/v1/checkout/{token}/…`), behind the [`Backend`]
//! trait so components can be tested against given data.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use shared::Method;
use shared::api::{CheckoutView, PayAnswer, SessionToken, StatusUpdate, paths};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response};

use crate::json;
use crate::sse::EventStream;
pub use crate::sse::{FeedEvent, Subscription};

/// A boxed, non-`Send` future (everything in the browser runs on one thread).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Why a call to the widget API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No answer (offline, DNS, CORS refused, connection reset).
    #[error("network error: {0}")]
    Network(String),
    /// The server answered with an error body.
    #[error("{message} ({code}, HTTP {status})")]
    Server {
        /// HTTP status.
        status: u16,
        /// Our stable error code (`session_not_found`, …).
        code: String,
        /// Human-readable text from the server.
        message: String,
    },
    /// The answer was not what the API promises.
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// The browser refused the call for this page (its origin is not allowed, its
    /// Content-Security-Policy blocks us): retrying will not help, the set-up must change.
    #[error("{message}")]
    Refused {
        /// `origin_not_allowed`, `csp_blocked`.
        code: String,
        /// What is wrong and how to fix it, for the shop's developer.
        message: String,
    },
}

impl ApiError {
    /// Stable code for events: the server's code, or `network_error` / `bad_response`.
    pub fn code(&self) -> &str {
        match self {
            Self::Network(_) => "network_error",
            Self::Server { code, .. } => code,
            Self::Decode(_) => "bad_response",
            Self::Refused { code, .. } => code,
        }
    }

    /// Whether trying again may help (not for a missing session or a refused page).
    pub fn retryable(&self) -> bool {
        !self.is_not_found() && !matches!(self, Self::Refused { .. })
    }

    /// Whether the session does not exist (unknown or stale token): retrying will not help.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Server { status: 404, .. })
    }
}

/// The widget API as the widget uses it.
pub trait Backend {
    /// `GET …/{token}`: the session as the buyer sees it.
    fn view(&self) -> LocalFuture<'_, Result<CheckoutView, ApiError>>;
    /// `POST …/{token}/pay`: start (or resume) a payment with `method`.
    fn pay(&self, method: Method) -> LocalFuture<'_, Result<PayAnswer, ApiError>>;
    /// `GET …/{token}/status`: the current status (cheap).
    fn status(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>>;
    /// `POST …/{token}/check`: "I've paid" — one immediate upstream check.
    fn check(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>>;
    /// `GET …/{token}/events`: live status (Server-Sent Events); `None` where unsupported.
    fn subscribe(&self, on_event: Rc<dyn Fn(FeedEvent)>) -> Option<Box<dyn Subscription>>;
}

/// The real backend: HTTP against `{api_base}/api/v1/checkout/{token}`.
#[derive(Debug)]
pub struct HttpBackend {
    session_url: String,
    /// The first view, already on its way (`checkout.js` starts the request while the wasm
    /// downloads, or reads it from the hosted page): a promise of `{status, text, at}` or
    /// `{fail, message}`. Used once; a retry asks the server again.
    prefetch: std::cell::RefCell<Option<js_sys::Promise>>,
}

impl HttpBackend {
    /// A client for `token` at `api_base` (an origin such as `https://checkout.example.ru`).
    /// The URL is absolute so that an embed on another origin still calls our server.
    pub fn new(api_base: &str, token: &SessionToken) -> Self {
        Self {
            session_url: [
                api_base.trim_end_matches('/'),
                paths::CHECKOUT,
                "/",
                token.as_str(),
            ]
            .concat(),
            prefetch: std::cell::RefCell::new(None),
        }
    }

    /// Uses `prefetch` (see the field) for the first view.
    pub fn with_prefetch(self, prefetch: Option<js_sys::Promise>) -> Self {
        self.prefetch.replace(prefetch);
        self
    }

    /// The prefetched first view: the answer as if fetched now (its `server_time` moved on
    /// by the time it waited, so the countdown stays exact).
    async fn prefetched(&self, promise: js_sys::Promise) -> Result<CheckoutView, ApiError> {
        let field = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &k.into()).unwrap_or_default();
        let answer = JsFuture::from(promise)
            .await
            .map_err(|e| ApiError::Network(e.as_string().unwrap_or_default()))?;
        let message = field(&answer, "message").as_string().unwrap_or_default();
        match field(&answer, "fail").as_string().as_deref() {
            None => {}
            Some("network_error") => return Err(ApiError::Network(message)),
            Some(code) => {
                return Err(ApiError::Refused {
                    code: code.to_owned(),
                    message,
                });
            }
        }
        let status = field(&answer, "status").as_f64().unwrap_or_default() as u16;
        let text = field(&answer, "text").as_string().unwrap_or_default();
        let waited = field(&answer, "at")
            .as_f64()
            .map_or(0.0, |at| (js_sys::Date::now() - at).max(0.0));
        let mut view = answer_of(status, &text, json::checkout_view)?;
        view.server_time += time::Duration::milliseconds(waited as i64);
        Ok(view)
    }

    fn url(&self, tail: &str) -> String {
        [self.session_url.as_str(), tail].concat()
    }
}

/// One request: `(status, body text)`, or a network error. Credentials are never sent: the
/// token in the URL is the only capability.
async fn send(method: &str, url: &str, json: Option<String>) -> Result<(u16, String), ApiError> {
    let network =
        |e: JsValue| ApiError::Network(e.as_string().unwrap_or_else(|| "fetch failed".into()));
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    if let Some(json) = json {
        let headers = Headers::new().map_err(network)?;
        headers
            .set("content-type", "application/json")
            .map_err(network)?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&json));
    }
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// Reads an answer: `decode`d on 2xx, our error body otherwise.
async fn call<T>(
    method: &str,
    url: &str,
    json: Option<String>,
    decode: fn(&JsValue) -> Result<T, json::Bad>,
) -> Result<T, ApiError> {
    let (status, text) = send(method, url, json).await?;
    answer_of(status, &text, decode)
}

/// An answer of the widget API: `decode`d on 2xx, our error body otherwise.
fn answer_of<T>(
    status: u16,
    text: &str,
    decode: fn(&JsValue) -> Result<T, json::Bad>,
) -> Result<T, ApiError> {
    let parsed = json::parse(text);
    if (200..300).contains(&status) {
        // The decoder's own message is not shown to buyers; a fixed text keeps the build small.
        return parsed
            .and_then(|v| decode(&v))
            .map_err(|_| ApiError::Decode("not the expected JSON".into()));
    }
    Err(match parsed.and_then(|v| json::error_body(&v)) {
        Ok((code, message)) => ApiError::Server {
            status,
            code,
            message,
        },
        Err(_) => {
            let mut code = String::from("http_");
            json::push_u64(&mut code, u64::from(status));
            ApiError::Server {
                status,
                code,
                message: text.chars().take(200).collect(),
            }
        }
    })
}

impl Backend for HttpBackend {
    fn view(&self) -> LocalFuture<'_, Result<CheckoutView, ApiError>> {
        Box::pin(async move {
            let prefetched = self.prefetch.borrow_mut().take();
            match prefetched {
                Some(promise) => self.prefetched(promise).await,
                None => call("GET", &self.url(""), None, json::checkout_view).await,
            }
        })
    }

    fn pay(&self, method: Method) -> LocalFuture<'_, Result<PayAnswer, ApiError>> {
        Box::pin(async move {
            let body = json::Writer::new().str("method", method.as_str()).finish();
            call("POST", &self.url("/pay"), Some(body), json::pay_answer).await
        })
    }

    fn status(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>> {
        Box::pin(async move { call("GET", &self.url("/status"), None, json::status_update).await })
    }

    fn check(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>> {
        Box::pin(async move {
            match call("POST", &self.url("/check"), None, json::status_update).await {
                Ok(update) => Ok(update),
                // Rate-limited, or an answer without a status: the stored status still tells
                // the buyer where things stand.
                Err(ApiError::Server { status: 429, .. } | ApiError::Decode(_)) => {
                    call("GET", &self.url("/status"), None, json::status_update).await
                }
                Err(e) => Err(e),
            }
        })
    }

    fn subscribe(&self, on_event: Rc<dyn Fn(FeedEvent)>) -> Option<Box<dyn Subscription>> {
        EventStream::open(&self.url("/events"), on_event)
            .map(|s| Box::new(s) as Box<dyn Subscription>)
    }
}
