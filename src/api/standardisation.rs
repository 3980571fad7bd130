//! Governance and charter, annual reports, and compliance with the cooperative law.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::annual_report::{self as report, AnnualReport, DraftRow, ReportFilter};
use crate::db::models::audit::{self, Actor};
use crate::db::models::governance::{self as gov, Governance};
use crate::db::models::{member, now, today};
use crate::db::DbConn;
use crate::domain::annual_report::{
    check_figures, deadline, filing_opens, is_late, next, year_has_ended, Figures, ReportStatus,
};
use crate::domain::compliance::{self, Check, Facts, GovernanceFacts, MemberCounts, ReportFacts};
use crate::domain::cooperative::text_enum;
use crate::domain::member::MemberType;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_governance)
        .service(put_governance)
        .service(list_cooperative_reports)
        .service(get_report)
        .service(put_report)
        .service(submit_report)
        .service(publish_report)
        .service(list_reports)
        .service(publication_rate)
        .service(get_compliance);
}

text_enum! {
    /// Who keeps the books.
    Bookkeeping {
        /// The cooperative's own accountant.
        SelfKept => "self",
        /// An accounting agent (代理记账).
        Agent => "agent",
        /// The cooperative service center.
        ServiceCenter => "service_center",
    }
}

text_enum! {
    /// How the cooperative discloses its affairs to members (社务公开).
    DisclosureChannel {
        BulletinBoard => "bulletin_board",
        WechatGroup => "wechat_group",
        Meeting => "meeting",
        Website => "website",
        Other => "other",
    }
}

fn names(list: &[String]) -> Result<(), ValidationError> {
    if list
        .iter()
        .any(|n| n.trim().is_empty() || n.chars().count() > 50)
    {
        return Err(ValidationError::new("name")
            .with_message("each name must be 1 to 50 characters".into()));
    }
    Ok(())
}

