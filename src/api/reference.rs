//! Reference data: towns and industries.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::reference;
use crate::state::AppState;
use crate::views::pagination::ListResponse;
use crate::views::reference::{IndustryOut, TownOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_towns).service(list_industries);
}

/// List the district's towns.
#[utoipa::path(
    tag = "reference",
    operation_id = "listTowns",
    summary = "List the towns and streets of the district",
    description = "The 34 towns, townships and streets of the district with their official codes, in official order. Readable by every role.",
    responses(
        (status = 200, description = "All towns, in official order", body = ListResponse<TownOut>)
    )
)]
#[get("/towns")]
pub async fn list_towns(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let items = state
        .db(move |conn| reference::towns(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// List industries.
#[utoipa::path(
    tag = "reference",
    operation_id = "listIndustries",
    summary = "List industries (specialty industries first)",
    description = "The industries a cooperative can work in. The five specialty industries (`specialty: true`) are the district's 3+1 and blueberries. Readable by every role.",
    responses(
        (status = 200, description = "All industries", body = ListResponse<IndustryOut>)
    )
)]
#[get("/industries")]
pub async fn list_industries(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let items = state
        .db(move |conn| reference::industries(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}
