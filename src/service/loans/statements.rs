//! The reconciliation statement (API.md "The loan book"): a bank's loans as of the end of a
//! day, the day's repayments, and totals that add up. Figures come from each loan's book with
//! the repayments dated up to that day (reversed ones left out), read 500 loans at a time.

use chrono::NaiveDate;

use crate::auth::{Caller, Role};
use crate::db::models::loans as m;
use crate::db::DbConn;
use crate::domain::scope::LoanScope;
use crate::error::{ApiError, ApiResult};
use crate::views::loans::book::book_of;
use crate::views::loans::statements::{
    StatementLine, StatementOut, StatementRepayment, StatementTotals,
};

/// Loans per batch.
pub const STATEMENT_BATCH: i64 = 500;

/// Who may read the statement of `bank`: the district admin and observers (any bank), the
/// bank itself (another bank's → 404); others 403. A malformed bank code or date → 422.
pub fn check(caller: &Caller, bank: &str, date: &str) -> ApiResult<NaiveDate> {
    match caller.loan_scope()? {
        LoanScope::All if matches!(caller.role(), Role::DistrictAdmin | Role::Observer) => {}
        LoanScope::Bank(b) if b == bank => {}
        LoanScope::Bank(_) => return Err(ApiError::NotFound),
        _ => {
            return Err(ApiError::Forbidden(
                "statements are for the bank, the district and observers".into(),
            ))
        }
    }
    crate::views::partners::validate_bank_code(bank).map_err(|_| {
        ApiError::field(
            "bank_code",
            "format",
            "1–20 lower-case letters, digits or _",
        )
    })?;
    let on: NaiveDate = date
        .parse()
        .map_err(|_| ApiError::field("date", "format", "a date YYYY-MM-DD"))?;
    if !crate::domain::calendar::date_in_range(on) {
        return Err(ApiError::field(
            "date",
            "date_range",
            "must be between 1900-01-01 and 2100-12-31",
        ));
    }
    Ok(on)
}

/// One batch of the statement after loan `after`: its lines, the day's repayments, and the
/// last loan id read (None when there were no more loans).
pub fn chunk(
    conn: &mut DbConn,
    bank: &str,
    on: NaiveDate,
    after: Option<i64>,
) -> ApiResult<(Vec<StatementLine>, Vec<StatementRepayment>, Option<i64>)> {
    let loans = m::statement_batch(conn, bank, on, after, STATEMENT_BATCH)?;
    let last = loans.last().map(|l| l.id);
    let ids: Vec<i64> = loans.iter().map(|l| l.id).collect();
    let mut ledgers = m::repayments_by_loan(conn, &ids)?;
    let mut lines = Vec::with_capacity(loans.len());
    let mut day = Vec::new();
    for loan in loans {
        let reps: Vec<_> = ledgers
            .remove(&loan.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.paid_on <= on)
            .collect();
        let Some(book) = book_of(&loan, &reps) else {
            continue;
        };
        let q = book.payoff(on);
        let today: Vec<_> = reps.iter().filter(|r| r.paid_on == on).collect();
        let repaid: i64 = today.iter().map(|r| r.amount_fen).sum();
        if q.principal_fen == 0 && q.total_fen == 0 && repaid == 0 {
            continue; // settled before that day
        }
        day.extend(today.iter().map(|r| StatementRepayment {
            repayment_id: r.id,
            loan_id: r.loan_id,
            bank_reference: r.bank_reference.clone(),
            amount_fen: r.amount_fen,
            penalty_interest_fen: r.penalty_interest_fen,
            interest_fen: r.interest_fen,
            principal_fen: r.principal_fen,
        }));
        lines.push(StatementLine {
            loan_id: loan.id,
            bank_reference: loan.bank_reference.clone(),
            status: loan.status.as_str().to_string(),
            outstanding_principal_fen: q.principal_fen,
            accrued_interest_fen: q.interest_fen,
            penalty_interest_fen: q.penalty_interest_fen,
            repaid_that_day_fen: repaid,
        });
    }
    Ok((lines, day, last))
}

/// The whole statement as JSON.
pub fn statement(
    conn: &mut DbConn,
    caller: &Caller,
    bank: &str,
    date: &str,
) -> ApiResult<StatementOut> {
    let on = check(caller, bank, date)?;
    let mut out = StatementOut {
        bank_code: bank.to_string(),
        date: on,
        loans: Vec::new(),
        repayments: Vec::new(),
        totals: StatementTotals::default(),
    };
    let mut after = None;
    loop {
        let (lines, day, last) = chunk(conn, bank, on, after)?;
        for l in &lines {
            out.totals.add(l);
        }
        out.totals.repayments += day.len() as i64;
        out.loans.extend(lines);
        out.repayments.extend(day);
        match last {
            Some(id) => after = Some(id),
            None => return Ok(out),
        }
    }
}
