//! Coverage of the towns by active counselors, and a year's ranking.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::counselor::{self as cm, Counselor, CounselorScope, CounselorScopeExt};
use crate::db::models::{coverage_history, reference};
use crate::db::DbConn;
use crate::domain::counselor::{self as rules, CounselorLevel, CoverageMap};
use crate::error::{ApiError, ApiResult};
use crate::views::counselors::{
    AreaCoverage, CounselorBrief, Coverage, RankingEntry, RankingParams, Rankings, TownCoverage,
    TownRef,
};
use crate::views::pilot::CoverageProgress;

/// The coverage as the caller may see it: every count, names only of visible counselors.
pub fn coverage(conn: &mut DbConn, caller: &Caller) -> ApiResult<Coverage> {
    caller.require(Resource::Counselors, Access::Read)?;
    let scope = caller.counselor_scope(conn)?;
    build_coverage(conn, &scope)
}

/// Builds the coverage view for a counselor scope, as it is now (the dashboard counts by
/// [`coverage_on`]).
pub fn build_coverage(conn: &mut DbConn, scope: &CounselorScope) -> ApiResult<Coverage> {
    let towns = reference::all_towns(conn)?;
    let counselors: BTreeMap<i64, Counselor> = cm::all(conn)?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| (c.id, c))
        .collect();
    let mut visible = BTreeSet::new();
    for id in counselors.keys() {
        if scope.allows(conn, *id)? {
            visible.insert(*id);
        }
    }
    let map = CoverageMap::new(cm::all_coverage(conn)?, |id| counselors.contains_key(&id));
    let codes: Vec<String> = towns.iter().map(|t| t.code.clone()).collect();
    let covered = map.covered();
    let uncovered: BTreeSet<String> = rules::towns_without_counselor(&codes, &covered)
        .into_iter()
        .cloned()
        .collect();
    let mut out_towns = Vec::new();
    let mut without = Vec::new();
    for t in &towns {
        let ids = map.per_town.get(&t.code).cloned().unwrap_or_default();
        out_towns.push(TownCoverage {
            town_code: t.code.clone(),
            name: t.name.clone(),
            counselor_count: ids.len() as i64,
            counselors: ids
                .iter()
                .filter(|id| visible.contains(id))
                .filter_map(|id| counselors.get(id).map(CounselorBrief::from))
                .collect(),
        });
        if uncovered.contains(&t.code) {
            without.push(TownRef {
                town_code: t.code.clone(),
                name: t.name.clone(),
            });
        }
    }
    let mut areas: BTreeMap<String, (Vec<CounselorBrief>, BTreeSet<String>)> = BTreeMap::new();
    for c in counselors.values() {
        if c.level != CounselorLevel::District || !visible.contains(&c.id) {
            continue;
        }
        let Some(area) = &c.area else { continue };
        let entry = areas.entry(area.clone()).or_default();
        entry.0.push(CounselorBrief::from(c));
        entry
            .1
            .extend(map.per_counselor.get(&c.id).cloned().unwrap_or_default());
    }
    Ok(Coverage {
        towns_total: towns.len() as i64,
        towns_covered: (towns.len() - without.len()) as i64,
        towns: out_towns,
        towns_without_counselor: without,
        areas: areas
            .into_iter()
            .map(|(area, (counselors, towns))| AreaCoverage {
                area,
                counselors,
                town_codes: towns.into_iter().collect(),
            })
            .collect(),
    })
}

/// The dashboard's coverage at the end of `on` (today included): every town of the district
/// (or only `town`), covered when a counselor in post that day covered it (the periods of
/// `coverage_history`; inactive counselors cover nothing).
pub fn coverage_on(
    conn: &mut DbConn,
    on: NaiveDate,
    town: Option<&str>,
) -> ApiResult<CoverageProgress> {
    let map = CoverageMap::new(coverage_history::covering_on(conn, on)?, |_| true);
    let towns: Vec<String> = reference::all_towns(conn)?
        .into_iter()
        .map(|t| t.code)
        .filter(|code| town.is_none_or(|t| code == t))
        .collect();
    let without: Vec<String> = towns
        .iter()
        .filter(|code| map.count(code) == 0)
        .cloned()
        .collect();
    Ok(CoverageProgress {
        towns_total: towns.len() as i64,
        towns_covered: (towns.len() - without.len()) as i64,
        towns_without_counselor: without,
    })
}

/// The counselors evaluated in a year, best first, with their visits and trainings that
/// year; the caller sees the entries of the counselors it may see (ranks count everyone).
pub fn rankings(conn: &mut DbConn, caller: &Caller, params: &RankingParams) -> ApiResult<Rankings> {
    caller.require(Resource::Counselors, Access::Read)?;
    let year = params.year;
    let scope = caller.counselor_scope(conn)?;
    let evaluations = cm::evaluations_in(conn, year)?;
    let order = rules::ranked(
        evaluations
            .iter()
            .map(|e| (e.counselor_id, e.score))
            .collect(),
    );
    let (from, to) = rules::year_window(year)
        .ok_or_else(|| ApiError::field("year", "range", "not a valid year"))?;
    let visits = rules::tally(cm::visit_counselors_between(conn, from, to)?);
    let trainings = rules::tally(cm::training_counselors_between(conn, from, to)?);
    let ids: Vec<i64> = order.iter().map(|r| r.counselor_id).collect();
    let mut towns = cm::towns_of(conn, &ids)?;
    let people: HashMap<i64, Counselor> = cm::by_ids(conn, &ids)?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let by_id: HashMap<i64, _> = evaluations.iter().map(|e| (e.counselor_id, e)).collect();
    let mut items = Vec::new();
    for r in &order {
        let id = r.counselor_id;
        if !scope.allows(conn, id)? {
            continue;
        }
        let (Some(e), Some(c)) = (by_id.get(&id), people.get(&id)) else {
            continue;
        };
        items.push(RankingEntry {
            rank: r.rank,
            counselor_id: id,
            name: c.name.clone(),
            level: c.level,
            town_codes: towns.remove(&id).unwrap_or_default(),
            score: r.score,
            rating: e.rating,
            reward: e.reward.clone(),
            reward_fen: e.reward_fen,
            visits: visits.get(&id).copied().unwrap_or(0),
            trainings: trainings.get(&id).copied().unwrap_or(0),
        });
    }
    Ok(Rankings {
        year,
        items,
        evaluated: order.len() as i64,
    })
}
