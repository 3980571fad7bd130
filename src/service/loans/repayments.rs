//! The repayment ledger: recording a repayment (it pays each instalment's interest, then its
//! principal) and what it does to the loan's state.

use crate::auth::{Caller, Role};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, Loan, LoanChanges, NewRepayment};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_book::{Book, PrepaymentMode};
use crate::domain::loan_state::LoanStatus;
use crate::domain::loan_state::{self, AfterRepayment, LoanAction};
use crate::domain::loan_terms::{self, Breach};
use crate::domain::scope::LoanScope;
use crate::error::{ApiError, ApiResult};
use crate::views::loans::book::terms_of;
use crate::views::loans::{PayoffOut, RepaymentCreate, RepaymentOut, ReverseBody};
use crate::views::pagination::ListResponse;
use crate::webhooks::emit;

use super::{act_as_bank, actions, invalid, ledger, transit, view};

fn breach(b: Breach) -> ApiError {
    invalid(vec![b])
}

/// The terms of a loan being repaid (always disbursed).
fn book_of_terms(l: &Loan) -> ApiResult<crate::domain::loan_book::Terms> {
    terms_of(l).ok_or_else(|| ApiError::Internal(format!("loan {} has no disbursement date", l.id)))
}

/// 403 unless the caller may record repayments (checked before anything else, an
/// `Idempotency-Key` included); whether the caller must send an `Idempotency-Key` (a bank
/// partner must).
pub fn may_record(caller: &Caller) -> ApiResult<bool> {
    actions::may_act(caller)?;
    Ok(caller.role() == Role::BankPartner)
}

/// A loan's whole ledger (reversed repayments included, marked), oldest first; only those
/// changed after `since` when given.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<ListResponse<RepaymentOut>> {
    let scope = caller.loan_scope()?;
    m::find_loan(conn, &scope, id)?;
    let rows = m::ledger(conn, id, since.map(|t| t.naive_utc()))?;
    Ok(ListResponse {
        items: rows
            .into_iter()
            .map(|r| RepaymentOut::new(r, None))
            .collect(),
        next_cursor: None,
        total: None,
    })
}

