//! Each loan's repayment ledger.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::sum_i64;
use crate::db::schema::loan_repayments;
use crate::db::DbConn;
use crate::domain::loan_book::PrepaymentMode;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_repayments)]
pub struct Repayment {
    pub id: i64,
    pub loan_id: i64,
    pub amount_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
    pub bank_code: Option<String>,
    /// The bank's transaction serial (流水号), unique per bank.
    pub bank_reference: Option<String>,
    pub penalty_interest_fen: i64,
    /// The part of `principal_fen` paid ahead of the schedule.
    pub prepaid_principal_fen: i64,
    /// What a prepayment in it was asked to do to the schedule.
    pub prepayment: PrepaymentMode,
    /// Set when the bank reversed it: it stays in the ledger and counts for nothing.
    pub reversed_at: Option<NaiveDateTime>,
    pub reversed_by: Option<String>,
    pub reversal_reason: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

// `None` binds NULL (the column's only default) rather than writing `DEFAULT`: one SQL text
// whatever is empty, so its prepared statement is cached (Diesel prepares an insert with
// `DEFAULT` again every time).
#[derive(Insertable)]
#[diesel(table_name = loan_repayments, treat_none_as_default_value = false)]
pub struct NewRepayment {
    pub loan_id: i64,
    pub amount_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
    pub bank_code: Option<String>,
    /// The bank's transaction serial (流水号), unique per bank.
    pub bank_reference: Option<String>,
    pub penalty_interest_fen: i64,
    pub prepaid_principal_fen: i64,
    pub prepayment: PrepaymentMode,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_repayment(conn: &mut DbConn, r: &NewRepayment) -> QueryResult<Repayment> {
    crate::on_inner!(conn, |c| diesel::insert_into(loan_repayments::table)
        .values(r)
        .returning(Repayment::as_returning())
        .get_result(c))
}

/// The repayment of `bank` that carries the transaction serial `reference`, if any.
pub fn repayment_by_reference(
    conn: &mut DbConn,
    bank: &str,
    reference: &str,
) -> QueryResult<Option<Repayment>> {
    crate::on_inner!(conn, |c| loan_repayments::table
        .filter(loan_repayments::bank_code.eq(bank))
        .filter(loan_repayments::bank_reference.eq(reference))
        .select(Repayment::as_select())
        .first(c)
        .optional())
}

/// The repayments of a loan that count (not reversed), oldest first.
pub fn repayments(conn: &mut DbConn, loan_id: i64) -> QueryResult<Vec<Repayment>> {
    loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .filter(loan_repayments::reversed_at.is_null())
        .order(loan_repayments::id.asc())
        .select(Repayment::as_select())
        .load(conn)
}

/// The whole ledger of a loan, reversed repayments included, oldest first; changed after
/// `since` when given.
pub fn ledger(
    conn: &mut DbConn,
    loan_id: i64,
    since: Option<NaiveDateTime>,
) -> QueryResult<Vec<Repayment>> {
    let mut q = loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .into_boxed::<crate::db::Backend>();
    if let Some(t) = since {
        q = q.filter(loan_repayments::updated_at.gt(t));
    }
    q.order(loan_repayments::id.asc())
        .select(Repayment::as_select())
        .load(conn)
}

/// One repayment of a loan.
pub fn repayment_of(conn: &mut DbConn, loan_id: i64, id: i64) -> QueryResult<Repayment> {
    loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .filter(loan_repayments::id.eq(id))
        .select(Repayment::as_select())
        .first(conn)
}

/// Marks a repayment reversed (once: `false` when it already was).
pub fn reverse_repayment(
    conn: &mut DbConn,
    id: i64,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        loan_repayments::table
            .filter(loan_repayments::id.eq(id))
            .filter(loan_repayments::reversed_at.is_null()),
    )
    .set((
        loan_repayments::reversed_at.eq(Some(at)),
        loan_repayments::reversed_by.eq(Some(by)),
        loan_repayments::reversal_reason.eq(Some(reason)),
        loan_repayments::updated_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The ledgers of some loans, each in date order (loans without repayments are left out).
pub fn repayments_by_loan(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<Repayment>>> {
    let rows: Vec<Repayment> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(ids))
        .filter(loan_repayments::reversed_at.is_null())
        .order((loan_repayments::paid_on.asc(), loan_repayments::id.asc()))
        .select(Repayment::as_select())
        .load(conn)?;
    let mut out: HashMap<i64, Vec<Repayment>> = HashMap::new();
    for r in rows {
        out.entry(r.loan_id).or_default().push(r);
    }
    Ok(out)
}

/// The sums of one loan's repayment ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paid {
    /// Everything paid.
    pub total_fen: i64,
    /// The part applied to principal.
    pub principal_fen: i64,
    /// The part applied to interest.
    pub interest_fen: i64,
}

/// Sums of the ledger for some loans: loan id → what was paid (loans without repayments are
/// left out).
pub fn paid_by_loan(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Paid>> {
    type Sums = (i64, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Sums> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(ids))
        .filter(loan_repayments::reversed_at.is_null())
        .group_by(loan_repayments::loan_id)
        .select((
            loan_repayments::loan_id,
            sum_i64("loan_repayments.amount_fen"),
            sum_i64("loan_repayments.principal_fen"),
            sum_i64("loan_repayments.interest_fen"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, p, i)| {
            let paid = Paid {
                total_fen: a.unwrap_or(0),
                principal_fen: p.unwrap_or(0),
                interest_fen: i.unwrap_or(0),
            };
            (id, paid)
        })
        .collect())
}

/// What one loan has paid (nothing when it has no repayments).
pub fn paid_of(conn: &mut DbConn, id: i64) -> QueryResult<Paid> {
    Ok(paid_by_loan(conn, &[id])?.remove(&id).unwrap_or_default())
}

/// The ledgers of some loans as recorded by the end of `on` (reversed repayments included:
/// whether one counts on a day depends on when it was reversed), in id order.
pub fn ledgers_booked_by(
    conn: &mut DbConn,
    ids: &[i64],
    on: NaiveDate,
) -> QueryResult<HashMap<i64, Vec<Repayment>>> {
    let end = end_of(on);
    let rows: Vec<Repayment> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(ids))
        .filter(loan_repayments::created_at.lt(end))
        .order((loan_repayments::loan_id.asc(), loan_repayments::id.asc()))
        .select(Repayment::as_select())
        .load(conn)?;
    let mut out: HashMap<i64, Vec<Repayment>> = HashMap::new();
    for r in rows {
        out.entry(r.loan_id).or_default().push(r);
    }
    Ok(out)
}

/// The first instant after the day `on` (UTC).
pub fn end_of(on: NaiveDate) -> NaiveDateTime {
    on.succ_opt().unwrap_or(on).and_time(chrono::NaiveTime::MIN)
}
