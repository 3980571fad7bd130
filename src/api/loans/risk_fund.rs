//! The risk-compensation fund: its state, contributions, compensating a defaulted loan.

use actix_web::{get, post, web, HttpResponse};

use crate::api::support::etag::created;
use crate::api::support::extract::{OptionalJson, ValidJson};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::risk_fund;
use crate::state::AppState;
use crate::views::loans::claims::{ClaimOut, CompensationShortcut};
use crate::views::loans::{ContributionCreate, FundEntryOut, RiskFundOut};

/// The risk-compensation fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "getRiskFund",
    summary = "The risk-compensation fund",
    description = "Balance (the sum of the ledger), exposure, lending cap and headroom, and the latest ledger entries. District admin, bank partners and observers.",
    responses(
        (status = 200, description = "The fund", body = RiskFundOut),
        (status = 403, description = "The role may not see the fund")
    )
)]
#[get("/risk-fund")]
pub async fn get_risk_fund(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let leverage = state.settings.risk_leverage;
    let share = state.settings.risk_compensation_share_bp;
    let out = state
        .db(move |conn| risk_fund::get(conn, &caller, leverage, share))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Pay into the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "contributeToRiskFund",
    summary = "Record a contribution to the fund",
    description = "A contribution into the risk-compensation fund. District admin only.",
    request_body = ContributionCreate,
    responses(
        (status = 201, description = "Recorded", body = FundEntryOut),
        (status = 403, description = "Only the district admin manages the fund")
    )
)]
#[post("/risk-fund/contributions")]
pub async fn contribute(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ContributionCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| risk_fund::contribute(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// File a compensation claim (the former one-step compensation).
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "compensateLoan",
    summary = "File a compensation claim (shortcut)",
    description = "Kept for existing clients: files a compensation claim for a `defaulted` loan of a guaranteed product, as `POST /loans/{id}/compensation-claims` does (the body is optional here). It no longer pays: the claim is approved by a district admin and paid by another (`/compensation-claims/{id}/approve`, `/pay`). Not defaulted, not guaranteed, or a claim already filed → 409. District admin only.",
    params(("id" = i64, Path, description = "Loan id")),
    request_body(content = CompensationShortcut, description = "Optional", content_type = "application/json"),
    responses(
        (status = 201, description = "The claim, submitted", body = ClaimOut),
        (status = 403, description = "Only the district admin uses the shortcut"),
        (status = 404, description = "No such loan"),
        (status = 409, description = "Not defaulted, not guaranteed, or already claimed")
    )
)]
#[post("/loans/{id}/compensation")]
pub async fn compensate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: OptionalJson<CompensationShortcut>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.0.unwrap_or_default();
    let out = state
        .db_write(move |conn| risk_fund::compensate(conn, &caller, id, b))
        .await?;
    Ok(created(
        format!("/api/v1/compensation-claims/{}", out.id),
        out.version,
        &out,
    ))
}