/// The payoff of a loan in the caller's scope on `on` (default today): the ledger up to that
/// day, then its penalty interest, interest due and accrued, and principal. Not for a loan
/// never disbursed (409); not before the disbursement or the last repayment (422).
pub fn payoff(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    on: Option<chrono::NaiveDate>,
) -> ApiResult<PayoffOut> {
    let scope = caller.loan_scope()?;
    let loan = m::find_loan(conn, &scope, id)?;
    let Some(terms) = terms_of(&loan) else {
        return Err(ApiError::Conflict(format!(
            "the loan is {}; only a disbursed loan has a payoff",
            loan.status
        )));
    };
    let on = on.unwrap_or_else(crate::db::models::today);
    let on_field = |b: Breach| breach(Breach { field: "on", ..b });
    loan_terms::check_paid_on(loan.disbursed_on, on).map_err(on_field)?;
    let run = ledger::running(conn, &loan)?;
    if let Some(last) = run.last_paid_on {
        loan_terms::check_after_last(last, on).map_err(on_field)?;
    }
    let q = run.book.unwrap_or_else(|| Book::new(terms)).payoff(on);
    Ok(PayoffOut {
        loan_id: id,
        on,
        principal_fen: q.principal_fen,
        interest_fen: q.interest_fen,
        penalty_interest_fen: q.penalty_interest_fen,
        total_fen: q.total_fen,
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
    mode: PrepaymentMode,
) -> ApiResult<RepaymentOut> {
    may_record(caller)?;
    let scope = caller.loan_scope()?;
    let actor = caller.actor();
    // Take the loan's row first: concurrent repayments of one loan queue here, and
    // everything below reads the loan and its book as they are after the others. A bank's
    // repayment without a transaction serial finds and locks its loan in one statement (a
    // bank partner acts for its bank, `act_as_bank`); anything refused below rolls the lock
    // back with the rest.
    let (locked, book_row) = match (&scope, caller.role(), b.bank_reference.as_deref()) {
        (LoanScope::Bank(bank), Role::BankPartner, None) => {
            m::lock_loan_with_book(conn, id, Some(bank), now())?
        }
        (_, _, reference) => {
            let loan = m::find_loan(conn, &scope, id)?;
            act_as_bank(caller, conn, &loan)?;
            // A transaction serial already recorded is a replay (or a 409), whatever the
            // loan's state now, and changes nothing: checked before the lock, which would
            // bump the version. (Two first sendings at the same moment: the unique index
            // refuses the second, 409.)
            if let Some(r) = reference {
                if let Some(first) = m::repayment_by_reference(conn, &loan.bank_code, r)? {
                    return replay(conn, first, &loan, &b);
                }
            }
            m::lock_loan_with_book(conn, id, None, now())?
        }
    };
    let status = locked.status;
    if !loan_state::accepts_repayment(status) {
        return Err(ApiError::Conflict(format!(
            "the loan is {status}; repayments are recorded only on disbursed or overdue loans"
        )));
    }
    loan_terms::check_paid_on(locked.disbursed_on, b.paid_on).map_err(breach)?;
    // The running book (one row, read with the lock), not a replay of the ledger: it is kept
    // by every repayment and reversal in their transactions.
    let mut run = ledger::running_of(conn, &locked, book_row)?;
    if let Some(last) = run.last_paid_on {
        loan_terms::check_after_last(last, b.paid_on).map_err(breach)?;
    }
    let terms = book_of_terms(&locked)?;
    let mut book = run.book.take().unwrap_or_else(|| Book::new(terms));
    let split = book.pay(b.paid_on, b.amount_fen, mode).map_err(|e| {
        breach(Breach {
            field: "amount_fen",
            code: "overpayment",
            message: e.to_string(),
        })
    })?;
    let at = now();
    let rep = m::insert_repayment(
        conn,
        &NewRepayment {
            loan_id: id,
            amount_fen: b.amount_fen,
            principal_fen: split.principal_fen,
            interest_fen: split.interest_fen,
            paid_on: b.paid_on,
            actor_name: actor.name.clone(),
            created_at: at,
            bank_code: Some(locked.bank_code.clone()),
            bank_reference: b.bank_reference.clone(),
            penalty_interest_fen: split.penalty_interest_fen,
            prepaid_principal_fen: split.prepaid_principal_fen,
            prepayment: mode,
            updated_at: Some(at),
        },
    )?;
    run.book = Some(book);
    run.add(&rep)?;
    ledger::save(conn, id, &mut run)?;
    let entry = serde_json::json!({"repayment_id": rep.id, "bank_reference": rep.bank_reference, "amount_fen": rep.amount_fen, "penalty_interest_fen": rep.penalty_interest_fen, "principal_fen": rep.principal_fen, "interest_fen": rep.interest_fen, "prepaid_principal_fen": rep.prepaid_principal_fen, "paid_on": rep.paid_on});
    audit::record(
        conn,
        &actor,
        "repayment",
        "loan",
        &id.to_string(),
        None::<&()>,
        Some(&entry),
    )?;
    let mut current = locked;
    let loan_now = run.view(current.clone());
    emit(
        conn,
        &current.bank_code,
        "loan.repayment_recorded",
        &serde_json::json!({
            "loan": loan_now,
            "repayment": entry
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
    let (settled, current_then) = match &run.book {
        Some(book) => (book.is_settled(), book.is_current(b.paid_on)),
        None => (false, true),
    };
    match loan_state::after_book(status, settled, current_then) {
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
    let loan_out = run.view(current);
    Ok(RepaymentOut::new(rep, Some(&loan_out)))
}

/// Reverses a repayment of a loan, by the bank: it stays in the ledger, marked, and the book
/// is re-read without it; a `settled` loan is re-opened (`disbursed`, or `overdue` when an
/// instalment is then past due). A repayment is reversed once (409 after). Emits
/// `loan.repayment_reversed`.
pub fn reverse(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    repayment_id: i64,
    b: ReverseBody,
) -> ApiResult<RepaymentOut> {
    actions::may_act(caller)?;
    let scope = caller.loan_scope()?;
    let actor = caller.actor();
    let loan = m::find_loan(conn, &scope, id)?;
    act_as_bank(caller, conn, &loan)?;
    let locked = m::lock_loan(conn, id, None, now())?;
    let rep = m::repayment_of(conn, id, repayment_id)?;
    if rep.reversed_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "repayment {repayment_id} was already reversed"
        )));
    }
    let status = locked.status;
    if !matches!(
        status,
        LoanStatus::Disbursed | LoanStatus::Overdue | LoanStatus::Settled
    ) {
        return Err(ApiError::Conflict(format!(
            "the loan is {status}; repayments are reversed only on disbursed, overdue or settled loans"
        )));
    }
    let reason = b.reason.trim().to_string();
    m::reverse_repayment(conn, repayment_id, &actor.name, &reason, now())?;
    let rev = m::repayment_of(conn, id, repayment_id)?;
    let entry = serde_json::json!({"repayment_id": rev.id, "bank_reference": rev.bank_reference, "amount_fen": rev.amount_fen, "paid_on": rev.paid_on, "reason": reason});
    audit::record(
        conn,
        &actor,
        "reverse_repayment",
        "loan",
        &id.to_string(),
        None::<&()>,
        Some(&entry),
    )?;
    // The running book re-read from the ledger without the reversed repayment (later ones
    // re-allocated), kept in this transaction.
    let mut run = ledger::from_ledger(conn, &locked, true)?;
    ledger::save(conn, id, &mut run)?;
    let mut current = locked;
    if status == LoanStatus::Settled {
        let current_now = run
            .book
            .as_ref()
            .is_none_or(|b| b.is_current(crate::db::models::today()));
        let action = if current_now {
            LoanAction::Reopen
        } else {
            LoanAction::ReopenOverdue
        };
        let note = format!("repayment {repayment_id} reversed: {reason}");
        current = transit(
            conn,
            &actor,
            &current,
            action,
            LoanChanges::default(),
            Some(&note),
            None,
        )?;
    }
    let loan_out = view(conn, current)?;
    emit(
        conn,
        &loan_out.bank_code,
        "loan.repayment_reversed",
        &serde_json::json!({"loan": loan_out, "repayment": entry}),
    )?;
    Ok(RepaymentOut::new(rev, Some(&loan_out)))
}
