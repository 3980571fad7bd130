//! Reference data: towns and industries.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::reference;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::pagination::ListResponse;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_towns).service(list_industries);
}

/// A town, township or street (乡镇街道) of the district.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "500119001", "name": "东城街道", "kind": "street"}))]
pub struct TownOut {
    /// The official 9-digit code.
    pub code: String,
    pub name: String,
    /// `street` (街道), `town` (镇) or `township` (乡).
    pub kind: String,
}

/// An industry a cooperative works in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "ancient_tree_tea", "name": "古树茶", "specialty": true}))]
pub struct IndustryOut {
    pub code: String,
    pub name: String,
    /// One of the district's specialty industries ("3+1" and blueberries).
    pub specialty: bool,
}

/// List the district's towns.
#[utoipa::path(
    tag = "reference",
    operation_id = "listTowns",
    summary = "List the towns and streets of the district",
    description = "The 34 towns, townships and streets of the district with their official codes, in official order. Readable by every role.",
    responses(
        (status = 200, description = "All towns, in official order", body = ListResponse<TownOut>),
        (status = 401, description = "Missing or invalid token")
    )
)]
#[get("/towns")]
pub async fn list_towns(state: web::Data<AppState>, user: Caller) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Read)?;
    let towns = state.db(|conn| Ok(reference::all_towns(conn)?)).await?;
    let items: Vec<TownOut> = towns
        .into_iter()
        .map(|t| TownOut {
            code: t.code,
            name: t.name,
            kind: t.kind,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// List industries.
#[utoipa::path(
    tag = "reference",
    operation_id = "listIndustries",
    summary = "List industries (specialty industries first)",
    description = "The industries a cooperative can work in. The five specialty industries (`specialty: true`) are the district's 3+1 and blueberries. Readable by every role.",
    responses(
        (status = 200, description = "All industries", body = ListResponse<IndustryOut>),
        (status = 401, description = "Missing or invalid token")
    )
)]
#[get("/industries")]
pub async fn list_industries(state: web::Data<AppState>, user: Caller) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Read)?;
    let rows = state
        .db(|conn| Ok(reference::all_industries(conn)?))
        .await?;
    let items: Vec<IndustryOut> = rows
        .into_iter()
        .map(|i| IndustryOut {
            code: i.code,
            name: i.name,
            specialty: i.specialty,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}
