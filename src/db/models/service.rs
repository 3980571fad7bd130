//! The cooperative service center (服务中心): its catalogue and orders.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::pilot::{rows_in_view, InView};
use crate::db::schema::{service_orders, service_types};
use crate::db::{Backend, DbConn};
use crate::domain::scope::CoopScope;
use crate::domain::service_order::{OrderStatus, OPEN};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = service_types)]
pub struct ServiceType {
    pub code: String,
    pub name: String,
    pub free: bool,
    pub price_fen: i64,
    pub provider: Option<String>,
    pub active: bool,
    pub sort_order: i32,
}

pub fn all_types(conn: &mut DbConn) -> QueryResult<Vec<ServiceType>> {
    service_types::table
        .order(service_types::sort_order)
        .select(ServiceType::as_select())
        .load(conn)
}

pub fn find_type(conn: &mut DbConn, code: &str) -> QueryResult<Option<ServiceType>> {
    service_types::table
        .filter(service_types::code.eq(code))
        .select(ServiceType::as_select())
        .first(conn)
        .optional()
}

/// A new service, active, at the end of the catalogue.
pub fn insert_type(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    free: bool,
    price_fen: i64,
    provider: Option<&str>,
) -> QueryResult<()> {
    let order: i32 = service_types::table.count().get_result::<i64>(conn)? as i32 + 1;
    diesel::insert_into(service_types::table)
        .values((
            service_types::code.eq(code),
            service_types::name.eq(name),
            service_types::free.eq(free),
            service_types::price_fen.eq(price_fen),
            service_types::provider.eq(provider),
            service_types::active.eq(true),
            service_types::sort_order.eq(order),
        ))
        .execute(conn)?;
    Ok(())
}

/// The fields of a service the district edits.
#[derive(AsChangeset, Debug, Clone)]
#[diesel(table_name = service_types, treat_none_as_null = true)]
pub struct ServiceTypeChanges {
    pub name: String,
    pub free: bool,
    pub price_fen: i64,
    pub provider: Option<String>,
    pub active: bool,
}

pub fn update_type(conn: &mut DbConn, code: &str, changes: &ServiceTypeChanges) -> QueryResult<()> {
    diesel::update(service_types::table.filter(service_types::code.eq(code)))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = service_orders)]
pub struct ServiceOrder {
    pub id: i64,
    pub cooperative_id: i64,
    pub service_type: String,
    pub description: String,
    pub status: OrderStatus,
    pub placed_by: String,
    pub assignee: Option<String>,
    pub fee_fen: Option<i64>,
    pub result_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub rating_score: Option<i32>,
    pub rating_comment: Option<String>,
    pub placed_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub rated_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

/// Every column an order's life changes; written whole after each step.
#[derive(AsChangeset, Debug, Clone)]
#[diesel(table_name = service_orders, treat_none_as_null = true)]
pub struct OrderState {
    pub status: OrderStatus,
    pub assignee: Option<String>,
    pub fee_fen: Option<i64>,
    pub result_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub rating_score: Option<i32>,
    pub rating_comment: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub rated_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

impl ServiceOrder {
    pub fn state(&self) -> OrderState {
        OrderState {
            status: self.status,
            assignee: self.assignee.clone(),
            fee_fen: self.fee_fen,
            result_note: self.result_note.clone(),
            cancel_reason: self.cancel_reason.clone(),
            rating_score: self.rating_score,
            rating_comment: self.rating_comment.clone(),
            accepted_at: self.accepted_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            cancelled_at: self.cancelled_at,
            rated_at: self.rated_at,
            version: self.version,
            updated_at: self.updated_at,
        }
    }
}

pub fn insert(
    conn: &mut DbConn,
    cooperative_id: i64,
    service_type: &str,
    description: &str,
    placed_by: &str,
    at: NaiveDateTime,
) -> QueryResult<ServiceOrder> {
    diesel::insert_into(service_orders::table)
        .values((
            service_orders::cooperative_id.eq(cooperative_id),
            service_orders::service_type.eq(service_type),
            service_orders::description.eq(description),
            service_orders::status.eq(OrderStatus::Submitted),
            service_orders::placed_by.eq(placed_by),
            service_orders::placed_at.eq(at),
            service_orders::version.eq(1),
            service_orders::updated_at.eq(at),
        ))
        .get_result(conn)
}

/// Writes the new state if the version is still `expected`; returns the order after.
pub fn save(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    state: &OrderState,
) -> QueryResult<Option<ServiceOrder>> {
    let n = diesel::update(
        service_orders::table
            .filter(service_orders::id.eq(id))
            .filter(service_orders::version.eq(expected)),
    )
    .set(state)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    find_any(conn, id).map(Some)
}

pub fn find_any(conn: &mut DbConn, id: i64) -> QueryResult<ServiceOrder> {
    service_orders::table
        .filter(service_orders::id.eq(id))
        .select(ServiceOrder::as_select())
        .first(conn)
}

#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub service_type: Option<String>,
    pub status: Option<OrderStatus>,
    pub cooperative_id: Option<i64>,
    pub town_code: Option<String>,
    pub assignee: Option<String>,
    /// Only orders still to be worked on (submitted, accepted, in progress).
    pub open_only: bool,
}

/// The rows of the cooperatives in `scope` (and the filter's town), by sub-queries.
fn filtered(scope: &CoopScope, f: &OrderFilter) -> service_orders::BoxedQuery<'static, Backend> {
    let view = InView {
        scope,
        town: f.town_code.as_deref(),
    };
    let q = service_orders::table.into_boxed::<Backend>();
    let mut q = rows_in_view!(q, service_orders::cooperative_id, view);
    if let Some(v) = &f.service_type {
        q = q.filter(service_orders::service_type.eq(v.clone()));
    }
    if let Some(v) = f.status {
        q = q.filter(service_orders::status.eq(v));
    }
    if let Some(v) = f.cooperative_id {
        q = q.filter(service_orders::cooperative_id.eq(v));
    }
    if let Some(v) = &f.assignee {
        q = q.filter(service_orders::assignee.eq(v.clone()));
    }
    if f.open_only {
        q = q.filter(service_orders::status.eq_any(OPEN));
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    scope: &CoopScope,
    f: &OrderFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ServiceOrder>> {
    let mut q = filtered(scope, f);
    if let Some(a) = after {
        q = q.filter(service_orders::id.gt(a));
    }
    // Ids grow with time, so id order is also age order (oldest first) for the work queue.
    q.order(service_orders::id.asc())
        .limit(limit)
        .select(ServiceOrder::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, scope: &CoopScope, f: &OrderFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}
