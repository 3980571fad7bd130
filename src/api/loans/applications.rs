//! Applying for a loan and reading loans: lists, one loan, its history and schedule.

use actix_web::{get, post, web, HttpResponse};

use crate::api::support::etag::{created, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::applications;
use crate::state::AppState;
use crate::views::loans::{
    LoanCreate, LoanFilterParams, LoanHistory, LoanList, LoanOut, ScheduleOut,
};
use crate::views::pagination::PageParams;

/// Apply for a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "applyForLoan",
    summary = "Apply for a loan",
    description = "A cooperative applies for itself; the district admin may apply on a cooperative's behalf. The amount and term must be within the product's limits (422 naming the field); the loan goes to the product's bank with status `submitted` and the product's rate. Only an `active` cooperative applies (409 for an abnormal, merged or deregistered one). Emits `loan.submitted`.",
    request_body = LoanCreate,
    responses(
        (status = 201, description = "Submitted", body = LoanOut),
        (status = 403, description = "The role may not apply for loans"),
        (status = 404, description = "No such cooperative, or not yours"),
        (status = 409, description = "The cooperative is not active (abnormal, merged or deregistered): only an active cooperative applies"),
        (status = 422, description = "A field is invalid or outside the product's limits")
    )
)]
#[post("/loans")]
pub async fn apply(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<LoanCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| applications::apply(conn, &caller, body.0))
        .await?;
    let loc = format!("/api/v1/loans/{}", out.id);
    Ok(created(loc, out.version, &out))
}

/// List loans.
#[utoipa::path(
    tag = "loans",
    operation_id = "listLoans",
    summary = "List loans in your scope",
    description = "The district and observers see all loans, a town officer those of its town's cooperatives, a cooperative its own, a bank partner its bank's. Filters: bank, status, town, product, cooperative. `totals` sums every matching loan.",
    params(LoanFilterParams, PageParams),
    responses(
        (status = 200, description = "One page with totals", body = LoanList),
        (status = 403, description = "The role sees no loans"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/loans")]
pub async fn list_loans(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<LoanFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| applications::list(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoan",
    summary = "Get a loan",
    description = "One loan with outstanding amounts derived from its repayments. Outside your scope (another bank's, another cooperative's) → 404.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The loan", body = LoanOut),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}")]
pub async fn get_loan(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| applications::get(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// A loan's history.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanHistory",
    summary = "A loan's history",
    description = "Every transition, oldest first, with actor and time (a rejection carries its reason as `note`).",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The history", body = LoanHistory),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/history")]
pub async fn loan_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let history = state
        .db(move |conn| applications::history(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// A loan's repayment schedule.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanSchedule",
    summary = "A loan's repayment schedule",
    description = "Instalments computed from the approved amount, rate, term and disbursement date (RULES.md: rounded to the fen, remainder on the last instalment, principal sums exactly to the loan). Repayments are applied in order, interest before principal. Before disbursement this is a preview from today.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The schedule", body = ScheduleOut),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/schedule")]
pub async fn loan_schedule(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let schedule = state
        .db(move |conn| applications::schedule(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(schedule))
}
