//! Demonstration-cooperative applications and monitoring (示范社).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cooperative::{self as coop, Cooperative};
use super::pilot::{rows_in_view, InView};
use crate::db::schema::{
    cooperatives, counselor_visits, demonstration_applications, demonstration_monitorings,
};
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::DemonstrationLevel;
use crate::domain::demonstration::{ApplicationStatus, MonitoringResult, OPEN_APPLICATION};
use crate::domain::scope::CoopScope;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = demonstration_applications)]
pub struct Application {
    pub id: i64,
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    pub year: i32,
    pub status: ApplicationStatus,
    pub eligible: bool,
    /// JSON array of gates.
    pub gates: String,
    pub score: Option<i32>,
    /// JSON array of score parts.
    pub score_breakdown: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of the document ids the application cites.
    pub document_ids: String,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = demonstration_applications)]
pub struct NewApplication {
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    pub year: i32,
    pub status: ApplicationStatus,
    pub eligible: bool,
    pub gates: String,
    pub score: Option<i32>,
    pub score_breakdown: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub document_ids: String,
}

pub fn insert(conn: &mut DbConn, new: &NewApplication) -> QueryResult<Application> {
    diesel::insert_into(demonstration_applications::table)
        .values(new)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Application> {
    demonstration_applications::table
        .filter(demonstration_applications::id.eq(id))
        .select(Application::as_select())
        .first(conn)
}

/// An application for the same cooperative, level and year that is pending or approved.
pub fn open_duplicate(
    conn: &mut DbConn,
    cooperative_id: i64,
    level: DemonstrationLevel,
    year: i32,
) -> QueryResult<bool> {
    let n: i64 = demonstration_applications::table
        .filter(demonstration_applications::cooperative_id.eq(cooperative_id))
        .filter(demonstration_applications::level.eq(level))
        .filter(demonstration_applications::year.eq(year))
        .filter(demonstration_applications::status.eq_any(OPEN_APPLICATION))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn decide(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    status: ApplicationStatus,
    by: &str,
    note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        demonstration_applications::table
            .filter(demonstration_applications::id.eq(id))
            .filter(demonstration_applications::version.eq(version)),
    )
    .set((
        demonstration_applications::status.eq(status),
        demonstration_applications::decided_by.eq(by),
        demonstration_applications::decided_at.eq(at),
        demonstration_applications::decision_note.eq(note),
        demonstration_applications::version.eq(version + 1),
        demonstration_applications::updated_at.eq(at),
    ))
    .execute(conn)
}

#[derive(Debug, Clone)]
pub struct ApplicationFilter {
    pub year: Option<i32>,
    pub level: Option<DemonstrationLevel>,
    pub status: Option<ApplicationStatus>,
    /// The caller's scope.
    pub scope: CoopScope,
}

fn filtered(f: &ApplicationFilter) -> demonstration_applications::BoxedQuery<'static, Backend> {
    let view = InView {
        scope: &f.scope,
        town: None,
    };
    let q = demonstration_applications::table.into_boxed::<Backend>();
    let mut q = rows_in_view!(q, demonstration_applications::cooperative_id, view);
    if let Some(y) = f.year {
        q = q.filter(demonstration_applications::year.eq(y));
    }
    if let Some(l) = f.level {
        q = q.filter(demonstration_applications::level.eq(l));
    }
    if let Some(s) = f.status {
        q = q.filter(demonstration_applications::status.eq(s));
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    f: &ApplicationFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Application>> {
    let mut q = filtered(f);
    if let Some(a) = after {
        q = q.filter(demonstration_applications::id.gt(a));
    }
    q.order(demonstration_applications::id.asc())
        .limit(limit)
        .select(Application::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, f: &ApplicationFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// Approvals in a year of the cooperatives in `scope`, for the yearly quota.
pub fn approvals_in(conn: &mut DbConn, year: i32, scope: &CoopScope) -> QueryResult<i64> {
    let q = demonstration_applications::table
        .filter(demonstration_applications::year.eq(year))
        .filter(demonstration_applications::status.eq(ApplicationStatus::Approved))
        .into_boxed::<Backend>();
    let view = InView { scope, town: None };
    rows_in_view!(q, demonstration_applications::cooperative_id, view)
        .count()
        .get_result(conn)
}

/// The year of the latest approved application per cooperative.
pub fn latest_approval_years(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i32>> {
    let rows: Vec<(i64, i32)> = demonstration_applications::table
        .filter(demonstration_applications::cooperative_id.eq_any(ids))
        .filter(demonstration_applications::status.eq(ApplicationStatus::Approved))
        .select((
            demonstration_applications::cooperative_id,
            demonstration_applications::year,
        ))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for (id, year) in rows {
        let e = out.entry(id).or_insert(year);
        *e = (*e).max(year);
    }
    Ok(out)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = demonstration_monitorings)]
pub struct Monitoring {
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub result: MonitoringResult,
    pub notes: Option<String>,
    pub level_before: Option<DemonstrationLevel>,
    pub revoked: bool,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[allow(clippy::too_many_arguments)]
pub fn record_monitoring(
    conn: &mut DbConn,
    cooperative_id: i64,
    year: i32,
    result: MonitoringResult,
    notes: Option<&str>,
    level_before: Option<DemonstrationLevel>,
    revoked: bool,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<Monitoring> {
    diesel::insert_into(demonstration_monitorings::table)
        .values((
            demonstration_monitorings::cooperative_id.eq(cooperative_id),
            demonstration_monitorings::year.eq(year),
            demonstration_monitorings::result.eq(result),
            demonstration_monitorings::notes.eq(notes),
            demonstration_monitorings::level_before.eq(level_before),
            demonstration_monitorings::revoked.eq(revoked),
            demonstration_monitorings::recorded_by.eq(by),
            demonstration_monitorings::recorded_at.eq(at),
        ))
        .get_result(conn)
}

/// The year of the latest monitoring per cooperative.
pub fn latest_monitoring_years(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i32>> {
    let rows: Vec<(i64, i32)> = demonstration_monitorings::table
        .filter(demonstration_monitorings::cooperative_id.eq_any(ids))
        .select((
            demonstration_monitorings::cooperative_id,
            demonstration_monitorings::year,
        ))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for (id, year) in rows {
        let e = out.entry(id).or_insert(year);
        *e = (*e).max(year);
    }
    Ok(out)
}

/// Counselor guidance visits to the cooperative since `since` that recorded findings.
pub fn counselor_findings_since(
    conn: &mut DbConn,
    cooperative_id: i64,
    since: NaiveDate,
) -> QueryResult<i64> {
    counselor_visits::table
        .filter(counselor_visits::cooperative_id.eq(cooperative_id))
        .filter(counselor_visits::visited_on.ge(since))
        .filter(counselor_visits::findings.ne(""))
        .count()
        .get_result(conn)
}

/// The cooperatives in scope that hold a title, in id order, optionally of one level and town.
pub fn titled(
    conn: &mut DbConn,
    scope: &CoopScope,
    level: Option<DemonstrationLevel>,
    town_code: Option<&str>,
) -> QueryResult<Vec<Cooperative>> {
    let mut q = coop::scoped(scope).filter(cooperatives::demonstration_level.is_not_null());
    if let Some(l) = level {
        q = q.filter(cooperatives::demonstration_level.eq(l));
    }
    if let Some(t) = town_code {
        q = q.filter(cooperatives::town_code.eq(t.to_string()));
    }
    q.order(cooperatives::id)
        .select(Cooperative::as_select())
        .load(conn)
}
