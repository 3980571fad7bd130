//! The dashboard's figures as they were at the end of a past day (`?on=`): the registry from
//! `cooperative_history` (the state before each change, `coop_history`) and the
//! `cooperatives` row (the state in force since the last change), reports by the day they
//! were published, titles by the day they were decided, loans by their event log, service
//! orders by their step timestamps, members by the days they joined and left. Every count is
//! made in SQL over sub-queries on the cooperatives in view, never over a list of ids.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count, count_star, exists, not};
use diesel::expression_methods::AggregateExpressionMethods;
use diesel::prelude::*;

use super::pilot::{coops_in_view, rows_in_view, InView, RegistryCount};
use crate::db::schema::{
    annual_reports, cooperative_history, cooperatives, loan_events, loans, members, service_orders,
};
use crate::db::{Backend, DbConn};
use crate::domain::annual_report::ReportStatus;
use crate::domain::cooperative::CoopStatus;
use crate::domain::loan_state::LoanStatus;
use crate::domain::member::MemberType;

/// The first instant after the day `on` (records stamped before it existed on `on`).
pub fn end_of(on: NaiveDate) -> NaiveDateTime {
    on.succ_opt()
        .unwrap_or(on)
        .and_hms_opt(0, 0, 0)
        .unwrap_or(NaiveDateTime::MAX)
}

/// How many cooperatives in view had each (status, tier, title) on `on`: the closed states
/// that held that day, plus the rows whose state was already in force (registered by then, no
/// later change recorded).
pub fn registry_counts(
    conn: &mut DbConn,
    view: InView,
    on: NaiveDate,
) -> QueryResult<Vec<RegistryCount>> {
    let q = cooperative_history::table
        .inner_join(cooperatives::table)
        .filter(cooperative_history::valid_from.le(on))
        .filter(cooperative_history::valid_to.gt(on))
        .group_by((
            cooperative_history::status,
            cooperative_history::tier,
            cooperative_history::demonstration_level,
        ))
        .select((
            cooperative_history::status,
            cooperative_history::tier,
            cooperative_history::demonstration_level,
            count_star(),
        ))
        .into_boxed::<Backend>();
    let mut counts: Vec<RegistryCount> = coops_in_view!(q, view).load(conn)?;
    let later = cooperative_history::table
        .filter(cooperative_history::cooperative_id.eq(cooperatives::id))
        .filter(cooperative_history::valid_to.gt(on));
    let q = cooperatives::table
        .filter(cooperatives::established_on.le(on))
        .filter(not(exists(later)))
        .group_by((
            cooperatives::status,
            cooperatives::tier,
            cooperatives::demonstration_level,
        ))
        .select((
            cooperatives::status,
            cooperatives::tier,
            cooperatives::demonstration_level,
            count_star(),
        ))
        .into_boxed::<Backend>();
    counts.extend(coops_in_view!(q, view).load::<RegistryCount>(conn)?);
    Ok(counts)
}

/// Cooperatives in view active on `on` and established by `year`'s end, and (`published`)
/// those of them that had published `year`'s report by `on`.
pub fn active_reporting(
    conn: &mut DbConn,
    view: InView,
    on: NaiveDate,
    year: i32,
    published: bool,
) -> QueryResult<i64> {
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let report = annual_reports::table
        .filter(annual_reports::cooperative_id.eq(cooperatives::id))
        .filter(annual_reports::year.eq(year))
        .filter(annual_reports::status.eq(ReportStatus::Published))
        .filter(annual_reports::published_on.le(on));
    let mut q = cooperative_history::table
        .inner_join(cooperatives::table)
        .filter(cooperative_history::valid_from.le(on))
        .filter(cooperative_history::valid_to.gt(on))
        .filter(cooperative_history::status.eq(CoopStatus::Active))
        .filter(cooperatives::established_on.le(year_end))
        .count()
        .into_boxed::<Backend>();
    if published {
        q = q.filter(exists(report));
    }
    let closed: i64 = coops_in_view!(q, view).get_result(conn)?;
    let later = cooperative_history::table
        .filter(cooperative_history::cooperative_id.eq(cooperatives::id))
        .filter(cooperative_history::valid_to.gt(on));
    let mut q = cooperatives::table
        .filter(cooperatives::status.eq(CoopStatus::Active))
        .filter(cooperatives::established_on.le(year_end))
        .filter(cooperatives::established_on.le(on))
        .filter(not(exists(later)))
        .count()
        .into_boxed::<Backend>();
    if published {
        q = q.filter(exists(report));
    }
    let current: i64 = coops_in_view!(q, view).get_result(conn)?;
    Ok(closed + current)
}

/// A loan as the dashboard counts it on a past day.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct LoanOn {
    pub id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    pub approved_amount_fen: Option<i64>,
}

/// A step of a loan's status log: (loan id, the status it moved to).
pub type LoanStep = (i64, LoanStatus);

/// The loans of the cooperatives in view applied for before `end`, and each one's last
/// status change before `end` (`(loan_id, to_status)` in order: the last one per loan wins).
pub fn loans(
    conn: &mut DbConn,
    view: InView,
    end: NaiveDateTime,
) -> QueryResult<(Vec<LoanOn>, Vec<LoanStep>)> {
    let q = loans::table
        .filter(loans::created_at.lt(end))
        .into_boxed::<Backend>();
    let rows =
        rows_in_view!(q, loans::cooperative_id, view, bank => loans::bank_code.eq(bank.clone()))
            .select((
                loans::id,
                loans::bank_code,
                loans::amount_fen,
                loans::approved_amount_fen,
            ))
            .load(conn)?;
    let q = loan_events::table
        .inner_join(loans::table)
        .filter(loans::created_at.lt(end))
        .filter(loan_events::occurred_at.lt(end))
        .into_boxed::<Backend>();
    let steps =
        rows_in_view!(q, loans::cooperative_id, view, bank => loans::bank_code.eq(bank.clone()))
            .order((
                loan_events::loan_id,
                loan_events::occurred_at,
                loan_events::id,
            ))
            .select((loan_events::loan_id, loan_events::to_status))
            .load(conn)?;
    Ok((rows, steps))
}

/// A service order's steps, to tell its status on a past day.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct OrderSteps {
    pub service_type: String,
    pub accepted_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub rating_score: Option<i32>,
    pub rated_at: Option<NaiveDateTime>,
}

/// The service orders of the cooperatives in view placed before `end`.
pub fn orders(conn: &mut DbConn, view: InView, end: NaiveDateTime) -> QueryResult<Vec<OrderSteps>> {
    let q = service_orders::table
        .filter(service_orders::placed_at.lt(end))
        .into_boxed::<Backend>();
    rows_in_view!(q, service_orders::cooperative_id, view)
        .select((
            service_orders::service_type,
            service_orders::accepted_at,
            service_orders::started_at,
            service_orders::completed_at,
            service_orders::cancelled_at,
            service_orders::rating_score,
            service_orders::rated_at,
        ))
        .load(conn)
}

/// Distinct household codes among the farmer members of the cooperatives in view who were
/// members on `on` (joined by then, not yet left).
pub fn households(conn: &mut DbConn, view: InView, on: NaiveDate) -> QueryResult<i64> {
    let q = members::table
        .filter(members::member_type.eq(MemberType::Farmer))
        .filter(members::household_code.is_not_null())
        .filter(members::joined_on.le(on))
        .filter(members::exited_on.is_null().or(members::exited_on.gt(on)))
        .select(count(members::household_code).aggregate_distinct())
        .into_boxed::<Backend>();
    rows_in_view!(q, members::cooperative_id, view).get_result(conn)
}
