//! The repayment ledger: recording a repayment (it pays each instalment's interest, then its
//! principal) and what it does to the loan's state.

use crate::auth::{Caller, Role};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, Loan, LoanChanges, NewRepayment};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_schedule as sched;
use crate::domain::loan_state::{self, AfterRepayment, LoanAction};
use crate::domain::loan_terms::{self, Breach};
use crate::error::{ApiError, ApiResult};
use crate::views::loans::applications::schedule_of;
use crate::views::loans::{RepaymentCreate, RepaymentOut};
use crate::views::pagination::ListResponse;
use crate::webhooks::emit;

use super::{act_as_bank, actions, invalid, transit, view};

fn breach(b: Breach) -> ApiError {
    invalid(vec![b])
}

/// 403 unless the caller may record repayments (checked before anything else, an
/// `Idempotency-Key` included); whether the caller must send an `Idempotency-Key` (a bank
/// partner must).
pub fn may_record(caller: &Caller) -> ApiResult<bool> {
    actions::may_act(caller)?;
    Ok(caller.role() == Role::BankPartner)
}

/// A loan's ledger, oldest first.
pub fn list(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ListResponse<RepaymentOut>> {
    let scope = caller.loan_scope()?;
    m::find_loan(conn, &scope, id)?;
    let rows = m::repayments(conn, id)?;
    Ok(ListResponse {
        items: rows
            .into_iter()
            .map(|r| RepaymentOut::new(r, None))
            .collect(),
        next_cursor: None,
        total: None,
    })
}

/// A repayment sent again under a bank reference already recorded: with the same loan,
/// amount and date it is a replay (the first repayment, with the loan as it is now; nothing
/// changes), with other figures a 409.
fn replay(
    conn: &mut DbConn,
    first: m::Repayment,
    loan: &Loan,
    b: &RepaymentCreate,
) -> ApiResult<RepaymentOut> {
    if first.loan_id != loan.id || first.amount_fen != b.amount_fen || first.paid_on != b.paid_on {
        return Err(ApiError::Conflict(format!(
            "bank {} already recorded the transaction {} with other figures (loan {}, {} fen on {})",
            loan.bank_code,
            first.bank_reference.as_deref().unwrap_or_default(),
            first.loan_id,
            first.amount_fen,
            first.paid_on
        )));
    }
    let loan_out = view(conn, loan.clone())?;
    Ok(RepaymentOut::new(first, Some(&loan_out)))
}

/// Records a repayment on a `disbursed` or `overdue` loan, by the bank. Not before the
/// disbursement, not more than is left (422). The last fen settles the loan (an overdue one
/// through `disbursed`); paying everything due cures an overdue loan. Emits
/// `loan.repayment_recorded` (and `loan.settled`).
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    b: RepaymentCreate,
) -> ApiResult<RepaymentOut> {
    may_record(caller)?;
    let scope = caller.loan_scope()?;
    let actor = caller.actor();
    let loan = m::find_loan(conn, &scope, id)?;
    act_as_bank(caller, conn, &loan)?;
    // A transaction serial already recorded is a replay (or a 409), whatever the loan's
    // state now, and changes nothing. (Two first sendings at the same moment: the unique
    // index refuses the second, 409.)
    if let Some(r) = b.bank_reference.as_deref() {
        if let Some(first) = m::repayment_by_reference(conn, &loan.bank_code, r)? {
            return replay(conn, first, &loan, &b);
        }
    }
    // Take the loan's row first: concurrent repayments of one loan queue here, and
    // everything below reads the loan and its ledger as they are after the others.
    let locked = m::lock_loan(conn, id, now())?;
    let status = locked.status;
    if !loan_state::accepts_repayment(status) {
        return Err(ApiError::Conflict(format!(
            "the loan is {status}; repayments are recorded only on disbursed or overdue loans"
        )));
    }
    loan_terms::check_paid_on(locked.disbursed_on, b.paid_on).map_err(breach)?;
    let s = schedule_of(&locked);
    let (tp, ti) = sched::totals(&s);
    let owed = tp + ti;
    let paid = m::paid_of(conn, id)?.total_fen;
    loan_terms::check_amount(owed, paid, b.amount_fen).map_err(breach)?;
    let split = sched::split_payment(&s, paid, b.amount_fen);
    let rep = m::insert_repayment(
        conn,
        &NewRepayment {
            loan_id: id,
            amount_fen: b.amount_fen,
            principal_fen: split.principal_fen,
            interest_fen: split.interest_fen,
            paid_on: b.paid_on,
            actor_name: actor.name.clone(),
            created_at: now(),
            bank_code: Some(locked.bank_code.clone()),
            bank_reference: b.bank_reference.clone(),
        },
    )?;
    let entry = serde_json::json!({"repayment_id": rep.id, "amount_fen": rep.amount_fen, "principal_fen": rep.principal_fen, "interest_fen": rep.interest_fen, "paid_on": rep.paid_on});
    audit::record(
        conn,
        &actor,
        "repayment",
        "loan",
        &id.to_string(),
        None::<&()>,
        Some(&entry),
    )?;
    let paid_after = paid + b.amount_fen;
    let mut current = locked;
    let loan_now = view(conn, current.clone())?;
    emit(
        conn,
        &current.bank_code,
        "loan.repayment_recorded",
        &serde_json::json!({
            "loan": loan_now,
            "repayment": {"id": rep.id, "amount_fen": rep.amount_fen, "principal_fen": rep.principal_fen, "interest_fen": rep.interest_fen, "paid_on": rep.paid_on}
        }),
    )?;
    let step = |conn: &mut DbConn,
                loan: &Loan,
                action: LoanAction,
                note: Option<&str>,
                event: Option<&str>| {
        transit(
            conn,
            &actor,
            loan,
            action,
            LoanChanges::default(),
            note,
            event,
        )
    };
    let due = sched::due_by(&s, b.paid_on);
    match loan_state::after_repayment(status, paid_after, owed, due) {
        AfterRepayment::Unchanged => {}
        AfterRepayment::Cured => {
            let note = Some("repaid everything due");
            current = step(conn, &current, LoanAction::Cure, note, None)?;
        }
        AfterRepayment::Settled => {
            let event = Some("loan.settled");
            current = step(conn, &current, LoanAction::Settle, None, event)?;
        }
        AfterRepayment::CuredAndSettled => {
            // Paid off: an overdue loan is back in order first, then settled.
            let note = Some("repaid in full");
            current = step(conn, &current, LoanAction::Cure, note, None)?;
            let event = Some("loan.settled");
            current = step(conn, &current, LoanAction::Settle, None, event)?;
        }
    }
    let loan_out = view(conn, current)?;
    Ok(RepaymentOut::new(rep, Some(&loan_out)))
}
