//! A cooperative's past states (status, tier, title), for the dashboard's as-of figures.
//!
//! The state in force is the `cooperatives` row itself. Each change of a derived column
//! closes the state before it into `cooperative_history` as `[valid_from, valid_to)`, in the
//! same transaction: `valid_from` is the day the previous change took effect (or the day the
//! cooperative was registered, `established_on`), `valid_to` the day this change takes effect.
//! A change dated before the last recorded change takes effect on that last change's day, so
//! the intervals of one cooperative never overlap.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::cooperative::Cooperative;
use crate::db::schema::cooperative_history;
use crate::db::DbConn;
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = cooperative_history)]
struct NewState {
    cooperative_id: i64,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    status: CoopStatus,
    tier: Option<Tier>,
    demonstration_level: Option<DemonstrationLevel>,
}

/// The day the state in force began: the last change's day, else registration.
pub fn state_since(conn: &mut DbConn, c: &Cooperative) -> QueryResult<NaiveDate> {
    let last: Option<NaiveDate> = cooperative_history::table
        .filter(cooperative_history::cooperative_id.eq(c.id))
        .select(diesel::dsl::max(cooperative_history::valid_to))
        .first(conn)?;
    Ok(last.map_or(c.established_on, |d| d.max(c.established_on)))
}

/// Records that `before` (the row as it was) stops being in force on `effective_on`; a state
/// that held no whole day (changed again the same day) leaves no row.
pub fn close_state(
    conn: &mut DbConn,
    before: &Cooperative,
    effective_on: NaiveDate,
) -> QueryResult<()> {
    let since = state_since(conn, before)?;
    let until = effective_on.max(since);
    if until == since {
        return Ok(());
    }
    diesel::insert_into(cooperative_history::table)
        .values(NewState {
            cooperative_id: before.id,
            valid_from: since,
            valid_to: until,
            status: before.status,
            tier: before.tier,
            demonstration_level: before.demonstration_level,
        })
        .execute(conn)?;
    Ok(())
}
