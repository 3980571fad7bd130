//! The cooperative service center (服务中心): the service catalogue and service orders.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::now;
use crate::db::models::service::{self as svc, OrderFilter, ServiceOrder, ServiceType};
use crate::db::schema::service_types;
use crate::db::DbConn;
use crate::domain::service_order::{transition, OrderAction, OrderStatus};
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::ensure_operating;
use crate::state::AppState;
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

/// A service the center offers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "ecommerce", "name": "电商服务（邮乐网）", "free": false, "price_fen": 20000, "provider": "中国邮政", "active": true}))]
pub struct ServiceTypeOut {
    pub code: String,
    pub name: String,
    /// Public-welfare (free) service.
    pub free: bool,
    /// The list price in fen (0 when free).
    pub price_fen: i64,
    /// The partner that provides it (e.g. China Post), if not the center itself.
    pub provider: Option<String>,
    /// Whether new orders may be placed.
    pub active: bool,
}

impl From<ServiceType> for ServiceTypeOut {
    fn from(t: ServiceType) -> Self {
        ServiceTypeOut {
            code: t.code,
            name: t.name,
            free: t.free,
            price_fen: t.price_fen,
            provider: t.provider,
            active: t.active,
        }
    }
}

fn validate_code(code: &str) -> Result<(), validator::ValidationError> {
    if !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("lower-case letters, digits and underscores, at most 40".into()))
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "cold_chain", "name": "冷链仓储", "free": false, "price_fen": 50000, "provider": null}))]
pub struct ServiceTypeCreate {
    #[validate(custom(function = "validate_code"))]
    pub code: String,
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub free: bool,
    #[validate(range(min = 0))]
    pub price_fen: i64,
    #[validate(length(min = 1, max = 100))]
    pub provider: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_fen": 25000}))]
pub struct ServiceTypePatch {
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
    pub free: Option<bool>,
    #[validate(range(min = 0))]
    pub price_fen: Option<i64>,
    #[validate(length(min = 1, max = 100))]
    pub provider: Option<String>,
    pub active: Option<bool>,
}

fn check_price(free: bool, price_fen: i64) -> ApiResult<()> {
    if free && price_fen != 0 {
        return Err(ApiError::field(
            "price_fen",
            "free_has_price",
            "a free service has price 0",
        ));
    }
    Ok(())
}

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
    user: Caller,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Read)?;
    let items = state
        .db(|conn| {
            Ok(svc::all_types(conn)?
                .into_iter()
                .map(ServiceTypeOut::from)
                .collect::<Vec<_>>())
        })
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district edits the catalogue"),
        (status = 409, description = "The code exists"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[post("/service-types")]
pub async fn create_service_type(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<ServiceTypeCreate>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    user.require(Resource::ReferenceData, Access::Write)?;
    let b = body.0;
    check_price(b.free, b.price_fen)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            if svc::find_type(conn, &b.code)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "a service with code {} exists",
                    b.code
                )));
            }
            let order: i32 = service_types::table.count().get_result::<i64>(conn)? as i32 + 1;
            diesel::insert_into(service_types::table)
                .values((
                    service_types::code.eq(&b.code),
                    service_types::name.eq(b.name.trim()),
                    service_types::free.eq(b.free),
                    service_types::price_fen.eq(b.price_fen),
                    service_types::provider.eq(&b.provider),
                    service_types::active.eq(true),
                    service_types::sort_order.eq(order),
                ))
                .execute(conn)?;
            let out =
                ServiceTypeOut::from(svc::find_type(conn, &b.code)?.ok_or(ApiError::NotFound)?);
            audit::record(
                conn,
                &actor,
                "create",
                "service_type",
                &out.code,
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district edits the catalogue"),
        (status = 404, description = "No such service"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/service-types/{code}")]
pub async fn patch_service_type(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<String>,
    body: ValidJson<ServiceTypePatch>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    user.require(Resource::ReferenceData, Access::Write)?;
    let code = path.into_inner();
    let p = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = svc::find_type(conn, &code)?.ok_or(ApiError::NotFound)?;
            let free = p.free.unwrap_or(current.free);
            let price = p
                .price_fen
                .unwrap_or(if free { 0 } else { current.price_fen });
            check_price(free, price)?;
            diesel::update(service_types::table.filter(service_types::code.eq(&code)))
                .set((
                    service_types::name.eq(p
                        .name
                        .as_deref()
                        .map(str::trim)
                        .unwrap_or(&current.name)),
                    service_types::free.eq(free),
                    service_types::price_fen.eq(price),
                    service_types::provider.eq(p.provider.clone().or(current.provider.clone())),
                    service_types::active.eq(p.active.unwrap_or(current.active)),
                ))
                .execute(conn)?;
            let after =
                ServiceTypeOut::from(svc::find_type(conn, &code)?.ok_or(ApiError::NotFound)?);
            audit::record(
                conn,
                &actor,
                "update",
                "service_type",
                &code,
                Some(&ServiceTypeOut::from(current)),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A cooperative's rating of a completed order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingOut {
    pub score: i32,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// A service order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "cooperative_id": 1, "service_type": "bookkeeping", "description": "2026年度代理记账",
    "status": "completed", "placed_by": "jinshan", "assignee": "服务中心-王会计", "fee_fen": 120000,
    "result_note": "已完成全年账务", "cancel_reason": null, "rating": {"score": 5, "comment": "很专业", "rated_at": "2026-11-20T08:00:00Z"},
    "placed_at": "2026-01-05T08:00:00Z", "accepted_at": "2026-01-06T08:00:00Z", "started_at": "2026-01-07T08:00:00Z",
    "completed_at": "2026-11-18T08:00:00Z", "cancelled_at": null, "version": 5
}))]
pub struct OrderOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub service_type: String,
    pub description: String,
    pub status: OrderStatus,
    /// Who placed the order (username).
    pub placed_by: String,
    /// The staff member working on it.
    pub assignee: Option<String>,
    /// The fee actually charged, in fen (set on completion).
    pub fee_fen: Option<i64>,
    pub result_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub rating: Option<RatingOut>,
    pub placed_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub version: i32,
}

