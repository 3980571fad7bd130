//! Partner banks, loan products, loans with their history and repayment ledger, the
//! risk-compensation fund, idempotency keys.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    cooperatives, idempotency_keys, loan_events, loan_products, loan_repayments, loans, partners,
    risk_fund_entries,
};
use crate::db::{Backend, DbConn};

/// `SUM(col)` as a BIGINT on both backends (PostgreSQL's SUM(bigint) is numeric).
fn sum_i64(
    col: &'static str,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::BigInt>> {
    diesel::dsl::sql(&format!("CAST(SUM({col}) AS BIGINT)"))
}

// ---------------------------------------------------------------- partners

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = partners)]
pub struct Partner {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = partners)]
pub struct NewPartner {
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_partner(conn: &mut DbConn, p: &NewPartner) -> QueryResult<Partner> {
    diesel::insert_into(partners::table)
        .values(p)
        .get_result(conn)
}

pub fn partner(conn: &mut DbConn, id: i64) -> QueryResult<Partner> {
    partners::table
        .filter(partners::id.eq(id))
        .select(Partner::as_select())
        .first(conn)
}

pub fn partner_by_client_id(conn: &mut DbConn, client_id: &str) -> QueryResult<Option<Partner>> {
    partners::table
        .filter(partners::client_id.eq(client_id.to_string()))
        .select(Partner::as_select())
        .first(conn)
        .optional()
}

pub fn list_partners(
    conn: &mut DbConn,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Partner>> {
    let mut q = partners::table.into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(partners::id.gt(a));
    }
    q.order(partners::id.asc())
        .limit(limit)
        .select(Partner::as_select())
        .load(conn)
}

pub fn update_partner(
    conn: &mut DbConn,
    id: i64,
    disabled: Option<bool>,
    secret_hash: Option<String>,
    at: NaiveDateTime,
) -> QueryResult<Partner> {
    let target = partners::table.filter(partners::id.eq(id));
    if let Some(d) = disabled {
        diesel::update(target)
            .set((partners::disabled.eq(d), partners::updated_at.eq(at)))
            .execute(conn)?;
    }
    if let Some(h) = secret_hash {
        diesel::update(partners::table.filter(partners::id.eq(id)))
            .set((partners::secret_hash.eq(h), partners::updated_at.eq(at)))
            .execute(conn)?;
    }
    partner(conn, id)
}

/// Whether a bank has a working integration (an enabled partner client). Without one, the
/// district acts for the bank.
pub fn bank_has_integration(conn: &mut DbConn, bank_code: &str) -> QueryResult<bool> {
    partners::table
        .filter(partners::bank_code.eq(bank_code.to_string()))
        .filter(partners::disabled.eq(false))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

// ---------------------------------------------------------------- products

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_products)]
pub struct LoanProduct {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: String,
    pub risk_compensation_eligible: bool,
    pub retired: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = loan_products)]
pub struct NewLoanProduct {
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: String,
    pub risk_compensation_eligible: bool,
    pub retired: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = loan_products)]