/// Governance bodies and the charter, as written in the charter. People are given by name.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "charter_adopted_on": "2015-03-01", "member_assembly": true, "board_chair": "张三",
    "board_members": ["张三", "李四", "王五"], "supervisors": ["赵六"],
    "bookkeeping": "agent", "bookkeeper": "钱七", "disclosure_channels": ["bulletin_board", "wechat_group"]
}))]
pub struct GovernanceIn {
    /// When the member assembly adopted the charter (章程); `null` if not yet.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub charter_adopted_on: Option<NaiveDate>,
    /// Whether the member assembly (成员大会) is constituted.
    pub member_assembly: bool,
    /// The board chair (理事长), normally the legal representative.
    #[validate(length(min = 1, max = 50))]
    pub board_chair: Option<String>,
    /// Directors (理事).
    #[validate(length(max = 50), custom(function = "names"))]
    pub board_members: Vec<String>,
    /// Supervisors (监事); never also chair, director or bookkeeper.
    #[validate(length(max = 50), custom(function = "names"))]
    pub supervisors: Vec<String>,
    pub bookkeeping: Option<Bookkeeping>,
    /// The bookkeeper's name (财务人员).
    #[validate(length(min = 1, max = 50))]
    pub bookkeeper: Option<String>,
    #[validate(length(max = 5))]
    pub disclosure_channels: Vec<DisclosureChannel>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GovernanceOut {
    pub cooperative_id: i64,
    pub charter_adopted_on: Option<NaiveDate>,
    pub member_assembly: bool,
    pub board_chair: Option<String>,
    pub board_members: Vec<String>,
    pub supervisors: Vec<String>,
    pub bookkeeping: Option<Bookkeeping>,
    pub bookkeeper: Option<String>,
    pub disclosure_channels: Vec<DisclosureChannel>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<Governance> for GovernanceOut {
    fn from(g: Governance) -> Self {
        GovernanceOut {
            cooperative_id: g.cooperative_id,
            charter_adopted_on: g.charter_adopted_on,
            member_assembly: g.member_assembly,
            board_chair: g.board_chair,
            board_members: Governance::list(&g.board_members),
            supervisors: Governance::list(&g.supervisors),
            bookkeeping: g.bookkeeping.as_deref().and_then(Bookkeeping::parse),
            bookkeeper: g.bookkeeper,
            disclosure_channels: Governance::list(&g.disclosure_channels)
                .iter()
                .filter_map(|c| DisclosureChannel::parse(c))
                .collect(),
            version: g.version,
            updated_at: g.updated_at.and_utc(),
        }
    }
}

fn json_list<T: Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Get governance.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getGovernance",
    summary = "Get a cooperative's governance bodies and charter",
    description = "The charter adoption date, member assembly, board, supervisors, bookkeeping arrangement and disclosure channels, with the `ETag` for changes.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "Governance", body = GovernanceOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not read governance"),
        (status = 404, description = "No such cooperative, outside your scope, or nothing recorded yet")
    )
)]
#[get("/cooperatives/{id}/governance")]
pub async fn get_governance(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            gov::find(conn, id)?
                .map(GovernanceOut::from)
                .ok_or(ApiError::NotFound)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Set governance.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "putGovernance",
    summary = "Record a cooperative's governance bodies and charter",
    description = "Replaces the whole record. A supervisor who is also chair, director or bookkeeper is refused (422 on `supervisors`). `If-Match` makes the change conditional on the version.",
    params(("id" = i64, Path, description = "Cooperative id"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = GovernanceIn,
    responses(
        (status = 200, description = "Replaced", body = GovernanceOut),
        (status = 201, description = "Recorded for the first time", body = GovernanceOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not change governance"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid, or a supervisor holds another office")
    )
)]
#[put("/cooperatives/{id}/governance")]
pub async fn put_governance(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<GovernanceIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Write)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let g = body.0;
    let conflicts = compliance::supervisor_conflicts(
        g.board_chair.as_deref(),
        &g.board_members,
        g.bookkeeper.as_deref(),
        &g.supervisors,
    );
    if !conflicts.is_empty() {
        return Err(ApiError::field(
            "supervisors",
            "conflict",
            format!(
                "a supervisor may not also be chair, director or bookkeeper: {}",
                conflicts.join(", ")
            ),
        ));
    }
    let actor = Actor::from(&user);
    let (out, created) = state
        .db_write(move |conn| {
            let coop = user.cooperative(conn, id)?;
            ensure_operating(&coop)?;
            let current = gov::find(conn, id)?;
            check_version(demanded, current.as_ref().map(|c| c.version).unwrap_or(0))?;
            let row = Governance {
                cooperative_id: id,
                charter_adopted_on: g.charter_adopted_on,
                member_assembly: g.member_assembly,
                board_chair: g.board_chair.map(|s| s.trim().to_string()),
                board_members: json_list(
                    &g.board_members.iter().map(|s| s.trim()).collect::<Vec<_>>(),
                ),
                supervisors: json_list(&g.supervisors.iter().map(|s| s.trim()).collect::<Vec<_>>()),
                bookkeeping: g.bookkeeping.map(|b| b.as_str().to_string()),
                bookkeeper: g.bookkeeper.map(|s| s.trim().to_string()),
                disclosure_channels: json_list(&g.disclosure_channels),
                version: current.as_ref().map(|c| c.version + 1).unwrap_or(1),
                updated_at: now(),
            };
            gov::save(conn, &row, current.is_some())?;
            let before = current.map(GovernanceOut::from);
            let after = GovernanceOut::from(row);
            audit::record(
                conn,
                &actor,
                if before.is_some() { "update" } else { "create" },
                "governance",
                &id.to_string(),
                before.as_ref(),
                Some(&after),
            )?;
            Ok((after, before.is_none()))
        })
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}

/// The figures of an annual report draft.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "member_count": 52, "farmer_member_count": 50, "total_assets_fen": 380000000,
    "total_liabilities_fen": 120000000, "operating_revenue_fen": 560000000, "surplus_fen": 42000000,
    "surplus_returned_by_transactions_fen": 27300000, "member_income_fen": 2100000
}))]
pub struct ReportDraft {
    pub member_count: i32,
    pub farmer_member_count: i32,
    pub total_assets_fen: i64,
    pub total_liabilities_fen: i64,
    pub operating_revenue_fen: i64,
    /// Distributable surplus (可分配盈余).
    pub surplus_fen: i64,
    /// Surplus returned to members by transaction volume (按交易量返还).
    pub surplus_returned_by_transactions_fen: i64,
    /// Average income per member household, if reported.
    pub member_income_fen: Option<i64>,
}

