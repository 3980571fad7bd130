//! Loans, the queries that apply a caller's loan scope, and each loan's history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::sum_i64;
use crate::db::schema::{cooperatives, loan_events, loan_repayments, loans};
use crate::db::{Backend, DbConn};
use crate::domain::loan_ageing::LoanClassification;
use crate::domain::loan_schedule::RepaymentMethod;
use crate::domain::loan_state::LoanStatus;

#[derive(Queryable, QueryableByName, Selectable, Debug, Clone, serde::Serialize)]
#[diesel(table_name = loans)]
pub struct Loan {
    pub id: i64,
    pub cooperative_id: i64,
    pub product_id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub status: LoanStatus,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The bank's loan number (借据号), unique per bank; NULL for loans disbursed before.
    pub bank_reference: Option<String>,
    /// The first instalment's due date when the bank fixed one.
    pub first_due_on: Option<NaiveDate>,
    /// The product's penalty markup when the loan was applied for.
    pub penalty_rate_markup_bp: i32,
    /// What the ageing job last found.
    pub days_past_due: i32,
    pub classification: LoanClassification,
}

#[derive(Insertable)]
#[diesel(table_name = loans)]
pub struct NewLoan {
    pub cooperative_id: i64,
    pub product_id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub status: LoanStatus,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub penalty_rate_markup_bp: i32,
}

pub use crate::domain::scope::LoanScope;

/// List filters (already validated).
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub bank_code: Option<String>,
    pub status: Option<LoanStatus>,
    pub town_code: Option<String>,
    pub product_id: Option<i64>,
    pub cooperative_id: Option<i64>,
    pub updated_since: Option<NaiveDateTime>,
    pub classification: Option<LoanClassification>,
}

type LoanQuery = loans::BoxedQuery<'static, Backend>;

macro_rules! coops_of_town {
    ($town:expr) => {
        cooperatives::table
            .filter(cooperatives::town_code.eq($town.to_string()))
            .select(cooperatives::id)
    };
}

pub fn scoped(scope: &LoanScope) -> LoanQuery {
    let q = loans::table.into_boxed::<Backend>();
    match scope {
        LoanScope::All => q,
        LoanScope::Town(t) => q.filter(loans::cooperative_id.eq_any(coops_of_town!(t))),
        LoanScope::Cooperative(id) => q.filter(loans::cooperative_id.eq(*id)),
        LoanScope::Bank(b) => q.filter(loans::bank_code.eq(b.clone())),
    }
}

