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

use crate::error::{ApiError, ApiResult, FieldError};

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
