//! The risk-compensation fund's ledger and the exposure it guarantees.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{loan_repayments, loans, risk_fund_entries};
use crate::db::{Backend, DbConn};
use crate::domain::loan_state;
use crate::domain::risk_fund::EntryKind;

/// The fund's lock: every check of the balance or the lending cap and the write that relies
/// on it (approving a guaranteed loan, compensating, contributing) take it first, so two of
/// them never decide on the same balance. PostgreSQL: a transaction-scoped advisory lock
/// (READ COMMITTED reads then see what the previous holder committed); SQLite's
/// `BEGIN IMMEDIATE` already serialises writers.
pub fn lock_fund(conn: &mut DbConn) -> QueryResult<()> {
    /// The lock's key: "RISKFUND" in ASCII.
    const FUND_LOCK: i64 = 0x5249_534b_4655_4e44;
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({FUND_LOCK})")).execute(c)?;
    }
    Ok(())
}

/// `SUM(col)` that cannot overflow on either backend, as `i128`: the sums of the high and the
/// low 32 bits of each value, each a BIGINT far from its limit, recombined here (integer
/// division and remainder truncate toward zero on both backends, so `hi·2³² + lo = col`).
fn exact_sum<S>(conn: &mut DbConn, col: &str, source: S) -> QueryResult<i128>
where
    S: diesel::query_dsl::methods::SelectDsl<
        diesel::expression::SqlLiteral<(
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        )>,
    >,
    S::Output: diesel::query_dsl::LoadQuery<'static, DbConn, (Option<i64>, Option<i64>)>,
{
    let parts = diesel::dsl::sql(&format!(
        "CAST(SUM({col} / 4294967296) AS BIGINT), CAST(SUM({col} % 4294967296) AS BIGINT)"
    ));
    let (hi, lo): (Option<i64>, Option<i64>) = source.select(parts).get_result(conn)?;
    Ok(i128::from(hi.unwrap_or(0)) * (1_i128 << 32) + i128::from(lo.unwrap_or(0)))
}

/// What the fund guarantees now: approved principal not yet repaid, over eligible loans in
/// the exposed states.
pub fn exposure(conn: &mut DbConn) -> QueryResult<i128> {
    exposure_of(conn, None)
}

/// The exposure of one bank's loans (`Some`), or of all (`None`).
pub fn exposure_of(conn: &mut DbConn, bank: Option<&str>) -> QueryResult<i128> {
    macro_rules! exposed {
        () => {
            loans::table
                .filter(loans::risk_compensation_eligible.eq(true))
                .filter(loans::status.eq_any(loan_state::EXPOSED))
        };
    }
    macro_rules! sums {
        ($loans:expr) => {{
            let approved = exact_sum(conn, "loans.approved_amount_fen", $loans)?;
            let repaid = exact_sum(
                conn,
                "loan_repayments.principal_fen",
                loan_repayments::table
                    .filter(loan_repayments::reversed_at.is_null())
                    .filter(loan_repayments::loan_id.eq_any($loans.select(loans::id))),
            )?;
            Ok(approved - repaid)
        }};
    }
    match bank {
        None => sums!(exposed!()),
        Some(b) => {
            let b = b.to_string();
            sums!(exposed!().filter(loans::bank_code.eq(b.clone())))
        }
    }
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
    /// The bank of the loan it concerns (none for a contribution).
    pub bank_code: Option<String>,
    /// The loan it concerns (a compensation's or a recovery's).
    pub related_loan_id: Option<i64>,
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
    pub bank_code: Option<String>,
    pub related_loan_id: Option<i64>,
}

pub fn insert_fund_entry(conn: &mut DbConn, e: &NewFundEntry) -> QueryResult<FundEntry> {
    diesel::insert_into(risk_fund_entries::table)
        .values(e)
        .get_result(conn)
}

/// The ledger's sums by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FundTotals {
    pub contributed_fen: i128,
    pub compensated_fen: i128,
    pub recovered_fen: i128,
}

impl FundTotals {
    /// The balance: contributions + recoveries − compensations.
    pub fn balance_fen(&self) -> i128 {
        self.contributed_fen + self.recovered_fen - self.compensated_fen
    }
}

/// The balance: the sum of the ledger.
pub fn fund_balance(conn: &mut DbConn) -> QueryResult<FundTotals> {
    let mut totals = |kind: EntryKind| -> QueryResult<i128> {
        exact_sum(
            conn,
            "risk_fund_entries.amount_fen",
            risk_fund_entries::table.filter(risk_fund_entries::kind.eq(kind)),
        )
    };
    Ok(FundTotals {
        contributed_fen: totals(EntryKind::Contribution)?,
        compensated_fen: totals(EntryKind::Compensation)?,
        recovered_fen: totals(EntryKind::Recovery)?,
    })
}

/// Filters of the ledger (already validated).
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kind: Option<EntryKind>,
    pub bank_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of the ledger, oldest first, after entry `after`.
pub fn fund_entry_page(
    conn: &mut DbConn,
    f: &EntryFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<FundEntry>> {
    let mut q = risk_fund_entries::table.into_boxed::<Backend>();
    if let Some(k) = f.kind {
        q = q.filter(risk_fund_entries::kind.eq(k));
    }
    if let Some(b) = &f.bank_code {
        q = q.filter(risk_fund_entries::bank_code.eq(b.clone()));
    }
    if let Some(d) = f.from {
        q = q.filter(risk_fund_entries::entry_on.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(risk_fund_entries::entry_on.le(d));
    }
    if let Some(a) = after {
        q = q.filter(risk_fund_entries::id.gt(a));
    }
    q.order(risk_fund_entries::id.asc())
        .limit(limit)
        .select(FundEntry::as_select())
        .load(conn)
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
