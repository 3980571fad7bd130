//! The counselor corps (辅导员): records, logins, coverage, trainings, visits, evaluations,
//! rankings. Only the district manages counselors; a counselor's login records only its own
//! visits.

mod activity;
mod coverage;
mod evaluations;

pub use activity::{add_training, add_visit, cooperative_visits, list_trainings, list_visits};
pub use coverage::{build_coverage, coverage, coverage_on, rankings};
pub use evaluations::{check_year, list_evaluations, put_evaluation, EvaluationSaved};

use std::collections::HashMap;

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::counselor::{
    self as cm, Counselor, CounselorChanges, CounselorScope, NewCounselor,
};
use crate::db::models::user::UserScope;
use crate::db::models::{audit, coverage_history};
use crate::db::models::{now, reference, today};
use crate::db::DbConn;
use crate::domain::counselor::{self as rules, CounselorLevel};
use crate::domain::phone;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::{check_version, users};
use crate::views::counselors::{
    CounselorCreate, CounselorFilterParams, CounselorOut, CounselorPatch, LoginOut,
};
use crate::views::pagination::{ListResponse, PageParams};

/// The district manages counselors; a counselor's login may write only its own visits.
/// Cheap and without the database: handlers call it first where it answered before anything
/// else was read (`If-Match`) or before work that costs (hashing a password); the use cases
/// check it again.
pub fn require_manage(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::Counselors, Access::Write)?;
    if caller.role() != Role::DistrictAdmin {
        return Err(ApiError::Forbidden(
            "only the district manages counselors; a counselor records only their own visits"
                .into(),
        ));
    }
    Ok(())
}

/// Every town code must be a town of the district (422 naming each one otherwise).
fn check_towns(conn: &mut DbConn, codes: &[String]) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        if !reference::town_exists(conn, code)? {
            errors.push(FieldError::new(
                format!("town_codes.{i}"),
                "unknown_code",
                format!("{code} is not a town of this district"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn check_area(level: CounselorLevel, area: Option<&str>) -> ApiResult<()> {
    if !rules::may_have_area(level, area) {
        return Err(ApiError::field(
            "area",
            "not_allowed",
            "only a district counselor has an area (片区)",
        ));
    }
    Ok(())
}

/// The counselor with the towns they cover.
pub fn view(conn: &mut DbConn, c: Counselor) -> ApiResult<CounselorOut> {
    let towns = cm::towns_of(conn, &[c.id])?
        .remove(&c.id)
        .unwrap_or_default();
    Ok(CounselorOut::new(c, towns))
}

/// Names of the counselors `ids`.
fn names_of(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, String>> {
    Ok(cm::by_ids(conn, ids)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// A counselor the caller may see (404 otherwise).
fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<Counselor> {
    caller.require(Resource::Counselors, Access::Read)?;
    let scope = caller.counselor_scope(conn)?;
    Ok(cm::find(conn, &scope, id)?)
}

/// Registers a counselor with the towns they cover (district only; towns must exist; a town
/// counselor has no area).
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    body: CounselorCreate,
) -> ApiResult<CounselorOut> {
    require_manage(caller)?;
    check_area(body.level, body.area.as_deref())?;
    check_towns(conn, &body.town_codes)?;
    let at = now();
    let created = cm::insert(
        conn,
        &NewCounselor {
            name: body.name.trim().to_string(),
            phone: phone::normalize(&body.phone).unwrap_or(body.phone),
            source: body.source,
            level: body.level,
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
            area: body.area.map(|a| a.trim().to_string()),
        },
        &body.town_codes,
    )?;
    let out = view(conn, created)?;
    coverage_history::sync_counselor(conn, out.id, out.active, &out.town_codes, today())?;
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "counselor",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the counselors the caller may see, in registration order.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &CounselorFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<CounselorOut>> {
    caller.require(Resource::Counselors, Access::Read)?;
    let page = page.page()?;
    let filter = filters.to_filter();
    let scope = caller.counselor_scope(conn)?;
    let list = page.load(
        conn,
        |conn, after, n| cm::list(conn, &scope, &filter, after, n),
        |conn| cm::count(conn, &scope, &filter),
        |c| c.id,
    )?;
    let ids: Vec<i64> = list.items.iter().map(|c| c.id).collect();
    let mut towns = cm::towns_of(conn, &ids)?;
    Ok(list.map(|c| {
        let t = towns.remove(&c.id).unwrap_or_default();
        CounselorOut::new(c, t)
    }))
}

/// One counselor the caller may see (404 outside its view).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<CounselorOut> {
    let c = visible(conn, caller, id)?;
    view(conn, c)
}

/// Changes a counselor at the `demanded` version if one is given (else 412); `town_codes`
/// replaces the covered towns. District only.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    demanded: Option<i32>,
    patch: CounselorPatch,
) -> ApiResult<CounselorOut> {
    require_manage(caller)?;
    let current = cm::find(conn, &CounselorScope::All, id)?;
    check_version(demanded, current.version)?;
    let level = patch.level.unwrap_or(current.level);
    let area = rules::area_after(level, patch.area.clone(), current.area.clone());
    if patch.area.is_some() {
        check_area(level, area.as_deref())?;
    }
    if let Some(towns) = &patch.town_codes {
        check_towns(conn, towns)?;
    }
    let before = view(conn, current.clone())?;
    let changes = CounselorChanges {
        name: patch.name.map(|s| s.trim().to_string()),
        phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
        source: patch.source,
        level: patch.level,
        active: patch.active,
        area: if area != current.area {
            Some(area.map(|a| a.trim().to_string()))
        } else {
            None
        },
    };
    let updated = cm::update(conn, id, current.version, &changes, now())?
        .ok_or(ApiError::PreconditionFailed)?;
    if let Some(towns) = &patch.town_codes {
        cm::set_towns(conn, id, towns)?;
    }
    let after = view(conn, updated)?;
    coverage_history::sync_counselor(conn, id, after.active, &after.town_codes, today())?;
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "counselor",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Makes the login of counselor `id` (one per counselor; the username must be free) with a
/// password already hashed. District only.
pub fn create_login(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    username: String,
    password_hash: String,
) -> ApiResult<LoginOut> {
    require_manage(caller)?;
    cm::find(conn, &CounselorScope::All, id)?;
    let scope = UserScope {
        role: Role::Counselor,
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: Some(id),
    };
    let mut problems = crate::service::Problems::default();
    users::check_scope(conn, &scope, None, &mut problems)?;
    problems.finish()?;
    let created = users::insert_account(
        conn,
        &caller.actor(),
        &username,
        scope,
        password_hash,
        false,
    )?;
    Ok(LoginOut {
        user_id: created.id,
        username: created.username,
        role: Role::Counselor,
        counselor_id: id,
    })
}
