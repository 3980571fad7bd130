//! The pilot's progress dashboard, as JSON and as a spreadsheet a district office can
//! forward.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::ValidQuery;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::pilot;
use crate::state::AppState;
use crate::views::pilot::{workbook, PilotProgress, ProgressParams, XLSX};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(progress).service(progress_xlsx);
}

async fn load(
    state: &web::Data<AppState>,
    caller: Caller,
    params: ProgressParams,
) -> ApiResult<PilotProgress> {
    let targets = state.settings.targets.clone();
    state
        .db(move |conn| pilot::progress(conn, &caller, &params, &targets))
        .await
}

/// Pilot progress.
#[utoipa::path(
    tag = "pilot",
    operation_id = "getPilotProgress",
    summary = "The pilot's progress against the plan's targets",
    description = "Computed from the data for the caller's scope (a town officer: the town): demonstration cooperatives against the target of 100 and 7 a year, the annual-report publication rate of last year over cooperatives not on the abnormal list (target 100%), counselor coverage of the towns, federations per specialty industry (one each), loans and service orders, and the plan's phase on `on`, and household participation (distinct `household_code`s of farmer members over `COOPHUB_RURAL_HOUSEHOLDS`). `on` (2020-01-01 to today, default today) is a true as-of date: every figure is as it stood at the end of that day — cooperatives registered by then with the status, tier and title they held (their change history), reports published by then, titles decided by then, loans applied for by then in the status their log held, service orders placed by then in the step reached, members who had joined and not yet left. Counselor coverage and federations are as they are now (their history is not kept). `town_code` narrows every figure to one town.",
    params(ProgressParams),
    responses(
        (status = 200, description = "The dashboard", body = PilotProgress),
        (status = 403, description = "The role may not read pilot progress"),
        (status = 422, description = "Unknown town, or `on` before 2020-01-01 or after today")
    )
)]
#[get("/pilot/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<ProgressParams>,
) -> ApiResult<HttpResponse> {
    let out = load(&state, caller, params.0).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Pilot progress as a spreadsheet.
#[utoipa::path(
    tag = "pilot",
    operation_id = "getPilotProgressXlsx",
    summary = "The pilot's progress as a spreadsheet",
    description = "The same figures as `GET /api/v1/pilot/progress`, as an .xlsx workbook with a sheet per section and Chinese headings, for a district office to forward.",
    params(ProgressParams),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "The role may not read pilot progress"),
        (status = 422, description = "Unknown town")
    )
)]
#[get("/pilot/progress.xlsx")]
pub async fn progress_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    params: ValidQuery<ProgressParams>,
) -> ApiResult<HttpResponse> {
    let out = load(&state, caller, params.0).await?;
    let bytes = web::block(move || workbook(&out))
        .await?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XLSX))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"pilot-progress.xlsx\"",
        ))
        .body(bytes))
}