/// A date for `submit` or `publish` (default today).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"submitted_on": "2026-04-15"}))]
pub struct SubmitIn {
    /// When the report was filed on the national publicity system; not in the future. Only the district and town officers may give a past date.
    pub submitted_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"published_on": "2026-04-20"}))]
pub struct PublishIn {
    /// When the report was published; not in the future, not before it was submitted. Only the district and town officers may give a past date.
    pub published_on: Option<NaiveDate>,
}

/// An annual report.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cooperative_id": 1, "year": 2025, "status": "published", "member_count": 52,
    "farmer_member_count": 50, "total_assets_fen": 380000000, "total_liabilities_fen": 120000000,
    "operating_revenue_fen": 560000000, "surplus_fen": 42000000,
    "surplus_returned_by_transactions_fen": 27300000, "member_income_fen": 2100000,
    "submitted_on": "2026-04-15", "published_on": "2026-04-20", "late": false, "deadline": "2026-06-30",
    "version": 3, "created_at": "2026-03-01T08:00:00Z", "updated_at": "2026-04-20T08:00:00Z"
}))]
pub struct ReportOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub status: ReportStatus,
    pub member_count: i32,
    pub farmer_member_count: i32,
    pub total_assets_fen: i64,
    pub total_liabilities_fen: i64,
    pub operating_revenue_fen: i64,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
    pub member_income_fen: Option<i64>,
    pub submitted_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    /// Submitted after 30 June of the following year.
    pub late: bool,
    /// The filing deadline for this year.
    pub deadline: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AnnualReport> for ReportOut {
    fn from(r: AnnualReport) -> Self {
        ReportOut {
            id: r.id,
            cooperative_id: r.cooperative_id,
            year: r.year,
            status: ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Draft),
            member_count: r.member_count,
            farmer_member_count: r.farmer_member_count,
            total_assets_fen: r.total_assets_fen,
            total_liabilities_fen: r.total_liabilities_fen,
            operating_revenue_fen: r.operating_revenue_fen,
            surplus_fen: r.surplus_fen,
            surplus_returned_by_transactions_fen: r.surplus_returned_by_transactions_fen,
            member_income_fen: r.member_income_fen,
            submitted_on: r.submitted_on,
            published_on: r.published_on,
            late: r.late,
            deadline: deadline(r.year),
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

fn check_year(year: i32, established_on: NaiveDate) -> ApiResult<()> {
    if !year_has_ended(year, today()) {
        return Err(ApiError::field(
            "year",
            "not_ended",
            format!(
                "{year} has not ended yet; its report can be filed from {}",
                filing_opens(year)
            ),
        ));
    }
    if year < established_on.year() {
        return Err(ApiError::field(
            "year",
            "before_establishment",
            format!(
                "the cooperative was established in {}",
                established_on.year()
            ),
        ));
    }
    Ok(())
}

fn report_in_scope(
    conn: &mut DbConn,
    user: &Caller,
    id: i64,
    year: i32,
) -> ApiResult<AnnualReport> {
    user.cooperative(conn, id)?;
    report::find(conn, id, year)?.ok_or(ApiError::NotFound)
}

fn illegal(status: &str, action: &str) -> ApiError {
    ApiError::Conflict(format!("a {status} report cannot be {action}"))
}

/// A date the caller gives for a filing step: not in the future, and a past date only from
/// the district or a town officer (who record filings made on the national system).
fn filing_date(user: &Caller, given: Option<NaiveDate>, field: &str) -> ApiResult<NaiveDate> {
    let today = today();
    let date = given.unwrap_or(today);
    if date > today {
        return Err(ApiError::field(
            field,
            "future",
            "must not be in the future",
        ));
    }
    if date < today && !matches!(user.role(), Role::DistrictAdmin | Role::TownOfficer) {
        return Err(ApiError::Forbidden(format!(
            "only the district or a town officer may give a past {field}"
        )));
    }
    Ok(date)
}

/// List a cooperative's reports.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "listCooperativeReports",
    summary = "List a cooperative's annual reports",
    description = "Every year's report of one cooperative, newest year first.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The reports", body = ListResponse<ReportOut>),
        (status = 403, description = "The role may not read annual reports"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/annual-reports")]
pub async fn list_cooperative_reports(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Read)?;
    let id = path.into_inner();
    let items = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            Ok(report::of_cooperative(conn, id)?
                .into_iter()
                .map(ReportOut::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

/// Get one report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getAnnualReport",
    summary = "Get a cooperative's annual report for a year",
    description = "One report with its status, filing dates, lateness and `ETag`.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, description = "The reported year")),
    responses(
        (status = 200, description = "The report", body = ReportOut, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not read annual reports"),
        (status = 404, description = "No such report or cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/annual-reports/{year}")]
pub async fn get_report(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i32)>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Read)?;
    let (id, year) = path.into_inner();
    let out = state
        .db(move |conn| Ok(ReportOut::from(report_in_scope(conn, &user, id, year)?)))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Draft a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "putAnnualReport",
    summary = "Create or change the draft annual report for a year",
    description = "Only a draft can change; a submitted or published report is a 409. A year that has not ended is a 422 on `year`. Figures are checked together: no negative money, farmer members not more than members, returned surplus not more than the surplus.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, description = "The reported year"), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = ReportDraft,
    responses(
        (status = 200, description = "Draft changed", body = ReportOut),
        (status = 201, description = "Draft created", body = ReportOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not change annual reports"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The report is no longer a draft, or the cooperative is closed"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The year has not ended, or a figure is invalid")
    )
)]
#[put("/cooperatives/{id}/annual-reports/{year}")]
pub async fn put_report(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i32)>,
    body: ValidJson<ReportDraft>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Write)?;
    let (id, year) = path.into_inner();
    let demanded = if_match(&req)?;
    let d = body.0;
    let figures = Figures {
        member_count: d.member_count,
        farmer_member_count: d.farmer_member_count,
        total_assets_fen: d.total_assets_fen,
        total_liabilities_fen: d.total_liabilities_fen,
        operating_revenue_fen: d.operating_revenue_fen,
        surplus_fen: d.surplus_fen,
        surplus_returned_by_transactions_fen: d.surplus_returned_by_transactions_fen,
        member_income_fen: d.member_income_fen,
    };
    let errors: Vec<FieldError> = check_figures(&figures)
        .into_iter()
        .map(|(f, c, m)| FieldError::new(f, c, m))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let actor = Actor::from(&user);
    let (out, created) = state
        .db_write(move |conn| {
            let coop = user.cooperative(conn, id)?;
            ensure_operating(&coop)?;
            check_year(year, coop.established_on)?;
            let at = now();
            let row = DraftRow {
                cooperative_id: id,
                year,
                status: ReportStatus::Draft.as_str().into(),
                member_count: d.member_count,
                farmer_member_count: d.farmer_member_count,
                total_assets_fen: d.total_assets_fen,
                total_liabilities_fen: d.total_liabilities_fen,
                operating_revenue_fen: d.operating_revenue_fen,
                surplus_fen: d.surplus_fen,
                surplus_returned_by_transactions_fen: d.surplus_returned_by_transactions_fen,
                member_income_fen: d.member_income_fen,
                updated_at: at,
            };
            match report::find(conn, id, year)? {
                Some(current) => {
                    let status =
                        ReportStatus::parse(&current.status).unwrap_or(ReportStatus::Draft);
                    if next(status, "edit").is_none() {
                        return Err(illegal(&current.status, "changed"));
                    }
                    check_version(demanded, current.version)?;
                    if report::update_draft(conn, current.id, current.version, &row)? == 0 {
                        return Err(ApiError::PreconditionFailed);
                    }
                    let after = ReportOut::from(report::by_id(conn, current.id)?);
                    audit::record(
                        conn,
                        &actor,
                        "update",
                        "annual_report",
                        &current.id.to_string(),
                        Some(&ReportOut::from(current)),
                        Some(&after),
                    )?;
                    Ok((after, false))
                }
                None => {
                    check_version(demanded, 0)?;
                    let after = ReportOut::from(report::insert_draft(conn, &row, at)?);
                    audit::record(
                        conn,
                        &actor,
                        "create",
                        "annual_report",
                        &after.id.to_string(),
                        None::<&()>,
                        Some(&after),
                    )?;
                    Ok((after, true))
                }
            }
        })
        .await?;
    let b = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(b, out.version, &out))
}

