//! Applying for a loan, and reading loans: lists with totals, one loan, its history and its
//! schedule. Who sees which loans is the caller's loan scope.

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, NewLoan, NewLoanEvent};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::cooperative::CoopStatus;
use crate::domain::loan_state::LoanStatus;
use crate::domain::loan_terms;
use crate::error::{ApiError, ApiResult};
use crate::views::loans::{
    LoanCreate, LoanFilterParams, LoanHistory, LoanList, LoanOut, ScheduleOut,
};
use crate::views::pagination::{ListResponse, PageParams};
use crate::webhooks::emit;

use super::{invalid, view};

/// A cooperative applies for itself; the district admin may apply on a cooperative's
/// behalf. Only an `active` cooperative applies (abnormal, merged, deregistered → 409). The product must take applications, the amount and term be within its limits
/// (422 naming the field). The loan goes to the product's bank, `submitted`, at the
/// product's rate; emits `loan.submitted`.
pub fn apply(conn: &mut DbConn, caller: &Caller, b: LoanCreate) -> ApiResult<LoanOut> {
    caller.require(Resource::Loans, Access::Write)?;
    if !matches!(caller.role(), Role::Cooperative | Role::DistrictAdmin) {
        return Err(ApiError::Forbidden(
            "only a cooperative (or the district on its behalf) applies for loans".into(),
        ));
    }
    let actor = caller.actor();
    let coop = caller.cooperative(conn, b.cooperative_id)?;
    if coop.status != CoopStatus::Active {
        return Err(ApiError::Conflict(format!(
            "the cooperative is {}; only an active cooperative applies for loans",
            coop.status
        )));
    }
    let product = match m::product(conn, b.product_id, None) {
        Ok(p) if !p.retired => p,
        Ok(_) => {
            return Err(ApiError::field(
                "product_id",
                "retired",
                "this product takes no new applications",
            ))
        }
        Err(diesel::result::Error::NotFound) => {
            return Err(ApiError::field(
                "product_id",
                "unknown",
                "no such loan product",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let breaches = loan_terms::application_breaches(
        b.amount_fen,
        b.term_months,
        product.max_amount_fen,
        product.max_term_months,
    );
    if !breaches.is_empty() {
        return Err(invalid(breaches));
    }
    let at = now();
    let loan = m::insert_loan(
        conn,
        &NewLoan {
            cooperative_id: b.cooperative_id,
            product_id: product.id,
            bank_code: product.bank_code.clone(),
            amount_fen: b.amount_fen,
            approved_amount_fen: None,
            annual_rate_bp: product.annual_rate_bp,
            term_months: b.term_months,
            repayment_method: product.repayment_method,
            penalty_rate_markup_bp: product.penalty_rate_markup_bp,
            risk_compensation_eligible: product.risk_compensation_eligible,
            purpose: b.purpose.trim().to_string(),
            status: LoanStatus::Submitted,
            disbursed_on: None,
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?;
    m::insert_event(
        conn,
        &NewLoanEvent {
            loan_id: loan.id,
            action: "apply",
            from_status: None,
            to_status: LoanStatus::Submitted.as_str(),
            actor_name: &actor.name,
            actor_role: &actor.role,
            note: None,
            occurred_at: at,
        },
    )?;
    let out = LoanOut::new(loan, Default::default(), &[]);
    audit::record(
        conn,
        &actor,
        "apply",
        "loan",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    emit(conn, &out.bank_code, "loan.submitted", &out)?;
    Ok(out)
}

/// One page of the loans in the caller's scope, with totals over every matching loan.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &LoanFilterParams,
    page: &PageParams,
) -> ApiResult<LoanList> {
    let scope = caller.loan_scope()?;
    let page = page.page()?;
    let filter = filters.to_filter();
    let rows = m::list_loans(conn, &scope, &filter, page.after, page.limit + 1)?;
    let totals = m::loan_totals(conn, &scope, &filter)?;
    let list = ListResponse::from_rows(rows, page, page.count.then_some(totals.count), |l| l.id);
    let ids: Vec<i64> = list.items.iter().map(|l| l.id).collect();
    let mut paid = m::paid_by_loan(conn, &ids)?;
    let mut ledgers = m::repayments_by_loan(conn, &ids)?;
    Ok(LoanList {
        items: list
            .items
            .into_iter()
            .map(|l| {
                let p = paid.remove(&l.id).unwrap_or_default();
                let reps = ledgers.remove(&l.id).unwrap_or_default();
                LoanOut::new(l, p, &reps)
            })
            .collect(),
        next_cursor: list.next_cursor,
        total: list.total,
        totals: totals.into(),
    })
}

/// One loan in the caller's scope (404 outside it).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<LoanOut> {
    let scope = caller.loan_scope()?;
    let l = m::find_loan(conn, &scope, id)?;
    view(conn, l)
}

/// A loan's history, oldest first.
pub fn history(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<LoanHistory> {
    let scope = caller.loan_scope()?;
    m::find_loan(conn, &scope, id)?;
    Ok(LoanHistory {
        items: m::history(conn, id)?.into_iter().map(Into::into).collect(),
    })
}

/// A loan's schedule with its repayments applied (a preview before disbursement).
pub fn schedule(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ScheduleOut> {
    let scope = caller.loan_scope()?;
    let l = m::find_loan(conn, &scope, id)?;
    let reps = m::repayments(conn, id)?;
    Ok(ScheduleOut::new(&l, &reps))
}
