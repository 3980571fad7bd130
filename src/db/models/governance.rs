//! Governance bodies and the charter, one row per cooperative.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::governance;
use crate::db::DbConn;
use crate::domain::compliance::Bookkeeping;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = governance, treat_none_as_null = true)]
pub struct Governance {
    pub cooperative_id: i64,
    pub charter_adopted_on: Option<NaiveDate>,
    pub member_assembly: bool,
    pub board_chair: Option<String>,
    /// JSON array of names.
    pub board_members: String,
    /// JSON array of names.
    pub supervisors: String,
    pub bookkeeping: Option<Bookkeeping>,
    pub bookkeeper: Option<String>,
    /// JSON array of channel codes.
    pub disclosure_channels: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

impl Governance {
    pub fn list(json: &str) -> Vec<String> {
        serde_json::from_str(json).unwrap_or_default()
    }
}

pub fn find(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Option<Governance>> {
    governance::table
        .filter(governance::cooperative_id.eq(cooperative_id))
        .select(Governance::as_select())
        .first(conn)
        .optional()
}

/// The governance rows of these cooperatives (those that have one).
pub fn find_many(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<Vec<Governance>> {
    governance::table
        .filter(governance::cooperative_id.eq_any(cooperative_ids))
        .select(Governance::as_select())
        .load(conn)
}

/// Inserts or replaces the row (the caller checked the version).
pub fn save(conn: &mut DbConn, row: &Governance, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(governance::table.filter(governance::cooperative_id.eq(row.cooperative_id)))
            .set(row)
            .execute(conn)?;
    } else {
        diesel::insert_into(governance::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
