//! A federation's members: add, list, remove (by path or named in the query).

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};

use super::BASE_PATH;
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::federations;
use crate::state::AppState;
use crate::views::federations::{FederationMemberCreate, FederationMemberOut, RemoveMemberParams};
use crate::views::pagination::{ListResponse, PageParams};

/// Add a member.
#[utoipa::path(
    tag = "federations",
    operation_id = "addFederationMember",
    summary = "Add a member to a federation",
    description = "Adds a cooperative (by `cooperative_id`), or for a consortium a company, family farm or smallholder (by `name`). A union cooperative takes only cooperatives. A cooperative appears at most once per federation, and a federation has at most one `lead` (409). District admins only.",
    params(("id" = i64, Path, description = "Federation id")),
    request_body = FederationMemberCreate,
    responses(
        (status = 201, description = "Added", body = FederationMemberOut,
            headers(("Location" = String, description = "The federation's member list"))),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "The cooperative is already a member, or a lead exists"),
        (status = 422, description = "A field is invalid (member_kind, cooperative_id, name, role…)")
    )
)]
#[post("/federations/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<FederationMemberCreate>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| federations::add_member(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/members")))
        .json(out))
}

/// List members.
#[utoipa::path(
    tag = "federations",
    operation_id = "listFederationMembers",
    summary = "List a federation's members",
    description = "The members in the order they were added, with cursor paging.",
    params(("id" = i64, Path, description = "Federation id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<FederationMemberOut>),
        (status = 403, description = "The role may not read federations"),
        (status = 404, description = "No such federation"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/federations/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| federations::list_members(conn, &caller, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Remove a member.
#[utoipa::path(
    tag = "federations",
    operation_id = "removeFederationMember",
    summary = "Remove a member from a federation",
    description = "Removes a member. An active union cooperative keeps at least 3 member cooperatives (else 409). District admins only.",
    params(
        ("id" = i64, Path, description = "Federation id"),
        ("member_id" = i64, Path, description = "Member id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An id is not a number"),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation or member"),
        (status = 409, description = "The active union cooperative would keep fewer than 3 cooperatives")
    )
)]
#[delete("/federations/{id}/members/{member_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, member_id) = path.into_inner();
    state
        .db_write(move |conn| federations::remove_member(conn, &caller, id, member_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a member, named in the query.
#[utoipa::path(
    tag = "federations",
    operation_id = "removeFederationMemberByQuery",
    summary = "Remove a member from a federation (by member or cooperative id)",
    description = "The contract's `DELETE /federations/{id}/members`: name the membership with `member_id` or the member cooperative with `cooperative_id` (one of them). Same rules as removing by path: an active union cooperative keeps at least 3 member cooperatives (else 409). District admins only.",
    params(("id" = i64, Path, description = "Federation id"), RemoveMemberParams),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation or member"),
        (status = 409, description = "The active union cooperative would keep fewer than 3 cooperatives"),
        (status = 422, description = "Neither or both of member_id and cooperative_id given")
    )
)]
#[delete("/federations/{id}/members")]
pub async fn remove_member_by_query(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    params: ValidQuery<RemoveMemberParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db_write(move |conn| federations::remove_member_by_query(conn, &caller, id, &params))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
