//! Demonstration cooperatives (示范社): applications with gates and a score, approval,
//! the directory (名录) against the yearly quota, and monitoring every two years.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::policy::CoopScope;
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::models::demonstration::{
    self as demo, Application, ApplicationFilter, NewApplication,
};
use crate::db::models::governance::{self as gov, Governance};
use crate::db::models::{annual_report, member, now, today};
use crate::db::schema::cooperatives;
use crate::db::DbConn;
use crate::domain::annual_report::ReportStatus;
use crate::domain::cooperative::CoopStatus;
use crate::domain::cooperative::{text_enum, DemonstrationLevel};
use crate::domain::demonstration::{
    self as rules, Gate, GateFacts, ScoreInputs, ScorePart, MONITORING_INTERVAL_YEARS,
};
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::ensure_operating;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

/// The plan's yearly quota of new demonstration cooperatives (≥ 7 a year).
pub const YEARLY_QUOTA: i64 = 7;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_application)
        .service(list_applications)
        .service(get_application)
        .service(approve_application)
        .service(reject_application)
        .service(directory)
        .service(record_monitoring)
        .service(monitoring_due);
}

text_enum! {
    /// Where an application stands.
    ApplicationStatus {
        /// A gate failed; kept with its reasons.
        Ineligible => "ineligible",
        /// Eligible, waiting for the district's decision.
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

text_enum! {
    MonitoringResult {
        Pass => "pass",
        /// Revokes the title.
        Fail => "fail",
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "level": "district", "year": 2026}))]
pub struct ApplicationIn {
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    /// The rating year (2021 onwards, not in the future).
    pub year: i32,
}

/// An application for a demonstration title.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cooperative_id": 1, "level": "district", "year": 2026, "status": "pending", "eligible": true,
    "gates": [{"gate": "operating_two_years", "passed": true, "reason": "established on 2015-03-18; at least 2 years of operation are required"}],
    "score": 74, "score_breakdown": [{"factor": "members", "value": 52.0, "weight": 20, "points": 6.93}],
    "decided_by": null, "decided_at": null, "decision_note": null, "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct ApplicationOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    pub year: i32,
    pub status: ApplicationStatus,
    /// Every gate passed.
    pub eligible: bool,
    /// Each gate of RULES.md with its result and reason.
    pub gates: Vec<Gate>,
    /// 0–100, computed when eligible.
    pub score: Option<i32>,
    pub score_breakdown: Option<Vec<ScorePart>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct StoredPart {
    factor: String,
    value: f64,
    weight: u32,
    points: f64,
}

impl From<Application> for ApplicationOut {
    fn from(a: Application) -> Self {
        #[derive(Deserialize)]
        struct StoredGate {
            gate: String,
            passed: bool,
            reason: String,
        }
        let gates: Vec<StoredGate> = serde_json::from_str(&a.gates).unwrap_or_default();
        let parts: Option<Vec<StoredPart>> = a
            .score_breakdown
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        ApplicationOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            level: DemonstrationLevel::parse(&a.level).unwrap_or(DemonstrationLevel::District),
            year: a.year,
            status: ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::Ineligible),
            eligible: a.eligible,
            gates: gates
                .into_iter()
                .map(|g| Gate {
                    gate: g.gate,
                    passed: g.passed,
                    reason: g.reason,
                })
                .collect(),
            score: a.score,
            score_breakdown: parts.map(|p| {
                p.into_iter()
                    .map(|p| ScorePart {
                        factor: p.factor,
                        value: p.value,
                        weight: p.weight,
                        points: p.points,
                    })
                    .collect()
            }),
            decided_by: a.decided_by,
            decided_at: a.decided_at.map(|t| t.and_utc()),
            decision_note: a.decision_note,
            created_at: a.created_at.and_utc(),
        }
    }
}

/// The facts the gates need, from the registry.
fn gate_facts(conn: &mut DbConn, c: &Cooperative, today: NaiveDate) -> ApiResult<GateFacts> {
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
        last_due_report: report.map(|r| {
            (
                r.year,
                ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Draft),
                r.late,
            )
        }),
        abnormal: c.status == CoopStatus::Abnormal,
        current_level: c.demonstration_level,
        today,
    })
}

/// The score's inputs, from the registry: members, capital, the last published report, and
/// counselor guidance.
fn score_inputs(
    conn: &mut DbConn,
    c: &Cooperative,
    counselor_visits: i64,
) -> ApiResult<ScoreInputs> {
    let members = member::active_rows(conn, &[c.id])?.len() as f64;
    let report = annual_report::last_published(conn, c.id)?;
    Ok(ScoreInputs {
        members,
        registered_capital_fen: c.registered_capital_fen as f64,
        operating_revenue_fen: report
            .as_ref()
            .map(|r| r.operating_revenue_fen as f64)
            .unwrap_or(0.0),
        surplus_return_ratio: report
            .as_ref()
            .filter(|r| r.surplus_fen > 0)
            .map(|r| r.surplus_returned_by_transactions_fen as f64 / r.surplus_fen as f64)
            .unwrap_or(0.0),
        member_income_fen: report
            .as_ref()
            .and_then(|r| r.member_income_fen)
            .unwrap_or(0) as f64,
        counselor_visits: counselor_visits as f64,
    })
}

