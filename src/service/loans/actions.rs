//! The bank's actions on a loan (review, approve, reject, disburse, mark overdue, default)
//! and the cooperative's (withdraw). The bank acts through its own system; the district
//! admin acts for a bank without one.

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::Actor;
use crate::db::models::loans::{self as m, Loan, LoanChanges};
use crate::db::models::today;
use crate::db::DbConn;
use crate::domain::loan_state::{self, LoanAction};
use crate::domain::{loan_ageing, loan_terms};
use crate::error::{ApiError, ApiResult};
use crate::views::loans::book::book_of;
use crate::views::loans::{ApproveBody, DisburseBody, LoanOut, NoteBody, RejectBody};

use super::{act_as_bank, illegal, invalid, transit, view};

/// Who takes an action.
#[derive(Clone, Copy)]
enum Who {
    Bank,
    Cooperative,
}

/// 403 unless the caller sees loans and may change them (checked before anything else,
/// an `Idempotency-Key` included).
pub fn may_act(caller: &Caller) -> ApiResult<()> {
    caller.loan_scope()?;
    caller.require(Resource::Loans, Access::Write)
}

/// Loads the loan in the caller's scope, checks who acts, applies `f` and shows the result.
fn act(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    who: Who,
    f: impl FnOnce(&mut DbConn, &Actor, &Loan) -> ApiResult<Loan>,
) -> ApiResult<LoanOut> {
    let scope = caller.loan_scope()?;
    caller.require(Resource::Loans, Access::Write)?;
    let loan = m::find_loan(conn, &scope, id)?;
    match who {
        Who::Bank => act_as_bank(caller, conn, &loan)?,
        Who::Cooperative => {
            if caller.role() != Role::Cooperative {
                return Err(ApiError::Forbidden(
                    "only the cooperative withdraws its application".into(),
                ));
            }
        }
    }
    let updated = f(conn, &caller.actor(), &loan)?;
    view(conn, updated)
}

/// A state change with only a note.
fn simple(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    who: Who,
    action: LoanAction,
    event: Option<&str>,
    body: NoteBody,
) -> ApiResult<LoanOut> {
    act(conn, caller, id, who, |conn, actor, loan| {
        let changes = LoanChanges::default();
        transit(
            conn,
            actor,
            loan,
            action,
            changes,
            body.note.as_deref(),
            event,
        )
    })
}

/// `submitted → under_review`, by the bank.
pub fn review(conn: &mut DbConn, caller: &Caller, id: i64, body: NoteBody) -> ApiResult<LoanOut> {
    simple(conn, caller, id, Who::Bank, LoanAction::Review, None, body)
}

/// `submitted|under_review → withdrawn`, by the cooperative only; emits `loan.withdrawn`.
pub fn withdraw(conn: &mut DbConn, caller: &Caller, id: i64, body: NoteBody) -> ApiResult<LoanOut> {
    simple(
        conn,
        caller,
        id,
        Who::Cooperative,
        LoanAction::Withdraw,
        Some("loan.withdrawn"),
        body,
    )
}

/// `disbursed → overdue`, by the bank, once an instalment is unpaid past its due date (at
/// least one day past due; 409 before: a loan is never overdue on the day it is disbursed);
/// emits `loan.overdue`. The daily ageing does the same by itself.
pub fn mark_overdue(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: NoteBody,
) -> ApiResult<LoanOut> {
    act(conn, caller, id, Who::Bank, |conn, actor, loan| {
        loan_state::next(loan.status, LoanAction::MarkOverdue).map_err(illegal)?;
        let reps = m::repayments(conn, loan.id)?;
        let dpd = book_of(loan, &reps).map_or(0, |b| b.days_past_due(today()));
        if dpd < 1 {
            return Err(ApiError::Conflict(
                "the loan is not past due: no instalment is unpaid past its due date".into(),
            ));
        }
        transit(
            conn,
            actor,
            loan,
            LoanAction::MarkOverdue,
            LoanChanges::default(),
            body.note.as_deref(),
            Some("loan.overdue"),
        )
    })
}