fn filtered(scope: &LoanScope, f: &LoanFilter) -> LoanQuery {
    let mut q = scoped(scope);
    if let Some(v) = &f.bank_code {
        q = q.filter(loans::bank_code.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(loans::status.eq(*v));
    }
    if let Some(v) = &f.town_code {
        q = q.filter(loans::cooperative_id.eq_any(coops_of_town!(v)));
    }
    if let Some(v) = f.product_id {
        q = q.filter(loans::product_id.eq(v));
    }
    if let Some(v) = f.cooperative_id {
        q = q.filter(loans::cooperative_id.eq(v));
    }
    if let Some(t) = f.updated_since {
        q = q.filter(loans::updated_at.gt(t));
    }
    if let Some(c) = f.classification {
        q = q.filter(loans::classification.eq(c));
    }
    q
}

pub fn list_loans(
    conn: &mut DbConn,
    scope: &LoanScope,
    f: &LoanFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Loan>> {
    let mut q = filtered(scope, f);
    if let Some(a) = after {
        q = q.filter(loans::id.gt(a));
    }
    q.order(loans::id.asc())
        .limit(limit)
        .select(Loan::as_select())
        .load(conn)
}

/// Sums over every loan matching some filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoanSums {
    pub count: i64,
    /// The amounts asked for.
    pub amount_fen: i64,
    /// The amounts approved.
    pub approved_amount_fen: i64,
    /// The principal repaid of those loans.
    pub repaid_principal_fen: i64,
}

/// Totals over every loan matching the filters.
pub fn loan_totals(conn: &mut DbConn, scope: &LoanScope, f: &LoanFilter) -> QueryResult<LoanSums> {
    let (n, asked, approved): (i64, Option<i64>, Option<i64>) = filtered(scope, f)
        .select((
            diesel::dsl::count_star(),
            sum_i64("loans.amount_fen"),
            sum_i64("loans.approved_amount_fen"),
        ))
        .first(conn)?;
    let ids: Vec<i64> = filtered(scope, f).select(loans::id).load(conn)?;
    let mut repaid = 0i64;
    for chunk in ids.chunks(5_000) {
        let part: Option<i64> = loan_repayments::table
            .filter(loan_repayments::loan_id.eq_any(chunk))
            .filter(loan_repayments::reversed_at.is_null())
            .select(sum_i64("loan_repayments.principal_fen"))
            .first(conn)?;
        repaid += part.unwrap_or(0);
    }
    Ok(LoanSums {
        count: n,
        amount_fen: asked.unwrap_or(0),
        approved_amount_fen: approved.unwrap_or(0),
        repaid_principal_fen: repaid,
    })
}

pub fn count_loans(conn: &mut DbConn, scope: &LoanScope, f: &LoanFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}

/// A loan the caller may see, or `NotFound`.
pub fn find_loan(conn: &mut DbConn, scope: &LoanScope, id: i64) -> QueryResult<Loan> {
    // The scopes of the repayment path as static queries on the backend's own connection
    // (`on_inner!`); a town's through the one scope rule, `scoped`.
    macro_rules! by_id {
        ($c:ident $(, $scope:expr)?) => {
            loans::table
                .filter(loans::id.eq(id))
                $(.filter($scope))?
                .select(Loan::as_select())
                .get_result($c)
        };
    }
    match scope {
        LoanScope::All => crate::on_inner!(conn, |c| by_id!(c)),
        LoanScope::Bank(b) => {
            crate::on_inner!(conn, |c| by_id!(c, loans::bank_code.eq(b.as_str())))
        }
        LoanScope::Cooperative(own) => {
            crate::on_inner!(conn, |c| by_id!(c, loans::cooperative_id.eq(*own)))
        }
        LoanScope::Town(_) => scoped(scope)
            .filter(loans::id.eq(id))
            .select(Loan::as_select())
            .first(conn),
    }
}

/// The loan of `bank` that carries the bank's loan number `reference`, if any.
pub fn loan_by_reference(
    conn: &mut DbConn,
    bank: &str,
    reference: &str,
) -> QueryResult<Option<Loan>> {
    loans::table
        .filter(loans::bank_code.eq(bank))
        .filter(loans::bank_reference.eq(reference))
        .select(Loan::as_select())
        .first(conn)
        .optional()
}

pub fn insert_loan(conn: &mut DbConn, l: &NewLoan) -> QueryResult<Loan> {
    diesel::insert_into(loans::table).values(l).get_result(conn)
}

/// Fields an action changes on a loan.
#[derive(AsChangeset, Default)]
#[diesel(table_name = loans)]
pub struct LoanChanges {
    pub status: Option<LoanStatus>,
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: Option<i32>,
    pub disbursed_on: Option<NaiveDate>,
    pub bank_reference: Option<String>,
    pub first_due_on: Option<NaiveDate>,
    pub version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Applies changes only if the loan is still at `expected` version (else `None`).
pub fn update_loan(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    mut changes: LoanChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<Loan>> {
    changes.version = Some(expected + 1);
    changes.updated_at = Some(at);
    let n = diesel::update(
        loans::table
            .filter(loans::id.eq(id))
            .filter(loans::version.eq(expected)),
    )
    .set(&changes)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    find_loan(conn, &LoanScope::All, id).map(Some)
}

/// Takes the loan's row for this transaction (bumping its version) and returns it as it is
/// now (one statement, `RETURNING`): concurrent writers of one loan queue here instead of
/// failing. With `of_bank`, only a loan of that bank: `NotFound` otherwise, as [`find_loan`]
/// in the bank's scope.
pub fn lock_loan(
    conn: &mut DbConn,
    id: i64,
    of_bank: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<Loan> {
    // A cached statement: Diesel's UPDATE would be prepared on every repayment.
    let lock = crate::db::hot_sql::LockLoan {
        id,
        bank: of_bank,
        at,
    };
    crate::on_inner!(conn, |c| lock.get_result(c))
}

// ---------------------------------------------------------------- history

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_events)]
pub struct LoanEvent {
    pub id: i64,
    pub loan_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_name: String,
    pub actor_role: String,
    pub note: Option<String>,
    pub occurred_at: NaiveDateTime,
}

// `None` binds NULL (the column's only default) rather than writing `DEFAULT`: one SQL text
// whatever is empty, so its prepared statement is cached (Diesel prepares an insert with
// `DEFAULT` again every time).
#[derive(Insertable)]
#[diesel(table_name = loan_events, treat_none_as_default_value = false)]
pub struct NewLoanEvent<'a> {
    pub loan_id: i64,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub note: Option<&'a str>,
    pub occurred_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConn, e: &NewLoanEvent) -> QueryResult<()> {
    diesel::insert_into(loan_events::table)
        .values(e)
        .execute(conn)
        .map(|_| ())
}

pub fn history(conn: &mut DbConn, loan_id: i64) -> QueryResult<Vec<LoanEvent>> {
    loan_events::table
        .filter(loan_events::loan_id.eq(loan_id))
        .order(loan_events::id.asc())
        .select(LoanEvent::as_select())
        .load(conn)
}

/// The status each of some loans had at the end of `on`: the target of its last state change
/// recorded by then (loans with none are left out).
pub fn statuses_at(
    conn: &mut DbConn,
    ids: &[i64],
    on: NaiveDate,
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = loan_events::table
        .filter(loan_events::loan_id.eq_any(ids))
        .filter(loan_events::occurred_at.lt(super::end_of(on)))
        .order((loan_events::loan_id.asc(), loan_events::id.asc()))
        .select((loan_events::loan_id, loan_events::to_status))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Loans the ageing job looks at (being repaid, defaulted or compensated), after `after`.
pub fn ageing_batch(conn: &mut DbConn, after: Option<i64>, limit: i64) -> QueryResult<Vec<Loan>> {
    use crate::domain::loan_state::LoanStatus::*;
    let mut q = loans::table
        .filter(loans::status.eq_any([Disbursed, Overdue, Defaulted, Compensated]))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(loans::id.gt(a));
    }
    q.order(loans::id.asc())
        .limit(limit)
        .select(Loan::as_select())
        .load(conn)
}

/// Records what the ageing job found (not a change of the loan's terms: no version bump).
pub fn set_ageing(
    conn: &mut DbConn,
    id: i64,
    dpd: i32,
    class: LoanClassification,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(loans::table.filter(loans::id.eq(id)))
        .set((
            loans::days_past_due.eq(dpd),
            loans::classification.eq(class),
            loans::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Loans of `bank` disbursed on or before `on`, after `after`, in id order.
pub fn statement_batch(
    conn: &mut DbConn,
    bank: &str,
    on: NaiveDate,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Loan>> {
    let mut q = loans::table
        .filter(loans::bank_code.eq(bank.to_string()))
        .filter(loans::disbursed_on.le(on))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(loans::id.gt(a));
    }
    q.order(loans::id.asc())
        .limit(limit)
        .select(Loan::as_select())
        .load(conn)
}
