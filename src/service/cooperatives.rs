//! The cooperative registry (合作社名录): registration, changes, derived fields.

use std::collections::HashMap;

use crate::auth::{Access, Caller, Resource, Role};
use chrono::{NaiveDate, NaiveDateTime};

use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative::{
    self as coop, Cooperative, CooperativeChanges, NewCooperative,
};
use crate::db::models::{now, reference, today};
use crate::db::DbConn;
use crate::domain::cooperative::CoopStatus;
use crate::domain::scope::CoopScope;
use crate::domain::{phone, uscc};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::{check_version, Problems};
use crate::views::cooperatives::{
    CooperativeCreate, CooperativeFilterParams, CooperativeOut, CooperativePatch, MemberSummary,
};
use crate::views::pagination::{ListResponse, Page};

/// 409 unless the cooperative still operates (merged and deregistered ones are closed books).
pub fn ensure_operating(c: &Cooperative) -> ApiResult<()> {
    match c.status {
        CoopStatus::Merged | CoopStatus::Deregistered => Err(ApiError::Conflict(format!(
            "cooperative {} is {}; its records can no longer change",
            c.id, c.status
        ))),
        _ => Ok(()),
    }
}

/// Member summaries for a page of cooperatives (one query).
pub fn member_summaries(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, MemberSummary>> {
    Ok(crate::db::models::member::summaries(conn, ids)?
        .into_iter()
        .map(|(id, counts)| (id, summary(counts)))
        .collect())
}

fn summary(counts: crate::db::models::member::Counts) -> MemberSummary {
    MemberSummary {
        active: counts.by_type.values().sum(),
        by_type: counts.by_type.into_iter().collect(),
        total_contribution_fen: counts.total_contribution_fen,
    }
}

/// The rules of `POST /cooperatives` that need no database: the `validator` rules, then the
/// USCC (check character, `93`, region). Returns the normalised USCC, or every field at fault.
/// Shared with the CSV import.
pub fn validate_create(
    body: &CooperativeCreate,
    region_code: &str,
) -> Result<String, Vec<FieldError>> {
    let mut problems = Problems::of(body);
    let code = uscc::validate_cooperative(&body.uscc, region_code)
        .map_err(|e| problems.push(FieldError::new("uscc", e.code(), e.to_string())));
    match (problems.finish(), code) {
        (Ok(()), Ok(code)) => Ok(code),
        (Err(ApiError::Validation(errors)), _) => Err(errors),
        _ => Err(Vec::new()),
    }
}

/// The row to insert for a validated create body (names trimmed, phone normalised).
pub fn new_cooperative(body: CooperativeCreate, uscc: String, at: NaiveDateTime) -> NewCooperative {
    NewCooperative {
        name: body.name.trim().to_string(),
        uscc,
        town_code: body.town_code,
        legal_representative: body.legal_representative.trim().to_string(),
        phone: phone::normalize(&body.phone).unwrap_or(body.phone),
        established_on: body.established_on,
        registered_capital_fen: body.registered_capital_fen,
        address: body.address,
        business_scope: body.business_scope,
        status: CoopStatus::Active,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// The errors for an unknown town and unknown industry codes (`unknown` lists those of
/// `industry_codes` that are not known). Shared with the CSV import.
pub fn reference_errors(
    town: Option<(&str, bool)>,
    industry_codes: &[String],
    unknown: &[String],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some((town, false)) = town {
        errors.push(FieldError::new(
            "town_code",
            "unknown_code",
            format!("{town} is not a town of this district"),
        ));
    }
    for (i, code) in industry_codes.iter().enumerate() {
        if unknown.contains(code) {
            errors.push(FieldError::new(
                format!("industry_codes.{i}"),
                "unknown_code",
                format!("{code} is not an industry code"),
            ));
        }
    }
    errors
}

/// The problems of a town and industries that do not exist.
fn reference_problems(
    conn: &mut DbConn,
    town_code: Option<&str>,
    industry_codes: Option<&[String]>,
) -> ApiResult<Vec<FieldError>> {
    let town = match town_code {
        Some(t) => Some((t, reference::town_exists(conn, t)?)),
        None => None,
    };
    let (codes, unknown) = match industry_codes {
        Some(codes) => (codes, reference::unknown_industries(conn, codes)?),
        None => (&[][..], Vec::new()),
    };
    Ok(reference_errors(town, codes, &unknown))
}

/// A town officer acts in their own town only.
fn check_town_allowed(user: &Caller, town_code: &str) -> ApiResult<()> {
    if user.role() == Role::TownOfficer && user.claims.town_code.as_deref() != Some(town_code) {
        return Err(ApiError::Forbidden(
            "a town officer may only register cooperatives of their own town".into(),
        ));
    }
    Ok(())
}

/// Sets a cooperative's derived fields (tier, status, merge pointer, demonstration title),
/// which other processes own rather than `PATCH`, bumps its version and audits the change.
/// Only the fields `set` changed are written, and only if the cooperative is still at the
/// version of `current`: a snapshot another process changed meanwhile → 409, nothing written.
/// Returns the cooperative after.
pub fn set_derived(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    current: &Cooperative,
    set: impl FnOnce(&mut Cooperative),
) -> ApiResult<Cooperative> {
    set_derived_on(conn, actor, action, current, today(), set)
}

/// [`set_derived`] for a change that takes effect on `effective_on` (a deregistration or a
/// listing dated in the past): the state before is kept until that day
/// (`db::models::coop_history`), for the dashboard's as-of figures.
pub fn set_derived_on(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    current: &Cooperative,
    effective_on: NaiveDate,
    set: impl FnOnce(&mut Cooperative),
) -> ApiResult<Cooperative> {
    use crate::db::schema::cooperatives;
    use crate::domain::cooperative::{DemonstrationLevel, Tier};
    use diesel::prelude::*;

    /// The derived columns that changed (`None`: left as it is), and the version bump.
    #[derive(AsChangeset)]
    #[diesel(table_name = cooperatives)]
    struct Derived {
        tier: Option<Option<Tier>>,
        status: Option<CoopStatus>,
        merged_into_id: Option<Option<i64>>,
        demonstration_level: Option<Option<DemonstrationLevel>>,
        version: i32,
        updated_at: NaiveDateTime,
    }
    fn changed<T: PartialEq + Clone>(before: &T, after: &T) -> Option<T> {
        (before != after).then(|| after.clone())
    }

    let before = view(conn, current.clone())?;
    let mut next = current.clone();
    set(&mut next);
    let derived = Derived {
        tier: changed(&current.tier, &next.tier),
        status: changed(&current.status, &next.status),
        merged_into_id: changed(&current.merged_into_id, &next.merged_into_id),
        demonstration_level: changed(&current.demonstration_level, &next.demonstration_level),
        version: current.version + 1,
        updated_at: now(),
    };
    let state_changed =
        derived.status.is_some() || derived.tier.is_some() || derived.demonstration_level.is_some();
    let written = diesel::update(
        cooperatives::table
            .filter(cooperatives::id.eq(current.id))
            .filter(cooperatives::version.eq(current.version)),
    )
    .set(derived)
    .execute(conn)?;
    if written == 0 {
        return Err(ApiError::Conflict(format!(
            "cooperative {} changed meanwhile (it is no longer at version {}); reload it and retry",
            current.id, current.version
        )));
    }
    if state_changed {
        crate::db::models::coop_history::close_state(conn, current, effective_on)?;
    }
    let after = coop::find(conn, &CoopScope::All, current.id)?;
    let after_out = view(conn, after.clone())?;
    audit::record(
        conn,
        actor,
        action,
        "cooperative",
        &current.id.to_string(),
        Some(&before),
        Some(&after_out),
    )?;
    Ok(after)
}

/// Loads the industry codes and member summary and builds the representation.
pub fn view(conn: &mut DbConn, c: Cooperative) -> ApiResult<CooperativeOut> {
    let id = c.id;
    let mut map = coop::industries_of(conn, &[id])?;
    let codes = map.remove(&id).unwrap_or_default();
    let mut out = CooperativeOut::new(c, codes);
    out.members = Some(
        member_summaries(conn, &[id])?
            .remove(&id)
            .unwrap_or_default(),
    );
    Ok(out)
}

/// Views of a page of rows: industries and member summaries in one query each.
pub fn views(conn: &mut DbConn, rows: Vec<Cooperative>) -> ApiResult<Vec<CooperativeOut>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut industries = coop::industries_of(conn, &ids)?;
    let mut summaries = member_summaries(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let id = c.id;
            let codes = industries.remove(&id).unwrap_or_default();
            let mut out = CooperativeOut::new(c, codes);
            out.members = Some(summaries.remove(&id).unwrap_or_default());
            out
        })
        .collect())
}

