//! The pilot's progress dashboard: every figure computed from the data for the caller's
//! scope, against the plan's targets (MISSION.md).

use chrono::NaiveDate;

use crate::auth::{Access, Caller, Resource};
use crate::config::PilotTargets;
use crate::db::models::counselor::CounselorScope;
use std::collections::BTreeMap;

use crate::db::models::{annual_report, pilot as figures, reference, today};
use crate::db::DbConn;
use crate::domain::money::sum_fen;
use crate::domain::pilot::{self as rules, phase, UNASSESSED};
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::{counselors, federations};
use crate::views::pilot::{
    CoverageProgress, DemonstrationProgress, FederationProgress, IndustryProgress, LoanProgress,
    OrderProgress, PilotProgress, ProgressParams, PublicationProgress, RegistryProgress,
    TargetProgress,
};

/// The dashboard for the caller (who must read demonstration), on `params.on` (default
/// today), narrowed to `params.town_code` (which must be a town, else 422).
pub fn progress(
    conn: &mut DbConn,
    caller: &Caller,
    params: &ProgressParams,
    targets: &PilotTargets,
) -> ApiResult<PilotProgress> {
    caller.require(Resource::Demonstration, Access::Read)?;
    let on = params.on.unwrap_or_else(today);
    if let Some(t) = &params.town_code {
        if !reference::town_exists(conn, t)? {
            return Err(ApiError::field(
                "town_code",
                "unknown_code",
                format!("{t} is not a town of this district"),
            ));
        }
    }
    let scope = caller.coop_scope(conn)?;
    compute(conn, &scope, params.town_code.as_deref(), on, targets)
}

/// Computes the dashboard for a cooperative scope, narrowed to `town` if given.
pub fn compute(
    conn: &mut DbConn,
    scope: &CoopScope,
    town: Option<&str>,
    on: NaiveDate,
    targets: &PilotTargets,
) -> ApiResult<PilotProgress> {
    // The cooperatives in view, counted by status, tier and title in SQL.
    let view = figures::InView { scope, town };
    let counts = figures::registry_counts(conn, view)?;
    let mut by_status = BTreeMap::new();
    let mut by_tier = BTreeMap::new();
    let mut by_level = BTreeMap::new();
    for (status, tier, level, n) in &counts {
        *by_status.entry(status.to_string()).or_insert(0) += n;
        let tier = tier.map_or_else(|| UNASSESSED.to_string(), |t| t.to_string());
        *by_tier.entry(tier).or_insert(0) += n;
        if let Some(l) = level {
            *by_level.entry(l.to_string()).or_insert(0) += n;
        }
    }
    let registry = RegistryProgress {
        total: counts.iter().map(|c| c.3).sum(),
        by_status,
        by_tier,
    };

    let approved: BTreeMap<i32, i64> = figures::approved_titles_by_year(conn, view)?
        .into_iter()
        .collect();
    let by_year = rules::quota_years(on)
        .map(|y| {
            (
                y.to_string(),
                TargetProgress {
                    target: targets.demonstration_per_year,
                    achieved: approved.get(&y).copied().unwrap_or(0),
                },
            )
        })
        .collect();
    let demonstration = DemonstrationProgress {
        target_total: targets.demonstration_total,
        achieved: by_level.values().sum(),
        by_level,
        by_year,
    };

    let report_year = rules::report_year(on);
    let annual_report::Publication {
        expected,
        published,
    } = annual_report::publication(conn, scope, report_year, town)?;
    let annual_report_publication = PublicationProgress {
        year: report_year,
        expected,
        published,
        rate: rules::publication_rate(expected, published),
        target_rate: rules::PUBLICATION_TARGET_RATE,
    };

    let coverage = counselors::build_coverage(conn, &CounselorScope::All)?;
    let towns: Vec<_> = coverage
        .towns
        .iter()
        .filter(|t| town.is_none_or(|code| t.town_code == code))
        .collect();
    let counselor_coverage = CoverageProgress {
        towns_total: towns.len() as i64,
        towns_covered: towns.iter().filter(|t| t.counselor_count > 0).count() as i64,
        towns_without_counselor: towns
            .iter()
            .filter(|t| t.counselor_count == 0)
            .map(|t| t.town_code.clone())
            .collect(),
    };

    let feds = federations::by_industry(conn)?;
    let specialty: Vec<IndustryProgress> = feds
        .items
        .iter()
        .filter(|i| i.specialty)
        .map(|i| IndustryProgress {
            industry_code: i.industry_code.clone(),
            name: i.name.clone(),
            active_federations: i.active_union_cooperatives + i.active_industrial_consortia,
            federations: i.federations.len() as i64,
            covered: i.covered,
        })
        .collect();
    let federations_by_industry = FederationProgress {
        specialty_total: feds.specialty_total,
        specialty_covered: feds.specialty_covered,
        specialty_without_federation: feds.specialty_industries_without_federation.clone(),
        specialty,
    };

    let loan_rows = figures::loans(conn, view)?;
    let loans = LoanProgress {
        count: loan_rows.len() as i64,
        amount_fen: sum_fen(loan_rows.iter().map(|l| l.amount_fen)),
        approved_amount_fen: sum_fen(loan_rows.iter().filter_map(|l| l.approved_amount_fen)),
        by_status: rules::tally(loan_rows.iter().map(|l| l.status.to_string())),
        by_bank: rules::tally(loan_rows.iter().map(|l| l.bank_code.clone())),
    };

    let orders = figures::orders(conn, view)?;
    let scores: Vec<i32> = orders.iter().filter_map(|o| o.rating_score).collect();
    let service_orders = OrderProgress {
        count: orders.len() as i64,
        by_type: rules::tally(orders.iter().map(|o| o.service_type.clone())),
        by_status: rules::tally(orders.iter().map(|o| o.status.to_string())),
        average_rating: rules::mean_rating(&scores),
        ratings: scores.len() as i64,
    };

    Ok(PilotProgress {
        on,
        phase: phase(on),
        town_code: town.map(str::to_string),
        cooperatives: registry,
        demonstration,
        annual_report_publication,
        counselor_coverage,
        federations_by_industry,
        loans,
        service_orders,
    })
}
