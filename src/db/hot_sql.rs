//! Hot UPDATEs as statement types whose prepared statements stay cached.
//!
//! Diesel marks every `UPDATE` it builds as not cacheable (an `AsChangeset` with `Option`
//! fields writes different SQL for different values), and `diesel::sql_query` too, so each
//! execution is parsed and planned again: on SQLite inside the one writer, on PostgreSQL as a
//! round trip of its own to prepare it. These types write fixed SQL with a static query id,
//! so the connection finds the prepared statement by type. The binds are written by Diesel
//! (`?` on SQLite, `$n` on PostgreSQL); `RETURNING *` is read by column name
//! (`QueryableByName`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Nullable, Text, Timestamp, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use super::models::loans::LoanBookRow;

/// `UPDATE loans SET version = version + 1, updated_at = ? WHERE id = ? AND (? IS NULL OR
/// bank_code = ?) RETURNING *`: takes a loan's row for the transaction and reads it as it is
/// then; with `bank`, only a loan of that bank (no row otherwise: the bank's scope and the lock
/// in one statement). One SQL text for both, so one cached statement.
#[derive(Debug, Clone, Copy)]
pub struct LockLoan<'a> {
    pub id: i64,
    pub bank: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// The static query id of [`LockLoan`] (which borrows its bank).
#[derive(Debug)]
pub struct LockLoanId;

impl<DB> QueryFragment<DB> for LockLoan<'_>
where
    DB: Backend + HasSqlType<Timestamp> + HasSqlType<BigInt> + HasSqlType<Nullable<Text>>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    i64: ToSql<BigInt, DB>,
    for<'x> Option<&'x str>: ToSql<Nullable<Text>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE loans SET version = version + 1, updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND (");
        out.push_bind_param::<Nullable<Text>, _>(&self.bank)?;
        out.push_sql(" IS NULL OR bank_code = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.bank)?;
        out.push_sql(") RETURNING *");
        Ok(())
    }
}

impl QueryId for LockLoan<'_> {
    type QueryId = LockLoanId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for LockLoan<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for LockLoan<'_> {}

/// `UPDATE loan_books SET … WHERE loan_id = ?`: writes a loan's running book.
#[derive(Debug, Clone, Copy)]
pub struct SaveBook<'a>(pub &'a LoanBookRow);

/// The static query id of [`SaveBook`] (which borrows its row).
#[derive(Debug)]
pub struct SaveBookId;

impl<DB> QueryFragment<DB> for SaveBook<'_>
where
    DB: Backend
        + HasSqlType<Text>
        + HasSqlType<BigInt>
        + HasSqlType<Nullable<Date>>
        + HasSqlType<Timestamp>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    Option<NaiveDate>: ToSql<Nullable<Date>, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let r = self.0;
        out.push_sql("UPDATE loan_books SET state = ");
        out.push_bind_param::<Text, _>(r.state.as_str())?;
        out.push_sql(", paid_total_fen = ");
        out.push_bind_param::<BigInt, _>(&r.paid_total_fen)?;
        out.push_sql(", paid_principal_fen = ");
        out.push_bind_param::<BigInt, _>(&r.paid_principal_fen)?;
        out.push_sql(", paid_interest_fen = ");
        out.push_bind_param::<BigInt, _>(&r.paid_interest_fen)?;
        out.push_sql(", last_paid_on = ");
        out.push_bind_param::<Nullable<Date>, _>(&r.last_paid_on)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&r.updated_at)?;
        out.push_sql(" WHERE loan_id = ");
        out.push_bind_param::<BigInt, _>(&r.loan_id)?;
        Ok(())
    }
}

impl QueryId for SaveBook<'_> {
    type QueryId = SaveBookId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Conn> RunQueryDsl<Conn> for SaveBook<'_> {}
