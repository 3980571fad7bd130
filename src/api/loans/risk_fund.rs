//! The risk-compensation fund: its state, contributions, compensating a defaulted loan.

use actix_web::{get, post, web, HttpResponse};

use crate::api::support::extract::ValidJson;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::risk_fund;
use crate::state::AppState;
use crate::views::loans::{CompensationOut, ContributionCreate, FundEntryOut, RiskFundOut};

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

/// Compensate a defaulted loan from the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "compensateLoan",
    summary = "Compensate a defaulted loan",
    description = "Pays the configured share (default 80 %) of the outstanding principal of a `defaulted` loan of a guaranteed product out of the fund, once per loan; `defaulted → compensated`. Not defaulted, not guaranteed, already compensated, or more than the balance → 409. Emits `loan.compensated`. District admin only.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 201, description = "Compensated", body = CompensationOut),
        (status = 403, description = "Only the district admin runs compensation"),
        (status = 404, description = "No such loan"),
        (status = 409, description = "Not allowed: state, product, already compensated, or the fund would go negative")
    )
)]
#[post("/loans/{id}/compensation")]
pub async fn compensate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let share = state.settings.risk_compensation_share_bp;
    let out = state
        .db_write(move |conn| risk_fund::compensate(conn, &caller, id, share))
        .await?;
    Ok(HttpResponse::Created().json(out))
}
