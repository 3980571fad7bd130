//! Supervision's request and response shapes: assessments, the abnormal list, mergers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::supervision::{AbnormalListing, Assessment};
use crate::domain::classification::Checklist;
use crate::domain::cooperative::Tier;
use crate::views::cooperatives::CooperativeOut;
use crate::views::members::MemberOut;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"checklist": {"charter": true, "bodies": true, "member_ledger": true, "bookkeeping": true, "disclosure": false, "annual_report": true, "transaction_distribution": true, "real_operations": true}, "notes": "公开栏未更新"}))]
pub struct AssessmentIn {
    pub checklist: Checklist,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A classification assessment (分类管理); the cooperative's `tier` follows the latest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub checklist: Checklist,
    /// How many of the eight items passed.
    pub passed: i32,
    pub tier: Tier,
    pub notes: Option<String>,
    pub assessed_by: String,
    pub assessed_at: DateTime<Utc>,
}

impl From<Assessment> for AssessmentOut {
    fn from(a: Assessment) -> Self {
        AssessmentOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            checklist: Checklist {
                charter: a.charter,
                bodies: a.bodies,
                member_ledger: a.member_ledger,
                bookkeeping: a.bookkeeping,
                disclosure: a.disclosure,
                annual_report: a.annual_report,
                transaction_distribution: a.transaction_distribution,
                real_operations: a.real_operations,
            },
            passed: a.passed,
            tier: a.tier,
            notes: a.notes,
            assessed_by: a.assessed_by,
            assessed_at: a.assessed_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "未按期报送2025年度报告", "listed_on": "2026-07-15"}))]
pub struct AbnormalIn {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Default today; not in the future.
    #[validate(custom(function = "crate::views::validators::date"))]
    pub listed_on: Option<NaiveDate>,
}

/// A listing on the abnormal-operation list (异常名录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AbnormalListingOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub reason: String,
    pub listed_on: NaiveDate,
    pub listed_by: String,
    /// When the listing was lifted (`null` while in force).
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: Option<String>,
    pub lifted_by: Option<String>,
}

impl From<AbnormalListing> for AbnormalListingOut {
    fn from(a: AbnormalListing) -> Self {
        AbnormalListingOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            reason: a.reason,
            listed_on: a.listed_on,
            listed_by: a.listed_by,
            lifted_on: a.lifted_on,
            lift_reason: a.lift_reason,
            lifted_by: a.lifted_by,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// Why the listing is lifted (e.g. the late report was filed).
    #[validate(length(max = 500))]
    #[param(max_length = 500)]
    pub reason: Option<String>,
    /// Default today; not in the future.
    #[validate(custom(function = "crate::views::validators::date"))]
    pub lifted_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateParams {
    /// The reported year (default: the latest year whose deadline has passed).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    pub town_code: Option<String>,
}

/// Cooperatives that missed a filing deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidatesOut {
    pub year: i32,
    /// 30 June of the following year.
    pub deadline: NaiveDate,
    /// Active cooperatives established by the year's end without a report submitted by the deadline.
    pub items: Vec<CooperativeOut>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"into_cooperative_id": 12}))]
pub struct MergeIn {
    /// The cooperative that absorbs this one.
    pub into_cooperative_id: i64,
}

/// The outcome of a merger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergeOut {
    /// The merged cooperative (status `merged`).
    pub source: CooperativeOut,
    /// The absorbing cooperative, with its new member counts.
    pub target: CooperativeOut,
    /// Members moved into the target.
    pub moved_members: i64,
    /// Members not moved because the target already has an active member with the same ID number (they are recorded as exited from the source).
    pub skipped_members: Vec<MemberOut>,
    /// Federations whose membership moved from the source to the target.
    pub moved_federation_ids: Vec<i64>,
    /// Federations both already belonged to: the source's membership was removed.
    pub merged_federation_ids: Vec<i64>,
}

/// A deregistration (注销) as the registration authority decided it.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "成员大会决议解散", "deregistered_on": "2026-11-20"}))]
pub struct DeregisterIn {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Not in the future, not before the cooperative was established.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub deregistered_on: NaiveDate,
}

/// The cooperative, deregistered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeregisteredOut {
    pub cooperative: crate::views::cooperatives::CooperativeOut,
    pub reason: String,
    pub deregistered_on: NaiveDate,
}
