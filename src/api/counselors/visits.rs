//! Guidance visits: recorded by a counselor, listed per counselor and per cooperative.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::BASE_PATH;
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::counselors;
use crate::state::AppState;
use crate::views::counselors::{VisitCreate, VisitOut};
use crate::views::pagination::{ListResponse, PageParams};

/// Record a guidance visit.
#[utoipa::path(
    tag = "counselors",
    operation_id = "addCounselorVisit",
    summary = "Record a guidance visit",
    description = "Records a visit of the counselor to a cooperative in a town they cover. A counselor's login records visits only as themselves (another counselor: 403) and only to cooperatives of their towns (others: 404). The district may record for any active counselor.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = VisitCreate,
    responses(
        (status = 201, description = "Recorded", body = VisitOut),
        (status = 403, description = "The role may not record visits, or not for this counselor"),
        (status = 404, description = "No such counselor, or the cooperative is outside your scope"),
        (status = 409, description = "The counselor is inactive"),
        (status = 422, description = "A field is invalid (cooperative not in a covered town, date in the future…)")
    )
)]
#[post("/counselors/{id}/visits")]
pub async fn add_visit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<VisitCreate>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| counselors::add_visit(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/visits")))
        .json(out))
}

/// List a counselor's visits.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorVisits",
    summary = "List a counselor's visits",
    description = "In the order recorded, with cursor paging.",
    params(("id" = i64, Path, description = "Counselor id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<VisitOut>),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors/{id}/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| counselors::list_visits(conn, &caller, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The visits a cooperative received.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCooperativeVisits",
    summary = "List the counselor visits a cooperative received",
    description = "Every guidance visit to the cooperative, in the order recorded, with cursor paging; a counselor reads only the visits it made itself. A cooperative outside the caller's scope is 404.",
    params(("id" = i64, Path, description = "Cooperative id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<VisitOut>),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/visits")]
pub async fn cooperative_visits(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| counselors::cooperative_visits(conn, &caller, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
