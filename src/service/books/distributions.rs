//! Surplus distributions (盈余分配): a draft computed to the fen from the members' accounts,
//! adopted with a passed assembly resolution and then posted to the accounts.

use std::collections::HashMap;

use chrono::Datelike;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::books::{self as db, Allocation, Distribution};
use crate::db::models::meeting;
use crate::db::models::{audit, now, today};
use crate::db::DbConn;
use crate::domain::distribution::{self as rules, DistributionStatus, Figures, Split};
use crate::domain::meeting::ResolutionSubject;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::books::accounts::year_bounds;
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::service::Problems;
use crate::views::books::{AdoptIn, AllocationOut, DistributionIn, DistributionOut};
use crate::views::validators::PathYear;

/// The year of a distribution: ended (422 on `year` otherwise).
fn ended_year(year: PathYear) -> ApiResult<i32> {
    let year = year.year()?;
    if year >= today().year() {
        return Err(ApiError::field(
            "year",
            "not_ended",
            "a distribution is made for a fiscal year that has ended",
        ));
    }
    Ok(year)
}

/// The allocations of a year's split, from the members' accounts as they stand.
fn compute(
    conn: &mut DbConn,
    coop_id: i64,
    year: i32,
    split: &Split,
    reserve_fen: i64,
) -> ApiResult<Vec<Allocation>> {
    let transactions = db::amounts_of_year(conn, coop_id, year)?;
    let (_, year_end) = year_bounds(year);
    let reserves: HashMap<i64, i64> = db::reserve_shares(conn, coop_id, year - 1)?
        .into_iter()
        .collect();
    let shares: Vec<(i64, i64)> = db::members_on(conn, coop_id, year_end)?
        .into_iter()
        .map(|(id, contribution)| {
            (
                id,
                contribution.saturating_add(reserves.get(&id).copied().unwrap_or(0)),
            )
        })
        .collect();
    let parts = rules::allocate(split, reserve_fen, &transactions, &shares)
        .map_err(|e| ApiError::field(e.field(), e.code(), e.message()))?;
    Ok(parts
        .into_iter()
        .map(|p| Allocation {
            id: 0,
            distribution_id: 0,
            cooperative_id: coop_id,
            member_id: p.member_id,
            transactions_fen: p.transactions_fen,
            shares_fen: p.shares_fen,
            by_transactions_fen: p.by_transactions_fen,
            by_shares_fen: p.by_shares_fen,
            reserve_share_fen: p.reserve_share_fen,
        })
        .collect())
}

fn view(conn: &mut DbConn, d: Distribution) -> ApiResult<DistributionOut> {
    let allocations = db::allocations(conn, d.id)?;
    let names: HashMap<i64, String> = db::member_names(
        conn,
        &allocations.iter().map(|a| a.member_id).collect::<Vec<_>>(),
    )?
    .into_iter()
    .collect();
    Ok(DistributionOut {
        cooperative_id: d.cooperative_id,
        year: d.year,
        status: d.status,
        surplus_fen: d.surplus_fen,
        loss_makeup_fen: d.loss_makeup_fen,
        reserve_fen: d.reserve_fen,
        distributable_fen: d.distributable_fen,
        by_transactions_bp: d.by_transactions_bp,
        by_transactions_fen: d.by_transactions_fen,
        by_shares_fen: d.by_shares_fen,
        allocations: allocations
            .into_iter()
            .map(|a| AllocationOut {
                member_id: a.member_id,
                name: names.get(&a.member_id).cloned().unwrap_or_default(),
                transactions_fen: a.transactions_fen,
                shares_fen: a.shares_fen,
                by_transactions_fen: a.by_transactions_fen,
                by_shares_fen: a.by_shares_fen,
                total_fen: a.by_transactions_fen + a.by_shares_fen,
                reserve_share_fen: a.reserve_share_fen,
            })
            .collect(),
        meeting_id: d.meeting_id,
        resolution_seq: d.resolution_seq,
        adopted_on: d.adopted_on,
        version: d.version,
        updated_at: d.updated_at.and_utc(),
    })
}

