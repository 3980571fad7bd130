//! Each loan's running book (`loan_books`): derived from the ledger and kept in the
//! transaction of every repayment and reversal, so recording a repayment reads one row
//! instead of the whole ledger.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

use crate::db::hot_sql::{LockLoan, LockLoanWithBook};
use crate::db::schema::loan_books;
use crate::db::DbConn;

use super::{lock_loan, Loan};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = loan_books)]
pub struct LoanBookRow {
    pub loan_id: i64,
    /// The book (`domain::loan_book::Book`) as JSON.
    pub state: String,
    pub paid_total_fen: i64,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
    /// The value date of the last live repayment.
    pub last_paid_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

/// The running book of a loan, if one was written.
pub fn book_row(conn: &mut DbConn, loan_id: i64) -> QueryResult<Option<LoanBookRow>> {
    crate::on_inner!(conn, |c| loan_books::table
        .filter(loan_books::loan_id.eq(loan_id))
        .select(LoanBookRow::as_select())
        .get_result(c)
        .optional())
}

/// Writes the running book of a loan (`exists`: whether the row is there already).
pub fn save_book_row(conn: &mut DbConn, row: &LoanBookRow, exists: bool) -> QueryResult<()> {
    crate::on_inner!(conn, |c| {
        if exists {
            // A cached statement: Diesel's UPDATE would be prepared on every repayment.
            let n = crate::db::hot_sql::SaveBook(row).execute(c)?;
            if n == 1 {
                return Ok(());
            }
        }
        diesel::insert_into(loan_books::table)
            .values(row)
            .execute(c)
            .map(|_| ())
    })
}

/// A loan as [`LockLoanWithBook`] reads it: its row, and its running book's columns (all
/// NULL when no book was written).
#[derive(QueryableByName)]
pub struct LockedLoan {
    #[diesel(embed)]
    pub loan: Loan,
    #[diesel(sql_type = Nullable<Text>)]
    pub book_state: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub book_paid_total_fen: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub book_paid_principal_fen: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub book_paid_interest_fen: Option<i64>,
    #[diesel(sql_type = Nullable<Date>)]
    pub book_last_paid_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub book_updated_at: Option<NaiveDateTime>,
}

impl LockedLoan {
    /// The loan and its book row, if it has one.
    fn split(self) -> (Loan, Option<LoanBookRow>) {
        let book = match (
            self.book_state,
            self.book_paid_total_fen,
            self.book_paid_principal_fen,
            self.book_paid_interest_fen,
            self.book_updated_at,
        ) {
            (Some(state), Some(total), Some(principal), Some(interest), Some(updated_at)) => {
                Some(LoanBookRow {
                    loan_id: self.loan.id,
                    state,
                    paid_total_fen: total,
                    paid_principal_fen: principal,
                    paid_interest_fen: interest,
                    last_paid_on: self.book_last_paid_on,
                    updated_at,
                })
            }
            _ => None,
        };
        (self.loan, book)
    }
}

/// [`lock_loan`] and the loan's running book as it is then ([`book_row`]): one statement on
/// PostgreSQL ([`LockLoanWithBook`]) once the loan has a book, two otherwise and on SQLite.
pub fn lock_loan_with_book(
    conn: &mut DbConn,
    id: i64,
    of_bank: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<(Loan, Option<LoanBookRow>)> {
    match conn {
        DbConn::Pg(c) => {
            let lock = LockLoan {
                id,
                bank: of_bank,
                at,
            };
            let (loan, book) = LockLoanWithBook(lock)
                .get_result::<LockedLoan>(c)
                .map(LockedLoan::split)?;
            match book {
                Some(book) => Ok((loan, Some(book))),
                // Perhaps inserted by a repayment committed after the statement's snapshot
                // (the loan's first): read now. A loan's book is written once, so this is rare.
                None => Ok((loan, book_row(conn, id)?)),
            }
        }
        DbConn::Sqlite(_) => {
            let loan = lock_loan(conn, id, of_bank, at)?;
            let book = book_row(conn, id)?;
            Ok((loan, book))
        }
    }
}