/// `overdue → defaulted`, by the bank, once the loan is at least `min_dpd` days past due
/// (`COOPHUB_DEFAULT_MIN_DPD`, 409 before); emits `loan.defaulted`.
pub fn default(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    min_dpd: i64,
    body: NoteBody,
) -> ApiResult<LoanOut> {
    act(conn, caller, id, Who::Bank, |conn, actor, loan| {
        loan_state::next(loan.status, LoanAction::Default).map_err(illegal)?;
        let reps = m::repayments(conn, loan.id)?;
        let dpd = book_of(loan, &reps).map_or(0, |b| b.days_past_due(today()));
        loan_ageing::check_default(dpd, min_dpd).map_err(|e| ApiError::Conflict(e.to_string()))?;
        let note = body.note.as_deref();
        let event = Some("loan.defaulted");
        transit(
            conn,
            actor,
            loan,
            LoanAction::Default,
            LoanChanges::default(),
            note,
            event,
        )
    })
}

/// `under_review → approved` with the amount and rate (neither above what was asked). A loan
/// of a guaranteed product must fit under the fund's lending cap (`leverage × balance`, the
/// bank's agreement's leverage against its own exposure when it has one; 409 with the
/// headroom). Emits `loan.approved`.
pub fn approve(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    fund: super::claims::Defaults,
    b: ApproveBody,
) -> ApiResult<LoanOut> {
    act(conn, caller, id, Who::Bank, |conn, actor, loan| {
        // The state is checked first, so a wrong state is a 409 whatever the body.
        loan_state::next(loan.status, LoanAction::Approve).map_err(illegal)?;
        let terms = loan_terms::approval_terms(
            loan.amount_fen,
            loan.annual_rate_bp,
            b.approved_amount_fen,
            b.annual_rate_bp,
        )
        .map_err(invalid)?;
        if loan.risk_compensation_eligible {
            // Under the fund's lock: two approvals never fit into the same headroom. The
            // bank's agreement, when in effect, sets the leverage against its own exposure.
            super::claims::check_cap(conn, &loan.bank_code, terms.amount_fen, fund)?;
        }
        let changes = LoanChanges {
            approved_amount_fen: Some(terms.amount_fen),
            annual_rate_bp: Some(terms.annual_rate_bp),
            ..Default::default()
        };
        let note = b.note.as_deref();
        transit(
            conn,
            actor,
            loan,
            LoanAction::Approve,
            changes,
            note,
            Some("loan.approved"),
        )
    })
}

/// `under_review → rejected` with a reason (kept in the history); emits `loan.rejected`.
pub fn reject(conn: &mut DbConn, caller: &Caller, id: i64, b: RejectBody) -> ApiResult<LoanOut> {
    let reason = b.reason.trim().to_string();
    act(conn, caller, id, Who::Bank, |conn, actor, loan| {
        let changes = LoanChanges::default();
        let event = Some("loan.rejected");
        transit(
            conn,
            actor,
            loan,
            LoanAction::Reject,
            changes,
            Some(&reason),
            event,
        )
    })
}

/// `approved → disbursed` on `disbursed_on` (default today), with the bank's loan number
/// (unique per bank, 409) and optionally the first due date (422 outside 1–62 days after the
/// disbursement); emits `loan.disbursed`.
pub fn disburse(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    b: DisburseBody,
) -> ApiResult<LoanOut> {
    act(conn, caller, id, Who::Bank, |conn, actor, loan| {
        loan_state::next(loan.status, LoanAction::Disburse).map_err(illegal)?;
        let on = b.disbursed_on.unwrap_or_else(today);
        if let Some(f) = b.first_due_on {
            loan_terms::check_first_due(on, f).map_err(|e| invalid(vec![e]))?;
        }
        let reference = b.bank_reference.as_deref().map(str::trim);
        if let Some(r) = reference {
            if let Some(other) = m::loan_by_reference(conn, &loan.bank_code, r)? {
                return Err(ApiError::Conflict(format!(
                    "bank {} already disbursed loan {} under the reference {r}",
                    loan.bank_code, other.id
                )));
            }
        }
        let changes = LoanChanges {
            disbursed_on: Some(on),
            bank_reference: reference.map(str::to_string),
            first_due_on: b.first_due_on,
            ..Default::default()
        };
        let event = Some("loan.disbursed");
        transit(
            conn,
            actor,
            loan,
            LoanAction::Disburse,
            changes,
            None,
            event,
        )
    })
}
