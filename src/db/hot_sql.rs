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
use diesel::sql_types::{BigInt, Date, HasSqlType, Integer, Nullable, Text, Timestamp, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use super::models::loans::LoanBookRow;

/// What makes a statement type below cached by type: a static query id (a unit struct `$id`)
/// and `RunQueryDsl`; with `rows`, also `Query` (its rows read by column name).
macro_rules! cached_statement {
    ($ty:ident, $id:ident) => {
        #[doc = concat!("The static query id of [`", stringify!($ty), "`] (which borrows).")]
        #[derive(Debug)]
        pub struct $id;

        impl QueryId for $ty<'_> {
            type QueryId = $id;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<Conn> RunQueryDsl<Conn> for $ty<'_> {}
    };
    ($ty:ident, $id:ident, rows) => {
        cached_statement!($ty, $id);

        impl Query for $ty<'_> {
            type SqlType = Untyped;
        }
    };
}

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

cached_statement!(LockLoan, LockLoanId, rows);

/// PostgreSQL: [`LockLoan`] with the loan's running book in the same statement, one round trip
/// instead of two; the book's columns are named `book_…` ([`super::models::loans::LockedLoan`]).
///
/// `WITH l AS (UPDATE … RETURNING *) SELECT l.*, b.… FROM l LEFT JOIN LATERAL (SELECT * FROM
/// loan_books WHERE loan_id = l.id FOR NO KEY UPDATE) b ON true`. The statement's snapshot is
/// taken before the `UPDATE` waits for a concurrent repayment of the loan, so a plain join would
/// read the book as it was before that repayment. Locking the book's row reads its newest
/// committed version instead, and `LATERAL` on `l` makes that happen only once the loan is
/// locked (the order every repayment takes them in, so no deadlock). A book row inserted
/// since the snapshot is not seen at all: no row here is read again by the caller
/// ([`super::models::loans::lock_loan_with_book`]). SQLite allows no `UPDATE` in a `WITH`, and
/// its second read is no round trip.
#[derive(Debug, Clone, Copy)]
pub struct LockLoanWithBook<'a>(pub LockLoan<'a>);

impl<DB> QueryFragment<DB> for LockLoanWithBook<'_>
where
    DB: Backend,
    for<'x> LockLoan<'x>: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("WITH l AS (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(
            ") SELECT l.*, b.state AS book_state, b.paid_total_fen AS book_paid_total_fen, \
             b.paid_principal_fen AS book_paid_principal_fen, \
             b.paid_interest_fen AS book_paid_interest_fen, b.last_paid_on AS book_last_paid_on, \
             b.updated_at AS book_updated_at FROM l LEFT JOIN LATERAL (SELECT * FROM loan_books \
             WHERE loan_books.loan_id = l.id FOR NO KEY UPDATE) b ON true",
        );
        Ok(())
    }
}

cached_statement!(LockLoanWithBook, LockLoanWithBookId, rows);

/// `UPDATE loan_books SET … WHERE loan_id = ?`: writes a loan's running book.
#[derive(Debug, Clone, Copy)]
pub struct SaveBook<'a>(pub &'a LoanBookRow);

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

cached_statement!(SaveBook, SaveBookId);

/// `INSERT INTO idempotency_keys … ON CONFLICT (owner, idem_key) DO UPDATE SET … WHERE
/// idempotency_keys.status <> 'done'`: stores a key with its response, in the transaction of
/// its change. Takes over a row of the earlier scheme (not `done`); 0 rows when the key is
/// done already (by a request that committed first), which the caller turns into a rollback.
#[derive(Debug, Clone, Copy)]
pub struct StoreKey<'a> {
    pub owner: &'a str,
    pub key: &'a str,
    pub hash: &'a str,
    pub done: &'a str,
    pub response_status: i32,
    pub response_body: &'a str,
    pub at: NaiveDateTime,
}

impl<DB> QueryFragment<DB> for StoreKey<'_>
where
    DB: Backend + HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<Timestamp>,
    str: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO idempotency_keys (owner, idem_key, request_hash, status, \
             response_status, response_body, created_at) VALUES (",
        );
        out.push_bind_param::<Text, _>(self.owner)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.key)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.done)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.response_status)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.response_body)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(
            ") ON CONFLICT (owner, idem_key) DO UPDATE SET request_hash = excluded.request_hash, \
             status = excluded.status, response_status = excluded.response_status, \
             response_body = excluded.response_body, created_at = excluded.created_at \
             WHERE idempotency_keys.status <> excluded.status",
        );
        Ok(())
    }
}

cached_statement!(StoreKey, StoreKeyId);

/// `INSERT INTO webhook_deliveries (…) SELECT id, … FROM webhooks WHERE bank_code = ? AND
/// active AND (',' || events || ',') LIKE ? ESCAPE '\'`: an event into the outbox, one
/// delivery for each of the bank's active subscriptions to it, in one statement (no read of
/// the subscriptions first). `events` is a comma-separated list; `pattern` is
/// `like_pattern(",type,")` ([`super::fragments::like_pattern`]).
#[derive(Debug, Clone, Copy)]
pub struct EnqueueEvent<'a> {
    pub bank: &'a str,
    pub pattern: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub pending: &'a str,
    pub at: NaiveDateTime,
}

impl<DB> QueryFragment<DB> for EnqueueEvent<'_>
where
    DB: Backend + HasSqlType<Text> + HasSqlType<Timestamp>,
    str: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, \
             attempts, next_attempt_at, created_at) SELECT id, ",
        );
        out.push_bind_param::<Text, _>(self.event_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.event_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.payload)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.pending)?;
        out.push_sql(", 0, ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" FROM webhooks WHERE bank_code = ");
        out.push_bind_param::<Text, _>(self.bank)?;
        out.push_sql(" AND active AND (',' || events || ',') LIKE ");
        out.push_bind_param::<Text, _>(self.pattern)?;
        out.push_sql(" ESCAPE '\\'");
        Ok(())
    }
}

cached_statement!(EnqueueEvent, EnqueueEventId);
