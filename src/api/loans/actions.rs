//! The bank's and the cooperative's actions on a loan, each honouring an optional
//! `Idempotency-Key`.

use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::api::support::etag::with_etag;
use crate::api::support::extract::{OptionalJson, ValidJson};
use crate::api::support::idempotency::{canonical, IdempotencyKey, Keyed};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::actions;
use crate::service::loans::claims::Defaults;
use crate::state::AppState;
use crate::views::loans::{ApproveBody, DisburseBody, LoanOut, NoteBody, RejectBody};

/// The answer to an action: the loan, with its `ETag`.
fn done(out: LoanOut) -> HttpResponse {
    with_etag(HttpResponse::Ok(), out.version, &out)
}

/// Start reviewing a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "reviewLoan",
    summary = "Start reviewing a loan",
    description = "`submitted → under_review`. The bank (or the district for a bank without an integration).",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the loan's current state (named in the detail)")
    )
)]
#[post("/loans/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::review(conn, &caller, id, b)
        })
        .await?
        .respond(done))
}

/// Withdraw a loan application.
#[utoipa::path(
    tag = "loans",
    operation_id = "withdrawLoan",
    summary = "Withdraw a loan application",
    description = "`submitted|under_review → withdrawn`. The cooperative only. Emits `loan.withdrawn`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the loan's current state (named in the detail)")
    )
)]
#[post("/loans/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::withdraw(conn, &caller, id, b)
        })
        .await?
        .respond(done))
}

/// Mark a loan overdue.
#[utoipa::path(
    tag = "loans",
    operation_id = "markLoanOverdue",
    summary = "Mark a loan overdue",
    description = "`disbursed → overdue`, once an instalment is unpaid past its due date (at least one day past due: never on the day of disbursement; 409 before). The daily ageing does the same by itself. A repayment that covers everything due brings it back to `disbursed`. Emits `loan.overdue`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the loan's current state (named in the detail), or nothing is past due yet")
    )
)]
#[post("/loans/{id}/mark-overdue")]
pub async fn mark_overdue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::mark_overdue(conn, &caller, id, b)
        })
        .await?
        .respond(done))
}

/// Declare a loan in default.
#[utoipa::path(
    tag = "loans",
    operation_id = "defaultLoan",
    summary = "Declare a loan in default",
    description = "`overdue → defaulted`, once the loan is at least `COOPHUB_DEFAULT_MIN_DPD` (default 90) days past due (409 before, naming the days). Emits `loan.defaulted`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the loan's current state, or fewer days past due than the minimum (named in the detail)")
    )
)]
#[post("/loans/{id}/default")]
pub async fn default_loan(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    let min_dpd = state.settings.default_min_dpd;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::default(conn, &caller, id, min_dpd, b)
        })
        .await?
        .respond(done))
}

/// Approve a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "approveLoan",
    summary = "Approve a loan",
    description = "`under_review → approved`, with the amount and rate (neither above what was asked). For a product guaranteed by the risk-compensation fund, the guaranteed exposure may not exceed `leverage × fund balance` (409 with the headroom): with the bank's agreement in effect, its leverage against the bank's own exposure; else `COOPHUB_RISK_LEVERAGE` against every bank's. Checked under the fund's lock. Emits `loan.approved`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = ApproveBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Approved", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state, or above the fund's lending cap"),
        (status = 422, description = "Amount or rate above what was asked")
    )
)]
#[post("/loans/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<ApproveBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    let fund = Defaults::of(&state.settings);
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::approve(conn, &caller, id, fund, b)
        })
        .await?
        .respond(done))
}

/// Reject a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "rejectLoan",
    summary = "Reject a loan",
    description = "`under_review → rejected`, with a reason (kept in the history). Emits `loan.rejected`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/loans/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<RejectBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0);
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::reject(conn, &caller, id, b)
        })
        .await?
        .respond(done))
}

/// Disburse a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "disburseLoan",
    summary = "Disburse a loan",
    description = "`approved → disbursed` on `disbursed_on` (default today); the schedule runs from that date, or from `first_due_on` when the bank fixes the first due date (1–62 days after the disbursement). `bank_reference` is the bank's loan number (借据号), unique per bank: another loan of the bank with it → 409. Emits `loan.disbursed`.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body(content = DisburseBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Disbursed", body = LoanOut),
        (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state, or the bank reference is already another loan's"),
        (status = 422, description = "The date is in the future, the first due date out of range, or the bank reference malformed")
    )
)]
#[post("/loans/{id}/disburse")]
pub async fn disburse(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: OptionalJson<DisburseBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0.unwrap_or_default());
    actions::may_act(&caller)?;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            actions::disburse(conn, &caller, id, b)
        })
        .await?
        .respond(done))
}