/// Registers a cooperative. Who may: the roles that write cooperatives, less a cooperative's
/// own account; a town officer only in its own town. The USCC must be a cooperative's of
/// `region_code`; town and industries must exist; the USCC must be new (409).
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    region_code: &str,
    body: CooperativeCreate,
) -> ApiResult<CooperativeOut> {
    caller.require(Resource::Cooperatives, Access::Write)?;
    if caller.role() == Role::Cooperative {
        return Err(ApiError::Forbidden(
            "a cooperative's account may not register cooperatives".into(),
        ));
    }
    check_town_allowed(caller, &body.town_code)?;
    // One 422 names every field at fault: the field rules, the USCC and the references.
    let mut problems = Problems::default();
    let code = validate_create(&body, region_code)
        .map_err(|errors| problems.extend(errors))
        .unwrap_or_default();
    problems.extend(reference_problems(
        conn,
        Some(&body.town_code),
        Some(&body.industry_codes),
    )?);
    problems.finish()?;
    if coop::uscc_taken(conn, &code, None)? {
        return Err(ApiError::Conflict(format!(
            "a cooperative with USCC {code} is already registered"
        )));
    }
    let codes = body.industry_codes.clone();
    let new = new_cooperative(body, code, now());
    let created = coop::insert(conn, &new, &codes)?;
    let out = view(conn, created)?;
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "cooperative",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the cooperatives in the caller's scope.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &CooperativeFilterParams,
    page: Page,
) -> ApiResult<ListResponse<CooperativeOut>> {
    caller.require(Resource::Cooperatives, Access::Read)?;
    let filter = filters.to_filter();
    let scope = caller.coop_scope(conn)?;
    if let Some(wanted) = crate::service::worklists::parse(filters.compliance_failing.as_deref())? {
        let (rows, next_cursor) =
            crate::service::worklists::page(conn, &scope, &filter, &wanted, page)?;
        return Ok(ListResponse {
            items: views(conn, rows)?,
            next_cursor,
            total: None,
        });
    }
    let list = page.load(
        conn,
        |conn, after, n| coop::list_viewed(conn, &scope, &filter, after, n),
        |conn| coop::count(conn, &scope, &filter),
        |v| v.coop.id,
    )?;
    let items = list.items.into_iter().map(viewed).collect();
    Ok(ListResponse {
        items,
        next_cursor: list.next_cursor,
        total: list.total,
    })
}

