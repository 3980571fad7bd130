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
}

#[derive(Insertable)]
#[diesel(table_name = loan_repayments)]
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
}

pub fn insert_repayment(conn: &mut DbConn, r: &NewRepayment) -> QueryResult<Repayment> {
    diesel::insert_into(loan_repayments::table)
        .values(r)
        .get_result(conn)
}

/// The repayment of `bank` that carries the transaction serial `reference`, if any.
pub fn repayment_by_reference(
    conn: &mut DbConn,
    bank: &str,
    reference: &str,
) -> QueryResult<Option<Repayment>> {
    loan_repayments::table
        .filter(loan_repayments::bank_code.eq(bank))
        .filter(loan_repayments::bank_reference.eq(reference))
        .select(Repayment::as_select())
        .first(conn)
        .optional()
}

pub fn repayments(conn: &mut DbConn, loan_id: i64) -> QueryResult<Vec<Repayment>> {
    loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .order(loan_repayments::id.asc())
        .select(Repayment::as_select())
        .load(conn)
}

/// The ledgers of some loans, each in date order (loans without repayments are left out).
pub fn repayments_by_loan(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<Repayment>>> {
    let rows: Vec<Repayment> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(ids))
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
