//! `GET /dashboard/sessions.csv`: the sessions of the list's filters as CSV, streamed page by
//! page (newest first), so an export of a whole month neither waits for every row nor holds
//! them in memory.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt as _};
use shared::Method;
use shared::api::SessionDetails;
use time::format_description::well_known::Rfc3339;

use super::DashError;
use super::auth::Signed;
use super::sessions::Filters;
use crate::page::MAX_PAGE;
use crate::routes::AppState;
use crate::sessions::SessionError;
use crate::store::ListFilter;

const HEADER: &str = "created_at,session_id,order_id,customer_user_id,amount,paid_amount,status,needs_attention,method,gateway_payment_id\r\n";

/// One CSV field: quoted (quotes doubled), and a text a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return first) made plain text by a leading `'`.
pub fn field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// One session as a CSV line (RFC 4180: CRLF).
fn line(s: &SessionDetails) -> String {
    let money = |k: u64| format!("{}.{:02}", k / 100, k % 100);
    let fields = [
        s.created_at.format(&Rfc3339).unwrap_or_default(),
        s.id.to_string(),
        s.order_id.as_str().to_owned(),
        s.customer_user_id.as_str().to_owned(),
        money(s.amount.kopecks()),
        s.paid_amount
            .map(|a| money(a.kopecks()))
            .unwrap_or_default(),
        s.status.as_str().to_owned(),
        if s.needs_attention { "yes" } else { "no" }.to_owned(),
        s.method.map_or("", Method::as_str).to_owned(),
        s.gateway_payment_id
            .map(|g| g.to_string())
            .unwrap_or_default(),
    ];
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// Where the stream is: the next page's filter, or done.
enum Next {
    Page(Box<ListFilter>),
    Done,
}

/// `GET /dashboard/sessions.csv?<the list's filters>`.
pub async fn sessions_csv(
    State(state): State<AppState>,
    _signed: Signed,
    Query(f): Query<Filters>,
) -> Result<Response, DashError> {
    // The filters are checked before the answer starts: a bad one is a 400, not a cut file.
    let mut first = f.to_list_filter(MAX_PAGE)?;
    first.cursor = None;
    let sessions = state.sessions.clone();
    let pages = stream::unfold(Next::Page(Box::new(first)), move |next| {
        let sessions = sessions.clone();
        async move {
            let Next::Page(filter) = next else {
                return None;
            };
            let mut following = (*filter).clone();
            match sessions.list(*filter).await {
                Ok(page) => {
                    let chunk: String = page.items.iter().map(line).collect();
                    let next = match page.next_cursor {
                        Some(c) => {
                            following.cursor = crate::page::Cursor::decode(&c, |_| true);
                            Next::Page(Box::new(following))
                        }
                        None => Next::Done,
                    };
                    Some((Ok::<_, SessionError>(chunk), next))
                }
                Err(e) => {
                    // The status line is sent: ending the body early is all that is left, and
                    // the client sees an incomplete download rather than a short file.
                    tracing::error!(error = %e, "dashboard: CSV export failed");
                    Some((Err(e), Next::Done))
                }
            }
        }
    });
    // Fused: the compression layer may poll the body once more after its end.
    let body = Body::from_stream(
        stream::iter([Ok::<_, SessionError>(HEADER.to_owned())])
            .chain(pages)
            .fuse(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sessions.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("A-1"), r#""A-1""#);
        assert_eq!(field(r#"say "hi", ok"#), r#""say ""hi"", ok""#);
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        for formula in ["=1+1", "+7", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(field(formula), format!("\"'{formula}\""), "{formula:?}");
        }
        assert_eq!(field("=\"x\""), r#""'=""x""""#);
        assert_eq!(field(""), r#""""#);
    }
}