/// Drafts (or re-drafts, at the `demanded` version) the distribution of an ended year and
/// computes every member's allocation. An adopted distribution no longer changes (409).
/// Returns it and whether it was created.
pub fn put_draft(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    year: PathYear,
    demanded: Option<i32>,
    body: DistributionIn,
) -> ApiResult<(DistributionOut, bool)> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let mut problems = Problems::of(&body);
    let year = problems.check(ended_year(year))?;
    let split = match rules::split(&Figures {
        surplus_fen: body.surplus_fen,
        loss_makeup_fen: body.loss_makeup_fen,
        reserve_fen: body.reserve_fen,
        distributable_fen: body.distributable_fen,
        by_transactions_bp: body.by_transactions_bp,
    }) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(FieldError::new(e.field(), e.code(), e.message()));
            None
        }
    };
    problems.finish()?;
    let (Some(year), Some(split)) = (year, split) else {
        return Err(ApiError::Internal(
            "unreachable: problems were reported".into(),
        ));
    };
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)?;
    let current = db::distribution(conn, coop_id, year)?;
    check_version(demanded, current.as_ref().map(|d| d.version).unwrap_or(0))?;
    if current
        .as_ref()
        .is_some_and(|d| d.status == DistributionStatus::Adopted)
    {
        return Err(ApiError::Conflict(format!(
            "the {year} distribution is adopted and posted; it no longer changes"
        )));
    }
    let allocations = compute(conn, coop_id, year, &split, body.reserve_fen)?;
    let at = now();
    let row = Distribution {
        id: 0,
        cooperative_id: coop_id,
        year,
        status: DistributionStatus::Draft,
        surplus_fen: body.surplus_fen,
        loss_makeup_fen: body.loss_makeup_fen,
        reserve_fen: body.reserve_fen,
        distributable_fen: split.distributable_fen,
        by_transactions_bp: body.by_transactions_bp as i32,
        by_transactions_fen: split.by_transactions_fen,
        by_shares_fen: split.by_shares_fen,
        meeting_id: None,
        resolution_seq: None,
        adopted_on: None,
        version: current.as_ref().map(|d| d.version + 1).unwrap_or(1),
        created_at: current.as_ref().map(|d| d.created_at).unwrap_or(at),
        updated_at: at,
    };
    let saved = db::save_distribution(conn, &row, &allocations)?;
    let out = view(conn, saved)?;
    audit::record(
        conn,
        &caller.actor(),
        if current.is_some() {
            "update"
        } else {
            "create"
        },
        "surplus_distribution",
        &format!("{coop_id}/{year}"),
        None::<&()>,
        Some(&out),
    )?;
    Ok((out, current.is_none()))
}

/// The distribution of a year (404 when none is drafted).
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    year: PathYear,
) -> ApiResult<DistributionOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let year = year.year()?;
    caller.cooperative(conn, coop_id)?;
    let d = db::distribution(conn, coop_id, year)?.ok_or(ApiError::NotFound)?;
    view(conn, d)
}

/// Adopts a year's draft with a passed `surplus_distribution` resolution of the cooperative's
/// member (or representative) assembly (422 on `meeting_id`/`resolution_seq` otherwise): the
/// allocations are computed again from the accounts as they stand, then posted (the reserve
/// shares grow by the reserve quantified to each member) and the year's transactions close.
pub fn adopt(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    year: PathYear,
    body: AdoptIn,
) -> ApiResult<DistributionOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    Problems::of(&body).finish()?;
    let year = year.year()?;
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)?;
    let current = db::distribution(conn, coop_id, year)?.ok_or(ApiError::NotFound)?;
    if current.status == DistributionStatus::Adopted {
        return Err(ApiError::Conflict(format!(
            "the {year} distribution is already adopted"
        )));
    }
    let Some((m, r)) = meeting::resolution(conn, coop_id, body.meeting_id, body.resolution_seq)?
    else {
        return Err(ApiError::field(
            "resolution_seq",
            "unknown",
            format!(
                "meeting {} of this cooperative has no resolution {}",
                body.meeting_id, body.resolution_seq
            ),
        ));
    };
    let refuse = |msg: &str| Err(ApiError::field("resolution_seq", "not_adopting", msg));
    if r.subject != ResolutionSubject::SurplusDistribution {
        return refuse("the resolution is not on the surplus distribution");
    }
    if !m.kind.is_assembly() {
        return refuse("only the member (or representative) assembly adopts a distribution");
    }
    if !r.passed {
        return refuse("the resolution did not pass");
    }
    if m.held_on.year() <= year {
        return refuse("the assembly must be held after the fiscal year ends");
    }
    let split = Split {
        distributable_fen: current.distributable_fen,
        by_transactions_fen: current.by_transactions_fen,
        by_shares_fen: current.by_shares_fen,
    };
    let allocations = compute(conn, coop_id, year, &split, current.reserve_fen)?;
    let row = Distribution {
        status: DistributionStatus::Adopted,
        meeting_id: Some(m.id),
        resolution_seq: Some(r.seq),
        adopted_on: Some(m.held_on),
        version: current.version + 1,
        updated_at: now(),
        ..current
    };
    let saved = db::save_distribution(conn, &row, &allocations)?;
    let out = view(conn, saved)?;
    audit::record(
        conn,
        &caller.actor(),
        "adopt",
        "surplus_distribution",
        &format!("{coop_id}/{year}"),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}
