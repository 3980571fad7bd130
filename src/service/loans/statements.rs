//! The reconciliation statement (API.md "The loan book"): a bank's loans as they stood at the
//! end of a day, the day's movements, and totals that add up. Figures come from each loan's
//! book as of that day (`domain::loan_book::asof`: what was recorded by then and not yet
//! reversed), read 500 loans at a time, so a later reversal or a back-dated repayment recorded
//! later never changes a past day's statement; it is a movement of the day it is recorded.

use chrono::NaiveDate;

use crate::auth::{Caller, Role};
use crate::db::models::loans as m;
use crate::db::DbConn;
use crate::domain::loan_book::asof::{day_book, DayBook, MovementKind as Kind};
use crate::domain::loan_state::LoanStatus;
use crate::domain::scope::LoanScope;
use crate::error::{ApiError, ApiResult};
use crate::views::loans::book::{entries_of, terms_of};
use crate::views::loans::statements::{
    MovementKind, StatementLine, StatementOut, StatementRepayment, StatementTotals,
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

/// The status a statement line shows: the loan's status at the end of the day (its last
/// change recorded by then); a loan whose disbursement was recorded later, with a value date
/// by then, shows `disbursed`.
fn status_on(recorded: Option<String>, now: LoanStatus) -> String {
    use LoanStatus::*;
    match recorded {
        Some(s)
            if ![Submitted, UnderReview, Approved]
                .iter()
                .any(|p| p.as_str() == s) =>
        {
            s
        }
        Some(_) => Disbursed.as_str().to_string(),
        None => now.as_str().to_string(),
    }
}

/// A batch of a bank's loans with what the statement needs of them, as read from the
/// database; [`compute`] makes its lines without the database.
pub struct Batch {
    loans: Vec<m::Loan>,
    ledgers: std::collections::HashMap<i64, Vec<m::Repayment>>,
    statuses: std::collections::HashMap<i64, String>,
}

/// Reads the batch after loan `after` (three queries: the loans, their ledgers as recorded
/// by the end of the day, their statuses then) and the last loan id read when the batch was
/// full (None when there are no more loans).
pub fn read(
    conn: &mut DbConn,
    bank: &str,
    on: NaiveDate,
    after: Option<i64>,
) -> ApiResult<(Batch, Option<i64>)> {
    let loans = m::statement_batch(conn, bank, on, after, STATEMENT_BATCH)?;
    let full = loans.len() as i64 == STATEMENT_BATCH;
    let last = loans.last().map(|l| l.id).filter(|_| full);
    let ids: Vec<i64> = loans.iter().map(|l| l.id).collect();
    let ledgers = m::ledgers_booked_by(conn, &ids, on)?;
    let statuses = m::statuses_at(conn, &ids, on)?;
    Ok((
        Batch {
            loans,
            ledgers,
            statuses,
        },
        last,
    ))
}

/// A batch's statement lines and the day's movements (each loan's book as of the end of
/// `on`; loans settled before that day are left out).
pub fn compute(batch: Batch, on: NaiveDate) -> (Vec<StatementLine>, Vec<StatementRepayment>) {
    let Batch {
        loans,
        mut ledgers,
        mut statuses,
    } = batch;
    let mut lines = Vec::with_capacity(loans.len());
    let mut day = Vec::new();
    for loan in loans {
        let reps = ledgers.remove(&loan.id).unwrap_or_default();
        let Some(terms) = terms_of(&loan) else {
            continue;
        };
        let DayBook { book, movements } = day_book(terms, &entries_of(&reps), on);
        let q = book.payoff(on);
        let moved: i64 = movements.iter().map(|m| m.amount_fen).sum();
        if q.principal_fen == 0 && q.total_fen == 0 && movements.is_empty() {
            continue; // settled before that day
        }
        day.extend(movements.iter().map(|mv| {
            let r = reps.iter().find(|r| r.id == mv.entry_id);
            StatementRepayment {
                repayment_id: mv.entry_id,
                loan_id: loan.id,
                bank_reference: r.and_then(|r| r.bank_reference.clone()),
                kind: match mv.kind {
                    Kind::Repayment => MovementKind::Repayment,
                    Kind::Reversal => MovementKind::Reversal,
                },
                amount_fen: mv.amount_fen,
                penalty_interest_fen: mv.split.penalty_interest_fen,
                interest_fen: mv.split.interest_fen,
                principal_fen: mv.split.principal_fen,
            }
        }));
        lines.push(StatementLine {
            loan_id: loan.id,
            bank_reference: loan.bank_reference.clone(),
            status: status_on(statuses.remove(&loan.id), loan.status),
            outstanding_principal_fen: q.principal_fen,
            accrued_interest_fen: q.interest_fen,
            penalty_interest_fen: q.penalty_interest_fen,
            repaid_that_day_fen: moved,
        });
    }
    (lines, day)
}

/// The error of totals that overflow.
pub fn overflow() -> ApiError {
    ApiError::internal("the statement's totals overflow")
}

/// The whole statement in one piece (the streamed one's reference in tests).
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
        let (batch, last) = read(conn, bank, on, after)?;
        let (lines, day) = compute(batch, on);
        for l in &lines {
            out.totals.add(l).ok_or_else(overflow)?;
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
