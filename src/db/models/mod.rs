//! Diesel models and queries, one module per entity. Functions take `&mut DbConn` and are
//! called inside `web::block` (see `AppState::db`).

pub mod annual_report;
pub mod audit;
pub mod books;
pub mod coop_history;
pub mod cooperative;
pub mod counselor;
pub mod coverage_history;
pub mod demonstration;
pub mod document;
pub mod federation;
pub mod governance;
pub mod loans;
pub mod login_attempt;
pub mod meeting;
pub mod member;
pub mod merger;
pub mod pilot;
pub mod pilot_on;
pub mod reference;
pub mod service;
pub mod session;
pub mod supervision;
pub mod tallies;
pub mod transfer;
pub mod user;
pub mod webhooks;

use chrono::{NaiveDateTime, Timelike, Utc};

/// Now, in UTC, at microsecond precision (what both backends store).
pub fn now() -> NaiveDateTime {
    let n = Utc::now().naive_utc();
    n.with_nanosecond(n.nanosecond() / 1000 * 1000).unwrap_or(n)
}

/// Today's date in UTC.
pub fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}
