//! Assessments (分类管理) and the abnormal-operation list (异常名录).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::schema::{abnormal_listings, annual_reports, assessments, cooperatives};
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::{CoopStatus, Tier};
use crate::domain::scope::CoopScope;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = assessments)]
pub struct Assessment {
    pub id: i64,
    pub cooperative_id: i64,
    pub charter: bool,
    pub bodies: bool,
    pub member_ledger: bool,
    pub bookkeeping: bool,
    pub disclosure: bool,
    pub annual_report: bool,
    pub transaction_distribution: bool,
    pub real_operations: bool,
    pub passed: i32,
    pub tier: Tier,
    pub notes: Option<String>,
    pub assessed_by: String,
    pub assessed_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = assessments)]
pub struct NewAssessment {
    pub cooperative_id: i64,
    pub charter: bool,
    pub bodies: bool,
    pub member_ledger: bool,
    pub bookkeeping: bool,
    pub disclosure: bool,
    pub annual_report: bool,
    pub transaction_distribution: bool,
    pub real_operations: bool,
    pub passed: i32,
    pub tier: Tier,
    pub notes: Option<String>,
    pub assessed_by: String,
    pub assessed_at: NaiveDateTime,
}

pub fn insert_assessment(conn: &mut DbConn, new: &NewAssessment) -> QueryResult<Assessment> {
    diesel::insert_into(assessments::table)
        .values(new)
        .get_result(conn)
}

pub fn assessments_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<Assessment>> {
    assessments::table
        .filter(assessments::cooperative_id.eq(cooperative_id))
        .order(assessments::id.desc())
        .select(Assessment::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = abnormal_listings)]
pub struct AbnormalListing {
    pub id: i64,
    pub cooperative_id: i64,
    pub reason: String,
    pub listed_on: NaiveDate,
    pub listed_by: String,
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: Option<String>,
    pub lifted_by: Option<String>,
}

pub fn list_abnormal(
    conn: &mut DbConn,
    cooperative_id: i64,
    reason: &str,
    on: NaiveDate,
    by: &str,
) -> QueryResult<AbnormalListing> {
    diesel::insert_into(abnormal_listings::table)
        .values((
            abnormal_listings::cooperative_id.eq(cooperative_id),
            abnormal_listings::reason.eq(reason),
            abnormal_listings::listed_on.eq(on),
            abnormal_listings::listed_by.eq(by),
        ))
        .get_result(conn)
}

/// The listing in force (not lifted), if any.
pub fn current_listing(
    conn: &mut DbConn,
    cooperative_id: i64,
) -> QueryResult<Option<AbnormalListing>> {
    abnormal_listings::table
        .filter(abnormal_listings::cooperative_id.eq(cooperative_id))
        .filter(abnormal_listings::lifted_on.is_null())
        .order(abnormal_listings::id.desc())
        .select(AbnormalListing::as_select())
        .first(conn)
        .optional()
}

pub fn lift(
    conn: &mut DbConn,
    id: i64,
    on: NaiveDate,
    reason: Option<&str>,
    by: &str,
) -> QueryResult<AbnormalListing> {
    diesel::update(abnormal_listings::table.filter(abnormal_listings::id.eq(id)))
        .set((
            abnormal_listings::lifted_on.eq(on),
            abnormal_listings::lift_reason.eq(reason),
            abnormal_listings::lifted_by.eq(by),
        ))
        .execute(conn)?;
    abnormal_listings::table
        .filter(abnormal_listings::id.eq(id))
        .select(AbnormalListing::as_select())
        .first(conn)
}

pub fn listings_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<AbnormalListing>> {
    abnormal_listings::table
        .filter(abnormal_listings::cooperative_id.eq(cooperative_id))
        .order(abnormal_listings::id.desc())
        .select(AbnormalListing::as_select())
        .load(conn)
}

/// Which cooperatives are candidates for the abnormal list: of these statuses, established by
/// `established_by`, without a report for `year` submitted by `due`.
#[derive(Debug, Clone)]
pub struct CandidateFilter<'a> {
    pub year: i32,
    pub due: NaiveDate,
    pub established_by: NaiveDate,
    pub statuses: &'a [CoopStatus],
    pub town_code: Option<&'a str>,
}

/// The ids of the cooperatives that filed the year's report by the deadline.
fn filed_by(conn: &mut DbConn, year: i32, due: NaiveDate) -> QueryResult<Vec<i64>> {
    annual_reports::table
        .filter(annual_reports::year.eq(year))
        .filter(annual_reports::submitted_on.le(due))
        .select(annual_reports::cooperative_id)
        .load(conn)
}

fn candidates_query(
    scope: &CoopScope,
    f: &CandidateFilter<'_>,
    filed: &[i64],
) -> cooperatives::BoxedQuery<'static, Backend> {
    let mut q = coop::scoped(scope)
        .filter(cooperatives::status.eq_any(f.statuses.to_vec()))
        .filter(cooperatives::established_on.le(f.established_by))
        .filter(cooperatives::id.ne_all(filed.to_vec()));
    if let Some(t) = f.town_code {
        q = q.filter(cooperatives::town_code.eq(t.to_string()));
    }
    q
}

/// One page of candidates in the scope, in id order after `after`, and (if `count`) how many
/// there are in all.
pub fn candidates(
    conn: &mut DbConn,
    scope: &CoopScope,
    f: &CandidateFilter<'_>,
    after: Option<i64>,
    limit: i64,
    count: bool,
) -> QueryResult<CandidatePage> {
    let filed = filed_by(conn, f.year, f.due)?;
    let mut q = candidates_query(scope, f, &filed);
    if let Some(a) = after {
        q = q.filter(cooperatives::id.gt(a));
    }
    let rows: Vec<Cooperative> = q
        .order(cooperatives::id.asc())
        .limit(limit)
        .select(Cooperative::as_select())
        .load(conn)?;
    let total = if count {
        Some(
            candidates_query(scope, f, &filed)
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    Ok(CandidatePage { rows, total })
}

/// A page of candidates.
#[derive(Debug, Clone)]
pub struct CandidatePage {
    pub rows: Vec<Cooperative>,
    pub total: Option<i64>,
}
