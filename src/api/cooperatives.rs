//! The cooperative registry's endpoints: register, list, read, change.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{JsonBody, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::cooperatives;
use crate::state::AppState;
use crate::views::cooperatives::{
    CooperativeCreate, CooperativeFilterParams, CooperativeOut, CooperativePatch,
};
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_cooperative)
        .service(list_cooperatives)
        .service(get_cooperative)
        .service(patch_cooperative);
}

pub const BASE_PATH: &str = "/api/v1/cooperatives";

/// Register a cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "createCooperative",
    summary = "Register a cooperative",
    description = "Registers a farmers' cooperative. The USCC must carry a valid GB 32100-2015 check character, start with `93` (farmers' cooperative) and carry this system's region code. District admins register anywhere, town officers in their own town. Answers with `Location` and `ETag`.",
    request_body = CooperativeCreate,
    responses(
        (status = 201, description = "Registered", body = CooperativeOut,
            headers(("Location" = String, description = "The new cooperative's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 403, description = "The role may not register cooperatives (or not in that town)"),
        (status = 409, description = "A cooperative with this USCC is already registered"),
        (status = 422, description = "A field is invalid (USCC check character, region, phone, town, industry…)")
    )
)]
#[post("/cooperatives")]
pub async fn create_cooperative(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CooperativeCreate>,
) -> ApiResult<HttpResponse> {
    let region = state.settings.region_code.clone();
    let out = state
        .db_write(move |conn| cooperatives::create(conn, &caller, &region, body.0))
        .await?;
    let location = format!("{BASE_PATH}/{}", out.id);
    Ok(created(location, out.version, &out))
}

/// List cooperatives.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "listCooperatives",
    summary = "List cooperatives in your scope",
    description = "Lists the cooperatives the caller may see (a town officer: their town; a counselor: the towns they cover; a cooperative: itself), in registration order, with filters and cursor paging.",
    params(CooperativeFilterParams, PageParams),
    responses(
        (status = 200, description = "One page, in registration order", body = ListResponse<CooperativeOut>),
        (status = 422, description = "limit outside 1–200, a bad cursor, or an unknown check in `compliance_failing`")
    )
)]
#[get("/cooperatives")]
pub async fn list_cooperatives(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<CooperativeFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let list = state
        .db(move |conn| cooperatives::list(conn, &caller, &filters, page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "getCooperative",
    summary = "Get a cooperative",
    description = "One cooperative with its `ETag`. A cooperative outside the caller's scope is answered 404, exactly like a missing one.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The cooperative", body = CooperativeOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}")]
pub async fn get_cooperative(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| cooperatives::get(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "updateCooperative",
    summary = "Change a cooperative's registry fields",
    description = "Send only the fields to change. With `If-Match` the change applies only to that version (else 412). A cooperative's own account may change only `phone` and `address`.",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = CooperativePatch,
    responses(
        (status = 200, description = "Changed", body = CooperativeOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "The role may not change these fields"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The new USCC belongs to another cooperative"),
        (status = 412, description = "If-Match does not match the current version"),
    )
)]
#[patch("/cooperatives/{id}")]
pub async fn patch_cooperative(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: JsonBody<CooperativePatch>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let region = state.settings.region_code.clone();
    let out = state
        .db_write(move |conn| cooperatives::update(conn, &caller, &region, id, demanded, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}