/// Submit a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "submitAnnualReport",
    summary = "Submit a draft annual report",
    description = "Draft → submitted. `submitted_on` defaults to today; after 30 June of the following year the report is flagged `late`. A past date may be given only by the district or a town officer (filings made on the national publicity system).",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, description = "The reported year")),
    request_body(content = Option<SubmitIn>, description = "Optional; an empty body means today"),
    responses(
        (status = 200, description = "Submitted", body = ReportOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not submit, or may not give a past date"),
        (status = 404, description = "No such report or cooperative, or outside your scope"),
        (status = 409, description = "The report is not a draft"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The date is in the future or before the filing window opened")
    )
)]
#[post("/cooperatives/{id}/annual-reports/{year}/submit")]
pub async fn submit_report(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i32)>,
    body: OptionalJson<SubmitIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Write)?;
    let (id, year) = path.into_inner();
    let on = filing_date(&user, body.0.and_then(|b| b.submitted_on), "submitted_on")?;
    if on < filing_opens(year) {
        return Err(ApiError::field(
            "submitted_on",
            "before_filing_opens",
            format!(
                "reports for {year} can be filed from {}",
                filing_opens(year)
            ),
        ));
    }
    report_step(state, user, id, year, "submit", move |conn, current| {
        Ok(report::mark_submitted(
            conn,
            current.id,
            current.version,
            on,
            is_late(year, on),
            now(),
        )?)
    })
    .await
}

