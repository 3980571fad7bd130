//! The bulk queries of the registry's CSV import: which USCCs are registered already, and
//! many cooperatives with their industries inserted at once.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::models::cooperative::NewCooperative;
use crate::db::schema::{cooperative_industries, cooperatives};
use crate::db::DbConn;

/// How many values go into one query (13 columns × 500 rows stays far below both backends'
/// bind-parameter limits).
pub const CHUNK: usize = 500;

/// The USCCs among `codes` that are already registered.
pub fn registered_usccs(conn: &mut DbConn, codes: &[&String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in codes.chunks(CHUNK) {
        let chunk: Vec<String> = chunk.iter().map(|s| (*s).clone()).collect();
        let rows: Vec<String> = cooperatives::table
            .filter(cooperatives::uscc.eq_any(chunk))
            .select(cooperatives::uscc)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Inserts the cooperatives in multi-row inserts; returns their ids by USCC (`RETURNING`'s
/// row order is not guaranteed, SQLite says so).
pub fn insert_cooperatives(
    conn: &mut DbConn,
    rows: &[&NewCooperative],
) -> QueryResult<HashMap<String, i64>> {
    let mut ids_by_uscc = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let inserted: Vec<(i64, String)> =
            crate::on_inner!(conn, |c| diesel::insert_into(cooperatives::table)
                .values(chunk.to_vec())
                .returning((cooperatives::id, cooperatives::uscc))
                .get_results(c))?;
        ids_by_uscc.extend(inserted.into_iter().map(|(id, u)| (u, id)));
    }
    Ok(ids_by_uscc)
}

/// One industry of one cooperative.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = cooperative_industries)]
pub struct NewIndustry {
    pub cooperative_id: i64,
    pub industry_code: String,
}

/// Inserts the industries of newly registered cooperatives.
pub fn insert_industries(conn: &mut DbConn, rows: &[NewIndustry]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK * 4) {
        crate::on_inner!(conn, |c| diesel::insert_into(cooperative_industries::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}
