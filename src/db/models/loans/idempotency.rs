//! Idempotency keys: a request's key, the hash of its body and its response, written in the
//! transaction of the request's change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::DbConn;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = idempotency_keys)]
pub struct IdemKey {
    pub id: i64,
    pub owner: String,
    pub idem_key: String,
    pub request_hash: String,
    pub status: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn idem_find(conn: &mut DbConn, owner: &str, key: &str) -> QueryResult<Option<IdemKey>> {
    crate::on_inner!(conn, |c| idempotency_keys::table
        .filter(idempotency_keys::owner.eq(owner))
        .filter(idempotency_keys::idem_key.eq(key))
        .select(IdemKey::as_select())
        .get_result(c)
        .optional())
}

/// Stores a key with the response of its request (in that request's transaction): `false`
/// when the key is `done` already, stored by a request that committed first (see
/// [`crate::db::hot_sql::StoreKey`]).
pub fn idem_store_done(conn: &mut DbConn, key: crate::db::hot_sql::StoreKey) -> QueryResult<bool> {
    crate::on_inner!(conn, |c| key.execute(c).map(|n| n == 1))
}

/// Forgets keys older than `before` (they are kept at least 24 hours).
pub fn idem_purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
