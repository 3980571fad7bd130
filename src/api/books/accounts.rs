//! Member accounts: a year's account, a member's transactions of a year.

use actix_web::{get, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::books::accounts;
use crate::state::AppState;
use crate::views::books::{AccountOut, AccountParams, TransactionIn};
use crate::views::validators::PathYear;

/// Get a member's account.
#[utoipa::path(
    tag = "books",
    operation_id = "getMemberAccount",
    summary = "Get a member's account for a year",
    description = "The member account (成员账户) for a fiscal year: contribution, reserve share (the reserve quantified to the member by distributions adopted for that year and before), the year's transactions, and what the year's distribution allocates (the draft's figures until adopted).",
    params(("id" = i64, Path, description = "Cooperative id"), ("member_id" = i64, Path, description = "Member id"), AccountParams),
    responses(
        (status = 200, description = "The account", body = AccountOut),
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 422, description = "year outside 2000–2100")
    )
)]
#[get("/cooperatives/{id}/members/{member_id}/account")]
pub async fn get_account(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    params: ValidQuery<AccountParams>,
) -> ApiResult<HttpResponse> {
    let (coop_id, member_id) = path.into_inner();
    let year = params.year;
    let out = state
        .db(move |conn| accounts::account(conn, &caller, coop_id, member_id, year))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Record a member's transactions of a year.
#[utoipa::path(
    tag = "books",
    operation_id = "putMemberTransactions",
    summary = "Record a member's transactions with the cooperative in a year",
    description = "Creates or replaces the member's transaction amount (and optionally quantity and unit) for the fiscal year; `If-Match` (the account's `version`) makes it conditional. The member must have belonged to the cooperative that year, and the year must have begun. Once the year's surplus distribution is adopted, its transactions are closed (409).",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("member_id" = i64, Path, description = "Member id"),
        ("year" = i32, Path, description = "Fiscal year, 2000–2100", minimum = 2000, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = TransactionIn,
    responses(
        (status = 200, description = "Replaced; the account", body = AccountOut, headers(("ETag" = String, description = "The version"))),
        (status = 201, description = "Recorded for the first time; the account", body = AccountOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered, or the year's distribution is adopted"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 422, description = "A field is out of bounds, the year has not begun or the member did not belong that year")
    )
)]
#[put("/cooperatives/{id}/members/{member_id}/transactions/{year}")]
pub async fn put_transactions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64, PathYear)>,
    body: ValidJson<TransactionIn>,
) -> ApiResult<HttpResponse> {
    let (coop_id, member_id, year) = path.into_inner();
    let demanded = if_match(&req)?;
    let (out, created) = state
        .db_write(move |conn| {
            accounts::put_transactions(conn, &caller, coop_id, member_id, year, demanded, body.0)
        })
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}
