//! Federations (联合社) and industrial consortia (产业化联合体), and their members.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{cooperatives, federation_members, federations};
use crate::db::{Backend, DbConn};
use crate::domain::federation::{
    FederationKind, FederationStatus, MemberKind, MemberRole, MIN_UNION_MEMBER_COOPERATIVES,
};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = federations)]
pub struct Federation {
    pub id: i64,
    pub name: String,
    pub kind: FederationKind,
    pub industry_code: String,
    pub uscc: Option<String>,
    pub town_code: Option<String>,
    pub status: FederationStatus,
    pub activated_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = federations)]
pub struct NewFederation {
    pub name: String,
    pub kind: FederationKind,
    pub industry_code: String,
    pub uscc: Option<String>,
    pub town_code: Option<String>,
    pub status: FederationStatus,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update; `None` leaves a column as it is (`Some(None)` clears a nullable one).
#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = federations)]
pub struct FederationChanges {
    pub name: Option<String>,
    pub industry_code: Option<String>,
    pub uscc: Option<Option<String>>,
    pub town_code: Option<Option<String>>,
}

impl FederationChanges {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.industry_code.is_none()
            && self.uscc.is_none()
            && self.town_code.is_none()
    }
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = federation_members)]
pub struct FederationMember {
    pub id: i64,
    pub federation_id: i64,
    pub member_kind: MemberKind,
    pub cooperative_id: Option<i64>,
    pub name: String,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = federation_members)]
