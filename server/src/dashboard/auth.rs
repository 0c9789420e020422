//! Who is asking: the session cookie, the signed-in operator, the checks before a change.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::{DashError, Lang};
use crate::operators::{Role, SignedIn};
use crate::routes::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "ak_dash";

/// The `Set-Cookie` value of a new session: the browser sends it only to the dashboard, never
/// to scripts, never from another site; `Secure` when served over https. No `Max-Age`: it
/// ends with the browser, and the server ends it sooner (idle and absolute timeouts).
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/dashboard; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// A signed-in operator, with the page language (an extractor: not signed in → the login
/// page, then back).
#[derive(Debug, Clone)]
pub struct Signed {
    /// Who and the CSRF token.
    pub session: SignedIn,
    /// The cookie's token (for logout).
    pub token: String,
    /// The page language.
    pub lang: Lang,
}

impl Signed {
    /// Whether the operator may change things (buttons are shown only then).
    pub fn can_act(&self) -> bool {
        self.session.operator.role == Role::Operator
    }

    /// Refuses a change unless the operator's role allows it and `csrf` is the session's
    /// token (in that order: a viewer learns nothing about tokens).
    pub fn authorize_change(&self, csrf: Option<&str>) -> Result<(), DashError> {
        if !self.can_act() {
            return Err(DashError::Forbidden(
                "viewers can read but not change anything",
            ));
        }
        if !self.session.csrf_ok(csrf) {
            return Err(DashError::Forbidden(
                "the form's security token is missing or out of date: reload the page",
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = DashError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DashError> {
        let lang = Lang::of(parts);
        let next = parts
            .uri
            .path_and_query()
            .map_or("/dashboard/", |p| p.as_str())
            .to_owned();
        let next = if parts.method == axum::http::Method::GET {
            next
        } else {
            "/dashboard/".to_owned()
        };
        let Some(token) = cookie(parts, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(DashError::SignIn { next });
        };
        match state.dashboard.operators.session(token).await? {
            Some(session) => Ok(Signed {
                session,
                token: token.to_owned(),
                lang,
            }),
            None => Err(DashError::SignIn { next }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        let plain = session_cookie("abc", false);
        assert_eq!(
            plain,
            "ak_dash=abc; Path=/dashboard; HttpOnly; SameSite=Strict"
        );
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert!(cleared_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let (mut parts, ()) = axum::http::Request::builder()
            .header("cookie", "x_ak_dash=no; ak_lang=ru")
            .header("cookie", "ak_dash=yes")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(cookie(&parts, SESSION_COOKIE), Some("yes"));
        assert_eq!(cookie(&parts, "ak_lang"), Some("ru"));
        parts.headers.clear();
        assert_eq!(cookie(&parts, SESSION_COOKIE), None);
    }
}
