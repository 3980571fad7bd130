//! A loan's running book: the schedule with its live repayments applied and the sums of what
//! they paid, kept in `loan_books` by the transaction of every repayment and reversal. It is
//! derived (the ledger stays the record): a loan without a row, or with a row of other terms,
//! has its book read from the ledger.

use chrono::NaiveDate;

use crate::db::models::loans::{self as m, Loan, LoanBookRow, Paid};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_book::Book;
use crate::error::ApiResult;
use crate::views::loans::book::{payments_of, terms_of};
use crate::views::loans::LoanOut;

/// A loan's book and what its live repayments paid.
#[derive(Debug, Clone)]
pub struct Running {
    /// None before disbursement.
    pub book: Option<Book>,
    pub paid: Paid,
    /// The value date of the last live repayment.
    pub last_paid_on: Option<NaiveDate>,
    /// Whether `loan_books` has a row for the loan.
    stored: bool,
}

impl Running {
    /// Counts a repayment just recorded (its split) into the sums.
    pub fn add(&mut self, r: &m::Repayment) -> ApiResult<()> {
        let add = |a: i64, b: i64| {
            a.checked_add(b)
                .ok_or_else(|| crate::error::ApiError::Internal("paid sums overflow".into()))
        };
        self.paid = Paid {
            total_fen: add(self.paid.total_fen, r.amount_fen)?,
            principal_fen: add(self.paid.principal_fen, r.principal_fen)?,
            interest_fen: add(self.paid.interest_fen, r.interest_fen)?,
        };
        self.last_paid_on = Some(self.last_paid_on.map_or(r.paid_on, |d| d.max(r.paid_on)));
        Ok(())
    }

    /// The loan as the API shows it, from this book.
    pub fn view(&self, l: Loan) -> LoanOut {
        LoanOut::with_book(l, self.paid, self.book.as_ref())
    }
}

/// The running book of `l`: the stored one (one read), else read from the ledger.
pub fn running(conn: &mut DbConn, l: &Loan) -> ApiResult<Running> {
    let row = m::book_row(conn, l.id)?;
    running_of(conn, l, row)
}

/// The running book of `l` from its stored row `row` (read with the loan, as
/// `m::lock_loan_with_book` does), else read from the ledger.
pub fn running_of(conn: &mut DbConn, l: &Loan, row: Option<m::LoanBookRow>) -> ApiResult<Running> {
    if let (Some(row), Some(terms)) = (&row, terms_of(l)) {
        if let Some(book) = Book::from_state(&row.state, terms) {
            return Ok(Running {
                book: Some(book),
                paid: Paid {
                    total_fen: row.paid_total_fen,
                    principal_fen: row.paid_principal_fen,
                    interest_fen: row.paid_interest_fen,
                },
                last_paid_on: row.last_paid_on,
                stored: true,
            });
        }
    }
    from_ledger(conn, l, row.is_some())
}

/// The book of `l` read from its ledger (the live repayments, in date order).
pub fn from_ledger(conn: &mut DbConn, l: &Loan, stored: bool) -> ApiResult<Running> {
    let reps = m::repayments(conn, l.id)?;
    let mut paid = Paid::default();
    for r in &reps {
        paid.total_fen = paid.total_fen.saturating_add(r.amount_fen);
        paid.principal_fen = paid.principal_fen.saturating_add(r.principal_fen);
        paid.interest_fen = paid.interest_fen.saturating_add(r.interest_fen);
    }
    Ok(Running {
        book: terms_of(l).map(|t| Book::read(t, &payments_of(&reps))),
        paid,
        last_paid_on: reps.iter().map(|r| r.paid_on).max(),
        stored,
    })
}

/// Writes the running book of a disbursed loan, in the caller's transaction.
pub fn save(conn: &mut DbConn, loan_id: i64, r: &mut Running) -> ApiResult<()> {
    let Some(book) = &r.book else {
        return Ok(());
    };
    let row = LoanBookRow {
        loan_id,
        state: book.to_state(),
        paid_total_fen: r.paid.total_fen,
        paid_principal_fen: r.paid.principal_fen,
        paid_interest_fen: r.paid.interest_fen,
        last_paid_on: r.last_paid_on,
        updated_at: now(),
    };
    m::save_book_row(conn, &row, r.stored)?;
    r.stored = true;
    Ok(())
}
