//! The figures of the pilot dashboard read from other contexts' tables: the registry's
//! status, tier and title, approved demonstration titles, loans and service orders. Each
//! takes the cooperatives in view (`None`: every cooperative, no filter).

use diesel::prelude::*;

use super::cooperative as coop;
use crate::db::schema::{cooperatives, demonstration_applications, loans, service_orders};
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::loan_state::LoanStatus;
use crate::domain::pilot::TITLE_APPROVED;
use crate::domain::scope::CoopScope;
use crate::domain::service_order::OrderStatus;

/// A cooperative in view, as the registry figures count it.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct CoopFigures {
    pub id: i64,
    pub status: CoopStatus,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
}

/// The cooperatives in `scope`, narrowed to `town` if given.
pub fn cooperatives(
    conn: &mut DbConn,
    scope: &CoopScope,
    town: Option<&str>,
) -> QueryResult<Vec<CoopFigures>> {
    let mut q = coop::scoped(scope);
    if let Some(t) = town {
        q = q.filter(cooperatives::town_code.eq(t.to_string()));
    }
    q.select((
        cooperatives::id,
        cooperatives::status,
        cooperatives::tier,
        cooperatives::demonstration_level,
    ))
    .load(conn)
}

/// The years of the approved demonstration applications of these cooperatives.
pub fn approved_title_years(conn: &mut DbConn, ids: Option<&[i64]>) -> QueryResult<Vec<i32>> {
    let mut q = demonstration_applications::table
        .filter(demonstration_applications::status.eq(TITLE_APPROVED))
        .into_boxed::<Backend>();
    if let Some(ids) = ids {
        q = q.filter(demonstration_applications::cooperative_id.eq_any(ids.to_vec()));
    }
    q.select(demonstration_applications::year).load(conn)
}

/// A loan, as the dashboard counts it.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct LoanFigures {
    pub status: LoanStatus,
    pub bank_code: String,
    pub amount_fen: i64,
    pub approved_amount_fen: Option<i64>,
}

/// The loans of these cooperatives.
pub fn loans(conn: &mut DbConn, ids: Option<&[i64]>) -> QueryResult<Vec<LoanFigures>> {
    let mut q = loans::table.into_boxed::<Backend>();
    if let Some(ids) = ids {
        q = q.filter(loans::cooperative_id.eq_any(ids.to_vec()));
    }
    q.select((
        loans::status,
        loans::bank_code,
        loans::amount_fen,
        loans::approved_amount_fen,
    ))
    .load(conn)
}

/// A service order, as the dashboard counts it.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct OrderFigures {
    pub service_type: String,
    pub status: OrderStatus,
    pub rating_score: Option<i32>,
}

/// The service orders of these cooperatives.
pub fn orders(conn: &mut DbConn, ids: Option<&[i64]>) -> QueryResult<Vec<OrderFigures>> {
    let mut q = service_orders::table.into_boxed::<Backend>();
    if let Some(ids) = ids {
        q = q.filter(service_orders::cooperative_id.eq_any(ids.to_vec()));
    }
    q.select((
        service_orders::service_type,
        service_orders::status,
        service_orders::rating_score,
    ))
    .load(conn)
}
