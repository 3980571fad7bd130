//! A cooperative's compliance with the cooperative law.

use actix_web::{get, web, HttpResponse};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::standardisation;
use crate::state::AppState;
use crate::views::standardisation::ComplianceOut;

/// Compliance checks.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getCompliance",
    summary = "Check a cooperative against the cooperative law",
    description = "Every check of the Farmers' Specialized Cooperatives Law as RULES.md states it (`min_members`, `farmer_share`, `non_farmer_cap`, `governance`, `charter`, `surplus_return`, `annual_report`), computed from the current data, each with pass/fail, a reason and the figures used.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The checks", body = ComplianceOut),
        (status = 403, description = "The role may not read compliance"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/compliance")]
pub async fn get_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| standardisation::compliance(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
