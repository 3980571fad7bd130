//! Loan products of the partner banks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::loan_products;
use crate::db::{Backend, DbConn};
use crate::domain::loan_schedule::RepaymentMethod;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_products)]
pub struct LoanProduct {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub retired: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Penalty rate = contract rate × (1 + markup / 10000).
    pub penalty_rate_markup_bp: i32,
}

#[derive(Insertable)]
#[diesel(table_name = loan_products)]
pub struct NewLoanProduct {
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub retired: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Penalty rate = contract rate × (1 + markup / 10000).
    pub penalty_rate_markup_bp: i32,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = loan_products)]
pub struct LoanProductChanges {
    pub name: Option<String>,
    pub annual_rate_bp: Option<i32>,
    pub max_amount_fen: Option<i64>,
    pub max_term_months: Option<i32>,
    pub repayment_method: Option<RepaymentMethod>,
    pub risk_compensation_eligible: Option<bool>,
    pub penalty_rate_markup_bp: Option<i32>,
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
