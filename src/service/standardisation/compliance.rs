//! A cooperative's compliance with the cooperative law, computed from its records.

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
use crate::error::ApiResult;
use crate::views::standardisation::ComplianceOut;

/// Gathers the facts the compliance checks need.
pub fn compliance_facts(conn: &mut DbConn, id: i64, today: NaiveDate) -> ApiResult<Facts> {
    let members = MemberCounts::of(
        member::active_rows(conn, &[id])?
            .into_iter()
            .map(|(_, member_type, _)| MemberType::parse(&member_type)),
    );
    let governance = gov::find(conn, id)?.map(|g| GovernanceFacts {
        charter_adopted_on: g.charter_adopted_on,
        member_assembly: g.member_assembly,
        board_chair: g.board_chair.clone(),
        board_members: Governance::list(&g.board_members),
        supervisors: Governance::list(&g.supervisors),
        bookkeeper: g.bookkeeper.clone(),
    });
    let facts = |r: AnnualReport| ReportFacts {
        year: r.year,
        status: r.status,
        published_on: r.published_on,
        surplus_fen: r.surplus_fen,
        surplus_returned_by_transactions_fen: r.surplus_returned_by_transactions_fen,
    };
    Ok(Facts {
        members,
        governance,
        last_published: report::last_published(conn, id)?.map(facts),
        last_year: report::find(conn, id, today.year() - 1)?.map(facts),
        meetings: meeting_facts(conn, id, today)?,
        distribution: books::last_adopted(conn, id)?.map(|d| DistributionFacts {
            year: d.year,
            distributable_fen: d.distributable_fen,
            by_transactions_fen: d.by_transactions_fen,
        }),
        today,
    })
}

/// What the meeting records say: the assembly of the last fiscal year, the last
/// representative assembly.
fn meeting_facts(conn: &mut DbConn, id: i64, today: NaiveDate) -> ApiResult<MeetingFacts> {
    let year = last_fiscal_year(today);
    let (from, to) = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
    );
    Ok(MeetingFacts {
        last_fiscal_year: year,
        assembly_in_last_fiscal_year: meeting::assembly_held(conn, id, from, to)?,
        last_representative_assembly: meeting::last_of_kind(
            conn,
            id,
            MeetingKind::RepresentativeAssembly,
        )?,
    })
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
