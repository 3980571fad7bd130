//! The use cases, one module per context: `pub fn(conn, &Caller, input) -> ApiResult<View>`.
//!
//! Each use case loads, checks the rule, writes, audits and emits its event inside the
//! transaction it is handed (the handler opens it with `AppState::db`/`db_write`). No HTTP
//! types here; services may call services; handlers never call `crate::db` directly.

pub mod audit;
pub mod auth;
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
pub mod standardisation;
pub mod supervision;
pub mod transfer;
pub mod webhooks;

use crate::error::{ApiError, ApiResult};

/// 412 unless the demanded version is the current one.
pub fn check_version(demanded: Option<i32>, current: i32) -> ApiResult<()> {
    match demanded {
        Some(v) if v != current => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}
