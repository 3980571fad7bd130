//! The risk-compensation fund (风险补偿资金): its ledger, contributions, and compensating a
//! defaulted loan of a guaranteed product.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::loans::{self as m, NewFundEntry};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::risk_fund::{self, fen, EntryKind};
use crate::error::{ApiError, ApiResult};
use crate::views::loans::claims::{ClaimOut, CompensationShortcut};
use crate::views::loans::{ContributionCreate, FundEntryOut, RiskFundOut};

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
        recovered_fen: fen(totals.recovered_fen),
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
            bank_code: None,
            related_loan_id: None,
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

/// The shortcut of API.md: files a compensation claim for a `defaulted` loan (it no longer
/// pays alone; the claim is approved and paid on four eyes). The district admin only.
pub fn compensate(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    b: CompensationShortcut,
) -> ApiResult<ClaimOut> {
    caller.require(Resource::RiskFund, Access::Write)?;
    let evidence = b.items();
    let note = b.note;
    super::claims::file(conn, caller, id, evidence, note)
}
