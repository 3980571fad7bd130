//! Annual reports: a cooperative's, each year's draft, submission and publication, and the
//! district's lists and publication rate.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::standardisation;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::standardisation::{
    MissingReportOut, MissingReportParams, PublicationParams, PublicationRate, PublishIn,
    ReportDraft, ReportFilterParams, ReportOut, SubmitIn,
};
use crate::views::validators::PathYear;

/// List a cooperative's reports.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "listCooperativeReports",
    summary = "List a cooperative's annual reports",
    description = "Every year's report of one cooperative, newest year first.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The reports", body = ListResponse<ReportOut>),
        (status = 403, description = "The role may not read annual reports"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/annual-reports")]
pub async fn list_cooperative_reports(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let items = state
        .db(move |conn| standardisation::list_cooperative_reports(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// Get one report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getAnnualReport",
    summary = "Get a cooperative's annual report for a year",
    description = "One report with its status, filing dates, lateness and `ETag`.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The reported year (2000 to 2100; another number is a 422 on `year`)")),
    responses(
        (status = 200, description = "The report", body = ReportOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not read annual reports"),
        (status = 404, description = "No such report or cooperative, or outside your scope"),
        (status = 422, description = "The year is outside 2000–2100")
    )
)]
#[get("/cooperatives/{id}/annual-reports/{year}")]
pub async fn get_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, PathYear)>,
) -> ApiResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let year = year.year()?;
    let out = state
        .db(move |conn| standardisation::get_report(conn, &caller, id, year))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Draft a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "putAnnualReport",
    summary = "Create or change the draft annual report for a year",
    description = "Only a draft can change; a submitted or published report is a 409. A year that has not ended is a 422 on `year`. Figures are checked together: no negative money, farmer members not more than members, returned surplus not more than the surplus.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The reported year (2000 to 2100; another number is a 422 on `year`)"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = ReportDraft,
    responses(
        (status = 200, description = "Draft changed", body = ReportOut),
        (status = 201, description = "Draft created", body = ReportOut),
        (status = 403, description = "The role may not change annual reports"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The report is no longer a draft, or the cooperative is closed"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 422, description = "The year has not ended or is outside 2000–2100, or a figure is invalid (money over 10^13 fen)")
    )
)]
#[put("/cooperatives/{id}/annual-reports/{year}")]
pub async fn put_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, PathYear)>,
    body: ValidJson<ReportDraft>,
) -> ApiResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let year = year.year()?;
    let demanded = if_match(&req)?;
    let (out, created) = state
        .db_write(move |conn| {
            standardisation::put_report(conn, &caller, id, year, demanded, body.0)
        })
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}

/// Submit a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "submitAnnualReport",
    summary = "Submit a draft annual report",
    description = "Draft → submitted. `submitted_on` defaults to today; after 30 June of the following year the report is flagged `late`. A past date may be given only by the district or a town officer (filings made on the national publicity system).",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The reported year (2000 to 2100; another number is a 422 on `year`)")),
    request_body(content = Option<SubmitIn>, description = "Optional; an empty body means today"),
    responses(
        (status = 200, description = "Submitted", body = ReportOut),
        (status = 403, description = "The role may not submit, or may not give a past date"),
        (status = 404, description = "No such report or cooperative, or outside your scope"),
        (status = 409, description = "The report is not a draft"),
        (status = 422, description = "The year is outside 2000–2100; the date is in the future, before 1900 or before the filing window opened")
    )
)]
#[post("/cooperatives/{id}/annual-reports/{year}/submit")]
pub async fn submit_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, PathYear)>,
    body: OptionalJson<SubmitIn>,
) -> ApiResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let year = year.year()?;
    let out = state
        .db_write(move |conn| standardisation::submit_report(conn, &caller, id, year, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Publish a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "publishAnnualReport",
    summary = "Publish a submitted annual report",
    description = "Submitted → published, by the district or the cooperative's town officer. `published_on` defaults to today and may not precede the submission.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The reported year (2000 to 2100; another number is a 422 on `year`)")),
    request_body(content = Option<PublishIn>, description = "Optional; an empty body means today"),
    responses(
        (status = 200, description = "Published", body = ReportOut),
        (status = 403, description = "The role may not publish reports"),
        (status = 404, description = "No such report or cooperative, or outside your scope"),
        (status = 409, description = "The report is not submitted"),
        (status = 422, description = "The year is outside 2000–2100; the date is in the future, before 1900 or before the submission")
    )
)]
#[post("/cooperatives/{id}/annual-reports/{year}/publish")]
pub async fn publish_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, PathYear)>,
    body: OptionalJson<PublishIn>,
) -> ApiResult<HttpResponse> {
    let (id, year) = path.into_inner();
    let year = year.year()?;
    let out = state
        .db_write(move |conn| standardisation::publish_report(conn, &caller, id, year, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// District list of reports.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "listAnnualReports",
    summary = "List annual reports across cooperatives",
    description = "Reports of every cooperative in the caller's scope, filtered by year, town, status and lateness.",
    params(ReportFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of reports", body = ListResponse<ReportOut>),
        (status = 403, description = "The role may not read annual reports"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/annual-reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<ReportFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| standardisation::list_reports(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Publication rate.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getPublicationRate",
    summary = "Annual-report publication rate for a year",
    description = "How many of the cooperatives expected to report for the year have published. Cooperatives on the abnormal-operation list are not counted, as the pilot's target (100%) prescribes.",
    params(PublicationParams),
    responses(
        (status = 200, description = "The rate", body = PublicationRate),
        (status = 403, description = "The role may not read annual reports")
    )
)]
#[get("/annual-reports/publication-rate")]
pub async fn publication_rate(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<PublicationParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| standardisation::publication_rate(conn, &caller, &params))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The worklist of reports not filed.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "listMissingAnnualReports",
    summary = "Cooperatives that have not submitted a year's annual report",
    description = "A town officer's worklist: every operating cooperative in the caller's scope (active or on the abnormal list, established by the year's end) with no submitted or published report for `year` (default last year), before the deadline (30 June of the next year) and after it (`overdue`: a candidate for the abnormal list). `draft` says whether one was started. In cooperative id order.",
    params(MissingReportParams, PageParams),
    responses(
        (status = 200, description = "One page of the worklist", body = ListResponse<MissingReportOut>),
        (status = 403, description = "The role may not read annual reports"),
        (status = 422, description = "year outside 2000–2100, limit outside 1–200, or a bad cursor")
    )
)]
#[get("/annual-reports/missing")]
pub async fn missing_reports(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<MissingReportParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| standardisation::missing_reports(conn, &caller, &params, &page))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
