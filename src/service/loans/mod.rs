//! Agricultural loans (惠农贷): products, applications, the state machine, repayments, the risk fund.
//!
//! Every change of a loan's state goes through [`transit`]: checked against the machine
//! (`crate::domain::loan_state`), version-guarded, with history, audit and outbox event in the
//! caller's transaction.

pub mod actions;
pub mod ageing;
pub mod applications;
pub mod claims;
pub mod ledger;
pub mod products;
pub mod repayments;
pub mod risk_fund;
pub mod statements;

use crate::auth::{Caller, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::loans::{self as m, Loan, LoanChanges, NewLoanEvent};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_state::{self, IllegalTransition, LoanAction};
use crate::domain::loan_terms::Breach;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::loans::LoanOut;
use crate::webhooks::emit;

/// The loan as the API shows it, with the sums of its repayment ledger (from its running
/// book, `ledger`).
pub fn view(conn: &mut DbConn, l: Loan) -> ApiResult<LoanOut> {
    let run = ledger::running(conn, &l)?;
    Ok(run.view(l))
}

/// 422 naming every field at fault.
fn invalid(breaches: Vec<Breach>) -> ApiError {
    ApiError::Validation(
        breaches
            .into_iter()
            .map(|b| FieldError::new(b.field, b.code, b.message))
            .collect(),
    )
}

/// 409 naming the loan's state.
fn illegal(e: IllegalTransition) -> ApiError {
    ApiError::Conflict(e.to_string())
}

/// The bank acts through its system; the district acts for a bank without one.
fn act_as_bank(caller: &Caller, conn: &mut DbConn, loan: &Loan) -> ApiResult<()> {
    match caller.role() {
        Role::BankPartner => Ok(()),
        Role::DistrictAdmin => {
            if m::bank_has_integration(conn, &loan.bank_code)? {
                Err(ApiError::Forbidden(format!(
                    "bank {} acts on its loans through its own integration",
                    loan.bank_code
                )))
            } else {
                Ok(())
            }
        }
        r => Err(ApiError::Forbidden(format!(
            "the role {r} may not act for the bank on a loan"
        ))),
    }
}

/// One state change: checked against the machine, version-guarded, with history, audit and
/// (when `event` is set) an outbox event, all in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn transit(
    conn: &mut DbConn,
    actor: &Actor,
    loan: &Loan,
    action: LoanAction,
    mut changes: LoanChanges,
    note: Option<&str>,
    event: Option<&str>,
) -> ApiResult<Loan> {
    let from = loan.status;
    let to = loan_state::next(from, action).map_err(illegal)?;
    let before = view(conn, loan.clone())?;
    changes.status = Some(to);
    let at = now();
    let updated = m::update_loan(conn, loan.id, loan.version, changes, at)?.ok_or_else(|| {
        ApiError::Conflict("the loan changed at the same time; read it again and retry".into())
    })?;
    m::insert_event(
        conn,
        &NewLoanEvent {
            loan_id: loan.id,
            action: action.as_str(),
            from_status: Some(from.as_str()),
            to_status: to.as_str(),
            actor_name: &actor.name,
            actor_role: &actor.role,
            note,
            occurred_at: at,
        },
    )?;
    let after = view(conn, updated.clone())?;
    audit::record(
        conn,
        actor,
        action.as_str(),
        "loan",
        &loan.id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    if let Some(e) = event {
        emit(conn, &updated.bank_code, e, &after)?;
    }
    Ok(updated)
}
