//! The risk-compensation fund (风险补偿资金): its ledger, contributions, and compensating a
//! defaulted loan of a guaranteed product.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, LoanChanges, LoanScope, NewFundEntry};
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::loan_state::{self, LoanAction};
use crate::domain::risk_fund::{self, fen, EntryKind};
use crate::error::{ApiError, ApiResult};
use crate::views::loans::{CompensationOut, ContributionCreate, FundEntryOut, RiskFundOut};
use crate::webhooks::emit;

use super::{illegal, transit, view};

fn refused(e: impl std::fmt::Display) -> ApiError {
    ApiError::Conflict(e.to_string())
}

/// Balance, exposure, lending cap and headroom, and the latest 100 ledger entries.
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    leverage: i64,
    share_bp: i64,
) -> ApiResult<RiskFundOut> {
    caller.require(Resource::RiskFund, Access::Read)?;
    let totals = m::fund_balance(conn)?;
    let balance = totals.balance_fen();
    let exposure = m::exposure(conn)?;
    Ok(RiskFundOut {
        balance_fen: fen(balance),
        contributed_fen: fen(totals.contributed_fen),
        compensated_fen: fen(totals.compensated_fen),
        exposure_fen: fen(exposure),
        leverage,
        lending_cap_fen: fen(risk_fund::lending_cap(balance, leverage)),
        headroom_fen: fen(risk_fund::headroom(balance, leverage, exposure)),
        compensation_share_bp: share_bp,
        entries: m::fund_entries(conn, None, 100)?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

/// A contribution into the fund (the district admin only). One that would take the fund's
/// contributions past what a sum of fen holds (`i64`) → 422 on `amount_fen`.
pub fn contribute(
    conn: &mut DbConn,
    caller: &Caller,
    b: ContributionCreate,
) -> ApiResult<FundEntryOut> {
    caller.require(Resource::RiskFund, Access::Write)?;
    m::lock_fund(conn)?;
    let contributed = m::fund_balance(conn)?.contributed_fen;
    risk_fund::add_contribution(contributed, b.amount_fen)
        .map_err(|e| ApiError::field("amount_fen", "fund_total_too_large", e.to_string()))?;
    let actor = caller.actor();
    let e: FundEntryOut = m::insert_fund_entry(
        conn,
        &NewFundEntry {
            kind: EntryKind::Contribution,
            amount_fen: b.amount_fen,
            source: Some(b.source.trim().to_string()),
            loan_id: None,
            entry_on: b.contributed_on,
            actor_name: actor.name.clone(),
            created_at: now(),
        },
    )?
    .into();
    audit::record(
        conn,
        &actor,
        "contribute",
        "risk_fund_entry",
        &e.id.to_string(),
        None::<&()>,
        Some(&e),
    )?;
    Ok(e)
}

/// Pays `share_bp` of the outstanding principal of a `defaulted` loan of a guaranteed product
/// out of the fund, once per loan and never below a zero balance (409 otherwise), under the
/// fund's lock;
/// `defaulted → compensated`, emits `loan.compensated`. The district admin only.
pub fn compensate(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    share_bp: i64,
) -> ApiResult<CompensationOut> {
    caller.require(Resource::RiskFund, Access::Write)?;
    // Before anything is read: a concurrent compensation waits and then sees this one.
    m::lock_fund(conn)?;
    let actor = caller.actor();
    let loan = m::find_loan(conn, &LoanScope::All, id)?;
    loan_state::next(loan.status, LoanAction::Compensate).map_err(illegal)?;
    let already = m::compensation_of(conn, id)?.is_some();
    risk_fund::may_compensate(loan.risk_compensation_eligible, already).map_err(refused)?;
    let before = view(conn, loan.clone())?;
    let balance = m::fund_balance(conn)?.balance_fen();
    let payout =
        risk_fund::payout(before.outstanding_principal_fen, share_bp, balance).map_err(refused)?;
    let amount = payout.amount_fen;
    let entry: FundEntryOut = m::insert_fund_entry(
        conn,
        &NewFundEntry {
            kind: EntryKind::Compensation,
            amount_fen: amount,
            source: Some(format!("loan {id} at {}", loan.bank_code)),
            loan_id: Some(id),
            entry_on: today(),
            actor_name: actor.name.clone(),
            created_at: now(),
        },
    )?
    .into();
    audit::record(
        conn,
        &actor,
        "compensate",
        "risk_fund_entry",
        &entry.id.to_string(),
        None::<&()>,
        Some(&entry),
    )?;
    let updated = transit(
        conn,
        &actor,
        &loan,
        LoanAction::Compensate,
        LoanChanges::default(),
        Some(&format!("{amount} fen from the fund")),
        None,
    )?;
    let loan_out = view(conn, updated)?;
    emit(
        conn,
        &loan_out.bank_code,
        "loan.compensated",
        &serde_json::json!({"loan": loan_out, "compensation_fen": amount}),
    )?;
    Ok(CompensationOut {
        entry,
        loan: loan_out,
        fund_balance_fen: fen(payout.balance_after_fen),
    })
}
