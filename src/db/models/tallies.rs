//! Today's registry counts from `registry_tallies`: how many cooperatives hold each (town,
//! status, tier, title, year established), kept by the triggers of migration
//! 2026-12-04-000100 in the same transaction as every change of a cooperative. The dashboard
//! reads a few hundred rows here instead of scanning the registry; the tallies key towns, so
//! they answer for the whole district and for a set of towns, and a scope they do not key (one
//! cooperative, a bank's borrowers) is counted by a scan of its few rows instead.

use diesel::prelude::*;

use super::pilot::{InView, RegistryCount};
use crate::db::fragments::SumBigInt;
use crate::db::schema_tallies::registry_tallies as t;
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::scope::CoopScope;

/// Whether the tallies key the view: the district or a set of towns.
fn tallied(view: InView) -> bool {
    matches!(view.scope, CoopScope::All | CoopScope::Towns(_))
}

/// Narrows a boxed query of the tallies to the towns in view (which [`tallied`] must hold).
macro_rules! towns_in_view {
    ($q:expr, $view:expr) => {
        super::pilot::towns_of_view!($q.filter(t::n.ne(0)), t::town_code, $view)
    };
}

/// A stored key column: `''` is none, anything else one of the vocabulary (an unknown value
/// is an error, never a default).
fn optional<T>(text: &str, parse: fn(&str) -> Option<T>) -> QueryResult<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    parse(text).map(Some).ok_or_else(|| {
        diesel::result::Error::DeserializationError(crate::db::columns::unknown(
            std::any::type_name::<T>(),
            text,
        ))
    })
}

/// How many cooperatives in view have each (status, tier, title), from the tallies; `None`
/// when the view is not the district or a set of towns.
pub fn registry_counts(conn: &mut DbConn, view: InView) -> QueryResult<Option<Vec<RegistryCount>>> {
    if !tallied(view) {
        return Ok(None);
    }
    let q = t::table
        .group_by((t::status, t::tier, t::demonstration_level))
        .select((t::status, t::tier, t::demonstration_level, SumBigInt(t::n)))
        .into_boxed::<Backend>();
    let rows: Vec<(CoopStatus, String, String, Option<i64>)> =
        towns_in_view!(q, view).load(conn)?;
    // Every group holds a row (rows at 0 are left out), so its sum is never NULL.
    rows.into_iter()
        .map(|(status, tier, level, n)| {
            Ok((
                status,
                optional(&tier, Tier::parse)?,
                optional(&level, DemonstrationLevel::parse)?,
                n.unwrap_or(0),
            ))
        })
        .collect::<QueryResult<_>>()
        .map(Some)
}

/// How many cooperatives in view are active and were established by the end of `year` (the
/// cooperatives expected to publish that year's report), from the tallies; `None` when the
/// view is not the district or a set of towns.
pub fn active_established_by(
    conn: &mut DbConn,
    view: InView,
    year: i32,
) -> QueryResult<Option<i64>> {
    if !tallied(view) {
        return Ok(None);
    }
    let q = t::table
        .filter(t::status.eq(CoopStatus::Active.as_str()))
        .filter(t::established_year.le(year))
        .select(SumBigInt(t::n))
        .into_boxed::<Backend>();
    let n: Option<i64> = towns_in_view!(q, view).get_result(conn)?;
    Ok(Some(n.unwrap_or(0)))
}

/// What [`recount`] rebuilt: the keys of `registry_tallies` and of `member_tallies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recounted {
    pub registry_keys: usize,
    pub member_keys: usize,
}

/// Rebuilds both tables of counters from the rows, in one write transaction, copying the views
/// the migrations' backfill copied (`registry_counted`, `member_counted`, which derive the keys
/// on each backend): for a database changed with its triggers disabled
/// (`session_replication_role = replica`, a restore with `--disable-triggers`).
pub fn recount(conn: &mut DbConn) -> QueryResult<Recounted> {
    crate::db::write_tx(conn, |conn| {
        let mut copy = |table: &str, view: &str| -> QueryResult<usize> {
            diesel::sql_query(format!("DELETE FROM {table}")).execute(conn)?;
            diesel::sql_query(format!("INSERT INTO {table} SELECT * FROM {view}")).execute(conn)
        };
        Ok(Recounted {
            registry_keys: copy("registry_tallies", "registry_counted")?,
            member_keys: copy("member_tallies", "member_counted")?,
        })
    })
}
