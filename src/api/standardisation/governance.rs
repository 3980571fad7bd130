//! A cooperative's governance bodies and charter.

use actix_web::{get, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::ValidJson;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::standardisation;
use crate::state::AppState;
use crate::views::standardisation::{GovernanceIn, GovernanceOut};

/// Get governance.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getGovernance",
    summary = "Get a cooperative's governance bodies and charter",
    description = "The charter adoption date, member assembly, board, supervisors, bookkeeping arrangement and disclosure channels, with the `ETag` for changes.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "Governance", body = GovernanceOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not read governance"),
        (status = 404, description = "No such cooperative, outside your scope, or nothing recorded yet")
    )
)]
#[get("/cooperatives/{id}/governance")]
pub async fn get_governance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| standardisation::get_governance(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Set governance.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "putGovernance",
    summary = "Record a cooperative's governance bodies and charter",
    description = "Replaces the whole record. A supervisor who is also chair, director or bookkeeper is refused (422 on `supervisors`). `If-Match` makes the change conditional on the version.",
    params(("id" = i64, Path, description = "Cooperative id"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = GovernanceIn,
    responses(
        (status = 200, description = "Replaced", body = GovernanceOut),
        (status = 201, description = "Recorded for the first time", body = GovernanceOut),
        (status = 403, description = "The role may not change governance"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 422, description = "A field is invalid, or a supervisor holds another office")
    )
)]
#[put("/cooperatives/{id}/governance")]
pub async fn put_governance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<GovernanceIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let (out, created) = state
        .db_write(move |conn| standardisation::put_governance(conn, &caller, id, demanded, body.0))
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}
