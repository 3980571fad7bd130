//! Counselors' records, their logins, and the coverage of the towns.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::BASE_PATH;
use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::{password, Caller};
use crate::error::{ApiError, ApiResult};
use crate::service::counselors;
use crate::state::AppState;
use crate::views::counselors::{
    CounselorCreate, CounselorFilterParams, CounselorOut, CounselorPatch, Coverage, LoginCreate,
    LoginOut,
};
use crate::views::pagination::{ListResponse, PageParams};

/// Register a counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "createCounselor",
    summary = "Register a counselor",
    description = "Registers a counselor (辅导员) with the towns they cover. A login for them is made with `coophub user create --role counselor --counselor-id N`; its scope is these towns. District admins only.",
    request_body = CounselorCreate,
    responses(
        (status = 201, description = "Registered", body = CounselorOut,
            headers(("Location" = String, description = "The new counselor's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 403, description = "Only the district registers counselors"),
        (status = 422, description = "A field is invalid (source, level, phone, town codes, area…)")
    )
)]
#[post("/counselors")]
pub async fn create_counselor(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CounselorCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| counselors::create(conn, &caller, body.0))
        .await?;
    let location = format!("{BASE_PATH}/{}", out.id);
    Ok(created(location, out.version, &out))
}

/// List counselors.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselors",
    summary = "List counselors",
    description = "Counselors in registration order, with filters and cursor paging. A counselor sees only themselves; a cooperative the counselors of its town.",
    params(CounselorFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<CounselorOut>),
        (status = 403, description = "The role may not read counselors"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors")]
pub async fn list_counselors(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<CounselorFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| counselors::list(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselor",
    summary = "Get a counselor",
    description = "One counselor with the towns they cover and an `ETag`. Outside the caller's view (another counselor, or not of the cooperative's town) it is 404.",
    params(("id" = i64, Path, description = "Counselor id")),
    responses(
        (status = 200, description = "The counselor", body = CounselorOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view")
    )
)]
#[get("/counselors/{id}")]
pub async fn get_counselor(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| counselors::get(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "updateCounselor",
    summary = "Change a counselor",
    description = "Send only the fields to change; `town_codes` replaces the covered towns (and so the scope of the counselor's login). With `If-Match` the change applies only to that version (else 412). District admins only.",
    params(
        ("id" = i64, Path, description = "Counselor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = CounselorPatch,
    responses(
        (status = 200, description = "Changed", body = CounselorOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the district changes counselors"),
        (status = 404, description = "No such counselor"),
        (status = 412, description = "If-Match does not match the current version"),
    )
)]
#[patch("/counselors/{id}")]
pub async fn patch_counselor(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<CounselorPatch>,
) -> ApiResult<HttpResponse> {
    // A role that may not manage counselors is refused before its If-Match is read.
    counselors::require_manage(&caller)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let out = state
        .db_write(move |conn| counselors::update(conn, &caller, id, demanded, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Coverage of the towns.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselorCoverage",
    summary = "Counselor coverage of the towns",
    description = "Every town with the number of active counselors covering it, the towns without one (the plan demands at least one per town), and district counselors by area (片区). Counts are always complete; counselors a caller may not see (a counselor: others; a cooperative: those of other towns) are counted but not named.",
    responses(
        (status = 200, description = "The coverage", body = Coverage),
        (status = 403, description = "The role may not read counselors")
    )
)]
#[get("/counselors/coverage")]
pub async fn coverage(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| counselors::coverage(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Give a counselor a login.
#[utoipa::path(
    tag = "counselors",
    operation_id = "createCounselorLogin",
    summary = "Give a counselor a login",
    description = "Makes a user with the role `counselor` for this counselor (one per counselor). Its scope is the towns the counselor covers, read at every request: it reads those towns' cooperatives and records the counselor's own visits, nothing else. District admins only.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = LoginCreate,
    responses(
        (status = 201, description = "Made", body = LoginOut),
        (status = 403, description = "Only the district makes logins"),
        (status = 404, description = "No such counselor"),
        (status = 409, description = "The username is taken, or the counselor has a login already"),
        (status = 422, description = "username or password invalid (the password needs 10 characters)")
    )
)]
#[post("/counselors/{id}/login")]
pub async fn create_login(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<LoginCreate>,
) -> ApiResult<HttpResponse> {
    // Refused before the password is hashed, which costs.
    counselors::require_manage(&caller)?;
    let id = path.into_inner();
    let body = body.0;
    if let Some(refusal) = password::policy_refusal(&body.username, &body.password) {
        return Err(ApiError::field("password", "policy", refusal));
    }
    let pw = body.password.clone();
    let hash = web::block(move || password::hash(&pw))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let out = state
        .db_write(move |conn| counselors::create_login(conn, &caller, id, body.username, hash))
        .await?;
    Ok(HttpResponse::Created().json(out))
}
