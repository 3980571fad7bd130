//! Loan products: the district admin manages them; a bank partner sees its own bank's.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, LoanProduct, LoanProductChanges, NewLoanProduct};
use crate::db::models::now;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::views::loans::{ProductCreate, ProductFilter, ProductOut, ProductPatch};
use crate::views::pagination::{ListResponse, Page};

/// Creates a product (the district admin only).
pub fn create(conn: &mut DbConn, caller: &Caller, b: ProductCreate) -> ApiResult<ProductOut> {
    caller.require(Resource::ReferenceData, Access::Write)?;
    let at = now();
    let p = m::insert_product(
        conn,
        &NewLoanProduct {
            bank_code: b.bank_code,
            name: b.name.trim().to_string(),
            annual_rate_bp: b.annual_rate_bp,
            max_amount_fen: b.max_amount_fen,
            max_term_months: b.max_term_months,
            repayment_method: b.repayment_method,
            risk_compensation_eligible: b.risk_compensation_eligible,
            penalty_rate_markup_bp: b
                .penalty_rate_markup_bp
                .unwrap_or(crate::domain::loan_book::DEFAULT_PENALTY_MARKUP_BP),
            retired: false,
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?;
    let out = ProductOut::from(p);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "loan_product",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of products open for applications (`include_retired`: all); a bank partner's own
/// bank's only (asking for another bank's gives an empty page).
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &ProductFilter,
    page: Page,
) -> ApiResult<ListResponse<ProductOut>> {
    caller.require(Resource::ReferenceData, Access::Read)?;
    let own = caller.product_bank();
    let bank = match (&own, &filter.bank_code) {
        (Some(o), Some(f)) if o != f => {
            return Ok(ListResponse::from_rows(
                vec![],
                page,
                None,
                |p: &ProductOut| p.id,
            ))
        }
        (Some(o), _) => Some(o.clone()),
        (None, f) => f.clone(),
    };
    let rows: Vec<LoanProduct> = m::list_products(
        conn,
        bank.as_deref(),
        filter.include_retired.unwrap_or(false),
        page.after,
        page.limit + 1,
    )?;
    Ok(ListResponse::from_rows(rows, page, None, |p| p.id).map(ProductOut::from))
}

/// One product (another bank's is 404 for a bank partner).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ProductOut> {
    caller.require(Resource::ReferenceData, Access::Read)?;
    let own = caller.product_bank();
    Ok(m::product(conn, id, own.as_deref())?.into())
}

fn change(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    demanded: Option<i32>,
    changes: LoanProductChanges,
    action: &str,
) -> ApiResult<ProductOut> {
    caller.require(Resource::ReferenceData, Access::Write)?;
    let current = m::product(conn, id, None)?;
    check_version(demanded, current.version)?;
    let before = ProductOut::from(current.clone());
    let after: ProductOut = m::update_product(conn, id, current.version, changes, now())?
        .ok_or(ApiError::PreconditionFailed)?
        .into();
    audit::record(
        conn,
        &caller.actor(),
        action,
        "loan_product",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Changes a product at the `demanded` version if one is given (else 412). Loans already
/// applied for keep their terms.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    demanded: Option<i32>,
    patch: ProductPatch,
) -> ApiResult<ProductOut> {
    change(conn, caller, id, demanded, patch.changes(), "update")
}

/// Retires a product: no new applications; its loans go on.
pub fn retire(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ProductOut> {
    let changes = LoanProductChanges {
        retired: Some(true),
        ..Default::default()
    };
    change(conn, caller, id, None, changes, "retire")
}
