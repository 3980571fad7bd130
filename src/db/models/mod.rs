//! Diesel models and queries, one module per entity. Functions take `&mut DbConn` and are
//! called inside `web::block` (see `AppState::db`).

pub mod audit;
pub mod cooperative;
pub mod loans;
pub mod reference;
pub mod user;
pub mod webhooks;

use chrono::{NaiveDateTime, Timelike, Utc};

/// Now, in UTC, at microsecond precision (what both backends store).
pub fn now() -> NaiveDateTime {
    let n = Utc::now().naive_utc();
    n.with_nanosecond(n.nanosecond() / 1000 * 1000).unwrap_or(n)
}