/// Counselor guidance visits to the cooperative since `since` that recorded findings.
pub fn counselor_visits(
    conn: &mut DbConn,
    cooperative_id: i64,
    since: NaiveDate,
) -> ApiResult<i64> {
    use crate::db::schema::counselor_visits;
    Ok(counselor_visits::table
        .filter(counselor_visits::cooperative_id.eq(cooperative_id))
        .filter(counselor_visits::visited_on.ge(since))
        .filter(counselor_visits::findings.ne(""))
        .count()
        .get_result(conn)?)
}

/// Apply for a title.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "createDemonstrationApplication",
    summary = "Apply for a demonstration title",
    description = "Checks every gate of RULES.md (operating ≥ 2 years, charter, governance bodies, last report published on time, not on the abnormal list, and for municipal a district title, for national a municipal one). A failed gate makes the application `ineligible` — kept, with the reasons. An eligible one is `pending` with a 0–100 `score` and its breakdown (weights are data: `domain::demonstration::WEIGHTS`).",
    request_body = ApplicationIn,
    responses(
        (status = 201, description = "Recorded (eligible or not)", body = ApplicationOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district rates demonstration cooperatives"),
        (status = 409, description = "A pending or approved application for the same level and year exists, or the cooperative is closed"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "Unknown cooperative, bad level, or a year outside 2021–this year")
    )
)]
#[post("/demonstration-applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<ApplicationIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Write)?;
    let b = body.0;
    let today = today();
    if !(2021..=today.year()).contains(&b.year) {
        return Err(ApiError::field(
            "year",
            "range",
            format!("must be between 2021 and {}", today.year()),
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let c = match user.cooperative(conn, b.cooperative_id) {
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
            if demo::open_duplicate(conn, c.id, b.level.as_str(), b.year)? {
                return Err(ApiError::Conflict(format!(
                    "cooperative {} already has a pending or approved {} application for {}",
                    c.id, b.level, b.year
                )));
            }
            let gates = rules::gates(b.level, &gate_facts(conn, &c, today)?);
            let eligible = gates.iter().all(|g| g.passed);
            let (score, breakdown) = if eligible {
                let since = today.checked_sub_days(Days::new(730)).unwrap_or(today);
                let visits = counselor_visits(conn, c.id, since)?;
                let (score, parts) = rules::score(&score_inputs(conn, &c, visits)?);
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
                    level: b.level.as_str().into(),
                    year: b.year,
                    status: if eligible {
                        ApplicationStatus::Pending
                    } else {
                        ApplicationStatus::Ineligible
                    }
                    .as_str()
                    .into(),
                    eligible,
                    gates: serde_json::to_string(&gates).unwrap_or_default(),
                    score,
                    score_breakdown: breakdown,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            let out = ApplicationOut::from(created);
            audit::record(
                conn,
                &actor,
                "create",
                "demonstration_application",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilterParams {
    pub year: Option<i32>,
    pub level: Option<DemonstrationLevel>,
    pub status: Option<ApplicationStatus>,
}

/// The ids of the cooperatives in the caller's scope (`None` = all).
fn scope_ids(conn: &mut DbConn, user: &Caller) -> ApiResult<Option<Vec<i64>>> {
    let scope = user.coop_scope(conn)?;
    Ok(coop::visible_ids(conn, &scope, None)?)
}

/// List applications.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "listDemonstrationApplications",
    summary = "List demonstration applications",
    description = "Applications in the caller's scope, by year, level and status.",
    params(ApplicationFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of applications", body = ListResponse<ApplicationOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read demonstration data"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/demonstration-applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<ApplicationFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Read)?;
    let page = page.page()?;
    let f = filters.0;
    let list = state
        .db(move |conn| {
            let filter = ApplicationFilter {
                year: f.year,
                level: f.level.map(|l| l.as_str().to_string()),
                status: f.status.map(|s| s.as_str().to_string()),
                cooperative_ids: scope_ids(conn, &user)?,
            };
            let rows = demo::list(conn, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(demo::count(conn, &filter)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |a| a.id).map(ApplicationOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

fn application_in_scope(conn: &mut DbConn, user: &Caller, id: i64) -> ApiResult<Application> {
    let a = demo::find(conn, id)?;
    user.cooperative(conn, a.cooperative_id)?;
    Ok(a)
}

/// Get one application.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "getDemonstrationApplication",
    summary = "Get a demonstration application",
    description = "One application with its gates, score and decision.",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application", body = ApplicationOut),
        (status = 403, description = "The role may not read demonstration data"),
        (status = 404, description = "No such application, or outside your scope")
    )
)]
#[get("/demonstration-applications/{id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| Ok(ApplicationOut::from(application_in_scope(conn, &user, id)?)))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "经区评审委员会审定"}))]
pub struct DecisionIn {
    #[validate(length(min = 1, max = 1000))]
    pub note: Option<String>,
}

async fn decide(
    state: web::Data<AppState>,
    user: Caller,
    id: i64,
    approve: bool,
    note: Option<String>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Write)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let a = application_in_scope(conn, &user, id)?;
            if a.status != ApplicationStatus::Pending.as_str() {
                return Err(ApiError::Conflict(format!(
                    "an application that is {} cannot be decided",
                    a.status
                )));
            }
            let status = if approve {
                ApplicationStatus::Approved
            } else {
                ApplicationStatus::Rejected
            };
            demo::decide(
                conn,
                id,
                a.version,
                status.as_str(),
                &actor.name,
                note.as_deref(),
                now(),
            )?;
            if approve {
                let c = coop::find(conn, &CoopScope::All, a.cooperative_id)?;
                let level =
                    DemonstrationLevel::parse(&a.level).unwrap_or(DemonstrationLevel::District);
                let held = rules::highest(c.demonstration_level, level);
                crate::service::cooperatives::set_derived(conn, &actor, "award_title", &c, |c| {
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
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Approve.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "approveDemonstrationApplication",
    summary = "Approve a pending application",
    description = "Pending → approved; the cooperative's `demonstration_level` becomes the highest title it holds.",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = Option<DecisionIn>, description = "Optional note"),
    responses(
        (status = 200, description = "Approved", body = ApplicationOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district decides"),
        (status = 404, description = "No such application"),
        (status = 409, description = "The application is not pending (ineligible ones cannot be approved)"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The note is empty or too long")
    )
)]
#[post("/demonstration-applications/{id}/approve")]
pub async fn approve_application(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: OptionalJson<DecisionIn>,
) -> ApiResult<HttpResponse> {
    decide(
        state,
        user,
        path.into_inner(),
        true,
        body.0.and_then(|b| b.note),
    )
    .await
}

/// Reject.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "rejectDemonstrationApplication",
    summary = "Reject a pending application",
    description = "Pending → rejected, with an optional note.",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = Option<DecisionIn>, description = "Optional note"),
    responses(
        (status = 200, description = "Rejected", body = ApplicationOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district decides"),
        (status = 404, description = "No such application"),
        (status = 409, description = "The application is not pending"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The note is empty or too long")
    )
)]
#[post("/demonstration-applications/{id}/reject")]
pub async fn reject_application(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: OptionalJson<DecisionIn>,
) -> ApiResult<HttpResponse> {
    decide(
        state,
        user,
        path.into_inner(),
        false,
        body.0.and_then(|b| b.note),
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    pub level: Option<DemonstrationLevel>,
    /// Only titles approved in this year (and show the year's quota).
    pub year: Option<i32>,
    pub town_code: Option<String>,
}

/// A titled cooperative.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub cooperative_id: i64,
    pub name: String,
    pub town_code: String,
    pub level: DemonstrationLevel,
    /// The year of the latest approval recorded here (`null` for titles held before the system).
    pub approved_year: Option<i32>,
}

/// The yearly quota against approvals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quota {
    pub year: i32,
    /// New demonstration cooperatives the plan asks for each year.
    pub target: i64,
    pub approved: i64,
}

/// The directory (名录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryOut {
    pub items: Vec<DirectoryEntry>,
    /// With `year`: that year's quota and approvals.
    pub quota: Option<Quota>,
}

/// The directory.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "demonstrationDirectory",
    summary = "The directory of demonstration cooperatives (名录)",
    description = "Cooperatives holding a title, by level and town; with `year`, those approved that year and the year's quota (≥ 7) against approvals.",
    params(DirectoryParams),
    responses(
        (status = 200, description = "The directory", body = DirectoryOut),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read demonstration data")
    )
)]
#[get("/demonstration-directory")]
pub async fn directory(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<DirectoryParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Read)?;
    let p = params.0;
    let out = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let mut q =
                coop::scoped(&scope).filter(cooperatives::demonstration_level.is_not_null());
            if let Some(l) = p.level {
                q = q.filter(cooperatives::demonstration_level.eq(l.as_str().to_string()));
            }
            if let Some(t) = &p.town_code {
                q = q.filter(cooperatives::town_code.eq(t.clone()));
            }
            let rows: Vec<Cooperative> = q
                .order(cooperatives::id)
                .select(Cooperative::as_select())
                .load(conn)?;
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
                    let ids = scope_ids(conn, &user)?;
                    Some(Quota {
                        year,
                        target: YEARLY_QUOTA,
                        approved: demo::approvals_in(conn, year, ids.as_deref())?,
                    })
                }
                None => None,
            };
            Ok(DirectoryOut { items, quota })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2026, "result": "fail", "notes": "成员台账缺失，未按交易量返还盈余"}))]
