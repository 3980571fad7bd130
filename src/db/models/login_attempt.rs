//! The login limiter's slots, shared by every instance (see `service::auth::admit_shared`).

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::db::schema::login_attempts;
use crate::db::DbConn;

/// Serialises the limiter's check-then-take across instances. PostgreSQL: a transaction-scoped
/// advisory lock; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn lock(conn: &mut DbConn) -> QueryResult<()> {
    /// The lock's key: "LOGINLIM" in ASCII.
    const LOGIN_LOCK: i64 = 0x4c4f_4749_4e4c_494d;
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOGIN_LOCK})")).execute(c)?;
    }
    Ok(())
}

/// How many attempts hold `slot` since `since`, and the oldest of them.
pub fn held_since(
    conn: &mut DbConn,
    slot: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_attempts::table
        .filter(login_attempts::slot.eq(slot))
        .filter(login_attempts::attempted_at.gt(since))
        .select((count_star(), min(login_attempts::attempted_at)))
        .first(conn)
}

pub fn take(conn: &mut DbConn, slot: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::slot.eq(slot),
            login_attempts::attempted_at.eq(at),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
}

pub fn give_back(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::id.eq_any(ids))).execute(conn)
}

/// Forgets attempts older than any window.
pub fn sweep(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.le(before)))
        .execute(conn)
}
