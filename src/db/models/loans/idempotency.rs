//! Idempotency keys: a request's key, the hash of its body and, once done, its response.

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
    idempotency_keys::table
        .filter(idempotency_keys::owner.eq(owner.to_string()))
        .filter(idempotency_keys::idem_key.eq(key.to_string()))
        .select(IdemKey::as_select())
        .first(conn)
        .optional()
}

pub fn idem_insert(
    conn: &mut DbConn,
    owner: &str,
    key: &str,
    hash: &str,
    status: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(owner.to_string()),
            idempotency_keys::idem_key.eq(key.to_string()),
            idempotency_keys::request_hash.eq(hash.to_string()),
            idempotency_keys::status.eq(status.to_string()),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes over an abandoned in-flight key (its request died): a new start time.
pub fn idem_restart(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.filter(idempotency_keys::id.eq(id)))
        .set(idempotency_keys::created_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn idem_complete(
    conn: &mut DbConn,
    owner: &str,
    key: &str,
    done: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(owner.to_string()))
            .filter(idempotency_keys::idem_key.eq(key.to_string())),
    )
    .set((
        idempotency_keys::status.eq(done.to_string()),
        idempotency_keys::response_status.eq(Some(status)),
        idempotency_keys::response_body.eq(Some(body.to_string())),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Deletes a key that is still `in_flight` (a finished one stays).
pub fn idem_release(conn: &mut DbConn, owner: &str, key: &str, in_flight: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(owner.to_string()))
            .filter(idempotency_keys::idem_key.eq(key.to_string()))
            .filter(idempotency_keys::status.eq(in_flight.to_string())),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets keys older than `before` (they are kept at least 24 hours).
pub fn idem_purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
