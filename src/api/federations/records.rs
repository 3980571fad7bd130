//! Federations themselves: register, list, the view by industry, read, change, activate.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::BASE_PATH;
use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{JsonBody, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::federations;
use crate::state::AppState;
use crate::views::federations::{
    FederationCreate, FederationFilterParams, FederationOut, FederationPatch, FederationsByIndustry,
};
use crate::views::pagination::{ListResponse, PageParams};

/// Register a federation or consortium.
#[utoipa::path(
    tag = "federations",
    operation_id = "createFederation",
    summary = "Register a federation or industrial consortium",
    description = "Registers a union cooperative (联合社, with its own USCC of a farmers' cooperative of this region) or an industrial consortium (产业化联合体: company + cooperative + family farm + smallholder). It starts `forming`; add members, then `activate`. District admins only.",
    request_body = FederationCreate,
    responses(
        (status = 201, description = "Registered", body = FederationOut,
            headers(("Location" = String, description = "The new federation's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 403, description = "Only the district may register federations"),
        (status = 409, description = "The USCC belongs to another federation or cooperative"),
        (status = 422, description = "A field is invalid (kind, USCC, industry, town…)")
    )
)]
#[post("/federations")]
pub async fn create_federation(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<FederationCreate>,
) -> ApiResult<HttpResponse> {
    let region = state.settings.region_code.clone();
    let out = state
        .db_write(move |conn| federations::create(conn, &caller, &region, body.0))
        .await?;
    let location = format!("{BASE_PATH}/{}", out.id);
    Ok(created(location, out.version, &out))
}

/// List federations.
#[utoipa::path(
    tag = "federations",
    operation_id = "listFederations",
    summary = "List federations and consortia",
    description = "Every federation and consortium of the district, in registration order, with filters and cursor paging.",
    params(FederationFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<FederationOut>),
        (status = 403, description = "The role may not read federations"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/federations")]
pub async fn list_federations(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<FederationFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| federations::list(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Federations per industry.
#[utoipa::path(
    tag = "federations",
    operation_id = "getFederationsByIndustry",
    summary = "Federations and consortia per industry",
    description = "For every industry, its federations and consortia; and which specialty industries still have no active one (the pilot's target is at least one per specialty industry).",
    responses(
        (status = 200, description = "The view", body = FederationsByIndustry),
        (status = 403, description = "The role may not read federations")
    )
)]
#[get("/federations/by-industry")]
pub async fn federations_by_industry(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| federations::by_industry_view(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Get one federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "getFederation",
    summary = "Get a federation",
    description = "One federation or consortium with its member counts and `ETag`.",
    params(("id" = i64, Path, description = "Federation id")),
    responses(
        (status = 200, description = "The federation", body = FederationOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read federations"),
        (status = 404, description = "No such federation")
    )
)]
#[get("/federations/{id}")]
pub async fn get_federation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| federations::get(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "updateFederation",
    summary = "Change a federation",
    description = "Send only the fields to change (`null` clears `town_code`, or a consortium's `uscc`; a union cooperative keeps a USCC). With `If-Match` the change applies only to that version (else 412). District admins only.",
    params(
        ("id" = i64, Path, description = "Federation id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = FederationPatch,
    responses(
        (status = 200, description = "Changed", body = FederationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the district may change federations"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "The USCC belongs to another federation or cooperative"),
        (status = 412, description = "If-Match does not match the current version"),
    )
)]
#[patch("/federations/{id}")]
pub async fn patch_federation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: JsonBody<FederationPatch>,
) -> ApiResult<HttpResponse> {
    // A role that may not change federations is refused before its If-Match is read.
    federations::require_write(&caller)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let region = state.settings.region_code.clone();
    let out = state
        .db_write(move |conn| federations::update(conn, &caller, &region, id, demanded, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Activate a federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "activateFederation",
    summary = "Activate a federation",
    description = "Moves a `forming` federation to `active`. A union cooperative needs at least 3 member cooperatives (else 409, the count in the detail); an industrial consortium needs a `lead` member. District admins only.",
    params(("id" = i64, Path, description = "Federation id")),
    responses(
        (status = 200, description = "Activated", body = FederationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "Only the district may activate federations"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "Already active, too few member cooperatives, or no lead")
    )
)]
#[post("/federations/{id}/activate")]
pub async fn activate_federation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| federations::activate(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}
