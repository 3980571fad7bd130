//! Surplus distributions: the draft, reading it, adopting it.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::ValidJson;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::books::distributions;
use crate::state::AppState;
use crate::views::books::{AdoptIn, DistributionIn, DistributionOut};
use crate::views::validators::PathYear;

/// Draft a distribution.
#[utoipa::path(
    tag = "books",
    operation_id = "putSurplusDistribution",
    summary = "Draft a year's surplus distribution",
    description = "Creates or replaces the draft for an ended fiscal year and computes every member's allocation exact to the fen. Distributable = surplus − loss make-up − reserve (a `distributable_fen` given must equal it); `by_transactions_bp` ≥ 6000 (60%, else 422). The part by transactions is `ceil(distributable × bp / 10000)` (never below the share voted), divided by the members' transaction amounts of the year; the rest by contribution + reserve share of the members on the ledger on 31 December. Each part: floor per member, then the fen left one each to the largest fractional parts, ties to the lower member id. The reserve drawn is quantified the same way by transactions (by shares if no one traded). An adopted distribution no longer changes (409).",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("year" = i32, Path, description = "Fiscal year (ended), 2000–2100", minimum = 2000, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = DistributionIn,
    responses(
        (status = 200, description = "Replaced", body = DistributionOut, headers(("ETag" = String, description = "The version"))),
        (status = 201, description = "Drafted", body = DistributionOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not change a cooperative's books"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The distribution is adopted, or the cooperative is merged or deregistered"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 422, description = "Below 60% by transactions, loss make-up and reserve over the surplus, a distributable figure that does not add up, a year not ended, or no member to return a part to")
    )
)]
#[put("/cooperatives/{id}/surplus-distributions/{year}")]
pub async fn put_distribution(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, PathYear)>,
    body: ValidJson<DistributionIn>,
) -> ApiResult<HttpResponse> {
    let (coop_id, year) = path.into_inner();
    let demanded = if_match(&req)?;
    let (out, created) = state
        .db_write(move |conn| {
            distributions::put_draft(conn, &caller, coop_id, year, demanded, body.0)
        })
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}

/// Get a distribution.
#[utoipa::path(
    tag = "books",
    operation_id = "getSurplusDistribution",
    summary = "Get a year's surplus distribution",
    description = "The distribution (draft or adopted) with every member's allocation.",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("year" = i32, Path, description = "Fiscal year, 2000–2100", minimum = 2000, maximum = 2100)
    ),
    responses(
        (status = 200, description = "The distribution", body = DistributionOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not read a cooperative's books"),
        (status = 404, description = "No distribution for that year, no such cooperative, or outside your scope"),
        (status = 422, description = "year outside 2000–2100")
    )
)]
#[get("/cooperatives/{id}/surplus-distributions/{year}")]
pub async fn get_distribution(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, PathYear)>,
) -> ApiResult<HttpResponse> {
    let (coop_id, year) = path.into_inner();
    let out = state
        .db(move |conn| distributions::get(conn, &caller, coop_id, year))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Adopt a distribution.
#[utoipa::path(
    tag = "books",
    operation_id = "adoptSurplusDistribution",
    summary = "Adopt a year's surplus distribution with the assembly's resolution",
    description = "Adopts the draft with a passed `surplus_distribution` resolution of the cooperative's member (or representative) assembly held after the fiscal year ended (422 on `resolution_seq` otherwise). The allocations are computed again from the accounts as they stand, then posted: each member's reserve share grows by the reserve quantified to it, the year's transactions close, and `compliance.surplus_return` reads this distribution (`source: distribution`).",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("year" = i32, Path, description = "Fiscal year, 2000–2100", minimum = 2000, maximum = 2100)
    ),
    request_body = AdoptIn,
    responses(
        (status = 200, description = "Adopted and posted", body = DistributionOut),
        (status = 403, description = "The role may not change a cooperative's books"),
        (status = 404, description = "No draft for that year, no such cooperative, or outside your scope"),
        (status = 409, description = "Already adopted, or the cooperative is merged or deregistered"),
        (status = 422, description = "No such resolution, not on the distribution, not of an assembly, not passed, or held before the year ended")
    )
)]
#[post("/cooperatives/{id}/surplus-distributions/{year}/adopt")]
pub async fn adopt_distribution(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, PathYear)>,
    body: ValidJson<AdoptIn>,
) -> ApiResult<HttpResponse> {
    let (coop_id, year) = path.into_inner();
    let out = state
        .db_write(move |conn| distributions::adopt(conn, &caller, coop_id, year, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}
