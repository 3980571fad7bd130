//! The cooperative service center (服务中心): the service catalogue and service orders.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::orders;
use crate::state::AppState;
use crate::views::orders::{
    AcceptIn, CancelIn, CompleteIn, OrderCreate, OrderFilterParams, OrderOut, RatingIn,
    ServiceTypeCreate, ServiceTypeOut, ServiceTypePatch,
};
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_service_types)
        .service(create_service_type)
        .service(patch_service_type)
        .service(place_order)
        .service(list_orders)
        .service(work_queue)
        .service(get_order)
        .service(accept_order)
        .service(start_order)
        .service(complete_order)
        .service(cancel_order)
        .service(rate_order);
}

pub const ORDERS_PATH: &str = "/api/v1/service-orders";

/// The catalogue.
#[utoipa::path(
    tag = "services",
    operation_id = "listServiceTypes",
    summary = "List the service center's services",
    description = "The services of the cooperative service center, each free (public-welfare) or with a price in fen, and the partner that provides it.",
    responses((status = 200, description = "The catalogue", body = ListResponse<ServiceTypeOut>))
)]
#[get("/service-types")]
pub async fn list_service_types(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let items = state
        .db(move |conn| orders::list_types(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// Add a service.
#[utoipa::path(
    tag = "services",
    operation_id = "createServiceType",
    summary = "Add a service to the catalogue",
    description = "The district adds a service; a free service has price 0.",
    request_body = ServiceTypeCreate,
    responses(
        (status = 201, description = "Added", body = ServiceTypeOut),
        (status = 403, description = "Only the district edits the catalogue"),
        (status = 409, description = "The code exists"),
    )
)]
#[post("/service-types")]
pub async fn create_service_type(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ServiceTypeCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| orders::create_type(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Change a service.
#[utoipa::path(
    tag = "services",
    operation_id = "updateServiceType",
    summary = "Change a service's price, name or availability",
    description = "The district edits the catalogue: prices, names, the provider, and whether new orders may be placed (`active`).",
    params(("code" = String, Path, description = "Service code")),
    request_body = ServiceTypePatch,
    responses(
        (status = 200, description = "Changed", body = ServiceTypeOut),
        (status = 403, description = "Only the district edits the catalogue"),
        (status = 404, description = "No such service"),
    )
)]
#[patch("/service-types/{code}")]
pub async fn patch_service_type(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<ServiceTypePatch>,
) -> ApiResult<HttpResponse> {
    let code = path.into_inner();
    let out = state
        .db_write(move |conn| orders::update_type(conn, &caller, &code, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Place an order.
#[utoipa::path(
    tag = "services",
    operation_id = "placeServiceOrder",
    summary = "Order a service for a cooperative",
    description = "A cooperative orders for itself, a town officer for a cooperative of the town, the district for any. The order starts `submitted`.",
    request_body = OrderCreate,
    responses(
        (status = 201, description = "Placed", body = OrderOut),
        (status = 403, description = "The role may not place orders"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 422, description = "Unknown cooperative or service, an inactive service, or a bad field")
    )
)]
#[post("/service-orders")]
pub async fn place_order(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<OrderCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| orders::place(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{ORDERS_PATH}/{}", out.id)))
        .json(out))
}

/// List orders.
#[utoipa::path(
    tag = "services",
    operation_id = "listServiceOrders",
    summary = "List service orders in your scope",
    description = "A cooperative sees its own orders, a town officer the town's, staff, the district and observers all. Filters: type, status, cooperative, town, assignee.",
    params(OrderFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of orders, oldest first", body = ListResponse<OrderOut>),
        (status = 403, description = "The role may not read service orders"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/service-orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<OrderFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| orders::list(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The staff's work queue.
#[utoipa::path(
    tag = "services",
    operation_id = "serviceOrderQueue",
    summary = "The service center's work queue",
    description = "Orders still to be worked on (submitted, accepted, in progress), oldest first. For service-center staff and the district.",
    params(OrderFilterParams, PageParams),
    responses(
        (status = 200, description = "Open orders, oldest first", body = ListResponse<OrderOut>),
        (status = 403, description = "Only service-center staff and the district have a queue"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/service-orders/queue")]
pub async fn work_queue(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<OrderFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| orders::queue(conn, &caller, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one order.
#[utoipa::path(
    tag = "services",
    operation_id = "getServiceOrder",
    summary = "Get a service order",
    description = "One order with its status history timestamps and rating.",
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderOut),
        (status = 403, description = "The role may not read service orders"),
        (status = 404, description = "No such order, or outside your scope")
    )
)]
#[get("/service-orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state.db(move |conn| orders::get(conn, &caller, id)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Accept an order.
#[utoipa::path(
    tag = "services",
    operation_id = "acceptServiceOrder",
    summary = "Accept a submitted order",
    description = "Submitted → accepted, optionally assigning a staff member.",
    params(("id" = i64, Path, description = "Order id")),
    request_body(content = Option<AcceptIn>, description = "Optional"),
    responses(
        (status = 200, description = "Accepted", body = OrderOut),
        (status = 403, description = "Only staff and the district accept orders"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The order is not submitted"),
    )
)]
#[post("/service-orders/{id}/accept")]
pub async fn accept_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: OptionalJson<AcceptIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| orders::accept(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Start work.
#[utoipa::path(
    tag = "services",
    operation_id = "startServiceOrder",
    summary = "Start work on an accepted order",
    description = "Accepted → in progress.",
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Started", body = OrderOut),
        (status = 403, description = "Only staff and the district work on orders"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The order is not accepted")
    )
)]
#[post("/service-orders/{id}/start")]
pub async fn start_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| orders::start(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Complete an order.
#[utoipa::path(
    tag = "services",
    operation_id = "completeServiceOrder",
    summary = "Complete an order in progress",
    description = "In progress → completed, with the fee actually charged (required for paid services; free services charge nothing) and a result note.",
    params(("id" = i64, Path, description = "Order id")),
    request_body = CompleteIn,
    responses(
        (status = 200, description = "Completed", body = OrderOut),
        (status = 403, description = "Only staff and the district complete orders"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The order is not in progress"),
        (status = 422, description = "A fee missing for a paid service, or charged for a free one")
    )
)]
#[post("/service-orders/{id}/complete")]
pub async fn complete_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<CompleteIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| orders::complete(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Cancel an order.
#[utoipa::path(
    tag = "services",
    operation_id = "cancelServiceOrder",
    summary = "Cancel an order",
    description = "Staff and the district cancel any open order; the cooperative or its town officer only while it is still `submitted`.",
    params(("id" = i64, Path, description = "Order id")),
    request_body = CancelIn,
    responses(
        (status = 200, description = "Cancelled", body = OrderOut),
        (status = 403, description = "The role may not cancel this order now"),
        (status = 404, description = "No such order, or outside your scope"),
        (status = 409, description = "The order is completed or cancelled"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/service-orders/{id}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<CancelIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| orders::cancel(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Rate an order.
#[utoipa::path(
    tag = "services",
    operation_id = "rateServiceOrder",
    summary = "Rate a completed order (the cooperative, once)",
    description = "The cooperative that received the service rates it 1–5, once, after it is completed.",
    params(("id" = i64, Path, description = "Order id")),
    request_body = RatingIn,
    responses(
        (status = 200, description = "Rated", body = OrderOut),
        (status = 403, description = "Only the cooperative rates its orders"),
        (status = 404, description = "No such order, or not yours"),
        (status = 409, description = "Not completed, or already rated"),
        (status = 422, description = "The score is not 1–5")
    )
)]
#[post("/service-orders/{id}/rating")]
pub async fn rate_order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<RatingIn>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| orders::rate(conn, &caller, id, body.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
