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
    ($q:expr, $view:expr) => {{
        let view: InView = $view;
        let mut q = $q.filter(t::n.ne(0));
        match view.scope {
            CoopScope::Towns(towns) if towns.len() == 1 => {
                q = q.filter(t::town_code.eq(towns[0].clone()))
            }
            CoopScope::Towns(towns) => q = q.filter(t::town_code.eq_any(towns.clone())),
            _ => {}
        }
        if let Some(town) = view.town {
            q = q.filter(t::town_code.eq(town.to_string()));
        }
        q
    }};
}

/// A stored key column: `''` is none, anything else one of the vocabulary (an unknown value
/// is an error, never a default).
fn optional<T>(text: &str, parse: fn(&str) -> Option<T>) -> QueryResult<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    parse(text).map(Some).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("unknown value {text:?} in registry_tallies").into(),
        )
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
    let mut counts = Vec::with_capacity(rows.len());
    for (status, tier, level, n) in rows {
        let n = n.unwrap_or(0);
        if n != 0 {
            counts.push((
                status,
                optional(&tier, Tier::parse)?,
                optional(&level, DemonstrationLevel::parse)?,
                n,
            ));
        }
    }
    Ok(Some(counts))
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

/// Rebuilds both tables of counters from the rows, in one write transaction (as the
/// migrations' backfill did): for a database changed with its triggers disabled
/// (`session_replication_role = replica`, a restore with `--disable-triggers`).
pub fn recount(conn: &mut DbConn) -> QueryResult<Recounted> {
    const MEMBERS: &str = "INSERT INTO member_tallies \
         SELECT cooperative_id, member_type, COUNT(*), SUM(contribution_fen / 4294967296), \
         SUM(contribution_fen % 4294967296) FROM members WHERE exited_on IS NULL \
         GROUP BY cooperative_id, member_type";
    let registry = |year: &str| {
        format!(
            "INSERT INTO registry_tallies SELECT town_code, status, COALESCE(tier, ''), \
             COALESCE(demonstration_level, ''), {year}, COUNT(*) FROM cooperatives \
             GROUP BY 1, 2, 3, 4, 5"
        )
    };
    crate::db::write_tx(conn, |conn| {
        let registry = match conn {
            DbConn::Pg(_) => registry("EXTRACT(YEAR FROM established_on)::INTEGER"),
            DbConn::Sqlite(_) => registry("CAST(substr(established_on, 1, 4) AS INTEGER)"),
        };
        diesel::sql_query("DELETE FROM registry_tallies").execute(conn)?;
        let registry_keys = diesel::sql_query(registry).execute(conn)?;
        diesel::sql_query("DELETE FROM member_tallies").execute(conn)?;
        let member_keys = diesel::sql_query(MEMBERS).execute(conn)?;
        Ok(Recounted {
            registry_keys,
            member_keys,
        })
    })
}
