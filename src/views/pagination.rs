//! Cursor pagination shared by every list: `?limit=&cursor=&count=`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Paging parameters, accepted by every list endpoint.
#[derive(Debug, Deserialize, IntoParams, Default, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Also return `total`, the number of items matching the filters.
    pub count: Option<bool>,
}

/// A validated page request: items strictly after `after` in the list's order.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub after: Option<i64>,
    pub count: bool,
}

impl PageParams {
    pub fn page(&self) -> ApiResult<Page> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::field("cursor", "invalid", "not a cursor returned by this list")
            })?),
        };
        Ok(Page {
            limit,
            after,
            count: self.count.unwrap_or(false),
        })
    }
}

pub fn encode_cursor(key: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("k{key}"))
}

pub fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix('k')?
        .parse()
        .ok()
}

impl Page {
    /// Reads this page: `rows(conn, after, limit + 1)` fetches in list order (the extra row
    /// tells whether there is a next page), and `count(conn)` runs only with `count=true`.
    pub fn load<C, T, E>(
        self,
        conn: &mut C,
        rows: impl FnOnce(&mut C, Option<i64>, i64) -> Result<Vec<T>, E>,
        count: impl FnOnce(&mut C) -> Result<i64, E>,
        key: impl Fn(&T) -> i64,
    ) -> Result<ListResponse<T>, E> {
        let fetched = rows(conn, self.after, self.limit + 1)?;
        let total = if self.count { Some(count(conn)?) } else { None };
        Ok(ListResponse::from_rows(fetched, self, total, key))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The number of items matching the filters, with `count=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> ListResponse<T> {
    /// A complete, unpaged list (small reference lists and per-cooperative histories).
    pub fn all(items: Vec<T>) -> Self {
        ListResponse {
            items,
            next_cursor: None,
            total: None,
        }
    }

    /// Builds a page from up to `limit + 1` rows fetched in list order; `key` gives a row's
    /// cursor key (its id).
    pub fn from_rows(
        mut rows: Vec<T>,
        page: Page,
        total: Option<i64>,
        key: impl Fn(&T) -> i64,
    ) -> Self {
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(key(r)))
        } else {
            None
        };
        ListResponse {
            items: rows,
            next_cursor,
            total,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListResponse<U> {
        ListResponse {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("x1")), None);
    }

    #[test]
    fn limit_bounds() {
        let p = |l| {
            PageParams {
                limit: Some(l),
                ..Default::default()
            }
            .page()
        };
        assert!(p(0).is_err());
        assert!(p(201).is_err());
        assert_eq!(p(200).unwrap().limit, 200);
        assert_eq!(PageParams::default().page().unwrap().limit, 50);
    }

    #[test]
    fn from_rows_sets_cursor_only_when_more() {
        let page = Page {
            limit: 2,
            after: None,
            count: false,
        };
        let l = ListResponse::from_rows(vec![1i64, 2, 3], page, None, |r| *r);
        assert_eq!(l.items, vec![1, 2]);
        assert_eq!(l.next_cursor.as_deref().and_then(decode_cursor), Some(2));
        let l = ListResponse::from_rows(vec![1i64, 2], page, None, |r| *r);
        assert!(l.next_cursor.is_none());
    }

    #[test]
    fn load_asks_one_more_row_and_counts_only_when_asked() {
        // The "database": ids 1..=5, read after the cursor; `asked` records each call.
        let mut asked: Vec<String> = Vec::new();
        let rows = |log: &mut Vec<String>, after: Option<i64>, n: i64| {
            log.push(format!("rows after {after:?} limit {n}"));
            Ok::<_, ()>(
                (after.unwrap_or(0) + 1..=5)
                    .take(n as usize)
                    .collect::<Vec<i64>>(),
            )
        };
        let page = Page {
            limit: 2,
            after: Some(1),
            count: false,
        };
        let l = page
            .load(&mut asked, rows, |_| panic!("not asked to count"), |r| *r)
            .unwrap();
        assert_eq!(l.items, vec![2, 3]);
        assert_eq!(l.next_cursor.as_deref().and_then(decode_cursor), Some(3));
        assert_eq!(l.total, None);
        assert_eq!(asked, vec!["rows after Some(1) limit 3"]);
        let counted = Page {
            count: true,
            after: Some(3),
            ..page
        }
        .load(
            &mut asked,
            rows,
            |log| {
                log.push("count".into());
                Ok(5)
            },
            |r| *r,
        )
        .unwrap();
        assert_eq!(counted.items, vec![4, 5]);
        assert_eq!(counted.next_cursor, None);
        assert_eq!(counted.total, Some(5));
        assert_eq!(&asked[1..], ["rows after Some(3) limit 3", "count"]);
    }
}
