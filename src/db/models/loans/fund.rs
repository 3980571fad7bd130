//! The risk-compensation fund's ledger and the exposure it guarantees.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::sum_i64;
use crate::db::schema::{loan_repayments, loans, risk_fund_entries};
use crate::db::{Backend, DbConn};
use crate::domain::loan_state;
use crate::domain::risk_fund::EntryKind;

/// What the fund guarantees now: approved principal not yet repaid, over eligible loans in
/// the exposed states.
pub fn exposure(conn: &mut DbConn) -> QueryResult<i64> {
    let approved: Option<i64> = loans::table
        .filter(loans::risk_compensation_eligible.eq(true))
        .filter(loans::status.eq_any(loan_state::EXPOSED))
        .select(sum_i64("loans.approved_amount_fen"))
        .first(conn)?;
    let repaid: Option<i64> = loan_repayments::table
        .filter(
            loan_repayments::loan_id.eq_any(
                loans::table
                    .filter(loans::risk_compensation_eligible.eq(true))
                    .filter(loans::status.eq_any(loan_state::EXPOSED))
                    .select(loans::id),
            ),
        )
        .select(sum_i64("loan_repayments.principal_fen"))
        .first(conn)?;
    Ok(approved.unwrap_or(0) - repaid.unwrap_or(0))
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = risk_fund_entries)]
pub struct FundEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub amount_fen: i64,
    pub source: Option<String>,
    pub loan_id: Option<i64>,
    pub entry_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = risk_fund_entries)]
pub struct NewFundEntry {
    pub kind: EntryKind,
    pub amount_fen: i64,
    pub source: Option<String>,
    pub loan_id: Option<i64>,
    pub entry_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_fund_entry(conn: &mut DbConn, e: &NewFundEntry) -> QueryResult<FundEntry> {
    diesel::insert_into(risk_fund_entries::table)
        .values(e)
        .get_result(conn)
}

/// The ledger's sums by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FundTotals {
    pub contributed_fen: i64,
    pub compensated_fen: i64,
}

impl FundTotals {
    /// The balance: contributions − compensations.
    pub fn balance_fen(&self) -> i64 {
        self.contributed_fen - self.compensated_fen
    }
}

/// The balance: the sum of the ledger.
pub fn fund_balance(conn: &mut DbConn) -> QueryResult<FundTotals> {
    let mut totals = |kind: EntryKind| -> QueryResult<i64> {
        let s: Option<i64> = risk_fund_entries::table
            .filter(risk_fund_entries::kind.eq(kind))
            .select(sum_i64("risk_fund_entries.amount_fen"))
            .first(conn)?;
        Ok(s.unwrap_or(0))
    };
    Ok(FundTotals {
        contributed_fen: totals(EntryKind::Contribution)?,
        compensated_fen: totals(EntryKind::Compensation)?,
    })
}

pub fn fund_entries(
    conn: &mut DbConn,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<FundEntry>> {
    let mut q = risk_fund_entries::table.into_boxed::<Backend>();
    if let Some(b) = before {
        q = q.filter(risk_fund_entries::id.lt(b));
    }
    q.order(risk_fund_entries::id.desc())
        .limit(limit)
        .select(FundEntry::as_select())
        .load(conn)
}

pub fn compensation_of(conn: &mut DbConn, loan_id: i64) -> QueryResult<Option<FundEntry>> {
    risk_fund_entries::table
        .filter(risk_fund_entries::loan_id.eq(loan_id))
        .select(FundEntry::as_select())
        .first(conn)
        .optional()
}