pub struct LoanProductChanges {
    pub name: Option<String>,
    pub annual_rate_bp: Option<i32>,
    pub max_amount_fen: Option<i64>,
    pub max_term_months: Option<i32>,
    pub repayment_method: Option<String>,
    pub risk_compensation_eligible: Option<bool>,
    pub retired: Option<bool>,
    pub version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_product(conn: &mut DbConn, p: &NewLoanProduct) -> QueryResult<LoanProduct> {
    diesel::insert_into(loan_products::table)
        .values(p)
        .get_result(conn)
}

/// A product, narrowed to one bank when `bank` is set.
pub fn product(conn: &mut DbConn, id: i64, bank: Option<&str>) -> QueryResult<LoanProduct> {
    let mut q = loan_products::table
        .filter(loan_products::id.eq(id))
        .into_boxed::<Backend>();
    if let Some(b) = bank {
        q = q.filter(loan_products::bank_code.eq(b.to_string()));
    }
    q.select(LoanProduct::as_select()).first(conn)
}

pub fn list_products(
    conn: &mut DbConn,
    bank: Option<&str>,
    include_retired: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LoanProduct>> {
    let mut q = loan_products::table.into_boxed::<Backend>();
    if let Some(b) = bank {
        q = q.filter(loan_products::bank_code.eq(b.to_string()));
    }
    if !include_retired {
        q = q.filter(loan_products::retired.eq(false));
    }
    if let Some(a) = after {
        q = q.filter(loan_products::id.gt(a));
    }
    q.order(loan_products::id.asc())
        .limit(limit)
        .select(LoanProduct::as_select())
        .load(conn)
}

/// Applies changes if the version is still `expected`; `None` when another writer won.
pub fn update_product(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    mut changes: LoanProductChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<LoanProduct>> {
    changes.version = Some(expected + 1);
    changes.updated_at = Some(at);
    let n = diesel::update(
        loan_products::table
            .filter(loan_products::id.eq(id))
            .filter(loan_products::version.eq(expected)),
    )
    .set(&changes)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    product(conn, id, None).map(Some)
}

// ---------------------------------------------------------------- loans

#[derive(Queryable, Selectable, Debug, Clone, serde::Serialize)]
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
    pub repayment_method: String,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub status: String,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
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
    pub repayment_method: String,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub status: String,
    pub disbursed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub use crate::domain::scope::LoanScope;

/// List filters (already validated).
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub bank_code: Option<String>,
    pub status: Option<String>,
    pub town_code: Option<String>,
    pub product_id: Option<i64>,
    pub cooperative_id: Option<i64>,
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
        q = q.filter(loans::status.eq(v.clone()));
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

/// Totals over every loan matching the filters: (count, amount asked, amount approved,
/// principal repaid of those loans).
pub fn loan_totals(
    conn: &mut DbConn,
    scope: &LoanScope,
    f: &LoanFilter,
) -> QueryResult<(i64, i64, i64, i64)> {
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
            .select(sum_i64("loan_repayments.principal_fen"))
            .first(conn)?;
        repaid += part.unwrap_or(0);
    }
    Ok((n, asked.unwrap_or(0), approved.unwrap_or(0), repaid))
}

pub fn count_loans(conn: &mut DbConn, scope: &LoanScope, f: &LoanFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}

/// A loan the caller may see, or `NotFound`.
pub fn find_loan(conn: &mut DbConn, scope: &LoanScope, id: i64) -> QueryResult<Loan> {
    scoped(scope)
        .filter(loans::id.eq(id))
        .select(Loan::as_select())
        .first(conn)
}

pub fn insert_loan(conn: &mut DbConn, l: &NewLoan) -> QueryResult<Loan> {
    diesel::insert_into(loans::table).values(l).get_result(conn)
}

/// Fields an action changes on a loan.
#[derive(AsChangeset, Default)]
#[diesel(table_name = loans)]
pub struct LoanChanges {
    pub status: Option<String>,
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: Option<i32>,
    pub disbursed_on: Option<NaiveDate>,
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
/// now: concurrent writers of one loan queue here instead of failing.
pub fn lock_loan(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<Loan> {
    diesel::update(loans::table.filter(loans::id.eq(id)))
        .set((
            loans::version.eq(loans::version + 1),
            loans::updated_at.eq(at),
        ))
        .execute(conn)?;
    find_loan(conn, &LoanScope::All, id)
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

#[derive(Insertable)]
#[diesel(table_name = loan_events)]
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

// ---------------------------------------------------------------- repayments

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_repayments)]
pub struct Repayment {
    pub id: i64,
    pub loan_id: i64,
    pub amount_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = loan_repayments)]
pub struct NewRepayment {
    pub loan_id: i64,
    pub amount_fen: i64,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_repayment(conn: &mut DbConn, r: &NewRepayment) -> QueryResult<Repayment> {
    diesel::insert_into(loan_repayments::table)
        .values(r)
        .get_result(conn)
}

pub fn repayments(conn: &mut DbConn, loan_id: i64) -> QueryResult<Vec<Repayment>> {
    loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan_id))
        .order(loan_repayments::id.asc())
        .select(Repayment::as_select())
        .load(conn)
}

/// Sums of the ledger for some loans: loan id → (amount, principal, interest).
pub fn paid_by_loan(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (i64, i64, i64)>> {
    type Sums = (i64, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Sums> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(ids))
        .group_by(loan_repayments::loan_id)
        .select((
            loan_repayments::loan_id,
            sum_i64("loan_repayments.amount_fen"),
            sum_i64("loan_repayments.principal_fen"),
            sum_i64("loan_repayments.interest_fen"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, a, p, i)| (id, (a.unwrap_or(0), p.unwrap_or(0), i.unwrap_or(0))))
        .collect())
}

/// What the fund guarantees now: approved principal not yet repaid, over eligible loans in
/// the exposed states.
pub fn exposure(conn: &mut DbConn) -> QueryResult<i64> {
    let exposed = ["approved", "disbursed", "overdue", "defaulted"];
    let approved: Option<i64> = loans::table
        .filter(loans::risk_compensation_eligible.eq(true))
        .filter(loans::status.eq_any(exposed))
        .select(sum_i64("loans.approved_amount_fen"))
        .first(conn)?;
    let repaid: Option<i64> = loan_repayments::table
        .filter(
            loan_repayments::loan_id.eq_any(
                loans::table
                    .filter(loans::risk_compensation_eligible.eq(true))
                    .filter(loans::status.eq_any(exposed))
                    .select(loans::id),
            ),
        )
        .select(sum_i64("loan_repayments.principal_fen"))
        .first(conn)?;
    Ok(approved.unwrap_or(0) - repaid.unwrap_or(0))
}

// ---------------------------------------------------------------- risk fund

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = risk_fund_entries)]
pub struct FundEntry {
    pub id: i64,
    pub kind: String,
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
    pub kind: String,
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

/// The balance: the sum of the ledger.
pub fn fund_balance(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let mut totals = |kind: &str| -> QueryResult<i64> {
        let s: Option<i64> = risk_fund_entries::table
            .filter(risk_fund_entries::kind.eq(kind.to_string()))
            .select(sum_i64("risk_fund_entries.amount_fen"))
            .first(conn)?;
        Ok(s.unwrap_or(0))
    };
    Ok((totals("contribution")?, totals("compensation")?))
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

// ---------------------------------------------------------------- idempotency keys

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = idempotency_keys)]
pub struct IdemKey {
    pub id: i64,
    pub owner: String,
    pub idem_key: String,
    pub request_hash: String,
    pub status: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn idem_find(conn: &mut DbConn, owner: &str, key: &str) -> QueryResult<Option<IdemKey>> {
    idempotency_keys::table
        .filter(idempotency_keys::owner.eq(owner.to_string()))
        .filter(idempotency_keys::idem_key.eq(key.to_string()))
        .select(IdemKey::as_select())
        .first(conn)
        .optional()
}

pub fn idem_insert(
    conn: &mut DbConn,
    owner: &str,
    key: &str,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(owner.to_string()),
            idempotency_keys::idem_key.eq(key.to_string()),
            idempotency_keys::request_hash.eq(hash.to_string()),
            idempotency_keys::status.eq("in_flight"),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes over an abandoned in-flight key (its request died): a new start time.
pub fn idem_restart(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.filter(idempotency_keys::id.eq(id)))
        .set(idempotency_keys::created_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn idem_complete(
    conn: &mut DbConn,
    owner: &str,
    key: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(owner.to_string()))
            .filter(idempotency_keys::idem_key.eq(key.to_string())),
    )
    .set((
        idempotency_keys::status.eq("done"),
        idempotency_keys::response_status.eq(Some(status)),
        idempotency_keys::response_body.eq(Some(body.to_string())),
    ))
    .execute(conn)
    .map(|_| ())
}

pub fn idem_release(conn: &mut DbConn, owner: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(owner.to_string()))
            .filter(idempotency_keys::idem_key.eq(key.to_string()))
            .filter(idempotency_keys::status.eq("in_flight")),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forgets keys older than `before` (they are kept at least 24 hours).
pub fn idem_purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
