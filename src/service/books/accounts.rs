//! Member accounts (成员账户): each member's transactions per year, contribution, reserve share
//! and what the year's distribution gives.

use chrono::{Datelike, NaiveDate};

use crate::auth::{Access, Caller, Resource};
use crate::db::models::books::{self as db, Transaction};
use crate::db::models::member::{self, Member};
use crate::db::models::{audit, now, today};
use crate::db::DbConn;
use crate::domain::distribution::DistributionStatus;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::views::books::{AccountOut, AllocatedOut, TransactionIn, TransactionsOut};
use crate::views::validators::PathYear;

/// The first and last day of a fiscal (calendar) year.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    )
}

/// A year in which the member belonged to the cooperative (joined by its end, not exited
/// before its start) and that has begun: else 422 on `year`.
pub fn member_year(m: &Member, year: i32) -> ApiResult<()> {
    let (start, end) = year_bounds(year);
    if year > today().year() {
        return Err(ApiError::field("year", "future", "the year has not begun"));
    }
    if m.joined_on > end || m.exited_on.is_some_and(|d| d < start) {
        return Err(ApiError::field(
            "year",
            "not_a_member",
            format!(
                "member {} did not belong to the cooperative in {year}",
                m.id
            ),
        ));
    }
    Ok(())
}

/// 409 once the year's distribution is adopted: its transactions are what it was computed from.
pub fn ensure_year_open(conn: &mut DbConn, coop_id: i64, year: i32) -> ApiResult<()> {
    match db::distribution(conn, coop_id, year)? {
        Some(d) if d.status == DistributionStatus::Adopted => Err(ApiError::Conflict(format!(
            "the {year} surplus distribution is adopted; that year's transactions are closed"
        ))),
        _ => Ok(()),
    }
}

/// Records (or replaces, at the `demanded` version) a member's transactions of a year.
/// Returns the account and whether the record was created.
pub fn put_transactions(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    year: PathYear,
    demanded: Option<i32>,
    body: TransactionIn,
) -> ApiResult<(AccountOut, bool)> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let year = year.year()?;
    let coop = caller.cooperative(conn, coop_id)?;
    let m = member::find(conn, coop_id, member_id)?;
    ensure_operating(&coop)?;
    member_year(&m, year)?;
    ensure_year_open(conn, coop_id, year)?;
    let current = db::transaction(conn, member_id, year)?;
    check_version(demanded, current.as_ref().map(|t| t.version).unwrap_or(0))?;
    let row = Transaction {
        id: 0,
        cooperative_id: coop_id,
        member_id,
        year,
        amount_fen: body.amount_fen,
        quantity: body.quantity,
        unit: body.unit.map(|u| u.trim().to_string()),
        version: current.as_ref().map(|t| t.version + 1).unwrap_or(1),
        updated_at: now(),
    };
    db::save_transaction(conn, &row, current.is_some())?;
    let before = current
        .as_ref()
        .map(|t| (t.amount_fen, t.quantity, t.unit.clone()));
    audit::record(
        conn,
        &caller.actor(),
        if current.is_some() {
            "update"
        } else {
            "create"
        },
        "member_transactions",
        &format!("{member_id}/{year}"),
        before.as_ref(),
        Some(&(row.amount_fen, row.quantity, row.unit.clone())),
    )?;
    Ok((account_of(conn, &m, year)?, current.is_none()))
}

/// A member's account for a year.
pub fn account_of(conn: &mut DbConn, m: &Member, year: i32) -> ApiResult<AccountOut> {
    let t = db::transaction(conn, m.id, year)?;
    let reserve = db::reserve_shares(conn, m.cooperative_id, year)?
        .into_iter()
        .find(|(id, _)| *id == m.id)
        .map(|(_, v)| v)
        .unwrap_or(0);
    let dist = db::distribution(conn, m.cooperative_id, year)?;
    let allocated = match &dist {
        Some(d) => db::allocation_of(conn, m.id, d.id)?,
        None => None,
    };
    Ok(AccountOut {
        member_id: m.id,
        cooperative_id: m.cooperative_id,
        year,
        contribution_fen: m.contribution_fen,
        reserve_share_fen: reserve,
        transactions: TransactionsOut {
            quantity: t.as_ref().and_then(|t| t.quantity),
            unit: t.as_ref().and_then(|t| t.unit.clone()),
            amount_fen: t.as_ref().map(|t| t.amount_fen).unwrap_or(0),
        },
        surplus_allocated_fen: AllocatedOut {
            by_transactions: allocated
                .as_ref()
                .map(|a| a.by_transactions_fen)
                .unwrap_or(0),
            by_shares: allocated.as_ref().map(|a| a.by_shares_fen).unwrap_or(0),
        },
        distribution_status: dist.map(|d| d.status),
        version: t.map(|t| t.version).unwrap_or(0),
    })
}

/// A member's account for `year` (default last year), for a cooperative in scope.
pub fn account(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    year: Option<i32>,
) -> ApiResult<AccountOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    caller.cooperative(conn, coop_id)?;
    let m = member::find(conn, coop_id, member_id)?;
    account_of(conn, &m, year.unwrap_or(today().year() - 1))
}
