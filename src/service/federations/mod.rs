//! Federations (联合社) and industrial consortia (产业化联合体): registration, changes,
//! activation, and the view by industry. Members are in `members`. District admins write;
//! every role that reads federations reads them all.

mod members;

pub use members::{add_member, list_members, remove_member, remove_member_by_query};

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::federation::{
    self as fed, Federation, FederationChanges, MemberStats, NewFederation,
};
use crate::db::models::{audit, coverage_history};
use crate::db::models::{now, reference};
use crate::db::DbConn;
use crate::domain::federation::{self as rules, FederationKind, FederationStatus};
use crate::domain::uscc;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::{check_version, Problems};
use crate::views::federations::{
    FederationCreate, FederationFilterParams, FederationOut, FederationPatch,
    FederationsByIndustry, IndustryFederations,
};
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::pilot::{FederationProgress, IndustryProgress};

fn uscc_error(e: uscc::UsccError) -> ApiError {
    ApiError::field("uscc", e.code(), e.to_string())
}

/// Checks and normalises a USCC for this kind of federation: a union cooperative's is a
/// farmers' cooperative's of the region, a consortium's any valid USCC.
fn checked_uscc(kind: FederationKind, value: &str, region: &str) -> ApiResult<String> {
    match kind {
        FederationKind::UnionCooperative => {
            uscc::validate_cooperative(value, region).map_err(uscc_error)
        }
        FederationKind::IndustrialConsortium => uscc::normalize(value).map_err(uscc_error),
    }
}

fn check_industry(conn: &mut DbConn, code: &str) -> ApiResult<()> {
    if reference::unknown_industries(conn, &[code.to_string()])?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::field(
            "industry_code",
            "unknown_code",
            format!("{code} is not an industry code"),
        ))
    }
}

fn check_town(conn: &mut DbConn, code: &str) -> ApiResult<()> {
    if reference::town_exists(conn, code)? {
        Ok(())
    } else {
        Err(ApiError::field(
            "town_code",
            "unknown_code",
            format!("{code} is not a town of this district"),
        ))
    }
}

fn uscc_conflict(code: &str) -> ApiError {
    ApiError::Conflict(format!(
        "USCC {code} already belongs to another federation or cooperative"
    ))
}

/// Locks the federation for this write transaction, then reads it (404 when missing).
fn lock_federation(conn: &mut DbConn, id: i64) -> ApiResult<Federation> {
    if !fed::lock(conn, id)? {
        return Err(ApiError::NotFound);
    }
    Ok(fed::find(conn, id)?)
}

/// The federation with its member counts.
pub fn view(conn: &mut DbConn, f: Federation) -> ApiResult<FederationOut> {
    let stats = fed::member_stats(conn, &[f.id])?
        .remove(&f.id)
        .unwrap_or_default();
    Ok(FederationOut::new(f, stats))
}

