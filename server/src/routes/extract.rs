//! Extractors that answer in our error shape: the JSON body, the merchant's API key, path
//! ids and tokens, and the client's IP.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use shared::api::{SessionId, SessionToken};
use shared::{CustomerIp, FieldErrors, UserAgent};

use super::AppState;
use crate::auth;
use crate::config::IpNet;
use crate::error::ApiError;
use crate::page::ListQuery;

/// A JSON body parsed into `T`: wrong content type → 415, bad syntax → 400 `invalid_json`,
/// wrong data → 422 `invalid_request` with the field path in `details`, too large → 413.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads the whole body within the configured limit.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::InvalidJson(rejection.body_text())
        }
    })
}

/// Whether the request says its body is JSON.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses `bytes` as `T`, mapping errors as [`ApiJson`] does.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = without_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::InvalidJson(message)
            }
            serde_json::error::Category::Data | serde_json::error::Category::Io => {
                let field = field_of(&path, &message);
                let mut details = FieldErrors::new();
                details.insert(field.clone(), vec![message]);
                ApiError::InvalidRequest {
                    message: format!("invalid field {field}"),
                    details,
                }
            }
        }
    })?;
    de.end()
        .map_err(|e| ApiError::InvalidJson(without_position(&e.to_string())))?;
    Ok(value)
}

/// The field an error is about: its path, or for a missing / unknown field that field's
/// name under the path (serde reports those at the enclosing object).
fn field_of(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (path, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => {
            path.to_owned()
        }
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_owned(),
    }
}

/// serde_json's message without " at line 1 column 20".
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The merchant, authenticated by `Authorization: Bearer <api key>`.
#[derive(Debug, Clone, Copy)]
pub struct Merchant;

impl FromRequestParts<AppState> for Merchant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(auth::bearer);
        let Some(key) = presented else {
            return Err(ApiError::Unauthorized);
        };
        match state.api_keys.check(key) {
            Ok(()) => Ok(Merchant),
            Err(auth::KeyRefusal::Invalid) => Err(ApiError::Unauthorized),
            Err(auth::KeyRefusal::WrongMode { presented, server }) => {
                Err(ApiError::ApiKeyWrongMode { presented, server })
            }
        }
    }
}

/// A session id from the path; anything else is "no such session".
pub fn session_id(text: &str) -> Result<SessionId, ApiError> {
    SessionId::parse(text).map_err(|_| ApiError::SessionNotFound)
}

/// A session token from the path; anything else is "no such session".
pub fn session_token(text: &str) -> Result<SessionToken, ApiError> {
    SessionToken::parse(text).map_err(|_| ApiError::SessionNotFound)
}

/// Which peers' `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct ClientIpPolicy {
    trusted: Vec<IpNet>,
}

impl ClientIpPolicy {
    /// Trusts `X-Forwarded-For` from these networks.
    pub fn new(trusted: Vec<IpNet>) -> ClientIpPolicy {
        ClientIpPolicy { trusted }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the
    /// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut chain: Vec<IpAddr> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            for part in text.split(',') {
                match part.trim().parse::<IpAddr>() {
                    Ok(ip) => chain.push(ip),
                    Err(_) => return peer,
                }
            }
        }
        let mut client = peer;
        for ip in chain.into_iter().rev() {
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The client's IP (see [`ClientIpPolicy::resolve`]); `127.0.0.1` when there is no
/// connection info (in-process tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientIp(client_ip(parts, &state.client_ip)))
    }
}

/// The client's IP of a request.
pub fn client_ip(parts: &Parts, policy: &ClientIpPolicy) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
    policy.resolve(peer, &parts.headers)
}

impl ClientIp {
    /// As the gateway's `customer_ip`.
    pub fn customer_ip(self) -> CustomerIp {
        CustomerIp::from(self.0)
    }
}

/// The browser's `User-Agent`, if usable.
pub fn user_agent(headers: &HeaderMap) -> Option<UserAgent> {
    headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            UserAgent::parse(v.chars().take(UserAgent::MAX_CHARS).collect::<String>()).ok()
        })
}

/// A list's query string (see [`crate::page`]): a bad `limit` is `400 invalid_query`.
impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        ListQuery::parse(parts.uri.query().unwrap_or_default()).map_err(ApiError::InvalidQuery)
    }
}

/// The refusal of a list parameter nobody reads.
pub(super) fn unknown_parameter(name: &str) -> ApiError {
    ApiError::InvalidQuery(format!("unknown parameter {name:?}"))
}

/// A list parameter's value read as `T`, or refused with the parameter's name and why.
pub(super) fn query_value<T>(name: &str, value: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| ApiError::InvalidQuery(format!("{name}: {e}")))
}

/// Whether `id` is a UUID (sessions and payouts are named by one).
pub(super) fn is_uuid(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let policy = ClientIpPolicy::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        let h = headers(&["203.0.113.7, 10.0.0.9"]);
        assert_eq!(
            policy.resolve(proxy, &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(policy.resolve(stranger, &h), stranger);
        // A client cannot smuggle an address past the last untrusted hop.
        let h = headers(&["1.1.1.1", "203.0.113.7"]);
        assert_eq!(
            policy.resolve(proxy, &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(policy.resolve(proxy, &headers(&["garbage"])), proxy);
        assert_eq!(policy.resolve(proxy, &HeaderMap::new()), proxy);
        assert_eq!(ClientIpPolicy::default().resolve(proxy, &h), proxy);
    }

    #[test]
    fn json_errors_are_classified() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            amount: shared::Amount,
        }
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ApiError::InvalidJson(_))
        ));
        assert!(matches!(
            parse_json::<Body>(br#"{"amount":"1.00"} x"#),
            Err(ApiError::InvalidJson(_))
        ));
        match parse_json::<Body>(br#"{"amount":"abc"}"#) {
            Err(ApiError::InvalidRequest { details, .. }) => {
                assert!(details["amount"][0].contains("not a number"), "{details:?}");
            }
            other => panic!("{other:?}"),
        }
        match parse_json::<Body>(br#"{"amount":"1.00","x":1}"#) {
            Err(ApiError::InvalidRequest { details, .. }) => assert!(details.contains_key("x")),
            other => panic!("{other:?}"),
        }
        assert!(parse_json::<Body>(br#"{"amount":"1.00"}"#).is_ok());
    }
}
