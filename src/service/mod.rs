//! The use cases, one module per context: `pub fn(conn, &Caller, input) -> ApiResult<View>`.
//!
//! Each use case loads, checks the rule, writes, audits and emits its event inside the
//! transaction it is handed (the handler opens it with `AppState::db`/`db_write`). No HTTP
//! types here; services may call services; handlers never call `crate::db` directly.

pub mod audit;
pub mod auth;
pub mod books;
pub mod cooperatives;
pub mod counselors;
pub mod demonstration;
pub mod federations;
pub mod health;
pub mod idempotency;
pub mod loans;
pub mod members;
pub mod orders;
pub mod partners;
pub mod pilot;
pub mod reference;
pub mod sessions;
pub mod standardisation;
pub mod supervision;
pub mod transfer;
pub mod users;
pub mod webhooks;
pub mod worklists;

use diesel::QueryResult;

use crate::auth::{Access, Caller, Resource};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::pagination::{ListResponse, PageParams};

/// One page of a cooperative's own records (its members, documents, meetings): the caller
/// must read member ledgers (403) and see the cooperative (404 otherwise, as for a missing
/// one). `rows` and `count` are the list's queries, as for [`crate::views::pagination::Page::load`].
pub fn coop_page<T>(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    page: &PageParams,
    rows: impl FnOnce(&mut DbConn, Option<i64>, i64) -> QueryResult<Vec<T>>,
    count: impl FnOnce(&mut DbConn) -> QueryResult<i64>,
    key: impl Fn(&T) -> i64,
) -> ApiResult<ListResponse<T>> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let page = page.page()?;
    caller.cooperative(conn, coop_id)?;
    Ok(page.load(conn, rows, count, key)?)
}

/// 412 unless the demanded version is the current one.
pub fn check_version(demanded: Option<i32>, current: i32) -> ApiResult<()> {
    match demanded {
        Some(v) if v != current => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// The field problems of one use case, gathered across its rules (the body's `validator`
/// rules, identifiers, references) and answered as one 422, so a form marks every field at
/// fault in one round trip.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Starts with the body's own field rules.
    pub fn of(body: &impl validator::Validate) -> Self {
        match body.validate().map_err(ApiError::from) {
            Err(ApiError::Validation(v)) => Problems(v),
            _ => Problems::default(),
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Keeps a rule's 422 problems and goes on (`None`); any other error ends the use case.
    pub fn check<T>(&mut self, rule: ApiResult<T>) -> ApiResult<Option<T>> {
        match rule {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::Validation(v)) => {
                self.0.extend(v);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn extend(&mut self, more: Vec<FieldError>) {
        self.0.extend(more);
    }

    /// 422 naming every problem, if there is one.
    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}
