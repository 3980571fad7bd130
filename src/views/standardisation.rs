//! Standardisation (规范化): governance and charter, annual reports, compliance.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::models::annual_report::AnnualReport;
use crate::db::models::governance::Governance;
use crate::domain::annual_report::{deadline, Figures, ReportStatus};
use crate::domain::compliance::{Bookkeeping, Check, DisclosureChannel};
use crate::error::ApiError;

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
    #[schema(min_length = 1, max_length = 50)]
    pub board_chair: Option<String>,
    /// Directors (理事).
    #[validate(length(max = 50), custom(function = "names"))]
    #[schema(max_items = 50)]
    pub board_members: Vec<String>,
    /// Supervisors (监事); never also chair, director or bookkeeper.
    #[validate(length(max = 50), custom(function = "names"))]
    #[schema(max_items = 50)]
    pub supervisors: Vec<String>,
    pub bookkeeping: Option<Bookkeeping>,
    /// The bookkeeper's name (财务人员).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub bookkeeper: Option<String>,
    #[validate(length(max = 5))]
    #[schema(max_items = 5)]
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

impl TryFrom<Governance> for GovernanceOut {
    type Error = ApiError;

    /// A stored disclosure channel outside the vocabulary is an error, never dropped.
    fn try_from(g: Governance) -> Result<Self, ApiError> {
        let disclosure_channels = Governance::list(&g.disclosure_channels)
            .iter()
            .map(|c| {
                DisclosureChannel::parse(c).ok_or_else(|| {
                    ApiError::Internal(format!(
                        "unknown DisclosureChannel {c:?} stored in the database"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GovernanceOut {
            cooperative_id: g.cooperative_id,
            charter_adopted_on: g.charter_adopted_on,
            member_assembly: g.member_assembly,
            board_chair: g.board_chair,
            board_members: Governance::list(&g.board_members),
            supervisors: Governance::list(&g.supervisors),
            bookkeeping: g.bookkeeping,
            bookkeeper: g.bookkeeper,
            disclosure_channels,
            version: g.version,
            updated_at: g.updated_at.and_utc(),
        })
    }
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
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub total_assets_fen: i64,
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub total_liabilities_fen: i64,
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub operating_revenue_fen: i64,
    /// Distributable surplus (可分配盈余).
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub surplus_fen: i64,
    /// Surplus returned to members by transaction volume (按交易量返还).
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub surplus_returned_by_transactions_fen: i64,
    /// Average income per member household, if reported.
    #[validate(range(max = crate::views::validators::MAX_FEN))]
    #[schema(maximum = 10_000_000_000_000_i64)]
    pub member_income_fen: Option<i64>,
}

impl ReportDraft {
    pub fn figures(&self) -> Figures {
        Figures {
            member_count: self.member_count,
            farmer_member_count: self.farmer_member_count,
            total_assets_fen: self.total_assets_fen,
            total_liabilities_fen: self.total_liabilities_fen,
            operating_revenue_fen: self.operating_revenue_fen,
            surplus_fen: self.surplus_fen,
            surplus_returned_by_transactions_fen: self.surplus_returned_by_transactions_fen,
            member_income_fen: self.member_income_fen,
        }
    }
}

/// A date for `submit` or `publish` (default today).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"submitted_on": "2026-04-15"}))]
pub struct SubmitIn {
    /// When the report was filed on the national publicity system; not in the future. Only the district and town officers may give a past date.
    #[validate(custom(function = "crate::views::validators::date"))]
    pub submitted_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"published_on": "2026-04-20"}))]
pub struct PublishIn {
    /// When the report was published; not in the future, not before it was submitted. Only the district and town officers may give a past date.
    #[validate(custom(function = "crate::views::validators::date"))]
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
            status: r.status,
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

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilterParams {
    /// The reported year.
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    pub town_code: Option<String>,
    pub status: Option<ReportStatus>,
    /// Only late (`true`) or on-time (`false`) submissions.
    pub late: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationParams {
    /// The reported year (default: last year).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
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

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissingReportParams {
    /// The reported year (default: last year).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    #[validate(length(max = 12))]
    #[param(max_length = 12)]
    pub town_code: Option<String>,
}

/// A cooperative that has not filed its report for the year (a town officer's worklist).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"cooperative_id": 17, "name": "南川区金山镇古树茶专业合作社", "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110", "status": "active", "year": 2025, "draft": true, "deadline": "2026-06-30", "overdue": true}))]
pub struct MissingReportOut {
    pub cooperative_id: i64,
    pub name: String,
    pub uscc: String,
    pub town_code: String,
    pub status: crate::domain::cooperative::CoopStatus,
    pub year: i32,
    /// Whether a draft exists (started but not submitted).
    pub draft: bool,
    /// 30 June of the next year.
    pub deadline: NaiveDate,
    /// Past the deadline today: a candidate for the abnormal list.
    pub overdue: bool,
}
