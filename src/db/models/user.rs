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
    /// Bumped whenever the account's tokens must stop working (disabled, re-scoped, a new
    /// password).
    pub credentials_version: i64,
    /// Bumped by every change: the `ETag`.
    pub version: i32,
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

/// A user's role and the scope that role uses (the other scope columns are null).
#[derive(AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserScope {
    pub role: Role,
    pub town_code: Option<String>,
    pub cooperative_id: Option<i64>,
    pub bank_code: Option<String>,
    pub counselor_id: Option<i64>,
}

impl User {
    pub fn scope(&self) -> UserScope {
        UserScope {
            role: self.role,
            town_code: self.town_code.clone(),
            cooperative_id: self.cooperative_id,
            bank_code: self.bank_code.clone(),
            counselor_id: self.counselor_id,
        }
    }
}

/// Filters of the user list.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub town_code: Option<String>,
    pub disabled: Option<bool>,
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    users::table
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(conn)
}

fn filtered(f: &UserFilter) -> users::BoxedQuery<'static, crate::db::Backend> {
    let mut q = users::table.into_boxed();
    if let Some(r) = f.role {
        q = q.filter(users::role.eq(r));
    }
    if let Some(t) = f.town_code.clone() {
        q = q.filter(users::town_code.eq(t));
    }
    if let Some(d) = f.disabled {
        q = q.filter(users::disabled.eq(d));
    }
    q
}

/// Users matching the filters with ids after `after`, by id, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    f: &UserFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(users::id.gt(a));
    }
    q.order(users::id.asc())
        .limit(limit)
        .select(User::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, f: &UserFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// The number of enabled district admins other than `except`.
pub fn other_enabled_admins(conn: &mut DbConn, except: i64) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::DistrictAdmin))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .get_result(conn)
}

/// The user id of a counselor's login, if it has one.
pub fn login_of_counselor(conn: &mut DbConn, counselor_id: i64) -> QueryResult<Option<i64>> {
    users::table
        .filter(users::counselor_id.eq(counselor_id))
        .select(users::id)
        .first(conn)
        .optional()
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
pub fn set_disabled(conn: &mut DbConn, id: i64, disabled: bool) -> QueryResult<User> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::disabled.eq(disabled),
            users::credentials_version.eq(users::credentials_version + 1),
            users::version.eq(users::version + 1),
        ))
        .get_result(conn)
}

/// Gives a user another role or scope; every token issued before stops working.
pub fn set_scope(conn: &mut DbConn, id: i64, scope: &UserScope) -> QueryResult<User> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            scope,
            users::credentials_version.eq(users::credentials_version + 1),
            users::version.eq(users::version + 1),
        ))
        .get_result(conn)
}

/// Stores a new password hash; every token issued before stops working.
pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<User> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::password_hash.eq(hash),
            users::credentials_version.eq(users::credentials_version + 1),
            users::version.eq(users::version + 1),
        ))
        .get_result(conn)
}
