//! Worklists by failing check: `?compliance_failing=farmer_share,annual_report` on the
//! cooperative list and its CSV export.
//!
//! The law's checks are computed from each cooperative's records (members, governance,
//! reports, meetings, distributions: `service::standardisation::compliance_facts`), not
//! stored, so the filter walks the (otherwise filtered) scope in id order, in batches of
//! [`BATCH`] (their facts read in one query per table, `failing_checks_of`), and keeps the cooperatives failing **any** of the named checks. A page stops at
//! `limit` matches or after [`SCAN_BUDGET`] cooperatives examined, whichever comes first: a
//! page may then hold fewer than `limit` items with a `next_cursor` (keep following it). No id
//! list ever goes back to the database as parameters.

use std::collections::{BTreeSet, HashMap};

use crate::db::models::cooperative::{self as coop, CoopFilter, Cooperative};
use crate::db::models::today;
use crate::db::DbConn;
use crate::domain::compliance;
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::standardisation::compliance_facts_of;
use crate::views::pagination::{encode_cursor, Page};

/// Every check `compliance_failing` may name, in the order of RULES.md.
pub const CHECKS: [&str; 9] = [
    "min_members",
    "farmer_share",
    "non_farmer_cap",
    "governance",
    "charter",
    "surplus_return",
    "annual_report",
    "annual_assembly",
    "representation",
];

/// Cooperatives read from the database at a time.
pub const BATCH: i64 = 100;
/// Cooperatives examined at most for one page of the list.
pub const SCAN_BUDGET: usize = 2_000;

/// The check names of `compliance_failing` (a comma-separated list; blanks ignored); an
/// unknown name, or a list naming none, is a 422 on `compliance_failing`.
pub fn parse(raw: Option<&str>) -> ApiResult<Option<BTreeSet<&'static str>>> {
    let Some(raw) = raw else { return Ok(None) };
    let mut names = BTreeSet::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match CHECKS.iter().find(|c| **c == name) {
            Some(c) => {
                names.insert(*c);
            }
            None => {
                return Err(ApiError::field(
                    "compliance_failing",
                    "unknown_check",
                    format!(
                        "{} is not a compliance check",
                        name.chars().take(40).collect::<String>()
                    ),
                ))
            }
        }
    }
    if names.is_empty() {
        return Err(ApiError::field(
            "compliance_failing",
            "required",
            "name at least one compliance check",
        ));
    }
    Ok(Some(names))
}

/// The checks a cooperative fails today, in the order of [`CHECKS`].
pub fn failing_checks(conn: &mut DbConn, id: i64) -> ApiResult<Vec<&'static str>> {
    Ok(failing_checks_of(conn, &[id])?
        .remove(&id)
        .unwrap_or_default())
}

/// [`failing_checks`] of several cooperatives, their facts gathered in one query per table
/// (`compliance_facts_of`): a page of the list or a chunk of an export costs the same few
/// statements whatever its size.
pub fn failing_checks_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<&'static str>>> {
    Ok(compliance_facts_of(conn, ids, today())?
        .into_iter()
        .map(|(id, facts)| {
            let failing = compliance::evaluate(&facts)
                .into_iter()
                .filter(|c| !c.passed)
                .map(|c| c.check)
                .collect();
            (id, failing)
        })
        .collect())
}

/// Whether any of `wanted` is among `failing`.
pub fn fails_any(failing: &[&str], wanted: &BTreeSet<&'static str>) -> bool {
    failing.iter().any(|f| wanted.contains(f))
}

/// One examined stretch of the scope: the cooperatives failing a wanted check (with the checks
/// they fail), the last id examined, and whether the stretch ended before the scope did.
pub struct Walked {
    pub matches: Vec<(Cooperative, Vec<&'static str>)>,
    pub last_examined: Option<i64>,
    pub more: bool,
}

/// Examines up to `budget` cooperatives after `after` (in batches of [`BATCH`]), stopping
/// early once `want` of them fail a wanted check.
pub fn walk(
    conn: &mut DbConn,
    scope: &CoopScope,
    filter: &CoopFilter,
    wanted: &BTreeSet<&'static str>,
    after: Option<i64>,
    want: usize,
    budget: usize,
) -> ApiResult<Walked> {
    let mut out = Walked {
        matches: Vec::new(),
        last_examined: after,
        more: false,
    };
    let mut examined = 0;
    loop {
        let room = (budget - examined).min(BATCH as usize) as i64;
        let rows = coop::list(conn, scope, filter, out.last_examined, room)?;
        let full = rows.len() as i64 == room;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let mut checks = failing_checks_of(conn, &ids)?;
        for c in rows {
            examined += 1;
            out.last_examined = Some(c.id);
            let failing = checks.remove(&c.id).unwrap_or_default();
            if fails_any(&failing, wanted) {
                out.matches.push((c, failing));
                if out.matches.len() == want {
                    // Whether more follow is only known by looking; say there may be.
                    out.more = true;
                    return Ok(out);
                }
            }
        }
        if !full {
            return Ok(out);
        }
        if examined >= budget {
            out.more = true;
            return Ok(out);
        }
    }
}

/// One page of the list filtered by failing checks: up to `limit` cooperatives and the cursor
/// to continue from (the last match of a full page, else the last cooperative examined when
/// the budget ran out; none at the end of the scope).
pub fn page(
    conn: &mut DbConn,
    scope: &CoopScope,
    filter: &CoopFilter,
    wanted: &BTreeSet<&'static str>,
    page: Page,
) -> ApiResult<(Vec<Cooperative>, Option<String>)> {
    let limit = page.limit as usize;
    let w = walk(
        conn,
        scope,
        filter,
        wanted,
        page.after,
        limit + 1,
        SCAN_BUDGET,
    )?;
    let mut rows: Vec<Cooperative> = w.matches.into_iter().map(|(c, _)| c).collect();
    let cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|c| encode_cursor(c.id))
    } else if w.more {
        w.last_examined.map(encode_cursor)
    } else {
        None
    };
    Ok((rows, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        let got = parse(Some("farmer_share, annual_report,,farmer_share"))
            .unwrap()
            .unwrap();
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec!["annual_report", "farmer_share"]
        );
        assert!(parse(None).unwrap().is_none());
        assert!(parse(Some("farmer_share,nope")).is_err());
        assert!(parse(Some(" , ")).is_err());
        let wanted = parse(Some("charter")).unwrap().unwrap();
        assert!(fails_any(&["governance", "charter"], &wanted));
        assert!(!fails_any(&["governance"], &wanted));
    }
}
