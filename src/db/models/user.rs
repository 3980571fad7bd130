//! User accounts (people and their roles; bank systems use partner clients instead).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::domain::role::Role;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub town_code: Option<String>,
    pub cooperative_id: Option<i64>,
    pub bank_code: Option<String>,
    pub counselor_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// Bumped whenever the account's tokens must stop working (disabling it, for one).
    pub credentials_version: i64,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub town_code: Option<String>,
    pub cooperative_id: Option<i64>,
    pub bank_code: Option<String>,
    pub counselor_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .get_result(conn)
}

/// Whether a counselor already has a login.
pub fn counselor_has_login(conn: &mut DbConn, counselor_id: i64) -> QueryResult<bool> {
    users::table
        .filter(users::counselor_id.eq(counselor_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// The credentials version and the disabled flag of a user (one primary-key read).
pub fn credentials(conn: &mut DbConn, id: i64) -> QueryResult<Option<(i64, bool)>> {
    users::table
        .filter(users::id.eq(id))
        .select((users::credentials_version, users::disabled))
        .first(conn)
        .optional()
}

/// Disables (or enables) a user; either way its tokens stop working.
pub fn set_disabled(conn: &mut DbConn, id: i64, disabled: bool) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::disabled.eq(disabled),
            users::credentials_version.eq(users::credentials_version + 1),
        ))
        .execute(conn)
}