/// Publish a report.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "publishAnnualReport",
    summary = "Publish a submitted annual report",
    description = "Submitted → published, by the district or the cooperative's town officer. `published_on` defaults to today and may not precede the submission.",
    params(("id" = i64, Path, description = "Cooperative id"), ("year" = i32, Path, description = "The reported year")),
    request_body(content = Option<PublishIn>, description = "Optional; an empty body means today"),
    responses(
        (status = 200, description = "Published", body = ReportOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not publish reports"),
        (status = 404, description = "No such report or cooperative, or outside your scope"),
        (status = 409, description = "The report is not submitted"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The date is in the future or before the submission")
    )
)]
#[post("/cooperatives/{id}/annual-reports/{year}/publish")]
pub async fn publish_report(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i32)>,
    body: OptionalJson<PublishIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Write)?;
    if !matches!(user.role(), Role::DistrictAdmin | Role::TownOfficer) {
        return Err(ApiError::Forbidden(
            "only the district or a town officer publishes annual reports".into(),
        ));
    }
    let (id, year) = path.into_inner();
    let on = filing_date(&user, body.0.and_then(|b| b.published_on), "published_on")?;
    report_step(state, user, id, year, "publish", move |conn, current| {
        if current.submitted_on.is_some_and(|s| on < s) {
            return Err(ApiError::field(
                "published_on",
                "before_submission",
                "must not be before the report was submitted",
            ));
        }
        Ok(report::mark_published(
            conn,
            current.id,
            current.version,
            on,
            now(),
        )?)
    })
    .await
}