pub struct NewFederationMember {
    pub federation_id: i64,
    pub member_kind: MemberKind,
    pub cooperative_id: Option<i64>,
    pub name: String,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

/// List filters (already validated).
#[derive(Debug, Default, Clone)]
pub struct FederationFilter {
    pub kind: Option<FederationKind>,
    pub industry: Option<String>,
    pub town_code: Option<String>,
    pub status: Option<FederationStatus>,
}

fn filtered(f: &FederationFilter) -> federations::BoxedQuery<'static, Backend> {
    let mut q = federations::table.into_boxed::<Backend>();
    if let Some(v) = &f.kind {
        q = q.filter(federations::kind.eq(*v));
    }
    if let Some(v) = &f.industry {
        q = q.filter(federations::industry_code.eq(v.clone()));
    }
    if let Some(v) = &f.town_code {
        q = q.filter(federations::town_code.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(federations::status.eq(*v));
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    f: &FederationFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Federation>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(federations::id.gt(a));
    }
    q.order(federations::id.asc())
        .limit(limit)
        .select(Federation::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, f: &FederationFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// Every federation, in id order (for the by-industry view; a district has a handful).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Federation>> {
    federations::table
        .order(federations::id.asc())
        .select(Federation::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Federation> {
    federations::table
        .filter(federations::id.eq(id))
        .select(Federation::as_select())
        .first(conn)
}

/// Is this USCC used by another federation or by any cooperative?
pub fn uscc_taken(conn: &mut DbConn, uscc: &str, except_id: Option<i64>) -> QueryResult<bool> {
    let mut q = federations::table
        .filter(federations::uscc.eq(uscc.to_string()))
        .into_boxed::<Backend>();
    if let Some(id) = except_id {
        q = q.filter(federations::id.ne(id));
    }
    if q.count().get_result::<i64>(conn)? > 0 {
        return Ok(true);
    }
    crate::db::models::cooperative::uscc_taken(conn, uscc, None)
}

pub fn insert(conn: &mut DbConn, new: &NewFederation) -> QueryResult<Federation> {
    diesel::insert_into(federations::table)
        .values(new)
        .get_result(conn)
}

/// Applies changes and bumps the version if it is still `expected_version`; `None` when
/// another writer got there first.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    changes: &FederationChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<Federation>> {
    let target = federations::table
        .filter(federations::id.eq(id))
        .filter(federations::version.eq(expected_version));
    let bump = (
        federations::version.eq(expected_version + 1),
        federations::updated_at.eq(at),
    );
    let n = if changes.is_empty() {
        diesel::update(target).set(bump).execute(conn)?
    } else {
        diesel::update(target).set((changes, bump)).execute(conn)?
    };
    if n == 0 {
        return Ok(None);
    }
    find(conn, id).map(Some)
}

/// Marks a federation active as of `on`.
pub fn activate(
    conn: &mut DbConn,
    id: i64,
    on: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<Federation> {
    diesel::update(federations::table.filter(federations::id.eq(id)))
        .set((
            federations::status.eq(FederationStatus::Active),
            federations::activated_on.eq(Some(on)),
            federations::version.eq(federations::version + 1),
            federations::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// Takes the federation's row lock for the rest of the transaction (a no-op update: on
/// PostgreSQL concurrent member changes and activation of one federation then run one after
/// the other, so the "at least 3 cooperatives" rule cannot be raced; SQLite's `BEGIN
/// IMMEDIATE` serialises writers anyway). `false` when there is no such federation.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::update(federations::table.filter(federations::id.eq(id)))
        .set(federations::version.eq(federations::version))
        .execute(conn)
        .map(|n| n > 0)
}

/// Bumps the version of a federation whose members changed.
pub fn touch(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(federations::table.filter(federations::id.eq(id)))
        .set((
            federations::version.eq(federations::version + 1),
            federations::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Members of one federation, in id order, after the cursor.
pub fn members(
    conn: &mut DbConn,
    federation_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<FederationMember>> {
    let mut q = federation_members::table
        .filter(federation_members::federation_id.eq(federation_id))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(federation_members::id.gt(a));
    }
    q.order(federation_members::id.asc())
        .limit(limit)
        .select(FederationMember::as_select())
        .load(conn)
}

pub fn member_count(conn: &mut DbConn, federation_id: i64) -> QueryResult<i64> {
    federation_members::table
        .filter(federation_members::federation_id.eq(federation_id))
        .count()
        .get_result(conn)
}

pub fn find_member(
    conn: &mut DbConn,
    federation_id: i64,
    member_id: i64,
) -> QueryResult<FederationMember> {
    federation_members::table
        .filter(federation_members::federation_id.eq(federation_id))
        .filter(federation_members::id.eq(member_id))
        .select(FederationMember::as_select())
        .first(conn)
}

/// Counts per federation: (members, member cooperatives, has a lead).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberStats {
    pub members: i64,
    pub cooperatives: i64,
    pub has_lead: bool,
}

pub fn member_stats(
    conn: &mut DbConn,
    federation_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, MemberStats>> {
    let rows: Vec<(i64, MemberKind, MemberRole)> = federation_members::table
        .filter(federation_members::federation_id.eq_any(federation_ids))
        .select((
            federation_members::federation_id,
            federation_members::member_kind,
            federation_members::role,
        ))
        .load(conn)?;
    let mut map: std::collections::HashMap<i64, MemberStats> = federation_ids
        .iter()
        .map(|id| (*id, MemberStats::default()))
        .collect();
    for (id, kind, role) in rows {
        let s = map.entry(id).or_default();
        s.members += 1;
        if kind == MemberKind::Cooperative {
            s.cooperatives += 1;
        }
        if role == MemberRole::Lead {
            s.has_lead = true;
        }
    }
    Ok(map)
}

/// The membership of cooperative `cooperative_id` in a federation, or `NotFound`.
pub fn member_id_of_cooperative(
    conn: &mut DbConn,
    federation_id: i64,
    cooperative_id: i64,
) -> QueryResult<i64> {
    federation_members::table
        .filter(federation_members::federation_id.eq(federation_id))
        .filter(federation_members::cooperative_id.eq(cooperative_id))
        .select(federation_members::id)
        .first(conn)
}

pub fn is_member(conn: &mut DbConn, federation_id: i64, cooperative_id: i64) -> QueryResult<bool> {
    federation_members::table
        .filter(federation_members::federation_id.eq(federation_id))
        .filter(federation_members::cooperative_id.eq(cooperative_id))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

pub fn insert_member(
    conn: &mut DbConn,
    new: &NewFederationMember,
) -> QueryResult<FederationMember> {
    diesel::insert_into(federation_members::table)
        .values(new)
        .get_result(conn)
}

pub fn delete_member(conn: &mut DbConn, member_id: i64) -> QueryResult<usize> {
    diesel::delete(federation_members::table.filter(federation_members::id.eq(member_id)))
        .execute(conn)
}

/// What [`move_memberships`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MovedMemberships {
    /// The memberships now held by the target cooperative (as they are after the move).
    pub moved: Vec<FederationMember>,
    /// The source's memberships in federations the target already belonged to: removed, not
    /// moved (a cooperative appears at most once per federation). Where such a membership
    /// was the `lead`, the target's membership takes over the lead role.
    pub skipped: Vec<FederationMember>,
    /// Active union cooperatives left with fewer than 3 member cooperatives because a
    /// skipped membership was removed: the caller decides whether to refuse the merger (409)
    /// or to report it.
    pub unions_below_minimum: Vec<i64>,
}

/// Moves every federation membership of cooperative `from_coop_id` to `into_coop_id` (for a
/// merger, 兼并/合并). Memberships in federations the target already belongs to are skipped
/// and removed. Every federation touched gets a new version. Runs inside the caller's
/// transaction; the caller records the audit event.
pub fn move_memberships(
    conn: &mut DbConn,
    from_coop_id: i64,
    into_coop_id: i64,
) -> QueryResult<MovedMemberships> {
    let mut outcome = MovedMemberships::default();
    if from_coop_id == into_coop_id {
        return Ok(outcome);
    }
    let target_name: String = cooperatives::table
        .filter(cooperatives::id.eq(into_coop_id))
        .select(cooperatives::name)
        .first(conn)?;
    let rows: Vec<FederationMember> = federation_members::table
        .filter(federation_members::cooperative_id.eq(from_coop_id))
        .order(federation_members::id.asc())
        .select(FederationMember::as_select())
        .load(conn)?;
    let at = crate::db::models::now();
    for row in rows {
        lock(conn, row.federation_id)?;
        touch(conn, row.federation_id, at)?;
        let existing: Option<FederationMember> = federation_members::table
            .filter(federation_members::federation_id.eq(row.federation_id))
            .filter(federation_members::cooperative_id.eq(into_coop_id))
            .select(FederationMember::as_select())
            .first(conn)
            .optional()?;
        match existing {
            Some(target) => {
                delete_member(conn, row.id)?;
                if row.role == MemberRole::Lead && target.role != MemberRole::Lead {
                    diesel::update(
                        federation_members::table.filter(federation_members::id.eq(target.id)),
                    )
                    .set(federation_members::role.eq(MemberRole::Lead))
                    .execute(conn)?;
                }
                let f = find(conn, row.federation_id)?;
                if f.kind == FederationKind::UnionCooperative
                    && f.status == FederationStatus::Active
                {
                    let left = member_stats(conn, &[f.id])?
                        .get(&f.id)
                        .map(|s| s.cooperatives)
                        .unwrap_or(0);
                    if left < MIN_UNION_MEMBER_COOPERATIVES {
                        outcome.unions_below_minimum.push(f.id);
                    }
                }
                outcome.skipped.push(row);
            }
            None => {
                diesel::update(federation_members::table.filter(federation_members::id.eq(row.id)))
                    .set((
                        federation_members::cooperative_id.eq(Some(into_coop_id)),
                        federation_members::name.eq(target_name.clone()),
                    ))
                    .execute(conn)?;
                outcome.moved.push(FederationMember {
                    cooperative_id: Some(into_coop_id),
                    name: target_name.clone(),
                    ..row
                });
            }
        }
    }
    Ok(outcome)
}

/// The federations a cooperative belongs to.
pub fn memberships_of(
    conn: &mut DbConn,
    cooperative_id: i64,
) -> QueryResult<Vec<FederationMember>> {
    federation_members::table
        .filter(federation_members::cooperative_id.eq(cooperative_id))
        .order(federation_members::id.asc())
        .select(FederationMember::as_select())
        .load(conn)
}
