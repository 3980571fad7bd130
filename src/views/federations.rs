//! Federations' and consortia's request and response shapes: federations, members, and the
//! view by industry.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::federation::{Federation, FederationFilter, FederationMember, MemberStats};
use crate::domain::federation::{FederationKind, FederationStatus, MemberKind, MemberRole};

/// A new federation or consortium.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "南川区古树茶专业合作社联合社",
    "kind": "union_cooperative",
    "industry_code": "ancient_tree_tea",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110"
}))]
pub struct FederationCreate {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: FederationKind,
    /// The industry it organises (`GET /api/v1/industries`).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub industry_code: String,
    /// Required for a `union_cooperative` (a registered cooperative: starts `93` and the
    /// region code); optional for a consortium, checked as any USCC.
    pub uscc: Option<String>,
    /// Its seat, a town of `GET /api/v1/towns`.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub town_code: Option<String>,
}

/// Changes to a federation; absent fields stay as they are, `null` clears `uscc` of a
/// consortium or `town_code`. The kind never changes.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "南川区古树茶产业化联合体", "town_code": null}))]
pub struct FederationPatch {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub industry_code: Option<String>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub town_code: Option<Option<String>>,
}

/// A federation or consortium.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "name": "南川区古树茶专业合作社联合社",
    "kind": "union_cooperative",
    "industry_code": "ancient_tree_tea",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "status": "active",
    "activated_on": "2026-11-27",
    "member_count": 3,
    "cooperative_member_count": 3,
    "has_lead": true,
    "version": 5,
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct FederationOut {
    pub id: i64,
    pub name: String,
    pub kind: FederationKind,
    pub industry_code: String,
    pub uscc: Option<String>,
    pub town_code: Option<String>,
    /// `forming` until activated.
    pub status: FederationStatus,
    pub activated_on: Option<NaiveDate>,
    /// Members of every kind.
    pub member_count: i64,
    /// Members that are registered cooperatives (a union cooperative needs ≥3 to activate).
    pub cooperative_member_count: i64,
    /// Whether a member has the `lead` role.
    pub has_lead: bool,
    /// Increases with every change (members included); sent as the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FederationOut {
    pub fn new(f: Federation, stats: MemberStats) -> Self {
        FederationOut {
            id: f.id,
            name: f.name,
            kind: f.kind,
            industry_code: f.industry_code,
            uscc: f.uscc,
            town_code: f.town_code,
            status: f.status,
            activated_on: f.activated_on,
            member_count: stats.members,
            cooperative_member_count: stats.cooperatives,
            has_lead: stats.has_lead,
            version: f.version,
            created_at: f.created_at.and_utc(),
            updated_at: f.updated_at.and_utc(),
        }
    }
}

/// Filters of the federation list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FederationFilterParams {
    pub kind: Option<FederationKind>,
    /// Only this industry code.
    #[validate(length(max = 50))]
    #[param(max_length = 50)]
    pub industry: Option<String>,
    /// Only federations seated in this town.
    #[validate(length(max = 20))]
    #[param(max_length = 20)]
    pub town_code: Option<String>,
    pub status: Option<FederationStatus>,
}

impl FederationFilterParams {
    pub fn to_filter(&self) -> FederationFilter {
        FederationFilter {
            kind: self.kind,
            industry: self.industry.clone(),
            town_code: self.town_code.clone(),
            status: self.status,
        }
    }
}

/// A new member.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_kind": "cooperative", "cooperative_id": 12, "role": "lead"}))]
pub struct FederationMemberCreate {
    pub member_kind: MemberKind,
    /// Required for `cooperative` members (a cooperative of the registry, not merged or
    /// deregistered), absent otherwise.
    pub cooperative_id: Option<i64>,
    /// Required for companies, family farms and smallholders; for a cooperative the name is
    /// taken from the registry.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// `member` when absent; at most one `lead` per federation.
    pub role: Option<MemberRole>,
    /// Date of joining; today when absent, never in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: Option<NaiveDate>,
}

/// A member of a federation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "federation_id": 1, "member_kind": "cooperative", "cooperative_id": 12,
    "name": "南川区金山镇古树茶专业合作社", "role": "lead", "joined_on": "2026-11-27",
    "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct FederationMemberOut {
    pub id: i64,
    pub federation_id: i64,
    pub member_kind: MemberKind,
    pub cooperative_id: Option<i64>,
    pub name: String,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<FederationMember> for FederationMemberOut {
    fn from(m: FederationMember) -> Self {
        FederationMemberOut {
            id: m.id,
            federation_id: m.federation_id,
            member_kind: m.member_kind,
            cooperative_id: m.cooperative_id,
            name: m.name,
            role: m.role,
            joined_on: m.joined_on,
            created_at: m.created_at.and_utc(),
        }
    }
}

/// One federation, briefly, in the by-industry view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FederationBrief {
    pub id: i64,
    pub name: String,
    pub kind: FederationKind,
    pub status: FederationStatus,
}

impl From<Federation> for FederationBrief {
    fn from(f: Federation) -> Self {
        FederationBrief {
            id: f.id,
            name: f.name,
            kind: f.kind,
            status: f.status,
        }
    }
}

/// The federations of one industry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryFederations {
    pub industry_code: String,
    pub name: String,
    /// One of the district's specialty industries (the pilot's target: one federation each).
    pub specialty: bool,
    /// Every federation and consortium of the industry, forming or active.
    pub federations: Vec<FederationBrief>,
    pub active_union_cooperatives: i64,
    pub active_industrial_consortia: i64,
    /// At least one active federation or consortium.
    pub covered: bool,
}

/// Federations and consortia per industry, and the specialty industries still without one.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"industry_code": "ancient_tree_tea", "name": "古树茶", "specialty": true,
        "federations": [{"id": 1, "name": "南川区古树茶专业合作社联合社", "kind": "union_cooperative", "status": "active"}],
        "active_union_cooperatives": 1, "active_industrial_consortia": 0, "covered": true}],
    "specialty_total": 5,
    "specialty_covered": 1,
    "specialty_industries_without_federation": ["herbal_medicine", "square_bamboo_shoot", "nanchuan_rice", "blueberry"]
}))]
pub struct FederationsByIndustry {
    /// Every industry, specialty ones first (reference order).
    pub items: Vec<IndustryFederations>,
    pub specialty_total: i64,
    /// Specialty industries with at least one active federation or consortium.
    pub specialty_covered: i64,
    /// Specialty industry codes with no active federation or consortium yet.
    pub specialty_industries_without_federation: Vec<String>,
}

/// Which member to remove, on the collection path.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveMemberParams {
    /// The membership's id.
    pub member_id: Option<i64>,
    /// Or the member cooperative's id.
    pub cooperative_id: Option<i64>,
}