/// One step of a report's life (`submit`, `publish`) in a write transaction: the report in
/// scope, the state machine, the change (`apply` returns the rows it changed), the audit.
async fn report_step(
    state: web::Data<AppState>,
    user: Caller,
    id: i64,
    year: i32,
    action: &'static str,
    apply: impl FnOnce(&mut DbConn, &AnnualReport) -> ApiResult<usize> + Send + 'static,
) -> ApiResult<HttpResponse> {
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = report_in_scope(conn, &user, id, year)?;
            let status = ReportStatus::parse(&current.status).unwrap_or(ReportStatus::Draft);
            if next(status, action).is_none() {
                let done = if action == "submit" {
                    "submitted"
                } else {
                    "published"
                };
                return Err(illegal(&current.status, done));
            }
            if apply(conn, &current)? == 0 {
                return Err(ApiError::PreconditionFailed);
            }
            let after = ReportOut::from(report::by_id(conn, current.id)?);
            audit::record(
                conn,
                &actor,
                action,
                "annual_report",
                &current.id.to_string(),
                Some(&ReportOut::from(current)),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilterParams {
    /// The reported year.
    pub year: Option<i32>,
    pub town_code: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only late (`true`) or on-time (`false`) submissions.
    pub late: Option<bool>,
}

/// District list of reports.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "listAnnualReports",
    summary = "List annual reports across cooperatives",
    description = "Reports of every cooperative in the caller's scope, filtered by year, town, status and lateness.",
    params(ReportFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of reports", body = ListResponse<ReportOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read annual reports"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/annual-reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<ReportFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Read)?;
    let page = page.page()?;
    let f = filters.0;
    let filter = ReportFilter {
        year: f.year,
        town_code: f.town_code,
        status: f.status.map(|s| s.as_str().to_string()),
        late: f.late,
    };
    let list = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let rows = report::list(conn, &scope, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(report::count(conn, &scope, &filter)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |r| r.id).map(ReportOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationParams {
    /// The reported year (default: last year).
    pub year: Option<i32>,
    pub town_code: Option<String>,
}

/// The publication rate of a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025, "expected": 1402, "published": 1388, "rate": 0.99}))]
pub struct PublicationRate {
    pub year: i32,
    /// Cooperatives expected to publish: established by the year's end and not on the abnormal list (nor merged or deregistered).
    pub expected: i64,
    pub published: i64,
    /// `published / expected` (1.0 when none are expected); the target is 1.0.
    pub rate: f64,
}

/// Publication rate.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getPublicationRate",
    summary = "Annual-report publication rate for a year",
    description = "How many of the cooperatives expected to report for the year have published. Cooperatives on the abnormal-operation list are not counted, as the pilot's target (100%) prescribes.",
    params(PublicationParams),
    responses(
        (status = 200, description = "The rate", body = PublicationRate),
        (status = 400, description = "A query parameter has the wrong type"),
        (status = 403, description = "The role may not read annual reports")
    )
)]
#[get("/annual-reports/publication-rate")]
pub async fn publication_rate(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<PublicationParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AnnualReports, Access::Read)?;
    let p = params.0;
    let year = p.year.unwrap_or(today().year() - 1);
    let out = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let (expected, published) =
                report::publication(conn, &scope, year, p.town_code.as_deref())?;
            Ok(PublicationRate {
                year,
                expected,
                published,
                rate: if expected == 0 {
                    1.0
                } else {
                    published as f64 / expected as f64
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A cooperative's compliance with the law.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceOut {
    pub cooperative_id: i64,
    /// The day the checks were computed for.
    pub evaluated_on: NaiveDate,
    /// Every check passed.
    pub passed_all: bool,
    pub checks: Vec<Check>,
}

/// Gathers the facts the compliance checks need.
pub fn compliance_facts(conn: &mut DbConn, id: i64, today: NaiveDate) -> ApiResult<Facts> {
    let mut counts = MemberCounts::default();
    for (_, member_type, _) in member::active_rows(conn, &[id])? {
        counts.total += 1;
        match MemberType::parse(&member_type) {
            Some(MemberType::Farmer) => counts.farmers += 1,
            Some(t) if t.is_capped_non_farmer() => counts.capped_non_farmers += 1,
            _ => {}
        }
    }
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
        status: ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Draft),
        published_on: r.published_on,
        surplus_fen: r.surplus_fen,
        surplus_returned_by_transactions_fen: r.surplus_returned_by_transactions_fen,
    };
    Ok(Facts {
        members: counts,
        governance,
        last_published: report::last_published(conn, id)?.map(facts),
        last_year: report::find(conn, id, today.year() - 1)?.map(facts),
        today,
    })
}

/// Compliance checks.
#[utoipa::path(
    tag = "standardisation",
    operation_id = "getCompliance",
    summary = "Check a cooperative against the cooperative law",
    description = "Every check of the Farmers' Specialized Cooperatives Law as RULES.md states it (`min_members`, `farmer_share`, `non_farmer_cap`, `governance`, `charter`, `surplus_return`, `annual_report`), computed from the current data, each with pass/fail, a reason and the figures used.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The checks", body = ComplianceOut),
        (status = 403, description = "The role may not read compliance"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/compliance")]
pub async fn get_compliance(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            let today = today();
            let checks = compliance::evaluate(&compliance_facts(conn, id, today)?);
            Ok(ComplianceOut {
                cooperative_id: id,
                evaluated_on: today,
                passed_all: checks.iter().all(|c| c.passed),
                checks,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
