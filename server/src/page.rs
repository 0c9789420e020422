//! Keyset pagination, one way for every list of the merchant API (sessions, payouts, events):
//! newest first by (creation time, id); a page reads one row more than it shows to know
//! whether another follows, and the next page starts after an opaque cursor (URL-safe base64
//! of `ms.id`). The query string's `limit` and `cursor` are read here ([`ListQuery`]); each
//! list reads its own filters from the rest and refuses unknown names.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Largest page of every list.
pub const MAX_PAGE: u32 = 200;
/// Page size when the query gives none.
pub const DEFAULT_PAGE: u32 = 50;

/// Where a page ends: its last item's creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Creation time of the last item, Unix ms.
    pub created_at_ms: i64,
    /// Its id.
    pub id: String,
}

impl Cursor {
    /// The cursor's text for `next_cursor`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.created_at_ms, self.id))
    }

    /// A cursor from an earlier page, if `text` is one and its id is of the list's kind.
    pub fn decode(text: &str, id_is_valid: impl Fn(&str) -> bool) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (ms, id) = text.split_once('.')?;
        Some(Cursor {
            created_at_ms: ms.parse().ok()?,
            id: id_is_valid(id).then(|| id.to_owned())?,
        })
    }
}

/// A list's query string: the page size, where to continue (still encoded: its id's kind is
/// the list's to check), and every other parameter in order for the list's own filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Page size, 1 to [`MAX_PAGE`].
    pub limit: u32,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// The other parameters.
    pub filters: Vec<(String, String)>,
}

impl ListQuery {
    /// Reads `limit` and `cursor` out of `query`; a bad `limit` is refused with why.
    pub fn parse(query: &str) -> Result<ListQuery, String> {
        let mut list = ListQuery {
            limit: DEFAULT_PAGE,
            cursor: None,
            filters: Vec::new(),
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "limit" => {
                    list.limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|l| (1..=MAX_PAGE).contains(l))
                        .ok_or_else(|| format!("limit: expected 1 to {MAX_PAGE}"))?;
                }
                "cursor" => list.cursor = Some(value.into_owned()),
                _ => list.filters.push((name.into_owned(), value.into_owned())),
            }
        }
        Ok(list)
    }

    /// The cursor to continue after, if the query gave one; an unreadable one (or one of
    /// another list, by `id_is_valid`) is refused with why.
    pub fn after(&self, id_is_valid: impl Fn(&str) -> bool) -> Result<Option<Cursor>, String> {
        self.cursor
            .as_deref()
            .map(|text| {
                Cursor::decode(text, id_is_valid)
                    .ok_or_else(|| "cursor: not a cursor from a previous page".to_owned())
            })
            .transpose()
    }
}

/// A page cut from rows read with `limit + 1`: the rows to show and the cursor of the next
/// page, if there is one.
pub fn page<T>(
    mut rows: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(key(last).encode()),
        _ => None,
    };
    (rows, next)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const ID: &str = "cd50b1e5-d9fb-43a5-9261-cfc8bbe79fe8";

    fn uuid(id: &str) -> bool {
        uuid::Uuid::try_parse(id).is_ok()
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let cursor = Cursor {
            created_at_ms: 1_795_000_000_123,
            id: ID.into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode(), uuid), Some(cursor));
        for bad in [
            "",
            "zzz",
            &URL_SAFE_NO_PAD.encode("12.not-a-uuid"),
            &URL_SAFE_NO_PAD.encode(format!("x.{ID}")),
            &URL_SAFE_NO_PAD.encode(ID),
        ] {
            assert_eq!(Cursor::decode(bad, uuid), None, "{bad}");
        }
    }

    #[test]
    fn the_query_gives_limit_cursor_and_the_rest_in_order() {
        let q = ListQuery::parse("status=paid&limit=10&cursor=abc&order_id=A%201").unwrap();
        assert_eq!(q.limit, 10);
        assert_eq!(q.cursor.as_deref(), Some("abc"));
        assert_eq!(
            q.filters,
            [
                ("status".to_owned(), "paid".to_owned()),
                ("order_id".to_owned(), "A 1".to_owned())
            ]
        );
        assert_eq!(ListQuery::parse("").unwrap().limit, DEFAULT_PAGE);
        for bad in ["limit=0", "limit=201", "limit=x", "limit=-1"] {
            assert!(ListQuery::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_shows_limit_rows_and_says_whether_more_follow() {
        let key = |n: &i64| Cursor {
            created_at_ms: *n,
            id: ID.into(),
        };
        let (rows, next) = page(vec![5, 4, 3], 2, key);
        assert_eq!(rows, [5, 4]);
        assert_eq!(
            Cursor::decode(&next.unwrap(), uuid).unwrap().created_at_ms,
            4
        );
        assert_eq!(page(vec![5, 4], 2, key), (vec![5, 4], None));
        assert_eq!(page(Vec::<i64>::new(), 2, key), (vec![], None));
    }
}
