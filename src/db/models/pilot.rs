//! The figures of the pilot dashboard read from other contexts' tables: the registry's
//! status, tier and title, approved demonstration titles, loans and service orders. Each
//! takes the cooperatives in view ([`InView`]); counts are made in SQL where the dashboard
//! needs only counts.

use diesel::prelude::*;

use crate::db::schema::{cooperatives, demonstration_applications, loans, service_orders};
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::loan_state::LoanStatus;
use crate::domain::pilot::TITLE_APPROVED;
use crate::domain::scope::CoopScope;
use crate::domain::service_order::OrderStatus;

/// The cooperatives in view: a scope, narrowed to a town if given. The other tables are
/// filtered by a sub-query on it, never by a list of ids (which would pass one bind parameter
/// per cooperative: past SQLite's limit at 32,766, and slow long before).
#[derive(Debug, Clone, Copy)]
pub struct InView<'a> {
    pub scope: &'a CoopScope,
    pub town: Option<&'a str>,
}

/// Narrows a boxed query of any table with a town column `$town` to the towns of a view: the
/// scope's towns, then the dashboard's `?town=`. Other scopes are left to the caller.
macro_rules! towns_of_view {
    ($q:expr, $town:expr, $view:expr) => {{
        let view: $crate::db::models::pilot::InView = $view;
        let mut q = $q;
        if let $crate::domain::scope::CoopScope::Towns(towns) = view.scope {
            // One town (a town officer) is an `=`: SQLite caches its statement, never an `IN`'s.
            q = if towns.len() == 1 {
                q.filter($town.eq(towns[0].clone()))
            } else {
                q.filter($town.eq_any(towns.clone()))
            };
        }
        if let Some(t) = view.town {
            q = q.filter($town.eq(t.to_string()));
        }
        q
    }};
}
pub(crate) use towns_of_view;

/// Narrows a boxed query of the cooperatives table to the cooperatives in view.
macro_rules! coops_in_view {
    ($q:expr, $view:expr) => {{
        use $crate::db::schema::{cooperatives, loans};
        use $crate::domain::scope::CoopScope;
        let view: $crate::db::models::pilot::InView = $view;
        let mut q = $q;
        match view.scope {
            CoopScope::All | CoopScope::Towns(_) => {}
            CoopScope::One(id) => q = q.filter(cooperatives::id.eq(*id)),
            // A bank sees the cooperatives that hold (or have asked for) a loan at it.
            CoopScope::Bank(bank) => {
                q = q.filter(
                    cooperatives::id.eq_any(
                        loans::table
                            .filter(loans::bank_code.eq(bank.clone()))
                            .select(loans::cooperative_id),
                    ),
                )
            }
        }
        $crate::db::models::pilot::towns_of_view!(q, cooperatives::town_code, view)
    }};
}

pub(crate) use coops_in_view;

/// Narrows a boxed query of another table to the rows whose `$col` (a cooperative id) is in
/// view, by sub-queries. A bank's view of the loans table is its own loans
/// (`rows_in_view!(q, col, view, bank => filter)`).
macro_rules! rows_in_view {
    ($q:expr, $col:expr, $view:expr) => {
        $crate::db::models::pilot::rows_in_view!($q, $col, $view, bank => $col.eq_any(
            loans::table
                .filter(loans::bank_code.eq(bank.clone()))
                .select(loans::cooperative_id),
        ))
    };
    ($q:expr, $col:expr, $view:expr, $bank:ident => $bank_filter:expr) => {{
        use $crate::db::schema::{cooperatives, loans};
        use $crate::domain::scope::CoopScope;
        let view: $crate::db::models::pilot::InView = $view;
        let mut q = $q;
        match view.scope {
            CoopScope::All => {}
            CoopScope::Towns(towns) => {
                q = q.filter(
                    $col.eq_any(
                        cooperatives::table
                            .filter(cooperatives::town_code.eq_any(towns.clone()))
                            .select(cooperatives::id),
                    ),
                )
            }
            CoopScope::One(id) => q = q.filter($col.eq(*id)),
            CoopScope::Bank($bank) => q = q.filter($bank_filter),
        }
        if let Some(t) = view.town {
            q = q.filter(
                $col.eq_any(
                    cooperatives::table
                        .filter(cooperatives::town_code.eq(t.to_string()))
                        .select(cooperatives::id),
                ),
            );
        }
        q
    }};
}

pub(crate) use rows_in_view;

/// How many cooperatives have one (status, tier, title).
pub type RegistryCount = (CoopStatus, Option<Tier>, Option<DemonstrationLevel>, i64);

/// How many cooperatives in view have each (status, tier, title): from the tallies the
/// triggers keep where they key the view (the district, towns), else by a scan.
pub fn registry_counts(conn: &mut DbConn, view: InView) -> QueryResult<Vec<RegistryCount>> {
    match super::tallies::registry_counts(conn, view)? {
        Some(counts) => Ok(counts),
        None => scanned_registry_counts(conn, view),
    }
}

/// [`registry_counts`] by a scan of the cooperatives in view (GROUP BY in SQL).
pub fn scanned_registry_counts(conn: &mut DbConn, view: InView) -> QueryResult<Vec<RegistryCount>> {
    let q = cooperatives::table
        .group_by((
            cooperatives::status,
            cooperatives::tier,
            cooperatives::demonstration_level,
        ))
        .select((
            cooperatives::status,
            cooperatives::tier,
            cooperatives::demonstration_level,
            diesel::dsl::count_star(),
        ))
        .into_boxed::<Backend>();
    coops_in_view!(q, view).load(conn)
}

/// How many demonstration titles the cooperatives in view were approved, by year; with
/// `before`, only those decided before that instant (an approval recorded without a decision
/// time counts from its last update).
pub fn approved_titles_by_year(
    conn: &mut DbConn,
    view: InView,
    before: Option<chrono::NaiveDateTime>,
) -> QueryResult<Vec<(i32, i64)>> {
    use demonstration_applications as apps;
    let mut q = apps::table
        .filter(apps::status.eq(TITLE_APPROVED))
        .group_by(apps::year)
        .select((apps::year, diesel::dsl::count_star()))
        .into_boxed::<Backend>();
    if let Some(t) = before {
        q = q.filter(
            apps::decided_at
                .lt(t)
                .or(apps::decided_at.is_null().and(apps::updated_at.lt(t))),
        );
    }
    rows_in_view!(q, apps::cooperative_id, view).load(conn)
}

/// A loan, as the dashboard counts it.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct LoanFigures {
    pub status: LoanStatus,
    pub bank_code: String,
    pub amount_fen: i64,
    pub approved_amount_fen: Option<i64>,
}

/// The loans of the cooperatives in view.
pub fn loans(conn: &mut DbConn, view: InView) -> QueryResult<Vec<LoanFigures>> {
    let q = loans::table.into_boxed::<Backend>();
    rows_in_view!(q, loans::cooperative_id, view, bank => loans::bank_code.eq(bank.clone()))
        .select((
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

/// The service orders of the cooperatives in view.
pub fn orders(conn: &mut DbConn, view: InView) -> QueryResult<Vec<OrderFigures>> {
    let q = service_orders::table.into_boxed::<Backend>();
    rows_in_view!(q, service_orders::cooperative_id, view)
        .select((
            service_orders::service_type,
            service_orders::status,
            service_orders::rating_score,
        ))
        .load(conn)
}
