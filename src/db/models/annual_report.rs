//! Annual reports (年度报告).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::pilot::{coops_in_view, rows_in_view, InView};
use crate::db::schema::{annual_reports, cooperatives};
use crate::db::{Backend, DbConn};
use crate::domain::annual_report::ReportStatus;
use crate::domain::cooperative::CoopStatus;
use crate::domain::scope::CoopScope;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = annual_reports)]
pub struct AnnualReport {
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub status: ReportStatus,
    pub member_count: i32,
    pub farmer_member_count: i32,
    pub total_assets_fen: i64,
    pub total_liabilities_fen: i64,
    pub operating_revenue_fen: i64,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
    pub member_income_fen: Option<i64>,
    pub submitted_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub late: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The figures of a draft, for insert or update.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = annual_reports, treat_none_as_null = true)]
pub struct DraftRow {
    pub cooperative_id: i64,
    pub year: i32,
    pub status: ReportStatus,
    pub member_count: i32,
    pub farmer_member_count: i32,
    pub total_assets_fen: i64,
    pub total_liabilities_fen: i64,
    pub operating_revenue_fen: i64,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
    pub member_income_fen: Option<i64>,
    pub updated_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConn,
    cooperative_id: i64,
    year: i32,
) -> QueryResult<Option<AnnualReport>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq(cooperative_id))
        .filter(annual_reports::year.eq(year))
        .select(AnnualReport::as_select())
        .first(conn)
        .optional()
}

pub fn of_cooperative(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<AnnualReport>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq(cooperative_id))
        .order(annual_reports::year.desc())
        .select(AnnualReport::as_select())
        .load(conn)
}

/// The most recent published report.
pub fn last_published(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Option<AnnualReport>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq(cooperative_id))
        .filter(annual_reports::status.eq(ReportStatus::Published))
        .order(annual_reports::year.desc())
        .select(AnnualReport::as_select())
        .first(conn)
        .optional()
}

/// The reports of these cooperatives for `year`, whatever their status.
pub fn for_year(
    conn: &mut DbConn,
    cooperative_ids: &[i64],
    year: i32,
) -> QueryResult<Vec<AnnualReport>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq_any(cooperative_ids))
        .filter(annual_reports::year.eq(year))
        .select(AnnualReport::as_select())
        .load(conn)
}

/// The published reports of these cooperatives, every year.
pub fn published_of(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<Vec<AnnualReport>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq_any(cooperative_ids))
        .filter(annual_reports::status.eq(ReportStatus::Published))
        .select(AnnualReport::as_select())
        .load(conn)
}

pub fn insert_draft(
    conn: &mut DbConn,
    row: &DraftRow,
    at: NaiveDateTime,
) -> QueryResult<AnnualReport> {
    diesel::insert_into(annual_reports::table)
        .values((
            row,
            annual_reports::created_at.eq(at),
            annual_reports::version.eq(1),
        ))
        .get_result(conn)
}

pub fn update_draft(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    row: &DraftRow,
) -> QueryResult<usize> {
    diesel::update(
        annual_reports::table
            .filter(annual_reports::id.eq(id))
            .filter(annual_reports::version.eq(version)),
    )
    .set((row, annual_reports::version.eq(version + 1)))
    .execute(conn)
}

pub fn mark_submitted(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    on: NaiveDate,
    late: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        annual_reports::table
            .filter(annual_reports::id.eq(id))
            .filter(annual_reports::version.eq(version)),
    )
    .set((
        annual_reports::status.eq(ReportStatus::Submitted),
        annual_reports::submitted_on.eq(on),
        annual_reports::late.eq(late),
        annual_reports::version.eq(version + 1),
        annual_reports::updated_at.eq(at),
    ))
    .execute(conn)
}

pub fn mark_published(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    on: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        annual_reports::table
            .filter(annual_reports::id.eq(id))
            .filter(annual_reports::version.eq(version)),
    )
    .set((
        annual_reports::status.eq(ReportStatus::Published),
        annual_reports::published_on.eq(on),
        annual_reports::version.eq(version + 1),
        annual_reports::updated_at.eq(at),
    ))
    .execute(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<AnnualReport> {
    annual_reports::table
        .filter(annual_reports::id.eq(id))
        .select(AnnualReport::as_select())
        .first(conn)
}

/// District-wide list filters.
#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub year: Option<i32>,
    pub town_code: Option<String>,
    pub status: Option<ReportStatus>,
    pub late: Option<bool>,
}

