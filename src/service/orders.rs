//! The service center (服务中心): the catalogue the district edits, and service orders from
//! placement through the staff's work to the cooperative's rating.

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit;
use crate::db::models::now;
use crate::db::models::service::{self as svc, OrderState, ServiceOrder, ServiceTypeChanges};
use crate::db::DbConn;
use crate::domain::service_order::{
    self as rules, transition, FeeError, OrderAction, OrderStatus, RatingError,
};
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::ensure_operating;
use crate::views::orders::{
    AcceptIn, CancelIn, CompleteIn, OrderCreate, OrderFilterParams, OrderOut, RatingIn,
    ServiceTypeCreate, ServiceTypeOut, ServiceTypePatch,
};
use crate::views::pagination::{ListResponse, PageParams};

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

/// Service-center staff and the district work on orders.
fn is_staff(caller: &Caller) -> bool {
    matches!(caller.role(), Role::ServiceCenter | Role::DistrictAdmin)
}

fn require_staff(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::ServiceOrders, Access::Write)?;
    if is_staff(caller) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only service-center staff and the district work on orders".into(),
        ))
    }
}

/// The catalogue, in its order.
pub fn list_types(conn: &mut DbConn, caller: &Caller) -> ApiResult<Vec<ServiceTypeOut>> {
    caller.require(Resource::ReferenceData, Access::Read)?;
    Ok(svc::all_types(conn)?
        .into_iter()
        .map(ServiceTypeOut::from)
        .collect())
}

/// The district adds a service (active, at the end of the catalogue); a free one has price 0;
/// the code must be new (409).
pub fn create_type(
    conn: &mut DbConn,
    caller: &Caller,
    b: ServiceTypeCreate,
) -> ApiResult<ServiceTypeOut> {
    caller.require(Resource::ReferenceData, Access::Write)?;
    check_price(b.free, b.price_fen)?;
    if svc::find_type(conn, &b.code)?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a service with code {} exists",
            b.code
        )));
    }
    svc::insert_type(
        conn,
        &b.code,
        b.name.trim(),
        b.free,
        b.price_fen,
        b.provider.as_deref(),
    )?;
    let out = ServiceTypeOut::from(svc::find_type(conn, &b.code)?.ok_or(ApiError::NotFound)?);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "service_type",
        &out.code,
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// The district changes a service; making it free without a price sets the price to 0.
pub fn update_type(
    conn: &mut DbConn,
    caller: &Caller,
    code: &str,
    p: ServiceTypePatch,
) -> ApiResult<ServiceTypeOut> {
    caller.require(Resource::ReferenceData, Access::Write)?;
    let current = svc::find_type(conn, code)?.ok_or(ApiError::NotFound)?;
    let free = p.free.unwrap_or(current.free);
    let price = p
        .price_fen
        .unwrap_or(if free { 0 } else { current.price_fen });
    check_price(free, price)?;
    let changes = ServiceTypeChanges {
        name: p
            .name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.name)
            .to_string(),
        free,
        price_fen: price,
        provider: p.provider.clone().or(current.provider.clone()),
        active: p.active.unwrap_or(current.active),
    };
    svc::update_type(conn, code, &changes)?;
    let after = ServiceTypeOut::from(svc::find_type(conn, code)?.ok_or(ApiError::NotFound)?);
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "service_type",
        code,
        Some(&ServiceTypeOut::from(current)),
        Some(&after),
    )?;
    Ok(after)
}

/// Places an order, `submitted`: a cooperative for itself, a town officer in its town, the
/// district for any; never the staff who work on it. The cooperative must be in scope (else
/// 422 on `cooperative_id`) and operating; the service must exist and take orders.
pub fn place(conn: &mut DbConn, caller: &Caller, b: OrderCreate) -> ApiResult<OrderOut> {
    caller.require(Resource::ServiceOrders, Access::Write)?;
    if caller.role() == Role::ServiceCenter {
        return Err(ApiError::Forbidden(
            "service-center staff work on orders; cooperatives, towns and the district place them"
                .into(),
        ));
    }
    let coop = match caller.cooperative(conn, b.cooperative_id) {
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
    let actor = caller.actor();
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
}

fn order_list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &OrderFilterParams,
    open_only: bool,
    page: &PageParams,
) -> ApiResult<ListResponse<OrderOut>> {
    let page = page.page()?;
    let filter = filters.to_filter(open_only);
    let scope = caller.coop_scope(conn)?;
    let list = page.load(
        conn,
        |conn, after, n| svc::list(conn, &scope, &filter, after, n),
        |conn| svc::count(conn, &scope, &filter),
        |o| o.id,
    )?;
    Ok(list.map(OrderOut::from))
}

/// One page of the orders in the caller's scope, oldest first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &OrderFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<OrderOut>> {
    caller.require(Resource::ServiceOrders, Access::Read)?;
    order_list(conn, caller, filters, false, page)
}

