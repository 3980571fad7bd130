//! Demonstration cooperatives (示范社): applications with gates and a score, approval,
//! the directory (名录) against the yearly quota, and monitoring every two years.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::demonstration;
use crate::state::AppState;
use crate::views::demonstration::{
    ApplicationFilterParams, ApplicationIn, ApplicationOut, DecisionIn, DirectoryOut,
    DirectoryParams, DueEntry, MonitoringIn, MonitoringOut,
};
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_application)
        .service(list_applications)
        .service(get_application)
        .service(approve_application)
        .service(reject_application)
        .service(directory)
        .service(record_monitoring)
        .service(monitoring_due);
}

/// Apply for a title.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "createDemonstrationApplication",
    summary = "Apply for a demonstration title",
    description = "Checks every gate of RULES.md (operating ≥ 2 years, charter, governance bodies, last report published on time, not on the abnormal list, and for municipal a district title, for national a municipal one). A failed gate makes the application `ineligible` — kept, with the reasons. An eligible one is `pending` with a 0–100 `score` and its breakdown (weights are data: `domain::demonstration::WEIGHTS`). `document_ids` (optional, at most 20, none twice) cites documents of the applicant's archive (`POST /cooperatives/{id}/documents`); an id that is not a document of `cooperative_id` is a 422 naming `document_ids.<i>` (code `unknown_document`).",
    request_body = ApplicationIn,
    responses(
        (status = 201, description = "Recorded (eligible or not)", body = ApplicationOut),
        (status = 403, description = "Only the district rates demonstration cooperatives"),
        (status = 409, description = "A pending or approved application for the same level and year exists, or the cooperative is closed"),
        (status = 422, description = "Unknown cooperative, bad level, or a year outside 2021–this year")
    )
)]
#[post("/demonstration-applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ApplicationIn>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| demonstration::apply(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// List applications.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "listDemonstrationApplications",
    summary = "List demonstration applications",
    description = "Applications in the caller's scope, by year, level and status.",
    params(ApplicationFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of applications", body = ListResponse<ApplicationOut>),
        (status = 403, description = "The role may not read demonstration data"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/demonstration-applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<ApplicationFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| demonstration::list(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one application.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "getDemonstrationApplication",
    summary = "Get a demonstration application",
    description = "One application with its gates, score and decision.",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = ApplicationOut),
        (status = 403, description = "The role may not read demonstration data"),
        (status = 404, description = "No such application, or outside your scope")
    )
)]
#[get("/demonstration-applications/{id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| demonstration::get(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Approve.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "approveDemonstrationApplication",
    summary = "Approve a pending application",
    description = "Pending → approved; the cooperative's `demonstration_level` becomes the highest title it holds.",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = Option<DecisionIn>, description = "Optional note"),
    responses(
        (status = 200, description = "Approved", body = ApplicationOut),
        (status = 403, description = "Only the district decides"),
        (status = 404, description = "No such application"),
        (status = 409, description = "The application is not pending (ineligible ones cannot be approved)"),
        (status = 422, description = "The note is empty or too long")
    )
)]
#[post("/demonstration-applications/{id}/approve")]
pub async fn approve_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: OptionalJson<DecisionIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| demonstration::decide(conn, &caller, id, true, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Reject.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "rejectDemonstrationApplication",
    summary = "Reject a pending application",
    description = "Pending → rejected, with an optional note.",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = Option<DecisionIn>, description = "Optional note"),
    responses(
        (status = 200, description = "Rejected", body = ApplicationOut),
        (status = 403, description = "Only the district decides"),
        (status = 404, description = "No such application"),
        (status = 409, description = "The application is not pending"),
        (status = 422, description = "The note is empty or too long")
    )
)]
#[post("/demonstration-applications/{id}/reject")]
pub async fn reject_application(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: OptionalJson<DecisionIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| demonstration::decide(conn, &caller, id, false, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The directory.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "demonstrationDirectory",
    summary = "The directory of demonstration cooperatives (名录)",
    description = "Cooperatives holding a title, by level and town; with `year`, those approved that year and the year's quota (≥ 7) against approvals.",
    params(DirectoryParams),
    responses(
        (status = 200, description = "The directory", body = DirectoryOut),
        (status = 403, description = "The role may not read demonstration data")
    )
)]
#[get("/demonstration-directory")]
pub async fn directory(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<DirectoryParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| demonstration::directory(conn, &caller, &params))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Record monitoring.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "recordDemonstrationMonitoring",
    summary = "Record the monitoring of a titled cooperative",
    description = "Titles are monitored every two years (动态监测). A `fail` revokes the title (`demonstration_level` becomes null) and records why.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = MonitoringIn,
    responses(
        (status = 201, description = "Recorded", body = MonitoringOut),
        (status = 403, description = "Only the district monitors"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative holds no title"),
        (status = 422, description = "Bad result, or a year outside 2021–this year")
    )
)]
#[post("/cooperatives/{id}/demonstration-monitoring")]
pub async fn record_monitoring(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<MonitoringIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| demonstration::record_monitoring(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Titles due for monitoring.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "demonstrationMonitoringDue",
    summary = "Titled cooperatives due for monitoring",
    description = "Titled cooperatives whose last monitoring (or, failing that, approval) was two or more years ago, or never recorded.",
    responses(
        (status = 200, description = "Due for monitoring", body = ListResponse<DueEntry>),
        (status = 403, description = "The role may not read demonstration data")
    )
)]
#[get("/demonstration-monitoring/due")]
pub async fn monitoring_due(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let items = state
        .db(move |conn| demonstration::monitoring_due(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}