fn utc(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.and_utc())
}

impl From<ServiceOrder> for OrderOut {
    fn from(o: ServiceOrder) -> Self {
        OrderOut {
            id: o.id,
            cooperative_id: o.cooperative_id,
            service_type: o.service_type,
            description: o.description,
            status: OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Submitted),
            placed_by: o.placed_by,
            assignee: o.assignee,
            fee_fen: o.fee_fen,
            result_note: o.result_note,
            cancel_reason: o.cancel_reason,
            rating: match (o.rating_score, o.rated_at) {
                (Some(score), Some(at)) => Some(RatingOut {
                    score,
                    comment: o.rating_comment,
                    rated_at: at.and_utc(),
                }),
                _ => None,
            },
            placed_at: o.placed_at.and_utc(),
            accepted_at: utc(o.accepted_at),
            started_at: utc(o.started_at),
            completed_at: utc(o.completed_at),
            cancelled_at: utc(o.cancelled_at),
            version: o.version,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "service_type": "bookkeeping", "description": "2026年度代理记账"}))]
pub struct OrderCreate {
    pub cooperative_id: i64,
    /// A code of `GET /api/v1/service-types`.
    #[validate(length(min = 1, max = 40))]
    pub service_type: String,
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
}

/// An order the caller may see, or 404.
fn order_in_scope(conn: &mut DbConn, user: &Caller, id: i64) -> ApiResult<ServiceOrder> {
    let order = svc::find_any(conn, id)?;
    user.cooperative(conn, order.cooperative_id)?;
    Ok(order)
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not place orders"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "Unknown cooperative or service, an inactive service, or a bad field")
    )
)]
#[post("/service-orders")]
pub async fn place_order(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<OrderCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ServiceOrders, Access::Write)?;
    if user.role() == Role::ServiceCenter {
        return Err(ApiError::Forbidden(
            "service-center staff work on orders; cooperatives, towns and the district place them"
                .into(),
        ));
    }
    let b = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let coop = match user.cooperative(conn, b.cooperative_id) {
                Err(ApiError::NotFound) => {
                    return Err(ApiError::field(
                        "cooperative_id",
                        "unknown",
                        "no such cooperative in your scope",
                    ))
                }
                other => other?,
            };
            ensure_operating(&coop)?;
            match svc::find_type(conn, &b.service_type)? {
                Some(t) if t.active => {}
                Some(_) => {
                    return Err(ApiError::field(
                        "service_type",
                        "inactive",
                        "this service takes no new orders",
                    ))
                }
                None => {
                    return Err(ApiError::field(
                        "service_type",
                        "unknown",
                        format!("{} is not a service of the catalogue", b.service_type),
                    ))
                }
            }
            let order = OrderOut::from(svc::insert(
                conn,
                coop.id,
                &b.service_type,
                b.description.trim(),
                &actor.name,
                now(),
            )?);
            audit::record(
                conn,
                &actor,
                "create",
                "service_order",
                &order.id.to_string(),
                None::<&()>,
                Some(&order),
            )?;
            Ok(order)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/service-orders/{}", out.id)))
        .json(out))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilterParams {
    pub service_type: Option<String>,
    pub status: Option<OrderStatus>,
    pub cooperative_id: Option<i64>,
    pub town_code: Option<String>,
    pub assignee: Option<String>,
}