/// The staff's work queue: open orders, oldest first.
pub fn queue(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &OrderFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<OrderOut>> {
    require_staff(caller)?;
    order_list(conn, caller, filters, true, page)
}

/// An order the caller may see, or 404.
fn order_in_scope(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ServiceOrder> {
    let order = svc::find_any(conn, id)?;
    caller.cooperative(conn, order.cooperative_id)?;
    Ok(order)
}

/// One order in the caller's scope.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<OrderOut> {
    caller.require(Resource::ServiceOrders, Access::Read)?;
    Ok(OrderOut::from(order_in_scope(conn, caller, id)?))
}

/// One step of an order's life: the order in scope, the change `apply` makes, the version
/// check (412 on a lost race) and the audit.
fn step(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    action: &str,
    apply: impl FnOnce(&ServiceOrder, &mut OrderState, &mut DbConn) -> ApiResult<()>,
) -> ApiResult<OrderOut> {
    let current = order_in_scope(conn, caller, id)?;
    let mut next = current.state();
    apply(&current, &mut next, conn)?;
    next.version = current.version + 1;
    next.updated_at = now();
    let after = OrderOut::from(
        svc::save(conn, id, current.version, &next)?.ok_or(ApiError::PreconditionFailed)?,
    );
    audit::record(
        conn,
        &caller.actor(),
        action,
        "service_order",
        &id.to_string(),
        Some(&OrderOut::from(current)),
        Some(&after),
    )?;
    Ok(after)
}

/// Moves the order along the state machine (409 when the action is illegal from its status)
/// and stamps the time of the status reached.
fn advance(current: &ServiceOrder, next: &mut OrderState, action: OrderAction) -> ApiResult<()> {
    let from = current.status;
    let to = transition(from, action).ok_or_else(|| {
        ApiError::Conflict(format!("an order that is {from} cannot be {action}ed"))
    })?;
    next.status = to;
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

/// Submitted → accepted, by staff, optionally assigning a staff member.
pub fn accept(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: Option<AcceptIn>,
) -> ApiResult<OrderOut> {
    require_staff(caller)?;
    let assignee = body.and_then(|b| b.assignee);
    step(conn, caller, id, "accept", move |current, next, _| {
        advance(current, next, OrderAction::Accept)?;
        if assignee.is_some() {
            next.assignee = assignee.map(|a| a.trim().to_string());
        }
        Ok(())
    })
}

/// Accepted → in progress, by staff.
pub fn start(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<OrderOut> {
    require_staff(caller)?;
    step(conn, caller, id, "start", |current, next, _| {
        advance(current, next, OrderAction::Start)
    })
}

/// In progress → completed, by staff, with the fee charged (see `fee_charged`).
pub fn complete(conn: &mut DbConn, caller: &Caller, id: i64, b: CompleteIn) -> ApiResult<OrderOut> {
    require_staff(caller)?;
    step(conn, caller, id, "complete", move |current, next, conn| {
        advance(current, next, OrderAction::Complete)?;
        // An order of a service no longer in the catalogue is charged as a paid one.
        let free = svc::find_type(conn, &current.service_type)?.is_some_and(|t| t.free);
        let fee = rules::fee_charged(free, b.fee_fen).map_err(|e| match e {
            FeeError::ChargedForFree => {
                ApiError::field("fee_fen", "free_service", "a free service charges nothing")
            }
            FeeError::MissingForPaid => ApiError::field(
                "fee_fen",
                "required",
                "a paid service needs the fee charged",
            ),
        })?;
        next.fee_fen = Some(fee);
        next.result_note = b.result_note;
        Ok(())
    })
}

/// Cancels an open order with a reason: staff any open order, the cooperative or its town
/// officer only while it is submitted (403 after).
pub fn cancel(conn: &mut DbConn, caller: &Caller, id: i64, b: CancelIn) -> ApiResult<OrderOut> {
    caller.require(Resource::ServiceOrders, Access::Write)?;
    let staff = is_staff(caller);
    let reason = b.reason;
    step(conn, caller, id, "cancel", move |current, next, _| {
        if !rules::may_cancel(current.status, staff) {
            return Err(ApiError::Forbidden(
                "once accepted, only the service center can cancel an order".into(),
            ));
        }
        advance(current, next, OrderAction::Cancel)?;
        next.cancel_reason = Some(reason.trim().to_string());
        Ok(())
    })
}

/// The cooperative rates a completed order, once.
pub fn rate(conn: &mut DbConn, caller: &Caller, id: i64, b: RatingIn) -> ApiResult<OrderOut> {
    caller.require(Resource::ServiceOrders, Access::Write)?;
    if caller.role() != Role::Cooperative {
        return Err(ApiError::Forbidden(
            "only the cooperative that received the service rates it".into(),
        ));
    }
    step(conn, caller, id, "rate", move |current, next, _| {
        rules::may_rate(current.status, current.rating_score.is_some()).map_err(|e| match e {
            RatingError::NotCompleted => ApiError::Conflict(format!(
                "an order that is {} cannot be rated",
                current.status
            )),
            RatingError::AlreadyRated => {
                ApiError::Conflict("the order has already been rated".into())
            }
        })?;
        next.rating_score = Some(b.score);
        next.rating_comment = b.comment;
        next.rated_at = Some(now());
        Ok(())
    })
}