pub struct MonitoringIn {
    pub year: i32,
    pub result: MonitoringResult,
    #[validate(length(max = 2000))]
    pub notes: Option<String>,
}

/// A monitoring record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitoringOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub result: MonitoringResult,
    pub notes: Option<String>,
    /// The title held before the monitoring.
    pub level_before: Option<DemonstrationLevel>,
    /// Whether the title was revoked (a `fail`).
    pub revoked: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Record monitoring.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "recordDemonstrationMonitoring",
    summary = "Record the monitoring of a titled cooperative",
    description = "Titles are monitored every two years (动态监测). A `fail` revokes the title (`demonstration_level` becomes null) and records why.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = MonitoringIn,
    responses(
        (status = 201, description = "Recorded", body = MonitoringOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district monitors"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative holds no title"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "Bad result, or a year outside 2021–this year")
    )
)]
#[post("/cooperatives/{id}/demonstration-monitoring")]
pub async fn record_monitoring(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<MonitoringIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Write)?;
    let id = path.into_inner();
    let b = body.0;
    if !(2021..=today().year()).contains(&b.year) {
        return Err(ApiError::field(
            "year",
            "range",
            format!("must be between 2021 and {}", today().year()),
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let c = user.cooperative(conn, id)?;
            let Some(level) = c.demonstration_level else {
                return Err(ApiError::Conflict(format!(
                    "cooperative {id} holds no demonstration title"
                )));
            };
            let revoked = b.result == MonitoringResult::Fail;
            let m = demo::record_monitoring(
                conn,
                id,
                b.year,
                b.result.as_str(),
                b.notes.as_deref(),
                Some(level.as_str()),
                revoked,
                &actor.name,
                now(),
            )?;
            if revoked {
                crate::service::cooperatives::set_derived(conn, &actor, "revoke_title", &c, |c| {
                    c.demonstration_level = None
                })?;
            }
            let out = MonitoringOut {
                id: m.id,
                cooperative_id: id,
                year: m.year,
                result: b.result,
                notes: m.notes,
                level_before: Some(level),
                revoked,
                recorded_by: m.recorded_by,
                recorded_at: m.recorded_at.and_utc(),
            };
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
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// A titled cooperative due for monitoring.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueEntry {
    pub cooperative_id: i64,
    pub name: String,
    pub level: DemonstrationLevel,
    /// The last monitoring year, if any.
    pub last_monitored: Option<i32>,
    /// The last approval year recorded here, if any.
    pub approved_year: Option<i32>,
}

/// Titles due for monitoring.
#[utoipa::path(
    tag = "demonstration",
    operation_id = "demonstrationMonitoringDue",
    summary = "Titled cooperatives due for monitoring",
    description = "Titled cooperatives whose last monitoring (or, failing that, approval) was two or more years ago, or never recorded.",
    responses(
        (status = 200, description = "Due for monitoring", body = ListResponse<DueEntry>),
        (status = 403, description = "The role may not read demonstration data")
    )
)]
#[get("/demonstration-monitoring/due")]
pub async fn monitoring_due(state: web::Data<AppState>, user: Caller) -> ApiResult<HttpResponse> {
    user.require(Resource::Demonstration, Access::Read)?;
    let this_year = today().year();
    let items = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let rows: Vec<Cooperative> = coop::scoped(&scope)
                .filter(cooperatives::demonstration_level.is_not_null())
                .order(cooperatives::id)
                .select(Cooperative::as_select())
                .load(conn)?;
            let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
            let monitored = demo::latest_monitoring_years(conn, &ids)?;
            let approved = demo::latest_approval_years(conn, &ids)?;
            Ok(rows
                .into_iter()
                .filter_map(|c| {
                    let last_monitored = monitored.get(&c.id).copied();
                    let approved_year = approved.get(&c.id).copied();
                    let since = last_monitored.or(approved_year);
                    let due = since.is_none_or(|y| this_year - y >= MONITORING_INTERVAL_YEARS);
                    let level = c.demonstration_level?;
                    due.then_some(DueEntry {
                        cooperative_id: c.id,
                        name: c.name,
                        level,
                        last_monitored,
                        approved_year,
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}
