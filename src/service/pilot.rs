//! The pilot's progress dashboard: every figure computed from the data for the caller's
//! scope, against the plan's targets (MISSION.md).

use chrono::NaiveDate;

use crate::auth::{Access, Caller, Resource};
use crate::config::PilotTargets;
use std::collections::BTreeMap;

use crate::db::models::{annual_report, pilot as figures, pilot_on as past_on, reference, today};
use crate::db::DbConn;
use crate::domain::loan_state::LoanStatus;
use crate::domain::money::sum_fen;
use crate::domain::pilot::{self as rules, phase, UNASSESSED};
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::{counselors, federations};
use crate::views::pilot::{
    DemonstrationProgress, LoanProgress, OrderProgress, ParticipationProgress, PilotProgress,
    ProgressParams, PublicationProgress, RegistryProgress, TargetProgress,
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
    // Today's figures are the rows as they are (kept in the same transaction as every
    // change); a past day's come from the history each change leaves (`pilot_on`).
    let past = on < today();
    let end = past_on::end_of(on);
    let counts = if past {
        past_on::registry_counts(conn, view, on)?
    } else {
        figures::registry_counts(conn, view)?
    };
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

    let approved: BTreeMap<i32, i64> =
        figures::approved_titles_by_year(conn, view, past.then_some(end))?
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
    let (expected, published) = if past {
        (
            past_on::active_reporting(conn, view, on, report_year, false)?,
            past_on::active_reporting(conn, view, on, report_year, true)?,
        )
    } else {
        let p = annual_report::publication(conn, scope, report_year, town)?;
        (p.expected, p.published)
    };
    let annual_report_publication = PublicationProgress {
        year: report_year,
        expected,
        published,
        rate: rules::publication_rate(expected, published),
        target_rate: rules::PUBLICATION_TARGET_RATE,
    };

    // Coverage and federations: one path for today and past days (the periods they keep
    // are few; today's figures are the open periods).
    let counselor_coverage = counselors::coverage_on(conn, on, town)?;
    let federations_by_industry = federations::specialty_on(conn, on)?;

    let loan_rows = if past {
        loans_on(conn, view, end)?
    } else {
        figures::loans(conn, view)?
    };
    let loans = LoanProgress {
        count: loan_rows.len() as i64,
        amount_fen: sum_fen(loan_rows.iter().map(|l| l.amount_fen)),
        approved_amount_fen: sum_fen(loan_rows.iter().filter_map(|l| l.approved_amount_fen)),
        by_status: rules::tally(loan_rows.iter().map(|l| l.status.to_string())),
        by_bank: rules::tally(loan_rows.iter().map(|l| l.bank_code.clone())),
    };

    let orders = if past {
        past_on::orders(conn, view, end)?
            .into_iter()
            .map(|o| figures::OrderFigures {
                status: rules::order_status_before(
                    end,
                    o.accepted_at,
                    o.started_at,
                    o.completed_at,
                    o.cancelled_at,
                ),
                rating_score: o
                    .rating_score
                    .filter(|_| o.rated_at.is_some_and(|t| t < end)),
                service_type: o.service_type,
            })
            .collect()
    } else {
        figures::orders(conn, view)?
    };
    let scores: Vec<i32> = orders.iter().filter_map(|o| o.rating_score).collect();
    let service_orders = OrderProgress {
        count: orders.len() as i64,
        by_type: rules::tally(orders.iter().map(|o| o.service_type.clone())),
        by_status: rules::tally(orders.iter().map(|o| o.status.to_string())),
        average_rating: rules::mean_rating(&scores),
        ratings: scores.len() as i64,
    };

    let households = past_on::households(conn, view, on)?;
    // The district's total; a town has no figure of its own (nanchuan_towns.csv holds none).
    let rural_households = targets.rural_households.filter(|_| town.is_none());
    let participation = ParticipationProgress {
        households,
        rural_households,
        rate: rules::participation_rate(households, rural_households),
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
        participation,
    })
}

/// The loans in view as they stood before `end`: applied for by then, each with the status
/// its log held then (`submitted` before its first step), the approved amount only once
/// approved.
fn loans_on(
    conn: &mut DbConn,
    view: figures::InView,
    end: chrono::NaiveDateTime,
) -> ApiResult<Vec<figures::LoanFigures>> {
    let (rows, steps) = past_on::loans(conn, view, end)?;
    let last: std::collections::HashMap<i64, LoanStatus> = steps.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|l| {
            let status = last.get(&l.id).copied().unwrap_or(LoanStatus::Submitted);
            figures::LoanFigures {
                status,
                bank_code: l.bank_code,
                amount_fen: l.amount_fen,
                approved_amount_fen: l
                    .approved_amount_fen
                    .filter(|_| rules::approved_or_later(status)),
            }
        })
        .collect())
}
