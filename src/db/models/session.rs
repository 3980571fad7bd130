//! Login sessions and their rotating refresh tokens (kept only as SHA-256 hashes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, sessions};
use crate::db::DbConn;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub session_id: i64,
    pub token_hash: String,
    pub credentials_version: i64,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub spent_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub session_id: i64,
    pub token_hash: &'a str,
    pub credentials_version: i64,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn create_session(conn: &mut DbConn, user_id: i64, at: NaiveDateTime) -> QueryResult<Session> {
    diesel::insert_into(sessions::table)
        .values((sessions::user_id.eq(user_id), sessions::created_at.eq(at)))
        .get_result(conn)
}

pub fn insert_token(conn: &mut DbConn, new: &NewRefreshToken) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// The refresh token with this hash and its session.
pub fn find_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(RefreshToken, Session)>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((RefreshToken::as_select(), Session::as_select()))
        .first(conn)
        .optional()
}

/// Spends a token; `false` when it was spent already (a concurrent use got there first).
pub fn spend(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::spent_at.is_null()),
    )
    .set(refresh_tokens::spent_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends a session (and so every refresh and access token of its chain); `false` if it had
/// ended already.
pub fn revoke(conn: &mut DbConn, id: i64, reason: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(at),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Whether a session has ended (`None`: no such session). One primary-key read.
pub fn revoked(conn: &mut DbConn, id: i64) -> QueryResult<Option<bool>> {
    sessions::table
        .filter(sessions::id.eq(id))
        .select(sessions::revoked_at.is_not_null())
        .first(conn)
        .optional()
}
