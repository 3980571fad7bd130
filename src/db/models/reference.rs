//! Reference data loaded by migration: towns and industries.

use diesel::prelude::*;

use crate::db::schema::{industries, towns};
use crate::db::DbConn;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = towns)]
pub struct Town {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = industries)]
pub struct Industry {
    pub code: String,
    pub name: String,
    pub specialty: bool,
}

pub fn all_towns(conn: &mut DbConn) -> QueryResult<Vec<Town>> {
    towns::table
        .order(towns::sort_order)
        .select(Town::as_select())
        .load(conn)
}

pub fn all_industries(conn: &mut DbConn) -> QueryResult<Vec<Industry>> {
    industries::table
        .order(industries::sort_order)
        .select(Industry::as_select())
        .load(conn)
}

pub fn town_exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        towns::table.filter(towns::code.eq(code)),
    ))
    .get_result(conn)
}

/// The codes among `codes` that are not known industries.
pub fn unknown_industries(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<String>> {
    let known: Vec<String> = industries::table
        .filter(industries::code.eq_any(codes))
        .select(industries::code)
        .load(conn)?;
    Ok(codes
        .iter()
        .filter(|c| !known.contains(c))
        .cloned()
        .collect())
}
