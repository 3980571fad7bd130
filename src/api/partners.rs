//! Partner banks' machine clients (OAuth 2.0 client credentials, RFC 6749 §4.4) and the token
//! endpoint they use.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::revocation::SubjectKey;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::partners;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::partners::{PartnerCreate, PartnerOut, PartnerWithSecret};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_partner)
        .service(list_partners)
        .service(get_partner)
        .service(disable_partner)
        .service(rotate_secret);
}

/// Create a partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "createPartner",
    summary = "Create a partner bank client",
    description = "Creates OAuth 2.0 client credentials for a partner bank's loan system. The answer carries `client_secret` once; only a salted hash is kept. District admin only.",
    request_body = PartnerCreate,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = PartnerWithSecret),
        (status = 403, description = "Only the district admin manages partners")
    )
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PartnerCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| partners::create(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/partners/{}", out.partner.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// List partner clients.
#[utoipa::path(
    tag = "partners",
    operation_id = "listPartners",
    summary = "List partner bank clients",
    description = "All partner clients, without secrets. District admin only.",
    params(PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<PartnerOut>),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| partners::list(conn, &caller, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "getPartner",
    summary = "Get a partner bank client",
    description = "One partner client, without its secret. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The partner", body = PartnerOut),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| partners::get(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Disable a partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "disablePartner",
    summary = "Disable a partner bank client",
    description = "The client can no longer get tokens, and every token issued to it is refused (401) at once on this instance and within the revocation cache's lifetime (5 s by default) on any other. Without an enabled client, the district admin acts for the bank. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "Disabled", body = PartnerOut),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/disable")]
pub async fn disable_partner(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| partners::disable(conn, &caller, id))
        .await?;
    state.revocation.forget(SubjectKey::Partner(id));
    Ok(HttpResponse::Ok().json(out))
}

/// Rotate a partner client's secret.
#[utoipa::path(
    tag = "partners",
    operation_id = "rotatePartnerSecret",
    summary = "Rotate a partner bank client's secret",
    description = "Issues a new secret, shown once; the old one stops working at once, and every token issued before the rotation is refused (401) at once on this instance and within the revocation cache's lifetime (5 s by default) on any other. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = PartnerWithSecret),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| partners::rotate_secret(conn, &caller, id))
        .await?;
    state.revocation.forget(SubjectKey::Partner(id));
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
