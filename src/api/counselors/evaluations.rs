//! Yearly evaluations and the ranking of a year.

use actix_web::{get, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::counselors;
use crate::state::AppState;
use crate::views::counselors::{EvaluationOut, EvaluationPut, RankingParams, Rankings};
use crate::views::pagination::ListResponse;
use crate::views::validators::PathYear;

/// A year's ranking.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselorRankings",
    summary = "Counselor rankings for a year",
    description = "The counselors evaluated in `year`, best score first; equal scores share a rank (ties listed by counselor id). Each entry counts the counselor's visits and trainings in that year. A counselor sees only their own entry, a cooperative those of its town's counselors (ranks still count everyone).",
    params(RankingParams),
    responses(
        (status = 200, description = "The ranking", body = Rankings),
        (status = 400, description = "year is missing or not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 422, description = "year outside 2000–2100")
    )
)]
#[get("/counselors/rankings")]
pub async fn rankings(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<RankingParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| counselors::rankings(conn, &caller, &params))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Record a year's evaluation.
#[utoipa::path(
    tag = "counselors",
    operation_id = "putCounselorEvaluation",
    summary = "Record or replace a counselor's yearly evaluation",
    description = "The evaluation of `year` (score 0–100, rating, reward). Creates it (201) or replaces it (200, honouring `If-Match`). The year must have begun. District admins only.",
    params(
        ("id" = i64, Path, description = "Counselor id"),
        ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The evaluation year (2000 to 2100; another number is a 422 on `year`)"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = EvaluationPut,
    responses(
        (status = 200, description = "Replaced", body = EvaluationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 201, description = "Recorded", body = EvaluationOut,
            headers(("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON, an unknown field, or a non-numeric path"),
        (status = 403, description = "Only the district evaluates counselors"),
        (status = 404, description = "No such counselor"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 422, description = "A field is invalid (score outside 0–100, rating, year…)")
    )
)]
#[put("/counselors/{id}/evaluations/{year}")]
pub async fn put_evaluation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, PathYear)>,
    body: ValidJson<EvaluationPut>,
) -> ApiResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let year = year.year()?;
    // The role and the year are answered before the If-Match is read.
    counselors::require_manage(&caller)?;
    counselors::check_year(year)?;
    let demanded = if_match(&req)?;
    let saved = state
        .db_write(move |conn| counselors::put_evaluation(conn, &caller, id, year, demanded, body.0))
        .await?;
    let builder = if saved.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(
        builder,
        saved.evaluation.version,
        &saved.evaluation,
    ))
}

/// A counselor's evaluations.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorEvaluations",
    summary = "List a counselor's evaluations",
    description = "Every yearly evaluation, newest year first.",
    params(("id" = i64, Path, description = "Counselor id")),
    responses(
        (status = 200, description = "The evaluations", body = ListResponse<EvaluationOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view")
    )
)]
#[get("/counselors/{id}/evaluations")]
pub async fn list_evaluations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| counselors::list_evaluations(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
