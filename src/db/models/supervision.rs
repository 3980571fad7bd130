//! Assessments (分类管理) and the abnormal-operation list (异常名录).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{abnormal_listings, assessments};
use crate::db::DbConn;

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
    pub tier: String,
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
    pub tier: String,
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
