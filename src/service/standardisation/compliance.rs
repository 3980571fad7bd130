//! A cooperative's compliance with the cooperative law, computed from its records.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::auth::{Access, Caller, Resource};
use crate::db::models::annual_report::{self as report, AnnualReport};
use crate::db::models::governance::{self as gov, Governance};
use crate::db::models::{books, meeting, member, today};
use crate::db::DbConn;
use crate::domain::compliance::{
    self, DistributionFacts, Facts, GovernanceFacts, MeetingFacts, MemberCounts, ReportFacts,
};
use crate::domain::meeting::{last_fiscal_year, MeetingKind};
use crate::domain::member::MemberType;
use crate::error::{ApiError, ApiResult};
use crate::views::standardisation::ComplianceOut;

/// Gathers the facts the compliance checks need.
pub fn compliance_facts(conn: &mut DbConn, id: i64, today: NaiveDate) -> ApiResult<Facts> {
    compliance_facts_of(conn, &[id], today)?
        .remove(&id)
        .ok_or(ApiError::NotFound)
}

/// [`compliance_facts`] for several cooperatives at once: one query per table for them all
/// (members, governance, reports published and of last year, assemblies, representative
/// assemblies, adopted distributions), however many they are (keep them to a page of a few
/// hundred: the ids go to the database as parameters). Every id gets its facts.
pub fn compliance_facts_of(
    conn: &mut DbConn,
    ids: &[i64],
    today: NaiveDate,
) -> ApiResult<HashMap<i64, Facts>> {
    let mut types: HashMap<i64, Vec<Option<MemberType>>> = HashMap::new();
    for (coop, member_type, _) in member::active_rows(conn, ids)? {
        types
            .entry(coop)
            .or_default()
            .push(MemberType::parse(&member_type));
    }
    let mut governance: HashMap<i64, GovernanceFacts> = gov::find_many(conn, ids)?
        .into_iter()
        .map(|g| {
            (
                g.cooperative_id,
                GovernanceFacts {
                    charter_adopted_on: g.charter_adopted_on,
                    member_assembly: g.member_assembly,
                    board_chair: g.board_chair.clone(),
                    board_members: Governance::list(&g.board_members),
                    supervisors: Governance::list(&g.supervisors),
                    bookkeeper: g.bookkeeper.clone(),
                },
            )
        })
        .collect();
    let facts = |r: &AnnualReport| ReportFacts {
        year: r.year,
        status: r.status,
        published_on: r.published_on,
        surplus_fen: r.surplus_fen,
        surplus_returned_by_transactions_fen: r.surplus_returned_by_transactions_fen,
    };
    let mut last_published: HashMap<i64, AnnualReport> = HashMap::new();
    for r in report::published_of(conn, ids)? {
        match last_published.get(&r.cooperative_id) {
            Some(kept) if kept.year >= r.year => {}
            _ => {
                last_published.insert(r.cooperative_id, r);
            }
        }
    }
    let mut last_year: HashMap<i64, ReportFacts> = report::for_year(conn, ids, today.year() - 1)?
        .iter()
        .map(|r| (r.cooperative_id, facts(r)))
        .collect();
    let year = last_fiscal_year(today);
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
    );
    let assemblies: HashMap<i64, Option<NaiveDate>> =
        meeting::assemblies_held(conn, ids, from, to)?
            .into_iter()
            .collect();
    let representative: HashMap<i64, Option<NaiveDate>> =
        meeting::last_of_kind_of(conn, ids, MeetingKind::RepresentativeAssembly)?
            .into_iter()
            .collect();
    let mut distributions: HashMap<i64, books::Distribution> = HashMap::new();
    for d in books::adopted_of(conn, ids)? {
        match distributions.get(&d.cooperative_id) {
            Some(kept) if kept.year >= d.year => {}
            _ => {
                distributions.insert(d.cooperative_id, d);
            }
        }
    }
    Ok(ids
        .iter()
        .map(|&id| {
            let f = Facts {
                members: MemberCounts::of(types.remove(&id).unwrap_or_default()),
                governance: governance.remove(&id),
                last_published: last_published.get(&id).map(facts),
                last_year: last_year.remove(&id),
                meetings: MeetingFacts {
                    last_fiscal_year: year,
                    assembly_in_last_fiscal_year: assemblies.get(&id).copied().flatten(),
                    last_representative_assembly: representative.get(&id).copied().flatten(),
                },
                distribution: distributions.get(&id).map(|d| DistributionFacts {
                    year: d.year,
                    distributable_fen: d.distributable_fen,
                    by_transactions_fen: d.by_transactions_fen,
                }),
                today,
            };
            (id, f)
        })
        .collect())
}

/// Every check of the law for a cooperative in scope, computed today.
pub fn compliance(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ComplianceOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    caller.cooperative(conn, id)?;
    let today = today();
    let checks = compliance::evaluate(&compliance_facts(conn, id, today)?);
    Ok(ComplianceOut {
        cooperative_id: id,
        evaluated_on: today,
        passed_all: checks.iter().all(|c| c.passed),
        checks,
    })
}
