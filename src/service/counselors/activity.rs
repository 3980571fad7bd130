//! A counselor's trainings and guidance visits, and the visits a cooperative received.

use diesel::OptionalExtension;

use super::{names_of, require_manage, visible};
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit;
use crate::db::models::cooperative as coop;
use crate::db::models::counselor::{self as cm, CounselorScope, NewTraining, NewVisit};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::views::counselors::{TrainingCreate, TrainingOut, VisitCreate, VisitOut};
use crate::views::pagination::{ListResponse, PageParams};

/// Records a training counselor `id` took part in. District only.
pub fn add_training(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: TrainingCreate,
) -> ApiResult<TrainingOut> {
    require_manage(caller)?;
    cm::find(conn, &CounselorScope::All, id)?;
    let topics: Vec<String> = body
        .topics
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.trim().to_string())
        .collect();
    let t = cm::insert_training(
        conn,
        &NewTraining {
            counselor_id: id,
            title: body.title.trim().to_string(),
            held_on: body.held_on,
            hours: body.hours,
            topics: serde_json::to_string(&topics).map_err(ApiError::internal)?,
            attendees: body.attendees,
            created_at: now(),
        },
    )?;
    let out = TrainingOut::from(t);
    audit::record(
        conn,
        &caller.actor(),
        "add_training",
        "counselor",
        &id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the trainings of a counselor the caller may see.
pub fn list_trainings(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<TrainingOut>> {
    caller.require(Resource::Counselors, Access::Read)?;
    let page = page.page()?;
    visible(conn, caller, id)?;
    let rows = cm::trainings(conn, id, page.after, page.limit + 1)?;
    Ok(ListResponse::from_rows(rows, page, None, |t| t.id).map(TrainingOut::from))
}

/// Who may record a visit as counselor `id`: that counselor's own login, or the district.
fn check_visit_recorder(caller: &Caller, id: i64) -> ApiResult<()> {
    caller.require(Resource::Counselors, Access::Write)?;
    if caller.role() == Role::Counselor && caller.claims.counselor_id != Some(id) {
        return Err(ApiError::Forbidden(
            "a counselor records visits only as themselves".into(),
        ));
    }
    if !matches!(caller.role(), Role::Counselor | Role::DistrictAdmin) {
        return Err(ApiError::Forbidden(
            "only counselors (and the district) record visits".into(),
        ));
    }
    Ok(())
}

/// Records a visit of counselor `id` to a cooperative of a town they cover. A counselor's
/// login records only as themselves (403) and sees only its towns' cooperatives (404); an
/// inactive counselor records nothing (409).
pub fn add_visit(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: VisitCreate,
) -> ApiResult<VisitOut> {
    check_visit_recorder(caller, id)?;
    let counselor = cm::find(conn, &CounselorScope::All, id)?;
    let scope = caller.coop_scope(conn)?;
    let cooperative = match coop::find(conn, &scope, body.cooperative_id).optional()? {
        Some(c) => c,
        None if scope == CoopScope::All => {
            return Err(ApiError::field(
                "cooperative_id",
                "unknown",
                format!("there is no cooperative {}", body.cooperative_id),
            ))
        }
        None => return Err(ApiError::NotFound),
    };
    if !counselor.active {
        return Err(ApiError::Conflict(
            "an inactive counselor records no visits".into(),
        ));
    }
    let towns = cm::towns_of(conn, &[id])?.remove(&id).unwrap_or_default();
    if !towns.contains(&cooperative.town_code) {
        return Err(ApiError::field(
            "cooperative_id",
            "not_covered",
            "the cooperative is not in a town this counselor covers",
        ));
    }
    let topics: Vec<String> = body.topics.iter().map(|t| t.trim().to_string()).collect();
    let v = cm::insert_visit(
        conn,
        &NewVisit {
            counselor_id: id,
            cooperative_id: cooperative.id,
            visited_on: body.visited_on,
            topics: serde_json::to_string(&topics).map_err(ApiError::internal)?,
            findings: body.findings.trim().to_string(),
            follow_up: body.follow_up,
            created_at: now(),
        },
    )?;
    let out = VisitOut::new(v, counselor.name);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "counselor_visit",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the visits of a counselor the caller may see.
pub fn list_visits(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<VisitOut>> {
    caller.require(Resource::Counselors, Access::Read)?;
    let page = page.page()?;
    let c = visible(conn, caller, id)?;
    let rows = cm::visits(conn, Some(id), None, page.after, page.limit + 1)?;
    Ok(ListResponse::from_rows(rows, page, None, |v| v.id)
        .map(|v| VisitOut::new(v, c.name.clone())))
}

/// One page of the visits cooperative `id` (in the caller's scope) received; a counselor's
/// login reads only the visits it made itself.
pub fn cooperative_visits(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<VisitOut>> {
    caller.require(Resource::Counselors, Access::Read)?;
    let page = page.page()?;
    caller.cooperative(conn, id)?;
    let own = match caller.role() {
        Role::Counselor => Some(caller.claims.counselor_id.unwrap_or(-1)),
        _ => None,
    };
    let rows = cm::visits(conn, own, Some(id), page.after, page.limit + 1)?;
    let list = ListResponse::from_rows(rows, page, None, |v| v.id);
    let ids: Vec<i64> = list.items.iter().map(|v| v.counselor_id).collect();
    let names = names_of(conn, &ids)?;
    Ok(list.map(|v| {
        let name = names.get(&v.counselor_id).cloned().unwrap_or_default();
        VisitOut::new(v, name)
    }))
}