/// The rows of the cooperatives in `scope` (and the filter's town), by sub-queries.
fn filtered(scope: &CoopScope, f: &ReportFilter) -> annual_reports::BoxedQuery<'static, Backend> {
    let view = InView {
        scope,
        town: f.town_code.as_deref(),
    };
    let q = annual_reports::table.into_boxed::<Backend>();
    let mut q = rows_in_view!(q, annual_reports::cooperative_id, view);
    if let Some(y) = f.year {
        q = q.filter(annual_reports::year.eq(y));
    }
    if let Some(s) = f.status {
        q = q.filter(annual_reports::status.eq(s));
    }
    if let Some(l) = f.late {
        q = q.filter(annual_reports::late.eq(l));
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    scope: &CoopScope,
    f: &ReportFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AnnualReport>> {
    let mut q = filtered(scope, f);
    if let Some(a) = after {
        q = q.filter(annual_reports::id.gt(a));
    }
    q.order(annual_reports::id.asc())
        .limit(limit)
        .select(AnnualReport::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, scope: &CoopScope, f: &ReportFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}

/// The cooperatives expected to publish a year's report, and how many have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    pub expected: i64,
    pub published: i64,
}

/// The annual-report publication rate for `year`: cooperatives that are active (not on the
/// abnormal list, not merged or deregistered) and were established by the end of the year,
/// and how many of them have published that year's report.
pub fn publication(
    conn: &mut DbConn,
    scope: &CoopScope,
    year: i32,
    town_code: Option<&str>,
) -> QueryResult<Publication> {
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let view = InView {
        scope,
        town: town_code,
    };
    // Counted in SQL over a join, never through a list of ids (a bind parameter each); the
    // expected from the registry's tallies where they key the view (by year established).
    let expected = match super::tallies::active_established_by(conn, view, year)? {
        Some(n) => n,
        None => {
            let q = cooperatives::table
                .filter(cooperatives::status.eq(CoopStatus::Active))
                .filter(cooperatives::established_on.le(year_end))
                .count()
                .into_boxed::<Backend>();
            coops_in_view!(q, view).get_result(conn)?
        }
    };
    let q = annual_reports::table
        .inner_join(cooperatives::table)
        .filter(cooperatives::status.eq(CoopStatus::Active))
        .filter(cooperatives::established_on.le(year_end))
        .filter(annual_reports::year.eq(year))
        .filter(annual_reports::status.eq(ReportStatus::Published))
        .count()
        .into_boxed::<Backend>();
    let published: i64 = coops_in_view!(q, view).get_result(conn)?;
    Ok(Publication {
        expected,
        published,
    })
}

/// A cooperative whose report is missing: (id, name, uscc, town, status).
pub type MissingRow = (i64, String, String, String, CoopStatus);

/// Cooperatives in scope that should report for `year` (operating — active or abnormal —
/// and established by its end) and have no submitted or published report for it, by id
/// after `after`.
pub fn missing(
    conn: &mut DbConn,
    scope: &CoopScope,
    year: i32,
    town_code: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MissingRow>> {
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let filed = annual_reports::table
        .filter(annual_reports::cooperative_id.eq(cooperatives::id))
        .filter(annual_reports::year.eq(year))
        .filter(annual_reports::status.ne(ReportStatus::Draft));
    let mut q = super::cooperative::scoped(scope)
        .filter(cooperatives::status.eq_any([CoopStatus::Active, CoopStatus::Abnormal]))
        .filter(cooperatives::established_on.le(year_end))
        .filter(diesel::dsl::not(diesel::dsl::exists(filed)));
    if let Some(t) = town_code {
        q = q.filter(cooperatives::town_code.eq(t.to_string()));
    }
    if let Some(a) = after {
        q = q.filter(cooperatives::id.gt(a));
    }
    q.order(cooperatives::id)
        .limit(limit)
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::uscc,
            cooperatives::town_code,
            cooperatives::status,
        ))
        .load(conn)
}

/// Those of these cooperatives with a draft report for `year`.
pub fn drafts_of(conn: &mut DbConn, ids: &[i64], year: i32) -> QueryResult<Vec<i64>> {
    annual_reports::table
        .filter(annual_reports::cooperative_id.eq_any(ids))
        .filter(annual_reports::year.eq(year))
        .filter(annual_reports::status.eq(ReportStatus::Draft))
        .select(annual_reports::cooperative_id)
        .load(conn)
}
