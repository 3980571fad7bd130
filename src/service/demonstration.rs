//! Demonstration cooperatives (示范社): applications with gates and a score, the district's
//! decision, the directory (名录) against the yearly quota, and monitoring every two years.

use chrono::{Datelike, NaiveDate};

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::models::demonstration::{
    self as demo, Application, ApplicationFilter, NewApplication,
};
use crate::db::models::governance::{self as gov, Governance};
use crate::db::models::{annual_report, member, now, today};
use crate::db::DbConn;
use crate::domain::cooperative::CoopStatus;
use crate::domain::demonstration::{
    self as rules, DueReport, GateFacts, PublishedFigures, ScoreInputs, YEARLY_QUOTA,
};
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::{ensure_operating, set_derived};
use crate::views::demonstration::{
    ApplicationFilterParams, ApplicationIn, ApplicationOut, DecisionIn, DirectoryEntry,
    DirectoryOut, DirectoryParams, DueEntry, MonitoringIn, MonitoringOut, Quota,
};
use crate::views::pagination::{ListResponse, PageParams};

/// 422 on `year` unless it is a rating year (2021 to this year).
fn check_rating_year(year: i32, today: NaiveDate) -> ApiResult<()> {
    if rules::rating_year_ok(year, today) {
        Ok(())
    } else {
        Err(ApiError::field(
            "year",
            "range",
            format!(
                "must be between {} and {}",
                rules::FIRST_RATING_YEAR,
                today.year()
            ),
        ))
    }
}

/// The facts the gates need, from the registry.
pub fn gate_facts(conn: &mut DbConn, c: &Cooperative, today: NaiveDate) -> ApiResult<GateFacts> {
    let g = gov::find(conn, c.id)?;
    let due = rules::last_due_year(today);
    let report = annual_report::find(conn, c.id, due)?;
    Ok(GateFacts {
        established_on: c.established_on,
        charter_adopted: g.as_ref().is_some_and(|g| g.charter_adopted_on.is_some()),
        member_assembly: g.as_ref().is_some_and(|g| g.member_assembly),
        board: g.as_ref().is_some_and(|g| {
            g.board_chair.is_some() && !Governance::list(&g.board_members).is_empty()
        }),
        supervisors: g
            .as_ref()
            .is_some_and(|g| !Governance::list(&g.supervisors).is_empty()),
        last_due_report: report.map(|r| DueReport {
            year: r.year,
            status: r.status,
            late: r.late,
        }),
        abnormal: c.status == CoopStatus::Abnormal,
        current_level: c.demonstration_level,
        today,
    })
}

/// The score's inputs, from the registry: members, capital, the last published report, and
/// counselor guidance with findings over the window before `today`.
pub fn score_inputs(
    conn: &mut DbConn,
    c: &Cooperative,
    today: NaiveDate,
) -> ApiResult<ScoreInputs> {
    let since = rules::counselor_window_start(today);
    let visits = demo::counselor_findings_since(conn, c.id, since)?;
    let members = member::active_rows(conn, &[c.id])?.len();
    let report = annual_report::last_published(conn, c.id)?.map(|r| PublishedFigures {
        operating_revenue_fen: r.operating_revenue_fen,
        surplus_fen: r.surplus_fen,
        surplus_returned_by_transactions_fen: r.surplus_returned_by_transactions_fen,
        member_income_fen: r.member_income_fen,
    });
    Ok(rules::score_inputs(
        members,
        c.registered_capital_fen,
        report.as_ref(),
        visits,
    ))
}

/// Records an application for a title: every gate checked; an ineligible one is kept with
/// its reasons, an eligible one is pending with its score. The district only; the year a
/// rating year; the cooperative in scope (else 422) and operating; no other pending or
/// approved application for the same level and year (409).
pub fn apply(conn: &mut DbConn, caller: &Caller, b: ApplicationIn) -> ApiResult<ApplicationOut> {
    caller.require(Resource::Demonstration, Access::Write)?;
    let today = today();
    check_rating_year(b.year, today)?;
    let c = match caller.cooperative(conn, b.cooperative_id) {
        Err(ApiError::NotFound) => {
            return Err(ApiError::field(
                "cooperative_id",
                "unknown",
                "no such cooperative",
            ))
        }
        other => other?,
    };
    ensure_operating(&c)?;
    let document_ids = b.document_ids.clone().unwrap_or_default();
    let cited: Vec<(String, i64)> = document_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("document_ids.{i}"), *id))
        .collect();
    let unknown = crate::service::books::documents::check_cited(conn, c.id, &cited)?;
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    if demo::open_duplicate(conn, c.id, b.level, b.year)? {
        return Err(ApiError::Conflict(format!(
            "cooperative {} already has a pending or approved {} application for {}",
            c.id, b.level, b.year
        )));
    }
    let gates = rules::gates(b.level, &gate_facts(conn, &c, today)?);
    let eligible = rules::eligible(&gates);
    let (score, breakdown) = if eligible {
        let (score, parts) = rules::score(&score_inputs(conn, &c, today)?);
        (
            Some(score),
            Some(serde_json::to_string(&parts).unwrap_or_default()),
        )
    } else {
        (None, None)
    };
    let at = now();
    let created = demo::insert(
        conn,
        &NewApplication {
            cooperative_id: c.id,
            level: b.level,
            year: b.year,
            status: rules::initial_status(eligible),
            eligible,
            gates: serde_json::to_string(&gates).unwrap_or_default(),
            score,
            score_breakdown: breakdown,
            version: 1,
            created_at: at,
            updated_at: at,
            document_ids: serde_json::to_string(&document_ids).unwrap_or_else(|_| "[]".into()),
        },
    )?;
    let out = ApplicationOut::from(created);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "demonstration_application",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the applications in the caller's scope.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    f: &ApplicationFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<ApplicationOut>> {
    caller.require(Resource::Demonstration, Access::Read)?;
    let page = page.page()?;
    let filter = ApplicationFilter {
        year: f.year,
        level: f.level,
        status: f.status,
        scope: caller.coop_scope(conn)?,
    };
    let list = page.load(
        conn,
        |conn, after, n| demo::list(conn, &filter, after, n),
        |conn| demo::count(conn, &filter),
        |a| a.id,
    )?;
    Ok(list.map(ApplicationOut::from))
}

