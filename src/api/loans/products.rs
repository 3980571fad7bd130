//! Loan products of the partner banks.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::products;
use crate::state::AppState;
use crate::views::loans::{ProductCreate, ProductFilter, ProductOut, ProductPatch};
use crate::views::pagination::{ListResponse, PageParams};

/// Create a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "createLoanProduct",
    summary = "Create a loan product",
    description = "A partner bank's loan product: rate, limits, repayment method and whether the risk-compensation fund guarantees it. District admin only.",
    request_body = ProductCreate,
    responses(
        (status = 201, description = "Created", body = ProductOut),
        (status = 403, description = "Only the district admin manages products")
    )
)]
#[post("/loan-products")]
pub async fn create_product(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ProductCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| products::create(conn, &caller, body.0))
        .await?;
    let loc = format!("/api/v1/loan-products/{}", out.id);
    Ok(created(loc, out.version, &out))
}

/// List loan products.
#[utoipa::path(
    tag = "loans",
    operation_id = "listLoanProducts",
    summary = "List loan products",
    description = "Products open for applications (with `include_retired=true`, all). A bank partner sees its own bank's products only.",
    params(ProductFilter, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<ProductOut>),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/loan-products")]
pub async fn list_products(
    state: web::Data<AppState>,
    caller: Caller,
    filter: ValidQuery<ProductFilter>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let list = state
        .db(move |conn| products::list(conn, &caller, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanProduct",
    summary = "Get a loan product",
    description = "One product with its `ETag`. Another bank's product is 404 for a bank partner.",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductOut),
        (status = 404, description = "No such product, or another bank's")
    )
)]
#[get("/loan-products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| products::get(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "updateLoanProduct",
    summary = "Change a loan product",
    description = "Send only the fields to change; honours `If-Match`. Loans already applied for keep the rate, method and eligibility they were made with. District admin only.",
    params(
        ("id" = i64, Path, description = "Product id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "Changed", body = ProductOut),
        (status = 403, description = "Only the district admin manages products"),
        (status = 404, description = "No such product"),
        (status = 412, description = "If-Match does not match")
    )
)]
#[patch("/loan-products/{id}")]
pub async fn patch_product(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<ProductPatch>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let out = state
        .db_write(move |conn| products::update(conn, &caller, id, demanded, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Retire a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "retireLoanProduct",
    summary = "Retire a loan product",
    description = "The product takes no new applications; its loans go on. District admin only.",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "Retired", body = ProductOut),
        (status = 403, description = "Only the district admin manages products"),
        (status = 404, description = "No such product")
    )
)]
#[post("/loan-products/{id}/retire")]
pub async fn retire_product(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| products::retire(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}