impl OrderFilterParams {
    fn to_filter(&self, open_only: bool) -> OrderFilter {
        OrderFilter {
            service_type: self.service_type.clone(),
            status: self.status.map(|s| s.as_str().to_string()),
            cooperative_id: self.cooperative_id,
            town_code: self.town_code.clone(),
            assignee: self.assignee.clone(),
            open_only,
        }
    }
}

async fn order_list(
    state: web::Data<AppState>,
    user: Caller,
    filter: OrderFilter,
    page: PageParams,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let rows = svc::list(conn, &scope, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(svc::count(conn, &scope, &filter)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |o| o.id).map(OrderOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
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
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read service orders"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/service-orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<OrderFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ServiceOrders, Access::Read)?;
    let filter = filters.to_filter(false);
    order_list(state, user, filter, page.0).await
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
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "Only service-center staff and the district have a queue"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/service-orders/queue")]
pub async fn work_queue(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<OrderFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    require_staff(&user)?;
    let filter = filters.to_filter(true);
    order_list(state, user, filter, page.0).await
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
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ServiceOrders, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| Ok(OrderOut::from(order_in_scope(conn, &user, id)?)))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

fn require_staff(user: &Caller) -> ApiResult<()> {
    user.require(Resource::ServiceOrders, Access::Write)?;
    if matches!(user.role(), Role::ServiceCenter | Role::DistrictAdmin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only service-center staff and the district work on orders".into(),
        ))
    }
}

/// Runs one step of an order's life in a write transaction, audited.
async fn step(
    state: web::Data<AppState>,
    user: Caller,
    id: i64,
    action: &'static str,
    apply: impl FnOnce(&ServiceOrder, &mut svc::OrderState, &mut DbConn) -> ApiResult<()>
        + Send
        + 'static,
) -> ApiResult<HttpResponse> {
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = order_in_scope(conn, &user, id)?;
            let mut next = current.state();
            apply(&current, &mut next, conn)?;
            next.version = current.version + 1;
            next.updated_at = now();
            let after = OrderOut::from(
                svc::save(conn, id, current.version, &next)?.ok_or(ApiError::PreconditionFailed)?,
            );
            audit::record(
                conn,
                &actor,
                action,
                "service_order",
                &id.to_string(),
                Some(&OrderOut::from(current)),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

fn advance(
    current: &ServiceOrder,
    next: &mut svc::OrderState,
    action: OrderAction,
) -> ApiResult<()> {
    let from = OrderStatus::parse(&current.status).unwrap_or(OrderStatus::Submitted);
    let to = transition(from, action).ok_or_else(|| {
        ApiError::Conflict(format!("an order that is {from} cannot be {action}ed"))
    })?;
    next.status = to.as_str().into();
    let at = now();
    match to {
        OrderStatus::Accepted => next.accepted_at = Some(at),
        OrderStatus::InProgress => next.started_at = Some(at),
        OrderStatus::Completed => next.completed_at = Some(at),
        OrderStatus::Cancelled => next.cancelled_at = Some(at),
        OrderStatus::Submitted => {}
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee": "服务中心-王会计"}))]
pub struct AcceptIn {
    /// The staff member who takes the order.
    #[validate(length(min = 1, max = 100))]
    pub assignee: Option<String>,
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only staff and the district accept orders"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The order is not submitted"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[post("/service-orders/{id}/accept")]
pub async fn accept_order(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: OptionalJson<AcceptIn>,
) -> ApiResult<HttpResponse> {
    require_staff(&user)?;
    let assignee = body.0.and_then(|b| b.assignee);
    step(
        state,
        user,
        path.into_inner(),
        "accept",
        move |current, next, _| {
            advance(current, next, OrderAction::Accept)?;
            if assignee.is_some() {
                next.assignee = assignee.map(|a| a.trim().to_string());
            }
            Ok(())
        },
    )
    .await
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
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    require_staff(&user)?;
    step(
        state,
        user,
        path.into_inner(),
        "start",
        |current, next, _| advance(current, next, OrderAction::Start),
    )
    .await
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"fee_fen": 120000, "result_note": "已完成全年账务"}))]
pub struct CompleteIn {
    /// The fee actually charged, in fen: required for paid services, 0 or absent for free ones.
    #[validate(range(min = 0))]
    pub fee_fen: Option<i64>,
    #[validate(length(max = 2000))]
    pub result_note: Option<String>,
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only staff and the district complete orders"),
        (status = 404, description = "No such order"),
        (status = 409, description = "The order is not in progress"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A fee missing for a paid service, or charged for a free one")
    )
)]
#[post("/service-orders/{id}/complete")]
pub async fn complete_order(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<CompleteIn>,
) -> ApiResult<HttpResponse> {
    require_staff(&user)?;
    let b = body.0;
    step(
        state,
        user,
        path.into_inner(),
        "complete",
        move |current, next, conn| {
            advance(current, next, OrderAction::Complete)?;
            let free = svc::find_type(conn, &current.service_type)?
                .map(|t| t.free)
                .unwrap_or(false);
            match (free, b.fee_fen) {
                (true, Some(f)) if f > 0 => {
                    return Err(ApiError::field(
                        "fee_fen",
                        "free_service",
                        "a free service charges nothing",
                    ))
                }
                (false, None) => {
                    return Err(ApiError::field(
                        "fee_fen",
                        "required",
                        "a paid service needs the fee charged",
                    ))
                }
                _ => {}
            }
            next.fee_fen = Some(b.fee_fen.unwrap_or(0));
            next.result_note = b.result_note;
            Ok(())
        },
    )
    .await
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "合作社已自行办理"}))]
pub struct CancelIn {
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not cancel this order now"),
        (status = 404, description = "No such order, or outside your scope"),
        (status = 409, description = "The order is completed or cancelled"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/service-orders/{id}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<CancelIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ServiceOrders, Access::Write)?;
    let staff = matches!(user.role(), Role::ServiceCenter | Role::DistrictAdmin);
    let reason = body.0.reason;
    step(
        state,
        user,
        path.into_inner(),
        "cancel",
        move |current, next, _| {
            if !staff && current.status != "submitted" {
                return Err(ApiError::Forbidden(
                    "once accepted, only the service center can cancel an order".into(),
                ));
            }
            advance(current, next, OrderAction::Cancel)?;
            next.cancel_reason = Some(reason.trim().to_string());
            Ok(())
        },
    )
    .await
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 5, "comment": "很专业"}))]
pub struct RatingIn {
    /// 1 (poor) to 5 (excellent).
    #[validate(range(min = 1, max = 5))]
    pub score: i32,
    #[validate(length(max = 1000))]
    pub comment: Option<String>,
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the cooperative rates its orders"),
        (status = 404, description = "No such order, or not yours"),
        (status = 409, description = "Not completed, or already rated"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The score is not 1–5")
    )
)]
#[post("/service-orders/{id}/rating")]
pub async fn rate_order(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<RatingIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ServiceOrders, Access::Write)?;
    if user.role() != Role::Cooperative {
        return Err(ApiError::Forbidden(
            "only the cooperative that received the service rates it".into(),
        ));
    }
    let b = body.0;
    step(
        state,
        user,
        path.into_inner(),
        "rate",
        move |current, next, _| {
            if current.status != OrderStatus::Completed.as_str() {
                return Err(ApiError::Conflict(format!(
                    "an order that is {} cannot be rated",
                    current.status
                )));
            }
            if current.rating_score.is_some() {
                return Err(ApiError::Conflict(
                    "the order has already been rated".into(),
                ));
            }
            next.rating_score = Some(b.score);
            next.rating_comment = b.comment;
            next.rated_at = Some(now());
            Ok(())
        },
    )
    .await
}
