//! Partner banks' machine clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::partners;
use crate::db::{Backend, DbConn};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = partners)]
pub struct Partner {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by every rotation and disabling: tokens carrying an older one are refused.
    pub credentials_version: i64,
}

#[derive(Insertable)]
#[diesel(table_name = partners)]
pub struct NewPartner {
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_partner(conn: &mut DbConn, p: &NewPartner) -> QueryResult<Partner> {
    diesel::insert_into(partners::table)
        .values(p)
        .get_result(conn)
}

pub fn partner(conn: &mut DbConn, id: i64) -> QueryResult<Partner> {
    partners::table
        .filter(partners::id.eq(id))
        .select(Partner::as_select())
        .first(conn)
}

pub fn partner_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<Partner>> {
    partners::table
        .filter(partners::client_id.eq(client_id.to_string()))
        .select(Partner::as_select())
        .first(conn)
        .optional()
}

pub fn list_partners(
    conn: &mut DbConn,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Partner>> {
    let mut q = partners::table.into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(partners::id.gt(a));
    }
    q.order(partners::id.asc())
        .limit(limit)
        .select(Partner::as_select())
        .load(conn)
}

pub fn update_partner(
    conn: &mut DbConn,
    id: i64,
    disabled: Option<bool>,
    secret_hash: Option<String>,
    at: NaiveDateTime,
) -> QueryResult<Partner> {
    let target = partners::table.filter(partners::id.eq(id));
    if let Some(d) = disabled {
        diesel::update(target)
            .set((
                partners::disabled.eq(d),
                partners::updated_at.eq(at),
                partners::credentials_version.eq(partners::credentials_version + 1),
            ))
            .execute(conn)?;
    }
    if let Some(h) = secret_hash {
        diesel::update(partners::table.filter(partners::id.eq(id)))
            .set((
                partners::secret_hash.eq(h),
                partners::updated_at.eq(at),
                partners::credentials_version.eq(partners::credentials_version + 1),
            ))
            .execute(conn)?;
    }
    partner(conn, id)
}

/// The credentials version and the disabled flag of a partner client (one primary-key read).
pub fn partner_credentials(conn: &mut DbConn, id: i64) -> QueryResult<Option<(i64, bool)>> {
    partners::table
        .filter(partners::id.eq(id))
        .select((partners::credentials_version, partners::disabled))
        .first(conn)
        .optional()
}

/// Whether a bank has a working integration (an enabled partner client). Without one, the
/// district acts for the bank.
pub fn bank_has_integration(conn: &mut DbConn, bank_code: &str) -> QueryResult<bool> {
    partners::table
        .filter(partners::bank_code.eq(bank_code.to_string()))
        .filter(partners::disabled.eq(false))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}
