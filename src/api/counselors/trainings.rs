//! A counselor's trainings.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::BASE_PATH;
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::counselors;
use crate::state::AppState;
use crate::views::counselors::{TrainingCreate, TrainingOut};
use crate::views::pagination::{ListResponse, PageParams};

/// Record a training.
#[utoipa::path(
    tag = "counselors",
    operation_id = "addCounselorTraining",
    summary = "Record a counselor's training",
    description = "Records a training the counselor took part in (title, date, hours, topics, attendees). District admins only.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = TrainingCreate,
    responses(
        (status = 201, description = "Recorded", body = TrainingOut),
        (status = 403, description = "Only the district records trainings"),
        (status = 404, description = "No such counselor"),
        (status = 422, description = "A field is invalid (hours, date in the future…)")
    )
)]
#[post("/counselors/{id}/trainings")]
pub async fn add_training(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<TrainingCreate>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| counselors::add_training(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/trainings")))
        .json(out))
}

/// List a counselor's trainings.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorTrainings",
    summary = "List a counselor's trainings",
    description = "In the order recorded, with cursor paging.",
    params(("id" = i64, Path, description = "Counselor id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<TrainingOut>),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors/{id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| counselors::list_trainings(conn, &caller, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