fn application_in_scope(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<Application> {
    let a = demo::find(conn, id)?;
    caller.cooperative(conn, a.cooperative_id)?;
    Ok(a)
}

/// One application in the caller's scope.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ApplicationOut> {
    caller.require(Resource::Demonstration, Access::Read)?;
    Ok(ApplicationOut::from(application_in_scope(
        conn, caller, id,
    )?))
}

/// The district decides a pending application (409 otherwise). Approval gives the
/// cooperative the highest title it holds.
pub fn decide(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    approve: bool,
    body: Option<DecisionIn>,
) -> ApiResult<ApplicationOut> {
    caller.require(Resource::Demonstration, Access::Write)?;
    let note = body.and_then(|b| b.note);
    let actor = caller.actor();
    let a = application_in_scope(conn, caller, id)?;
    let status = rules::decision(a.status, approve).ok_or_else(|| {
        ApiError::Conflict(format!(
            "an application that is {} cannot be decided",
            a.status
        ))
    })?;
    demo::decide(
        conn,
        id,
        a.version,
        status,
        &actor.name,
        note.as_deref(),
        now(),
    )?;
    if approve {
        let c = coop::find(conn, &CoopScope::All, a.cooperative_id)?;
        let held = rules::highest(c.demonstration_level, a.level);
        set_derived(conn, &actor, "award_title", &c, |c| {
            c.demonstration_level = Some(held)
        })?;
    }
    let after = ApplicationOut::from(demo::find(conn, id)?);
    audit::record(
        conn,
        &actor,
        status.as_str(),
        "demonstration_application",
        &id.to_string(),
        Some(&ApplicationOut::from(a)),
        Some(&after),
    )?;
    Ok(after)
}

/// The titled cooperatives in scope; with `year`, those approved that year and the year's
/// quota against approvals.
pub fn directory(
    conn: &mut DbConn,
    caller: &Caller,
    p: &DirectoryParams,
) -> ApiResult<DirectoryOut> {
    caller.require(Resource::Demonstration, Access::Read)?;
    let scope = caller.coop_scope(conn)?;
    let rows = demo::titled(conn, &scope, p.level, p.town_code.as_deref())?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let years = demo::latest_approval_years(conn, &ids)?;
    let items: Vec<DirectoryEntry> = rows
        .into_iter()
        .filter_map(|c| {
            let level = c.demonstration_level?;
            let approved_year = years.get(&c.id).copied();
            if p.year.is_some() && approved_year != p.year {
                return None;
            }
            Some(DirectoryEntry {
                cooperative_id: c.id,
                name: c.name,
                town_code: c.town_code,
                level,
                approved_year,
            })
        })
        .collect();
    let quota = match p.year {
        Some(year) => {
            let scope = caller.coop_scope(conn)?;
            Some(Quota {
                year,
                target: YEARLY_QUOTA,
                approved: demo::approvals_in(conn, year, &scope)?,
            })
        }
        None => None,
    };
    Ok(DirectoryOut { items, quota })
}

/// The district records the monitoring of a titled cooperative (409 without a title); a
/// `fail` revokes the title.
pub fn record_monitoring(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    b: MonitoringIn,
) -> ApiResult<MonitoringOut> {
    caller.require(Resource::Demonstration, Access::Write)?;
    check_rating_year(b.year, today())?;
    let actor = caller.actor();
    let c = caller.cooperative(conn, id)?;
    let Some(level) = c.demonstration_level else {
        return Err(ApiError::Conflict(format!(
            "cooperative {id} holds no demonstration title"
        )));
    };
    let revoked = rules::revokes(b.result);
    let m = demo::record_monitoring(
        conn,
        id,
        b.year,
        b.result,
        b.notes.as_deref(),
        Some(level),
        revoked,
        &actor.name,
        now(),
    )?;
    if revoked {
        set_derived(conn, &actor, "revoke_title", &c, |c| {
            c.demonstration_level = None
        })?;
    }
    let out = MonitoringOut::from(m);
    audit::record(
        conn,
        &actor,
        "create",
        "demonstration_monitoring",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// The titled cooperatives in scope that are due for monitoring.
pub fn monitoring_due(conn: &mut DbConn, caller: &Caller) -> ApiResult<Vec<DueEntry>> {
    caller.require(Resource::Demonstration, Access::Read)?;
    let this_year = today().year();
    let scope = caller.coop_scope(conn)?;
    let rows = demo::titled(conn, &scope, None, None)?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let monitored = demo::latest_monitoring_years(conn, &ids)?;
    let approved = demo::latest_approval_years(conn, &ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let last_monitored = monitored.get(&c.id).copied();
            let approved_year = approved.get(&c.id).copied();
            let due = rules::monitoring_due(last_monitored, approved_year, this_year);
            let level = c.demonstration_level?;
            due.then_some(DueEntry {
                cooperative_id: c.id,
                name: c.name,
                level,
                last_monitored,
                approved_year,
            })
        })
        .collect())
}
