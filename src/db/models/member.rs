//! The member ledger (成员台账).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::members;
use crate::db::{Backend, DbConn};
use crate::domain::member::{ContributionForm, MemberType};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: i64,
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    /// The whole number: never logged, never returned (see `domain::id_number::mask`).
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = members)]
pub struct NewMember {
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = members)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub member_type: Option<MemberType>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub contribution_fen: Option<i64>,
    pub contribution_form: Option<ContributionForm>,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub version: i32,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default, Clone)]
pub struct MemberFilter {
    pub member_type: Option<MemberType>,
    /// `Some(true)`: active only; `Some(false)`: exited only.
    pub active: Option<bool>,
}

fn filtered(cooperative_id: i64, f: &MemberFilter) -> members::BoxedQuery<'static, Backend> {
    let mut q = members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .into_boxed::<Backend>();
    if let Some(t) = &f.member_type {
        q = q.filter(members::member_type.eq(*t));
    }
    match f.active {
        Some(true) => q = q.filter(members::exited_on.is_null()),
        Some(false) => q = q.filter(members::exited_on.is_not_null()),
        None => {}
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    cooperative_id: i64,
    f: &MemberFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut q = filtered(cooperative_id, f);
    if let Some(a) = after {
        q = q.filter(members::id.gt(a));
    }
    q.order(members::id.asc())
        .limit(limit)
        .select(Member::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, cooperative_id: i64, f: &MemberFilter) -> QueryResult<i64> {
    filtered(cooperative_id, f).count().get_result(conn)
}

pub fn find(conn: &mut DbConn, cooperative_id: i64, id: i64) -> QueryResult<Member> {
    members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::id.eq(id))
        .select(Member::as_select())
        .first(conn)
}

/// Whether an active member of the cooperative has this ID number (other than `except`).
pub fn active_id_number_taken(
    conn: &mut DbConn,
    cooperative_id: i64,
    id_number: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::id_number.eq(id_number.to_string()))
        .filter(members::exited_on.is_null())
        .into_boxed::<Backend>();
    if let Some(id) = except {
        q = q.filter(members::id.ne(id));
    }
    q.count().get_result::<i64>(conn).map(|n| n > 0)
}

pub fn insert(conn: &mut DbConn, new: &NewMember) -> QueryResult<Member> {
    diesel::insert_into(members::table)
        .values(new)
        .get_result(conn)
}

/// Inserts many members at once (demo data, merges).
pub fn insert_many(conn: &mut DbConn, rows: &[NewMember]) -> QueryResult<usize> {
    crate::on_inner!(conn, |c| diesel::insert_into(members::table)
        .values(rows)
        .execute(c))
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    changes: &MemberChanges,
) -> QueryResult<Option<Member>> {
    let n = diesel::update(
        members::table
            .filter(members::id.eq(id))
            .filter(members::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    members::table
        .filter(members::id.eq(id))
        .select(Member::as_select())
        .first(conn)
        .map(Some)
}

/// An active member, as the registry's summaries and checks count it.
#[derive(Queryable, Selectable, Debug, Clone, Copy, PartialEq, Eq)]
#[diesel(table_name = members)]
pub struct ActiveMember {
    pub cooperative_id: i64,
    pub member_type: MemberType,
    pub contribution_fen: i64,
}

/// Active members of the given cooperatives.
pub fn active(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<Vec<ActiveMember>> {
    members::table
        .filter(members::cooperative_id.eq_any(cooperative_ids))
        .filter(members::exited_on.is_null())
        .select(ActiveMember::as_select())
        .load(conn)
}

/// Active members of the given cooperatives: (cooperative_id, member_type, contribution_fen).
/// Kept for the callers outside the registry until they take [`active`]; the type is read
/// typed (an unknown stored type is an error) and handed on as its text.
pub fn active_rows(
    conn: &mut DbConn,
    cooperative_ids: &[i64],
) -> QueryResult<Vec<(i64, String, i64)>> {
    Ok(active(conn, cooperative_ids)?
        .into_iter()
        .map(|m| {
            (
                m.cooperative_id,
                m.member_type.as_str().to_string(),
                m.contribution_fen,
            )
        })
        .collect())
}

/// Active members of one cooperative: how many of each type, and their contributions.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub by_type: HashMap<String, i64>,
    pub total_contribution_fen: i64,
}

/// Per cooperative: member count by type and total contributions of active members.
pub fn summaries(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<HashMap<i64, Counts>> {
    let mut out: HashMap<i64, Counts> = HashMap::new();
    for m in active(conn, cooperative_ids)? {
        let entry = out.entry(m.cooperative_id).or_default();
        *entry
            .by_type
            .entry(m.member_type.as_str().to_string())
            .or_default() += 1;
        entry.total_contribution_fen = entry
            .total_contribution_fen
            .saturating_add(m.contribution_fen);
    }
    Ok(out)
}

/// All active members of a cooperative (for merges and exports).
pub fn active_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::exited_on.is_null())
        .order(members::id.asc())
        .select(Member::as_select())
        .load(conn)
}

/// Moves members to another cooperative.
pub fn reassign(
    conn: &mut DbConn,
    ids: &[i64],
    into: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(members::table.filter(members::id.eq_any(ids)))
        .set((
            members::cooperative_id.eq(into),
            members::updated_at.eq(at),
            members::version.eq(members::version + 1),
        ))
        .execute(conn)
}