/// One cooperative in the caller's scope (404 outside it).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<CooperativeOut> {
    caller.require(Resource::Cooperatives, Access::Read)?;
    let scope = caller.coop_scope(conn)?;
    Ok(viewed(coop::find_viewed(conn, &scope, id)?))
}

fn viewed(v: coop::Viewed) -> CooperativeOut {
    let mut out = CooperativeOut::new(v.coop, v.industries);
    out.members = Some(summary(v.members));
    out
}

/// Changes a cooperative's registry fields, at the `demanded` version if one is given (else
/// 412). A cooperative's own account changes only its contact fields; a town officer may not
/// move a cooperative out of its town.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    region_code: &str,
    id: i64,
    demanded: Option<i32>,
    patch: CooperativePatch,
) -> ApiResult<CooperativeOut> {
    caller.require(Resource::Cooperatives, Access::Write)?;
    if caller.role() == Role::Cooperative {
        let fields = patch.non_contact_fields();
        if !fields.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "a cooperative's account may change only phone and address, not {}",
                fields.join(", ")
            )));
        }
    }
    if let Some(town) = &patch.town_code {
        check_town_allowed(caller, town)?;
    }
    let current = caller.cooperative(conn, id)?;
    check_version(demanded, current.version)?;
    // One 422 names every field at fault: the field rules, the USCC and the references.
    let mut problems = Problems::of(&patch);
    let new_uscc = match patch
        .uscc
        .as_deref()
        .map(|u| uscc::validate_cooperative(u, region_code))
    {
        Some(Ok(code)) => Some(code),
        Some(Err(e)) => {
            problems.push(FieldError::new("uscc", e.code(), e.to_string()));
            None
        }
        None => None,
    };
    problems.extend(reference_problems(
        conn,
        patch.town_code.as_deref(),
        patch.industry_codes.as_deref(),
    )?);
    problems.finish()?;
    if let Some(code) = &new_uscc {
        if coop::uscc_taken(conn, code, Some(id))? {
            return Err(ApiError::Conflict(format!(
                "another cooperative has USCC {code}"
            )));
        }
    }
    let before = view(conn, current.clone())?;
    let changes = CooperativeChanges {
        name: patch.name.map(|s| s.trim().to_string()),
        uscc: new_uscc,
        town_code: patch.town_code,
        legal_representative: patch.legal_representative.map(|s| s.trim().to_string()),
        phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
        established_on: patch.established_on,
        registered_capital_fen: patch.registered_capital_fen,
        address: patch.address,
        business_scope: patch.business_scope,
    };
    let updated = coop::update(conn, id, current.version, &changes, now())?
        .ok_or(ApiError::PreconditionFailed)?;
    if let Some(codes) = &patch.industry_codes {
        coop::set_industries(conn, id, codes)?;
    }
    let after = view(conn, updated)?;
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "cooperative",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
