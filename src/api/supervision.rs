//! Classification assessments, the abnormal-operation list, and mergers.

use actix_web::{delete, get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::supervision;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::supervision::{
    AbnormalIn, AbnormalListingOut, AssessmentIn, AssessmentOut, CandidateParams, CandidatesOut,
    DeregisterIn, DeregisteredOut, LiftParams, MergeIn, MergeOut,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_assessment)
        .service(list_assessments)
        .service(list_abnormal)
        .service(lift_abnormal)
        .service(abnormal_history)
        .service(abnormal_candidates)
        .service(merge_cooperative)
        .service(deregister_cooperative);
}

/// Assess a cooperative.
#[utoipa::path(
    tag = "supervision",
    operation_id = "createAssessment",
    summary = "Record a classification assessment",
    description = "The eight-item checklist gives the tier: all eight → `standard`, six or seven → `basic`, fewer → `substandard`, and `shell` whenever real operations fail. Kept as history; the cooperative's `tier` follows the latest.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = AssessmentIn,
    responses(
        (status = 201, description = "Recorded", body = AssessmentOut),
        (status = 403, description = "Only the district assesses"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 422, description = "A checklist item is missing or not a boolean")
    )
)]
#[post("/cooperatives/{id}/assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<AssessmentIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| supervision::assess(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Assessment history.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAssessments",
    summary = "List a cooperative's assessments",
    description = "Every classification assessment of the cooperative, newest first.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The assessments", body = ListResponse<AssessmentOut>),
        (status = 403, description = "The role may not read assessments"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let items = state
        .db(move |conn| supervision::assessments(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// Put on the abnormal list.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormal",
    summary = "Put a cooperative on the abnormal-operation list",
    description = "The cooperative's `status` becomes `abnormal`; it then no longer counts towards the annual-report publication rate.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = AbnormalIn,
    responses(
        (status = 201, description = "Listed", body = AbnormalListingOut),
        (status = 403, description = "Only the district keeps the abnormal list"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is not active (already listed, merged or deregistered)"),
        (status = 422, description = "The reason is missing or the date is in the future")
    )
)]
#[post("/cooperatives/{id}/abnormal-listing")]
pub async fn list_abnormal(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<AbnormalIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| supervision::list_abnormal(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Lift an abnormal listing.
#[utoipa::path(
    tag = "supervision",
    operation_id = "liftAbnormal",
    summary = "Lift a cooperative's abnormal listing",
    description = "The listing in force is closed and the cooperative's `status` returns to `active`.",
    params(("id" = i64, Path, description = "Cooperative id"), LiftParams),
    responses(
        (status = 200, description = "Lifted", body = AbnormalListingOut),
        (status = 403, description = "Only the district keeps the abnormal list"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is not on the list"),
        (status = 422, description = "The date is in the future or before the listing")
    )
)]
#[delete("/cooperatives/{id}/abnormal-listing")]
pub async fn lift_abnormal(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    params: ValidQuery<LiftParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| supervision::lift_abnormal(conn, &caller, id, params.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Abnormal listing history.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormalHistory",
    summary = "List a cooperative's abnormal listings",
    description = "Every listing of the cooperative, the one in force first, with who listed and lifted it.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The listings", body = ListResponse<AbnormalListingOut>),
        (status = 403, description = "The role may not read the abnormal list"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/abnormal-listings")]
pub async fn abnormal_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let items = state
        .db(move |conn| supervision::abnormal_history(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// Candidates for the abnormal list.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormalCandidates",
    summary = "List cooperatives that missed the annual-report deadline",
    description = "Active cooperatives, established by the end of the year, with no report for that year submitted by 30 June of the following year: the candidates for the abnormal-operation list. Only for years whose deadline has passed (else 422 on `year`).",
    params(CandidateParams, PageParams),
    responses(
        (status = 200, description = "One page of candidates", body = CandidatesOut),
        (status = 403, description = "The role may not read the abnormal list"),
        (status = 422, description = "The year's deadline has not passed, or a bad limit or cursor")
    )
)]
#[get("/abnormal-listing-candidates")]
pub async fn abnormal_candidates(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<CandidateParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| supervision::candidates(conn, &caller, &params, &page))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Merge a cooperative into another.
#[utoipa::path(
    tag = "supervision",
    operation_id = "mergeCooperative",
    summary = "Merge a cooperative into another (兼并/合并)",
    description = "In one transaction: active members move to the target (those whose ID number is already an active member there are not moved and are reported back; they exit the source), federation memberships move too (where both belong to a federation the source's membership is removed; a merger that would leave an active union cooperative below 3 members is a 409), and the source is marked `merged` with `merged_into_id`. Merging into itself is a 422; into or from a merged or deregistered cooperative a 409. A source that records its meetings here needs a passed `merger` resolution of its member (or representative) assembly (two thirds of all votes), else 409; a source with no meeting recorded at all keeps its minutes on paper, and the merger is recorded from the registration decision.",
    params(("id" = i64, Path, description = "The cooperative to merge")),
    request_body = MergeIn,
    responses(
        (status = 200, description = "Merged", body = MergeOut),
        (status = 403, description = "Only the district merges cooperatives"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "Source or target is merged or deregistered, an active union cooperative would fall below 3 members, or the source records meetings but passed no merger resolution"),
        (status = 422, description = "The target is the source itself, or does not exist")
    )
)]
#[post("/cooperatives/{id}/merge")]
pub async fn merge_cooperative(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<MergeIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let into = body.into_cooperative_id;
    let out = state
        .db_write(move |conn| supervision::merge(conn, &caller, id, into))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Deregister a cooperative.
#[utoipa::path(
    tag = "supervision",
    operation_id = "deregisterCooperative",
    summary = "Record a cooperative's deregistration (注销)",
    description = "Records the registration authority's deregistration: an active or abnormal cooperative becomes `deregistered`, a closed book (its records no longer change; it leaves the publication rate and the worklists). The date and reason are kept in the audit trail (`entity=cooperative_deregistration`). Refused (409) when it is merged or deregistered already, or has a loan approved, disbursed, overdue or defaulted. District only.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = DeregisterIn,
    responses(
        (status = 200, description = "Deregistered", body = DeregisteredOut),
        (status = 403, description = "Only the district records deregistrations"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "Merged or deregistered already, or loans outstanding"),
        (status = 422, description = "No reason, or a date in the future or before the cooperative was established")
    )
)]
#[post("/cooperatives/{id}/deregister")]
pub async fn deregister_cooperative(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<DeregisterIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| supervision::deregister(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