/// Registers a federation, `forming`. A union cooperative needs its own USCC of a
/// cooperative of `region_code`; industry and town must exist; the USCC must be new (409).
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    region_code: &str,
    body: FederationCreate,
) -> ApiResult<FederationOut> {
    caller.require(Resource::Federations, Access::Write)?;
    // One 422 names every field at fault: field rules, the USCC and the references.
    let mut problems = Problems::of(&body);
    let code = match &body.uscc {
        Some(u) => problems.check(checked_uscc(body.kind, u, region_code))?,
        None if rules::requires_uscc(body.kind) => {
            problems.push(FieldError::new(
                "uscc",
                "required",
                "a union cooperative is registered with its own USCC",
            ));
            None
        }
        None => None,
    };
    problems.check(check_industry(conn, &body.industry_code))?;
    if let Some(t) = &body.town_code {
        problems.check(check_town(conn, t))?;
    }
    problems.finish()?;
    if let Some(c) = &code {
        if fed::uscc_taken(conn, c, None)? {
            return Err(uscc_conflict(c));
        }
    }
    let at = now();
    let created = fed::insert(
        conn,
        &NewFederation {
            name: body.name.trim().to_string(),
            kind: body.kind,
            industry_code: body.industry_code,
            uscc: code,
            town_code: body.town_code,
            status: FederationStatus::Forming,
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?;
    coverage_history::sync_federation(
        conn,
        created.id,
        &created.industry_code,
        created.status,
        at.date(),
    )?;
    let out = FederationOut::new(created, MemberStats::default());
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "federation",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the district's federations, in registration order.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &FederationFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<FederationOut>> {
    caller.require(Resource::Federations, Access::Read)?;
    let page = page.page()?;
    let filter = filters.to_filter();
    let list = page.load(
        conn,
        |conn, after, n| fed::list(conn, &filter, after, n),
        |conn| fed::count(conn, &filter),
        |f| f.id,
    )?;
    let ids: Vec<i64> = list.items.iter().map(|f| f.id).collect();
    let mut stats = fed::member_stats(conn, &ids)?;
    Ok(list.map(|f| {
        let s = stats.remove(&f.id).unwrap_or_default();
        FederationOut::new(f, s)
    }))
}

/// The by-industry view, for a caller that may read federations.
pub fn by_industry_view(conn: &mut DbConn, caller: &Caller) -> ApiResult<FederationsByIndustry> {
    caller.require(Resource::Federations, Access::Read)?;
    by_industry(conn)
}

/// Builds the by-industry view: every industry, specialty ones first, with its federations
/// and whether an active one covers it, as it is now (the dashboard counts by
/// [`specialty_on`]).
pub fn by_industry(conn: &mut DbConn) -> ApiResult<FederationsByIndustry> {
    let industries = reference::all_industries(conn)?;
    let mut per: HashMap<String, Vec<Federation>> = HashMap::new();
    for f in fed::all(conn)? {
        per.entry(f.industry_code.clone()).or_default().push(f);
    }
    let mut items = Vec::new();
    let (mut specialty_total, mut specialty_covered) = (0, 0);
    let mut without = Vec::new();
    let mut ordered: Vec<_> = industries.into_iter().enumerate().collect();
    ordered.sort_by_key(|(i, ind)| (!ind.specialty, *i));
    for (_, ind) in ordered {
        let feds = per.remove(&ind.code).unwrap_or_default();
        let count = rules::industry_count(feds.iter().map(|f| (f.kind, f.status)));
        if ind.specialty {
            specialty_total += 1;
            if count.covered {
                specialty_covered += 1;
            } else {
                without.push(ind.code.clone());
            }
        }
        items.push(IndustryFederations {
            industry_code: ind.code,
            name: ind.name,
            specialty: ind.specialty,
            federations: feds.into_iter().map(Into::into).collect(),
            active_union_cooperatives: count.active_union_cooperatives,
            active_industrial_consortia: count.active_industrial_consortia,
            covered: count.covered,
        });
    }
    Ok(FederationsByIndustry {
        items,
        specialty_total,
        specialty_covered,
        specialty_industries_without_federation: without,
    })
}

/// The dashboard's specialty industries at the end of `on` (today included): the
/// federations registered by then, each with the industry and status it had that day
/// (`coverage_history`); an industry is covered by an active one.
pub fn specialty_on(conn: &mut DbConn, on: NaiveDate) -> ApiResult<FederationProgress> {
    let mut per: HashMap<String, Vec<(FederationKind, FederationStatus)>> = HashMap::new();
    for (kind, industry, status) in coverage_history::federations_on(conn, on)? {
        per.entry(industry).or_default().push((kind, status));
    }
    let mut out = FederationProgress {
        specialty: Vec::new(),
        specialty_total: 0,
        specialty_covered: 0,
        specialty_without_federation: Vec::new(),
    };
    for ind in reference::all_industries(conn)?
        .into_iter()
        .filter(|i| i.specialty)
    {
        let feds = per.remove(&ind.code).unwrap_or_default();
        let count = rules::industry_count(feds.iter().copied());
        out.specialty_total += 1;
        if count.covered {
            out.specialty_covered += 1;
        } else {
            out.specialty_without_federation.push(ind.code.clone());
        }
        out.specialty.push(IndustryProgress {
            industry_code: ind.code,
            name: ind.name,
            active_federations: count.active_union_cooperatives + count.active_industrial_consortia,
            federations: feds.len() as i64,
            covered: count.covered,
        });
    }
    Ok(out)
}

/// One federation (404 when missing).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<FederationOut> {
    caller.require(Resource::Federations, Access::Read)?;
    let f = fed::find(conn, id)?;
    view(conn, f)
}

/// Changes a federation at the `demanded` version if one is given (else 412). A union
/// cooperative keeps a USCC; a new USCC must be free (409).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    region_code: &str,
    id: i64,
    demanded: Option<i32>,
    patch: FederationPatch,
) -> ApiResult<FederationOut> {
    caller.require(Resource::Federations, Access::Write)?;
    let current = fed::find(conn, id)?;
    check_version(demanded, current.version)?;
    let kind = current.kind;
    let mut problems = Problems::of(&patch);
    let new_uscc = match &patch.uscc {
        None => None,
        Some(None) if rules::requires_uscc(kind) => {
            problems.push(FieldError::new(
                "uscc",
                "required",
                "a union cooperative keeps its USCC",
            ));
            None
        }
        Some(None) => Some(None),
        Some(Some(u)) => problems
            .check(checked_uscc(kind, u, region_code))?
            .map(Some),
    };
    if let Some(code) = &patch.industry_code {
        problems.check(check_industry(conn, code))?;
    }
    if let Some(Some(t)) = &patch.town_code {
        problems.check(check_town(conn, t))?;
    }
    problems.finish()?;
    if let Some(Some(code)) = &new_uscc {
        if fed::uscc_taken(conn, code, Some(id))? {
            return Err(uscc_conflict(code));
        }
    }
    let before = view(conn, current.clone())?;
    let changes = FederationChanges {
        name: patch.name.map(|s| s.trim().to_string()),
        industry_code: patch.industry_code,
        uscc: new_uscc,
        town_code: patch.town_code,
    };
    let at = now();
    let updated = fed::update(conn, id, current.version, &changes, at)?
        .ok_or(ApiError::PreconditionFailed)?;
    coverage_history::sync_federation(conn, id, &updated.industry_code, updated.status, at.date())?;
    let after = view(conn, updated)?;
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "federation",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Moves a `forming` federation to `active` (409 unless a union has 3 member cooperatives
/// and a consortium a lead), under the federation's lock.
pub fn activate(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<FederationOut> {
    caller.require(Resource::Federations, Access::Write)?;
    let current = lock_federation(conn, id)?;
    let before = view(conn, current)?;
    rules::check_activation(
        before.kind,
        before.status,
        before.cooperative_member_count,
        before.has_lead,
    )
    .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let at = now();
    let updated = fed::activate(conn, id, at.date(), at)?;
    coverage_history::sync_federation(conn, id, &updated.industry_code, updated.status, at.date())?;
    let after = view(conn, updated)?;
    audit::record(
        conn,
        &caller.actor(),
        "activate",
        "federation",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// 403 unless the caller may change federations. Cheap and without the database: the
/// handler of a change calls it before reading `If-Match`, as the use case does again.
pub fn require_write(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::Federations, Access::Write)
}
