//! Each loan's running book (`loan_books`): derived from the ledger and kept in the
//! transaction of every repayment and reversal, so recording a repayment reads one row
//! instead of the whole ledger.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::loan_books;
use crate::db::DbConn;

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
